/**
 * kube-proxy's nftables mode as a pure function: (node, Services, EndpointSlices, config) → the
 * transaction one full `syncProxyRules` of pkg/proxy/nftables/proxier.go (v1.33+) hands to
 * `nft -f`, and the `ip kube-proxy` table it leaves in the kernel.
 *
 * Dispatch is by verdict map, not by a chain walked rule by rule: `services` looks the packet's
 * `daddr . l4proto . dport` up in `service-ips` (ClusterIPs, externalIPs, LB IPs) and
 * `l4proto . dport` in `service-nodeports` (only for the node's NodePort addresses), then `goto`
 * the Service's chain, where `numgen random mod N vmap` picks an endpoint chain that DNATs.
 * Services without endpoints are rejected/dropped by `no-endpoint-services` /
 * `no-endpoint-nodeports` in the filter chains; LoadBalancerSourceRanges by `firewall-ips`
 * before DNAT; traffic to a ClusterIP port no Service has by `cluster-ips-check`.
 *
 * kube-proxy iterates a Go map; here service ports are written in servicePortName/protocol
 * order, so the text is deterministic. `ruleset()` is a node's first full sync (the one that
 * also re-creates the base chains); later syncs of real kube-proxy only send what changed.
 *
 * @example
 * ```ts
 * const rs = syncNftables({ node: { name: "node-1", ips: ["192.168.0.11"] }, services, endpointSlices,
 *                           config: { clusterCIDR: "10.244.0.0/16", serviceCIDRs: "10.96.0.0/12" } });
 * rs.ruleset();   // "add table ip kube-proxy { comment \"rules for kube-proxy\" ; }\n…"
 * rs.list();      // "table ip kube-proxy {\n\tcomment \"rules for kube-proxy\"\n…"
 * ```
 */
import type { DeepReadonly, EndpointSlice, Service } from "../../api/types";
import { categorizeEndpoints, endpointsFor, externallyAccessible, servicePorts, usesClusterEndpoints, usesLocalEndpoints, type EndpointInfo, type ServicePortInfo } from "../serviceport";
import { canonicalCidr, cidrContains, parseAddressOrCidr } from "../../util/ipv4";
import { endpointChainBase, nftServiceNames } from "./names";
import { NftTransaction, type NftHook, type NftTableModel } from "./table";
import { formatNftList } from "./list";

export interface NftablesProxyConfig {
  /** `--cluster-cidr`: the local-traffic detector (`ip saddr 10.244.0.0/16`); "" = none. */
  clusterCIDR: string;
  /** The Service CIDRs (comma-separated) for "Drop traffic to unallocated ClusterIPs"; "" = no rule. */
  serviceCIDRs?: string;
  masqueradeAll?: boolean;
  /** Default 14: mark 1 << 14, written as Go's `%#08x` (`0x004000`). */
  masqueradeBit?: number;
  /** The mark as written, overriding masqueradeBit (kube-proxy's unit tests use "0x4000"). */
  masqueradeMark?: string;
  /**
   * `nodePortAddresses`: CIDRs, or `["primary"]` (nftables mode's default: the node's primary IP
   * only). An empty list means every local address (`fib daddr type local`).
   */
  nodePortAddresses?: readonly string[];
}

export interface SyncNftablesInput {
  node: { name: string; ips: string[] };
  services: readonly DeepReadonly<Service>[];
  endpointSlices: readonly DeepReadonly<EndpointSlice>[];
  config: NftablesProxyConfig;
}

export const NFT_TABLE = "kube-proxy";

/** nftablesBaseChains: name, type, hook, priority (dstnat-10 = -110, filter = 0, dstnat = -100, srcnat = 100). */
const baseChains: readonly (NftHook & { name: string })[] = [
  { name: "filter-prerouting-pre-dnat", type: "filter", hook: "prerouting", priority: -110 },
  { name: "filter-output-pre-dnat", type: "filter", hook: "output", priority: -110 },
  { name: "filter-input", type: "filter", hook: "input", priority: 0 },
  { name: "filter-forward", type: "filter", hook: "forward", priority: 0 },
  { name: "filter-output", type: "filter", hook: "output", priority: 0 },
  { name: "nat-prerouting", type: "nat", hook: "prerouting", priority: -100 },
  { name: "nat-output", type: "nat", hook: "output", priority: -100 },
  { name: "nat-postrouting", type: "nat", hook: "postrouting", priority: 100 },
];

