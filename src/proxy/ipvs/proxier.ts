/**
 * kube-proxy's IPVS mode as a pure function: (node, Services, EndpointSlices, config) → what one
 * full `syncProxyRules` of pkg/proxy/ipvs/proxier.go leaves in the kernel:
 *
 * - addresses bound to the `kube-ipvs0` dummy interface (ClusterIPs, externalIPs, LB IPs);
 * - one IPVS virtual server per VIP:port (ClusterIP, each externalIP, each LB ingress IP, and a
 *   NodePort on every node IP), real servers weight 1, scheduler `rr` by default, ClientIP
 *   affinity as persistence (`-p <timeout>`);
 * - the ipsets (KUBE-CLUSTER-IP, KUBE-LOOP-BACK, KUBE-NODE-PORT-TCP, …) and the small, constant
 *   set of iptables rules that match them (`-m set --match-set`), exactly as kube-proxy hands
 *   them to `iptables-restore`.
 *
 * kube-proxy iterates Go maps; here service ports are processed in servicePortName/protocol
 * order and real servers are added in `ip:port` order, so the result is deterministic.
 *
 * @example
 * ```ts
 * const rs = syncIpvs({ node: { name: "node-1", ips: ["192.168.0.11"] }, services, endpointSlices,
 *                       config: { clusterCIDR: "10.244.0.0/16" } });
 * rs.restoreInput();   // "*nat\n:KUBE-SERVICES - [0:0]\n…"
 * rs.ipvsadm();        // "IP Virtual Server version 1.2.1 (size=4096)\n…"
 * rs.kernelState();    // for the data path (src/net)
 * ```
 */
import type { DeepReadonly, EndpointSlice, Service } from "../../api/types";
import type { IpsetSpec, IpsetType } from "../../net/ipset";
import { cidrContains, parseAddressOrCidr } from "../../util/ipv4";
import type { IpvsKernelState, IpvsRuntime, IpvsScheduler, IpvsVirtualServer } from "../../net/ipvs";
import { categorizeEndpoints, endpointsFor, servicePorts, type EndpointInfo, type ServicePortInfo } from "../serviceport";
import { formatIpvsadm, ipvsRows, type IpvsRow } from "./ipvsadm";

export interface IpvsProxyConfig {
  /** `--cluster-cidr`: the local-traffic detector (`! -s <cidr>`); "" = none. */
  clusterCIDR: string;
  /** `ipvs.scheduler`: rr (default), lc, sh, wrr, wlc. */
  scheduler?: IpvsScheduler;
  masqueradeAll?: boolean;
  /** Default 14 (mark 0x004000). */
  masqueradeBit?: number;
  /** iptables supports `--random-fully` (default true). */
  randomFully?: boolean;
}

export interface SyncIpvsInput {
  node: { name: string; ips: string[] };
  services: readonly DeepReadonly<Service>[];
  endpointSlices: readonly DeepReadonly<EndpointSlice>[];
  config: IpvsProxyConfig;
}

