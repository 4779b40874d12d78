/**
 * A packet's walk as a picture: for each node it crosses, the chains it jumps through in the order
 * it meets them (PREROUTING → KUBE-SERVICES → KUBE-SVC-… → KUBE-SEP-… → DNAT), the routing
 * decision that sends it to the pod's node, SNAT where the source address is lost, and the reply
 * translated back (un-DNAT) so the client sees the address it connected to. For traffic from
 * outside through a cloud load balancer, the load balancer's health checks come first: which nodes
 * answer (externalTrafficPolicy Local) and which one it picked.
 */
import type { PacketTrace, PacketPath, PathEvent } from "../net/datapath";
import type { SvgBundle } from "./bundle";
import { flowBundle, type FlowModel, type FlowPill, type FlowSection, type FlowStep, type Tone } from "./flow";

/** What the load balancer in front of a LoadBalancer Service knew when it picked a node. */
export interface LoadBalancerView {
  ip: string;
  /** 0 when the Service has no health check (externalTrafficPolicy Cluster). */
  healthCheckNodePort: number;
  /** Every node in the LB's pool, with what its kube-proxy health server answered. */
  nodes: readonly { name: string; localEndpoints: number | null }[];
}

/** Context the trace does not carry: where the packet was headed and how the client named it. */
export interface PacketContext {
  /** How the caller named the source, e.g. `pod/client`, `external 198.51.100.7`. */
  from: string;
  /** How the caller named the destination, e.g. `hello-world:80 (10.96.0.12:80)`. */
  to: string;
  /** The client's own address, when known (to say whether the pod sees it). */
  clientIP?: string;
  loadBalancer?: LoadBalancerView;
}

function probability(rule: string): string | null {
  return /--probability (\S+)/.exec(rule)?.[1] ?? null;
}

function comment(rule: string): string | null {
  return /--comment "([^"]*)"/.exec(rule)?.[1] ?? null;
}

/** One hook: the rules that matched, as a chain of jumps, in the order the packet met them. */
function hookStep(e: Extract<PathEvent, { kind: "hook" }>): FlowStep {
  const matched = e.rules.filter((r) => r.matched);
  const pills: FlowPill[] = [];
  const notes: string[] = [];
  // Rules tested in a chain before the one that matched (the statistic coin flips that lost).
  const tested = new Map<string, number>();
  for (const r of e.rules) tested.set(r.chain, (tested.get(r.chain) ?? 0) + 1);
  for (const r of matched) {
    const p = probability(r.rule);
    const action = r.action ?? "";
    const jump = /^jump (\S+)/.exec(action)?.[1];
    pills.push({ text: `${r.chain} #${r.ruleNumber}`, title: r.rule, tone: "jump" });
    if (p !== null) {
      const before = (tested.get(r.chain) ?? 1) - 1;
      notes.push(`${r.chain} rule ${r.ruleNumber}: --probability ${p} taken${before > 0 ? ` (${before} earlier rule${before === 1 ? "" : "s"} not taken)` : ""}`);
    }
    if (!jump && action) pills.push({ text: action, title: r.rule, tone: /^DNAT|^SNAT|^MASQUERADE/.test(action) ? "nat" : /DROP|REJECT/.test(action) ? "bad" : "muted" });
    const c = comment(r.rule);
    if (c && /^KUBE-(SERVICES|NODEPORTS|EXT-|XLB-|SVL-|EXTERNAL-SERVICES|FW-)/.test(r.chain)) notes.push(`${r.chain} #${r.ruleNumber}: "${c}"`);
  }
  const decided = e.decidedBy ? ` by ${e.decidedBy}` : " (chain policy)";
  // A filter hook that only passed through kube-proxy's chains says so in words: the jumps are noise.
  if (e.table === "filter" && e.verdict === "ACCEPT" && notes.length === 0) {
    return { tag: `${e.table} ${e.hook}`, tone: "muted", text: `ACCEPT${decided} · ${e.rulesEvaluated} rules tested (${[...new Set(matched.map((r) => /^jump (\S+)/.exec(r.action ?? "")?.[1]).filter(Boolean))].join(", ") || "no rule"} matched nothing that stops it)` };
  }
  const tone: Tone = e.verdict === "ACCEPT" ? (matched.some((r) => /DNAT|MASQUERADE|SNAT/.test(r.action ?? "")) ? "nat" : "plain") : "bad";
  const text = `${notes.length ? notes.join("; ") + ". " : ""}${e.verdict}${decided} · ${e.rulesEvaluated} rule${e.rulesEvaluated === 1 ? "" : "s"} tested`;
  return { tag: `${e.table} ${e.hook}`, tone, pills, text };
}

function eventStep(e: PathEvent): FlowStep {
  switch (e.kind) {
    case "hook":
      return hookStep(e);
    case "nat":
      return { tag: e.nat, tone: "nat", text: `${e.from} → ${e.to}  (${e.by})` };
    case "route":
      return { tag: "route", text: e.detail };
    case "ipvs":
      return { tag: "IPVS", tone: "nat", text: e.detail };
    case "conntrack":
      return { tag: "conntrack", tone: "muted", text: e.detail };
  }
}

