/**
 * Is this string an IP address? The same answers as Node's `net.isIP`/`isIPv4`/`isIPv6` (dotted
 * quads without leading zeros; RFC 4291 text forms with an optional `%zone`), written out so the
 * simulation needs no Node built-in and runs unchanged in a browser.
 *
 * @example
 * ```ts
 * isIP("10.96.0.10");   // 4
 * isIP("fd00::10");     // 6
 * isIP("010.0.0.1");    // 0 (a leading zero is not accepted, as in Node)
 * ```
 */

const V4_OCTET = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)$/;
const V6_GROUP = /^[0-9a-fA-F]{1,4}$/;
const ZONE = /^[0-9a-zA-Z.:-]+$/;

/**
 * True for a dotted-quad IPv4 address.
 *
 * @example
 * ```ts
 * isIPv4("192.0.2.1");  // true
 * ```
 */
export function isIPv4(s: string): boolean {
  const parts = s.split(".");
  return parts.length === 4 && parts.every((p) => V4_OCTET.test(p));
}

/**
 * True for an IPv6 address in any RFC 4291 text form (`::`, an embedded IPv4 tail, a `%zone`).
 *
 * @example
 * ```ts
 * isIPv6("::ffff:10.0.0.1");  // true
 * isIPv6("1::2::3");          // false
 * ```
 */
export function isIPv6(s: string): boolean {
  const pct = s.indexOf("%");
  if (pct >= 0 && !ZONE.test(s.slice(pct + 1))) return false;
  const addr = pct >= 0 ? s.slice(0, pct) : s;
  const halves = addr.split("::");
  if (halves.length > 2) return false;
  const groups = (h: string): string[] | null => (h === "" ? [] : h.split(":"));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : null;
  if (!head || (halves.length === 2 && !tail)) return false;
  const all = [...head, ...(tail ?? [])];
  // An IPv4 tail counts as two groups and may only end the text (not stand before a "::").
  const v4At = tail === null || tail.length > 0 ? all.length - 1 : -1;
  let width = 0;
  for (let i = 0; i < all.length; i++) {
    const g = all[i]!;
    if (V6_GROUP.test(g)) width += 1;
    else if (i === v4At && isIPv4(g)) width += 2;
    else return false;
  }
  return tail === null ? width === 8 : width <= 7;
}

/**
 * 4 for IPv4, 6 for IPv6, 0 otherwise (as `net.isIP`).
 *
 * @example
 * ```ts
 * isIP("not-an-ip");  // 0
 * ```
 */
export function isIP(s: string): 0 | 4 | 6 {
  return isIPv4(s) ? 4 : isIPv6(s) ? 6 : 0;
}

/**
 * True for `a.b.c.d/len` with a valid IPv4 address and a prefix length 0–32 (Go's
 * `ParseCIDRSloppy` also takes leading zeros, which kube-proxy's family split tolerates).
 *
 * @example
 * ```ts
 * isIPv4Cidr("203.0.113.0/25");  // true
 * isIPv4Cidr("fd00::/64");       // false
 * ```
 */
export function isIPv4Cidr(s: string): boolean {
  const slash = s.indexOf("/");
  if (slash < 0) return false;
  const len = s.slice(slash + 1);
  const octets = s.slice(0, slash).split(".");
  return /^\d{1,2}$/.test(len) && Number(len) <= 32 && octets.length === 4 && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255);
}
