import * as assert from "node:assert/strict";
import { Rng } from "../../src/sim/rng";
import { Datapath } from "../../src/net/datapath";
import { compileNftables } from "../../src/net/nftables";
import { simulateTraffic } from "../../src/net/traffic";
import type { NetWorld } from "../../src/net/world";
import type { Protocol } from "../../src/api/types";
import { syncNftables } from "../../src/proxy/nftables";
import { ep, slice, svc, tcp } from "../proxy/fixtures";
import { fakeInput, overallInput } from "../proxy/nftables-cases";
import { manyServices, proxiedWorld } from "./cluster";

const EMPTY_IPTABLES = "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n";

/**
 * kube-proxy's runPacketFlowTests, restated for this data path: one node ("test-node",
 * 192.168.0.2) whose table came from the case's input; a packet from sourceIP to destIP:destPort
 * arrives on the node and the outcome is the endpoints the rules can pick (the endpoints lie
 * outside the node's pod CIDR, so the packet leaves through POSTROUTING, where masquerading
 * shows), REJECT or DROP.
 */
interface FlowCase {
  name: string;
  sourceIP: string;
  destIP: string;
  destPort: number;
  protocol?: Protocol;
  output: string;
  masq?: boolean;
}

function flowWorld(text: string): NetWorld {
  return {
    nodes: [{ name: "test-node", ips: ["192.168.0.2"], podCIDR: "10.99.0.0/24", iptablesSave: () => EMPTY_IPTABLES, nftables: () => text }],
    pods: [],
  };
}

function runFlows(text: string, cases: FlowCase[]): void {
  for (const c of cases) {
    it(c.name, () => {
      const outputs = new Set<string>();
      let masq: boolean | undefined;
      for (let seed = 1; seed <= 40; seed++) {
        const dp = new Datapath(flowWorld(text));
        const t = dp.tracePacket({ from: { external: c.sourceIP, via: "test-node" }, to: { ip: c.destIP, port: c.destPort, protocol: c.protocol ?? "TCP" }, rng: new Rng(seed), reply: false });
        if (t.verdict === "rejected") outputs.add("REJECT");
        else if (t.verdict === "dropped") outputs.add("DROP");
        else {
          const r = t.request.result;
          outputs.add(`${r.ip}:${r.port}`);
          masq = t.request.nat.some((n) => n.kind === "MASQUERADE");
        }
      }
      assert.equal([...outputs].sort().join(", "), c.output);
      if (c.masq !== undefined) assert.equal(masq, c.masq);
    });
  }
}

describe("net/nftables: parsing kube-proxy's transaction", () => {
  it("applies add/flush/delete and orders base chains by priority per hook", () => {
    const t = compileNftables(syncNftables(overallInput()).ruleset());
    assert.deepEqual(t.hooks.get("prerouting")!.map((c) => c.name), ["filter-prerouting-pre-dnat", "nat-prerouting"]);
    assert.deepEqual(t.hooks.get("output")!.map((c) => c.name), ["filter-output-pre-dnat", "nat-output", "filter-output"]);
    assert.equal(t.ruleCount, syncNftables(overallInput()).dump().split("\n").filter((l) => l.startsWith("add rule")).length);
  });
  it("names the line of input it cannot read", () => {
    assert.throws(() => compileNftables("add table ip kube-proxy\nadd chain ip kube-proxy c\nadd rule ip kube-proxy c tcp flags syn drop\n"), /line 3: unsupported nftables expression at "tcp flags syn drop"/);
  });
});

