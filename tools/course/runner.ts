/**
 * A notebook runner without Python: executes every code cell of a notebook, in order, through the kubelab
 * kernel (what `jupyter nbconvert --execute` does through nbclient), and returns an executed copy.
 * The source file is never written.
 */
import * as path from "node:path";
import { KernelClient, type CellRun } from "./jupyter-client";
import { OutputCollector } from "./outputs";
import { joinText, readNotebook, type CodeCell, type ErrorOutput, type Notebook, type Output } from "./notebook";
import { stripAnsi } from "./text";

/** Options of a notebook run. */
export interface RunOptions {
  /** Per-cell timeout; past it the kernel is interrupted and the run fails. Default 120 000 ms. */
  timeoutMs?: number;
  /** Where progress lines go. Default: stderr. */
  progress?: (line: string) => void;
  /** This notebook's place in a course, for the `[3/8]` progress prefix. */
  position?: { index: number; total: number };
  /** Kernel command line (`{connection_file}` is replaced). Default: this node on kubelab's kernel. */
  kernelArgv?: string[];
  /** Environment of the kernel. Default: this process's. */
  env?: NodeJS.ProcessEnv;
}

/** Where and why a notebook run stopped. */
export interface LessonFailure {
  /** The notebook's file name. */
  notebook: string;
  /** 1-based number of the failing code cell among the code cells. */
  cell: number;
  /** Number of code cells in the notebook. */
  cells: number;
  /** 1-based position of the failing cell among all cells (markdown included). */
  cellIndex: number;
  /** The cell's nbformat id, when it has one. */
  cellId: string | undefined;
  ename: string;
  evalue: string;
  /** Traceback lines, ANSI escapes removed. */
  traceback: string[];
  /** True when the cell ran past its timeout and was interrupted. */
  timedOut: boolean;
}

/**
 * A notebook failed: the message names the notebook, the cell and the error.
 * `partial` holds the notebook executed up to and including the failing cell.
 *
 * @example
 * ```ts
 * try { await runNotebook("notebooks/03.ipynb"); } catch (e) { if (e instanceof LessonError) console.error(e.notebook, e.cell, e.ename); }
 * ```
 */
export class LessonError extends Error implements LessonFailure {
  override name = "LessonError";
  readonly notebook: string;
  readonly cell: number;
  readonly cells: number;
  readonly cellIndex: number;
  readonly cellId: string | undefined;
  readonly ename: string;
  readonly evalue: string;
  readonly traceback: string[];
  readonly timedOut: boolean;

  constructor(
    failure: LessonFailure,
    readonly partial?: Notebook,
  ) {
    const where = `${failure.notebook}: cell ${failure.cell}/${failure.cells} (notebook cell ${failure.cellIndex}${failure.cellId ? `, id ${failure.cellId}` : ""})`;
    const what = failure.timedOut ? `timed out and was interrupted: ${failure.ename}: ${failure.evalue}` : `failed: ${failure.ename}: ${failure.evalue}`;
    const tb = failure.traceback.filter((l, i) => !(i === 0 && l.trim() === `${failure.ename}: ${failure.evalue}`.trim()));
    super(`${where} ${what}${tb.length ? "\n" + tb.map((l) => "    " + l.split("\n").join("\n    ")).join("\n") : ""}`);
    this.notebook = failure.notebook;
    this.cell = failure.cell;
    this.cells = failure.cells;
    this.cellIndex = failure.cellIndex;
    this.cellId = failure.cellId;
    this.ename = failure.ename;
    this.evalue = failure.evalue;
    this.traceback = failure.traceback;
    this.timedOut = failure.timedOut;
  }
}

/**
 * Gives every cell an nbformat 4.5 id (kept when valid and unique, else its position), so executed copies
 * validate. No execution timestamps are recorded: they would break byte-identical exports.
 */
function ensureIds(nb: Notebook): void {
  const used = new Set<string>();
  nb.cells.forEach((c, i) => {
    let id = typeof c.id === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(c.id) && !used.has(c.id) ? c.id : `cell-${i + 1}`;
    while (used.has(id)) id += "-";
    used.add(id);
    c.id = id;
  });
  if (nb.nbformat_minor < 5) nb.nbformat_minor = 5;
}

const defaultProgress = (line: string): void => void process.stderr.write(line + "\n");

