#!/usr/bin/env node
/**
 * The `kubelab` command.
 *
 *   kubelab demo [--nodes N] [--seed S] [--replicas R]   build a cluster, apply hello-world, print what happened
 *   kubelab dns --listen HOST:PORT [manifest…]           serve the cluster's DNS (UDP + TCP), logging queries
 *   kubelab serve [--listen HOST:PORT] [--kubeconfig FILE] [--speed X] [--nodes N] [--seed S] [manifest…]
 *                                                         serve the cluster's API for a real kubectl (loopback by default)
 *   kubelab start [jupyter options]                       register the kernel and open the lessons in JupyterLab (or Notebook)
 *   kubelab export NOTEBOOK… [--out DIR]                 run notebooks through the kernel and write offline HTML
 *   kubelab install [--user|--sys-prefix|--prefix DIR]   register the Jupyter kernelspec (and the nbconvert template)
 *   kubelab kernel CONNECTION_FILE                        run the Jupyter kernel (what the kernelspec starts)
 *
 * @example
 * ```sh
 * npx kubelab demo --replicas 5
 * ```
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { packageRoot } from "./api/load";
import { Cluster } from "./cluster";
import { DnsServer } from "./dns/server";
// Loaded lazily: only the kernel commands need the TypeScript engine.
import type * as KernelInstall from "../kernel/install";
import type * as KernelMain from "../kernel/main";
import type * as KernelTemplate from "../kernel/nbconvert";
// The course tooling lives outside the library (tools/course); only this command reaches it.
import type * as CourseMain from "../tools/course/main";
import type * as SiteServer from "./siteserver";
import type * as ServeHttp from "./serve/http";
import { writeFileSync } from "node:fs";

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
}

function num(v: string | undefined, def: number, what: string): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${what} must be a non-negative integer, got "${v}"`);
  return n;
}

/** `kubelab demo`: the seed's workflow on a fresh cluster, printed as kubectl and the trace would show it. */
export function demo(args: string[]): string {
  const nodes = num(flag(args, "--nodes"), 3, "--nodes");
  const seed = num(flag(args, "--seed"), 42, "--seed");
  const replicas = num(flag(args, "--replicas"), 4, "--replicas");
  const cluster = new Cluster({ nodes, seed });
  const out: string[] = [];
  out.push(`# a kubeadm-like cluster: ${cluster.nodes().length} nodes, seed ${seed}`, cluster.table("nodes", { wide: true }).toString(), "");
  out.push("$ kubectl apply -f datasets/hello-world.yaml", cluster.apply("hello-world.yaml").toString());
  if (replicas !== 4) cluster.scale("deployment/hello-world", replicas);
  cluster.settle();
  out.push("", "# what happened (trace; watch notifications folded)");
  let last = "";
  let repeat = 0;
  for (const e of cluster.trace.events) {
    const key = e.verb === "watch" ? `${e.object} ${e.detail}` : "";
    if (key && key === last) {
      repeat++;
      continue;
    }
    if (repeat) out.push(`            … and ${repeat} more watchers`);
    repeat = 0;
    last = key;
    out.push(`t=${String(e.t).padStart(5)}ms ${e.from} -> ${e.to} ${e.verb} ${e.object} ${e.detail}`.trimEnd());
  }
  out.push("", "$ kubectl get pods -o wide", cluster.table("pods", { wide: true }).toString());
  out.push("", "$ kubectl get svc", cluster.table("services").toString());
  out.push("", "# endpoints of hello-world", cluster.endpoints("hello-world").toString());
  out.push("", "# node-1: iptables -t nat (kube-proxy's chains for hello-world)");
  out.push(...cluster.node(cluster.nodes().find((n) => n.metadata.name !== "control-plane")!.metadata.name!).iptables.save().split("\n").filter((l) => l.includes("hello-world")));
  out.push("", "# a pod resolves hello-world", cluster.dns.resolve("hello-world", { from: `pod/${cluster.pods()[0]!.metadata.name}` }).toString());
  return out.join("\n");
}

