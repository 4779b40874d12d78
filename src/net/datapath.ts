/**
 * The data path: a packet through the Linux hooks of each node it crosses, as the kernel does it.
 *
 * - Arriving packet (from a pod's veth or from the wire): conntrack → nat PREROUTING (first packet
 *   only) → routing decision → filter INPUT (local) or filter FORWARD → nat POSTROUTING (first
 *   packet only: MASQUERADE/SNAT) → out.
 * - Locally generated packet (a node process or hostNetwork pod): routing → nat OUTPUT → filter
 *   OUTPUT → re-route → nat POSTROUTING → out (or loopback → filter INPUT).
 * - IPVS mode: virtual service addresses are local (bound to kube-ipvs0), so a packet to one goes
 *   to INPUT, where IPVS (LOCAL_IN, after filter INPUT) picks a real server and sends the packet
 *   on through LOCAL_OUT (filter OUTPUT) and nat POSTROUTING. Node processes meet IPVS at LOCAL_OUT.
 * - Conntrack: later packets of a connection reuse its NAT mapping without touching the nat
 *   table; replies are translated back (un-SNAT at PREROUTING, un-DNAT at POSTROUTING/INPUT), so
 *   the client sees the address it connected to.
 * - Routing between nodes: a node owns its podCIDR; other nodes send that CIDR to its first IP.
 *
 * @example
 * ```ts
 * const dp = new Datapath(world);
 * const t = dp.tracePacket({ from: { pod: "default/client" }, to: { ip: "10.96.0.20", port: 80 }, rng: new Rng(1) });
 * t.verdict;           // "delivered"
 * t.endpoint;          // "10.244.2.7:8080"
 * t.rulesEvaluated;    // grows with the number of Services in iptables mode
 * ```
 */
import type { Protocol } from "../api/types";
import { Conntrack, type CtEntry, type Tuple } from "./conntrack";
import { compileIpset, type Ipset } from "./ipset";
import { fnv1a32 } from "../util/hash";
import { type Cidr, cidrContains, formatIPv4, parseAddressOrCidr, parseCidr, parseIPv4, tryParseIPv4 } from "../util/ipv4";
import { type IpvsDest, type IpvsKernelState, IpvsRuntime, type IpvsService } from "./ipvs";
import { type Chooser, type EvalEnv, type EvalStats, type HookChain, type Netfilter, type NetPacket, type RuleStep, type TableResult, compileRuleset } from "./netfilter";
import { CT, PROTO, parseRestore } from "./restore";
import { compileNftables, NftRuntime, type NftTable } from "./nftables";
import type { NetDestination, NetNode, NetPod, NetSource, NetWorld } from "./world";

/** A random source: anything with `next()` in [0, 1) — `Rng` from src/sim/rng.ts fits. */
export interface RandomSource {
  next(): number;
}

export type PathEvent =
  | {
      kind: "hook";
      node: string;
      hook: "PREROUTING" | "INPUT" | "FORWARD" | "OUTPUT" | "POSTROUTING";
      table: string;
      /** Every rule tested, in order, with whether it matched. */
      rules: RuleStep[];
      verdict: "ACCEPT" | "DROP" | "REJECT";
      /** The rule that decided, or null when the chain policy did. */
      decidedBy: string | null;
      rulesEvaluated: number;
    }
  | { kind: "conntrack"; node: string; detail: string }
  | { kind: "route"; node: string; detail: string }
  | { kind: "ipvs"; node: string; detail: string }
  | { kind: "nat"; node: string; nat: "DNAT" | "SNAT" | "MASQUERADE" | "un-DNAT" | "un-SNAT"; from: string; to: string; by: string };

export type Verdict = "delivered" | "refused" | "timeout" | "dropped" | "rejected" | "unreachable" | "left-cluster";

export interface NatRecord {
  node: string;
  kind: "DNAT" | "SNAT" | "MASQUERADE" | "un-DNAT" | "un-SNAT";
  from: string;
  to: string;
  by: string;
}

export interface DeliveryResult {
  verdict: Verdict;
  /** Human-readable and stable: also used as the failure category in traffic results. */
  reason: string;
  /** The pod that received the packet (null: a node process, or nothing). */
  pod: string | null;
  node: string | null;
  /** Destination as delivered (after DNAT). */
  ip: string;
  port: number;
  /** Source as the receiver sees it (after SNAT/MASQUERADE). */
  srcIp: string;
  srcPort: number;
}

export interface PacketPath {
  events: PathEvent[];
  /** "pod default/client" → "node-1" → "node-2" → "pod default/web-2". */
  hops: string[];
  nat: NatRecord[];
  rulesEvaluated: number;
  result: DeliveryResult;
}

export interface PacketTrace {
  request: PacketPath;
  /** The endpoint's answer travelling back (when the request was delivered). */
  reply: PacketPath | null;
  verdict: Verdict;
  reason: string;
  /** `ip:port` of the endpoint that got the connection. */
  endpoint: string | null;
  pod: string | null;
  node: string | null;
  /** Rules the kernel evaluated for the request (all nodes, all hooks). */
  rulesEvaluated: number;
  /** Source address of the reply as the client sees it: the address it connected to, if un-NAT worked. */
  replyFrom: string | null;
}

export interface TraceOptions {
  from: NetSource;
  to: NetDestination;
  rng: RandomSource;
  /** Client source port; the same 5-tuple again is the same connection (conntrack). Default 40000. */
  sport?: number;
  /** Trace the reply too (default true). */
  reply?: boolean;
}

interface Route {
  kind: "local" | "pod" | "node" | "external" | "unreachable";
  iface: string;
  pod?: NetPod;
  node?: NodeRuntime;
}

