/**
 * `npm run lessons`: executes every `notebooks/*.ipynb` through the kubelab kernel, in name order, and
 * writes `build/lessons/<name>.html` plus `build/lessons/index.html`. `kubelab export NOTEBOOK… --out DIR`
 * calls {@link exportNotebooks} for any notebooks.
 *
 * ```sh
 * node dist/tools/course/main.js [--out DIR] [--timeout SECONDS] [NOTEBOOK…]
 * ```
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { indexHtml, learningGoals, notebookHtml, notebookTitle, type IndexEntry, type PageLink } from "./export";
import { notebookJson, readNotebook, type Notebook } from "./notebook";
import { LessonError, executeNotebook, type RunOptions } from "./runner";
import { findPackageRoot } from "../../src/packageroot";

/** Options of {@link exportNotebooks}. */
export interface ExportOptions extends Omit<RunOptions, "position"> {
  /** Output directory (created if missing). */
  out: string;
  /** Title of the index page. Default "kubelab lessons". */
  title?: string;
  /** Also write the executed notebooks as `<out>/<name>.ipynb`. Default false. */
  writeNotebooks?: boolean;
}

/** One exported lesson. */
export interface ExportedLesson {
  /** The source notebook (absolute path; never modified). */
  notebook: string;
  /** The HTML page written (absolute path). */
  page: string;
  /** The executed notebook file, when `writeNotebooks` was set. */
  executed?: string;
  title: string;
  /** Number of code cells executed. */
  codeCells: number;
  /** Wall time of the run, kernel start to shutdown. */
  ms: number;
}

/** What {@link exportNotebooks} wrote. */
export interface ExportResult {
  /** `<out>/index.html`. */
  index: string;
  lessons: ExportedLesson[];
}

/**
 * The course's notebooks: `*.ipynb` directly in `dir`, in name order (checkpoints and hidden files skipped).
 *
 * @example
 * ```ts
 * courseNotebooks("notebooks"); // → ["notebooks/01-control-plane.ipynb", "notebooks/02-services.ipynb", …]
 * ```
 */
export function courseNotebooks(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb") && !f.startsWith("."))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((f) => path.join(dir, f));
}

/**
 * Some notebooks failed: the pages of the others were written (with `index.html` linking them), and
 * `failures` names each failing notebook's cell and error. The message lists them one a line.
 *
 * @example
 * ```ts
 * try { await exportNotebooks(files, { out }); } catch (e) { if (e instanceof ExportError) e.failures.map((f) => f.cell); }
 * ```
 */
export class ExportError extends Error {
  override name = "ExportError";
  constructor(
    /** What was written: the lessons that ran. */
    readonly result: ExportResult,
    /** One per failing notebook: where its run stopped. */
    readonly failures: readonly LessonError[],
  ) {
    const n = result.lessons.length;
    super(
      `${failures.length} notebook${failures.length === 1 ? "" : "s"} failed; wrote ${n} page${n === 1 ? "" : "s"} and ${result.index}\n` +
        failures.map((f) => `  ${f.notebook}: cell ${f.cell}/${f.cells} (notebook cell ${f.cellIndex}): ${f.timedOut ? "timed out: " : ""}${f.ename}: ${f.evalue}`).join("\n"),
    );
  }
}

/**
 * Executes notebooks in order, each in a fresh kernel in its own directory, and writes one self-contained
 * HTML page per notebook that ran plus `index.html` linking them. A notebook stops at its first failing
 * cell; the others still run and are written, and then an {@link ExportError} lists every failing cell
 * (notebook, cell number, error).
 *
 * @example
 * ```ts
 * const r = await exportNotebooks(["notebooks/01-control-plane.ipynb"], { out: "build/lessons" });
 * r.lessons[0].page; // → "/…/build/lessons/01-control-plane.html"
 * ```
 */