async function dns(args: string[]): Promise<void> {
  const listen = flag(args, "--listen") ?? "127.0.0.1:5353";
  const seed = num(flag(args, "--seed"), 42, "--seed");
  const nodes = num(flag(args, "--nodes"), 3, "--nodes");
  const m = /^(.*):(\d+)$/.exec(listen);
  if (!m) throw new Error(`--listen wants HOST:PORT, got "${listen}"`);
  const cluster = new Cluster({ nodes, seed });
  for (const f of args) cluster.apply(f);
  cluster.settle();
  const server = new DnsServer((name, type) => cluster.coredns.store.query(name, type), {
    onQuery: (q) => process.stdout.write(`${q.transport} ${q.name} ${q.type} -> ${q.rcode}\n`),
  });
  const a = await server.start({ host: m[1]!, port: Number(m[2]) });
  process.stdout.write(`serving cluster DNS (zone ${cluster.config.clusterDomain}) on ${a.host}:${a.port} (udp+tcp)\n`);
  const stop = (): void => void server.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

/**
 * `kubelab serve`: the cluster's API over HTTP on loopback, a kubeconfig for kubectl, virtual time
 * following wall time (`--speed` faster). Manifests given are applied first.
 */
async function serve(args: string[]): Promise<void> {
  const listen = flag(args, "--listen") ?? "127.0.0.1:0";
  const kubeconfig = flag(args, "--kubeconfig");
  const speed = Number(flag(args, "--speed") ?? "1");
  const seed = num(flag(args, "--seed"), 42, "--seed");
  const nodes = num(flag(args, "--nodes"), 3, "--nodes");
  const verbose = args.includes("-v") ? (args.splice(args.indexOf("-v"), 1), true) : false;
  const m = /^(.*):(\d+)$/.exec(listen);
  if (!m) throw new Error(`--listen wants HOST:PORT, got "${listen}"`);
  if (!(speed > 0)) throw new Error(`--speed must be a positive number, got ${speed}`);
  const cluster = new Cluster({ nodes, seed });
  for (const f of args) cluster.apply(f);
  cluster.settle();
  const { serveCluster } = require("./serve/http") as typeof ServeHttp;
  const server = await serveCluster(cluster, { host: m[1]!, port: Number(m[2]), speed, ...(verbose ? { log: (l: string) => process.stderr.write(l + "\n") } : {}) });
  if (kubeconfig) writeFileSync(kubeconfig, server.kubeconfig());
  process.stdout.write(`serving the cluster's API on ${server.url}${kubeconfig ? ` (kubeconfig: ${kubeconfig})` : ""}\n`);
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

/** The first of these commands on PATH, or undefined. */
function which(cmds: string[]): string | undefined {
  for (const c of cmds) if (spawnSync(c, ["--version"], { stdio: "ignore" }).status === 0) return c;
  return undefined;
}

/**
 * Jupyter's options for `kubelab start`: as root, `--allow-root` (Jupyter refuses to run as root
 * without it); with no display (a server, a container, ssh), `--no-browser` (Jupyter then prints the
 * URL with its token to open elsewhere). Options the user gave win.
 *
 * @example startOptions([], { }, 0) // → ["--allow-root", "--no-browser"]
 */
export function startOptions(args: readonly string[], env: NodeJS.ProcessEnv, uid: number | undefined, platform: NodeJS.Platform = process.platform): string[] {
  const has = (flag: string): boolean => args.some((a) => a === flag || a.startsWith(flag + "="));
  const out = [...args];
  if (uid === 0 && !has("--allow-root")) out.push("--allow-root");
  const headless = platform === "linux" && !env["DISPLAY"] && !env["WAYLAND_DISPLAY"];
  if (headless && !has("--no-browser") && !has("--browser")) {
    out.push("--no-browser");
  }
  return out;
}

/**
 * `kubelab start` (`npm start`): register the kernel for this user and open the lessons in
 * JupyterLab, or in Jupyter Notebook if JupyterLab is not installed.
 */
function start(args: string[]): void {
  const { installKernelspec } = require("../kernel/install") as typeof KernelInstall;
  const { installNbconvertTemplate } = require("../kernel/nbconvert") as typeof KernelTemplate;
  const lab = which(["jupyter-lab"]);
  const notebook = lab ? undefined : which(["jupyter-notebook"]);
  if (!lab && !notebook) {
    throw new Error(
      "Jupyter is not installed. Install Jupyter Notebook (Debian: apt-get install jupyter-notebook) or JupyterLab (pip install jupyterlab), then run npm start again.",
    );
  }
  const dir = installKernelspec({ user: true });
  installNbconvertTemplate(path.dirname(path.dirname(dir)));
  const notebooks = path.join(packageRoot(), "notebooks");
  process.stdout.write(`kernel "kubelab (TypeScript)" registered in ${dir}; opening ${notebooks} in ${lab ? "JupyterLab" : "Jupyter Notebook"}\n`);
  const options = startOptions(args, process.env, process.getuid?.());
  if (options.includes("--no-browser") && !args.includes("--no-browser")) {
    process.stdout.write(
      "no display here, so no browser is opened: open the http://…?token=… URL Jupyter prints below\n" +
        "(from another machine: ssh -L 8888:localhost:8888 THIS-HOST, then open that URL there)\n",
    );
  }
  const r = spawnSync(lab ?? notebook!, [...options, notebooks], { stdio: "inherit" });
  process.exitCode = r.status ?? 1;
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...args] = argv;
  switch (cmd) {
    case "demo":
      process.stdout.write(demo(args) + "\n");
      return;
    case "dns":
      return dns(args);
    case "serve":
      return serve(args);
    case "export": {
      const { exportNotebooks } = require("../tools/course/main") as typeof CourseMain;
      const out = flag(args, "--out") ?? "build/lessons";
      if (args.length === 0) throw new Error("usage: kubelab export NOTEBOOK.ipynb… [--out DIR]");
      const r = await exportNotebooks(args, { out, progress: (l) => process.stderr.write(l + "\n") });
      process.stdout.write(`wrote ${r.lessons.length} page(s) and ${r.index}\n`);
      return;
    }
    case "start":
      return start(args);
    case "site": {
      // The JupyterLite course (`npm run site` builds it); --serve serves it on loopback.
      const dir = flag(args, "--dir") ?? path.join(packageRoot(), "build", "site");
      if (!args.includes("--serve")) {
        process.stdout.write(`${dir}: the course as static files (build it with \`npm run site\`); serve it with \`kubelab site --serve [--port N]\`\n`);
        return;
      }
      const { serveSite } = require("./siteserver") as typeof SiteServer;
      const s = await serveSite(dir, { port: Number(flag(args, "--port") ?? 8000) });
      process.stdout.write(`serving ${dir} at ${s.url}lab/index.html (cross-origin isolated); Ctrl-C stops\n`);
      return new Promise<void>(() => {});
    }
    case "install": {
      const { installKernelspec } = require("../kernel/install") as typeof KernelInstall;
      const prefix = flag(args, "--prefix");
      const dir = installKernelspec({ ...(args.includes("--user") ? { user: true } : {}), ...(prefix ? { prefix } : {}), ...(args.includes("--sys-prefix") ? { sysPrefix: true } : {}) });
      process.stdout.write(`installed kernelspec kubelab in ${dir}\n`);
      // <data dir>/kernels/kubelab → <data dir>/nbconvert/templates/kubelab
      const { installNbconvertTemplate } = require("../kernel/nbconvert") as typeof KernelTemplate;
      process.stdout.write(`installed nbconvert template kubelab in ${installNbconvertTemplate(path.dirname(path.dirname(dir)))}\n`);
      return;
    }
    case "kernel": {
      const { runKernel } = require("../kernel/main") as typeof KernelMain;
      if (!args[0]) throw new Error("usage: kubelab kernel CONNECTION_FILE");
      return runKernel(args[0]);
    }
    default:
      process.stdout.write(
        "usage: kubelab demo [--nodes N] [--seed S] [--replicas R]\n" +
          "       kubelab dns --listen HOST:PORT [manifest.yaml …]\n" +
          "       kubelab start [jupyter options]\n" +
          "       kubelab site --serve [--port N] [--dir build/site]\n" +
          "       kubelab export NOTEBOOK.ipynb… [--out DIR]\n" +
          "       kubelab install [--user | --prefix DIR]\n" +
          "       kubelab kernel CONNECTION_FILE\n",
      );
      if (cmd && cmd !== "help" && cmd !== "--help") process.exitCode = 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`kubelab: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