/** kube-proxy's ipset definitions (name, type, comment), in kube-proxy's order. */
export const ipvsIpsets: readonly { name: string; type: IpsetType; comment: string }[] = [
  { name: "KUBE-LOOP-BACK", type: "hash:ip,port,ip", comment: "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose" },
  { name: "KUBE-CLUSTER-IP", type: "hash:ip,port", comment: "Kubernetes service cluster ip + port for masquerade purpose" },
  { name: "KUBE-EXTERNAL-IP", type: "hash:ip,port", comment: "Kubernetes service external ip + port for masquerade and filter purpose" },
  { name: "KUBE-EXTERNAL-IP-LOCAL", type: "hash:ip,port", comment: "Kubernetes service external ip + port with externalTrafficPolicy=local" },
  { name: "KUBE-LOAD-BALANCER", type: "hash:ip,port", comment: "Kubernetes service lb portal" },
  { name: "KUBE-LOAD-BALANCER-FW", type: "hash:ip,port", comment: "Kubernetes service load balancer ip + port for load balancer with sourceRange" },
  { name: "KUBE-LOAD-BALANCER-LOCAL", type: "hash:ip,port", comment: "Kubernetes service load balancer ip + port with externalTrafficPolicy=local" },
  { name: "KUBE-LOAD-BALANCER-SOURCE-IP", type: "hash:ip,port,ip", comment: "Kubernetes service load balancer ip + port + source IP for packet filter purpose" },
  { name: "KUBE-LOAD-BALANCER-SOURCE-CIDR", type: "hash:ip,port,net", comment: "Kubernetes service load balancer ip + port + source cidr for packet filter purpose" },
  { name: "KUBE-NODE-PORT-TCP", type: "bitmap:port", comment: "Kubernetes nodeport TCP port for masquerade purpose" },
  { name: "KUBE-NODE-PORT-LOCAL-TCP", type: "bitmap:port", comment: "Kubernetes nodeport TCP port with externalTrafficPolicy=local" },
  { name: "KUBE-NODE-PORT-UDP", type: "bitmap:port", comment: "Kubernetes nodeport UDP port for masquerade purpose" },
  { name: "KUBE-NODE-PORT-LOCAL-UDP", type: "bitmap:port", comment: "Kubernetes nodeport UDP port with externalTrafficPolicy=local" },
  { name: "KUBE-NODE-PORT-SCTP-HASH", type: "hash:ip,port", comment: "Kubernetes nodeport SCTP port for masquerade purpose with type 'hash ip:port'" },
  { name: "KUBE-NODE-PORT-LOCAL-SCTP-HASH", type: "hash:ip,port", comment: "Kubernetes nodeport SCTP port with externalTrafficPolicy=local with type 'hash ip:port'" },
  { name: "KUBE-HEALTH-CHECK-NODE-PORT", type: "bitmap:port", comment: "Kubernetes health check node port" },
  { name: "KUBE-IPVS-IPS", type: "hash:ip", comment: "Addresses on the ipvs interface" },
];

/** ipsetWithIptablesChain: set → (table, from chain, target, match flags, protocol). Order matters. */
const ipsetJumps: readonly { set: string; table: "nat" | "filter"; from: string; to: string; match: string; proto: string }[] = [
  { set: "KUBE-LOOP-BACK", table: "nat", from: "KUBE-POSTROUTING", to: "MASQUERADE", match: "dst,dst,src", proto: "" },
  { set: "KUBE-LOAD-BALANCER", table: "nat", from: "KUBE-SERVICES", to: "KUBE-LOAD-BALANCER", match: "dst,dst", proto: "" },
  { set: "KUBE-LOAD-BALANCER-LOCAL", table: "nat", from: "KUBE-LOAD-BALANCER", to: "RETURN", match: "dst,dst", proto: "" },
  { set: "KUBE-NODE-PORT-LOCAL-TCP", table: "nat", from: "KUBE-NODE-PORT", to: "RETURN", match: "dst", proto: "tcp" },
  { set: "KUBE-NODE-PORT-TCP", table: "nat", from: "KUBE-NODE-PORT", to: "KUBE-MARK-MASQ", match: "dst", proto: "tcp" },
  { set: "KUBE-NODE-PORT-LOCAL-UDP", table: "nat", from: "KUBE-NODE-PORT", to: "RETURN", match: "dst", proto: "udp" },
  { set: "KUBE-NODE-PORT-UDP", table: "nat", from: "KUBE-NODE-PORT", to: "KUBE-MARK-MASQ", match: "dst", proto: "udp" },
  { set: "KUBE-NODE-PORT-LOCAL-SCTP-HASH", table: "nat", from: "KUBE-NODE-PORT", to: "RETURN", match: "dst,dst", proto: "sctp" },
  { set: "KUBE-NODE-PORT-SCTP-HASH", table: "nat", from: "KUBE-NODE-PORT", to: "KUBE-MARK-MASQ", match: "dst,dst", proto: "sctp" },
  { set: "KUBE-LOAD-BALANCER-FW", table: "filter", from: "KUBE-PROXY-FIREWALL", to: "KUBE-SOURCE-RANGES-FIREWALL", match: "dst,dst", proto: "" },
  { set: "KUBE-LOAD-BALANCER-SOURCE-CIDR", table: "filter", from: "KUBE-SOURCE-RANGES-FIREWALL", to: "RETURN", match: "dst,dst,src", proto: "" },
  { set: "KUBE-LOAD-BALANCER-SOURCE-IP", table: "filter", from: "KUBE-SOURCE-RANGES-FIREWALL", to: "RETURN", match: "dst,dst,src", proto: "" },
];

