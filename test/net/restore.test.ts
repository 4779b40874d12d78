import * as assert from "node:assert/strict";
import { Rng } from "../../src/sim/rng";
import { Datapath } from "../../src/net/datapath";
import { parseIPv4 } from "../../src/util/ipv4";
import { compileRuleset, type EvalEnv, type NetPacket } from "../../src/net/netfilter";
import { CT, RestoreParseError, parseRestore } from "../../src/net/restore";
import { tokenize } from "../../src/util/iptables/tokenize";
import { clusterIPOf, manyServices, proxiedWorld } from "./cluster";
import { twoNodeWorld } from "./fixtures";

const HEAD = "*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n";

function parseError(text: string): RestoreParseError {
  try {
    parseRestore(text);
  } catch (e) {
    assert.ok(e instanceof RestoreParseError, String(e));
    return e;
  }
  assert.fail("expected a parse error");
}

function env(): EvalEnv {
  return { isLocal: () => false, ipset: () => undefined, recent: new Map(), rng: new Rng(1), now: 0, masqueradeAddress: () => 0 };
}

function pkt(dst: string, dport: number): NetPacket {
  return { src: parseIPv4("10.244.1.2"), dst: parseIPv4(dst), sport: 40000, dport, proto: 6, mark: 0, inIface: "cali0", outIface: "", ct: CT.NEW, ipvs: null };
}

