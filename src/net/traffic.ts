/**
 * Traffic: many new connections, each walking the rules of the nodes it crosses with the seeded
 * RNG, tallied per endpoint. Requests on a connection ride its conntrack entry (or IPVS
 * connection) and never re-walk the nat table, so they all land on the connection's backend —
 * which is why few long-lived connections spread badly (the keep-alive imbalance).
 *
 * @example
 * ```ts
 * const t = simulateTraffic(world, { from: { pod: "default/client" }, to: { ip: "10.96.0.20", port: 80 }, connections: 30_000, rng: new Rng(1) });
 * t.byEndpoint.map((e) => [e.pod, e.count]);
 * t.failures;                      // [{ reason: "timeout: default/web-3 does not answer (app hung)", count: 9987 }]
 * t.rulesEvaluatedPerConnection;   // mean kernel rule evaluations per new connection
 * ```
 */
import { Datapath, type RandomSource } from "./datapath";
import { endpointKey, formatIPv4, parseIPv4 } from "../util/ipv4";
import type { Chooser } from "./netfilter";
import { PROTO } from "./restore";
import { interruptible } from "../sim/interrupt";
import type { NetDestination, NetSource, NetWorld } from "./world";

export interface NetTrafficOptions {
  from: NetSource;
  to: NetDestination;
  connections: number;
  /** Requests sent over each connection (default 1). */
  requestsPerConnection?: number;
  rng: RandomSource;
  /** Called per answered connection with the pod (`namespace/name`) and the source it saw. */
  onServed?: (pod: string, srcIp: string, requests: number) => void;
  /** Continue from an existing data path's kernel state (default: a fresh one, so results depend only on the seed). */
  datapath?: Datapath;
}

export interface EndpointTally {
  endpoint: string;
  pod: string | null;
  node: string | null;
  /** Connections that reached this endpoint and were answered. */
  count: number;
  /** Requests served (count × requestsPerConnection). */
  requests: number;
  /** Connections the rules sent here that the pod did not answer (timeout, refused). */
  failed: number;
  /** Share of all connections answered here (count / total). */
  share: number;
  /**
   * Share of connections the rules send here, computed exactly by following every random branch
   * (statistic probabilities, the LB's node choice, IPVS weights). Absent when the outcome
   * depends on history (ClientIP affinity / IPVS persistence) or there are too many branches.
   */
  expectedShare?: number;
}

export interface TrafficResult {
  /** Sorted by endpoint (`ip:port`, numerically). */
  byEndpoint: EndpointTally[];
  total: number;
  succeeded: number;
  /** Failed connections by reason, most frequent first (then by reason). */
  failures: { reason: string; count: number }[];
  /** Connections that reached each node first (external clients through a load balancer). */
  byEntryNode: { node: string; count: number }[];
  rulesEvaluatedPerConnection: number;
  requestsPerConnection: number;
}

/**
 * Open `connections` new connections from a source to a destination and count where they land.
 *
 * @example
 * ```ts
 * simulateTraffic(world, { from: { external: "203.0.113.9" }, to: { ip: "198.51.100.10", port: 80 }, connections: 1000, rng });
 * ```
 */
