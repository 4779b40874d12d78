/**
 * kube-proxy's iptables mode as a pure function: (node, Services, EndpointSlices, config) →
 * the ruleset a full `syncProxyRules` writes (pkg/proxy/iptables/proxier.go, v1.31+).
 *
 * `restoreInput()` is byte-for-byte the text kube-proxy hands to
 * `iptables-restore --noflush --counters` on a full sync of a node whose kernel has no stale
 * chains. kube-proxy walks its service map in Go's random map order; here service ports are
 * written in `servicePortName`/protocol order so output is deterministic (iptables-save sorts
 * user chains anyway, so `save()` is unaffected).
 *
 * `save()` is what `iptables-save` prints on the node afterwards, including the chains and
 * jump rules kubelet and kube-proxy install with single iptables commands (see ./node.ts).
 *
 * @example
 * ```ts
 * const rs = syncIptables({
 *   node: { name: "node-1", ips: ["192.168.0.11"] },
 *   services, endpointSlices,
 *   config: { clusterCIDR: "10.244.0.0/16" },
 * });
 * rs.restoreInput();   // "*filter\n:KUBE-SERVICES - [0:0]\n..."
 * rs.save();           // "*mangle\n:PREROUTING ACCEPT [0:0]\n..."
 * rs.rows().filter((r) => r.effectiveShare !== undefined)
 * ```
 */
import type { DeepReadonly, EndpointSlice, Service } from "../../api/types";
import {
  categorizeEndpoints,
  endpointsFor,
  externallyAccessible,
  servicePorts,
  usesClusterEndpoints,
  usesLocalEndpoints,
  type EndpointInfo,
  type ServicePortInfo,
} from "../serviceport";
import { servicePortChains } from "./chains";
import { kernelProbability, kubeProxyProbability } from "./format";
import {
  applySetupOps,
  nodeSetupOps,
  tableOrder,
  TableModel,
  type NodeSetupOptions,
  type SetupOp,
  type TableName,
} from "./node";
import { formatSaved, parseRule, ruleComment, savedMatchesText, savedTargetText } from "./save";
import { canonicalCidr, cidrContains, parseAddressOrCidr } from "../../util/ipv4";

/** The kube-proxy options that change iptables output (KubeProxyConfiguration + detected host features). */
export interface KubeProxyConfig {
  /** `--cluster-cidr`; drives the `! -s <cidr>` / `-s <cidr>` local-traffic detector. "" = no detector. */
  clusterCIDR: string;
  /** `--masquerade-all`: SNAT all ClusterIP traffic. Default false. */
  masqueradeAll?: boolean;
  /** `iptables.masqueradeBit`; the mark is 1 << bit. Default 14 (0x4000). */
  masqueradeBit?: number;
  /** `iptables.localhostNodePorts`. Default true. */
  localhostNodePorts?: boolean;
  /** Endpoints above which comments on per-endpoint rules are dropped. kube-proxy's constant is 1000. */
  largeClusterEndpointsThreshold?: number;
  /** `nodePortAddresses` CIDRs; empty = all local addresses (`-m addrtype --dst-type LOCAL`). */
  nodePortAddresses?: string[];
  /**
   * Whether the kernel has xt_nfacct, so kube-proxy's nfacct counters exist and its rules carry
   * `-m nfacct`. Default false (this also matches kernels like the test machine's without the module).
   */
  nfacct?: boolean;
  /** `net.netfilter.nf_conntrack_tcp_be_liberal` is set: no INVALID drop rule. Default false. */
  conntrackTCPLiberal?: boolean;
  /** iptables supports `MASQUERADE --random-fully` (any iptables ≥ 1.6.2). Default true. */
  randomFully?: boolean;
}

/** The node kube-proxy runs on. */
export interface ProxyNode {
  name: string;
  /** Node IPs, InternalIP first (kube-proxy's nodeIP is the first). */
  ips: string[];
}

/** Input of {@link syncIptables}. */
export interface SyncIptablesInput {
  node: ProxyNode;
  services: readonly DeepReadonly<Service>[];
  endpointSlices: readonly DeepReadonly<EndpointSlice>[];
  config: KubeProxyConfig;
}

