import * as assert from "node:assert/strict";
import {
  endpointsDetail,
  iptablesTable,
  resolverWalkTable,
  dnsRecordsTable,
  genericTable,
  resolvConfBundle,
  sequenceBundle,
  trafficChart,
  scalingChart,
  topologyBundle,
  escapeText,
  escapeAttr,
  escapeMermaid,
  type MimeBundle,
} from "../../src/render";
import { EVIL, EVIL_IMG, T0, pod, service, slice, node, deployment, replicaSet, traffic, getDeployments, getEndpointSlices, getNodes, getPods, getReplicaSets, getServices } from "./fixtures";

const PAYLOADS = [EVIL, EVIL_IMG, `x" onmouseover="alert(1)`, `x' onload='alert(1)`];
const EVIL_NAME = `web${EVIL}${EVIL_IMG}`;

const ALLOWED_TAGS = new Set([
  "svg", "g", "rect", "path", "line", "text", "tspan", "title", "defs", "clippath", "lineargradient", "stop",
  "div", "table", "thead", "tbody", "tr", "th", "td", "pre", "span",
]);

/**
 * No element or attribute injected: every tag is one the renderers emit, every attribute is
 * `name="value"` with a non-event-handler name, and the payload is present as escaped text.
 */
function assertInert(markup: string, where: string): void {
  assert.doesNotMatch(markup, /<script/i, `${where}: raw <script`);
  assert.doesNotMatch(markup, /<img/i, `${where}: raw <img`);
  for (const m of markup.matchAll(/<([a-zA-Z][\w-]*)([^>]*)>/g)) {
    const tag = m[1]!.toLowerCase();
    assert.ok(ALLOWED_TAGS.has(tag), `${where}: unexpected element <${tag}>`);
    let rest = m[2]!.replace(/\/$/, "");
    for (const a of rest.matchAll(/\s+([\w:-]+)="[^"]*"/g)) {
      assert.ok(!/^on/i.test(a[1]!), `${where}: event-handler attribute ${a[1]}`);
    }
    rest = rest.replace(/\s+([\w:-]+)="[^"]*"/g, "");
    assert.equal(rest.trim(), "", `${where}: malformed attributes in <${tag}${m[2]}>`);
  }
  assert.match(markup, /&lt;script&gt;alert\(1\)&lt;\/script&gt;|&lt;img src=x onerror=alert\(1\)&gt;/, `${where}: payload missing (not rendered as text)`);
}

