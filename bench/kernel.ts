/**
 * Kernel speed, side by side with stock tslab in one run: start-up to the first kernel_info_reply, and the
 * median round trip (execute_request → execute_reply) of a one-line cell, of a cell declaring a 50-line interface
 * and a function, of a cell running a 3-million-iteration loop (kubelab adds an interrupt check to every loop
 * body), and of a one-line cell after 300 and after 1,000 cells (no growth).
 *
 * One-line cells differ in their text (a rerun of an unchanged cell reuses its compile in both kernels;
 * the loop cell is such a rerun). The clock stops at the execute_reply; the bench then waits (up to 2 s) for the cell's idle status
 * and counts the cells whose idle never came. Stock tslab loses one now and then (about once in a few
 * hundred cells here): timed to idle, each loss would stall the run for a minute and end it.
 *
 * A second table times interrupts: from the interrupt to the execute_reply of a busy cell (a loop in the
 * cell, a loop in an npm package, kubelab's `settle()` of a 2,000-pod Deployment), 300 ms after the cell
 * printed that it runs.
 * kubelab is timed from `interrupt_request` (its kernelspec's interrupt_mode is "message", what Jupyter front
 * ends then send) and from SIGINT; stock tslab answers no interrupt_request (interrupt_mode "signal"): SIGINT.
 * The goal is 100 ms.
 *
 * Run: `npm run build && node dist/bench/kernel.js [runs] [all|interrupts]`.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KernelClient, KERNEL_MAIN } from "../tools/course/jupyter-client";

interface Figures {
  /** Cells whose idle status never arrived on IOPub. */
  lostIdle: number;
  startMs: number;
  trivialMs: number;
  declMs: number;
  loopMs: number;
  after300Ms: number;
  after1000Ms: number;
}

const LOOP_CELL = "let s = 0;\nfor (let i = 0; i < 3_000_000; i++) { s += i % 7; }\ns";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function declCell(i: number): string {
  const fields = Array.from({ length: 48 }, (_, j) => `  field${j}: ${j % 3 === 0 ? "string" : j % 3 === 1 ? "number" : "boolean[]"};`);
  return [`interface Big${i} {`, ...fields, "}", `function make${i}(b: Big${i}): number { return b.field1 + b.field4; }`].join("\n");
}

/** Idle statuses that never arrived, per kernel client. */
const lost = new WeakMap<KernelClient, number>();

