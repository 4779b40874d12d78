/**
 * Vega-Lite v5 charts of simulated traffic and of kube-proxy's cost, each with its static SVG.
 *
 * A chart bundle carries the interactive spec (JupyterLab, VS Code), an SVG rendered here by
 * headless vega (nbconvert, GitHub, untrusted notebooks) and a text summary — never `text/html`,
 * which JupyterLab would prefer over the chart. Data is pre-aggregated here rather than with vega
 * transforms so the spec is small, the summary and the picture agree, and the output is
 * byte-identical for the same input.
 */
import type { TopLevelSpec } from "vega-lite";
import { JUPYTER_DISPLAY, TEXT_MIME, SVG_MIME, VEGALITE_MIME, type MimeBundle } from "./bundle";
import { tableText } from "./table";
import { formatShare } from "./network";
import { vegaLiteToSvg } from "./vega-svg";

/** The `$schema` every spec carries: front ends pick the renderer by it. */
export const VEGALITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** Traffic that reached one endpoint. */
export interface EndpointTraffic {
  /** `ip:port` */
  endpoint: string;
  /** `namespace/name` of the backing pod, if known. */
  pod: string | null;
  node: string | null;
  /** Connections that landed here. */
  count: number;
  /** Requests carried by those connections. */
  requests: number;
  /** Connections the rules sent here that the pod did not answer (a hung or crashed app). */
  failed?: number;
  /** The share kube-proxy's rules predict (e.g. 1/n), if known. */
  expectedShare?: number;
}

/** The result of `cluster.traffic(...)`. */
export interface TrafficChartData {
  byEndpoint: readonly EndpointTraffic[];
  /** Connections attempted. */
  total: number;
  failures: readonly { reason: string; count: number }[];
  rulesEvaluatedPerConnection?: number;
  /** Requests sent on each connection (keep-alive); above 1 the charts count requests. */
  requestsPerConnection?: number;
}

/** A labelled traffic result, e.g. one step of a scale-up or one traffic policy. */
export interface LabelledTraffic {
  label: string;
  result: TrafficChartData;
}

/** kube-proxy cost for one configuration: rules a new connection traverses with `services` Services. */
export interface RuleCostRow {
  services: number;
  /** `iptables`, `ipvs`, `nftables`, … */
  mode: string;
  rules: number;
}

/** `{ "application/vnd.vegalite.v5+json", "image/svg+xml", "text/plain" }` */
export interface ChartBundle extends MimeBundle {
  "application/vnd.vegalite.v5+json": TopLevelSpec;
  "image/svg+xml": string;
  "text/plain": string;
}

// A white background keeps the static SVG legible on dark themes, where it is shown as an image.
const CONFIG = {
  background: "white",
  font: "sans-serif",
  view: { stroke: "#ddd" },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
} as const;

const UNKNOWN_NODE = "(unknown node)";
const DROPPED = "(dropped)";
const FAILED = "failed (no answer)";
const FAILED_COLOR = "#c92a2a";

/** Round shares so the spec's numbers print the same everywhere. */
function round(x: number, digits = 6): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function successful(r: TrafficChartData): number {
  return r.byEndpoint.reduce((n, e) => n + e.count, 0);
}

function failed(r: TrafficChartData): number {
  return r.failures.reduce((n, f) => n + f.count, 0);
}