function assertBundleInert(b: MimeBundle, where: string): void {
  for (const [mime, v] of Object.entries(b)) {
    if (mime === "text/html" || mime === "image/svg+xml") assertInert(String(v), `${where} ${mime}`);
  }
  const mm = b["text/vnd.mermaid"];
  if (typeof mm === "string") {
    const withoutArrows = mm.replace(/-{1,2}>>/g, "");
    assert.doesNotMatch(withoutArrows, /[<>"]/, `${where}: mermaid has raw markup characters`);
  }
}

describe("render: hostile strings render as text everywhere", () => {
  it("escape functions", () => {
    assert.equal(escapeText(EVIL), "&lt;script&gt;alert(1)&lt;/script&gt;");
    assert.equal(escapeAttr(`a"b'c\nd`), "a&quot;b&#39;c&#10;d");
    assert.equal(escapeText("a\u0000b\u0007c"), "abc");
    assert.equal(escapeMermaid(EVIL_IMG), "#60;img src=x onerror=alert#40;1#41;#62;");
    assert.equal(escapeMermaid("a;b#c:d\ne"), "a#59;b#35;c#58;d#10;e");
  });

  it("kubectl tables: names, images, selectors, annotations", () => {
    const now = T0 + 60_000;
    const p = pod(EVIL_NAME, { node: EVIL_IMG, ip: "10.244.1.5", image: EVIL_IMG, annotations: { note: EVIL } });
    const d = deployment(EVIL_NAME, 2, 1, EVIL_IMG);
    const s = service(EVIL_NAME, { type: "ExternalName", externalName: EVIL_IMG, selector: { app: EVIL } });
    const sl = slice(EVIL_NAME, ["10.244.1.5"], [80]);
    sl.endpoints[0]!.targetRef = { kind: "Pod", namespace: "default", name: EVIL_NAME };
    const n = node(EVIL_NAME, "172.18.0.3");
    const bundles: [string, MimeBundle][] = [
      ["pods", getPods([p], { now, wide: true }).bundle()],
      ["deployments", getDeployments([d], { now, wide: true }).bundle()],
      ["replicasets", getReplicaSets([replicaSet(EVIL_NAME, 1, 1)], { now, wide: true }).bundle()],
      ["services", getServices([s], { now, wide: true }).bundle()],
      ["endpointslices", getEndpointSlices([sl], { now }).bundle()],
      ["endpoints", endpointsDetail([sl], { title: EVIL_IMG }).bundle()],
      ["nodes", getNodes([n], { now, wide: true }).bundle()],
      ["annotations", genericTable(Object.entries(p.metadata.annotations!).map(([k, v]) => ({ key: k, value: v })), { caption: EVIL }).bundle()],
    ];
    for (const [where, b] of bundles) assertBundleInert(b, where);
    // The plain text keeps the name verbatim (a terminal shows it as typed).
    assert.ok(String(bundles[0]![1]["text/plain"]).includes(EVIL_NAME));
  });

  it("network tables: iptables comments, DNS names, resolv.conf", () => {
    for (const payload of PAYLOADS) {
      const bundles: MimeBundle[] = [
        iptablesTable([{ table: "nat", chain: "KUBE-SVC-X", ruleNumber: 1, matches: `-m comment --comment "${payload}"`, target: "KUBE-SEP-Y", comment: `${payload}${EVIL}` }]).bundle(),
        resolverWalkTable([{ query: `${payload}.svc.`, type: "A", rcode: "NXDOMAIN", note: EVIL }]).bundle(),
        dnsRecordsTable([{ name: `${payload}.`, ttl: 5, type: "TXT", data: EVIL_IMG }]).bundle(),
        resolvConfBundle(`search ${EVIL}\n`, payload),
      ];
      bundles.forEach((b, i) => assertBundleInert(b, `network ${i} ${payload}`));
    }
  });

  it("sequence diagrams: SVG, text and mermaid", () => {
    const b = sequenceBundle(
      [
        { seq: 0, t: 0, from: "kubectl", to: "kube-apiserver", verb: "create", object: `pod/default/${EVIL_NAME}`, detail: EVIL_IMG },
        { seq: 1, t: 1, from: `kubelet@${EVIL}`, to: `kubelet@${EVIL}`, verb: EVIL_IMG, object: `pod/default/${EVIL}`, detail: `x" onload="alert(1)` },
        { seq: 2, t: 2, from: "kube-apiserver", to: `kubelet@${EVIL}`, verb: "watch", object: `pod/default/${EVIL_IMG}`, detail: "MODIFIED" },
      ],
      { title: EVIL, groupByObject: true },
    );
    assertBundleInert(b, "sequence");
    assert.ok(b["text/plain"].includes(EVIL_NAME));
    assert.match(b["text/vnd.mermaid"], /#60;script#62;alert#40;1#41;#60;\/script#62;/);
  });

  it("charts: pod and node names in the SVG and the spec's summary", async () => {
    const r = traffic(3);
    const evil = {
      ...r,
      byEndpoint: r.byEndpoint.map((e, i) => ({ ...e, pod: `default/${EVIL}${i}`, node: `${EVIL_IMG}${i}`, endpoint: i === 0 ? EVIL : e.endpoint })),
      failures: [{ reason: EVIL, count: 1 }],
    };
    const bundles = [await trafficChart(evil, { title: EVIL_IMG }).bundle(), await scalingChart([{ label: EVIL, result: evil }]).bundle()];
    for (const b of bundles) {
      assert.ok(!("text/html" in b));
      assertInert(b["image/svg+xml"], "chart svg");
    }
  });

  it("topology picture", () => {
    const p = pod(EVIL_NAME, { node: "node-1", ip: "10.244.1.5" });
    const sl = slice("web-abc", ["10.244.1.5"], [80]);
    sl.metadata.labels = { "kubernetes.io/service-name": EVIL_NAME };
    sl.endpoints[0]!.targetRef = { kind: "Pod", namespace: "default", name: EVIL_NAME };
    const b = topologyBundle({
      nodes: [node("node-1", "172.18.0.3")],
      pods: [p],
      services: [service(EVIL_NAME, { clusterIP: "10.96.0.12", ports: [{ port: 80 }] })],
      endpointSlices: [sl],
    });
    assertBundleInert(b, "topology");
    assert.equal((b["image/svg+xml"].match(/<path class="edge"/g) ?? []).length, 1);
  });
});