const natChains = ["KUBE-SERVICES", "KUBE-POSTROUTING", "KUBE-NODE-PORT", "KUBE-LOAD-BALANCER", "KUBE-MARK-MASQ"];
const filterChains = ["KUBE-FORWARD", "KUBE-NODE-PORT", "KUBE-PROXY-FIREWALL", "KUBE-SOURCE-RANGES-FIREWALL", "KUBE-IPVS-FILTER", "KUBE-IPVS-OUT-FILTER"];

/**
 * iptablesJumpChain: the rules kube-proxy inserts (`iptables -I`, i.e. prepended) into the
 * built-in chains, in the order it inserts them.
 */
const jumpRules: readonly { table: "nat" | "filter"; from: string; to: string; comment: string }[] = [
  { table: "nat", from: "OUTPUT", to: "KUBE-SERVICES", comment: "kubernetes service portals" },
  { table: "nat", from: "PREROUTING", to: "KUBE-SERVICES", comment: "kubernetes service portals" },
  { table: "nat", from: "POSTROUTING", to: "KUBE-POSTROUTING", comment: "kubernetes postrouting rules" },
  { table: "filter", from: "FORWARD", to: "KUBE-FORWARD", comment: "kubernetes forwarding rules" },
  { table: "filter", from: "INPUT", to: "KUBE-NODE-PORT", comment: "kubernetes health check rules" },
  { table: "filter", from: "INPUT", to: "KUBE-PROXY-FIREWALL", comment: "kube-proxy firewall rules" },
  { table: "filter", from: "FORWARD", to: "KUBE-PROXY-FIREWALL", comment: "kube-proxy firewall rules" },
  { table: "filter", from: "INPUT", to: "KUBE-IPVS-FILTER", comment: "kubernetes ipvs access filter" },
  { table: "filter", from: "OUTPUT", to: "KUBE-IPVS-OUT-FILTER", comment: "kubernetes ipvs access filter" },
];

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The result of one full IPVS-mode sync on one node.
 *
 * @example
 * ```ts
 * const rs = syncIpvs(input);
 * rs.virtualServers.length;
 * ```
 */
export class IpvsRuleset {
  /** @internal */
  constructor(
    readonly nodeName: string,
    readonly virtualServers: readonly IpvsVirtualServer[],
    readonly dummyAddresses: readonly string[],
    readonly ipsets: readonly IpsetSpec[],
    private readonly natRules: readonly string[],
    private readonly filterRules: readonly string[],
  ) {}

  /**
   * The exact text kube-proxy passes to `iptables-restore --noflush --counters`.
   *
   * @example
   * ```ts
   * rs.restoreInput().split("\n")[0];   // "*nat"
   * ```
   */
  restoreInput(): string {
    const out: string[] = ["*nat"];
    for (const c of natChains) out.push(`:${c} - [0:0]`);
    out.push(...this.natRules, "COMMIT", "*filter");
    for (const c of filterChains) out.push(`:${c} - [0:0]`);
    out.push(...this.filterRules, "COMMIT");
    return out.join("\n") + "\n";
  }