/** A bar step that keeps 100 endpoints within ~900px and 3 endpoints readable. */
function barStep(n: number): number {
  return Math.max(6, Math.min(40, Math.floor(900 / Math.max(1, n))));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Requests per connection when above 1 (then charts count requests, not connections). */
function keepAlive(r: TrafficChartData): number {
  return Math.max(1, Math.floor(r.requestsPerConnection ?? 1));
}

const PREDICTED = "predicted share";
/** Tableau 10 without its red, which marks failed connections. */
const TABLEAU10 = ["#4e79a7", "#f28e2c", "#76b7b2", "#59a14f", "#edc949", "#af7aa1", "#ff9da7", "#9c755f", "#bab0ab", "#86bcb6"];

function subtitle(r: TrafficChartData): string {
  return subtitleParts(r).join(" · ");
}

function subtitleParts(r: TrafficChartData): string[] {
  const rpc = keepAlive(r);
  const parts = [rpc > 1 ? `${plural(r.total, "connection")} × ${rpc} requests (keep-alive)` : plural(r.total, "connection"), plural(r.byEndpoint.length, "endpoint")];
  const f = failed(r);
  if (f > 0) parts.push(`${f} failed (${r.failures.map((x) => `${x.reason}: ${x.count}`).join(", ")})`);
  if (r.rulesEvaluatedPerConnection !== undefined) parts.push(`${round(r.rulesEvaluatedPerConnection, 2)} rules per connection`);
  return parts;
}

/**
 * Parts joined by " · " into lines of at most `max` characters (a longer part is broken at spaces), so a
 * long subtitle does not widen the chart past the page's column.
 */
function wrapParts(parts: readonly string[], max: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const part of parts) {
    const joined = line === "" ? part : `${line} · ${part}`;
    if (joined.length <= max) {
      line = joined;
      continue;
    }
    if (line !== "") lines.push(line);
    line = "";
    for (const word of part.split(" ")) {
      const next = line === "" ? word : `${line} ${word}`;
      if (next.length > max && line !== "") {
        lines.push(line);
        line = word;
      } else line = next;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}

/**
 * Traffic distribution per endpoint: a bar per endpoint coloured by node, the expected share as a
 * tick, counts, shares and pod names in tooltips.
 *
 * @example
 * ```ts
 * const spec = trafficSpec(cluster.traffic({ to: "web:80", connections: 10_000 }).result);
 * ```
 */
export function trafficSpec(result: TrafficChartData, opts: { title?: string } = {}): TopLevelSpec {
  const denom = Math.max(1, successful(result));
  // The prediction is for every connection the rules sent to an endpoint, answered or not: a hung
  // pod still gets its share, so its tick sits at the top of its (red) bar.
  const routed = Math.max(1, successful(result) + result.byEndpoint.reduce((n, e) => n + (e.failed ?? 0), 0));
  const rpc = keepAlive(result);
  // With keep-alive every request rides its connection's backend: count requests, the load a pod sees.
  const unit = rpc > 1 ? "requests" : "connections";
  const values = result.byEndpoint.flatMap((e) => {
    const base = { endpoint: e.endpoint, pod: e.pod ?? "(no pod)", node: e.node ?? UNKNOWN_NODE, requests: e.requests };
    const answered = {
      ...base,
      segment: e.node ?? UNKNOWN_NODE,
      order: 0,
      count: e.count,
      value: rpc > 1 ? e.requests : e.count,
      share: round(e.count / denom),
      ...(e.expectedShare !== undefined
        ? { expectedShare: round(e.expectedShare), expected: round(e.expectedShare * routed * (rpc > 1 ? rpc : 1), 3) }
        : {}),
    };
    // Connections the rules sent to a pod that did not answer are stacked on its bar in red: a hung pod
    // still gets its share, and the chart shows it failing rather than an empty slot.
    const fails = e.failed ?? 0;
    return fails > 0 ? [answered, { ...base, segment: FAILED, order: 1, count: fails, value: fails * (rpc > 1 ? rpc : 1), share: round(fails / denom) }] : [answered];
  });
  const x = { field: "endpoint", type: "nominal", sort: null, title: "endpoint (pod IP:port)", axis: { labelAngle: -45 } } as const;
  const tooltip = [
    { field: "endpoint", type: "nominal", title: "endpoint" },
    { field: "pod", type: "nominal", title: "pod" },
    { field: "node", type: "nominal", title: "node" },
    { field: "count", type: "quantitative", title: "connections" },
    { field: "requests", type: "quantitative", title: "requests" },
    { field: "share", type: "quantitative", title: "share", format: ".1%" },
  ] as const;
  const hasExpected = values.some((v) => "expectedShare" in v);
  const hasFailed = values.some((v) => v.segment === FAILED);
  // One colour scale for nodes, failures and the prediction tick, so each has its own legend entry.
  // A node whose endpoints answered nothing draws no bar of its colour: it stays out of the legend.
  const allNodes = [...new Set(values.filter((v) => v.segment !== FAILED).map((v) => v.node))].sort();
  const drawn = allNodes.filter((n) => values.some((v) => v.segment === n && v.value > 0));
  const nodes = drawn.length > 0 ? drawn : allNodes;
  const domain = [...nodes, ...(hasFailed ? [FAILED] : []), ...(hasExpected ? [PREDICTED] : [])];
  // Colours follow every node with an endpoint, so a node keeps its colour when another drops out.
  const range = [...nodes.map((n) => TABLEAU10[allNodes.indexOf(n) % TABLEAU10.length]!), ...(hasFailed ? [FAILED_COLOR] : []), ...(hasExpected ? ["#222222"] : [])];
  const legendTitle = hasFailed ? "node / outcome" : "node";
  const color = { field: "segment", type: "nominal", title: legendTitle, scale: { domain, range } } as const;
  return {
    $schema: VEGALITE_SCHEMA,
    title: { text: opts.title ?? (rpc > 1 ? "Requests per endpoint" : "Connections per endpoint"), subtitle: wrapParts(subtitleParts(result), 70) },
    config: CONFIG,
    width: { step: barStep(values.length) },
    height: 260,
    data: { values },
    layer: [
      {
        mark: { type: "bar" },
        encoding: {
          x,
          // An all-zero chart (every connection dropped before an endpoint) gets a 0–1 axis: a
          // zero-width domain draws a degenerate axis, labelled differently by each Vega build.
          y: { field: "value", type: "quantitative", title: unit, ...(values.every((v) => v.value === 0) ? { scale: { domain: [0, 1] }, axis: { tickMinStep: 1 } } : {}) },
          color,
          order: { field: "order", type: "quantitative" },
          tooltip: [...tooltip, ...(hasFailed ? [{ field: "segment", type: "nominal", title: "outcome" } as const] : [])],
        },
      },
      ...(hasExpected
        ? [
            {
              transform: [{ filter: "isValid(datum.expected)" }],
              mark: { type: "tick", thickness: 2 },
              encoding: {
                x,
                y: { field: "expected", type: "quantitative" },
                color: { datum: PREDICTED, scale: { domain, range }, title: legendTitle },
                tooltip: [
                  { field: "endpoint", type: "nominal", title: "endpoint" },
                  { field: "expectedShare", type: "quantitative", title: "expected share", format: ".1%" },
                  { field: "expected", type: "quantitative", title: `expected ${unit}`, format: ".1f" },
                ],
              },
            } as const,
          ]
        : []),
    ],
  } as TopLevelSpec;
}

/**
 * The text/plain summary of a traffic result: totals, then one aligned row per endpoint.
 *
 * @example
 * ```ts
 * console.log(trafficSummary(result));
 * ```
 */
export function trafficSummary(result: TrafficChartData, title = "Connections per endpoint"): string {
  const denom = Math.max(1, successful(result));
  const table = tableText({
    columns: [
      { key: "endpoint", header: "Endpoint" },
      { key: "pod", header: "Pod" },
      { key: "node", header: "Node" },
      { key: "count", header: "Connections" },
      { key: "share", header: "Share" },
      { key: "expected", header: "Expected" },
    ],
    rows: result.byEndpoint.map((e) => ({
      endpoint: e.endpoint,
      pod: e.pod,
      node: e.node,
      count: e.count,
      share: formatShare(e.count / denom),
      expected: formatShare(e.expectedShare),
    })),
    empty: "No connection reached an endpoint.",
  });
  return `${title}: ${subtitle(result)}\n${table}`;
}

/**
 * Traffic distribution at each step while a Deployment scales: one normalised stacked bar per step,
 * a segment per endpoint coloured by node.
 *
 * @example
 * ```ts
 * scalingSpec([{ label: "2 replicas", result: r2 }, { label: "4 replicas", result: r4 }]);
 * ```
 */
export function scalingSpec(steps: readonly LabelledTraffic[], opts: { title?: string } = {}): TopLevelSpec {
  const values = steps.flatMap((s, stepIndex) => {
    const denom = Math.max(1, s.result.total);
    const rows: Record<string, string | number>[] = [];
    let order = 0;
    let failedAtPods = 0;
    for (const e of s.result.byEndpoint) {
      const base = { step: s.label, stepIndex, endpoint: e.endpoint, pod: e.pod ?? "(no pod)", node: e.node ?? UNKNOWN_NODE, endpoints: s.result.byEndpoint.length };
      rows.push({ ...base, order: order++, segment: e.node ?? UNKNOWN_NODE, outcome: "answered", count: e.count, share: round(e.count / denom) });
      // Connections a pod got and did not answer are their own segment: a hung pod's share stays visible.
      if (e.failed) {
        failedAtPods += e.failed;
        rows.push({ ...base, order: order++, segment: FAILED, outcome: "failed", count: e.failed, share: round(e.failed / denom) });
      }
    }
    const elsewhere = failed(s.result) - failedAtPods;
    if (elsewhere > 0) {
      rows.push({ step: s.label, stepIndex, endpoint: "(none)", pod: "(none)", node: "(none)", endpoints: s.result.byEndpoint.length, order: order++, segment: FAILED, outcome: "failed", count: elsewhere, share: round(elsewhere / denom) });
    }
    return rows;
  });
  const nodes = [...new Set(values.map((v) => String(v["segment"])).filter((x) => x !== FAILED))].sort();
  const hasFailed = values.some((v) => v["segment"] === FAILED);
  const domain = hasFailed ? [...nodes, FAILED] : nodes;
  const range = [...nodes.map((_, i) => TABLEAU10[i % TABLEAU10.length]!), ...(hasFailed ? [FAILED_COLOR] : [])];
  return {
    $schema: VEGALITE_SCHEMA,
    title: { text: opts.title ?? "Share of connections per endpoint while scaling", subtitle: "one segment per endpoint; failed connections in red" },
    config: CONFIG,
    // 520 px of bars leave room for the axis and the pod legend in JupyterLab's 828 px output area.
    width: { step: Math.max(24, Math.min(80, Math.floor(520 / Math.max(1, steps.length)))) },
    height: 260,
    data: { values },
    mark: { type: "bar", stroke: "white", strokeWidth: 0.75 },
    encoding: {
      x: { field: "step", type: "nominal", sort: steps.map((s) => s.label), title: "step", axis: { labelAngle: -30 } },
      y: { field: "count", type: "quantitative", stack: "normalize", title: "share of connections", axis: { format: "%" } },
      color: { field: "segment", type: "nominal", title: "node / outcome", scale: { domain, range } },
      detail: { field: "order", type: "quantitative" },
      order: { field: "order", type: "quantitative" },
      tooltip: [
        { field: "step", type: "nominal" },
        { field: "endpoint", type: "nominal" },
        { field: "pod", type: "nominal" },
        { field: "node", type: "nominal" },
        { field: "outcome", type: "nominal" },
        { field: "count", type: "quantitative", title: "connections" },
        { field: "share", type: "quantitative", format: ".1%" },
        { field: "endpoints", type: "quantitative", title: "endpoints at this step" },
      ],
    },
  } as TopLevelSpec;
}

/**
 * The text summary of a scaling run: one line per step with endpoint count and share range.
 *
 * @example
 * ```ts
 * scalingSummary(steps); // "STEP   ENDPOINTS   CONNECTIONS   MIN SHARE   MAX SHARE …"
 * ```
 */
export function scalingSummary(steps: readonly LabelledTraffic[]): string {
  return (
    "Share of connections per endpoint while scaling\n" +
    tableText({
      columns: [
        { key: "step", header: "Step" },
        { key: "endpoints", header: "Endpoints" },
        { key: "total", header: "Connections" },
        { key: "failed", header: "Failed" },
        { key: "min", header: "Min Share" },
        { key: "max", header: "Max Share" },
      ],
      rows: steps.map((s) => {
        const denom = Math.max(1, successful(s.result));
        const shares = s.result.byEndpoint.map((e) => e.count / denom);
        return {
          step: s.label,
          endpoints: s.result.byEndpoint.length,
          total: s.result.total,
          failed: failed(s.result),
          min: shares.length ? formatShare(Math.min(...shares)) : null,
          max: shares.length ? formatShare(Math.max(...shares)) : null,
        };
      }),
    })
  );
}

interface NodeTrafficRow {
  policy: string;
  node: string;
  count: number;
  share: number;
  pods: string;
}

/** Connections per node (by the node of the endpoint that served them), plus dropped ones. */
function perNode(t: LabelledTraffic): NodeTrafficRow[] {
  const byNode = new Map<string, { count: number; pods: string[] }>();
  for (const e of t.result.byEndpoint) {
    const node = e.node ?? UNKNOWN_NODE;
    const cur = byNode.get(node) ?? { count: 0, pods: [] };
    cur.count += e.count;
    if (e.pod) cur.pods.push(e.pod);
    byNode.set(node, cur);
  }
  const total = Math.max(1, t.result.total);
  const rows = [...byNode.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([node, v]) => ({ policy: t.label, node, count: v.count, share: round(v.count / total), pods: v.pods.join(", ") || "(none)" }));
  const f = failed(t.result);
  if (f > 0) rows.push({ policy: t.label, node: DROPPED, count: f, share: round(f / total), pods: "(none)" });
  return rows;
}

/**
 * NodePort/LoadBalancer traffic per node under two policies (e.g. externalTrafficPolicy Cluster
 * vs Local): grouped bars per node, one per policy; dropped connections get their own group.
 *
 * @example
 * ```ts
 * externalPolicySpec({ label: "Cluster", result: rc }, { label: "Local", result: rl });
 * ```
 */
export function externalPolicySpec(a: LabelledTraffic, b: LabelledTraffic, opts: { title?: string } = {}): TopLevelSpec {
  const values = [...perNode(a), ...perNode(b)];
  const nodes = [...new Set(values.map((v) => v.node))].sort((x, y) =>
    x === DROPPED ? 1 : y === DROPPED ? -1 : x < y ? -1 : x > y ? 1 : 0,
  );
  return {
    $schema: VEGALITE_SCHEMA,
    title: { text: opts.title ?? "Connections per node", subtitle: `externalTrafficPolicy: ${a.label} vs ${b.label}` },
    config: CONFIG,
    width: { step: 28 },
    height: 260,
    data: { values },
    mark: { type: "bar" },
    encoding: {
      x: { field: "node", type: "nominal", sort: nodes, title: "node of the serving pod", axis: { labelAngle: -30 } },
      xOffset: { field: "policy", type: "nominal", sort: [a.label, b.label] },
      y: { field: "count", type: "quantitative", title: "connections" },
      color: { field: "policy", type: "nominal", title: "policy", sort: [a.label, b.label], scale: { range: ["#4c78a8", "#f58518"] } },
      tooltip: [
        { field: "policy", type: "nominal" },
        { field: "node", type: "nominal" },
        { field: "count", type: "quantitative", title: "connections" },
        { field: "share", type: "quantitative", format: ".1%" },
        { field: "pods", type: "nominal" },
      ],
    },
  } as TopLevelSpec;
}

/**
 * Text summary for {@link externalPolicySpec}.
 *
 * @example
 * ```ts
 * externalPolicySummary(a, b);
 * ```
 */
export function externalPolicySummary(a: LabelledTraffic, b: LabelledTraffic): string {
  return (
    `Connections per node: ${a.label} vs ${b.label}\n` +
    tableText({
      columns: [
        { key: "policy", header: "Policy" },
        { key: "node", header: "Node" },
        { key: "count", header: "Connections" },
        { key: "share", header: "Share" },
      ],
      rows: [...perNode(a), ...perNode(b)].map((r) => ({ ...r, share: formatShare(r.share) })),
    })
  );
}

/**
 * Rules a new connection traverses vs the number of Services, per proxy mode (iptables grows
 * linearly, IPVS stays flat): a line per mode.
 *
 * @example
 * ```ts
 * ruleCostSpec([{ services: 10, mode: "iptables", rules: 12 }, { services: 10, mode: "ipvs", rules: 1 }]);
 * ```
 */
export function ruleCostSpec(rows: readonly RuleCostRow[], opts: { title?: string } = {}): TopLevelSpec {
  const values = [...rows]
    .sort((p, q) => (p.mode < q.mode ? -1 : p.mode > q.mode ? 1 : p.services - q.services))
    .map((r) => ({ services: r.services, mode: r.mode, rules: round(r.rules, 3) }));
  return {
    $schema: VEGALITE_SCHEMA,
    title: { text: opts.title ?? "Rules evaluated per new connection", subtitle: "vs number of Services" },
    config: CONFIG,
    width: 420,
    height: 260,
    data: { values },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "services", type: "quantitative", title: "Services" },
      y: { field: "rules", type: "quantitative", title: "rules per new connection" },
      color: { field: "mode", type: "nominal", title: "proxy mode" },
      tooltip: [
        { field: "mode", type: "nominal" },
        { field: "services", type: "quantitative" },
        { field: "rules", type: "quantitative" },
      ],
    },
  } as TopLevelSpec;
}

