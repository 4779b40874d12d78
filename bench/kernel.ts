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
 * Run: `npm run build && node dist/bench/kernel.js [runs]`.
 */
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

/**
 * Prints the figures for kubelab and tslab as a table.
 *
 * @example
 * ```ts
 * await main(20);
 * ```
 */
export async function main(runs = 20): Promise<void> {
  const node = process.execPath;
  const tslabBin = path.join(path.dirname(require.resolve("tslab/package.json")), "bin", "tslab");
  const kubelab = await measure([node, KERNEL_MAIN, "{connection_file}"], runs);
  const tslab = await measure([node, tslabBin, "kernel", "--config-path", "{connection_file}"], runs);
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
}

if (require.main === module) {
  main(Number(process.argv[2] ?? 20)).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