/** Load-balancing data attached to a KUBE-SVC/KUBE-SVL rule. */
export interface LoadBalancingInfo {
  servicePortName: string;
  endpoint: string;
  /** 1/(n−i) as written (`--probability`), or 1 for the last, unconditional rule. */
  probability: number;
  /** Share of new connections this rule receives, with the kernel's quantised probabilities. */
  effectiveShare: number;
}

/** One rule of the node's tables, for a notebook table. */
export interface IptablesRow {
  table: TableName;
  chain: string;
  /** 1-based position in the chain, as `iptables -L --line-numbers`. */
  ruleNumber: number;
  /** Matches in iptables-save spelling, without the comment. */
  matches: string;
  /** `-j` target and its options (`DNAT --to-destination 10.244.1.5:8080`); "" when none. */
  target: string;
  comment?: string;
  /** For KUBE-SVC/KUBE-SVL load-balancing rules. */
  probability?: number;
  effectiveShare?: number;
  endpoint?: string;
  servicePortName?: string;
}

/** Sizes of a ruleset (restore input only, as kube-proxy's metrics count them). */
export interface IptablesCounts {
  servicePorts: number;
  endpoints: number;
  filterChains: number;
  filterRules: number;
  natChains: number;
  natRules: number;
}

/** Options of {@link IptablesRuleset.save}. */
export interface SaveOptions extends NodeSetupOptions {
  /** Print `[0:0]` counters on chain lines as iptables-save does; default true. */
  counters?: boolean;
}

const masqChain = "KUBE-MARK-MASQ";

// Effective shares for n endpoints with the kernel's probabilities, cached per n.
const shareCache = new Map<number, Float64Array>();
function sharesFor(n: number): Float64Array {
  let s = shareCache.get(n);
  if (!s) {
    s = new Float64Array(n);
    let remaining = 1;
    for (let i = 0; i < n; i++) {
      const p = i < n - 1 ? kernelProbability(kubeProxyProbability(n - i)) : 1;
      s[i] = remaining * p;
      remaining *= 1 - p;
    }
    if (n <= 100_000) shareCache.set(n, s);
  }
  return s;
}

/** The load-balancing rules of one KUBE-SVC/KUBE-SVL chain: natRules[first .. first+n). */
interface LbBlock {
  first: number;
  servicePortName: string;
  endpoints: EndpointInfo[];
}