/** nftablesJumpChains: regular chains the base chains jump to, in kube-proxy's order. */
const jumpChains: readonly { dst: string; src: string; extra: string }[] = [
  { dst: "nodeport-endpoints-check", src: "filter-input", extra: "ct state new" },
  { dst: "service-endpoints-check", src: "filter-input", extra: "ct state new" },
  { dst: "service-endpoints-check", src: "filter-forward", extra: "ct state new" },
  { dst: "service-endpoints-check", src: "filter-output", extra: "ct state new" },
  { dst: "firewall-check", src: "filter-prerouting-pre-dnat", extra: "ct state new" },
  { dst: "firewall-check", src: "filter-output-pre-dnat", extra: "ct state new" },
  { dst: "services", src: "nat-output", extra: "" },
  { dst: "services", src: "nat-prerouting", extra: "" },
  { dst: "masquerading", src: "nat-postrouting", extra: "" },
  { dst: "cluster-ips-check", src: "filter-forward", extra: "ct state new" },
  { dst: "cluster-ips-check", src: "filter-output", extra: "ct state new" },
];

const MAP3 = "ipv4_addr . inet_proto . inet_service : verdict";
const MAP2 = "inet_proto . inet_service : verdict";

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * What one full nftables-mode sync wrote on one node.
 *
 * @example
 * ```ts
 * rs.table.chains.get("services")!.rules.length;   // 2
 * ```
 */
export class NftablesRuleset {
  /** @internal */
  constructor(
    readonly nodeName: string,
    private readonly tx: NftTransaction,
    /** Service ports and the chains written for them, for views. */
    readonly servicePorts: readonly NftServicePortRules[],
  ) {}

  /** The table as the kernel holds it after the transaction. */
  get table(): NftTableModel {
    return this.tx.model;
  }

  /**
   * The exact text kube-proxy passes to `nft -f` on a full sync.
   *
   * @example
   * ```ts
   * rs.ruleset().split("\n")[0];   // 'add table ip kube-proxy { comment "rules for kube-proxy" ; }'
   * ```
   */
  ruleset(): string {
    return this.tx.text();
  }

  /** The table as `add` commands, one per object (knftables' fake `Dump()`). */
  dump(): string {
    return this.tx.dump();
  }

  /**
   * What `nft list table ip kube-proxy` prints afterwards.
   *
   * @example
   * ```ts
   * console.log(rs.list());
   * ```
   */
  list(): string {
    return formatNftList(this.tx.model);
  }
}

/** The chains one service port got (for the notebook view). */
export interface NftServicePortRules {
  servicePortName: string;
  protocol: string;
  clusterIP: string;
  port: number;
  nodePort: number;
  /** Chains written for this port, in the order a packet meets them. */
  chains: string[];
}

/**
 * Run one full nftables-mode sync for a node.
 *
 * @example
 * ```ts
 * syncNftables({ node: { name: "node-1", ips: ["192.168.0.11"] }, services, endpointSlices, config: { clusterCIDR: "10.244.0.0/16" } }).ruleset();
 * ```
 */
