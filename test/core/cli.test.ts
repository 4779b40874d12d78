import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import * as path from "node:path";
import { Cluster } from "../../src/cluster";

const root = path.resolve(__dirname, "../../..");
const cli = path.join(root, "dist/src/cli.js");

describe("the kubelab command", () => {
  it("demo prints the workflow, kube-proxy's rules and a DNS walk for hello-world", () => {
    const r = spawnSync(process.execPath, [cli, "demo", "--replicas", "3", "--seed", "9"], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /deployment\.apps\/hello-world created/);
    assert.match(r.stdout, /kube-scheduler -> kube-apiserver bind pod\/default\/hello-world-/);
    assert.match(r.stdout, /cri@node-\d -> cni@node-\d ADD pod\/default\/hello-world-/);
    assert.equal((r.stdout.match(/-m statistic --mode random --probability/g) ?? []).length, 2, "3 endpoints: 2 statistic rules");
    assert.match(r.stdout, /getaddrinfo\("hello-world"\)/);
  });

  it("rejects bad arguments with a message and a non-zero exit", () => {
    const r = spawnSync(process.execPath, [cli, "demo", "--replicas", "many"], { encoding: "utf8" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--replicas must be a non-negative integer, got "many"/);
  });

  it("dns serves the simulated cluster's records to dig (Debian dnsutils)", async function () {
    this.timeout(60_000);
    const dig = spawnSync("dig", ["-v"], { encoding: "utf8" });
    if (dig.error) assert.fail("dig is missing: install the Debian package dnsutils");
    const server = spawn(process.execPath, [cli, "dns", "--listen", "127.0.0.1:0", "--seed", "5", "hello-world.yaml"], { stdio: ["ignore", "pipe", "pipe"] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = "";
        server.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const m = /on 127\.0\.0\.1:(\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        server.on("exit", (code) => reject(new Error(`kubelab dns exited with ${code}`)));
      });
      // The same seed and manifests give the same ClusterIP in-process.
      const c = new Cluster({ nodes: 3, seed: 5 });
      c.apply("hello-world.yaml");
      c.settle();
      const ip = c.get<"Service">("service/hello-world").spec.clusterIP!;
      const a = spawnSync("dig", ["+short", "+noedns", "-p", String(port), "@127.0.0.1", "hello-world.default.svc.cluster.local", "A"], { encoding: "utf8" });
      assert.equal(a.stdout.trim(), ip);
      const nx = spawnSync("dig", ["+noedns", "-p", String(port), "@127.0.0.1", "nope.default.svc.cluster.local", "A"], { encoding: "utf8" });
      assert.match(nx.stdout, /status: NXDOMAIN/);
      assert.match(nx.stdout, /flags: qr aa rd;/);
    } finally {
      server.kill("SIGTERM");
    }
  });
});

describe("kubelab start", () => {
  it("says what to install when Jupyter is missing", () => {
    // A PATH with node but without any jupyter command.
    const r = spawnSync(process.execPath, [cli, "start"], { encoding: "utf8", env: { ...process.env, PATH: path.dirname(process.execPath) === "/usr/bin" ? "/nonexistent" : path.dirname(process.execPath) } });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Jupyter is not installed\. Install Jupyter Notebook \(Debian: apt-get install jupyter-notebook\) or JupyterLab/);
  });
});
