/**
 * kube-proxy's iptables mode: rule generation (`syncIptables`), chain naming, and the
 * iptables-save view of a node.
 *
 * @example
 * ```ts
 * import { syncIptables } from "./proxy/iptables";
 * const rs = syncIptables({ node, services, endpointSlices, config: { clusterCIDR: "10.244.0.0/16" } });
 * ```
 */
export { syncIptables, IptablesRuleset } from "./proxier";
export type {
  KubeProxyConfig,
  ProxyNode,
  SyncIptablesInput,
  IptablesRow,
  IptablesCounts,
  LoadBalancingInfo,
  SaveOptions,
} from "./proxier";
export { serviceChainNames, endpointChainName, hash16 } from "./chains";
export type { ServiceChainNames } from "./chains";
export { kubeProxyProbability, savedProbability, kernelProbability, formatFixed } from "./format";
export { nodeSetupOps, setupOpArgv, setupOpCheckArgv } from "./node";
export type { SetupOp, TableName, NodeSetupOptions } from "./node";
export { saveRule, parseRule, saveString } from "./save";
export { tokenize } from "../../util/iptables/tokenize";
export { canonicalCidr } from "../../util/ipv4";
