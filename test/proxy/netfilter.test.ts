/**
 * The real judge: load kube-proxy's rules into Linux netfilter inside network namespaces and
 * send real TCP connections through them.
 *
 * Topology (all namespaces prefixed `klp-`, nothing leaves them):
 *   klp-sink ── veth ── klp-node ──┬── veth ── klp-p1 (10.244.1.11, TCP server on :8080)
 *   192.168.0.1       192.168.0.2  ├── veth ── klp-p2 (10.244.1.12)
 *                                  ├── veth ── klp-p3 (10.244.1.13)
 *                                  └── veth ── klp-c  (10.244.1.100, a client pod)
 * Pods get a /32 and a default route via 169.254.1.1, which sits on every node-side veth
 * (Calico style); the node routes each pod /32 to its veth.
 *
 * Needs Debian packages `iptables` and `iproute2`, and root (CAP_NET_ADMIN).
 */
import * as assert from "node:assert/strict";
import { spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildNodeTopology, deleteNamespaces, inNs, needTool, startPodServers } from "../netns";
import { setupOpArgv, setupOpCheckArgv, syncIptables, type IptablesRuleset } from "../../src/proxy/iptables";
import type { EndpointSlice, Service } from "../../src/api/types";
import { ep, slice, svc, tcp } from "./fixtures";

const prefix = "klp-";
const pods = [
  { ns: "klp-p1", ip: "10.244.1.11", name: "web-1" },
  { ns: "klp-p2", ip: "10.244.1.12", name: "web-2" },
  { ns: "klp-p3", ip: "10.244.1.13", name: "web-3" },
];
const client = { ns: "klp-c", ip: "10.244.1.100" };
const nodeNs = "klp-node";
const nodeName = "node-1";
const nodeIP = "192.168.0.2";

// Chi-square critical value for df = 2 at a false-failure rate of 1e-4: -2·ln(1e-4) = 18.42
// (for two degrees of freedom the chi-square tail is exactly exp(-x/2)).
const chiSquareCritical2df = -2 * Math.log(1e-4);

function buildTopology(): void {
  buildNodeTopology({ prefix: "klp", nodeNs, nodeIP, pods: [...pods, client], clientLast: true });
}


const clientJs = `
const net = require("net");
const [host, port, count] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const counts = {}, errors = {};
const t0 = Date.now();
function one(i) {
  if (i >= count) { process.stdout.write(JSON.stringify({ counts, errors, ms: Date.now() - t0 })); return; }
  let data = "";
  const s = net.connect({ host, port });
  s.setTimeout(3000, () => s.destroy(new Error("ETIMEDOUT")));
  s.on("data", (d) => (data += d));
  s.on("end", () => { const n = data.trim(); counts[n] = (counts[n] || 0) + 1; });
  s.on("close", () => one(i + 1));
  s.on("error", (e) => { errors[e.code || e.message] = (errors[e.code || e.message] || 0) + 1; });
}
one(0);
`;

interface ClientResult {
  counts: Record<string, number>;
  errors: Record<string, number>;
  ms: number;
}

function connect(ns: string, host: string, port: number, count: number, dir: string): ClientResult {
  const out = inNs(ns, process.execPath, [path.join(dir, "client.js"), host, String(port), String(count)]);
  return JSON.parse(out) as ClientResult;
}

function chiSquare(observed: number[], expectedShares: number[]): number {
  const n = observed.reduce((a, b) => a + b, 0);
  return observed.reduce((s, o, i) => s + (o - n * expectedShares[i]!) ** 2 / (n * expectedShares[i]!), 0);
}