function formatMs(ms: number): string {
  return ms < 10_000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Executes a notebook (already read) in a fresh kernel whose working directory is `cwd`, and returns the
 * executed copy; `nb` itself is not modified. Stops at the first error with a {@link LessonError}.
 * The kernel is always shut down.
 *
 * @example
 * ```ts
 * const executed = await executeNotebook(readNotebook(file), { name: "01.ipynb", cwd: path.dirname(file) });
 * ```
 */
export async function executeNotebook(nb: Notebook, opts: RunOptions & { name: string; cwd: string }): Promise<Notebook> {
  const out = structuredClone(nb);
  ensureIds(out);
  const progress = opts.progress ?? defaultProgress;
  const prefix = opts.position ? `[${opts.position.index}/${opts.position.total}] ` : "";
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const code = out.cells.map((c, i) => ({ c, i })).filter((x): x is { c: CodeCell; i: number } => x.c.cell_type === "code");
  const started = Date.now();
  progress(`${prefix}${opts.name}: starting the kernel`);
  const kernel = await KernelClient.start({ cwd: opts.cwd, ...(opts.kernelArgv ? { argv: opts.kernelArgv } : {}), ...(opts.env ? { env: opts.env } : {}) });
  try {
    const li = kernel.kernelInfo["language_info"];
    if (li && typeof li === "object") out.metadata["language_info"] = li;
    const sink = new OutputCollector();
    for (let n = 0; n < code.length; n++) {
      const { c: cell, i } = code[n]!;
      const source = joinText(cell.source);
      cell.outputs = [];
      cell.execution_count = null;
      // Jupyter does not send empty cells to the kernel.
      if (source.trim() === "") continue;
      const t0 = Date.now();
      const outputs: Output[] = cell.outputs;
      sink.executionCount = null;
      let outcome: CellRun;
      try {
        outcome = await kernel.runCell(source, timeoutMs, (m) => sink.add(outputs, m));
      } catch (e) {
        // The kernel died under the cell (process.exit, a crash, out of memory): still name the cell.
        progress(`${prefix}${opts.name} cell ${n + 1}/${code.length} ✗ ${formatMs(Date.now() - t0)}`);
        const err = e as Error;
        throw new LessonError({ notebook: opts.name, cell: n + 1, cells: code.length, cellIndex: i + 1, cellId: cell.id, ename: err.name || "Error", evalue: err.message, traceback: [], timedOut: false }, out);
      }
      const { timedOut } = outcome;
      const reply = outcome.reply.content;
      const count = typeof reply["execution_count"] === "number" ? reply["execution_count"] : sink.executionCount;
      cell.execution_count = count;
      const errorOut = outputs.find((o): o is ErrorOutput => o.output_type === "error");
      const ms = Date.now() - t0;
      const failed = timedOut || reply["status"] !== "ok" || errorOut !== undefined;
      progress(`${prefix}${opts.name} cell ${n + 1}/${code.length} ${failed ? "✗" : "✓"} ${formatMs(ms)}`);
      if (failed) {
        const ename = timedOut ? "CellTimeoutError" : (errorOut?.ename ?? String(reply["ename"] ?? "Error"));
        const evalue = timedOut
          ? `the cell ran longer than ${formatMs(timeoutMs)} (${errorOut ? `${errorOut.ename}: ${errorOut.evalue}` : "interrupted"})`
          : (errorOut?.evalue ?? String(reply["evalue"] ?? `execute_reply status ${String(reply["status"])}`));
        const tb = errorOut?.traceback ?? (Array.isArray(reply["traceback"]) ? (reply["traceback"] as unknown[]).map(String) : []);
        throw new LessonError({ notebook: opts.name, cell: n + 1, cells: code.length, cellIndex: i + 1, cellId: cell.id, ename, evalue, traceback: tb.map(stripAnsi), timedOut }, out);
      }
    }
  } finally {
    await kernel.shutdown();
  }
  progress(`${prefix}${opts.name} ✓ ${code.length} code cells in ${formatMs(Date.now() - started)}`);
  return out;
}

/**
 * Reads and executes a notebook file in its own directory; the file is not modified.
 *
 * @example
 * ```ts
 * const executed = await runNotebook("notebooks/03-kube-proxy-iptables.ipynb", { position: { index: 3, total: 8 } });
 * ```
 */
export async function runNotebook(file: string, opts: RunOptions = {}): Promise<Notebook> {
  const abs = path.resolve(file);
  return executeNotebook(readNotebook(abs), { ...opts, name: path.basename(abs), cwd: path.dirname(abs) });
}