/**
 * Text summary for {@link ruleCostSpec}: a column per mode.
 *
 * @example
 * ```ts
 * ruleCostSummary(rows); // "SERVICES   IPTABLES   IPVS\n10         12         1 …"
 * ```
 */
export function ruleCostSummary(rows: readonly RuleCostRow[]): string {
  const modes = [...new Set(rows.map((r) => r.mode))].sort();
  const counts = [...new Set(rows.map((r) => r.services))].sort((a, b) => a - b);
  return (
    "Rules evaluated per new connection\n" +
    tableText({
      columns: [{ key: "services", header: "Services" }, ...modes.map((m) => ({ key: `m:${m}`, header: m }))],
      rows: counts.map((n) => {
        const row: Record<string, number | null> = { services: n };
        for (const m of modes) row[`m:${m}`] = rows.find((r) => r.mode === m && r.services === n)?.rules ?? null;
        return row;
      }),
    })
  );
}

/**
 * A chart's MIME bundle: the Vega-Lite spec, its SVG rendered headlessly, and a text summary.
 * Async because vega renders asynchronously; the kernel awaits a Promise from the display hook.
 *
 * @example
 * ```ts
 * const bundle = await chartBundle(trafficSpec(result), trafficSummary(result));
 * ```
 */
export async function chartBundle(spec: TopLevelSpec, summary: string): Promise<ChartBundle> {
  const svg = await vegaLiteToSvg(spec);
  return { [VEGALITE_MIME]: spec, [SVG_MIME]: svg, [TEXT_MIME]: summary } as ChartBundle;
}

