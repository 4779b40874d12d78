/**
 * IPv4 addresses as unsigned 32-bit numbers, and CIDR prefixes: the data path compares numbers,
 * never strings, so a rule match is a mask and a compare as in the kernel.
 *
 * @example
 * ```ts
 * const c = parseCidr("10.244.0.0/16");
 * cidrContains(c, parseIPv4("10.244.3.7"));   // true
 * formatIPv4(parseIPv4("10.96.0.1"));         // "10.96.0.1"
 * ```
 */

/** A CIDR prefix: `base` is already masked. */
export interface Cidr {
  readonly base: number;
  readonly mask: number;
  readonly prefix: number;
}

/**
 * Parse a dotted-quad IPv4 address; returns -1 when it is not one.
 *
 * @example
 * ```ts
 * tryParseIPv4("10.0.0.1");  // 167772161
 * tryParseIPv4("nope");      // -1
 * ```
 */
export function tryParseIPv4(s: string): number {
  const parts = s.split(".");
  if (parts.length !== 4) return -1;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return -1;
    const v = Number(p);
    if (v > 255) return -1;
    n = n * 256 + v;
  }
  return n >>> 0;
}

/**
 * Parse a dotted-quad IPv4 address or throw.
 *
 * @example
 * ```ts
 * parseIPv4("192.168.0.1");  // 3232235521
 * ```
 */
export function parseIPv4(s: string): number {
  const n = tryParseIPv4(s);
  if (n < 0) throw new Error(`invalid IPv4 address "${s}"`);
  return n;
}

/**
 * Format an unsigned 32-bit number as a dotted quad.
 *
 * @example
 * ```ts
 * formatIPv4(167772161);  // "10.0.0.1"
 * ```
 */
export function formatIPv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/**
 * The netmask of a prefix length as an unsigned number.
 *
 * @example
 * ```ts
 * prefixMask(24);   // 0xffffff00
 * ```
 */
export function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/**
 * Parse `a.b.c.d/len` (or a bare address, meaning /32) or a dotted netmask `a.b.c.d/255.255.0.0`.
 *
 * @example
 * ```ts
 * parseCidr("10.96.0.10");      // { base: …, mask: 0xffffffff, prefix: 32 }
 * parseCidr("10.244.0.0/16").prefix;  // 16
 * ```
 */
export function parseCidr(s: string): Cidr {
  const slash = s.indexOf("/");
  const ip = parseIPv4(slash < 0 ? s : s.slice(0, slash));
  let prefix = 32;
  if (slash >= 0) {
    const rest = s.slice(slash + 1);
    if (/^\d{1,2}$/.test(rest) && Number(rest) <= 32) prefix = Number(rest);
    else {
      const m = tryParseIPv4(rest);
      if (m < 0) throw new Error(`invalid CIDR "${s}"`);
      prefix = Math.clz32(~m >>> 0); // leading ones of the mask
      if (prefixMask(prefix) !== m) throw new Error(`non-contiguous netmask in "${s}"`);
    }
  }
  const mask = prefixMask(prefix);
  return { base: (ip & mask) >>> 0, mask, prefix };
}

/**
 * True when the address lies inside the prefix.
 *
 * @example
 * ```ts
 * cidrContains(parseCidr("10.0.0.0/8"), parseIPv4("10.1.2.3"));  // true
 * ```
 */
export function cidrContains(c: Cidr, ip: number): boolean {
  return ((ip & c.mask) >>> 0) === c.base;
}

/**
 * Format a prefix as `a.b.c.d/len`.
 *
 * @example
 * ```ts
 * formatCidr(parseCidr("10.244.1.7/24"));  // "10.244.1.0/24"
 * ```
 */
export function formatCidr(c: Cidr): string {
  return `${formatIPv4(c.base)}/${c.prefix}`;
}
