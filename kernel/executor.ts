/**
 * Runs compiled cells in this thread's V8 context, keeping variables across cells in one `exports` object
 * (as tslab does), with two differences: interrupts stop busy code and keep the state, and errors carry the
 * cell's own line numbers.
 *
 * Interrupts, two mechanisms:
 * - The synchronous part of every cell runs under `vm` breakOnSigint, so a SIGINT stops *any* JavaScript it
 *   calls: package code, `.mjs` imports, a catastrophic regular expression, kubelab's own long calls. The
 *   protocol thread sends that SIGINT itself on an `interrupt_request`, but only while the cell is inside
 *   the watchdog's scope: `IRQ_PHASE` says so (see {@link Executor.run}). Outside it, Node leaves SIGINT to
 *   its exit handler, and a signal would kill the kernel.
 * - The checks `interrupt.ts` compiles into loops and functions read a shared flag, wherever the code runs
 *   (after an `await`, in a timer callback), which the protocol thread sets at once. Package code called
 *   after an `await` has no checks: that is the case an interrupt cannot stop.
 * kubelab's long calls (settle, advance, traffic) poll the flag too, between two steps of the simulation
 * (`src/sim/interrupt.ts`); while they run, the protocol thread waits a moment before its SIGINT, which would
 * cut a step in half. A SIGINT from outside (a terminal's Ctrl-C) reaches Node's watchdog directly: it still
 * stops them wherever they are.
 * The flag is cleared when the next cell starts, and once the event loop turns after a check fired (so code
 * that catches the interrupt inside a busy loop is stopped again at its next check).
 */
import * as path from "node:path";
import * as vm from "node:vm";
import Module, { createRequire } from "node:module";
import { inspect } from "node:util";
import * as fs from "node:fs";
import type { CellDiagnostic, SideModule, TypeScriptEngine } from "./typescript";
import { INTERRUPTED_NAME, IRQ_NAME, interruptChecks } from "./interrupt";
import { CellTimers } from "./celltimers";
import { IRQ_FLAG, IRQ_PHASE, IRQ_POLLING, IRQ_SLOTS, PHASE_IDLE, PHASE_SIGNALLED, watchedPhase } from "./threads";
import { INTERRUPT_HOST, type InterruptHost } from "../src/sim/interrupt";

/** An error output in Jupyter's terms. */
export interface ErrorContent {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** Thrown by {@link Executor.run} when a cell fails to compile, throws, rejects or is interrupted. */
export class CellError extends Error {
  constructor(readonly content: ErrorContent) {
    super(content.evalue);
    this.name = "CellError";
  }
}

/** What a successful cell produced: its last expression's value, if it ended with one. */
export type CellValue = { hasValue: false } | { hasValue: true; value: unknown };

interface CellSource {
  lines: string[];
  label: string;
  toCell: (line: number, column: number) => { line: number; column: number } | undefined;
  prefixLength: number;
}

/**
 * The cell runner; one per kernel.
 *
 * @example
 * ```ts
 * const ex = new Executor(engine, { kubelabRoot, kubelabMain });
 * const r = await ex.run("1 + 1", "In[1]"); // → { hasValue: true, value: 2 }
 * ```
 */
/** One per process: it patches the global timer functions. */
const cellTimers = new CellTimers();

export class Executor {
  private readonly exportsTarget: Record<string, unknown> = {};
  private readonly exports: Record<string, unknown>;
  private readonly sideOutputs = new Map<string, SideModule>();
  private readonly sideModules = new Map<string, Module>();
  private readonly cells = new Map<string, CellSource>();
  private readonly cellRequire: NodeJS.Require;
  private rejectInterrupt: (e: Error) => void = () => {};
  private interruptPromise!: Promise<never>;
  private seq = 0;
  /** The cell run() is executing (its `seq`), if any. */
  private runningCell: number | undefined;
  /** `[IRQ_FLAG] !== 0`: stop; `[IRQ_PHASE]`: where the cell is (see `interrupt.ts`); shared with the protocol thread. */
  readonly irq: Int32Array;
  private clearScheduled = false;
  private readonly interrupted: () => never;

