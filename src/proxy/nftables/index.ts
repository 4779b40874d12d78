/**
 * kube-proxy's nftables mode: the `ip kube-proxy` table (`syncNftables`), its `nft -f` text and
 * the `nft list table` view.
 *
 * @example
 * ```ts
 * import { syncNftables } from "./proxy/nftables";
 * ```
 */
export { syncNftables, NftablesRuleset, NFT_TABLE } from "./proxier";
export type { NftablesProxyConfig, SyncNftablesInput, NftServicePortRules } from "./proxier";
export { NftTransaction } from "./table";
export type { NftTableModel, NftChain, NftRule, NftSet, NftElement, NftHook } from "./table";
export { formatNftList } from "./list";
export { hashAndTruncate, servicePortChainBase, endpointChainBase, nftServiceNames } from "./names";
export type { NftServiceNames } from "./names";
export { nftRows } from "./rows";
export type { NftRow } from "./rows";
