import * as assert from "node:assert/strict";
import { TraceView, type TraceEvent } from "../../src/sim/trace";
import {
  sequenceBundle,
  sequenceModel,
  foldEvents,
  orderComponents,
  headLines,
} from "../../src/render";
import { deploymentTrace, longTrace } from "./fixtures";
import { installTraceDisplay } from "../../src/views/trace";

function count(s: string, re: RegExp): number {
  return (s.match(re) ?? []).length;
}

function ev(seq: number, t: number, from: string, to: string, verb: string, object = "", detail = ""): TraceEvent {
  return { seq, t, from, to, verb, object, detail };
}

describe("render/sequence: diagrams of the trace", () => {
  it("orders lifelines canonically, grouping each node's agents", () => {
    assert.deepEqual(
      orderComponents([
        "coredns",
        "cni@node-10",
        "kube-proxy@node-2",
        "kubelet@node-2",
        "kube-scheduler",
        "cri@node-2",
        "etcd",
        "something-else",
        "replicaset-controller",
        "kubectl",
        "deployment-controller",
        "kube-apiserver",
        "kubelet@node-10",
        "cloud-controller-manager",
      ]),
      [
        "kubectl",
        "kube-apiserver",
        "etcd",
        "deployment-controller",
        "replicaset-controller",
        "cloud-controller-manager",
        "kube-scheduler",
        "kubelet@node-2",
        "cri@node-2",
        "kube-proxy@node-2",
        "kubelet@node-10",
        "cni@node-10",
        "coredns",
        "something-else",
      ],
    );
    assert.deepEqual(headLines("kubelet@node-1"), ["kubelet", "@node-1"]);
    assert.deepEqual(headLines("endpointslice-controller"), ["endpointslice-", "controller"]);
  });

  it("10 events: a lifeline per component, an arrow per event, a self-arrow for own actions", () => {
    const events = [
      ev(0, 0, "kubectl", "kube-apiserver", "create", "pod/default/a"),
      ev(1, 1, "kube-apiserver", "etcd", "put", "pod/default/a"),
      ev(2, 1, "kube-apiserver", "kube-scheduler", "watch", "pod/default/a", "ADDED"),
      ev(3, 2, "kube-scheduler", "kube-apiserver", "bind", "pod/default/a", "node-1"),
      ev(4, 3, "kube-apiserver", "etcd", "put", "pod/default/a"),
      ev(5, 3, "kube-apiserver", "kubelet@node-1", "watch", "pod/default/a", "MODIFIED"),
      ev(6, 4, "kubelet@node-1", "cri@node-1", "RunPodSandbox", "pod/default/a"),
      ev(7, 4, "cri@node-1", "cni@node-1", "ADD", "pod/default/a", "10.244.1.5/24"),
      ev(8, 5, "cri@node-1", "cri@node-1", "PullImage", "pod/default/a", "nginx"),
      ev(9, 6, "kubelet@node-1", "cri@node-1", "StartContainer", "pod/default/a", "web"),
    ];
    const b = sequenceBundle(new TraceView(events));
    const svg = b["image/svg+xml"];
    assert.deepEqual(Object.keys(b).sort(), ["image/svg+xml", "text/plain", "text/vnd.mermaid"]);
    assert.equal(count(svg, /<line class="lifeline"/g), 7);
    assert.equal(count(svg, /<g class="participant"/g), 7);
    assert.equal(count(svg, /<g class="msg"/g), 10);
    assert.equal(count(svg, /class="arrow"/g), 9);
    assert.equal(count(svg, /class="arrow self"/g), 1);
    assert.match(svg, /data-component="kubelet@node-1"/);
    // Every row concerns pod/default/a: the diagram names it once, the arrows say what happened.
    assert.match(svg, /class="subtitle"[^>]*><title>pod\/default\/a<\/title>every message concerns pod\/default\/a</);
    assert.match(svg, />bind node-1</);
    assert.equal(b["text/plain"].split("\n").length, 11);
    assert.match(b["text/plain"], /\n2ms  kube-scheduler -> kube-apiserver  bind pod\/default\/a node-1\n/);
    assert.match(b["text/plain"], /\n5ms  cri@node-1  PullImage pod\/default\/a nginx\n/);
    const mm = b["text/vnd.mermaid"].split("\n");
    assert.equal(mm[0], "sequenceDiagram");
    assert.equal(count(b["text/vnd.mermaid"], /^ {2}participant /gm), 7);
    assert.equal(count(b["text/vnd.mermaid"], /^ {2}P\d+-{1,2}>>P\d+: /gm), 10);
    assert.ok(mm.includes("  P1-->>P3: 1ms watch pod/default/a ADDED"), b["text/vnd.mermaid"]);
  });

  it("folds a watch fan-out into one row with an arrow per receiver, and repeats into ×N", () => {
    const rows = foldEvents([
      ev(0, 5, "kube-apiserver", "replicaset-controller", "watch", "pod/default/a", "ADDED"),
      ev(1, 5, "kube-apiserver", "endpointslice-controller", "watch", "pod/default/a", "ADDED"),
      ev(2, 5, "kube-apiserver", "kube-scheduler", "watch", "pod/default/a", "ADDED"),
      ev(3, 10, "kubelet@node-1", "kubelet@node-1", "probe", "pod/default/a", "ok"),
      ev(4, 20, "kubelet@node-1", "kubelet@node-1", "probe", "pod/default/a", "ok"),
      ev(5, 30, "kubelet@node-1", "kube-apiserver", "update-status", "pod/default/a"),
    ]);
    assert.equal(rows.length, 3);
    assert.deepEqual(rows[0]!.to, ["replicaset-controller", "endpointslice-controller", "kube-scheduler"]);
    assert.equal(rows[1]!.events, 2);
    assert.equal(rows[1]!.t1, 20);
    const b = sequenceBundle([
      ev(0, 5, "kube-apiserver", "replicaset-controller", "watch", "pod/default/a", "ADDED"),
      ev(1, 5, "kube-apiserver", "kube-scheduler", "watch", "pod/default/a", "ADDED"),
    ]);
    assert.equal(count(b["image/svg+xml"], /<g class="msg"/g), 1);
    assert.equal(count(b["image/svg+xml"], /class="arrow"/g), 2);
    assert.match(b["image/svg+xml"], />watch pod\/a ADDED ×2</);
    assert.equal(foldEvents(deploymentTrace(2), false).length, deploymentTrace(2).length);
  });

  it("stays bounded at 500 events: folds, cuts at maxRows and says how many more", () => {
    const events = longTrace(500);
    const model = sequenceModel(events);
    assert.equal(model.totalEvents, 500);
    assert.equal(model.rows.length, 120);
    assert.ok(model.omitted !== null);
    assert.equal(model.shownEvents + model.omitted.events, 500);
    const b = sequenceBundle(new TraceView(events));
    const svg = b["image/svg+xml"];
    assert.equal(count(svg, /<g class="msg"/g), 120);
    assert.match(svg, new RegExp(`… ${model.omitted.events} more events`));
    assert.match(b["text/plain"], new RegExp(`\\n… ${model.omitted.events} more events`));
    assert.match(b["text/vnd.mermaid"], /\n {2}Note over P0,P\d+: #8230; \d+ more events/);
    const height = Number(/height="(\d+)"/.exec(svg)![1]);
    assert.ok(height < 3500, `height ${height}`);
    // Folding shrinks the 500 events: without folding, far fewer events fit in 120 rows.
    assert.ok(sequenceModel(events, { fold: false }).shownEvents === 120);
    assert.ok(model.shownEvents > 160, `shown ${model.shownEvents}`);
  });

  it("groups rows by object under bands when asked", () => {
    const events = [
      ev(0, 0, "kubectl", "kube-apiserver", "create", "pod/default/a"),
      ev(1, 1, "kubectl", "kube-apiserver", "create", "pod/default/b"),
      ev(2, 2, "kube-apiserver", "etcd", "put", "pod/default/a"),
      ev(3, 3, "kube-apiserver", "etcd", "put", "pod/default/b"),
    ];
    const model = sequenceModel(events, { groupByObject: true });
    assert.deepEqual(model.rows.map((r) => r.seq), [0, 2, 1, 3]);
    const svg = sequenceBundle(events, { groupByObject: true })["image/svg+xml"];
    assert.equal(count(svg, /<g class="band"/g), 2);
    assert.equal(count(sequenceBundle(events)["image/svg+xml"], /<g class="band"/g), 0);
  });

  it("is laid out for the page: at most 840 px wide, no text under 11 px, a node's agents bracketed", () => {
    for (const events of [deploymentTrace(3), longTrace(500), deploymentTrace(2, 40)]) {
      const svg = sequenceBundle(events, { title: "apply" })["image/svg+xml"];
      const width = Number(/^<svg [^>]*width="(\d+)"/.exec(svg)![1]);
      assert.ok(width <= 840, `width ${width}`);
      const sizes = [...svg.matchAll(/font-size="([\d.]+)"/g)].map((m) => Number(m[1]));
      assert.ok(sizes.length > 0 && sizes.every((s) => s >= 11), `font sizes ${[...new Set(sizes)].join(", ")}`);
    }
    // One node's agents fit side by side under a bracket naming the node.
    const one = sequenceBundle(deploymentTrace(2, 1).filter((e) => !/controller|collector/.test(e.from + e.to)))["image/svg+xml"];
    assert.deepEqual([...one.matchAll(/<g class="lane-group" data-group="([^"]+)"/g)].map((m) => m[1]), ["node-1"]);
    for (const c of ["kubectl", "etcd", "kubelet@node-1", "cri@node-1", "cni@node-1"]) assert.match(one, new RegExp(`<g class="participant" data-component="${c}">`));
    // Three nodes' agents do not: each node's agents fold into one lane, and arrows say which agent.
    const many = sequenceBundle(deploymentTrace(3, 3))["image/svg+xml"];
    assert.match(many, /data-component="node:node-1"/);
    assert.doesNotMatch(many, /data-component="cri@node-1"/);
    assert.match(many, />kubelet→cri: RunPodSandbox /);
  });

  it("wraps a long detail instead of cutting it, and shortens long names keeping the full one in a tooltip", () => {
    const detail = "netns /var/run/netns/cni-6704369d-e96d-4a2b-ba7b-bd42281cc900; veth77c8b259<->eth0 on cni0; 10.244.2.2/24; default via 10.244.2.1";
    const events = [
      ev(0, 0, "kubelet@node-1", "cri@node-1", "RunPodSandbox", "pod/default/hello-world-7d4f4d944-4c6qm-with-a-very-long-name-indeed"),
      ev(1, 1, "cri@node-1", "cni@node-1", "ADD", "pod/default/other", detail),
      ev(2, 2, "kubelet@node-1", "kube-apiserver", "update-status", "pod/default/other", "phase=Pending ready=false"),
    ];
    const svg = sequenceBundle(events)["image/svg+xml"];
    const labels = [...svg.matchAll(/<text class="label"[^>]*>([^<]*)</g)].map((m) => m[1]!);
    assert.ok(labels.length > 3, "the long detail wraps onto more lines");
    assert.equal(labels.join(" ").replace(/\s+/g, "").includes(`ADDpod/other${detail.replace(/\s+/g, "")}`.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")), true);
    assert.ok(labels.some((l) => l.includes("phase=Pending ready=false")));
    assert.ok(!labels.some((l) => l.includes("4c6qm-with-a-very-long-name-indeed")), "a long name is shortened on the arrow");
    assert.match(svg, /<title>[^<]*pod\/default\/hello-world-7d4f4d944-4c6qm-with-a-very-long-name-indeed<\/title>/);
  });

  it("is deterministic and handles an empty trace", () => {
    const a = sequenceBundle(new TraceView(longTrace(300)), { title: "t" });
    const b = sequenceBundle(new TraceView(longTrace(300)), { title: "t" });
    assert.equal(JSON.stringify(a), JSON.stringify(b));
    const empty = sequenceBundle(new TraceView([]));
    assert.match(empty["image/svg+xml"], /No events\./);
    assert.match(empty["text/plain"], /No events\./);
  });

  it("installTraceDisplay makes TraceView display as a sequence diagram (idempotent)", () => {
    installTraceDisplay();
    installTraceDisplay();
    const view = new TraceView(deploymentTrace(1));
    const bundle = (view as unknown as Record<symbol, () => Record<string, unknown>>)[Symbol.for("Jupyter.display")]!();
    assert.match(String(bundle["image/svg+xml"]), /^<svg /);
    assert.match(String(bundle["text/vnd.mermaid"]), /^sequenceDiagram/);
    assert.ok(!("text/html" in bundle));
  });
});
