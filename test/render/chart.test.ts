import * as assert from "node:assert/strict";
import {
  trafficChart,
  trafficSpec,
  trafficSummary,
  scalingSpec,
  scalingChart,
  externalPolicyChart,
  ruleCostChart,
  chartBundle,
  markItemCounts,
  VEGALITE_SCHEMA,
  type TrafficChartData,
} from "../../src/render";
import { traffic } from "./fixtures";

/** Items drawn by one named vega mark in an SVG (vega draws rect, symbol and line items as <path>). */
function svgItems(svg: string, markName: string): number {
  const start = svg.search(new RegExp(`<g class="mark-[a-z]+ role-mark ${markName}"`));
  assert.ok(start >= 0, `mark ${markName} not found in SVG`);
  const body = svg.slice(start, svg.indexOf("</g>", start));
  return (body.match(/<path /g) ?? []).length;
}

describe("render/chart: Vega-Lite specs", () => {
  it("traffic: a bar and an expected-share tick per endpoint, coloured by node, tooltips with pod and count", async () => {
    const result = traffic(4);
    const spec = trafficSpec(result) as unknown as {
      $schema: string;
      data: { values: { endpoint: string; pod: string; node: string; count: number; expectedShare: number }[] };
      layer: { mark: { type: string }; encoding: { color?: { field: string }; tooltip: { field: string }[] } }[];
    };
    assert.equal(spec.$schema, VEGALITE_SCHEMA);
    assert.equal(spec.data.values.length, 4);
    assert.deepEqual(spec.layer.map((l) => l.mark.type), ["bar", "tick"]);
    // Coloured by node: an answered segment is named after its node.
    assert.equal(spec.layer[0]!.encoding.color!.field, "segment");
    for (const v of spec.data.values as unknown as Record<string, unknown>[]) assert.equal(v["segment"], v["node"]);
    const tips = spec.layer[0]!.encoding.tooltip.map((t) => t.field);
    for (const f of ["endpoint", "pod", "node", "count"]) assert.ok(tips.includes(f), `tooltip lacks ${f}`);
    assert.equal(spec.data.values[0]!.expectedShare, 0.25);
    assert.deepEqual(await markItemCounts(trafficSpec(result)), { layer_0_marks: 4, layer_1_marks: 4 });
  });

  it("draws one bar per endpoint in the SVG, for 3 and for 100 endpoints", async () => {
    for (const n of [3, 100]) {
      const bundle = await trafficChart(traffic(n)).bundle();
      assert.equal(svgItems(bundle["image/svg+xml"], "layer_0_marks"), n);
      assert.equal(svgItems(bundle["image/svg+xml"], "layer_1_marks"), n);
    }
  });

  it("every connection dropped before an endpoint: empty bars on a 0–1 axis, not a zero-width one", async () => {
    const r: TrafficChartData = {
      byEndpoint: traffic(2).byEndpoint.map(({ expectedShare: _e, ...e }) => ({ ...e, count: 0, requests: 0 })),
      total: 100,
      failures: [{ reason: "dropped by node-3 (filter KUBE-EXTERNAL-SERVICES rule 2)", count: 100 }],
      rulesEvaluatedPerConnection: 24,
    };
    const svg = (await trafficChart(r).bundle())["image/svg+xml"];
    assert.match(svg, /Y-axis titled 'connections' for a linear scale with values from 0\.0 to 1\.0"/);
    const busy = (await trafficChart(traffic(2)).bundle())["image/svg+xml"];
    assert.doesNotMatch(busy, /values from 0\.0 to 1\.0"/, "a chart with traffic keeps its data's axis");
  });

  it("omits the expected-share layer when no share is known", async () => {
    const r: TrafficChartData = { ...traffic(3), byEndpoint: traffic(3).byEndpoint.map(({ expectedShare: _e, ...rest }) => rest) };
    assert.deepEqual(await markItemCounts(trafficSpec(r)), { layer_0_marks: 3 });
  });

  it("a chart bundle has exactly the spec, the SVG and the summary — never text/html", async () => {
    const chart = trafficChart(traffic(4));
    const bundle = await chart.bundle();
    assert.deepEqual(Object.keys(bundle).sort(), ["application/vnd.vegalite.v5+json", "image/svg+xml", "text/plain"]);
    assert.match(bundle["image/svg+xml"], /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(bundle["text/plain"], /^Connections per endpoint: 10000 connections · 4 endpoints/);
    assert.match(bundle["text/plain"], /\n10\.244\.0\.10:8080 +default\/web-7d4b9c8f5-aaaa0 +node-1 +2507 +25\.1% +25\.0%\n/);
  });

  it("the display hook returns a Promise of the bundle", async () => {
    const chart = trafficChart(traffic(2));
    const hook = (chart as unknown as Record<symbol, () => unknown>)[Symbol.for("Jupyter.display")]!;
    const out = hook.call(chart);
    assert.ok(out instanceof Promise);
    const b = (await out) as Record<string, unknown>;
    assert.ok(!("text/html" in b));
  });

  it("is deterministic: two renders are byte-identical", async () => {
    for (const make of [
      () => trafficChart(traffic(7)),
      () => scalingChart([{ label: "2 replicas", result: traffic(2) }, { label: "5 replicas", result: traffic(5) }]),
      () => externalPolicyChart({ label: "Cluster", result: traffic(6) }, { label: "Local", result: { ...traffic(3), failures: [{ reason: "no local endpoint", count: 3000 }] } }),
    ]) {
      const [a, b] = await Promise.all([make().bundle(), make().bundle()]);
      assert.equal(JSON.stringify(a), JSON.stringify(b));
      assert.equal(a["image/svg+xml"], b["image/svg+xml"]);
    }
  });

  it("scaling: one segment per endpoint per step", async () => {
    const steps = [
      { label: "1", result: traffic(1) },
      { label: "3", result: traffic(3) },
      { label: "6", result: traffic(6) },
    ];
    const chart = scalingChart(steps);
    assert.deepEqual(await markItemCounts(chart.spec), { marks: 10 });
    assert.match(chart.summary, /\n6 +6 +10000 +0 +16\.6% +16\.7%/);
  });

  it("externalTrafficPolicy: per-node bars for both policies, dropped connections shown", async () => {
    const local: TrafficChartData = { ...traffic(2), total: 12_000, failures: [{ reason: "no local endpoint", count: 2000 }] };
    const chart = externalPolicyChart({ label: "Cluster", result: traffic(6) }, { label: "Local", result: local });
    // Cluster: node-1..3; Local: node-1, node-2 and (dropped).
    assert.deepEqual(await markItemCounts(chart.spec), { marks: 6 });
    assert.match(chart.summary, /Local +\(dropped\) +2000 +16\.7%/);
  });

  it("rule cost: a line and a point per mode and service count", async () => {
    const rows = [10, 100, 1000].flatMap((n) => [
      { services: n, mode: "iptables", rules: 2 + n },
      { services: n, mode: "ipvs", rules: 1 },
    ]);
    const chart = ruleCostChart(rows);
    const counts = await markItemCounts(chart.spec);
    assert.equal(counts["layer_1_marks"], 6);
    assert.match(chart.summary, /\n1000 +1002 +1$/);
  });

  it("chartBundle renders any spec", async () => {
    const b = await chartBundle(
      { $schema: VEGALITE_SCHEMA, data: { values: [{ a: 1 }, { a: 2 }] }, mark: "bar", encoding: { x: { field: "a", type: "ordinal" } } },
      "two bars",
    );
    assert.equal(b["text/plain"], "two bars");
    assert.equal(svgItems(b["image/svg+xml"], "marks"), 2);
  });
});

describe("render/chart: charts that show the point", () => {
  it("a hung pod's failed connections are their own segment; the prediction tick is in the legend; keep-alive counts requests", async () => {
    const r = traffic(3, 900);
    const hung: TrafficChartData = {
      ...r,
      total: 1200,
      byEndpoint: r.byEndpoint.map((e, i) => (i === 0 ? { ...e, count: 0, requests: 0, failed: 300 } : e)),
      failures: [{ reason: "timeout: default/web does not answer (app hung)", count: 300 }],
    };
    const spec = scalingSpec([{ label: "0s", result: hung }]) as unknown as { data: { values: Record<string, unknown>[] } };
    const failedRows = spec.data.values.filter((v) => v["outcome"] === "failed");
    assert.deepEqual(failedRows.map((v) => v["count"]), [300]);
    const svg = (await scalingChart([{ label: "0s", result: hung }]).bundle())["image/svg+xml"];
    assert.match(svg, /failed \(no answer\)/, "the failed segment is in the legend");
    // The traffic chart too: the hung pod's bar is its failures, in red, and the long reason wraps.
    const hungSpec = trafficSpec(hung) as unknown as { title: { subtitle: string[] }; data: { values: Record<string, unknown>[] } };
    assert.deepEqual(hungSpec.data.values.filter((v) => v["segment"] === "failed (no answer)").map((v) => [v["endpoint"], v["value"]]), [[r.byEndpoint[0]!.endpoint, 300]]);
    assert.ok(hungSpec.title.subtitle.length > 1 && hungSpec.title.subtitle.every((l) => l.length <= 70), `subtitle lines: ${JSON.stringify(hungSpec.title.subtitle)}`);
    const hungSvg = (await trafficChart(hung).bundle())["image/svg+xml"];
    assert.match(hungSvg, /failed \(no answer\)/, "the traffic chart's failed segment is in the legend");
    // node-1's only endpoint answered nothing: no bar of node-1's colour, so no legend entry for it.
    assert.match(hungSvg, /legend titled 'node \/ outcome' for fill color with 4 values: node-2, node-3, failed \(no answer\), predicted share/);
    // The prediction counts every connection sent to an endpoint, failed ones too (900 → 300 each).
    assert.deepEqual(hungSpec.data.values.filter((v) => v["order"] === 0).map((v) => v["expected"]), [300, 300, 300]);
    const t = await trafficChart(traffic(3)).bundle();
    assert.match(t["image/svg+xml"], /predicted share/, "the prediction tick has a legend entry");
    const ka = trafficSpec({ ...traffic(2), requestsPerConnection: 2000 }) as unknown as { title: { text: string }; layer: { encoding: { y: { title?: string } } }[] };
    assert.equal(ka.title.text, "Requests per endpoint");
    assert.equal(ka.layer[0]!.encoding.y.title, "requests");
    assert.match(trafficSummary({ ...traffic(1), total: 1 }), /1 connection · 1 endpoint/);
  });
});
