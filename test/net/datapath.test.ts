import * as assert from "node:assert/strict";
import { Rng } from "../../src/sim/rng";
import { Datapath, tracePacket } from "../../src/net/datapath";
import { parseIPv4 } from "../../src/util/ipv4";
import { simulateTraffic } from "../../src/net/traffic";
import { NODE1_IP, twoNodeWorld } from "./fixtures";

const WEB = { ip: "10.96.0.20", port: 80 };

/** |observed − expected| within 5 standard deviations of a binomial count. */
function withinBinomial(observed: number, n: number, p: number): boolean {
  return Math.abs(observed - n * p) <= 5 * Math.sqrt(n * p * (1 - p));
}

describe("net: packets through kube-proxy's iptables rules", () => {
  it("spreads 30,000 connections over 3 endpoints by the statistic probabilities", () => {
    const t = simulateTraffic(twoNodeWorld(), { from: { pod: "default/client" }, to: WEB, connections: 30_000, rng: new Rng(42) });
    assert.equal(t.total, 30_000);
    assert.equal(t.succeeded, 30_000);
    assert.deepEqual(t.failures, []);
    assert.deepEqual(
      t.byEndpoint.map((e) => [e.endpoint, e.pod, e.node]),
      [
        ["10.244.1.5:8080", "default/web-1", "node-1"],
        ["10.244.2.6:8080", "default/web-2", "node-2"],
        ["10.244.2.7:8080", "default/web-3", "node-2"],
      ],
    );
    for (const e of t.byEndpoint) assert.ok(withinBinomial(e.count, 30_000, 1 / 3), `${e.endpoint}: ${e.count}`);
    // The exact prediction from the rules' (kernel-quantised) probabilities.
    for (const e of t.byEndpoint) assert.ok(Math.abs(e.expectedShare! - 1 / 3) < 1e-9, `${e.endpoint}: ${e.expectedShare}`);
  });

  it("is deterministic: same seed, identical results; another seed, different counts", () => {
    const run = (seed: number) => simulateTraffic(twoNodeWorld(), { from: { pod: "default/client" }, to: WEB, connections: 5000, rng: new Rng(seed) });
    assert.deepEqual(run(7), run(7));
    assert.notDeepEqual(run(7).byEndpoint, run(8).byEndpoint);
  });

  it("traces every hook and rule, DNATs once, and un-NATs the reply", () => {
    const world = twoNodeWorld();
    const t = tracePacket(world, { from: { pod: "default/client" }, to: WEB, rng: new Rng(3), sport: 45000 });
    assert.equal(t.verdict, "delivered");
    assert.ok(t.endpoint !== null && t.endpoint.endsWith(":8080"));
    const hooks = t.request.events.filter((e) => e.kind === "hook");
    const pre = hooks[0]!;
    assert.equal(pre.kind === "hook" && `${pre.node} ${pre.table} ${pre.hook}`, "node-1 nat PREROUTING");
    const rules = hooks.flatMap((h) => (h.kind === "hook" ? h.rules : []));
    // The KUBE-SERVICES rule for the ClusterIP matched; the masquerade rule (! -s clusterCIDR) did not.
    assert.ok(rules.some((r) => r.chain === "KUBE-SERVICES" && r.matched && r.rule.includes("10.96.0.20/32")));
    assert.ok(rules.some((r) => r.chain === "KUBE-SVC-XKBCWTVB7DSZZNXQ" && r.ruleNumber === 1 && !r.matched));
    assert.equal(t.rulesEvaluated, rules.length);
    assert.equal(t.request.nat.filter((n) => n.kind === "DNAT").length, 1);
    assert.equal(t.request.nat[0]!.from, "10.96.0.20:80");
    // Pod-to-service traffic keeps the pod's source address.
    assert.equal(t.request.result.srcIp, "10.244.1.2");
    // The reply comes back from the ClusterIP, not from the pod.
    assert.equal(t.reply?.result.verdict, "delivered");
    assert.equal(t.replyFrom, "10.96.0.20:80");
    assert.ok(t.reply!.nat.some((n) => n.kind === "un-DNAT" && n.to === "10.96.0.20:80"));

    // The same 5-tuple again is the same connection: no nat table, same backend, whatever the RNG says.
    for (const seed of [1, 2, 3, 4, 5]) {
      const again = tracePacket(world, { from: { pod: "default/client" }, to: WEB, rng: new Rng(seed), sport: 45000 });
      assert.equal(again.endpoint, t.endpoint);
      assert.ok(!again.request.events.some((e) => e.kind === "hook" && e.table === "nat"));
      assert.ok(again.request.events.some((e) => e.kind === "conntrack" && e.detail.startsWith("ESTABLISHED")));
    }
  });

  it("routes to a pod on another node via the podCIDR route", () => {
    const world = twoNodeWorld();
    // Find a seed that picks a node-2 endpoint.
    let t = tracePacket(world, { from: { pod: "default/client" }, to: WEB, rng: new Rng(1), sport: 41000 });
    for (let s = 2; t.node !== "node-2"; s++) t = tracePacket(world, { from: { pod: "default/client" }, to: WEB, rng: new Rng(s), sport: 41000 + s });
    assert.deepEqual(t.request.hops.slice(0, 3), ["pod default/client", "node-1", "node-2"]);
    assert.ok(t.request.events.some((e) => e.kind === "route" && e.detail.includes("via 192.168.0.12 dev eth0 (node-2's podCIDR 10.244.2.0/24)")));
    assert.equal(t.replyFrom, "10.96.0.20:80");
  });

  it("masquerades node-originated ClusterIP traffic to the node's IP (KUBE-MARK-MASQ → MASQUERADE)", () => {
    const dp = new Datapath(twoNodeWorld());
    const t = dp.tracePacket({ from: { node: "node-1" }, to: WEB, rng: new Rng(9) });
    assert.equal(t.verdict, "delivered");
    assert.ok(t.request.nat.some((n) => n.kind === "MASQUERADE" && n.to.startsWith(`${NODE1_IP}:`)));
    assert.equal(t.request.result.srcIp, NODE1_IP);
    assert.equal(t.replyFrom, "10.96.0.20:80");
  });

  it("NodePort with externalTrafficPolicy Local: delivered with the client IP on node-1, dropped on node-2", () => {
    const dp = new Datapath(twoNodeWorld());
    const ok = dp.tracePacket({ from: { external: "203.0.113.7", via: "node-1" }, to: { ip: NODE1_IP, port: 30080 }, rng: new Rng(1) });
    assert.equal(ok.verdict, "delivered");
    assert.equal(ok.pod, "shop/front-1");
    assert.equal(ok.request.result.srcIp, "203.0.113.7"); // source preserved: no masquerade
    assert.equal(ok.replyFrom, `${NODE1_IP}:30080`);
    const dropped = dp.tracePacket({ from: { external: "203.0.113.7" }, to: { ip: "192.168.0.12", port: 30080 }, rng: new Rng(1) });
    assert.equal(dropped.verdict, "dropped");
    assert.match(dropped.reason, /^dropped by node-2 \(filter KUBE-EXTERNAL-SERVICES rule 2\)$/);
  });

  it("a LoadBalancer with externalTrafficPolicy Local only sends to nodes whose health check passes", () => {
    const local = simulateTraffic(twoNodeWorld(), { from: { external: "203.0.113.7" }, to: { ip: "198.51.100.10", port: 80 }, connections: 1000, rng: new Rng(5) });
    assert.deepEqual(local.byEntryNode, [{ node: "node-1", count: 1000 }]);
    assert.deepEqual(local.failures, []);
    assert.deepEqual(local.byEndpoint.map((e) => [e.pod, e.count, e.expectedShare]), [["shop/front-1", 1000, 1]]);
    const cluster = simulateTraffic(twoNodeWorld(), { from: { external: "203.0.113.7" }, to: { ip: "198.51.100.11", port: 80 }, connections: 4000, rng: new Rng(5) });
    assert.equal(cluster.byEntryNode.length, 2);
    for (const n of cluster.byEntryNode) assert.ok(withinBinomial(n.count, 4000, 0.5));
    assert.equal(cluster.succeeded, 4000);
    for (const e of cluster.byEndpoint) assert.ok(withinBinomial(e.count, 4000, 0.5));
    assert.deepEqual(cluster.byEndpoint.map((e) => e.expectedShare), [0.5, 0.5]);
  });

  it("sessionAffinity ClientIP: every connection from one client sticks to one endpoint", () => {
    const t = simulateTraffic(twoNodeWorld(), { from: { pod: "default/client" }, to: { ip: "10.96.0.50", port: 80 }, connections: 2000, rng: new Rng(11) });
    assert.equal(t.byEndpoint.length, 1);
    assert.equal(t.byEndpoint[0]!.count, 2000);
    assert.equal(t.byEndpoint[0]!.expectedShare, undefined); // depends on history, not chance
    // Many different clients still spread over both endpoints.
    const dp = new Datapath(twoNodeWorld());
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const tr = dp.tracePacket({ from: { external: `203.0.113.${i + 1}`, via: "node-1" }, to: { ip: "10.96.0.50", port: 80 }, rng: new Rng(100 + i) });
      seen.add(tr.endpoint ?? "none");
    }
    assert.deepEqual([...seen].sort(), ["10.244.1.9:80", "10.244.2.9:80"]);
  });

  it("a Service without endpoints is rejected by the filter table", () => {
    const t = tracePacket(twoNodeWorld(), { from: { pod: "default/client" }, to: { ip: "10.96.0.30", port: 80 }, rng: new Rng(1) });
    assert.equal(t.verdict, "rejected");
    assert.equal(t.reason, "rejected by node-1 (filter KUBE-SERVICES rule 1: icmp-port-unreachable)");
  });

  it("a hung pod without a readiness probe stays an endpoint: its share of connections times out", () => {
    const t = simulateTraffic(twoNodeWorld({ hung: ["default/web-3"] }), { from: { pod: "default/client" }, to: WEB, connections: 9000, rng: new Rng(4) });
    assert.equal(t.failures.length, 1);
    assert.equal(t.failures[0]!.reason, "timeout: default/web-3 does not answer (app hung)");
    assert.ok(withinBinomial(t.failures[0]!.count, 9000, 1 / 3));
    assert.deepEqual(t.byEndpoint.map((e) => [e.pod, e.count > 0, e.failed > 0]), [
      ["default/web-1", true, false],
      ["default/web-2", true, false],
      ["default/web-3", false, true],
    ]);
    assert.equal(t.byEndpoint[2]!.failed, t.failures[0]!.count);
    assert.ok(Math.abs(t.byEndpoint[2]!.expectedShare! - 1 / 3) < 1e-9);
  });

  it("long-lived connections: requests stick to their connection's backend (keep-alive imbalance)", () => {
    const t = simulateTraffic(twoNodeWorld(), { from: { pod: "default/client" }, to: WEB, connections: 3, requestsPerConnection: 1000, rng: new Rng(2) });
    assert.equal(t.byEndpoint.reduce((s, e) => s + e.requests, 0), 3000);
    for (const e of t.byEndpoint) assert.equal(e.requests, e.count * 1000);
  });

  it("counts the rules the kernel evaluates (index or not): trace and fast path agree", () => {
    const world = twoNodeWorld();
    const traced = new Datapath(world).tracePacket({ from: { pod: "default/client" }, to: { ip: "10.96.0.41", port: 80 }, rng: new Rng(1), reply: false });
    const fast = new Datapath(world).connect({ pod: "default/client" }, parseIPv4("10.96.0.41"), 80, 6, 40000, new Rng(1));
    assert.equal(fast.rules, traced.rulesEvaluated);
    assert.equal(fast.delivery.result.ip, traced.request.result.ip);
  });
});
