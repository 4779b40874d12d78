import { strict as assert } from "node:assert";
import { helloWorld, newCluster } from "./helpers";

const client = `apiVersion: v1
kind: Pod
metadata: { name: client }
spec: { containers: [{ name: c, image: busybox:1.36 }] }
`;

describe("the cluster's data path (cluster.traffic / cluster.packet)", () => {
  it("spreads connections to a ClusterIP evenly over the endpoints, as the statistic rules predict", () => {
    const c = newCluster();
    c.apply(helloWorld(4));
    c.apply(client);
    c.settle();
    const t = c.traffic({ from: "pod/client", to: "hello-world:80", connections: 8000 });
    assert.equal(t.result.total, 8000);
    assert.equal(t.failed, 0);
    assert.equal(t.result.byEndpoint.length, 4);
    for (const e of t.result.byEndpoint) {
      // The kernel stores probabilities as 32-bit fractions, so 1/3 becomes 0.33333333349.
      assert.ok(Math.abs(e.expectedShare! - 0.25) < 1e-6, `expected share ${e.expectedShare}`);
      assert.ok(Math.abs(e.count - 2000) < 4 * Math.sqrt(8000 * 0.25 * 0.75), `${e.endpoint}: ${e.count}`);
    }
    // Deterministic: the same cluster and call give the same counts.
    const again = newCluster();
    again.apply(helloWorld(4));
    again.apply(client);
    again.settle();
    assert.deepEqual(again.traffic({ from: "pod/client", to: "hello-world:80", connections: 8000 }).byPod, t.byPod);
  });

  it("a hung pod without a readiness probe keeps its share, and those connections fail; with a probe it is removed", () => {
    for (const probe of [false, true]) {
      const c = newCluster();
      c.apply(helloWorld(4, { readinessProbe: probe }));
      c.apply(client);
      c.settle();
      const victim = c.pods({ selector: { app: "hello" } })[0]!.metadata.name!;
      c.fail(`pod/${victim}`).settle();
      const t = c.traffic({ from: "pod/client", to: "hello-world:80", connections: 4000 });
      if (!probe) {
        assert.ok(t.failed > 800 && t.failed < 1200, `about a quarter fail: ${t.failed}`);
        assert.match(t.result.failures[0]!.reason, /timeout: .* does not answer \(app hung\)/);
      } else {
        assert.equal(t.failed, 0);
        assert.equal(t.result.byEndpoint.filter((e) => e.count > 0).length, 3);
      }
    }
  });

  it("keep-alive: few long-lived connections spread badly even though rules are fair", () => {
    const c = newCluster();
    c.apply(helloWorld(4));
    c.apply(client);
    c.settle();
    const t = c.traffic({ from: "pod/client", to: "hello-world:80", connections: 3, requestsPerConnection: 1000 });
    const served = t.result.byEndpoint.map((e) => e.requests).filter((n) => n > 0);
    assert.ok(served.length <= 3, "at most 3 pods get all 3000 requests");
    assert.equal(served.reduce((a, b) => a + b, 0), 3000);
  });

  it("externalTrafficPolicy Local: the load balancer only uses nodes with local endpoints, so pods get unequal shares", () => {
    const c = newCluster({ nodes: 3 });
    c.apply(helloWorld(4));
    c.apply(`apiVersion: v1
kind: Service
metadata: { name: hello-lb }
spec: { type: LoadBalancer, externalTrafficPolicy: Local, selector: { app: hello }, ports: [{ name: http, port: 80, targetPort: 8080 }] }
`);
    c.settle();
    const t = c.traffic({ from: "external", to: { service: "hello-lb", via: "loadBalancer" }, connections: 6000 });
    assert.equal(t.failed, 0);
    const perNode = new Map<string, number>();
    for (const p of c.pods({ selector: { app: "hello" } })) perNode.set(p.spec.nodeName!, (perNode.get(p.spec.nodeName!) ?? 0) + 1);
    for (const e of t.result.byEndpoint) {
      const expected = 1 / perNode.size / perNode.get(e.node!)!;
      assert.ok(Math.abs(e.expectedShare! - expected) < 1e-6, `${e.endpoint} expected ${expected}, model says ${e.expectedShare}`);
    }
    // Through a node without a local endpoint, a NodePort with Local policy drops the connection.
    const empty = ["node-1", "node-2", "node-3"].find((n) => !perNode.has(n));
    if (empty) {
      const viaEmpty = c.traffic({ from: "external", to: { service: "hello-lb", via: "nodePort", node: empty }, connections: 10 });
      assert.equal(viaEmpty.failed, 10);
    }
  });

  it("traces one packet: DNAT to an endpoint on the way out, un-DNAT on the way back", () => {
    const c = newCluster();
    c.apply(helloWorld(2));
    c.apply(client);
    c.settle();
    const p = c.packet({ from: "pod/client", to: "hello-world:80" });
    assert.equal(p.verdict, "delivered");
    const dnat = p.trace.request.nat.find((n) => n.kind === "DNAT")!;
    assert.match(dnat.from, /^10\.\d+\.\d+\.\d+:80$/);
    assert.match(dnat.to, /^10\.244\.\d+\.\d+:8080$/);
    assert.match(dnat.by, /KUBE-SEP-[A-Z2-7]{16}/);
    assert.equal(p.trace.replyFrom, dnat.from, "the client sees the reply from the ClusterIP");
    assert.ok(p.trace.rulesEvaluated > 0);
  });

  it("keeps conntrack between packet() calls: the same 5-tuple rides its entry until flushConntrack() or the cluster changes", () => {
    const c = newCluster();
    c.apply(helloWorld(3));
    c.apply(client);
    c.settle();
    const conntrack = (p: ReturnType<typeof c.packet>): string[] =>
      p.trace.request.events.flatMap((e) => (e.kind === "conntrack" ? [e.detail] : []));
    const first = c.packet({ from: "pod/client", to: "hello-world:80", sport: 41000 });
    assert.ok(conntrack(first).some((d) => d.startsWith("NEW connection")), conntrack(first).join("\n"));
    const second = c.packet({ from: "pod/client", to: "hello-world:80", sport: 41000 });
    assert.ok(conntrack(second).some((d) => d.startsWith("ESTABLISHED")), conntrack(second).join("\n"));
    assert.equal(second.trace.endpoint, first.trace.endpoint, "an established connection keeps its DNAT");
    c.flushConntrack();
    const flushed = c.packet({ from: "pod/client", to: "hello-world:80", sport: 41000 });
    assert.ok(conntrack(flushed).some((d) => d.startsWith("NEW connection")), "flushConntrack() empties the table");
    assert.ok(conntrack(c.packet({ from: "pod/client", to: "hello-world:80", sport: 41000 })).some((d) => d.startsWith("ESTABLISHED")));
    // A write to the API server is a new world: a fresh kernel, so the tuple is NEW again.
    c.apply(helloWorld(4));
    c.settle();
    const third = c.packet({ from: "pod/client", to: "hello-world:80", sport: 41000 });
    assert.ok(conntrack(third).some((d) => d.startsWith("NEW connection")), conntrack(third).join("\n"));
  });

  it("IPVS mode: round robin over real servers, and the rules evaluated do not grow with Services", () => {
    const small = newCluster({ proxyMode: "ipvs", nodes: 2 });
    small.apply(helloWorld(4));
    small.settle();
    const t = small.traffic({ from: "node/node-1", to: "hello-world:80", connections: 400 });
    assert.deepEqual(t.result.byEndpoint.map((e) => e.count), [100, 100, 100, 100]);
    assert.match(small.node("node-1").ipvs.ipvsadm(), /TCP {2}10\.\d+\.\d+\.\d+:80 rr/);
    const many = (mode: "iptables" | "ipvs"): number => {
      const c = newCluster({ proxyMode: mode, nodes: 2 });
      const extra = Array.from({ length: 60 }, (_, i) => ({ apiVersion: "v1", kind: "Service", metadata: { name: `s${i}` }, spec: { selector: { app: `x${i}` }, ports: [{ port: 80 }] } }));
      c.apply(helloWorld(2));
      c.apply(extra);
      c.settle();
      return c.traffic({ from: "node/node-1", to: "hello-world:80", connections: 50 }).result.rulesEvaluatedPerConnection;
    };
    const base = (mode: "iptables" | "ipvs"): number => {
      const c = newCluster({ proxyMode: mode, nodes: 2 });
      c.apply(helloWorld(2));
      c.settle();
      return c.traffic({ from: "node/node-1", to: "hello-world:80", connections: 50 }).result.rulesEvaluatedPerConnection;
    };
    assert.ok(many("iptables") > base("iptables") + 30, "iptables: KUBE-SERVICES is scanned rule by rule");
    assert.equal(many("ipvs"), base("ipvs"), "ipvs: one hash lookup whatever the number of Services");
  });
});