  /**
   * The node's whole rule set in restore format: built-in chains with the jump rules kube-proxy
   * inserts, then the restore input. This is what the data path evaluates.
   *
   * @example
   * ```ts
   * parseRestore(rs.rulesetText());
   * ```
   */
  rulesetText(): string {
    const out: string[] = [];
    for (const table of ["nat", "filter"] as const) {
      const builtins = table === "nat" ? ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"] : ["INPUT", "FORWARD", "OUTPUT"];
      const rules = new Map<string, string[]>(builtins.map((b) => [b, []]));
      for (const j of jumpRules) {
        if (j.table !== table) continue;
        // EnsureRule(Prepend): each insertion goes to position 1.
        rules.get(j.from)!.unshift(`-A ${j.from} -m comment --comment "${j.comment}" -j ${j.to}`);
      }
      out.push(`*${table}`);
      for (const b of builtins) out.push(`:${b} ACCEPT [0:0]`);
      // EnsureChain runs before the jump rules are inserted.
      for (const c of table === "nat" ? natChains : filterChains) out.push(`:${c} - [0:0]`);
      for (const b of builtins) out.push(...rules.get(b)!);
      out.push("COMMIT");
    }
    return out.join("\n") + "\n" + this.restoreInput();
  }

  /**
   * What the data path needs: virtual servers, kube-ipvs0 addresses, ipsets.
   *
   * @example
   * ```ts
   * new IpvsRuntime(rs.kernelState());
   * ```
   */
  kernelState(): IpvsKernelState {
    return { virtualServers: this.virtualServers, dummyAddresses: this.dummyAddresses, ipsets: this.ipsets };
  }

  /**
   * `ipvsadm -Ln` output; pass a data-path runtime to show its connection counters.
   *
   * @example
   * ```ts
   * console.log(rs.ipvsadm());
   * ```
   */
  ipvsadm(runtime?: IpvsRuntime): string {
    return formatIpvsadm(this.virtualServers, runtime);
  }

  /**
   * One row per (virtual server, real server) for a notebook table.
   *
   * @example
   * ```ts
   * rs.rows()[0];   // { protocol: "TCP", virtualServer: "10.96.0.1:443", scheduler: "rr", … }
   * ```
   */
  rows(runtime?: IpvsRuntime): IpvsRow[] {
    return ipvsRows(this.virtualServers, runtime);
  }
}

/**
 * Run one full IPVS-mode sync for a node.
 *
 * @example
 * ```ts
 * syncIpvs({ node: { name: "node-1", ips: ["192.168.0.11"] }, services, endpointSlices, config: { clusterCIDR: "10.244.0.0/16", scheduler: "rr" } });
 * ```
 */