/** Per-node runtime: compiled rules and the kernel state that persists between packets. */
export interface NodeRuntime {
  readonly node: NetNode;
  readonly name: string;
  readonly primary: number;
  readonly podCidr: Cidr;
  readonly nf: Netfilter;
  readonly locals: Set<number>;
  readonly ct: Conntrack;
  readonly ipvs: IpvsRuntime | null;
  /** nftables-mode nodes: kube-proxy's `ip kube-proxy` table and its dynamic sets. */
  readonly nft: NftRuntime | null;
  readonly env: EvalEnv & { rng: RandomSource };
  /** The route other nodes use to reach this one (preallocated: routing runs per packet). */
  viaRoute: Route;
  /** Built-in chains by table and hook, looked up once. */
  readonly hooks: {
    readonly nat: { PREROUTING?: HookChain; INPUT?: HookChain; OUTPUT?: HookChain; POSTROUTING?: HookChain };
    readonly filter: { INPUT?: HookChain; FORWARD?: HookChain; OUTPUT?: HookChain };
  };
}

interface Walk {
  stats: EvalStats;
  events: PathEvent[] | null;
  hops: string[] | null;
  nat: NatRecord[] | null;
  track: boolean;
  reply: boolean;
  hopsLeft: number;
  rng: RandomSource;
  /** IPVS connections opened on this walk (so traffic can close them). */
  ipvsDest: { activeConns: number; inactConns: number } | null;
}

const compiledCache = new WeakMap<NetNode, { text: string; nf: Netfilter }>();
const compiledIpsets = new WeakMap<IpvsKernelState, Map<string, Ipset>>();
const compiledNft = new WeakMap<NetNode, { text: string; table: NftTable }>();

function fmtHP(ip: number, port: number): string {
  return `${formatIPv4(ip)}:${port}`;
}

function protoNum(p: Protocol | undefined): number {
  return p === "UDP" ? PROTO.udp : p === "SCTP" ? PROTO.sctp : PROTO.tcp;
}

function protoName(n: number): Protocol {
  return n === PROTO.udp ? "UDP" : n === PROTO.sctp ? "SCTP" : "TCP";
}

/** Calico-style host-side veth name derived from the pod's name. */
function vethOf(pod: NetPod): string {
  if (pod.hostIface) return pod.hostIface;
  const h = fnv1a32(pod.ref);
  return `cali${h.toString(16).padStart(8, "0")}abc`.slice(0, 15);
}