describe("net/nftables packet flows (kube-proxy's proxier_test.go)", () => {
  describe("TestNoEndpointsReject", () => {
    const services = [
      svc("ns1", "svc1", { type: "LoadBalancer", clusterIP: "172.30.0.41", externalIPs: ["192.168.99.11"], ports: [tcp("p80", 80, { nodePort: 3001 })] }, { loadBalancer: { ingress: [{ ip: "1.2.3.4" }] } }),
    ];
    runFlows(syncNftables(fakeInput(services, [])).ruleset(), [
      { name: "pod to cluster IP with no endpoints", sourceIP: "10.0.0.2", destIP: "172.30.0.41", destPort: 80, output: "REJECT" },
      { name: "external to external IP with no endpoints", sourceIP: "203.0.113.2", destIP: "192.168.99.11", destPort: 80, output: "REJECT" },
      { name: "pod to NodePort with no endpoints", sourceIP: "10.0.0.2", destIP: "192.168.0.2", destPort: 3001, output: "REJECT" },
      { name: "external to NodePort with no endpoints", sourceIP: "203.0.113.2", destIP: "192.168.0.2", destPort: 3001, output: "REJECT" },
      { name: "pod to LoadBalancer IP with no endpoints", sourceIP: "10.0.0.2", destIP: "1.2.3.4", destPort: 80, output: "REJECT" },
      { name: "external to LoadBalancer IP with no endpoints", sourceIP: "203.0.113.2", destIP: "1.2.3.4", destPort: 80, output: "REJECT" },
    ]);
  });

  describe("TestClusterIPGeneral", () => {
    const services = [
      svc("ns1", "svc1", { clusterIP: "172.30.0.41", ports: [tcp("http", 80)] }),
      svc("ns2", "svc2", {
        clusterIP: "172.30.0.42",
        ports: [tcp("http", 80), tcp("https", 443, { targetPort: 8443 }), { name: "dns-udp", port: 53, protocol: "UDP" }, tcp("dns-tcp", 53, { targetPort: 5353 }), { name: "dns-sctp", port: 53, protocol: "SCTP" }],
      }),
    ];
    const slices = [
      slice("ns1", "svc1", [ep("10.180.0.1", { nodeName: "test-node" })], [{ name: "http", port: 80 }]),
      slice("ns2", "svc2", [ep("10.180.0.1", { nodeName: "test-node" }), ep("10.180.2.1", { nodeName: "node2" })], [
        { name: "http", port: 80 },
        { name: "https", port: 8443 },
        { name: "dns-udp", port: 53, protocol: "UDP" },
        { name: "dns-tcp", port: 5353 },
        { name: "dns-sctp", port: 53, protocol: "SCTP" },
      ]),
    ];
    runFlows(syncNftables(fakeInput(services, slices)).ruleset(), [
      { name: "simple clusterIP", sourceIP: "10.180.0.2", destIP: "172.30.0.41", destPort: 80, output: "10.180.0.1:80", masq: false },
      { name: "hairpin to cluster IP", sourceIP: "10.180.0.1", destIP: "172.30.0.41", destPort: 80, output: "10.180.0.1:80", masq: true },
      { name: "clusterIP with multiple endpoints", sourceIP: "10.180.0.2", destIP: "172.30.0.42", destPort: 80, output: "10.180.0.1:80, 10.180.2.1:80", masq: false },
      { name: "clusterIP with TargetPort", sourceIP: "10.180.0.2", destIP: "172.30.0.42", destPort: 443, output: "10.180.0.1:8443, 10.180.2.1:8443", masq: false },
      { name: "clusterIP with TCP, UDP, and SCTP on same port (TCP)", sourceIP: "10.180.0.2", protocol: "TCP", destIP: "172.30.0.42", destPort: 53, output: "10.180.0.1:5353, 10.180.2.1:5353", masq: false },
      { name: "clusterIP with TCP, UDP, and SCTP on same port (UDP)", sourceIP: "10.180.0.2", protocol: "UDP", destIP: "172.30.0.42", destPort: 53, output: "10.180.0.1:53, 10.180.2.1:53", masq: false },
      { name: "clusterIP with TCP, UDP, and SCTP on same port (SCTP)", sourceIP: "10.180.0.2", protocol: "SCTP", destIP: "172.30.0.42", destPort: 53, output: "10.180.0.1:53, 10.180.2.1:53", masq: false },
      { name: "TCP-only port does not match UDP traffic", sourceIP: "10.180.0.2", protocol: "UDP", destIP: "172.30.0.42", destPort: 80, output: "REJECT" },
      { name: "svc1 does not accept svc2's ports", sourceIP: "10.180.0.2", destIP: "172.30.0.41", destPort: 443, output: "REJECT" },
      { name: "packet to unallocated cluster ip", sourceIP: "10.180.0.2", destIP: "172.30.0.50", destPort: 80, output: "DROP" },
    ]);
  });

  describe("TestLoadBalancer", () => {
    const services = [
      svc("ns1", "svc1", { type: "LoadBalancer", clusterIP: "172.30.0.41", ports: [tcp("p80", 80, { nodePort: 3001 })], loadBalancerSourceRanges: ["192.168.0.0/24", " 203.0.113.0/25"] }, { loadBalancer: { ingress: [{ ip: "1.2.3.4" }, { ip: "5.6.7.8" }] } }),
    ];
    const slices = [slice("ns1", "svc1", [ep("10.180.0.1")])];
    runFlows(syncNftables(fakeInput(services, slices)).ruleset(), [
      { name: "pod to cluster IP", sourceIP: "10.0.0.2", destIP: "172.30.0.41", destPort: 80, output: "10.180.0.1:80", masq: false },
      { name: "external to nodePort", sourceIP: "203.0.113.2", destIP: "192.168.0.2", destPort: 3001, output: "10.180.0.1:80", masq: true },
      { name: "nodePort bypasses LoadBalancerSourceRanges", sourceIP: "203.0.113.130", destIP: "192.168.0.2", destPort: 3001, output: "10.180.0.1:80", masq: true },
      { name: "accepted external to LB1", sourceIP: "203.0.113.2", destIP: "1.2.3.4", destPort: 80, output: "10.180.0.1:80", masq: true },
      { name: "accepted external to LB2", sourceIP: "203.0.113.2", destIP: "5.6.7.8", destPort: 80, output: "10.180.0.1:80", masq: true },
      { name: "blocked external to LB1", sourceIP: "203.0.113.130", destIP: "1.2.3.4", destPort: 80, output: "DROP" },
      { name: "blocked external to LB2", sourceIP: "203.0.113.130", destIP: "5.6.7.8", destPort: 80, output: "DROP" },
      { name: "pod to LB1 (blocked by LoadBalancerSourceRanges)", sourceIP: "10.0.0.2", destIP: "1.2.3.4", destPort: 80, output: "DROP" },
      { name: "node to LB1 (allowed by LoadBalancerSourceRanges)", sourceIP: "192.168.0.2", destIP: "1.2.3.4", destPort: 80, output: "10.180.0.1:80", masq: true },
    ]);
  });
});