describe("node(...).iptables table rows", () => {
  it("spell targets as iptables-save does, once (e.g. DNAT --to-destination IP:PORT)", () => {
    const c = newCluster({ nodes: 1 });
    c.apply(helloWorld(1));
    c.settle();
    const rows = c.node("node-1").iptables.rows().filter((r) => r.table === "nat");
    const dnat = rows.find((r) => r.target.startsWith("DNAT") && r.comment === "default/hello-world:http")!;
    assert.match(dnat.target, /^DNAT --to-destination 10\.244\.\d+\.\d+:8080$/);
    assert.equal(rows.find((r) => r.chain === "KUBE-MARK-MASQ")!.target, "MARK --set-xmark 0x4000/0x4000");
  });
});

describe("nftables mode (cluster.node(...).nftables)", () => {
  it("traffic goes through kube-proxy's table; node(...).nftables shows its ruleset, list and table", () => {
    const c = newCluster({ proxyMode: "nftables", nodes: 2 });
    c.apply(helloWorld(4));
    c.apply(client);
    c.settle();
    const t = c.traffic({ from: "pod/client", to: "hello-world:80", connections: 4000 });
    assert.equal(t.failed, 0);
    assert.equal(t.result.byEndpoint.length, 4);
    for (const e of t.result.byEndpoint) assert.ok(Math.abs(e.expectedShare! - 0.25) < 1e-9, `expected share ${e.expectedShare}`);
    const nft = c.node("node-1").nftables;
    assert.match(nft.ruleset(), /^add element ip kube-proxy service-ips \{ 10\.\d+\.\d+\.\d+ \. tcp \. 80 : goto service-[A-Z2-7]{8}-default\/hello-world\/tcp\/http \}$/m);
    assert.match(nft.list(), /numgen random mod 4 vmap \{ 0 : goto endpoint-/);
    const rows = nft.table({ service: "default/hello-world" }).bundle();
    assert.ok(JSON.stringify(rows).includes("dnat to 10.244."));
    const p = c.packet({ from: "pod/client", to: "hello-world:80" });
    assert.equal(p.verdict, "delivered");
    assert.ok(p.trace.request.nat.some((n) => n.kind === "DNAT" && /nft nat-prerouting endpoint-/.test(n.by)), JSON.stringify(p.trace.request.nat));
    assert.throws(() => c.node("node-1").iptables, /nftables mode/);
  });

  it("rules evaluated per new connection do not grow with Services", () => {
    const run = (extraServices: number): number => {
      const c = newCluster({ proxyMode: "nftables", nodes: 2 });
      c.apply(helloWorld(2));
      c.apply(Array.from({ length: extraServices }, (_, i) => ({ apiVersion: "v1", kind: "Service", metadata: { name: `s${i}` }, spec: { selector: { app: `x${i}` }, ports: [{ port: 80 }] } })));
      c.settle();
      return c.traffic({ from: "node/node-1", to: "hello-world:80", connections: 50 }).result.rulesEvaluatedPerConnection;
    };
    assert.equal(run(60), run(0));
  });
});