const LOOPBACK = parseCidr("127.0.0.0/8");
const ACCEPT_NO_RULE: TableResult = Object.freeze({ verdict: "ACCEPT", decidedBy: null, nat: null });
const DROP_NO_RULE: TableResult = Object.freeze({ verdict: "DROP", decidedBy: null, nat: null });
function hookHandles(nf: Netfilter): NodeRuntime["hooks"] {
  const pick = <K extends string>(table: string, hooks: K[]) => {
    const o: Partial<Record<K, HookChain>> = {};
    for (const h of hooks) {
      const c = nf.hookChain(table, h);
      if (c) o[h] = c;
    }
    return o;
  };
  return { nat: pick("nat", ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"]), filter: pick("filter", ["INPUT", "FORWARD", "OUTPUT"]) };
}
/** Placeholder original tuple for untracked walks (never stored). */
const NO_TUPLE: Tuple = Object.freeze({ proto: 0, src: 0, sport: 0, dst: 0, dport: 0 });
const NO_SNAP = Object.freeze({ src: 0, sport: 0, dst: 0, dport: 0 });
const ROUTE_LOCAL: Route = { kind: "local", iface: "lo" };
const ROUTE_UNREACHABLE: Route = { kind: "unreachable", iface: "" };
const ROUTE_EXTERNAL: Route = { kind: "external", iface: "eth0" };

/**
 * The data path of a whole cluster. Holds per-node kernel state (conntrack, `-m recent` lists,
 * IPVS scheduler state) between packets; build a fresh one for an independent experiment (and
 * after the world changed: a Datapath reads the world once, when constructed).
 *
 * @example
 * ```ts
 * const dp = new Datapath(world);
 * dp.tracePacket({ from: { node: "node-1" }, to: { ip: "10.96.0.10", port: 80 }, rng });
 * dp.now = 3600;   // virtual seconds, for affinity timeouts
 * ```
 */
export class Datapath {
  readonly nodes: ReadonlyMap<string, NodeRuntime>;
  private readonly nodeByIp = new Map<number, NodeRuntime>();
  private readonly podByIp = new Map<number, NetPod>();
  private readonly podByRef = new Map<string, NetPod>();
  private readonly hostPods = new Map<string, NetPod[]>();
  private readonly nodeList: NodeRuntime[];
  private readonly veths = new Map<NetPod, string>();
  private readonly podIps = new Map<NetPod, number>();
  /** Virtual time (seconds) used for `-m recent` and IPVS persistence. */
  now = 0;

  constructor(readonly world: NetWorld) {
    const nodes = new Map<string, NodeRuntime>();
    for (const n of world.nodes) {
      if (n.ips.length === 0) throw new Error(`node ${n.name} has no IP address`);
      // A node's rules are fetched and compiled when a packet first meets the node: a connection
      // touches a few nodes, and compiling every node's rules up front dominated a large cluster.
      let rules: { nf: Netfilter; hooks: NodeRuntime["hooks"] } | undefined;
      const compiled = (): { nf: Netfilter; hooks: NodeRuntime["hooks"] } => {
        if (rules) return rules;
        const text = n.iptablesSave();
        let cached = compiledCache.get(n);
        if (!cached || cached.text !== text) {
          cached = { text, nf: compileRuleset(parseRestore(text)) };
          compiledCache.set(n, cached);
        }
        return (rules = { nf: cached.nf, hooks: hookHandles(cached.nf) });
      };
      let nft: NftRuntime | null | undefined;
      const nftRuntime = (): NftRuntime | null => {
        if (nft !== undefined) return nft;
        const nftText = n.nftables?.();
        if (nftText === undefined) return (nft = null);
        let c = compiledNft.get(n);
        if (!c || c.text !== nftText) compiledNft.set(n, (c = { text: nftText, table: compileNftables(nftText) }));
        return (nft = new NftRuntime(c.table));
      };
      const ipvsState = n.ipvs?.() ?? null;
      const ipvs = ipvsState ? new IpvsRuntime(ipvsState) : null;
      let ipsets = ipvsState ? compiledIpsets.get(ipvsState) : undefined;
      if (!ipsets) {
        ipsets = new Map<string, Ipset>();
        for (const s of ipvsState?.ipsets ?? []) ipsets.set(s.name, compileIpset(s));
        if (ipvsState) compiledIpsets.set(ipvsState, ipsets);
      }
      const sets = ipsets;
      const locals = new Set<number>(n.ips.map(parseIPv4));
      for (const a of ipvs?.dummyAddresses ?? []) locals.add(a);
      const primary = parseIPv4(n.ips[0]!);
      const env: EvalEnv & { rng: RandomSource } = {
        isLocal: (ip) => locals.has(ip) || cidrContains(LOOPBACK, ip),
        ipset: (name) => sets.get(name),
        recent: new Map(),
        rng: { next: () => 0 },
        now: 0,
        masqueradeAddress: () => primary,
      };
      const rt: NodeRuntime = {
        node: n,
        name: n.name,
        primary,
        podCidr: parseAddressOrCidr(n.podCIDR),
        get nf() {
          return compiled().nf;
        },
        locals,
        ct: new Conntrack(),
        ipvs,
        get nft() {
          return nftRuntime();
        },
        env,
        viaRoute: ROUTE_EXTERNAL,
        get hooks() {
          return compiled().hooks;
        },
      };
      rt.viaRoute = { kind: "node", iface: "eth0", node: rt };
      nodes.set(n.name, rt);
      for (const ip of n.ips) this.nodeByIp.set(parseIPv4(ip), rt);
    }
    this.nodes = nodes;
    this.nodeList = [...nodes.values()];
    for (const p of world.pods) {
      this.veths.set(p, vethOf(p));
      this.podIps.set(p, p.hostNetwork ? -1 : parseIPv4(p.ip));
      if (!nodes.has(p.node)) throw new Error(`pod ${p.ref} runs on unknown node ${p.node}`);
      this.podByRef.set(p.ref, p);
      if (p.hostNetwork) {
        const l = this.hostPods.get(p.node) ?? [];
        l.push(p);
        this.hostPods.set(p.node, l);
      } else this.podByIp.set(parseIPv4(p.ip), p);
    }
  }

  private vethOf(pod: NetPod): string {
    return this.veths.get(pod) ?? vethOf(pod);
  }

  /**
   * Set while computing expected shares: random choices (statistic matches, the cloud LB's node,
   * IPVS weight-proportional schedulers) branch through this instead of drawing.
   * @internal
   */
  chooser: Chooser | null = null;

  private schedule(n: NodeRuntime, vs: IpvsService, client: number): IpvsDest | null {
    // Persistence and least-connection depend on the connections already open, not on chance.
    if (this.chooser && (vs.spec.persistentTimeout > 0 || vs.spec.scheduler === "lc" || vs.spec.scheduler === "wlc")) {
      this.chooser.historyDependent = true;
    }
    if (this.chooser && vs.spec.scheduler !== "sh") {
      const usable = vs.dests.filter((d) => d.weight > 0);
      if (usable.length === 0) return null;
      return usable[this.chooser.pick(usable.map((d) => d.weight))]!;
    }
    return n.ipvs!.schedule(vs, client, this.now);
  }

  /** Look a node up by name or IP. */
  node(nameOrIp: string): NodeRuntime {
    const byName = this.nodes.get(nameOrIp);
    if (byName) return byName;
    const ip = tryParseIPv4(nameOrIp);
    const byIp = ip >= 0 ? this.nodeByIp.get(ip) : undefined;
    if (!byIp) throw new Error(`unknown node "${nameOrIp}" (known: ${[...this.nodes.keys()].join(", ")})`);
    return byIp;
  }

  pod(ref: string): NetPod {
    const p = this.podByRef.get(ref) ?? this.podByRef.get(`default/${ref}`);
    if (!p) throw new Error(`unknown pod "${ref}"`);
    return p;
  }

  /**
   * Send the first packet of a connection (and, by default, the endpoint's reply) and record
   * every hook, chain and rule it meets, the NAT applied and the hops.
   */
  tracePacket(opts: TraceOptions): PacketTrace {
    const proto = protoNum(opts.to.protocol);
    const sport = opts.sport ?? 40000;
    const r = this.walkFrom(opts.from, parseIPv4(opts.to.ip), opts.to.port, proto, sport, opts.rng, true, true);
    const w = r.w;
    const res = r.deliveredAt.result;
    const request: PacketPath = { events: w.events!, hops: w.hops!, nat: w.nat!, rulesEvaluated: w.stats.rulesEvaluated, result: res };
    const result: PacketTrace = {
      request,
      reply: null,
      verdict: res.verdict,
      reason: res.reason,
      endpoint: res.verdict === "delivered" ? `${res.ip}:${res.port}` : null,
      pod: res.verdict === "delivered" ? res.pod : null,
      node: res.node,
      rulesEvaluated: request.rulesEvaluated,
      replyFrom: null,
    };
    if (res.verdict === "delivered" && opts.reply !== false) {
      const rep = this.sendReply(r.p, r.deliveredAt, opts.rng);
      result.reply = rep;
      if (rep.result.verdict === "delivered") result.replyFrom = `${rep.result.srcIp}:${rep.result.srcPort}`;
    }
    return result;
  }

  /**
   * One new connection without recording (the traffic fast path). Returns the delivery result
   * and the number of rules evaluated.
   * @internal
   */
  connect(
    from: NetSource,
    dst: number,
    dport: number,
    proto: number,
    sport: number,
    rng: RandomSource,
  ): { delivery: Delivery; rules: number; ipvsDest: { activeConns: number; inactConns: number } | null } {
    const r = this.walkFrom(from, dst, dport, proto, sport, rng, false, false);
    return { delivery: r.deliveredAt, rules: r.rules, ipvsDest: r.ipvsDest };
  }

  /** Choose the node an external packet enters: explicit `via`, the node owning the IP, or the cloud LB's pick. */
  entryNode(from: { external: string; via?: string }, dst: number, rng: RandomSource): NodeRuntime {
    if (from.via !== undefined) return this.node(from.via);
    const owner = this.nodeByIp.get(dst);
    if (owner) return owner;
    const lb = this.world.loadBalancers?.find((l) => tryParseIPv4(l.ip) === dst);
    if (lb) {
      const pool = lb.nodes ? lb.nodes.map((n) => this.node(n)) : [...this.nodes.values()];
      const healthy = this.healthyNodes(lb.healthCheckNodePort, pool);
      // Cloud LBs fail open: with no healthy backend they spread over the whole pool.
      const choice = healthy.length > 0 ? healthy : pool;
      if (this.chooser) return choice[this.chooser.pick(choice.map(() => 1))]!;
      return choice[Math.floor(rng.next() * choice.length)]!;
    }
    throw new Error(
      `external packet to ${formatIPv4(dst)}: say which node it reaches first with { external, via: "<node>" } (it is neither a node IP nor a load balancer IP)`,
    );
  }

  /** The LB health check: nodes whose kube-proxy reports local endpoints on the healthCheckNodePort. */
  healthyNodes(healthCheckNodePort: number, pool: readonly NodeRuntime[]): NodeRuntime[] {
    if (healthCheckNodePort === 0) return [...pool];
    return pool.filter((n) => (n.node.healthCheck?.(healthCheckNodePort)?.localEndpoints ?? 0) > 0);
  }

  // The untraced, untracked walk is reused: traffic runs millions of them.
  private readonly fastWalk: Walk = {
    stats: { rulesEvaluated: 0 }, events: null, hops: null, nat: null, track: false, reply: false, hopsLeft: 16, rng: { next: () => 0 }, ipvsDest: null,
  };

  private newWalk(rng: RandomSource, record: boolean, track: boolean, reply: boolean): Walk {
    if (!record && !track && !reply) {
      const w = this.fastWalk;
      w.stats.rulesEvaluated = 0;
      w.hopsLeft = 16;
      w.rng = rng;
      w.ipvsDest = null;
      return w;
    }
    return {
      stats: { rulesEvaluated: 0 },
      events: record ? [] : null,
      hops: record ? [] : null,
      nat: record ? [] : null,
      track,
      reply,
      hopsLeft: 16,
      rng,
      ipvsDest: null,
    };
  }

  private walkFrom(
    from: NetSource,
    dst: number,
    dport: number,
    proto: number,
    sport: number,
    rng: RandomSource,
    record: boolean,
    track: boolean,
  ): { w: Walk; p: NetPacket; deliveredAt: Delivery; rules: number; ipvsDest: Walk["ipvsDest"] } {
    const w = this.newWalk(rng, record, track, false);
    const p: NetPacket = { src: 0, dst, sport, dport, proto, mark: 0, inIface: "", outIface: "", ct: 0, ipvs: null };
    let out: Delivery;
    if ("pod" in from) {
      const pod = this.pod(from.pod);
      const n = this.nodes.get(pod.node)!;
      if (pod.hostNetwork) {
        w.hops?.push(`pod ${pod.ref} (hostNetwork on ${n.name})`);
        p.src = n.primary;
        out = this.localOut(n, p, w);
      } else {
        w.hops?.push(`pod ${pod.ref}`);
        p.src = this.podIps.get(pod)!;
        p.inIface = this.vethOf(pod);
        out = this.arrive(n, p, w);
      }
    } else if ("node" in from) {
      const n = this.node(from.node);
      w.hops?.push(`node ${n.name} (host process)`);
      p.src = n.primary;
      out = this.localOut(n, p, w);
    } else {
      const n = this.entryNode(from, dst, rng);
      w.hops?.push(`external ${from.external}`);
      p.src = parseIPv4(from.external);
      p.inIface = "eth0";
      out = this.arrive(n, p, w);
    }
    return { w, p, deliveredAt: out, rules: w.stats.rulesEvaluated, ipvsDest: w.ipvsDest };
  }

  /** The endpoint answers: a packet from the receiver back to the (translated) source. */
  private sendReply(req: NetPacket, at: Delivery, rng: RandomSource): PacketPath {
    const w = this.newWalk(rng, true, true, true);
    const p: NetPacket = { src: req.dst, dst: req.src, sport: req.dport, dport: req.sport, proto: req.proto, mark: 0, inIface: "", outIface: "", ct: 0, ipvs: null };
    let out: Delivery;
    if (at.pod && !at.pod.hostNetwork) {
      w.hops!.push(`pod ${at.pod.ref}`);
      p.inIface = this.vethOf(at.pod);
      out = this.arrive(this.nodes.get(at.pod.node)!, p, w);
    } else {
      const n = at.node!;
      w.hops!.push(at.pod ? `pod ${at.pod.ref} (hostNetwork on ${n.name})` : `node ${n.name} (host process)`);
      out = this.localOut(n, p, w);
    }
    return { events: w.events!, hops: w.hops!, nat: w.nat!, rulesEvaluated: w.stats.rulesEvaluated, result: out.result };
  }

  // ------------------------------------------------------------------ hooks

  private hook(n: NodeRuntime, chain: HookChain | undefined, table: "nat" | "filter", hook: "PREROUTING" | "INPUT" | "FORWARD" | "OUTPUT" | "POSTROUTING", p: NetPacket, w: Walk): TableResult {
    const r = this.iptHook(n, chain, table, hook, p, w);
    if (r.verdict !== "ACCEPT" || !n.nft || !n.nft.has(table, hook)) return r;
    // nftables base chains registered at the same hook (kube-proxy's `ip kube-proxy` table),
    // in priority order; accept ends only its own chain.
    for (const c of n.nft.chainsAt(table, hook)) {
      const before = w.stats.rulesEvaluated;
      const steps: RuleStep[] | null = w.events ? [] : null;
      const snap = w.events ? { src: p.src, sport: p.sport, dst: p.dst, dport: p.dport } : NO_SNAP;
      const cr = n.nft.runChain(c, p, n.env, w.stats, steps);
      this.noteHook(n, `nft ${c.name}`, hook, cr, w.stats.rulesEvaluated - before, snap, w, steps);
      if (cr.verdict !== "ACCEPT") return cr;
    }
    return r;
  }

  private iptHook(n: NodeRuntime, chain: HookChain | undefined, table: "nat" | "filter", hook: "PREROUTING" | "INPUT" | "FORWARD" | "OUTPUT" | "POSTROUTING", p: NetPacket, w: Walk): TableResult {
    if (chain === undefined) return ACCEPT_NO_RULE;
    if (chain.rules.length === 0) return chain.policy === "ACCEPT" ? ACCEPT_NO_RULE : DROP_NO_RULE;
    const before = w.stats.rulesEvaluated;
    const steps: RuleStep[] | null = w.events ? [] : null;
    const beforeSrc = p.src, beforeSport = p.sport, beforeDst = p.dst, beforeDport = p.dport;
    const r = n.nf.runChain(chain, table, p, n.env, w.stats, steps);
    this.noteHook(n, table, hook, r, w.stats.rulesEvaluated - before, { src: beforeSrc, sport: beforeSport, dst: beforeDst, dport: beforeDport }, w, steps);
    return r;
  }

  /** Record a hook's outcome and its NAT (only when tracing). */
  private noteHook(
    n: NodeRuntime,
    table: string,
    hook: "PREROUTING" | "INPUT" | "FORWARD" | "OUTPUT" | "POSTROUTING",
    r: TableResult,
    rulesEvaluated: number,
    before: { src: number; sport: number; dst: number; dport: number },
    w: Walk,
    steps: RuleStep[] | null,
  ): void {
    if (w.events) {
      w.events.push({
        kind: "hook",
        node: n.name,
        hook,
        table,
        rules: steps ?? [],
        verdict: r.verdict,
        decidedBy: r.decidedBy ? `${r.decidedBy.chain} rule ${r.decidedBy.ruleNumber}` : null,
        rulesEvaluated,
      });
    }
    if (r.nat && w.nat) {
      const from = r.nat.kind === "DNAT" ? fmtHP(before.dst, before.dport) : fmtHP(before.src, before.sport);
      const to = fmtHP(r.nat.ip, r.nat.port);
      const by = `${table} ${r.nat.chain} rule ${r.nat.ruleNumber}`;
      w.nat.push({ node: n.name, kind: r.nat.kind, from, to, by });
      w.events!.push({ kind: "nat", node: n.name, nat: r.nat.kind, from, to, by });
    }
  }

  private blocked(n: NodeRuntime, r: TableResult, table: string, hook: string, p: NetPacket): Delivery {
    const where = r.decidedBy ? `${table} ${r.decidedBy.chain} rule ${r.decidedBy.ruleNumber}` : `${table} ${hook} policy`;
    if (r.verdict === "REJECT") {
      return this.fail("rejected", `rejected by ${n.name} (${where}: ${r.rejectWith ?? "icmp-port-unreachable"})`, n, p);
    }
    return this.fail("dropped", `dropped by ${n.name} (${where})`, n, p);
  }

  private fail(verdict: Verdict, reason: string, n: NodeRuntime | null, p: NetPacket): Delivery {
    return new Delivery(verdict, reason, null, n, p.dst, p.dport, p.src, p.sport);
  }

  private ctLookup(n: NodeRuntime, p: NetPacket, w: Walk): { entry: CtEntry; dir: "orig" | "reply" } | undefined {
    if (!w.track) return undefined;
    return n.ct.lookup(p);
  }

  private note(w: Walk, e: PathEvent): void {
    w.events?.push(e);
  }

  private recordNat(w: Walk, n: NodeRuntime, kind: NatRecord["kind"], from: string, to: string, by: string): void {
    if (!w.nat) return;
    w.nat.push({ node: n.name, kind, from, to, by });
    w.events!.push({ kind: "nat", node: n.name, nat: kind, from, to, by });
  }

  /** Conntrack translation for a known connection at a DST-manip hook (PREROUTING / OUTPUT). */
  private ctDstManip(n: NodeRuntime, hit: { entry: CtEntry; dir: "orig" | "reply" }, p: NetPacket, w: Walk, atLocalIn: boolean): void {
    const e = hit.entry;
    if (hit.dir === "orig" && e.dnat && e.ipvs === atLocalIn) {
      const from = fmtHP(p.dst, p.dport);
      p.dst = e.reply.src;
      p.dport = e.reply.sport;
      this.recordNat(w, n, "DNAT", from, fmtHP(p.dst, p.dport), `conntrack entry ${e.id}${e.ipvs ? " (IPVS connection)" : ""}`);
    } else if (hit.dir === "reply" && e.snat && !atLocalIn) {
      const from = fmtHP(p.dst, p.dport);
      p.dst = e.orig.src;
      p.dport = e.orig.sport;
      this.recordNat(w, n, "un-SNAT", from, fmtHP(p.dst, p.dport), `conntrack entry ${e.id}`);
    }
  }

  /** Conntrack translation at a SRC-manip hook (POSTROUTING / INPUT). */
  private ctSrcManip(n: NodeRuntime, hit: { entry: CtEntry; dir: "orig" | "reply" }, p: NetPacket, w: Walk): void {
    const e = hit.entry;
    if (hit.dir === "orig" && e.snat) {
      const from = fmtHP(p.src, p.sport);
      p.src = e.reply.dst;
      p.sport = e.reply.dport;
      this.recordNat(w, n, "SNAT", from, fmtHP(p.src, p.sport), `conntrack entry ${e.id}`);
    } else if (hit.dir === "reply" && e.dnat) {
      const from = fmtHP(p.src, p.sport);
      p.src = e.orig.dst;
      p.sport = e.orig.dport;
      this.recordNat(w, n, "un-DNAT", from, fmtHP(p.src, p.sport), `conntrack entry ${e.id}`);
    }
  }

  private route(n: NodeRuntime, dst: number): Route {
    if (n.env.isLocal(dst)) return ROUTE_LOCAL;
    const pod = this.podByIp.get(dst);
    if (pod && pod.node === n.name) return { kind: "pod", iface: this.vethOf(pod), pod };
    if (cidrContains(n.podCidr, dst)) return ROUTE_UNREACHABLE;
    for (const other of this.nodeList) {
      if (other === n) continue;
      if (cidrContains(other.podCidr, dst) || (other.locals.has(dst) && !other.ipvs?.dummyAddresses.has(dst))) {
        return other.viaRoute;
      }
    }
    return ROUTE_EXTERNAL;
  }

  /** `ip route get`-style description of a routing decision (only built when tracing). */
  private describeRoute(n: NodeRuntime, dst: number, rt: Route): string {
    switch (rt.kind) {
      case "local":
        return `local ${formatIPv4(dst)} dev ${n.ipvs?.dummyAddresses.has(dst) ? "kube-ipvs0" : "lo"}`;
      case "pod":
        return `${formatIPv4(dst)} dev ${rt.iface} scope link (pod ${rt.pod!.ref})`;
      case "unreachable":
        return `blackhole ${formatIPv4(n.podCidr.base)}/${n.podCidr.prefix}: no pod has ${formatIPv4(dst)}`;
      case "node": {
        const other = rt.node!;
        const why = cidrContains(other.podCidr, dst) ? `${other.name}'s podCIDR ${other.node.podCIDR}` : `${other.name}'s address`;
        return `${formatIPv4(dst)} via ${formatIPv4(other.primary)} dev eth0 (${why})`;
      }
      case "external":
        return `default via gateway dev eth0 (${formatIPv4(dst)} is outside the cluster)`;
    }
  }

  /** The node's rule environment for this walk (random draws, clock, IPVS chooser). */
  private enter(n: NodeRuntime, w: Walk): void {
    n.env.rng = w.rng;
    n.env.now = this.now;
    n.env.chooser = this.chooser;
  }

  /** The packet's tuple before any NAT (what conntrack records as the original direction). */
  private origTuple(p: NetPacket, w: Walk): Tuple {
    return w.track ? { proto: p.proto, src: p.src, sport: p.sport, dst: p.dst, dport: p.dport } : NO_TUPLE;
  }

  /**
   * The nat step where a packet enters a node's stack (PREROUTING for arriving packets, OUTPUT for
   * locally generated ones): a tracked connection reuses its translation and skips the nat table;
   * a new one walks it. Returns the delivery when the nat chain stopped the packet.
   */
  private natEntry(n: NodeRuntime, hit: { entry: CtEntry; dir: "orig" | "reply" } | undefined, hook: "PREROUTING" | "OUTPUT", p: NetPacket, w: Walk): Delivery | undefined {
    if (hit) {
      p.ct = CT.ESTABLISHED | (hit.entry.dnat ? CT.DNAT : 0) | (hit.entry.snat ? CT.SNAT : 0);
      this.note(w, { kind: "conntrack", node: n.name, detail: `${hit.dir === "orig" ? "ESTABLISHED" : "reply of"} connection ${hit.entry.id}: nat table skipped` });
      this.ctDstManip(n, hit, p, w, false);
      return undefined;
    }
    p.ct = CT.NEW;
    if (w.events) this.note(w, { kind: "conntrack", node: n.name, detail: "NEW connection: first packet traverses the nat table" });
    const r = this.hook(n, n.hooks.nat[hook], "nat", hook, p, w);
    return r.verdict !== "ACCEPT" ? this.blocked(n, r, "nat", hook, p) : undefined;
  }

  /** A packet enters node `n` on `p.inIface`. */
  private arrive(n: NodeRuntime, p: NetPacket, w: Walk): Delivery {
    if (--w.hopsLeft < 0) return this.fail("dropped", `routing loop (TTL exceeded) at ${n.name}`, n, p);
    w.hops?.push(n.name);
    this.enter(n, w);
    const hit = this.ctLookup(n, p, w);
    const orig = this.origTuple(p, w);
    const blocked = this.natEntry(n, hit, "PREROUTING", p, w);
    if (blocked) return blocked;
    const rt = this.route(n, p.dst);
    if (w.events) this.note(w, { kind: "route", node: n.name, detail: this.describeRoute(n, p.dst, rt) });
    if (rt.kind === "local") {
      p.outIface = "";
      const fr = this.hook(n, n.hooks.filter.INPUT, "filter", "INPUT", p, w);
      if (fr.verdict !== "ACCEPT") return this.blocked(n, fr, "filter", "INPUT", p);
      if (n.ipvs && !w.reply) {
        if (hit) {
          if (hit.dir === "orig" && hit.entry.ipvs) {
            this.ctDstManip(n, hit, p, w, true);
            return this.forwardOut(n, p, w, hit, orig, true);
          }
        } else {
          const vs = n.ipvs.lookup(p.proto, p.dst, p.dport);
          if (vs) return this.ipvsDnat(n, vs, "LOCAL_IN", p, w) ?? this.forwardOut(n, p, w, undefined, orig, true);
        }
      }
      return this.deliverLocal(n, p, w, hit, orig);
    }
    if (rt.kind === "unreachable") return this.fail("unreachable", `unreachable: no route to ${formatIPv4(p.dst)} on ${n.name}`, n, p);
    p.outIface = rt.iface;
    const fr = this.hook(n, n.hooks.filter.FORWARD, "filter", "FORWARD", p, w);
    if (fr.verdict !== "ACCEPT") return this.blocked(n, fr, "filter", "FORWARD", p);
    return this.postrouting(n, p, w, hit, orig, rt, false);
  }

  /**
   * IPVS picks a real server for a new connection to a virtual server and rewrites the
   * destination (Masq). Returns the rejection when the virtual server has no real server.
   */
  private ipvsDnat(n: NodeRuntime, vs: NonNullable<ReturnType<NonNullable<NodeRuntime["ipvs"]>["lookup"]>>, hook: "LOCAL_IN" | "LOCAL_OUT", p: NetPacket, w: Walk): Delivery | undefined {
    const d = this.schedule(n, vs, p.src);
    if (!d) {
      if (w.events) this.note(w, { kind: "ipvs", node: n.name, detail: `virtual server ${protoName(p.proto)} ${fmtHP(p.dst, p.dport)} has no real server: ICMP port unreachable` });
      return this.fail("rejected", `rejected by ${n.name} (IPVS ${protoName(p.proto)} ${fmtHP(p.dst, p.dport)} has no real servers)`, n, p);
    }
    d.activeConns++;
    w.ipvsDest = d;
    const from = w.events ? fmtHP(p.dst, p.dport) : "";
    p.ipvs = { vaddr: p.dst, vport: p.dport, vproto: p.proto };
    p.dst = d.ip;
    p.dport = d.port;
    p.ct |= CT.DNAT;
    if (w.events) {
      this.note(w, { kind: "ipvs", node: n.name, detail: `${hook}: ${protoName(p.proto)} ${from} ${vs.spec.scheduler}${vs.spec.persistentTimeout ? ` persistent ${vs.spec.persistentTimeout}` : ""} → ${fmtHP(d.ip, d.port)} (Masq)` });
      this.recordNat(w, n, "DNAT", from, fmtHP(d.ip, d.port), `IPVS ${vs.spec.scheduler}`);
    }
    return undefined;
  }

  /** After IPVS rewrote the destination: LOCAL_OUT (filter OUTPUT) and POSTROUTING towards the real server. */
  private forwardOut(n: NodeRuntime, p: NetPacket, w: Walk, hit: { entry: CtEntry; dir: "orig" | "reply" } | undefined, orig: Tuple, ipvs: boolean): Delivery {
    const rt = this.route(n, p.dst);
    if (w.events) this.note(w, { kind: "route", node: n.name, detail: this.describeRoute(n, p.dst, rt) });
    p.outIface = rt.iface;
    const fr = this.hook(n, n.hooks.filter.OUTPUT, "filter", "OUTPUT", p, w);
    if (fr.verdict !== "ACCEPT") return this.blocked(n, fr, "filter", "OUTPUT", p);
    if (rt.kind === "unreachable") return this.fail("unreachable", `unreachable: no route to ${formatIPv4(p.dst)} on ${n.name}`, n, p);
    if (rt.kind === "local") return this.deliverLocal(n, p, w, hit, orig);
    return this.postrouting(n, p, w, hit, orig, rt, ipvs);
  }

  private postrouting(n: NodeRuntime, p: NetPacket, w: Walk, hit: { entry: CtEntry; dir: "orig" | "reply" } | undefined, orig: Tuple, rt: Route, ipvs: boolean): Delivery {
    if (hit) this.ctSrcManip(n, hit, p, w);
    else {
      const r = this.hook(n, n.hooks.nat.POSTROUTING, "nat", "POSTROUTING", p, w);
      if (r.verdict !== "ACCEPT") return this.blocked(n, r, "nat", "POSTROUTING", p);
      if (w.track) {
        const e = n.ct.confirm(orig, p, { ipvs });
        if (w.events) this.note(w, { kind: "conntrack", node: n.name, detail: `confirmed connection ${e.id}${e.dnat || e.snat ? ` (${[e.dnat ? "DNAT" : "", e.snat ? "SNAT" : ""].filter(Boolean).join("+")})` : ""}` });
      }
    }
    return this.transmit(n, p, w, rt);
  }

  private transmit(n: NodeRuntime, p: NetPacket, w: Walk, rt: Route): Delivery {
    if (rt.kind === "pod") return this.deliverPod(rt.pod!, n, p, w);
    if (rt.kind === "node") {
      p.inIface = "eth0";
      p.outIface = "";
      p.mark = 0; // skb marks do not cross the wire
      p.ipvs = null;
      return this.arrive(rt.node!, p, w);
    }
    w.hops?.push(`outside (${formatIPv4(p.dst)})`);
    if (w.reply) return new Delivery("delivered", "reply reached the external client", null, null, p.dst, p.dport, p.src, p.sport);
    return new Delivery("left-cluster", WHY_LEFT, null, null, p.dst, p.dport, p.src, p.sport);
  }

  private deliverPod(pod: NetPod, n: NodeRuntime, p: NetPacket, w: Walk): Delivery {
    w.hops?.push(`pod ${pod.ref}`);
    const verdict: Verdict = w.reply ? "delivered" : pod.hung ? "timeout" : pod.listening(p.dport, protoName(p.proto)) ? "delivered" : "refused";
    const why = w.reply ? WHY_REPLY_POD : verdict === "timeout" ? WHY_TIMEOUT : verdict === "refused" ? WHY_REFUSED_POD : WHY_POD;
    return new Delivery(verdict, why, pod, n, p.dst, p.dport, p.src, p.sport);
  }

  /** Delivery to the node's own stack (INPUT already passed): un-DNAT replies, then a socket. */
  private deliverLocal(n: NodeRuntime, p: NetPacket, w: Walk, hit: { entry: CtEntry; dir: "orig" | "reply" } | undefined, orig: Tuple): Delivery {
    if (hit) this.ctSrcManip(n, hit, p, w);
    else if (w.track) n.ct.confirm(orig, p, { ipvs: false });
    const host = (this.hostPods.get(n.name) ?? []).find((hp) => hp.listening(p.dport, protoName(p.proto)));
    w.hops?.push(host ? `pod ${host.ref} (hostNetwork on ${n.name})` : `${n.name} host process`);
    if (w.reply) return new Delivery("delivered", WHY_REPLY_HOST, null, n, p.dst, p.dport, p.src, p.sport);
    if (!host) return new Delivery("refused", WHY_REFUSED_HOST, null, n, p.dst, p.dport, p.src, p.sport);
    return new Delivery(host.hung ? "timeout" : "delivered", host.hung ? WHY_TIMEOUT : WHY_POD, host, n, p.dst, p.dport, p.src, p.sport);
  }

  /** A packet generated on node `n` (host process or hostNetwork pod). */
  private localOut(n: NodeRuntime, p: NetPacket, w: Walk): Delivery {
    w.hops?.push(n.name);
    this.enter(n, w);
    const rt0 = this.route(n, p.dst);
    p.outIface = rt0.iface;
    const hit = this.ctLookup(n, p, w);
    const orig = this.origTuple(p, w);
    const blocked = this.natEntry(n, hit, "OUTPUT", p, w);
    if (blocked) return blocked;
    let rt = this.route(n, p.dst);
    p.outIface = rt.iface;
    const fr = this.hook(n, n.hooks.filter.OUTPUT, "filter", "OUTPUT", p, w);
    if (fr.verdict !== "ACCEPT") return this.blocked(n, fr, "filter", "OUTPUT", p);
    let ipvs = false;
    if (n.ipvs && !w.reply) {
      if (hit?.dir === "orig" && hit.entry.ipvs) {
        this.ctDstManip(n, hit, p, w, true);
      } else if (!hit) {
        const vs = n.ipvs.lookup(p.proto, p.dst, p.dport);
        if (vs) {
          const rejected = this.ipvsDnat(n, vs, "LOCAL_OUT", p, w);
          if (rejected) return rejected;
          ipvs = true;
        }
      }
    }
    rt = this.route(n, p.dst);
    if (w.events) this.note(w, { kind: "route", node: n.name, detail: this.describeRoute(n, p.dst, rt) });
    p.outIface = rt.iface;
    if (rt.kind === "unreachable") return this.fail("unreachable", `unreachable: no route to ${formatIPv4(p.dst)} on ${n.name}`, n, p);
    if (rt.kind === "local") {
      // Loopback: POSTROUTING, then back in through INPUT.
      if (!hit) {
        const r = this.hook(n, n.hooks.nat.POSTROUTING, "nat", "POSTROUTING", p, w);
        if (r.verdict !== "ACCEPT") return this.blocked(n, r, "nat", "POSTROUTING", p);
      }
      const ir = this.hook(n, n.hooks.filter.INPUT, "filter", "INPUT", p, w);
      if (ir.verdict !== "ACCEPT") return this.blocked(n, ir, "filter", "INPUT", p);
      return this.deliverLocal(n, p, w, hit, orig);
    }
    return this.postrouting(n, p, w, hit, orig, rt, ipvs);
  }
}

type Why = string | ((d: Delivery) => string);

/**
 * Where a packet ended up. Strings for the public result are built only when asked for.
 *
 * @example
 * ```ts
 * const { delivery } = dp.connect(from, dst, 80, 6, 40000, rng);
 * delivery.verdict;          // "delivered"
 * delivery.result.reason;    // "delivered to pod default/web-1"
 * ```
 */
export class Delivery {
  private cached: DeliveryResult | null = null;
  constructor(
    readonly verdict: Verdict,
    private readonly why: Why,
    readonly pod: NetPod | null,
    readonly node: NodeRuntime | null,
    readonly dst: number,
    readonly dport: number,
    readonly src: number,
    readonly sport: number,
  ) {}

  get reason(): string {
    return typeof this.why === "string" ? this.why : this.why(this);
  }

  get result(): DeliveryResult {
    if (!this.cached) {
      this.cached = {
        verdict: this.verdict,
        reason: this.reason,
        pod: this.pod && (this.verdict === "delivered" || this.verdict === "timeout" || this.verdict === "refused") ? this.pod.ref : null,
        node: this.node?.name ?? null,
        ip: formatIPv4(this.dst),
        port: this.dport,
        srcIp: formatIPv4(this.src),
        srcPort: this.sport,
      };
    }
    return this.cached;
  }
}

const WHY_POD: Why = (d) => `delivered to pod ${d.pod!.ref}`;
const WHY_REPLY_POD: Why = (d) => `reply reached pod ${d.pod!.ref}`;
const WHY_TIMEOUT: Why = (d) => `timeout: ${d.pod!.ref} does not answer (app hung)`;
const WHY_REFUSED_POD: Why = (d) => `refused: nothing listening on ${d.pod!.ref} port ${d.dport}`;
const WHY_REFUSED_HOST: Why = (d) => `refused: nothing listening on ${d.node!.name} port ${d.dport}`;
const WHY_REPLY_HOST: Why = (d) => `reply reached ${d.node!.name}`;
const WHY_LEFT: Why = (d) => `left the cluster towards ${formatIPv4(d.dst)}: no Service rule matched`;

const datapaths = new WeakMap<NetWorld, Datapath>();

/**
 * Trace one packet (and its reply) through the cluster. Kernel state (conntrack, affinity lists,
 * IPVS schedulers) persists per world between calls, so tracing the same 5-tuple twice shows an
 * established connection reusing its mapping.
 *
 * @example
 * ```ts
 * const t = tracePacket(world, { from: { pod: "default/client" }, to: { ip: "10.96.0.20", port: 80 }, rng: new Rng(7) });
 * t.request.events.filter((e) => e.kind === "hook");   // every hook, chain and rule
 * t.replyFrom;   // "10.96.0.20:80": the reply is un-NATed
 * ```
 */
export function tracePacket(world: NetWorld, opts: TraceOptions): PacketTrace {
  let dp = datapaths.get(world);
  if (!dp) datapaths.set(world, (dp = new Datapath(world)));
  return dp.tracePacket(opts);
}