  /**
   * `irq`: the shared interrupt array (`IRQ_SLOTS` slots). `leftWatchdog`: called after each cell's
   * breakOnSigint run, when Node has put its exit handler back on SIGINT (the protocol thread re-arms its own).
   */
  constructor(
    private readonly engine: TypeScriptEngine,
    private readonly opts: { kubelabRoot: string; kubelabMain: string; cwd?: string; irq?: Int32Array; leftWatchdog?: () => void },
  ) {
    const irq = (this.irq = opts.irq ?? new Int32Array(new SharedArrayBuffer(4 * IRQ_SLOTS)));
    this.interrupted = (): never => {
      if (!this.clearScheduled) {
        this.clearScheduled = true;
        setImmediate(() => {
          Atomics.store(irq, IRQ_FLAG, 0);
          this.clearScheduled = false;
        });
      }
      throw keyboardInterrupt();
    };
    // Files a cell imports read these as globals; cells get them as parameters (a faster lookup).
    for (const [name, value] of [[IRQ_NAME, irq], [INTERRUPTED_NAME, this.interrupted]] as const) {
      Object.defineProperty(globalThis, name, { value, configurable: true, enumerable: false, writable: false });
    }
    // kubelab's long calls poll this between two steps, so that an interrupt leaves the simulation consistent.
    const host: InterruptHost = {
      poll: () => {
        if (irq[IRQ_FLAG] !== 0) this.interrupted();
      },
      enter: () => void Atomics.add(irq, IRQ_POLLING, 1),
      leave: () => void Atomics.sub(irq, IRQ_POLLING, 1),
    };
    Object.defineProperty(globalThis, INTERRUPT_HOST, { value: host, configurable: true, enumerable: false, writable: false });
    const target = this.exportsTarget;
    // TypeScript emits named imports as defineProperty getters; store plain values so a later cell can reassign them.
    this.exports = new Proxy(target, {
      defineProperty: (_t, prop, attrs) => {
        if (prop === "__esModule") return true;
        (target as Record<string | symbol, unknown>)[prop] = attrs.get ? attrs.get() : attrs.value;
        return true;
      },
    });
    cellTimers.install();
    const cwd = opts.cwd ?? process.cwd();
    this.cellRequire = this.wrapRequire(createRequire(path.join(cwd, "__cell__.js")), cwd);
    this.resetInterrupt();
  }

  /** Variables defined by earlier cells. */
  get locals(): Readonly<Record<string, unknown>> {
    return this.exportsTarget;
  }

  /** Declarations carried from earlier cells (what the type checker knows). */
  get declarations(): string {
    return this.engine.declarations;
  }

  /**
   * Compiles and runs one cell. `label` names the cell in tracebacks, e.g. `In[3]`.
   * Throws {@link CellError} on a type error, an exception, a rejection or an interrupt.
   *
   * @example
   * ```ts
   * await ex.run("const x = 1", "In[1]");
   * await ex.run("x + 1", "In[2]"); // → { hasValue: true, value: 2 }
   * ```
   */
  async run(code: string, label: string): Promise<CellValue> {
    try {
      return await this.runCell(code, label);
    } catch (e) {
      // An interrupted cell's timers would fire into later cells: they stop with it.
      if (e instanceof CellError && e.content.ename === "KeyboardInterrupt") cellTimers.cancel(this.seq);
      throw e;
    } finally {
      this.runningCell = undefined;
    }
  }

