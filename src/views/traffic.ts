/**
 * What `cluster.traffic(...)` and `cluster.packet(...)` show: connections per endpoint as a chart
 * and text, one packet's walk as a picture, a table and text. The data path (`net/`, `network.ts`)
 * only computes; formatting lives here and in `render/`.
 *
 * @example
 * ```ts
 * cluster.traffic({ from: "pod/client", to: "hello-world:80" }).byPod; // { "hello-world-…": 2511, … }
 * String(cluster.packet({ from: "pod/client", to: "hello-world:80" })); // hops, NAT, verdict
 * ```
 */
import type { PacketTrace } from "../net/datapath";
import type { TrafficResult } from "../net/traffic";
import { genericTable, packetBundle, trafficChart, type PacketContext, type SvgBundle } from "../render";

/** The result of `cluster.traffic`: connections per endpoint; shows itself as a chart. */
export class Traffic {
  constructor(
    readonly from: string,
    readonly to: string,
    readonly result: TrafficResult,
  ) {}

  /** Connections per pod name (failed ones not counted). */
  get byPod(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.result.byEndpoint) out[e.pod ?? e.endpoint] = e.count;
    return out;
  }

  /** Share of answered connections per pod (0..1). */
  get shares(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.result.byEndpoint) out[e.pod ?? e.endpoint] = this.result.total ? e.count / this.result.total : 0;
    return out;
  }

  get failed(): number {
    return this.result.failures.reduce((n, f) => n + f.count, 0);
  }

  toString(): string {
    const r = this.result;
    const lines = [`${r.total} connections from ${this.from} to ${this.to}: ${r.succeeded} answered, ${this.failed} failed`];
    for (const e of r.byEndpoint) lines.push(`  ${e.endpoint.padEnd(21)} ${(e.pod ?? "-").padEnd(40)} ${(e.node ?? "-").padEnd(14)} ${String(e.count).padStart(7)}  ${(r.total ? (100 * e.count) / r.total : 0).toFixed(1).padStart(5)}%${e.expectedShare !== undefined ? `  (expected ${(100 * e.expectedShare).toFixed(1)}%)` : ""}`);
    for (const f of r.failures) lines.push(`  failed: ${f.count} × ${f.reason}`);
    lines.push(`  rules evaluated per new connection: ${r.rulesEvaluatedPerConnection.toFixed(1)}`);
    return lines.join("\n");
  }

  [Symbol.for("Jupyter.display")](): Promise<Record<string, unknown>> {
    return trafficChart(this.result, { title: `${this.from} → ${this.to}` }).bundle() as Promise<Record<string, unknown>>;
  }
}

/** The path of one packet: hooks, rules, NAT, hops, verdict. */
export class Packet {
  constructor(
    readonly trace: PacketTrace,
    /** How the packet was asked for, and the load balancer's health checks when it came through one. */
    readonly context: PacketContext = { from: trace.request.hops[0] ?? "?", to: trace.endpoint ?? "?" },
  ) {}

  get verdict(): string {
    return this.trace.verdict;
  }

  get hops(): string[] {
    return this.trace.request.hops;
  }

  toString(): string {
    const t = this.trace;
    const lines = [`${t.request.hops.join(" → ")}: ${t.verdict} (${t.reason})`];
    for (const n of t.request.nat) lines.push(`  ${n.kind} on ${n.node}: ${n.from} → ${n.to}  (${n.by})`);
    for (const e of t.request.events) {
      if (e.kind === "hook") lines.push(`  ${e.node} ${e.table}/${e.hook}: ${e.rulesEvaluated} rules, ${e.verdict}${e.decidedBy ? ` by ${e.decidedBy}` : ""}`);
      else if (e.kind !== "nat") lines.push(`  ${e.node} ${e.kind}: ${e.detail}`);
    }
    if (t.reply) lines.push(`  reply: ${t.reply.hops.join(" → ")}; the client sees it from ${t.replyFrom ?? "?"}`);
    lines.push(`  rules evaluated: ${t.rulesEvaluated}`);
    return lines.join("\n");
  }

  /** One row per step (hook, conntrack, routing, NAT). */
  table(): ReturnType<typeof genericTable> {
    const rows = this.trace.request.events.map((e, i) => ({
      step: i + 1,
      node: e.node,
      what: e.kind === "hook" ? `${e.table} ${e.hook}` : e.kind,
      detail:
        e.kind === "hook"
          ? `${e.rulesEvaluated} rules → ${e.verdict}${e.decidedBy ? ` (${e.decidedBy})` : ""}`
          : e.kind === "nat"
            ? `${e.nat} ${e.from} → ${e.to} (${e.by})`
            : e.detail,
    }));
    return genericTable(rows, { title: `${this.trace.request.hops.join(" → ")}: ${this.trace.verdict}`, caption: `${this.trace.rulesEvaluated} rules evaluated` });
  }

  /** The walk as a picture: chains in the order the packet meets them, NAT, routing, the reply. */
  [Symbol.for("Jupyter.display")](): SvgBundle {
    return packetBundle(this.trace, this.context, this.toString());
  }
}