describe("net: iptables-restore parsing", () => {
  const cases: [string, string, number, RegExp][] = [
    ["unknown option", `${HEAD}-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp --frobnicate 3 -j ACCEPT\nCOMMIT\n`, 5, /unknown option "--frobnicate"/],
    ["unknown match module", `${HEAD}-A KUBE-SERVICES -m bpf --bytecode 1 -j ACCEPT\nCOMMIT\n`, 5, /unknown match module "-m bpf"/],
    ["jump to a missing chain", `${HEAD}-A KUBE-SERVICES -j KUBE-SVC-NOPE\nCOMMIT\n`, 5, /no such chain or target/],
    ["rule in an undeclared chain", `${HEAD}-A KUBE-NODEPORTS -j ACCEPT\nCOMMIT\n`, 5, /chain "KUBE-NODEPORTS" does not exist/],
    ["DNAT outside nat", "*filter\n:FORWARD ACCEPT [0:0]\n-A FORWARD -j DNAT --to-destination 10.0.0.1:80\nCOMMIT\n", 3, /only valid in the nat table/],
    ["--dport without -p", `${HEAD}-A KUBE-SERVICES --dport 80 -j ACCEPT\nCOMMIT\n`, 5, /unknown option "--dport"/],
    ["-m tcp without -p tcp", `${HEAD}-A KUBE-SERVICES -m tcp --dport 80 -j ACCEPT\nCOMMIT\n`, 5, /-m tcp requires -p tcp/],
    ["bad address", `${HEAD}-A KUBE-SERVICES -d 10.96.0.300 -j ACCEPT\nCOMMIT\n`, 5, /invalid IPv4 address "10.96.0.300"/],
    ["missing COMMIT", `${HEAD}-A KUBE-SERVICES -j ACCEPT\n`, 1, /has no COMMIT/],
    ["bad probability", `${HEAD}-A KUBE-SERVICES -m statistic --mode random --probability 1.5 -j ACCEPT\nCOMMIT\n`, 5, /invalid probability/],
  ];
  for (const [name, text, line, re] of cases) {
    it(`refuses ${name}, naming line ${line}`, () => {
      const e = parseError(text);
      assert.equal(e.line, line);
      assert.match(e.message, new RegExp(`^iptables-restore: line ${line} failed: `));
      assert.match(e.message, re);
      assert.ok(e.message.includes(`${line} | `), e.message);
    });
  }

  it("tokenizes quoted comments the way iptables-restore does", () => {
    assert.deepEqual(tokenize('-A X -m comment --comment "default/web:http cluster IP" -j Y'), [
      "-A", "X", "-m", "comment", "--comment", "default/web:http cluster IP", "-j", "Y",
    ]);
    assert.deepEqual(tokenize('-m comment --comment "say \\"hi\\""'), ["-m", "comment", "--comment", 'say "hi"']);
  });

  it("accepts kube-proxy's option order and iptables-save's (options after -m tcp, ! before options)", () => {
    const kp = parseRestore(`${HEAD}-A KUBE-SERVICES -m comment --comment "ns/svc:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ\n-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\nCOMMIT\n`);
    const nf = compileRuleset(kp);
    const p = pkt("172.30.0.41", 80);
    p.src = parseIPv4("192.168.0.5");
    const stats = { rulesEvaluated: 0 };
    nf.run("nat", "KUBE-SERVICES", p, env(), stats, null);
    assert.equal(p.mark, 0x4000);
    const q = pkt("172.30.0.41", 81);
    q.src = parseIPv4("192.168.0.5");
    nf.run("nat", "KUBE-SERVICES", q, env(), stats, null);
    assert.equal(q.mark, 0);
  });

  it("applies MARK like the kernel: --set-xmark clears then xors, --xor-mark toggles", () => {
    const nf = compileRuleset(
      parseRestore(`${HEAD}-A KUBE-SERVICES -j MARK --set-xmark 0x4000/0x4000\n-A KUBE-SERVICES -j MARK --or-mark 0x1\n-A KUBE-SERVICES -j MARK --set-xmark 0x4000/0x0\nCOMMIT\n`),
    );
    const p = pkt("10.0.0.1", 80);
    p.mark = 0x8000;
    nf.run("nat", "KUBE-SERVICES", p, env(), { rulesEvaluated: 0 }, null);
    assert.equal(p.mark, 0x8001);
  });

  it("parses iptables-save output of a real kube-proxy ruleset (src/proxy/iptables) for 100 Services", () => {
    const world = proxiedWorld("iptables", manyServices(100));
    const rs = parseRestore(world.nodes[0]!.iptablesSave());
    assert.ok(rs.tables.get("nat")!.chains.get("KUBE-SERVICES")!.rules.length >= 100);
  });

  it("counts the same rules with and without the KUBE-SERVICES index", () => {
    const world = proxiedWorld("iptables", manyServices(100));
    for (const i of [0, 37, 99]) {
      const traced = new Datapath(world).tracePacket({ from: { pod: "default/client" }, to: { ip: clusterIPOf(i), port: 80 }, rng: new Rng(i), reply: false });
      const fast = new Datapath(world).connect({ pod: "default/client" }, parseIPv4(clusterIPOf(i)), 80, 6, 40000, new Rng(i));
      assert.equal(fast.rules, traced.rulesEvaluated, `service ${i}`);
      assert.equal(fast.delivery.result.ip, traced.request.result.ip);
      const svcRules = traced.request.events.flatMap((e) => (e.kind === "hook" ? e.rules : [])).filter((r) => r.chain === "KUBE-SERVICES" && r.table === "nat");
      // The kernel walks KUBE-SERVICES linearly up to this Service's rule.
      assert.ok(svcRules.length >= i + 1);
    }
  });

  it("ClientIP affinity expires after the timeout (-m recent --rcheck --seconds 10800 --reap)", () => {
    const dp = new Datapath(twoNodeWorld());
    const first = dp.tracePacket({ from: { pod: "default/client" }, to: { ip: "10.96.0.50", port: 80 }, rng: new Rng(1), sport: 41000 });
    const seen = new Set<string>();
    dp.now = 10_799;
    for (let i = 0; i < 10; i++) seen.add(dp.tracePacket({ from: { pod: "default/client" }, to: { ip: "10.96.0.50", port: 80 }, rng: new Rng(i), sport: 42000 + i }).endpoint!);
    assert.deepEqual([...seen], [first.endpoint]);
    // Past the timeout the entry is reaped and the statistic rules choose again.
    const later = new Set<string>();
    for (let i = 0; i < 20; i++) {
      dp.now += 10_801;
      later.add(dp.tracePacket({ from: { pod: "default/client" }, to: { ip: "10.96.0.50", port: 80 }, rng: new Rng(100 + i), sport: 43000 + i }).endpoint!);
    }
    assert.equal(later.size, 2);
  });
});