function lbInfoMap(blocks: readonly LbBlock[]): Map<number, LoadBalancingInfo> {
  const m = new Map<number, LoadBalancingInfo>();
  for (const b of blocks) {
    const n = b.endpoints.length;
    const shares = sharesFor(n);
    for (let i = 0; i < n; i++) {
      m.set(b.first + i, {
        servicePortName: b.servicePortName,
        endpoint: b.endpoints[i]!.endpoint,
        probability: i < n - 1 ? 1 / (n - i) : 1,
        effectiveShare: shares[i]!,
      });
    }
  }
  return m;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The result of one full kube-proxy sync on one node. */
export class IptablesRuleset {
  private saveCache: Map<TableName, TableModel<LoadBalancingInfo>> | undefined;
  private saveCacheKubelet: boolean | undefined;
  /** save()'s text per options: a sync's rules never change, and the data path asks on every traffic() call. */
  private readonly savedText = new Map<string, string>();

  /** @internal */
  constructor(
    readonly nodeName: string,
    readonly largeClusterMode: boolean,
    private readonly filterChains: string[],
    private readonly filterRules: string[],
    private readonly natChains: string[],
    private readonly natRules: string[],
    private readonly lb: LbBlock[],
    private readonly servicePortCount: number,
    private readonly endpointCount: number,
  ) {}

  /** Chain and rule counts of the restore input. */
  get counts(): IptablesCounts {
    return {
      servicePorts: this.servicePortCount,
      endpoints: this.endpointCount,
      filterChains: this.filterChains.length,
      filterRules: this.filterRules.length,
      natChains: this.natChains.length,
      natRules: this.natRules.length,
    };
  }

  /**
   * The exact text kube-proxy passes to `iptables-restore --noflush --counters`.
   *
   * @example
   * ```ts
   * rs.restoreInput().split("\n")[0]   // "*filter"
   * ```
   */
  restoreInput(): string {
    const chainLines = (chains: string[]) => (chains.length ? chains.join(" - [0:0]\n:") : "");
    const block = (table: string, chains: string[], rules: string[]) =>
      `*${table}\n` +
      (chains.length ? `:${chainLines(chains)} - [0:0]\n` : "") +
      (rules.length ? rules.join("\n") + "\n" : "") +
      "COMMIT\n";
    return block("filter", this.filterChains, this.filterRules) + block("nat", this.natChains, this.natRules);
  }

  /**
   * The iptables commands (argument vectors for `iptables`) kubelet and kube-proxy run before
   * the restore: chain creation and the jump rules in the built-in chains.
   *
   * @example
   * ```ts
   * for (const op of rs.setupOps()) execFileSync("iptables", ["-w", ...setupOpArgv(op)]);
   * ```
   */
  setupOps(opts: NodeSetupOptions = {}): SetupOp[] {
    return nodeSetupOps(opts);
  }

  private model(kubelet: boolean): Map<TableName, TableModel<LoadBalancingInfo>> {
    if (this.saveCache && this.saveCacheKubelet === kubelet) return this.saveCache;
    const tables = new Map<TableName, TableModel<LoadBalancingInfo>>();
    applySetupOps(tables, nodeSetupOps({ kubelet }));
    const load = (name: TableName, chains: string[], rules: string[], meta?: Map<number, LoadBalancingInfo>) => {
      let t = tables.get(name);
      if (!t) {
        t = new TableModel<LoadBalancingInfo>(name);
        tables.set(name, t);
      }
      for (const c of chains) t.flushChain(c);
      for (let i = 0; i < rules.length; i++) {
        const line = rules[i]!;
        const chain = line.slice(3, line.indexOf(" ", 3));
        const m = meta?.get(i);
        t.rulesOf(chain).push(m ? { line, meta: m } : { line });
      }
    };
    load("filter", this.filterChains, this.filterRules);
    load("nat", this.natChains, this.natRules, lbInfoMap(this.lb));
    this.saveCache = tables;
    this.saveCacheKubelet = kubelet;
    return tables;
  }

  /**
   * What `iptables-save` prints on the node after the sync, without its `#` header/footer
   * comment lines. Chain lines carry `[0:0]` unless `counters: false`.
   *
   * @example
   * ```ts
   * rs.save().includes("-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000")   // true
   * ```
   */
  save(opts: SaveOptions = {}): string {
    const kubelet = opts.kubelet ?? true;
    const counters = opts.counters ?? true;
    const key = `${kubelet}/${counters}`;
    const hit = this.savedText.get(key);
    if (hit !== undefined) return hit;
    const tables = this.model(kubelet);
    const out: string[] = [];
    for (const name of tableOrder) {
      const t = tables.get(name);
      if (!t) continue;
      out.push(`*${name}`);
      const chains = t.orderedChains();
      for (const c of chains) {
        const policy = t.isBuiltin(c) ? "ACCEPT" : "-";
        out.push(counters ? `:${c} ${policy} [0:0]` : `:${c} ${policy}`);
      }
      for (const c of chains) for (const r of t.rulesOf(c)) out.push(formatSaved(parseRule(r.line)));
      out.push("COMMIT");
    }
    out.push("");
    const text = out.join("\n");
    this.savedText.set(key, text);
    return text;
  }

  /**
   * Every rule of the node's tables in iptables-save order, for a table view.
   *
   * @example
   * ```ts
   * rs.rows().filter((r) => r.table === "nat" && r.chain.startsWith("KUBE-SVC-"))
   * ```
   */
  rows(opts: NodeSetupOptions = {}): IptablesRow[] {
    const tables = this.model(opts.kubelet ?? true);
    const rows: IptablesRow[] = [];
    for (const name of tableOrder) {
      const t = tables.get(name);
      if (!t) continue;
      for (const chain of t.orderedChains()) {
        const rules = t.rulesOf(chain);
        for (let i = 0; i < rules.length; i++) {
          const rule = rules[i]!;
          const p = parseRule(rule.line);
          const row: IptablesRow = {
            table: name,
            chain,
            ruleNumber: i + 1,
            matches: savedMatchesText(p),
            target: p.target === undefined ? "" : savedTargetText(p),
          };
          const comment = ruleComment(p);
          if (comment !== undefined) row.comment = comment;
          if (rule.meta) {
            row.probability = rule.meta.probability;
            row.effectiveShare = rule.meta.effectiveShare;
            row.endpoint = rule.meta.endpoint;
            row.servicePortName = rule.meta.servicePortName;
          }
          rows.push(row);
        }
      }
    }
    return rows;
  }
}

function parseCIDROrNothing(s: string): string[] {
  try {
    return [canonicalCidr(s.trim())];
  } catch {
    return [];
  }
}

function masqueradeMarkOf(bit: number): string {
  // Go's fmt.Sprintf("%#08x", 1<<bit): zero-pads the digits to 8, then adds 0x.
  return "0x" + (1 << bit).toString(16).padStart(8, "0");
}

/**
 * Generate one node's full kube-proxy iptables sync.
 *
 * @example
 * ```ts
 * const rs = syncIptables({ node: { name: "node-1", ips: ["192.168.0.11"] }, services, endpointSlices,
 *   config: { clusterCIDR: "10.244.0.0/16" } });
 * rs.counts.natRules
 * ```
 */
export function syncIptables(input: SyncIptablesInput): IptablesRuleset {
  const { node, config } = input;
  const masqueradeMark = masqueradeMarkOf(config.masqueradeBit ?? 14);
  const threshold = config.largeClusterEndpointsThreshold ?? 1000;
  const nodePortAddresses = (config.nodePortAddresses ?? []).map(canonicalCidr);
  const matchAll = nodePortAddresses.length === 0 || nodePortAddresses.includes("0.0.0.0/0");
  // NewProxier: localhost NodePorts only when nodePortAddresses include 127.0.0.0/8 addresses.
  const localhostNodePorts =
    (config.localhostNodePorts ?? true) && (matchAll || nodePortAddresses.some((c) => cidrContains(parseAddressOrCidr(c), "127.0.0.1")));
  const nfacct = config.nfacct ?? false;
  const clusterCIDR = config.clusterCIDR ? canonicalCidr(config.clusterCIDR) : "";
  const ifLocal = clusterCIDR ? `-s ${clusterCIDR}` : "";
  const ifNotLocal = clusterCIDR ? `! -s ${clusterCIDR}` : "";
  const nodeIP = node.ips[0] ?? "";

  // Index slices by service once; endpointsFor then only scans the service's own slices.
  const slicesBySvc = new Map<string, DeepReadonly<EndpointSlice>[]>();
  for (const s of input.endpointSlices) {
    const svcName = s.metadata.labels?.["kubernetes.io/service-name"];
    if (!svcName) continue;
    const key = `${s.metadata.namespace ?? "default"}/${svcName}`;
    let l = slicesBySvc.get(key);
    if (!l) slicesBySvc.set(key, (l = []));
    l.push(s);
  }

  const ports: { sp: ServicePortInfo; eps: EndpointInfo[] }[] = [];
  let totalEndpoints = 0;
  for (const svc of input.services) {
    for (const sp of servicePorts(svc)) {
      const slices = slicesBySvc.get(`${sp.namespace}/${sp.name}`);
      const eps = slices ? endpointsFor(sp, slices, node.name) : [];
      totalEndpoints += eps.length;
      ports.push({ sp, eps });
    }
  }
  ports.sort((a, b) => cmp(a.sp.servicePortName, b.sp.servicePortName) || cmp(a.sp.protocol, b.sp.protocol));
  const largeClusterMode = totalEndpoints > threshold;

  const filterChains = ["KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-FORWARD", "KUBE-NODEPORTS", "KUBE-PROXY-FIREWALL"];
  const natChains = ["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", masqChain];
  const filterRules: string[] = [];
  const natRules: string[] = [];
  const lb: LbBlock[] = [];

  natRules.push(
    `-A KUBE-POSTROUTING -m mark ! --mark ${masqueradeMark}/${masqueradeMark} -j RETURN`,
    `-A KUBE-POSTROUTING -j MARK --xor-mark ${masqueradeMark}`,
    `-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE` +
      ((config.randomFully ?? true) ? " --random-fully" : ""),
    `-A ${masqChain} -j MARK --or-mark ${masqueradeMark}`,
  );
  if (localhostNodePorts) {
    filterChains.push("KUBE-FIREWALL");
    filterRules.push(
      `-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`,
    );
  }

  for (const { sp, eps } of ports) {
    const protocol = sp.protocol.toLowerCase();
    const spn = sp.servicePortName;
    const names = servicePortChains(spn, sp.protocol);
    const { clusterEndpoints, localEndpoints, allReachableEndpoints, hasAnyEndpoints: hasEndpoints } =
      categorizeEndpoints(eps, sp);
    const clusterPolicyChain = names.svc;
    const usesClusterPolicyChain = (clusterEndpoints?.length ?? 0) > 0 && usesClusterEndpoints(sp);
    const localPolicyChain = names.svl;
    const nLocal = localEndpoints?.length ?? 0;
    const usesLocalPolicyChain = nLocal > 0 && usesLocalEndpoints(sp);

    let internalTrafficChain = clusterPolicyChain;
    let hasInternalEndpoints = hasEndpoints;
    if (sp.internalPolicyLocal) {
      internalTrafficChain = localPolicyChain;
      if (nLocal === 0) hasInternalEndpoints = false;
    }
    let externalPolicyChain = clusterPolicyChain;
    let hasExternalEndpoints = hasEndpoints;
    if (sp.externalPolicyLocal) {
      externalPolicyChain = localPolicyChain;
      if (nLocal === 0) hasExternalEndpoints = false;
    }
    const externalTrafficChain = names.ext;
    const usesExternalTrafficChain = hasEndpoints && externallyAccessible(sp);
    const fwChain = names.fw;
    // kube-proxy parses the ranges (dropping unparsable ones) and prints them canonically.
    const sourceRanges = sp.loadBalancerSourceRanges.length ? sp.loadBalancerSourceRanges.flatMap(parseCIDROrNothing) : [];
    const usesFWChain = hasEndpoints && sp.loadBalancerIPs.length > 0 && sourceRanges.length > 0;
    const loadBalancerTrafficChain = usesFWChain ? fwChain : externalTrafficChain;

    let internalFilterTarget = "";
    let internalFilterComment = "";
    let externalFilterTarget = "";
    let externalFilterComment = "";
    if (!hasEndpoints) {
      internalFilterTarget = externalFilterTarget = "REJECT";
      internalFilterComment = externalFilterComment = `"${spn} has no endpoints"`;
    } else {
      if (!hasInternalEndpoints) {
        internalFilterTarget = "DROP";
        internalFilterComment = `"${spn} has no local endpoints"`;
      }
      if (!hasExternalEndpoints) {
        externalFilterTarget = "DROP";
        externalFilterComment = `"${spn} has no local endpoints"`;
      }
    }

    const pp = `-m ${protocol} -p ${protocol}`;
    const portMatch = `-d ${sp.clusterIP} --dport ${sp.port}`;

    // Capture the clusterIP.
    if (hasInternalEndpoints) {
      natRules.push(`-A KUBE-SERVICES -m comment --comment "${spn} cluster IP" ${pp} ${portMatch} -j ${internalTrafficChain}`);
    } else {
      filterRules.push(`-A KUBE-SERVICES -m comment --comment ${internalFilterComment} ${pp} ${portMatch} -j ${internalFilterTarget}`);
    }

    // Capture externalIPs.
    for (const ip of sp.externalIPs) {
      if (hasEndpoints) {
        natRules.push(
          `-A KUBE-SERVICES -m comment --comment "${spn} external IP" ${pp} -d ${ip} --dport ${sp.port} -j ${externalTrafficChain}`,
        );
      }
      if (!hasExternalEndpoints) {
        filterRules.push(
          `-A KUBE-EXTERNAL-SERVICES -m comment --comment ${externalFilterComment} ${pp} -d ${ip} --dport ${sp.port} -j ${externalFilterTarget}`,
        );
      }
    }

    // Capture load-balancer ingress.
    for (const ip of sp.loadBalancerIPs) {
      if (hasEndpoints) {
        natRules.push(
          `-A KUBE-SERVICES -m comment --comment "${spn} loadbalancer IP" ${pp} -d ${ip} --dport ${sp.port} -j ${loadBalancerTrafficChain}`,
        );
      }
      if (usesFWChain) {
        filterRules.push(
          `-A KUBE-PROXY-FIREWALL -m comment --comment "${spn} traffic not accepted by ${fwChain}" ${pp} -d ${ip} --dport ${sp.port} -j DROP`,
        );
      }
    }
    if (!hasExternalEndpoints) {
      for (const ip of sp.loadBalancerIPs) {
        filterRules.push(
          `-A KUBE-EXTERNAL-SERVICES -m comment --comment ${externalFilterComment} ${pp} -d ${ip} --dport ${sp.port} -j ${externalFilterTarget}`,
        );
      }
    }

    // Capture nodeports.
    if (sp.nodePort !== 0) {
      if (hasEndpoints) {
        if (localhostNodePorts && nfacct) {
          natRules.push(
            `-A KUBE-NODEPORTS -m comment --comment ${spn} ${pp} -d 127.0.0.0/8 --dport ${sp.nodePort} -m nfacct --nfacct-name localhost_nps_accepted_pkts -j ${externalTrafficChain}`,
          );
        }
        natRules.push(`-A KUBE-NODEPORTS -m comment --comment ${spn} ${pp} --dport ${sp.nodePort} -j ${externalTrafficChain}`);
      }
      if (!hasExternalEndpoints) {
        filterRules.push(
          `-A KUBE-EXTERNAL-SERVICES -m comment --comment ${externalFilterComment} -m addrtype --dst-type LOCAL ${pp} --dport ${sp.nodePort} -j ${externalFilterTarget}`,
        );
      }
    }

    // Capture healthCheckNodePorts.
    if (sp.healthCheckNodePort !== 0) {
      filterRules.push(
        `-A KUBE-NODEPORTS -m comment --comment "${spn} health check node port" -m tcp -p tcp --dport ${sp.healthCheckNodePort} -j ACCEPT`,
      );
    }

    // Internal traffic handling: masquerade off-cluster traffic to the VIP.
    if (hasInternalEndpoints) {
      const args = `-m comment --comment "${spn} cluster IP" ${pp} ${portMatch}`;
      if (config.masqueradeAll) natRules.push(`-A ${internalTrafficChain} ${args} -j ${masqChain}`);
      else if (clusterCIDR) natRules.push(`-A ${internalTrafficChain} ${args} ${ifNotLocal} -j ${masqChain}`);
    }

    // External traffic handling.
    if (usesExternalTrafficChain) {
      natChains.push(externalTrafficChain);
      if (!sp.externalPolicyLocal) {
        natRules.push(
          `-A ${externalTrafficChain} -m comment --comment "masquerade traffic for ${spn} external destinations" -j ${masqChain}`,
        );
      } else {
        if (clusterCIDR) {
          natRules.push(
            `-A ${externalTrafficChain} -m comment --comment "pod traffic for ${spn} external destinations" ${ifLocal} -j ${clusterPolicyChain}`,
          );
        }
        natRules.push(
          `-A ${externalTrafficChain} -m comment --comment "masquerade LOCAL traffic for ${spn} external destinations" -m addrtype --src-type LOCAL -j ${masqChain}`,
          `-A ${externalTrafficChain} -m comment --comment "route LOCAL traffic for ${spn} external destinations" -m addrtype --src-type LOCAL -j ${clusterPolicyChain}`,
        );
      }
      if (hasExternalEndpoints) natRules.push(`-A ${externalTrafficChain} -j ${externalPolicyChain}`);
    }

    // Firewall chain for loadBalancerSourceRanges.
    if (usesFWChain) {
      natChains.push(fwChain);
      const args = `-A ${fwChain} -m comment --comment "${spn} loadbalancer IP"`;
      let allowFromNode = false;
      for (const c of sourceRanges) {
        natRules.push(`${args} -s ${c} -j ${externalTrafficChain}`);
        if (nodeIP && cidrContains(parseAddressOrCidr(c), nodeIP)) allowFromNode = true;
      }
      if (allowFromNode) for (const ip of sp.loadBalancerIPs) natRules.push(`${args} -s ${ip} -j ${externalTrafficChain}`);
      natRules.push(`-A ${fwChain} -m comment --comment "other traffic to ${spn} will be dropped by KUBE-PROXY-FIREWALL"`);
    }

    const sepOf = (e: EndpointInfo) => names.sep(e.endpoint);
    const writeServiceToEndpointRules = (chain: string, endpoints: EndpointInfo[]) => {
      if (sp.sessionAffinityTimeoutSeconds > 0) {
        for (const e of endpoints) {
          const sep = sepOf(e);
          const c = largeClusterMode ? "" : ` -m comment --comment "${spn} -> ${e.endpoint}"`;
          natRules.push(`-A ${chain}${c} -m recent --name ${sep} --rcheck --seconds ${sp.sessionAffinityTimeoutSeconds} --reap -j ${sep}`);
        }
      }
      const n = endpoints.length;
      lb.push({ first: natRules.length, servicePortName: spn, endpoints });
      for (let i = 0; i < n; i++) {
        const e = endpoints[i]!;
        const c = largeClusterMode ? "" : ` -m comment --comment "${spn} -> ${e.endpoint}"`;
        const prob = i < n - 1 ? ` -m statistic --mode random --probability ${kubeProxyProbability(n - i)}` : "";
        natRules.push(`-A ${chain}${c}${prob} -j ${sepOf(e)}`);
      }
    };

    if (usesClusterPolicyChain) {
      natChains.push(clusterPolicyChain);
      writeServiceToEndpointRules(clusterPolicyChain, clusterEndpoints!);
    }
    if (usesLocalPolicyChain) {
      natChains.push(localPolicyChain);
      writeServiceToEndpointRules(localPolicyChain, localEndpoints!);
    }

    // Per-endpoint chains.
    const sepComment = largeClusterMode ? "" : ` -m comment --comment ${spn}`;
    const affinity = sp.sessionAffinityTimeoutSeconds > 0;
    for (const e of allReachableEndpoints) {
      const sep = sepOf(e);
      natChains.push(sep);
      natRules.push(
        `-A ${sep}${sepComment} -s ${e.ip} -j ${masqChain}`,
        `-A ${sep}${sepComment}${affinity ? ` -m recent --name ${sep} --set` : ""} ${pp} -j DNAT --to-destination ${e.endpoint}`,
      );
    }
  }

  // Tail-call to the nodePorts chain; must be the last rule in KUBE-SERVICES.
  const npComment = `-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain"`;
  if (matchAll) {
    natRules.push(
      `-A KUBE-SERVICES ${npComment} -m addrtype --dst-type LOCAL${localhostNodePorts ? "" : " ! -d 127.0.0.0/8"} -j KUBE-NODEPORTS`,
    );
  } else {
    // GetNodeIPs: local addresses (loopback first, as interface lo is listed first) inside the CIDRs.
    const local = ["127.0.0.1", ...node.ips];
    for (const ip of local) {
      if (!nodePortAddresses.some((c) => cidrContains(parseAddressOrCidr(c), ip))) continue;
      if (ip.startsWith("127.") && !localhostNodePorts) continue;
      natRules.push(`-A KUBE-SERVICES ${npComment} -d ${ip} -j KUBE-NODEPORTS`);
    }
  }

  if (!(config.conntrackTCPLiberal ?? false)) {
    filterRules.push(
      `-A KUBE-FORWARD -m conntrack --ctstate INVALID${nfacct ? " -m nfacct --nfacct-name ct_state_invalid_dropped_pkts" : ""} -j DROP`,
    );
  }
  filterRules.push(
    `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark ${masqueradeMark}/${masqueradeMark} -j ACCEPT`,
    `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
  );

  return new IptablesRuleset(node.name, largeClusterMode, filterChains, filterRules, natChains, natRules, lb, ports.length, totalEndpoints);
}