export function simulateTraffic(world: NetWorld, opts: NetTrafficOptions): TrafficResult {
  const n = Math.floor(opts.connections);
  if (!(n >= 0)) throw new Error(`connections must be a non-negative number, got ${opts.connections}`);
  const rpc = Math.max(1, Math.floor(opts.requestsPerConnection ?? 1));
  const dp = opts.datapath ?? new Datapath(world);
  const proto = opts.to.protocol === "UDP" ? PROTO.udp : opts.to.protocol === "SCTP" ? PROTO.sctp : PROTO.tcp;
  const tallies = new Map<number, EndpointTally>();
  const failures = new Map<string, number>();
  const entries = new Map<string, number>();
  let rules = 0;
  let ok = 0;
  const ext = "external" in opts.from ? opts.from : null;
  const dst = parseIPv4(opts.to.ip);
  const port = opts.to.port;
  // An interrupt ends the loop between two connections (each leaves conntrack and IPVS state behind).
  interruptible((poll) => {
    for (let i = 0; i < n; i++) {
      poll();
      // Ephemeral ports cycle through Linux's default range 32768–60999.
      const sport = 32768 + (i % 28232);
      let from: NetSource = opts.from;
      if (ext && ext.via === undefined) {
        const entry = dp.entryNode(ext, dst, opts.rng);
        from = { external: ext.external, via: entry.name };
        entries.set(entry.name, (entries.get(entry.name) ?? 0) + 1);
      }
      const c = dp.connect(from, dst, port, proto, sport, opts.rng);
      rules += c.rules;
      // The connection closes after its requests: IPVS moves it to the inactive counter.
      if (c.ipvsDest) {
        c.ipvsDest.activeConns--;
        c.ipvsDest.inactConns++;
      }
      const d = c.delivery;
      // DNATed to an endpoint outside the cluster (a selector-less Service's Endpoints): the connection
      // reached that address; whether a machine there answers is outside the simulated world.
      const outside = d.verdict === "left-cluster" && (d.dst !== dst || d.dport !== port);
      const delivered = d.verdict === "delivered" || outside;
      const atPod = delivered || ((d.verdict === "timeout" || d.verdict === "refused") && d.pod !== null);
      if (!delivered) {
        const reason = d.reason;
        failures.set(reason, (failures.get(reason) ?? 0) + 1);
        if (!atPod) continue;
      } else ok++;
      const key = d.dst * 65536 + d.dport;
      let t = tallies.get(key);
      if (!t) {
        const r = d.result;
        tallies.set(key, (t = { endpoint: `${r.ip}:${r.port}`, pod: d.pod?.ref ?? null, node: r.node, count: 0, failed: 0, requests: 0, share: 0 }));
      }
      if (delivered) {
        if (opts.onServed && d.pod) opts.onServed(d.pod.ref, formatIPv4(d.src), rpc);
        t.count++;
        t.requests += rpc;
      } else t.failed++;
    }
  });
  const expected = n > 0 ? expectedShares(world, opts.from, dst, port, proto) : null;
  if (expected) {
    for (const [key, share] of expected) {
      if (!tallies.has(key)) {
        const ep = `${formatIPv4(Math.floor(key / 65536))}:${key % 65536}`;
        tallies.set(key, { endpoint: ep, pod: null, node: null, count: 0, failed: 0, requests: 0, share: 0 });
      }
      tallies.get(key)!.expectedShare = share;
    }
  }
  const byEndpoint = [...tallies.values()].sort((a, b) => endpointKey(a.endpoint) - endpointKey(b.endpoint));
  for (const t of byEndpoint) t.share = n > 0 ? t.count / n : 0;
  return {
    byEndpoint,
    total: n,
    succeeded: ok,
    failures: [...failures].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0)),
    byEntryNode: [...entries].map(([node, count]) => ({ node, count })).sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0)),
    rulesEvaluatedPerConnection: n > 0 ? rules / n : 0,
    requestsPerConnection: rpc,
  };
}

/**
 * Exact share of connections the rules send to each endpoint (`ip*65536+port` → share), found by
 * walking every branch of every random decision with its probability on a fresh data path.
 * Null when the result depends on history or the branches exceed a budget.
 */
function expectedShares(world: NetWorld, from: NetSource, dst: number, port: number, proto: number): Map<number, number> | null {
  const out = new Map<number, number>();
  const stack: number[][] = [[]];
  let paths = 0;
  while (stack.length > 0) {
    if (++paths > 512) return null;
    const script = stack.pop()!;
    let depth = 0;
    let weight = 1;
    const chooser: Chooser = {
      pick(ws) {
        const total = ws.reduce((a, b) => a + b, 0);
        if (depth < script.length) {
          const i = script[depth++]!;
          weight *= ws[i]! / total;
          return i;
        }
        const alts: number[] = [];
        for (let i = 0; i < ws.length; i++) if (ws[i]! > 0) alts.push(i);
        for (const i of alts.slice(1)) stack.push([...script.slice(0, depth), i]);
        const first = alts[0] ?? 0;
        script.push(first);
        depth++;
        weight *= (ws[first] ?? 0) / total;
        return first;
      },
    };
    const dp = new Datapath(world);
    dp.chooser = chooser;
    const c = dp.connect(from, dst, port, proto, 40000, { next: () => 0 });
    if (chooser.historyDependent) return null;
    const d = c.delivery;
    if (d.verdict === "delivered" || ((d.verdict === "timeout" || d.verdict === "refused") && d.pod !== null)) {
      const key = d.dst * 65536 + d.dport;
      out.set(key, (out.get(key) ?? 0) + weight);
    }
  }
  return out;
}