async function timeCell(k: KernelClient, code: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  const reply = await k.request("shell", "execute_request", { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (reply.content["status"] !== "ok") throw new Error(`bench cell failed: ${JSON.stringify(reply.content)}`);
  try {
    await k.iopubFor((reply.parent_header as { msg_id: string }).msg_id, 2000);
  } catch {
    lost.set(k, (lost.get(k) ?? 0) + 1);
  }
  return ms;
}

async function measure(argv: string[], runs: number): Promise<Figures> {
  const t0 = Date.now();
  const k = await KernelClient.start({ argv });
  const startMs = Date.now() - t0;
  try {
    for (let i = 0; i < 20; i++) await timeCell(k, "1"); // warm-up (JIT), so "fresh" is not a cold start
    const trivial: number[] = [];
    // Every one-line cell is new text: both kernels reuse the last compile of an unchanged cell.
    for (let i = 0; i < runs; i++) trivial.push(await timeCell(k, `1 + ${i}`));
    const decl: number[] = [];
    for (let i = 0; i < runs; i++) decl.push(await timeCell(k, declCell(i)));
    const loop: number[] = [];
    for (let i = 0; i < runs; i++) loop.push(await timeCell(k, LOOP_CELL));
    let cells = 20 + 3 * runs;
    const fillTo = async (n: number): Promise<void> => {
      for (; cells < n; cells++) await timeCell(k, `const v${cells} = ${cells};`);
    };
    const oneLine = async (): Promise<number> => {
      const xs: number[] = [];
      for (let i = 0; i < runs; i++) xs.push(await timeCell(k, `2 + ${cells + i}`));
      cells += runs;
      return median(xs);
    };
    // Stock tslab does not always get this far (its kernel stops answering): say so instead of failing the bench.
    let failed = false;
    const after = async (n: number): Promise<number> => {
      if (failed) return NaN;
      try {
        await fillTo(n - runs);
        return await oneLine();
      } catch (e) {
        failed = true;
        console.error(`${argv[1]}: stopped at cell ${cells}: ${(e as Error).message}`);
        return NaN;
      }
    };
    const after300Ms = await after(300);
    const after1000Ms = await after(1000);
    return { lostIdle: lost.get(k) ?? 0, startMs, trivialMs: median(trivial), declMs: median(decl), loopMs: median(loop), after300Ms, after1000Ms };
  } finally {
    await k.shutdown();
  }
}

const EXECUTE = { silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true };

/** Busy cells the interrupt table times, each after a setup cell (run anew before every measurement). */
const BUSY_CELLS: { label: string; setup: string; busy: string }[] = [
  { label: "busy loop in the cell", setup: "", busy: "for (;;) {}" },
  { label: "busy loop in an npm package", setup: 'import { spin } from "busy-loop";', busy: "spin();" },
  {
    label: "kubelab: settle() of 2,000 pods",
    setup: 'import { Cluster } from "kubelab";\nconst big = new Cluster({ nodes: 20, clusterCIDR: "10.0.0.0/8" });\nbig.kubectl("create deployment web --image=nginx --replicas=2000");',
    busy: "big.settle();",
  },
];

/** How an interrupt reaches the kernel. */
type Interrupt = "interrupt_request" | "SIGINT";

/**
 * A notebook folder for the interrupt table: a `busy-loop` package, and `kubelab` itself (stock tslab
 * resolves it as any package; kubelab's kernel resolves it on its own).
 */
function interruptFolder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-bench-interrupt-"));
  const pkg = path.join(dir, "node_modules", "busy-loop");
  fs.mkdirSync(pkg, { recursive: true });
  fs.writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "busy-loop", version: "1.0.0", main: "index.js" }));
  fs.writeFileSync(path.join(pkg, "index.js"), "exports.spin = function spin() { for (;;) {} };\n");
  fs.symlinkSync(path.resolve(__dirname, "../.."), path.join(dir, "node_modules", "kubelab"), "dir");
  return dir;
}

/** Resolves once `cond()` holds (checked every 5 ms); rejects after `ms`. */
async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("bench: the busy cell never printed its mark");
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Median ms from the interrupt to the busy cell's execute_reply, per busy cell (NaN: the cell was not stopped). */
async function measureInterrupts(argv: string[], how: Interrupt, runs: number, cwd: string): Promise<number[]> {
  const k = await KernelClient.start({ argv, cwd });
  try {
    const out: number[] = [];
    for (const c of BUSY_CELLS) {
      const xs: number[] = [];
      for (let i = 0; i < runs; i++) {
        if (c.setup) {
          const setup = await k.request("shell", "execute_request", { ...EXECUTE, code: c.setup }, 120_000);
          if (setup.content["status"] !== "ok") throw new Error(`bench setup failed (${argv[1]}, ${how}, ${c.label}): ${JSON.stringify(setup.content)}`);
        }
        // The cell prints a mark first: the clock starts once the cell runs (an interrupt during its compile
        // would time the compile).
        const mark = `busy-${how}-${i}-${out.length}`;
        const busy = k.request("shell", "execute_request", { ...EXECUTE, code: `console.log("${mark}");\n${c.busy}` }, 30_000).then(
          () => process.hrtime.bigint(),
          () => undefined,
        );
        await until(() => k.iopub.some((m) => m.header.msg_type === "stream" && String(m.content["text"]).includes(mark)), 30_000);
        await new Promise((r) => setTimeout(r, 300));
        const t0 = process.hrtime.bigint();
        if (how === "SIGINT") k.proc.kill("SIGINT");
        else await k.request("control", "interrupt_request", {});
        const t1 = await busy;
        xs.push(t1 === undefined ? NaN : Number(t1 - t0) / 1e6);
        if (t1 === undefined) break; // the kernel is still busy: later runs would queue behind it
        // Stock tslab aborts every execute_request for 200 ms after an error (its queue reset).
        await new Promise((r) => setTimeout(r, 300));
      }
      out.push(xs.some(Number.isNaN) ? NaN : median(xs));
    }
    return out;
  } finally {
    await k.shutdown();
  }
}