export function syncIpvs(input: SyncIpvsInput): IpvsRuleset {
  const { node, config } = input;
  const scheduler: IpvsScheduler = config.scheduler ?? "rr";
  const mark = `0x${(1 << (config.masqueradeBit ?? 14)).toString(16).padStart(6, "0")}`; // Go's %#08x
  const sets = new Map<string, Set<string>>(ipvsIpsets.map((s) => [s.name, new Set<string>()]));
  const add = (set: string, entry: string) => sets.get(set)!.add(entry);
  const vss: IpvsVirtualServer[] = [];
  const bind = new Set<string>();
  const nodeIPs = new Set(node.ips);
  const lbNoNodeAccess: { ip: string; proto: string; port: number }[] = [];

  const sps: { sp: ServicePortInfo; eps: EndpointInfo[] }[] = [];
  for (const svc of input.services) {
    for (const sp of servicePorts(svc)) sps.push({ sp, eps: endpointsFor(sp, input.endpointSlices, node.name) });
  }
  sps.sort((a, b) => cmp(a.sp.servicePortName, b.sp.servicePortName) || cmp(a.sp.protocol, b.sp.protocol));
  const hasNodePort = sps.some((s) => s.sp.nodePort !== 0);

  for (const { sp, eps } of sps) {
    const proto = sp.protocol.toLowerCase();
    const { clusterEndpoints, localEndpoints } = categorizeEndpoints(eps, sp);
    const realServersFor = (onlyLocal: boolean) => {
      // syncEndpoint: Local policy uses local endpoints, or falls back to cluster endpoints (#97081).
      const chosen = onlyLocal && localEndpoints && localEndpoints.length > 0 ? localEndpoints : (clusterEndpoints ?? []);
      return [...chosen].sort((a, b) => cmp(a.endpoint, b.endpoint)).map((e) => ({ address: e.ip, port: e.port, weight: 1 }));
    };
    const vs = (address: string, port: number, onlyLocal: boolean): IpvsVirtualServer => ({
      protocol: sp.protocol,
      address,
      port,
      scheduler,
      persistentTimeout: sp.sessionAffinityTimeoutSeconds,
      realServers: realServersFor(onlyLocal),
    });
    for (const e of eps) if (e.isLocal) add("KUBE-LOOP-BACK", `${e.ip},${proto}:${e.port},${e.ip}`);
    add("KUBE-CLUSTER-IP", `${sp.clusterIP},${proto}:${sp.port}`);
    vss.push(vs(sp.clusterIP, sp.port, sp.internalPolicyLocal));
    bind.add(sp.clusterIP);
    for (const ip of sp.externalIPs) {
      add(sp.externalPolicyLocal ? "KUBE-EXTERNAL-IP-LOCAL" : "KUBE-EXTERNAL-IP", `${ip},${proto}:${sp.port}`);
      vss.push(vs(ip, sp.port, sp.externalPolicyLocal));
      if (!nodeIPs.has(ip)) bind.add(ip);
    }
    for (const ip of sp.loadBalancerIPs) {
      const entry = `${ip},${proto}:${sp.port}`;
      add("KUBE-LOAD-BALANCER", entry);
      if (sp.externalPolicyLocal) add("KUBE-LOAD-BALANCER-LOCAL", entry);
      if (sp.loadBalancerSourceRanges.length > 0) {
        add("KUBE-LOAD-BALANCER-FW", entry);
        let allowFromNode = false;
        for (const r of sp.loadBalancerSourceRanges) {
          const c = parseAddressOrCidr(r);
          add("KUBE-LOAD-BALANCER-SOURCE-CIDR", `${entry},${c.text}`);
          if (node.ips[0] !== undefined && cidrContains(c, node.ips[0])) allowFromNode = true;
        }
        if (allowFromNode) add("KUBE-LOAD-BALANCER-SOURCE-IP", `${entry},${ip}`);
        else lbNoNodeAccess.push({ ip, proto, port: sp.port });
      }
      vss.push(vs(ip, sp.port, sp.externalPolicyLocal));
      if (!nodeIPs.has(ip)) bind.add(ip);
    }
    if (sp.nodePort !== 0 && hasNodePort) {
      const local = sp.externalPolicyLocal;
      if (proto === "sctp") {
        for (const ip of node.ips) {
          add("KUBE-NODE-PORT-SCTP-HASH", `${ip},sctp:${sp.nodePort}`);
          if (local) add("KUBE-NODE-PORT-LOCAL-SCTP-HASH", `${ip},sctp:${sp.nodePort}`);
        }
      } else {
        add(proto === "tcp" ? "KUBE-NODE-PORT-TCP" : "KUBE-NODE-PORT-UDP", String(sp.nodePort));
        if (local) add(proto === "tcp" ? "KUBE-NODE-PORT-LOCAL-TCP" : "KUBE-NODE-PORT-LOCAL-UDP", String(sp.nodePort));
      }
      for (const ip of node.ips) vss.push(vs(ip, sp.nodePort, local));
    }
    if (sp.healthCheckNodePort !== 0) add("KUBE-HEALTH-CHECK-NODE-PORT", String(sp.healthCheckNodePort));
  }
  for (const a of bind) add("KUBE-IPVS-IPS", a);

  // writeIptablesRules
  const nat: string[] = [];
  const filter: string[] = [];
  const nonEmpty = (s: string) => sets.get(s)!.size > 0;
  const comment = (s: string) => `"${ipvsIpsets.find((x) => x.name === s)!.comment}"`;
  nat.push("-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN");
  for (const j of ipsetJumps) {
    if (!nonEmpty(j.set)) continue;
    const line = `-A ${j.from}${j.proto ? ` -p ${j.proto}` : ""} -m comment --comment ${comment(j.set)} -m set --match-set ${j.set} ${j.match} -j ${j.to}`;
    (j.table === "filter" ? filter : nat).push(line);
  }
  if (nonEmpty("KUBE-CLUSTER-IP")) {
    const args = `-A KUBE-SERVICES -m comment --comment ${comment("KUBE-CLUSTER-IP")} -m set --match-set KUBE-CLUSTER-IP`;
    if (config.masqueradeAll) nat.push(`${args} dst,dst -j KUBE-MARK-MASQ`);
    else if (config.clusterCIDR) nat.push(`${args} dst,dst ! -s ${config.clusterCIDR} -j KUBE-MARK-MASQ`);
    else nat.push(`${args} src,dst -j KUBE-MARK-MASQ`);
  }
  const externalIPRules = (args: string) => {
    nat.push(`${args} -m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT`);
    nat.push(`${args} -m addrtype --dst-type LOCAL -j ACCEPT`);
  };
  if (nonEmpty("KUBE-EXTERNAL-IP")) {
    const args = `-A KUBE-SERVICES -m comment --comment ${comment("KUBE-EXTERNAL-IP")} -m set --match-set KUBE-EXTERNAL-IP dst,dst`;
    nat.push(`${args} -j KUBE-MARK-MASQ`);
    externalIPRules(args);
  }
  if (nonEmpty("KUBE-EXTERNAL-IP-LOCAL")) {
    externalIPRules(`-A KUBE-SERVICES -m comment --comment ${comment("KUBE-EXTERNAL-IP-LOCAL")} -m set --match-set KUBE-EXTERNAL-IP-LOCAL dst,dst`);
  }
  nat.push("-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT");
  nat.push("-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ");
  filter.push("-A KUBE-SOURCE-RANGES-FIREWALL -j DROP");
  for (const e of lbNoNodeAccess) {
    filter.push(`-A KUBE-IPVS-OUT-FILTER -s ${e.ip} -m ipvs --vaddr ${e.ip} --vproto ${e.proto} --vport ${e.port} -j DROP`);
  }
  for (const s of ["KUBE-CLUSTER-IP", "KUBE-LOAD-BALANCER"]) {
    if (nonEmpty(s)) nat.push(`-A KUBE-SERVICES -m set --match-set ${s} dst,dst -j ACCEPT`);
  }
  filter.push(`-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark ${mark}/${mark} -j ACCEPT`);
  filter.push(`-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
  filter.push(`-A KUBE-NODE-PORT -m comment --comment ${comment("KUBE-HEALTH-CHECK-NODE-PORT")} -m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j ACCEPT`);
  filter.push("-A KUBE-IPVS-FILTER -m set --match-set KUBE-LOAD-BALANCER dst,dst -j RETURN");
  filter.push("-A KUBE-IPVS-FILTER -m set --match-set KUBE-CLUSTER-IP dst,dst -j RETURN");
  filter.push("-A KUBE-IPVS-FILTER -m set --match-set KUBE-EXTERNAL-IP dst,dst -j RETURN");
  filter.push("-A KUBE-IPVS-FILTER -m set --match-set KUBE-EXTERNAL-IP-LOCAL dst,dst -j RETURN");
  filter.push("-A KUBE-IPVS-FILTER -m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j RETURN");
  filter.push("-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT");
  nat.push(`-A KUBE-POSTROUTING -m mark ! --mark ${mark}/${mark} -j RETURN`);
  nat.push(`-A KUBE-POSTROUTING -j MARK --xor-mark ${mark}`);
  nat.push(`-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE${config.randomFully === false ? "" : " --random-fully"}`);
  nat.push(`-A KUBE-MARK-MASQ -j MARK --or-mark ${mark}`);

  const ipsets: IpsetSpec[] = ipvsIpsets.map((s) => ({ name: s.name, type: s.type, comment: s.comment, entries: [...sets.get(s.name)!].sort() }));
  return new IpvsRuleset(node.name, vss, [...bind].sort(), ipsets, nat, filter);
}