  private async runCell(code: string, label: string): Promise<CellValue> {
    // A cell that compiles keeps its declarations even if it then throws: like IPython, what it defined before
    // it failed stays defined (and typed) for later cells.
    Atomics.store(this.irq, IRQ_FLAG, 0);
    // A polling section cut short by a SIGINT never left: nothing polls between two cells.
    Atomics.store(this.irq, IRQ_POLLING, 0);
    const compiled = this.engine.compile(code, [interruptChecks]);
    if (!compiled.ok) throw new CellError(formatDiagnostics(compiled.diagnostics, code, label));
    for (const [file, side] of compiled.sideOutputs) {
      this.sideModules.delete(file);
      this.sideOutputs.set(file, side);
    }
    const filename = `kubelab-cell-${++this.seq}`;
    this.runningCell = this.seq;
    const params = `(exports, require, ${IRQ_NAME}, ${INTERRUPTED_NAME}) { `;
    // The script enters the watchdog's phase, defines and calls the cell's function, and leaves the phase
    // (see `leaveWatchdog`): breakOnSigint covers the whole body and nothing outside it.
    const prefix = `__kubelab__.enter(); try { __kubelab__.result = ${compiled.hasToplevelAwait ? "(async function " : "(function "}${params}`;
    this.cells.set(filename, { lines: code.split("\n"), label, toCell: compiled.toCell, prefixLength: prefix.length });
    let result: unknown;
    // Writes through a Proxy cost a trap and a descriptor each (a loop updating a top-level `let` writes
    // `exports.s` every iteration): cells get the plain object unless their code defines properties on
    // `exports` (re-exported imports become getters, which the Proxy turns into plain values).
    const js = compiled.js.replace(ES_MODULE_MARKER, "\n"); // an empty line keeps the line numbers for `toCell`
    const exports = DEFINES_ON_EXPORTS.test(js) ? this.exports : this.exportsTarget;
    const irq = this.irq;
    const watched = watchedPhase(this.seq);
    const holder = {
      exports,
      require: this.cellRequire,
      irq,
      interrupted: this.interrupted,
      result: undefined as unknown,
      // An interrupt that came while the cell compiled found no watchdog to signal: it stops the cell here.
      enter: (): void => {
        Atomics.store(irq, IRQ_PHASE, watched);
        if (Atomics.load(irq, IRQ_FLAG) !== 0) this.interrupted();
      },
      leave: (): void => leaveWatchdog(irq, watched),
    };
    (globalThis as Record<string, unknown>)["__kubelab__"] = holder;
    try {
      const script = prefix + js + "\n})(__kubelab__.exports, __kubelab__.require, __kubelab__.irq, __kubelab__.interrupted); } finally { __kubelab__.leave(); }";
      cellTimers.run(this.seq, () => vm.runInThisContext(script, { filename, breakOnSigint: true }));
      result = holder.result;
    } catch (e) {
      throw new CellError(this.errorContent(e));
    } finally {
      Atomics.store(irq, IRQ_PHASE, PHASE_IDLE);
      this.opts.leftWatchdog?.();
    }
    if (compiled.hasToplevelAwait) {
      try {
        await Promise.race([result, this.interruptPromise]);
      } catch (e) {
        throw new CellError(this.errorContent(e));
      }
    }
    const key = compiled.lastExpressionVar;
    if (key === undefined || !(key in this.exportsTarget)) return { hasValue: false };
    const value = this.exportsTarget[key];
    delete this.exportsTarget[key];
    return value === undefined ? { hasValue: false } : { hasValue: true, value };
  }

  /**
   * Stops a cell waiting on a promise (busy code is stopped by SIGINT through `breakOnSigint`, or by the flag).
   *
   * @example
   * ```ts
   * process.on("SIGINT", () => ex.interrupt());
   * ```
   */
  interrupt(): void {
    // Idle: what is still running belongs to cells that finished (a timer, an interval); stop it all.
    if (this.runningCell === undefined) cellTimers.cancel();
    this.rejectInterrupt(keyboardInterrupt());
    this.resetInterrupt();
  }

