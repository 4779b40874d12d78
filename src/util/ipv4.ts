/**
 * IPv4 addresses and CIDR prefixes, the one implementation every component uses (what
 * k8s.io/utils/net and Go's net package give Kubernetes). Addresses are unsigned 32-bit numbers so
 * the data path matches a rule with a mask and a compare, as the kernel does.
 *
 * @example
 * ```ts
 * const c = parseCidr("10.96.0.0/12");
 * c.size;                              // 1048576
 * formatIPv4(c.base + 10);             // "10.96.0.10"
 * cidrContains(c, "10.96.0.1");        // true
 * cidrContains(c, parseIPv4("10.1.2.3")); // false
 * ```
 */

/** A CIDR prefix: `base` is already masked; `text` is its canonical `a.b.c.d/len` spelling. */
export interface Cidr {
  /** Network address as an unsigned 32-bit integer. */
  readonly base: number;
  readonly mask: number;
  readonly prefix: number;
  /** Number of addresses. */
  readonly size: number;
  readonly text: string;
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
 * Parse a dotted-quad IPv4 address or throw `invalid IPv4 address "…"`.
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

function makeCidr(ip: number, prefix: number): Cidr {
  const mask = prefixMask(prefix);
  const base = (ip & mask) >>> 0;
  return { base, mask, prefix, size: 2 ** (32 - prefix), text: `${formatIPv4(base)}/${prefix}` };
}

/**
 * Parse `a.b.c.d/len` strictly, as a Kubernetes config field is parsed (host bits are cleared);
 * throws `invalid CIDR "…"`.
 *
 * @example
 * ```ts
 * parseCidr("10.244.1.7/24").text;  // "10.244.1.0/24"
 * parseCidr("10.244.1.7");          // throws: invalid CIDR "10.244.1.7"
 * ```
 */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf("/");
  const len = text.slice(slash + 1);
  if (slash <= 0 || !/^\d{1,2}$/.test(len) || Number(len) > 32) throw new Error(`invalid CIDR "${text}"`);
  return makeCidr(parseIPv4(text.slice(0, slash)), Number(len));
}

/**
 * Parse an address as iptables accepts it after `-s`/`-d`: `a.b.c.d/len`, a bare address (/32),
 * or `a.b.c.d/255.255.0.0`.
 *
 * @example
 * ```ts
 * parseAddressOrCidr("10.96.0.10").prefix;          // 32
 * parseAddressOrCidr("10.0.0.0/255.0.0.0").prefix;  // 8
 * ```
 */
export function parseAddressOrCidr(s: string): Cidr {
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
  return makeCidr(ip, prefix);
}

/**
 * True when the address (a number, or a dotted quad; anything else is outside) lies inside the prefix.
 *
 * @example
 * ```ts
 * cidrContains(parseCidr("10.0.0.0/8"), parseIPv4("10.1.2.3"));  // true
 * cidrContains(parseCidr("10.0.0.0/8"), "fe80::1");              // false
 * ```
 */
export function cidrContains(c: Cidr, ip: number | string): boolean {
  const n = typeof ip === "number" ? ip : tryParseIPv4(ip);
  return n >= 0 && ((n & c.mask) >>> 0) === c.base;
}

/**
 * Canonical `a.b.c.d/len` with host bits cleared, as iptables stores a `-s`/`-d` value (and as Go's
 * `net.IPNet.String()` prints a parsed CIDR).
 *
 * @example
 * ```ts
 * canonicalCidr("203.0.113.7/25");  // "203.0.113.0/25"
 * canonicalCidr("10.0.0.1");        // "10.0.0.1/32"
 * ```
 */
export function canonicalCidr(s: string): string {
  return parseAddressOrCidr(s).text;
}

/**
 * The `index`-th subnet of length `prefix` inside `c` (node podCIDRs carved from clusterCIDR).
 *
 * @example
 * ```ts
 * subnet(parseCidr("10.244.0.0/16"), 24, 2).text;  // "10.244.2.0/24"
 * ```
 */
export function subnet(c: Cidr, prefix: number, index: number): Cidr {
  const size = 2 ** (32 - prefix);
  if (prefix < c.prefix || (index + 1) * size > c.size) throw new Error(`${c.text} has no room for subnet #${index} of /${prefix}`);
  return makeCidr(c.base + index * size, prefix);
}

/**
 * Order addresses numerically when both are IPv4, else as strings (kubectl's and the tables' sort).
 *
 * @example
 * ```ts
 * ["10.0.0.10", "10.0.0.9"].sort(compareIPs);  // ["10.0.0.9", "10.0.0.10"]
 * ```
 */
export function compareIPs(a: string, b: string): number {
  const x = tryParseIPv4(a);
  const y = tryParseIPv4(b);
  if (x >= 0 && y >= 0) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Sort key for an `ip:port` endpoint: the address, then the port, as one number.
 *
 * @example
 * ```ts
 * endpointKey("10.0.0.1:80") < endpointKey("10.0.0.1:8080");  // true
 * ```
 */
export function endpointKey(endpoint: string): number {
  const colon = endpoint.lastIndexOf(":");
  return tryParseIPv4(endpoint.slice(0, colon)) * 65536 + Number(endpoint.slice(colon + 1));
}