function workload(): { services: Service[]; slices: EndpointSlice[] } {
  const webEps = pods.map((p) => ep(p.ip, { nodeName, targetRef: { kind: "Pod", namespace: "default", name: p.name } }));
  const web8080 = [{ name: "http", port: 8080 }];
  return {
    services: [
      svc("default", "web", { type: "NodePort", clusterIP: "10.96.0.10", ports: [tcp("http", 80, { targetPort: 8080, nodePort: 30080 })] }),
      svc("default", "sticky", {
        clusterIP: "10.96.0.11", ports: [tcp("http", 80, { targetPort: 8080 })],
        sessionAffinity: "ClientIP", sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
      }),
      svc("default", "empty", { clusterIP: "10.96.0.12", ports: [tcp("http", 80, { targetPort: 8080 })] }),
      // The remaining kinds are loaded too, so iptables-restore and iptables-save judge them.
      svc("default", "local-lb", {
        type: "LoadBalancer", externalTrafficPolicy: "Local", clusterIP: "10.96.0.13", healthCheckNodePort: 32000,
        externalIPs: ["192.168.99.22"], ports: [tcp("http", 80, { targetPort: 8080, nodePort: 30081 })],
      }, { loadBalancer: { ingress: [{ ip: "1.2.3.4" }] } }),
      svc("default", "fw-lb", {
        type: "LoadBalancer", clusterIP: "10.96.0.14", loadBalancerSourceRanges: ["192.168.0.0/24", "203.0.113.0/25"],
        ports: [tcp("http", 80, { targetPort: 8080, nodePort: 30082 })],
      }, { loadBalancer: { ingress: [{ ip: "5.6.7.8" }] } }),
      svc("default", "itp-local", { internalTrafficPolicy: "Local", clusterIP: "10.96.0.15", ports: [tcp("http", 80, { targetPort: 8080 })] }),
      svc("kube-system", "kube-dns", {
        clusterIP: "10.96.0.53",
        ports: [{ name: "dns", port: 53, protocol: "UDP" }, { name: "dns-tcp", port: 53, protocol: "TCP" }],
      }),
    ],
    slices: [
      slice("default", "web", webEps, web8080),
      slice("default", "sticky", webEps, web8080),
      slice("default", "local-lb", [ep("10.244.1.11", { nodeName }), ep("10.244.2.7", { nodeName: "node-2" })], web8080),
      slice("default", "fw-lb", [ep("10.244.2.8", { nodeName: "node-2" })], web8080),
      slice("default", "itp-local", [ep("10.244.2.9", { nodeName: "node-2" })], web8080),
      slice("kube-system", "kube-dns", [ep("10.244.2.10", { nodeName: "node-2" })], [
        { name: "dns", port: 53, protocol: "UDP" }, { name: "dns-tcp", port: 53, protocol: "TCP" },
      ]),
    ],
  };
}

