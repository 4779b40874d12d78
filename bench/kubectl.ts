/**
 * A real kubectl against `kubelab serve`: the median wall time of `kubectl get pods` (process
 * start to exit, so it includes kubectl's own start-up and discovery) with 100 and 5,000 pods,
 * the same command through `cluster.kubectl(...)` in process, and `kubectl apply -f` of a
 * 100-object manifest (50 Deployments + 50 Services): created, then unchanged; and how long after
 * `kubectl scale` a running `kubectl get pods -w` shows the new pods (issue 14 asks for under a
 * second of wall time; the oracle test checks only what the stream shows, never how fast).
 *
 * Run: `node dist/bench/kubectl.js` (needs `kubectl` on PATH).
 *
 * @example
 * ```sh
 * node dist/bench/kubectl.js
 * ```
 */
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { Cluster } from "../src/cluster";
import { serveCluster } from "../src/serve/http";

const run = promisify(execFile);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await f();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function getPods(pods: number, runs: number): Promise<void> {
  const nodes = Math.max(2, Math.ceil(pods / 100));
  const cluster = new Cluster({ nodes, seed: 1, clusterCIDR: "10.0.0.0/8", trace: false });
  const t0 = process.hrtime.bigint();
  cluster.kubectl(`create deployment web --image=nginx --replicas=${pods}`);
  cluster.settle();
  const settleMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const server = await serveCluster(cluster, { port: 0 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-bench-"));
  const kubeconfig = path.join(dir, "kubeconfig");
  fs.writeFileSync(kubeconfig, server.kubeconfig());
  try {
    const real: number[] = [];
    let lines = 0;
    for (let i = 0; i < runs; i++) {
      real.push(
        await timed(async () => {
          const { stdout } = await run("kubectl", ["--kubeconfig", kubeconfig, "get", "pods"], { maxBuffer: 64 << 20 });
          lines = stdout.split("\n").length - 2;
        }),
      );
    }
    const cell: number[] = [];
    for (let i = 0; i < runs; i++) cell.push(await timed(async () => cluster.kubectl("get pods")));
    console.log(
      `get pods, ${pods} pods (${lines} rows; cluster built in ${(settleMs / 1000).toFixed(1)} s): real kubectl median ${median(real).toFixed(0)} ms ` +
        `(min ${Math.min(...real).toFixed(0)}), cluster.kubectl median ${median(cell).toFixed(1)} ms, ${runs} runs`,
    );
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function applyManifest(): Promise<void> {
  const cluster = new Cluster({ nodes: 3, seed: 1, trace: false });
  const server = await serveCluster(cluster, { port: 0 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-bench-"));
  const kubeconfig = path.join(dir, "kubeconfig");
  fs.writeFileSync(kubeconfig, server.kubeconfig());
  const manifest = path.join(dir, "app.yaml");
  const docs: string[] = [];
  for (let i = 0; i < 50; i++) {
    docs.push(
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${i}\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: app-${i}\n  template:\n    metadata:\n      labels:\n        app: app-${i}\n    spec:\n      containers:\n      - name: web\n        image: nginx\n        ports:\n        - containerPort: 8080\n`,
      `apiVersion: v1\nkind: Service\nmetadata:\n  name: app-${i}\nspec:\n  selector:\n    app: app-${i}\n  ports:\n  - port: 80\n    targetPort: 8080\n`,
    );
  }
  fs.writeFileSync(manifest, docs.join("---\n"));
  try {
    let out = "";
    const first = await timed(async () => (out = (await run("kubectl", ["--kubeconfig", kubeconfig, "apply", "-f", manifest], { maxBuffer: 16 << 20 })).stdout));
    const created = out.split("\n").filter((l) => l.endsWith(" created")).length;
    const second = await timed(async () => (out = (await run("kubectl", ["--kubeconfig", kubeconfig, "apply", "-f", manifest], { maxBuffer: 16 << 20 })).stdout));
    const unchanged = out.split("\n").filter((l) => l.endsWith(" unchanged")).length;
    console.log(`apply -f of 100 objects: real kubectl ${first.toFixed(0)} ms (${created} created), again ${second.toFixed(0)} ms (${unchanged} unchanged)`);
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `kubectl get pods -w` runs while `kubectl scale` adds a pod, five times: wall time from starting
 * `kubectl scale` (its process start-up included) to the new pod's first row, and to its `1/1 Running` row.
 */
async function watchAfterScale(): Promise<void> {
  const cluster = new Cluster({ nodes: 2, seed: 11, trace: false });
  cluster.kubectl("create deployment web --image=nginx --replicas=1");
  cluster.settle();
  const server = await serveCluster(cluster, { port: 0 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-bench-"));
  const kubeconfig = path.join(dir, "kubeconfig");
  fs.writeFileSync(kubeconfig, server.kubeconfig());
  const watch = spawn("kubectl", ["--kubeconfig", kubeconfig, "get", "pods", "-w"], { stdio: ["ignore", "pipe", "pipe"] });
  const rows: { at: number; cells: string[] }[] = [];
  let partial = "";
  watch.stdout.on("data", (d: Buffer) => {
    const at = performance.now();
    const lines = (partial + d.toString()).split("\n");
    partial = lines.pop()!;
    for (const l of lines) rows.push({ at, cells: l.trim().split(/\s+/) });
  });
  const waitFor = async (ok: () => boolean): Promise<void> => {
    for (const deadline = Date.now() + 30_000; !ok(); await new Promise((r) => setTimeout(r, 5))) if (Date.now() > deadline) throw new Error(`kubectl get pods -w stalled:\n${rows.map((r) => r.cells.join(" ")).join("\n")}`);
  };
  try {
    await waitFor(() => rows.length >= 2);
    const toRow: number[] = [];
    const toRunning: number[] = [];
    for (let replicas = 2; replicas <= 6; replicas++) {
      const known = new Set(rows.map((r) => r.cells[0]));
      const t0 = performance.now();
      await run("kubectl", ["--kubeconfig", kubeconfig, "scale", "deployment", "web", `--replicas=${replicas}`]);
      const fresh = (): { at: number; cells: string[] }[] => rows.filter((r) => !known.has(r.cells[0]));
      await waitFor(() => fresh().some((r) => r.cells[1] === "1/1" && r.cells[2] === "Running"));
      toRow.push(fresh()[0]!.at - t0);
      toRunning.push(fresh().find((r) => r.cells[1] === "1/1")!.at - t0);
    }
    console.log(
      `get pods -w after scale (+1 pod, ${toRow.length} runs): first row of the new pod median ${median(toRow).toFixed(0)} ms (max ${Math.max(...toRow).toFixed(0)}), ` +
        `1/1 Running median ${median(toRunning).toFixed(0)} ms (max ${Math.max(...toRunning).toFixed(0)}), wall time from starting kubectl scale`,
    );
  } finally {
    watch.kill();
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { stdout } = await run("kubectl", ["version", "--client", "-o", "json"]).catch(() => ({ stdout: "{}" }));
  console.log(`kubectl ${(JSON.parse(stdout) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion ?? "(not found)"} against kubelab serve`);
  await getPods(100, 11);
  await getPods(5000, 7);
  await applyManifest();
  await watchAfterScale();
  process.exit(0);
}

void main();