describe("net/nftables in the cluster data path", () => {
  it("spreads connections evenly over the endpoints (numgen random mod N)", () => {
    const t = simulateTraffic(proxiedWorld("nftables", manyServices(3)), { from: { pod: "default/client" }, to: { ip: "10.96.0.11", port: 80 }, connections: 3000, rng: new Rng(7) });
    assert.equal(t.succeeded, 3000, JSON.stringify(t.failures));
    assert.equal(t.byEndpoint.length, 3);
    for (const e of t.byEndpoint) {
      assert.ok(Math.abs(e.count - 1000) < 120, `${e.endpoint}: ${e.count}`);
      assert.ok(Math.abs((e.expectedShare ?? 0) - 1 / 3) < 1e-9, `${e.endpoint} expected ${e.expectedShare}`);
    }
  });

  it("a packet trace shows the map lookup, numgen and DNAT, and the reply is un-NATed", () => {
    const dp = new Datapath(proxiedWorld("nftables", manyServices(2)));
    const t = dp.tracePacket({ from: { pod: "default/client" }, to: { ip: "10.96.0.10", port: 80 }, rng: new Rng(3) });
    assert.equal(t.verdict, "delivered");
    const hooks = t.request.events.filter((e) => e.kind === "hook").map((e) => (e.kind === "hook" ? e.table : ""));
    assert.ok(hooks.includes("nft nat-prerouting"), hooks.join(","));
    const steps = t.request.events.flatMap((e) => (e.kind === "hook" ? e.rules : []));
    assert.ok(steps.some((s) => s.rule.startsWith("ip daddr . meta l4proto . th dport vmap @service-ips") && s.matched));
    assert.ok(steps.some((s) => s.rule.startsWith("numgen random mod 3") && s.matched));
    assert.ok(t.request.nat.some((n) => n.kind === "DNAT" && n.from === "10.96.0.10:80"));
    assert.equal(t.replyFrom, "10.96.0.10:80");
  });

  it("ClientIP affinity: one client keeps its endpoint (update @affinity…, ip saddr @affinity… goto)", () => {
    const t = simulateTraffic(proxiedWorld("nftables", manyServices(1, { sessionAffinity: true })), { from: { pod: "default/client" }, to: { ip: "10.96.0.10", port: 80 }, connections: 500, rng: new Rng(1) });
    assert.equal(t.byEndpoint.length, 1);
    assert.equal(t.byEndpoint[0]!.count, 500);
  });

  it("rules evaluated per new connection do not grow with the number of Services", () => {
    const measure = (n: number) => {
      const t = simulateTraffic(proxiedWorld("nftables", manyServices(n)), { from: { pod: "default/client" }, to: { ip: `10.96.${((n - 1 + 10) >> 8) & 255}.${(n - 1 + 10) & 255}`, port: 80 }, connections: 200, rng: new Rng(1) });
      assert.equal(t.succeeded, 200, JSON.stringify(t.failures));
      return t.rulesEvaluatedPerConnection;
    };
    const r = [10, 100, 1000].map(measure);
    assert.equal(r[0], r[1]);
    assert.equal(r[1], r[2]);
    assert.ok(r[0]! < 40, r.join(", "));
  });
});