/**
 * A chart that renders itself: `[JUPYTER_DISPLAY]()` returns a Promise of its
 * bundle, `toString()` the summary (what a terminal or a failed render shows).
 *
 * @example
 * ```ts
 * const chart = trafficChart(result);
 * await chart.bundle();
 * ```
 */
export class Chart {
  constructor(
    readonly spec: TopLevelSpec,
    readonly summary: string,
  ) {}

  bundle(): Promise<ChartBundle> {
    return chartBundle(this.spec, this.summary);
  }

  toString(): string {
    return this.summary;
  }

  [JUPYTER_DISPLAY](): Promise<ChartBundle> {
    return this.bundle();
  }
}

/**
 * The traffic distribution chart for one result.
 *
 * @example
 * ```ts
 * trafficChart(result, { title: "hello-world:80 from pod/client" });
 * ```
 */
export function trafficChart(result: TrafficChartData, opts: { title?: string } = {}): Chart {
  return new Chart(trafficSpec(result, opts), trafficSummary(result, opts.title));
}

/**
 * The scaling chart for a list of labelled results.
 *
 * @example
 * ```ts
 * scalingChart([{ label: "1", result: r1 }, { label: "3", result: r3 }]);
 * ```
 */
export function scalingChart(steps: readonly LabelledTraffic[], opts: { title?: string } = {}): Chart {
  return new Chart(scalingSpec(steps, opts), scalingSummary(steps));
}

/**
 * The externalTrafficPolicy comparison chart.
 *
 * @example
 * ```ts
 * externalPolicyChart({ label: "Cluster", result: rc }, { label: "Local", result: rl });
 * ```
 */
export function externalPolicyChart(a: LabelledTraffic, b: LabelledTraffic, opts: { title?: string } = {}): Chart {
  return new Chart(externalPolicySpec(a, b, opts), externalPolicySummary(a, b));
}

/**
 * The rule-cost chart (iptables vs IPVS).
 *
 * @example
 * ```ts
 * ruleCostChart(rows);
 * ```
 */
export function ruleCostChart(rows: readonly RuleCostRow[], opts: { title?: string } = {}): Chart {
  return new Chart(ruleCostSpec(rows, opts), ruleCostSummary(rows));
}
