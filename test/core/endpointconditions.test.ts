import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { newCluster } from "./helpers";

/**
 * discovery.k8s.io/v1 EndpointConditions are optional: a nil `ready` or `serving` means true, a nil
 * `terminating` false (the API reference; kube-proxy's endpointslice cache and CoreDNS's
 * endpointsliceReady read them that way). Every consumer must take a slice without them.
 */
const cases: { name: string; conditions: string; ready: boolean; serving: boolean; terminating: boolean; dns: boolean; traffic: boolean }[] = [
  { name: "conditions omitted", conditions: "", ready: true, serving: true, terminating: false, dns: true, traffic: true },
  { name: "conditions: {}", conditions: "conditions: {}", ready: true, serving: true, terminating: false, dns: true, traffic: true },
  { name: "only terminating: true (nil ready still means ready)", conditions: "conditions: { terminating: true }", ready: true, serving: true, terminating: true, dns: true, traffic: true },
  { name: "ready: false, serving omitted", conditions: "conditions: { ready: false }", ready: false, serving: true, terminating: false, dns: false, traffic: false },
  // kube-proxy falls back to serving terminating endpoints when no endpoint is ready.
  { name: "ready: false, serving: true, terminating: true", conditions: "conditions: { ready: false, serving: true, terminating: true }", ready: false, serving: true, terminating: true, dns: false, traffic: true },
];

function manifests(conditions: string, podIP: string): string {
  return `apiVersion: v1
kind: Service
metadata: { name: db }
spec: { ports: [{ port: 80, targetPort: 8080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: db-headless }
spec: { clusterIP: None, ports: [{ port: 80, targetPort: 8080 }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: db-1, labels: { kubernetes.io/service-name: db } }
addressType: IPv4
ports: [{ port: 8080 }]
endpoints:
  - addresses: ["${podIP}"]
    ${conditions}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: db-headless-1, labels: { kubernetes.io/service-name: db-headless } }
addressType: IPv4
ports: [{ port: 8080 }]
endpoints:
  - addresses: ["${podIP}"]
    ${conditions}
`;
}

const backend = `apiVersion: v1
kind: Pod
metadata: { name: backend }
spec: { containers: [{ name: web, image: nginx:1.27, ports: [{ containerPort: 8080 }] }] }
---
apiVersion: v1
kind: Pod
metadata: { name: client }
spec: { containers: [{ name: c, image: busybox:1.36 }] }
`;

describe("EndpointSlice endpoints without conditions", () => {
  for (const tc of cases) {
    it(`${tc.name}: ready=${tc.ready} serving=${tc.serving} terminating=${tc.terminating} in every consumer`, () => {
      for (const proxyMode of ["iptables", "ipvs"] as const) {
        const c = newCluster({ proxyMode });
        c.apply(backend);
        c.settle();
        const ip = c.get<"Pod">("pod/backend").status!.podIP!;
        c.apply(manifests(tc.conditions, ip));
        c.settle(); // used to throw TypeError in the DNS component
        const row = c.endpoints("db").rows[0]!;
        assert.deepEqual([row.ready, row.serving, row.terminating], [tc.ready, tc.serving, tc.terminating]);
        const a = c.dns.query("db-headless.default.svc.cluster.local", "A");
        assert.deepEqual(a.records, tc.dns ? [`db-headless.default.svc.cluster.local. 30 IN A ${ip}`] : []);
        const rules = proxyMode === "iptables" ? c.node("node-1").iptables.save() : c.node("node-1").ipvs.ipvsadm();
        assert.equal(rules.includes(`${ip}:8080`), tc.traffic, rules);
        const t = c.traffic({ from: "pod/client", to: "db:80", connections: 20 });
        assert.equal(t.result.succeeded, tc.traffic ? 20 : 0, JSON.stringify(t.result.failures));
        if (!tc.traffic && proxyMode === "iptables") assert.match(t.result.failures[0]!.reason, /^rejected by node-\d \(filter KUBE-SERVICES rule \d+: icmp-port-unreachable\)$/);
      }
    });
  }

  it("kubelab dns serves a headless Service whose slice has no conditions (dig, Debian dnsutils)", async function () {
    this.timeout(60_000);
    if (spawnSync("dig", ["-v"]).error) assert.fail("dig is missing: install the Debian package dnsutils");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-cond-"));
    const file = path.join(dir, "db.yaml");
    fs.writeFileSync(file, manifests("", "10.244.1.77"));
    const cli = path.resolve(__dirname, "../../src/cli.js");
    const server = spawn(process.execPath, [cli, "dns", "--listen", "127.0.0.1:0", "--seed", "5", file], { stdio: ["ignore", "pipe", "pipe"] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = "";
        let err = "";
        server.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const m = /on 127\.0\.0\.1:(\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        server.stderr.on("data", (d: Buffer) => (err += d.toString()));
        server.on("exit", (code) => reject(new Error(`kubelab dns exited with ${code}: ${err}`)));
      });
      const a = spawnSync("dig", ["+short", "+noedns", "-p", String(port), "@127.0.0.1", "db-headless.default.svc.cluster.local", "A"], { encoding: "utf8" });
      assert.equal(a.stdout.trim(), "10.244.1.77");
    } finally {
      server.kill("SIGTERM");
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