/** Consecutive events on one node become one section. */
function sections(path: PacketPath, label: (node: string) => string): FlowSection[] {
  const out: FlowSection[] = [];
  let cur: { node: string; steps: FlowStep[] } | null = null;
  for (const e of path.events) {
    if (!cur || cur.node !== e.node) {
      cur = { node: e.node, steps: [] };
      out.push({ title: label(e.node), steps: cur.steps, ...(out.length ? { via: `eth0 → ${e.node}` } : {}) });
    }
    cur.steps.push(eventStep(e));
  }
  return out;
}

function lbSection(lb: LoadBalancerView, entry: string | undefined): FlowSection {
  const steps: FlowStep[] = lb.nodes.map((n) => {
    if (lb.healthCheckNodePort === 0) {
      return { tag: n.name, tone: n.name === entry ? "ok" : "plain", text: `in the pool (no health check: externalTrafficPolicy Cluster)${n.name === entry ? " — picked" : ""}` };
    }
    const healthy = (n.localEndpoints ?? 0) > 0;
    return {
      tag: n.name,
      tone: healthy ? "ok" : "bad",
      text:
        `GET :${lb.healthCheckNodePort}/healthz → ${healthy ? "200" : "503"} (${n.localEndpoints ?? 0} local endpoint${n.localEndpoints === 1 ? "" : "s"})` +
        `${healthy ? "" : ": gets no traffic"}${n.name === entry ? " — picked" : ""}`,
    };
  });
  return {
    title: `load balancer ${lb.ip}`,
    subtitle: lb.healthCheckNodePort ? `health checks healthCheckNodePort ${lb.healthCheckNodePort} on every node` : "sends to any node in its pool",
    steps,
  };
}

/**
 * The walk of one packet and its reply as a flow model.
 *
 * @example
 * ```ts
 * packetModel(cluster.packet({ from: "pod/client", to: "web:80" }).trace, { from: "pod/client", to: "web:80" });
 * ```
 */
export function packetModel(t: PacketTrace, ctx: PacketContext): FlowModel {
  const req = t.request;
  const first = req.hops[0] ?? ctx.from;
  const secs: FlowSection[] = [];
  const entry = req.hops[1];
  if (ctx.loadBalancer) secs.push(lbSection(ctx.loadBalancer, entry));
  const nodeLabel = (n: string): string => (n === req.result.node ? `${n} (the pod's node)` : n);
  const reqSecs = sections(req, nodeLabel);
  if (reqSecs[0]) reqSecs[0] = { ...reqSecs[0], via: ctx.loadBalancer ? `→ ${reqSecs[0].title}` : `from ${first}` };
  secs.push(...reqSecs);
  const r = req.result;
  const delivered = t.verdict === "delivered";
  const seen = `${r.srcIp}:${r.srcPort}`;
  const lost = ctx.clientIP !== undefined && r.srcIp !== ctx.clientIP;
  const arrive: FlowStep[] = [
    {
      tag: delivered ? "delivered" : t.verdict,
      tone: delivered ? "ok" : "bad",
      text: delivered
        ? `${r.pod ? `pod ${r.pod}` : "the node"} gets ${r.ip}:${r.port} from ${seen}${lost ? ` — not ${ctx.clientIP}: the source IP was lost to SNAT` : ctx.clientIP ? " — the client's own address" : ""}`
        : t.reason,
    },
  ];
  secs.push({ title: r.pod ? `pod ${r.pod}` : r.node ?? "end", steps: arrive, tone: delivered ? "ok" : "bad", via: r.node ? `to ${r.ip} on ${r.node}` : "" });
  if (t.reply) {
    const rep = t.reply;
    const steps: FlowStep[] = [];
    for (const e of rep.events) {
      // The reply's story is the reverse translation: show NAT and routing, not every filter hook.
      if (e.kind === "nat" || e.kind === "route" || (e.kind === "conntrack" && /reply/.test(e.detail))) steps.push({ ...eventStep(e), tag: `${e.node}: ${eventStep(e).tag}` });
    }
    secs.push({ title: "reply", subtitle: rep.hops.join(" → "), steps, via: "the pod answers" });
  }
  const footer = t.reply
    ? t.replyFrom
      ? { text: `The client sees the reply from ${t.replyFrom}${/:/.test(ctx.to) && ctx.to.includes(t.replyFrom) ? ", the address it connected to" : ""}: conntrack undid the DNAT.`, tone: "ok" as Tone }
      : { text: "The reply did not reach the client.", tone: "bad" as Tone }
    : { text: `${t.verdict}: ${t.reason}`, tone: delivered ? ("ok" as Tone) : ("bad" as Tone) };
  return {
    kind: "kubelab-packet",
    title: `${ctx.from} → ${ctx.to}: ${t.verdict}${t.pod ? ` at ${t.pod}` : ""}`,
    subtitle: `${req.hops.join(" → ")} · ${t.rulesEvaluated} rules evaluated`,
    sections: secs,
    footer,
  };
}

/**
 * The packet walk as an SVG picture plus its text.
 *
 * @example
 * ```ts
 * packetBundle(trace, { from: "pod/client", to: "hello-world:80" });
 * ```
 */
export function packetBundle(t: PacketTrace, ctx: PacketContext, text?: string): SvgBundle {
  const b = flowBundle(packetModel(t, ctx));
  return text === undefined ? b : { ...b, "text/plain": text };
}
