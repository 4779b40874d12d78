/**
 * kube-proxy's IPVS mode: virtual servers, kube-ipvs0 addresses, ipsets, the iptables rules that
 * match them, and the `ipvsadm -Ln` view.
 *
 * @example
 * ```ts
 * import { syncIpvs } from "./proxy/ipvs";
 * ```
 */
export { syncIpvs, IpvsRuleset, ipvsIpsets } from "./proxier";
export type { IpvsProxyConfig, SyncIpvsInput } from "./proxier";
export { formatIpvsadm, ipvsRows } from "./ipvsadm";
export type { IpvsRow } from "./ipvsadm";
