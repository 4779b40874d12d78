import * as assert from "node:assert/strict";
import { Rng } from "../../src/sim/rng";
import { Datapath } from "../../src/net/datapath";
import { parseIPv4 } from "../../src/util/ipv4";
import { IpvsRuntime } from "../../src/net/ipvs";
import { parseRestore } from "../../src/net/restore";
import { simulateTraffic } from "../../src/net/traffic";
import { syncIpvs } from "../../src/proxy/ipvs";
import { manyServices, proxiedWorld } from "./cluster";

const NODE1 = { name: "node-1", ips: ["192.168.0.11"] };

function objects() {
  const { services, slices } = manyServices(2);
  // svc-1: ClientIP affinity and a NodePort with externalTrafficPolicy Local.
  services[1]!.spec = {
    ...services[1]!.spec,
    type: "NodePort",
    sessionAffinity: "ClientIP",
    externalTrafficPolicy: "Local",
    ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP", nodePort: 30080 }],
  };
  return { services, slices };
}

describe("proxy/ipvs: what IPVS-mode kube-proxy programs", () => {
  it("lists virtual servers exactly like ipvsadm -Ln", () => {
    const rs = syncIpvs({ node: NODE1, ...objects(), endpointSlices: objects().slices, config: { clusterCIDR: "10.244.0.0/16" } });
    const pad = (s: string) => s.padEnd(10, " ");
    const rs1 = (ep: string) => `  -> ${ep.padEnd(28, " ")} Masq    1      ${pad("0")} ${pad("0")}`;
    assert.equal(
      rs.ipvsadm(),
      [
        "IP Virtual Server version 1.2.1 (size=4096)",
        "Prot LocalAddress:Port Scheduler Flags",
        "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn",
        "TCP  10.96.0.10:80 rr",
        rs1("10.244.1.5:8080"),
        rs1("10.244.2.6:8080"),
        rs1("10.244.2.7:8080"),
        "TCP  10.96.0.11:80 rr persistent 10800",
        rs1("10.244.1.5:8080"),
        rs1("10.244.2.6:8080"),
        rs1("10.244.2.7:8080"),
        // NodePort with externalTrafficPolicy Local: only the local endpoint.
        "TCP  192.168.0.11:30080 rr persistent 10800",
        rs1("10.244.1.5:8080"),
        "",
      ].join("\n"),
    );
    assert.equal(rs1("10.244.1.5:8080"), "  -> 10.244.1.5:8080              Masq    1      0          0         ");
    assert.deepEqual(rs.dummyAddresses, ["10.96.0.10", "10.96.0.11"]);
    assert.deepEqual(rs.rows()[0], {
      protocol: "TCP", virtualServer: "10.96.0.10:80", scheduler: "rr", persistent: 0, forward: "Masq",
      realServer: "10.244.1.5:8080", weight: 1, activeConns: 0, inactConns: 0,
    });
  });

  it("writes the ipset-based iptables rules kube-proxy restores, and the ipset contents", () => {
    const o = objects();
    const rs = syncIpvs({ node: NODE1, services: o.services, endpointSlices: o.slices, config: { clusterCIDR: "10.244.0.0/16" } });
    assert.equal(
      rs.restoreInput(),
      `*nat
:KUBE-SERVICES - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-NODE-PORT - [0:0]
:KUBE-LOAD-BALANCER - [0:0]
:KUBE-MARK-MASQ - [0:0]
-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN
-A KUBE-POSTROUTING -m comment --comment "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose" -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE
-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port with externalTrafficPolicy=local" -m set --match-set KUBE-NODE-PORT-LOCAL-TCP dst -j RETURN
-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ
-A KUBE-SERVICES -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT
-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ
-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT
-A KUBE-POSTROUTING -m mark ! --mark 0x004000/0x004000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x004000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-MARK-MASQ -j MARK --or-mark 0x004000
COMMIT
*filter
:KUBE-FORWARD - [0:0]
:KUBE-NODE-PORT - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
:KUBE-SOURCE-RANGES-FIREWALL - [0:0]
:KUBE-IPVS-FILTER - [0:0]
:KUBE-IPVS-OUT-FILTER - [0:0]
-A KUBE-SOURCE-RANGES-FIREWALL -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x004000/0x004000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A KUBE-NODE-PORT -m comment --comment "Kubernetes health check node port" -m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j ACCEPT
-A KUBE-IPVS-FILTER -m set --match-set KUBE-LOAD-BALANCER dst,dst -j RETURN
-A KUBE-IPVS-FILTER -m set --match-set KUBE-CLUSTER-IP dst,dst -j RETURN
-A KUBE-IPVS-FILTER -m set --match-set KUBE-EXTERNAL-IP dst,dst -j RETURN
-A KUBE-IPVS-FILTER -m set --match-set KUBE-EXTERNAL-IP-LOCAL dst,dst -j RETURN
-A KUBE-IPVS-FILTER -m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j RETURN
-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT
COMMIT
`,
    );
    const sets = Object.fromEntries(rs.ipsets.filter((s) => s.entries.length > 0).map((s) => [s.name, s.entries]));
    assert.deepEqual(sets, {
      "KUBE-LOOP-BACK": ["10.244.1.5,tcp:8080,10.244.1.5"],
      "KUBE-CLUSTER-IP": ["10.96.0.10,tcp:80", "10.96.0.11,tcp:80"],
      "KUBE-NODE-PORT-TCP": ["30080"],
      "KUBE-NODE-PORT-LOCAL-TCP": ["30080"],
      "KUBE-IPVS-IPS": ["10.96.0.10", "10.96.0.11"],
    });
    // The whole ruleset (with kube-proxy's jump rules) parses.
    assert.ok(parseRestore(rs.rulesetText()).tables.get("filter")!.chains.get("INPUT")!.rules.map((r) => r.spec).join("\n").startsWith('-m comment --comment "kubernetes ipvs access filter" -j KUBE-IPVS-FILTER'));
  });

  it("rr is deterministic round robin over the kernel's destination list (newest first)", () => {
    const world = proxiedWorld("ipvs", manyServices(1));
    const dp = new Datapath(world);
    const order: string[] = [];
    for (let i = 0; i < 6; i++) order.push(dp.tracePacket({ from: { pod: "default/client" }, to: { ip: "10.96.0.10", port: 80 }, rng: new Rng(i), sport: 50000 + i }).endpoint!);
    assert.deepEqual(order, ["10.244.2.7:8080", "10.244.2.6:8080", "10.244.1.5:8080", "10.244.2.7:8080", "10.244.2.6:8080", "10.244.1.5:8080"]);
    const t = simulateTraffic(world, { from: { pod: "default/client" }, to: { ip: "10.96.0.10", port: 80 }, connections: 3000, rng: new Rng(1) });
    assert.deepEqual(t.byEndpoint.map((e) => e.count), [1000, 1000, 1000]);
    assert.deepEqual(t.byEndpoint.map((e) => e.expectedShare), [1 / 3, 1 / 3, 1 / 3]);
  });

  it("traces IPVS: LOCAL_IN picks the real server, the reply is un-NATed, later packets reuse the connection", () => {
    const dp = new Datapath(proxiedWorld("ipvs", manyServices(1)));
    const t = dp.tracePacket({ from: { pod: "default/client" }, to: { ip: "10.96.0.10", port: 80 }, rng: new Rng(1), sport: 40001 });
    assert.equal(t.verdict, "delivered");
    assert.ok(t.request.events.some((e) => e.kind === "route" && e.detail === "local 10.96.0.10 dev kube-ipvs0"));
    assert.ok(t.request.events.some((e) => e.kind === "ipvs" && e.detail.startsWith("LOCAL_IN: TCP 10.96.0.10:80 rr → 10.244.2.7:8080")));
    assert.equal(t.replyFrom, "10.96.0.10:80");
    const again = dp.tracePacket({ from: { pod: "default/client" }, to: { ip: "10.96.0.10", port: 80 }, rng: new Rng(1), sport: 40001 });
    assert.equal(again.endpoint, t.endpoint);
    assert.ok(again.request.nat.some((n) => n.by.includes("IPVS connection")));
    // Node-originated traffic meets IPVS at LOCAL_OUT and is masqueraded (KUBE-CLUSTER-IP ! -s clusterCIDR).
    const fromNode = dp.tracePacket({ from: { node: "node-1" }, to: { ip: "10.96.0.10", port: 80 }, rng: new Rng(1) });
    assert.equal(fromNode.verdict, "delivered");
    assert.ok(fromNode.request.events.some((e) => e.kind === "ipvs" && e.detail.startsWith("LOCAL_OUT")));
    assert.equal(fromNode.replyFrom, "10.96.0.10:80");
  });

  it("lc sends new connections to the destination with the fewest (active×256 + inactive) connections", () => {
    const world = proxiedWorld("ipvs", manyServices(1), { scheduler: "lc" });
    const dp = new Datapath(world);
    // One long-lived connection stays active on the first destination of the list.
    const held = dp.tracePacket({ from: { pod: "default/client" }, to: { ip: "10.96.0.10", port: 80 }, rng: new Rng(1), sport: 40100 });
    assert.equal(held.endpoint, "10.244.2.7:8080");
    const t = simulateTraffic(world, { from: { pod: "default/client" }, to: { ip: "10.96.0.10", port: 80 }, connections: 300, rng: new Rng(1), datapath: dp });
    assert.deepEqual(t.byEndpoint.map((e) => [e.endpoint, e.count]), [["10.244.1.5:8080", 150], ["10.244.2.6:8080", 150]]);
    const rt = dp.node("node-1").ipvs!;
    assert.match(formatLine(rt), /10\.244\.2\.7:8080 +Masq +1 +1 +0/);
  });

  it("sh hashes the client address: one client always gets one server, many clients spread", () => {
    const world = proxiedWorld("ipvs", manyServices(1), { scheduler: "sh" });
    const one = simulateTraffic(world, { from: { pod: "default/client" }, to: { ip: "10.96.0.10", port: 80 }, connections: 500, rng: new Rng(1) });
    assert.equal(one.byEndpoint.length, 1);
    // The bucket is hash_32(client, 8) = (client × 0x61C88647) >> 24, buckets filled round robin.
    const kernelOrder = ["10.244.2.7:8080", "10.244.2.6:8080", "10.244.1.5:8080"];
    const bucket = (Math.imul(parseIPv4("10.244.1.2"), 0x61c88647) >>> 0) >>> 24;
    assert.equal(one.byEndpoint[0]!.endpoint, kernelOrder[bucket % 3]);
    const dp = new Datapath(world);
    const seen = new Set<string>();
    for (let i = 1; i <= 30; i++) seen.add(dp.tracePacket({ from: { external: `203.0.113.${i}`, via: "node-1" }, to: { ip: "10.96.0.10", port: 80 }, rng: new Rng(i) }).endpoint!);
    assert.equal(seen.size, 3);
  });

  it("NodePort: Cluster policy masquerades to the node IP; Local keeps the client IP and uses local real servers", () => {
    for (const local of [false, true]) {
      const dp = new Datapath(proxiedWorld("ipvs", manyServices(1, { nodePort: 30080, externalTrafficPolicyLocal: local })));
      for (const [via, node] of [["192.168.0.11", "node-1"], ["192.168.0.12", "node-2"]] as const) {
        for (let i = 0; i < 6; i++) {
          const t = dp.tracePacket({ from: { external: "203.0.113.5" }, to: { ip: via, port: 30080 }, rng: new Rng(i), sport: 41000 + i });
          assert.equal(t.verdict, "delivered");
          assert.equal(t.replyFrom, `${via}:30080`);
          assert.equal(t.request.result.srcIp, local ? "203.0.113.5" : via);
          if (local) assert.equal(t.node, node);
        }
      }
    }
  });

  it("ClientIP affinity is IPVS persistence: one client sticks to one real server", () => {
    const o = manyServices(1, { sessionAffinity: true });
    const t = simulateTraffic(proxiedWorld("ipvs", o), { from: { pod: "default/client" }, to: { ip: "10.96.0.10", port: 80 }, connections: 900, rng: new Rng(1) });
    assert.equal(t.byEndpoint.length, 1);
  });

  it("rules evaluated per new connection grow linearly with Services in iptables mode, not in IPVS mode", () => {
    const measure = (mode: "iptables" | "ipvs", n: number) => {
      const world = proxiedWorld(mode, manyServices(n));
      // The last Service's rule is the deepest in KUBE-SERVICES.
      const t = simulateTraffic(world, { from: { pod: "default/client" }, to: { ip: `10.96.${((n - 1 + 10) >> 8) & 255}.${(n - 1 + 10) & 255}`, port: 80 }, connections: 200, rng: new Rng(1) });
      assert.equal(t.succeeded, 200, `${mode} ${n}: ${JSON.stringify(t.failures)}`);
      return t.rulesEvaluatedPerConnection;
    };
    const ipt = [10, 100, 1000].map((n) => measure("iptables", n));
    const ipvs = [10, 100, 1000].map((n) => measure("ipvs", n));
    // +90 and +900 Services: at least one more KUBE-SERVICES rule per Service, on two nodes' worth of hooks.
    assert.ok(ipt[1]! - ipt[0]! >= 90 && ipt[2]! - ipt[1]! >= 900, `iptables: ${ipt.join(", ")}`);
    assert.ok(Math.abs((ipt[2]! - ipt[1]!) / (ipt[1]! - ipt[0]!) - 10) < 0.5, `not linear: ${ipt.join(", ")}`);
    assert.equal(ipvs[0], ipvs[1]);
    assert.equal(ipvs[1], ipvs[2]);
    assert.ok(ipvs[2]! < 40, `ipvs: ${ipvs.join(", ")}`);
  });
});

function formatLine(rt: IpvsRuntime): string {
  const svc = rt.all()[0]!;
  return svc.dests.map((d) => `${d.ip === parseIPv4("10.244.2.7") ? "10.244.2.7:8080" : "x"}  Masq  ${d.weight} ${d.activeConns} ${d.inactConns}`).join("\n");
}