export async function exportNotebooks(paths: string[], opts: ExportOptions): Promise<ExportResult> {
  if (paths.length === 0) throw new Error("kubelab export: no notebooks given");
  const out = path.resolve(opts.out);
  // Read (and validate) everything first: a malformed notebook fails before any kernel starts.
  const sources = paths.map((p) => {
    const file = path.resolve(p);
    const name = path.basename(file);
    const base = name.replace(/\.ipynb$/i, "");
    const nb = readNotebook(file);
    return { file, name, base, nb, title: notebookTitle(nb, name) };
  });
  const seen = new Map<string, string>();
  for (const s of sources) {
    const other = seen.get(s.base);
    if (other !== undefined) throw new Error(`kubelab export: ${other} and ${s.file} would both be written as ${s.base}.html`);
    seen.set(s.base, s.file);
  }
  fs.mkdirSync(out, { recursive: true });
  // Run everything first: navigation links only the pages that can be written.
  const ran: { s: (typeof sources)[number]; executed: Notebook; ms: number }[] = [];
  const failures: LessonError[] = [];
  for (let i = 0; i < sources.length; i++) {
    const s = sources[i]!;
    const t0 = Date.now();
    try {
      const executed = await executeNotebook(s.nb, { ...opts, name: s.name, cwd: path.dirname(s.file), position: { index: i + 1, total: sources.length } });
      ran.push({ s, executed, ms: Date.now() - t0 });
    } catch (e) {
      if (!(e instanceof LessonError)) throw e;
      failures.push(e);
    }
  }
  const index: PageLink = { href: "index.html", title: "Contents" };
  const link = (i: number): PageLink | undefined => (ran[i] ? { href: `${ran[i].s.base}.html`, title: ran[i].s.title } : undefined);
  const lessons: ExportedLesson[] = [];
  for (const [i, { s, executed, ms }] of ran.entries()) {
    const page = path.join(out, `${s.base}.html`);
    const prev = link(i - 1);
    const next = link(i + 1);
    fs.writeFileSync(page, notebookHtml(executed, { name: s.name, title: s.title, index, ...(prev ? { prev } : {}), ...(next ? { next } : {}) }));
    const lesson: ExportedLesson = { notebook: s.file, page, title: s.title, codeCells: executed.cells.filter((c) => c.cell_type === "code").length, ms };
    if (opts.writeNotebooks) {
      const file = path.join(out, `${s.base}.ipynb`);
      if (file === s.file) throw new Error(`kubelab export: the output directory holds the source notebook ${s.file}; choose another --out`);
      fs.writeFileSync(file, notebookJson(executed));
      lesson.executed = file;
    }
    lessons.push(lesson);
  }
  const entries: IndexEntry[] = ran.map(({ s }) => {
    const goals = learningGoals(s.nb);
    return { href: `${s.base}.html`, title: s.title, name: s.name, ...(goals !== undefined ? { goals } : {}) };
  });
  const indexFile = path.join(out, "index.html");
  fs.writeFileSync(indexFile, indexHtml(entries, opts.title !== undefined ? { title: opts.title } : {}));
  const result = { index: indexFile, lessons };
  if (failures.length > 0) throw new ExportError(result, failures);
  return result;
}

/**
 * The command line: `[--out DIR] [--timeout SECONDS] [NOTEBOOK…]`; without notebooks, the course in
 * `notebooks/` to `build/lessons/`. Returns the exit code; errors are printed to stderr.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2));
 * ```
 */
export async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  const take = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    if (i < 0) return undefined;
    const v = args[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value`);
    args.splice(i, 2);
    return v;
  };
  try {
    const root = findPackageRoot(__dirname);
    const outArg = take("--out");
    const timeout = take("--timeout");
    const timeoutMs = timeout === undefined ? undefined : Number(timeout) * 1000;
    if (timeoutMs !== undefined && !(timeoutMs > 0)) throw new Error(`--timeout wants a positive number of seconds, got "${timeout}"`);
    const unknown = args.find((a) => a.startsWith("--"));
    if (unknown) throw new Error(`unknown option ${unknown} (usage: lessons [--out DIR] [--timeout SECONDS] [NOTEBOOK…])`);
    const notebooks = args.length ? args : courseNotebooks(path.join(root, "notebooks"));
    if (notebooks.length === 0) throw new Error(`no lessons: ${path.join(root, "notebooks")} has no .ipynb files`);
    const out = outArg ?? path.join(root, "build", "lessons");
    const t0 = Date.now();
    const r = await exportNotebooks(notebooks, { out, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
    process.stderr.write(`${r.lessons.length} lesson${r.lessons.length === 1 ? "" : "s"} exported in ${((Date.now() - t0) / 1000).toFixed(1)} s → ${path.relative(process.cwd(), r.index) || r.index}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(e instanceof ExportError ? `\nlessons: ${e.message}\n` : `\nlessons: ${(e as Error).message ?? String(e)}\n`);
    return 1;
  }
}

if (require.main === module) {
  // Ctrl-C: exit normally so the exit hook kills the kernels this run started.
  process.once("SIGINT", () => process.exit(130));
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