  /**
   * An error output for any thrown value, with stack frames of cells rewritten to the cells' own lines.
   *
   * @example
   * ```ts
   * ex.errorContent(new TypeError("x is not a function")).ename; // → "TypeError"
   * ```
   */
  errorContent(e: unknown): ErrorContent {
    if (e instanceof CellError) return e.content;
    if (!(e instanceof Error)) {
      const evalue = inspect(e);
      return { ename: "Uncaught", evalue, traceback: [`Uncaught ${evalue}`] };
    }
    if ((e as { code?: string }).code === "ERR_SCRIPT_EXECUTION_INTERRUPTED") {
      return { ename: "KeyboardInterrupt", evalue: "Execution interrupted", traceback: ["KeyboardInterrupt: Execution interrupted"] };
    }
    const ename = e.name || e.constructor?.name || "Error";
    const evalue = e.message;
    const traceback = [`${ename}: ${evalue}`];
    let snippet: string[] | undefined;
    let frame: { cell: CellSource; line: number } | undefined;
    for (const line of (e.stack ?? "").split("\n").slice(1)) {
      if (!/^\s+at /.test(line)) continue;
      // The frame of the wrapper call itself maps to no line of the cell.
      if (/^\s+at kubelab-cell-\d+:\d+:\d+$/.test(line) && this.frameOutsideCell(line)) continue;
      if (/kubelab-call|node:vm|node:internal|\(node:|^\s+at (async )?Executor\./.test(line) || line.includes(__dirname)) continue;
      const side = this.sideFrame(line);
      // Where an interrupt stopped a library (kubelab's event loop) is no news: the cell's line is.
      if (ename === "KeyboardInterrupt" && !side && !CELL_FRAME.test(line)) continue;
      if (side) {
        snippet ??= side.snippet;
        traceback.push(side.line);
        continue;
      }
      traceback.push(
        line.replace(/(kubelab-cell-\d+):(\d+):(\d+)/g, (whole, file: string, l: string, c: string) => {
          const cell = this.cells.get(file);
          if (!cell) return whole;
          const genLine = Number(l) - 1;
          const genCol = Number(c) - 1 - (genLine === 0 ? cell.prefixLength : 0);
          const pos = cell.toCell(genLine, Math.max(0, genCol));
          if (!pos) return `${cell.label}`;
          snippet ??= codeFrame(cell.lines, pos.line, pos.column, pos.column + 1, cell.label);
          frame ??= { cell, line: pos.line };
          return `${cell.label}:${pos.line + 1}:${pos.column + 1}`;
        }),
      );
    }
    const inText = frame && textErrorInCell(e, frame.cell, frame.line);
    if (inText) {
      const at = `${frame!.cell.label}:${inText.line + 1}:${inText.column + 1}`;
      return { ename, evalue: `${evalue} (${at})`, traceback: [`${ename}: ${evalue}`, `  at ${at}`, ...traceback.slice(1), "", ...codeFrame(frame!.cell.lines, inText.line, inText.column, inText.column + 1, frame!.cell.label)] };
    }
    return { ename, evalue, traceback: snippet ? [...traceback, "", ...snippet] : traceback };
  }

  /**
   * A stack frame in a file a cell imported, rewritten from the compiled code (a `.js` path that exists only
   * in memory) to the file as written, with a code frame of that line; undefined for any other frame.
   */
  private sideFrame(line: string): { line: string; snippet: string[] | undefined } | undefined {
    const m = FRAME_LOCATION.exec(line);
    const side = m ? this.sideOutputs.get(m[2]!) : undefined;
    if (!m || !side) return undefined;
    const pos = side.toSource(Number(m[3]) - 1, Number(m[4]) - 1);
    if (!pos) return { line: `${m[1]}${side.source}${m[5]}`, snippet: undefined };
    let snippet: string[] | undefined;
    try {
      const label = path.relative(this.opts.cwd ?? process.cwd(), side.source);
      snippet = codeFrame(fs.readFileSync(side.source, "utf8").split("\n"), pos.line, pos.column, pos.column + 1, label);
    } catch {
      // the file is gone: the frame still names it
    }
    return { line: `${m[1]}${side.source}:${pos.line + 1}:${pos.column + 1}${m[5]}`, snippet };
  }

  private frameOutsideCell(line: string): boolean {
    const m = /(kubelab-cell-\d+):(\d+):(\d+)/.exec(line);
    const cell = m ? this.cells.get(m[1]!) : undefined;
    if (!m || !cell) return false;
    const genLine = Number(m[2]) - 1;
    return cell.toCell(genLine, Math.max(0, Number(m[3]) - 1 - (genLine === 0 ? cell.prefixLength : 0))) === undefined;
  }

  private resetInterrupt(): void {
    this.interruptPromise = new Promise<never>((_, reject) => {
      this.rejectInterrupt = reject;
    });
    this.interruptPromise.catch(() => {});
  }

  /** `require` for cells and for the `.ts` files they import: `kubelab`, compiled side files, then Node. */
  private wrapRequire(base: NodeJS.Require, dirname: string): NodeJS.Require {
    const { kubelabRoot, kubelabMain } = this.opts;
    const rootRequire = createRequire(path.join(kubelabRoot, "package.json"));
    const req = ((id: string): unknown => {
      if (id === "kubelab") return rootRequire(kubelabMain);
      if (id.startsWith("kubelab/")) return rootRequire(path.join(kubelabRoot, id.slice("kubelab/".length)));
      if (id.startsWith(".") || path.isAbsolute(id)) {
        const side = this.loadSide(path.resolve(dirname, id));
        if (side) return side.exports;
      }
      try {
        return base(id);
      } catch (e) {
        // A notebook outside the package still gets the package's own dependencies (d3, yaml, ...).
        if ((e as { code?: string }).code === "MODULE_NOT_FOUND" && !id.startsWith(".") && !path.isAbsolute(id)) return rootRequire(id);
        throw e;
      }
    }) as NodeJS.Require;
    return Object.assign(req, { resolve: base.resolve, cache: base.cache, main: base.main, extensions: base.extensions });
  }

  private loadSide(resolved: string): Module | undefined {
    const candidates = path.extname(resolved) === ".js" ? [resolved] : [resolved + ".js", path.join(resolved, "index.js"), resolved.replace(/\.ts$/, ".js")];
    for (const file of candidates) {
      const cached = this.sideModules.get(file);
      if (cached) return cached;
      const js = this.sideOutputs.get(file)?.js;
      if (js === undefined) continue;
      const mod = new Module(file, module);
      mod.filename = file;
      mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
      mod.require = this.wrapRequire(createRequire(file), path.dirname(file));
      this.sideModules.set(file, mod);
      (mod as unknown as { _compile(code: string, filename: string): void })._compile(js, file);
      return mod;
    }
    return undefined;
  }
}

/**
 * The end of a cell's breakOnSigint run. If the protocol thread has already committed to sending SIGINT
 * (phase `PHASE_SIGNALLED`), the signal must land while the watchdog still listens: wait for it here (it
 * stops this wait), at most a second in case it never comes.
 */
function leaveWatchdog(irq: Int32Array, watched: number): void {
  if (Atomics.compareExchange(irq, IRQ_PHASE, watched, PHASE_IDLE) === watched) return;
  const until = Date.now() + 1000;
  while (Atomics.load(irq, IRQ_PHASE) === PHASE_SIGNALLED && Date.now() < until) {
    // spin: the signal's termination ends this loop
  }
}

/** A stack frame in a cell's code. */
const CELL_FRAME = /kubelab-cell-\d+:\d+:\d+/;
/** A V8 stack frame's location: `    at f (/dir/file.js:9:15)` or `    at /dir/file.js:9:15` → prefix, file, line, column, suffix. */
const FRAME_LOCATION = /^(\s+at (?:.*? \()?)(.+?):(\d+):(\d+)(\)?)$/;

/** The `__esModule` marker TypeScript's CommonJS emit starts with (the kernel's `exports` is no module to import). */
const ES_MODULE_MARKER = /^Object\.defineProperty\(exports, "__esModule", \{ value: true \}\);\n/m;
/** Code that defines properties on `exports` (named re-exports of imports, `export *`) rather than assigning them. */
const DEFINES_ON_EXPORTS = /\bdefineProperty\(exports\b|__exportStar\(|__createBinding\(exports\b/;

/** The error an interrupt raises (named as Python's, which Jupyter front ends know). */
function keyboardInterrupt(): Error {
  const err = new Error("Execution interrupted");
  err.name = "KeyboardInterrupt";
  return err;
}

/**
 * Formats type errors like `tsc --pretty false` plus a code frame with a caret under the error span.
 *
 * @example
 * ```ts
 * formatDiagnostics(diags, "let s: string = 1;", "In[1]").traceback;
 * // → ["In[1]:1:5 - error TS2322: Type 'number' is not assignable to type 'string'.", "> 1 | let s: string = 1;", "    |     ^"]
 * ```
 */
export function formatDiagnostics(diags: CellDiagnostic[], code: string, label: string): ErrorContent {
  const lines = code.split("\n");
  const traceback: string[] = [];
  for (const d of diags) {
    const where = d.fileName ?? label;
    traceback.push(`${where}:${d.line + 1}:${d.character + 1} - error TS${d.code}: ${d.message}`);
    if (!d.fileName) {
      const end = d.endLine === d.line ? d.endCharacter : (lines[d.line] ?? "").length;
      traceback.push(...codeFrame(lines, d.line, d.character, end, undefined), "");
    }
  }
  const first = diags[0];
  return {
    ename: "TSError",
    evalue: first ? `${first.fileName ?? label}:${first.line + 1}:${first.character + 1} TS${first.code}: ${first.message}` : "type error",
    traceback: traceback.length > 0 && traceback[traceback.length - 1] === "" ? traceback.slice(0, -1) : traceback,
  };
}

/**
 * Where an error inside text written in the cell (a YAML template literal passed to `cluster.apply`) is
 * in the cell: the error's `source` text and 1-based `location.line`/`column` within it, found in the
 * cell at or after the line of the call. Undefined when the error has no such location or the line is
 * not in the cell as written (e.g. the text was read from a file).
 */
function textErrorInCell(e: Error, cell: CellSource, fromLine: number): { line: number; column: number } | undefined {
  const { source, location } = e as { source?: unknown; location?: { line?: unknown; column?: unknown } };
  if (typeof source !== "string" || typeof location?.line !== "number") return undefined;
  const src = source.split("\n");
  const n = location.line;
  if (n < 1 || n > src.length) return undefined;
  const column = typeof location.column === "number" ? location.column - 1 : 0;
  // The text starts after a backtick on some line at or after the call, and its lines 2..n follow as written.
  for (let l = fromLine; l + n - 1 < cell.lines.length; l++) {
    const head = cell.lines[l]!;
    const k = head.lastIndexOf("`" + src[0]!);
    if (k < 0 || (src[0] === "" && !head.endsWith("`"))) continue;
    let same = true;
    for (let i = 1; i < n && same; i++) same = cell.lines[l + i] === src[i];
    if (same) return n === 1 ? { line: l, column: k + 1 + column } : { line: l + n - 1, column };
  }
  return undefined;
}

/** A line of code with its number and a caret line under columns [start, end). */
function codeFrame(lines: string[], line: number, start: number, end: number, label: string | undefined): string[] {
  const text = lines[line] ?? "";
  const num = String(line + 1);
  const pad = " ".repeat(num.length);
  const carets = "^".repeat(Math.max(1, Math.min(end, text.length) - start));
  return [...(label ? [`${label}:`] : []), `> ${num} | ${text}`, `  ${pad} | ${" ".repeat(start)}${carets}`];
}
