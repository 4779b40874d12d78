/**
 * IPv4 address and CIDR arithmetic (what k8s.io/utils/net provides to Kubernetes components).
 *
 * @example
 * ```ts
 * const c = parseCIDR("10.96.0.0/12");
 * c.size;                       // 1048576
 * formatIP(c.base + 10);        // "10.96.0.10"
 * cidrContains(c, "10.96.0.1"); // true
 * ```
 */
export interface CIDR {
  /** Network address as an unsigned 32-bit integer. */
  base: number;
  prefix: number;
  /** Number of addresses. */
  size: number;
  text: string;
}

export function parseIP(ip: string): number {
  const p = ip.split(".");
  if (p.length !== 4) throw new Error(`invalid IPv4 address "${ip}"`);
  let n = 0;
  for (const part of p) {
    const v = Number(part);
    if (!/^\d{1,3}$/.test(part) || v > 255) throw new Error(`invalid IPv4 address "${ip}"`);
    n = n * 256 + v;
  }
  return n;
}

export function formatIP(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function parseCIDR(text: string): CIDR {
  const [ip, len] = text.split("/");
  const prefix = Number(len);
  if (!ip || len === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`invalid CIDR "${text}"`);
  const size = 2 ** (32 - prefix);
  const base = parseIP(ip) - (parseIP(ip) % size);
  return { base, prefix, size, text: `${formatIP(base)}/${prefix}` };
}

export function cidrContains(c: CIDR, ip: string | number): boolean {
  const n = typeof ip === "string" ? safeParseIP(ip) : ip;
  return n !== undefined && n >= c.base && n < c.base + c.size;
}

function safeParseIP(ip: string): number | undefined {
  try {
    return parseIP(ip);
  } catch {
    return undefined;
  }
}

/** The `index`-th subnet of length `prefix` inside `c` (node podCIDRs carved from clusterCIDR). */
export function subnet(c: CIDR, prefix: number, index: number): CIDR {
  const size = 2 ** (32 - prefix);
  if (prefix < c.prefix || (index + 1) * size > c.size) throw new Error(`${c.text} has no room for subnet #${index} of /${prefix}`);
  return parseCIDR(`${formatIP(c.base + index * size)}/${prefix}`);
}