/** Prints the interrupt table: kubelab by interrupt_request and by SIGINT, stock tslab by SIGINT. */
async function interruptTable(kubelabArgv: string[], tslabArgv: string[], runs: number): Promise<void> {
  const dir = interruptFolder();
  try {
    const byRequest = await measureInterrupts(kubelabArgv, "interrupt_request", runs, dir);
    const bySignal = await measureInterrupts(kubelabArgv, "SIGINT", runs, dir);
    const tslab = await measureInterrupts(tslabArgv, "SIGINT", runs, dir);
    const fmt = (x: number): string => (Number.isNaN(x) ? "no stop" : x.toFixed(1)).padStart(12);
    console.log(`\ninterrupt → execute_reply (median of ${runs} runs, ms)`);
    console.log(`${"".padEnd(40)} ${"kubelab req".padStart(12)} ${"kubelab SIG".padStart(12)} ${"tslab SIG".padStart(12)}`);
    BUSY_CELLS.forEach((c, i) => console.log(`${c.label.padEnd(40)} ${fmt(byRequest[i]!)} ${fmt(bySignal[i]!)} ${fmt(tslab[i]!)}`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Prints the figures for kubelab and tslab as tables; `section` "interrupts" prints the interrupt table only.
 *
 * @example
 * ```ts
 * await main(20);
 * ```
 */
export async function main(runs = 20, section: "all" | "interrupts" = "all"): Promise<void> {
  const node = process.execPath;
  const tslabBin = path.join(path.dirname(require.resolve("tslab/package.json")), "bin", "tslab");
  const kubelabArgv = [node, KERNEL_MAIN, "{connection_file}"];
  const tslabArgv = [node, tslabBin, "kernel", "--config-path", "{connection_file}"];
  if (section === "interrupts") return interruptTable(kubelabArgv, tslabArgv, Math.min(runs, 5));
  const kubelab = await measure(kubelabArgv, runs);
  const tslab = await measure(tslabArgv, runs);
  const fmt = (x: number): string => (Number.isNaN(x) ? "failed" : x.toFixed(1)).padStart(10);
  const row = (label: string, a: number, b: number): string => `${label.padEnd(40)} ${fmt(a)} ${fmt(b)}`;
  console.log(`kernel bench (median of ${runs} runs, ms)`);
  console.log(`${"".padEnd(40)} ${"kubelab".padStart(10)} ${"tslab".padStart(10)}`);
  console.log(row("start → first kernel_info_reply", kubelab.startMs, tslab.startMs));
  console.log(row("one-line cell", kubelab.trivialMs, tslab.trivialMs));
  console.log(row("50-line interface + function cell", kubelab.declMs, tslab.declMs));
  console.log(row("3M-iteration loop cell", kubelab.loopMs, tslab.loopMs));
  console.log(row("one-line cell after 300 cells", kubelab.after300Ms, tslab.after300Ms));
  console.log(row("one-line cell after 1,000 cells", kubelab.after1000Ms, tslab.after1000Ms));
  console.log(`${"cells whose idle status was lost".padEnd(40)} ${String(kubelab.lostIdle).padStart(10)} ${String(tslab.lostIdle).padStart(10)}`);
  await interruptTable(kubelabArgv, tslabArgv, Math.min(runs, 5));
}

if (require.main === module) {
  main(Number(process.argv[2] ?? 20), process.argv[3] === "interrupts" ? "interrupts" : "all").catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