export function syncNftables(input: SyncNftablesInput): NftablesRuleset {
  const { node, config } = input;
  const tx = new NftTransaction("ip", NFT_TABLE);
  const mark = config.masqueradeMark ?? `0x${(1 << (config.masqueradeBit ?? 14)).toString(16).padStart(6, "0")}`;
  const nodeIP = node.ips[0] ?? "";
  // --nodeport-addresses: "primary" (the default in nftables mode) is the node IP as a /32.
  const npa = (config.nodePortAddresses ?? ["primary"]).flatMap((a) => (a === "primary" ? (nodeIP ? [`${nodeIP}/32`] : []) : [a]));
  const matchAll = npa.length === 0;
  const localCIDR = config.clusterCIDR;

  // setupNFTables
  tx.addTable("rules for kube-proxy");
  // The first sync deletes the base chains so that changed properties (priorities) can be re-created.
  for (const bc of baseChains) {
    tx.addChain(bc.name);
    tx.deleteChain(bc.name);
  }
  for (const bc of baseChains) {
    tx.addChain(bc.name, { base: { type: bc.type, hook: bc.hook, priority: bc.priority } });
    tx.flushChain(bc.name);
  }
  const created = new Set<string>();
  const ensureChain = (name: string) => {
    if (created.has(name)) return;
    created.add(name);
    tx.addChain(name);
    tx.flushChain(name);
  };
  for (const j of jumpChains) {
    ensureChain(j.dst);
    tx.addRule(j.src, `${j.extra ? j.extra + " " : ""}jump ${j.dst}`);
  }
  for (const c of ["services", "cluster-ips-check", "masquerading", "mark-for-masquerade"]) ensureChain(c);
  tx.addRule("mark-for-masquerade", `mark set mark or ${mark}`);
  tx.addRule("masquerading", `mark and ${mark} == 0 return`);
  tx.addRule("masquerading", `mark set mark xor ${mark}`);
  tx.addRule("masquerading", "masquerade fully-random");
  tx.addSet("set", "cluster-ips", "ipv4_addr", { comment: "Active ClusterIPs" });
  tx.addRule("cluster-ips-check", "ip daddr @cluster-ips reject", "Reject traffic to invalid ports of ClusterIPs");
  if (config.serviceCIDRs) tx.addRule("cluster-ips-check", `ip daddr { ${config.serviceCIDRs} } drop`, "Drop traffic to unallocated ClusterIPs");
  tx.addSet("set", "nodeport-ips", "ipv4_addr", { comment: "IPs that accept NodePort traffic" });
  if (matchAll) tx.deleteSet("set", "nodeport-ips");
  else {
    tx.flushSet("set", "nodeport-ips");
    // GetNodeIPs: the node's addresses inside the configured CIDRs.
    for (const ip of node.ips) {
      if (ip.startsWith("127.")) continue;
      if (npa.some((c) => cidrContains(parseAddressOrCidr(c), ip))) tx.addElement("nodeport-ips", ip);
    }
  }
  tx.addSet("map", "no-endpoint-services", MAP3, { comment: "vmap to drop or reject packets to services with no endpoints" });
  tx.addSet("map", "no-endpoint-nodeports", MAP2, { comment: "vmap to drop or reject packets to service nodeports with no endpoints" });
  tx.addChain("reject-chain", { comment: "helper for @no-endpoint-services / @no-endpoint-nodeports" });
  tx.flushChain("reject-chain");
  tx.addRule("reject-chain", "reject");
  tx.addRule("service-endpoints-check", "ip daddr . meta l4proto . th dport vmap @no-endpoint-services");
  tx.addRule(
    "nodeport-endpoints-check",
    matchAll ? "ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @no-endpoint-nodeports" : "ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports",
  );
  tx.addSet("map", "firewall-ips", MAP3, { comment: "destinations that are subject to LoadBalancerSourceRanges" });
  ensureChain("firewall-check");
  tx.addRule("firewall-check", "ip daddr . meta l4proto . th dport vmap @firewall-ips");
  tx.addSet("map", "service-ips", MAP3, { comment: "ClusterIP, ExternalIP and LoadBalancer IP traffic" });
  tx.addSet("map", "service-nodeports", MAP2, { comment: "NodePort traffic" });
  tx.addRule("services", "ip daddr . meta l4proto . th dport vmap @service-ips");
  tx.addRule(
    "services",
    matchAll ? "fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports" : "ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports",
  );
  tx.flushSet("set", "cluster-ips");
  for (const m of ["service-ips", "firewall-ips", "no-endpoint-services", "no-endpoint-nodeports", "service-nodeports"]) tx.flushSet("map", m);

  // syncProxyRules: one block per service port.
  const sps: { sp: ServicePortInfo; eps: EndpointInfo[] }[] = [];
  // Index slices by Service once, so each port scans only its own slices.
  const slicesBySvc = new Map<string, DeepReadonly<EndpointSlice>[]>();
  for (const sl of input.endpointSlices) {
    const svcName = sl.metadata.labels?.["kubernetes.io/service-name"];
    if (!svcName) continue;
    const key = `${sl.metadata.namespace ?? "default"}/${svcName}`;
    let l = slicesBySvc.get(key);
    if (!l) slicesBySvc.set(key, (l = []));
    l.push(sl);
  }
  for (const svc of input.services) {
    for (const sp of servicePorts(svc)) {
      const own = slicesBySvc.get(`${sp.namespace}/${sp.name}`);
      sps.push({ sp, eps: own ? endpointsFor(sp, own, node.name) : [] });
    }
  }
  sps.sort((a, b) => cmp(a.sp.servicePortName, b.sp.servicePortName) || cmp(a.sp.protocol, b.sp.protocol));
  const views: NftServicePortRules[] = [];

  for (const { sp, eps } of sps) {
    const protocol = sp.protocol.toLowerCase();
    const names = nftServiceNames(sp.namespace, sp.name, sp.protocol, sp.portName);
    // One hash per endpoint: its chain and affinity set share the base name.
    const bases = new Map<EndpointInfo, string>();
    const base = (e: EndpointInfo) => {
      let b = bases.get(e);
      if (b === undefined) bases.set(e, (b = endpointChainBase(sp.namespace, sp.name, sp.protocol, sp.portName, e.endpoint)));
      return b;
    };
    const epChain = (e: EndpointInfo) => "endpoint-" + base(e);
    const affinitySet = (e: EndpointInfo) => "affinity-" + base(e);
    const { clusterEndpoints, localEndpoints, allReachableEndpoints, hasAnyEndpoints: hasEndpoints } = categorizeEndpoints(eps, sp);
    const affinity = sp.sessionAffinityTimeoutSeconds > 0;
    const chainsUsed: string[] = [];

    for (const e of allReachableEndpoints) ensureChain(epChain(e));
    const usesClusterPolicyChain = (clusterEndpoints?.length ?? 0) > 0 && usesClusterEndpoints(sp);
    if (usesClusterPolicyChain) ensureChain(names.cluster);
    const usesLocalPolicyChain = (localEndpoints?.length ?? 0) > 0 && usesLocalEndpoints(sp);
    if (usesLocalPolicyChain) ensureChain(names.local);

    let internalChain = names.cluster;
    let hasInternalEndpoints = hasEndpoints;
    if (sp.internalPolicyLocal) {
      internalChain = names.local;
      if ((localEndpoints?.length ?? 0) === 0) hasInternalEndpoints = false;
    }
    let externalPolicyChain = names.cluster;
    let hasExternalEndpoints = hasEndpoints;
    if (sp.externalPolicyLocal) {
      externalPolicyChain = names.local;
      if ((localEndpoints?.length ?? 0) === 0) hasExternalEndpoints = false;
    }
    const usesExternalChain = hasEndpoints && externallyAccessible(sp);
    if (usesExternalChain) ensureChain(names.external);

    let internalVerdict = "";
    let externalVerdict = "";
    if (!hasEndpoints) {
      internalVerdict = "goto reject-chain";
      externalVerdict = "goto reject-chain";
    } else {
      if (!hasInternalEndpoints) internalVerdict = "drop";
      if (!hasExternalEndpoints) externalVerdict = "drop";
    }

    const key3 = (ip: string) => `${ip} . ${protocol} . ${sp.port}`;
    tx.addElement("cluster-ips", sp.clusterIP);
    if (hasInternalEndpoints) tx.addElement("service-ips", key3(sp.clusterIP), `goto ${internalChain}`);
    else tx.addElement("no-endpoint-services", key3(sp.clusterIP), internalVerdict, sp.servicePortName);

    for (const ip of sp.externalIPs) {
      if (hasEndpoints) tx.addElement("service-ips", key3(ip), `goto ${names.external}`);
      if (!hasExternalEndpoints) tx.addElement("no-endpoint-services", key3(ip), externalVerdict, sp.servicePortName);
    }

    const usesFWChain = sp.loadBalancerIPs.length > 0 && sp.loadBalancerSourceRanges.length > 0;
    if (usesFWChain) ensureChain(names.firewall);
    for (const ip of sp.loadBalancerIPs) {
      if (hasEndpoints) tx.addElement("service-ips", key3(ip), `goto ${names.external}`);
      if (usesFWChain) tx.addElement("firewall-ips", key3(ip), `goto ${names.firewall}`);
    }
    if (!hasExternalEndpoints) for (const ip of sp.loadBalancerIPs) tx.addElement("no-endpoint-services", key3(ip), externalVerdict, sp.servicePortName);

    if (sp.nodePort !== 0) {
      if (hasEndpoints) tx.addElement("service-nodeports", `${protocol} . ${sp.nodePort}`, `goto ${names.external}`);
      if (!hasExternalEndpoints) tx.addElement("no-endpoint-nodeports", `${protocol} . ${sp.nodePort}`, externalVerdict, sp.servicePortName);
    }

    if (hasInternalEndpoints) {
      if (config.masqueradeAll) tx.addRule(internalChain, `ip daddr ${sp.clusterIP} ${protocol} dport ${sp.port} jump mark-for-masquerade`);
      else if (localCIDR) tx.addRule(internalChain, `ip daddr ${sp.clusterIP} ${protocol} dport ${sp.port} ip saddr != ${localCIDR} jump mark-for-masquerade`);
    }

    if (usesExternalChain) {
      chainsUsed.push(names.external);
      if (!sp.externalPolicyLocal) tx.addRule(names.external, "jump mark-for-masquerade");
      else {
        if (localCIDR) tx.addRule(names.external, `ip saddr ${localCIDR} goto ${names.cluster}`, "short-circuit pod traffic");
        tx.addRule(names.external, "fib saddr type local jump mark-for-masquerade", "masquerade local traffic");
        tx.addRule(names.external, `fib saddr type local goto ${names.cluster}`, "short-circuit local traffic");
      }
      if (hasExternalEndpoints) tx.addRule(names.external, `goto ${externalPolicyChain}`);
    }

    if (usesFWChain) {
      const sources: string[] = [];
      let allowFromNode = false;
      for (const r of sp.loadBalancerSourceRanges) {
        let c: string;
        try {
          c = canonicalCidr(r);
        } catch {
          continue; // kube-proxy ignores unparsable ranges
        }
        sources.push(c);
        if (nodeIP && cidrContains(parseAddressOrCidr(c), nodeIP)) allowFromNode = true;
      }
      if (allowFromNode) sources.push(...sp.loadBalancerIPs);
      tx.addRule(names.firewall, `ip saddr != { ${sources.join(" , ")} } drop`);
      chainsUsed.unshift(names.firewall);
    }

    if (affinity) {
      for (const e of allReachableEndpoints) {
        tx.addSet("set", affinitySet(e), "ipv4_addr", { flags: ["dynamic", "timeout"], timeout: sp.sessionAffinityTimeoutSeconds });
      }
    }

    const writeServiceToEndpointRules = (chain: string, endpoints: readonly EndpointInfo[]) => {
      if (affinity) for (const e of endpoints) tx.addRule(chain, `ip saddr @${affinitySet(e)} goto ${epChain(e)}`);
      const elements = endpoints.map((e, i) => `${i} : goto ${epChain(e)}`).join(" , ");
      tx.addRule(chain, `numgen random mod ${endpoints.length} vmap { ${elements} }`);
    };
    if (usesClusterPolicyChain) {
      writeServiceToEndpointRules(names.cluster, clusterEndpoints!);
      chainsUsed.push(names.cluster);
    }
    if (usesLocalPolicyChain) {
      writeServiceToEndpointRules(names.local, localEndpoints!);
      chainsUsed.push(names.local);
    }

    for (const e of allReachableEndpoints) {
      const c = epChain(e);
      tx.addRule(c, `ip saddr ${e.ip} jump mark-for-masquerade`);
      if (affinity) tx.addRule(c, `update @${affinitySet(e)} { ip saddr }`);
      tx.addRule(c, `meta l4proto ${protocol} dnat to ${e.endpoint}`);
      chainsUsed.push(c);
    }
    views.push({ servicePortName: sp.servicePortName, protocol, clusterIP: sp.clusterIP, port: sp.port, nodePort: sp.nodePort, chains: chainsUsed });
  }

  return new NftablesRuleset(node.name, tx, views);
}