describe("proxy/iptables on real netfilter (network namespaces)", function () {
  this.timeout(60_000);
  const servers: ChildProcess[] = [];
  let dir = "";
  let rs: IptablesRuleset;

  before(async function () {
    needTool("ip", "iproute2");
    needTool("iptables", "iptables");
    needTool("iptables-restore", "iptables");
    needTool("iptables-save", "iptables");
    if (process.getuid?.() !== 0) throw new Error("the netfilter test needs root (CAP_NET_ADMIN) to create network namespaces");
    deleteNamespaces(prefix);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "klp-"));
    fs.writeFileSync(path.join(dir, "client.js"), clientJs);
    buildTopology();

    const { services, slices } = workload();
    rs = syncIptables({ node: { name: nodeName, ips: [nodeIP] }, services, endpointSlices: slices, config: { clusterCIDR: "10.244.0.0/16" } });
    // What kubelet and kube-proxy do before the first restore: EnsureChain / EnsureRule (-C, then -I).
    for (const op of rs.setupOps()) {
      const check = setupOpCheckArgv(op);
      if (check && spawnSync("ip", ["netns", "exec", nodeNs, "iptables", "-w", ...check], { stdio: "ignore" }).status === 0) continue;
      const r = spawnSync("ip", ["netns", "exec", nodeNs, "iptables", "-w", ...setupOpArgv(op)], { encoding: "utf8" });
      // -N on an existing chain fails with "Chain already exists": EnsureChain ignores that too.
      if (r.status !== 0 && !(op.op === "chain" && /exists/i.test(r.stderr))) throw new Error(`iptables ${setupOpArgv(op).join(" ")}: ${r.stderr}`);
    }
    inNs(nodeNs, "iptables-restore", ["-w", "--noflush", "--counters"], rs.restoreInput());

    await startPodServers(dir, pods, servers);
  });

  after(function () {
    for (const s of servers) if (s.exitCode === null) s.kill("SIGKILL");
    deleteNamespaces(prefix);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("iptables-save in the node namespace equals save() line for line", () => {
    const strip = (text: string) =>
      text
        .split("\n")
        .filter((l) => l !== "" && !l.startsWith("#"))
        .map((l) => l.replace(/ \[\d+:\d+\]$/, ""));
    const real = strip(inNs(nodeNs, "iptables-save", []));
    const ours = strip(rs.save({ counters: false }));
    assert.deepEqual(real, ours);
  });

  const predicted = () => {
    const svcRows = rs.rows().filter((r) => r.servicePortName === "default/web:http" && r.effectiveShare !== undefined);
    const byPod = new Map(pods.map((p) => [`${p.ip}:8080`, p.name]));
    return svcRows.map((r) => ({ pod: byPod.get(r.endpoint!)!, share: r.effectiveShare! }));
  };

  for (const from of ["node", "pod"] as const) {
    it(`connections to the ClusterIP from the ${from} land on the pods in the predicted proportions`, () => {
      const n = from === "node" ? 300 : 240;
      const res = connect(from === "node" ? nodeNs : client.ns, "10.96.0.10", 80, n, dir);
      assert.deepEqual(res.errors, {});
      const shares = predicted();
      assert.equal(shares.length, 3);
      const observed = shares.map((s) => res.counts[s.pod] ?? 0);
      assert.equal(observed.reduce((a, b) => a + b, 0), n, `every connection lands on a pod: ${JSON.stringify(res.counts)}`);
      const x2 = chiSquare(observed, shares.map((s) => s.share));
      assert.ok(x2 < chiSquareCritical2df, `chi-square ${x2.toFixed(2)} ≥ ${chiSquareCritical2df.toFixed(2)} for ${JSON.stringify(res.counts)}`);
    });
  }

  it("the NodePort on the node's address spreads over the same pods", () => {
    const res = connect(client.ns, nodeIP, 30080, 60, dir);
    assert.deepEqual(res.errors, {});
    assert.equal(Object.values(res.counts).reduce((a, b) => a + b, 0), 60);
    for (const name of Object.keys(res.counts)) assert.ok(pods.some((p) => p.name === name), name);
  });

  it("a ClientIP-affinity service sends each client to one pod", () => {
    for (const ns of [nodeNs, client.ns]) {
      const res = connect(ns, "10.96.0.11", 80, 40, dir);
      assert.deepEqual(res.errors, {});
      assert.equal(Object.keys(res.counts).length, 1, `${ns}: ${JSON.stringify(res.counts)}`);
      assert.equal(Object.values(res.counts)[0], 40);
    }
  });

  it("a service without endpoints is rejected (connection refused by the REJECT rule)", () => {
    for (const ns of [nodeNs, client.ns]) {
      const res = connect(ns, "10.96.0.12", 80, 5, dir);
      assert.deepEqual(res.counts, {});
      assert.deepEqual(res.errors, { ECONNREFUSED: 5 });
      assert.ok(res.ms < 2000, `refused quickly (${res.ms} ms)`);
    }
    // ...and it was the kube-proxy REJECT rule that did it.
    const filter = inNs(nodeNs, "iptables", ["-t", "filter", "-L", "KUBE-SERVICES", "-v", "-n", "-x"]);
    const line = filter.split("\n").find((l) => l.includes("default/empty:http has no endpoints"));
    assert.ok(line && Number(line.trim().split(/\s+/)[0]) >= 10, `REJECT rule counters: ${line}`);
  });
});
