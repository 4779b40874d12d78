import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { Cluster } from "../../src/cluster";
import { startOptions } from "../../src/cli";

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

  const opts: { name: string; args: string[]; env: NodeJS.ProcessEnv; uid: number; want: string[] }[] = [
    { name: "root without a display", args: [], env: {}, uid: 0, want: ["--allow-root", "--no-browser"] },
    { name: "a user at a desktop", args: [], env: { DISPLAY: ":0" }, uid: 1000, want: [] },
    { name: "root on Wayland", args: [], env: { WAYLAND_DISPLAY: "wayland-0" }, uid: 0, want: ["--allow-root"] },
    { name: "the user's own options win", args: ["--allow-root", "--browser=firefox"], env: {}, uid: 0, want: ["--allow-root", "--browser=firefox"] },
  ];
  for (const o of opts) it(`passes Jupyter the options for ${o.name}`, () => assert.deepEqual(startOptions(o.args, o.env, o.uid, "linux"), o.want));

  it("runs Jupyter as root on a headless machine and prints the URL with its token", async function () {
    this.timeout(90_000);
    if (spawnSync("jupyter-notebook", ["--version"]).status !== 0 && spawnSync("jupyter-lab", ["--version"]).status !== 0) assert.fail("Jupyter is missing: install the Debian package jupyter-notebook");
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-start-"));
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, JUPYTER_DATA_DIR: path.join(home, "data"), JUPYTER_RUNTIME_DIR: path.join(home, "run"), JUPYTER_CONFIG_DIR: path.join(home, "config") };
    delete env["DISPLAY"];
    delete env["WAYLAND_DISPLAY"];
    const p = spawn(process.execPath, [cli, "start", `--port=${port}`, "--ip=127.0.0.1"], { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let out = "";
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const onData = (d: Buffer): void => {
          out += d.toString();
          const m = new RegExp(`http://127\\.0\\.0\\.1:${port}/\\S*\\?token=[0-9a-f]{16,}`).exec(out);
          if (m) resolve(m[0]);
        };
        p.stdout.on("data", onData);
        p.stderr.on("data", onData);
        p.on("exit", (code) => reject(new Error(`kubelab start exited with ${code}:\n${out}`)));
      });
      if (process.getuid?.() === 0) assert.match(out, /no display here, so no browser is opened/);
      const res = await fetch(url);
      assert.equal(res.status, 200, `${url} answers`);
    } finally {
      try {
        process.kill(-p.pid!, "SIGTERM");
      } catch {
        /* already gone */
      }
      await new Promise((r) => (p.exitCode === null ? p.on("exit", r) : r(undefined)));
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
