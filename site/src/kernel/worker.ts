/**
 * The kubelab kernel's Web Worker: compiles TypeScript cells and runs them against the simulation,
 * bundled from ../src (the `browser` field swaps in src/platform's browser modules). State stays
 * across cells in one scope object; a cell's last expression is its result; objects render through
 * `Symbol.for("Jupyter.display")` as in the Node kernel.
 */
import ts from "typescript";
import { inspect } from "node-inspect-extracted";
import * as kubelab from "kubelab";
import { provideDatasets } from "../../../src/platform/files.browser";
import { LineMap } from "../../../kernel/sourcemap";
import { INTERRUPT_HOST, type InterruptHost } from "../../../src/sim/interrupt";
import type { ErrorContent, FromWorker, MimeBundle, ToWorker } from "./protocol";
import { TypeChecker } from "./typecheck";

declare const KUBELAB_DATASETS: Record<string, string>;
declare const KUBELAB_VERSION: string;

provideDatasets(KUBELAB_DATASETS);

const post = (m: FromWorker): void => (self as unknown as Worker).postMessage(m);
const DISPLAY = Symbol.for("Jupyter.display");

/** `text/plain` as the Node kernel prints it (Node's util.inspect, extracted for the web). */
function plainText(value: unknown): string {
  return inspect(value, { depth: 4, maxArrayLength: 100, maxStringLength: 10_000, breakLength: 100 });
}

function rawBundle(bundle: unknown, fallbackText?: () => string): MimeBundle {
  if (bundle === null || typeof bundle !== "object" || Array.isArray(bundle)) throw new TypeError(`a MIME bundle must be an object of MIME type → data, got ${plainText(bundle)}`);
  const out: MimeBundle = {};
  for (const [mime, data] of Object.entries(bundle as Record<string, unknown>)) {
    if (!/^[\w.+-]+\/[\w.+-]+$/.test(mime)) throw new TypeError(`not a MIME type: ${JSON.stringify(mime)}`);
    out[mime] = data;
  }
  if (!("text/plain" in out)) {
    const md = out["text/markdown"];
    if (typeof md === "string") out["text/plain"] = md;
    else if (fallbackText) out["text/plain"] = fallbackText();
  }
  return out;
}

async function renderBundle(value: unknown): Promise<MimeBundle> {
  const method = value !== null && (typeof value === "object" || typeof value === "function") ? (value as Record<symbol, unknown>)[DISPLAY] : undefined;
  if (typeof method !== "function") return { "text/plain": plainText(value) };
  return rawBundle(await (method as () => unknown).call(value), () => plainText(value));
}

// ---------------------------------------------------------------- outputs of the running cell
let current = 0;
const streams = { stdout: "", stderr: "" };
function flush(): void {
  for (const name of ["stdout", "stderr"] as const) {
    if (streams[name]) post({ type: "stream", id: current, name, text: streams[name] });
    streams[name] = "";
  }
}
function write(name: "stdout" | "stderr", args: unknown[]): void {
  streams[name] += args.map((a) => (typeof a === "string" ? a : plainText(a))).join(" ") + "\n";
  if (streams[name].length > 1 << 16) flush();
  else queueMicrotask(flush);
}
for (const [method, stream] of [["log", "stdout"], ["info", "stdout"], ["debug", "stdout"], ["warn", "stderr"], ["error", "stderr"]] as const) {
  (console as unknown as Record<string, (...a: unknown[]) => void>)[method] = (...args: unknown[]) => write(stream, args);
}

interface DisplayOptions {
  id?: string;
  update?: boolean;
  raw?: boolean;
}
const pending: Promise<unknown>[] = [];
const scope: Record<string, unknown> = Object.create(null);
Object.assign(scope, {
  display(value: unknown, opts: DisplayOptions = {}): void {
    if (opts.update && opts.id === undefined) throw new TypeError("display(value, { update: true }) needs the id of the output to update");
    const id = current;
    const p = (opts.raw ? Promise.resolve(rawBundle(value)) : renderBundle(value)).then((bundle) => {
      flush();
      post({ type: "display", id, bundle, update: opts.update === true, ...(opts.id !== undefined ? { displayId: opts.id } : {}) });
    });
    pending.push(p);
  },
  clearOutput(wait = false): void {
    flush();
    post({ type: "clear", id: current, wait: wait === true });
  },
});

// ---------------------------------------------------------------- interrupts
let irq: Int32Array | null = null;
class KeyboardInterrupt extends Error {
  override name = "KeyboardInterrupt";
}
function checkInterrupt(): void {
  if (irq && Atomics.load(irq, 0) !== 0) {
    Atomics.store(irq, 0, 0);
    throw new KeyboardInterrupt("Execution interrupted");
  }
}
// settle(), advance() and traffic() poll this between two steps, so an interrupt stops them where the
// simulation is consistent (a worker has no signal that could cut them anywhere else).
const interruptHost: InterruptHost = { poll: checkInterrupt, enter() {}, leave() {} };
(globalThis as { [INTERRUPT_HOST]?: InterruptHost })[INTERRUPT_HOST] = interruptHost;

// ---------------------------------------------------------------- compiling a cell
const modules: Record<string, unknown> = { kubelab };
function cellRequire(name: string): unknown {
  if (name in modules) return modules[name];
  throw new Error(`Cannot find module '${name}' (in the browser only "kubelab" can be imported)`);
}

interface CompiledCell {
  js: string;
  names: string[];
  map: LineMap;
  lines: string[];
  label: string;
}

/** Names a binding pattern declares. */
function boundNames(name: ts.BindingName, out: string[]): void {
  if (ts.isIdentifier(name)) out.push(name.text);
  else for (const el of name.elements) if (!ts.isOmittedExpression(el)) boundNames(el.name, out);
}

/**
 * Transpiles a cell (imports kept: `verbatimModuleSyntax`) and rewrites its top level so that what
 * it declares lives in the kernel's scope object: `const x = 1` → `x = 1`, `function f` → `f =
 * function f`, imports → reads of `require`, the last expression → `return`. Edits stay on their
 * lines, so TypeScript's source map still maps runtime positions to the cell.
 */
function compile(code: string, label: string): CompiledCell {
  const out = ts.transpileModule(code, {
    fileName: "cell.ts",
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true, sourceMap: true, removeComments: false, newLine: ts.NewLineKind.LineFeed },
  });
  const syntax = out.diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (syntax) throw new CellError(diagnosticsError([syntax], code, label));
  const js = out.outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n");
  const sf = ts.createSourceFile("cell.js", js, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const edits: { pos: number; end: number; text: string }[] = [];
  const names: string[] = [];
  const stmts = sf.statements;
  stmts.forEach((st, i) => {
    const start = st.getStart(sf);
    const mods = ts.canHaveModifiers(st) ? ts.getModifiers(st) : undefined;
    const exportMod = mods?.find((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (ts.isImportDeclaration(st)) {
      const spec = (st.moduleSpecifier as ts.StringLiteral).text;
      const parts: string[] = [];
      const clause = st.importClause;
      const req = `require(${JSON.stringify(spec)})`;
      if (clause?.name) {
        names.push(clause.name.text);
        parts.push(`${clause.name.text} = (${req}).default ?? ${req}`);
      }
      const nb = clause?.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) {
        names.push(nb.name.text);
        parts.push(`${nb.name.text} = ${req}`);
      } else if (nb) {
        for (const el of nb.elements) {
          names.push(el.name.text);
          parts.push(`${el.name.text} = ${req}[${JSON.stringify((el.propertyName ?? el.name).text)}]`);
        }
      }
      if (!clause) parts.push(req);
      const original = js.slice(start, st.end);
      edits.push({ pos: start, end: st.end, text: parts.join("; ") + ";" + "\n".repeat((original.match(/\n/g) ?? []).length) });
      return;
    }
    if (exportMod) edits.push({ pos: exportMod.getStart(sf), end: exportMod.end, text: "" });
    if (ts.isVariableStatement(st)) {
      const list = st.declarationList;
      const first = list.declarations[0];
      if (!first) return;
      edits.push({ pos: exportMod ? exportMod.end : start, end: first.getStart(sf), text: ";" });
      for (const d of list.declarations) {
        boundNames(d.name, names);
        const pattern = !ts.isIdentifier(d.name);
        if (pattern) edits.push({ pos: d.name.getStart(sf), end: d.name.getStart(sf), text: "(" });
        if (!d.initializer) edits.push({ pos: d.name.end, end: d.name.end, text: " = void 0" });
        if (pattern) edits.push({ pos: d.end, end: d.end, text: ")" });
      }
      return;
    }
    if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name) {
      names.push(st.name.text);
      const at = exportMod ? exportMod.end : start;
      edits.push({ pos: at, end: at, text: `;${st.name.text} = ` });
      edits.push({ pos: st.end, end: st.end, text: ";" });
      return;
    }
    if (i === stmts.length - 1 && ts.isExpressionStatement(st)) {
      edits.push({ pos: start, end: start, text: "return (" });
      edits.push({ pos: st.expression.end, end: st.expression.end, text: ")" });
    }
  });
  // Interrupt checks at the top of every loop body and function body the cell writes.
  const visit = (node: ts.Node): void => {
    if (ts.isIterationStatement(node, false) && ts.isBlock(node.statement)) {
      edits.push({ pos: node.statement.getStart(sf) + 1, end: node.statement.getStart(sf) + 1, text: "__kubelab_irq();" });
    } else if (ts.isFunctionLike(node) && (node as ts.FunctionLikeDeclaration).body && ts.isBlock((node as ts.FunctionLikeDeclaration).body!)) {
      const body = (node as ts.FunctionLikeDeclaration).body!;
      edits.push({ pos: body.getStart(sf) + 1, end: body.getStart(sf) + 1, text: "__kubelab_irq();" });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  edits.sort((a, b) => b.pos - a.pos || b.end - a.end);
  let text = js;
  for (const e of edits) text = text.slice(0, e.pos) + e.text + text.slice(e.end);
  return { js: text, names, map: LineMap.parse(out.sourceMapText ?? "{}"), lines: code.split("\n"), label };
}

// ---------------------------------------------------------------- errors
class CellError extends Error {
  constructor(readonly content: ErrorContent) {
    super(content.evalue);
  }
}

function codeFrame(lines: string[], line: number, start: number, end: number, label?: string): string[] {
  const text = lines[line] ?? "";
  const num = String(line + 1);
  const pad = " ".repeat(num.length);
  const carets = "^".repeat(Math.max(1, Math.min(end, text.length) - start));
  return [...(label ? [`${label}:`] : []), `> ${num} | ${text}`, `  ${pad} | ${" ".repeat(start)}${carets}`];
}

function diagnosticsError(diags: readonly ts.Diagnostic[], code: string, label: string): ErrorContent {
  const lines = code.split("\n");
  const traceback: string[] = [];
  let evalue = "type error";
  diags.forEach((d, i) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    const startPos = d.start ?? 0;
    const sf = d.file ?? ts.createSourceFile("cell.ts", code, ts.ScriptTarget.ES2022);
    const { line, character } = sf.getLineAndCharacterOfPosition(startPos);
    const endLc = sf.getLineAndCharacterOfPosition(startPos + (d.length ?? 1));
    if (i === 0) evalue = `${label}:${line + 1}:${character + 1} TS${d.code}: ${message}`;
    traceback.push(`${label}:${line + 1}:${character + 1} - error TS${d.code}: ${message}`);
    const end = endLc.line === line ? endLc.character : (lines[line] ?? "").length;
    traceback.push(...codeFrame(lines, line, character, end), "");
  });
  if (traceback[traceback.length - 1] === "") traceback.pop();
  return { ename: "TSError", evalue, traceback };
}

const cells = new Map<string, CompiledCell>();
/** The wrapper puts the cell's first line on line 2 of the evaluated script. */
const WRAPPER_LINES = 1;

function errorContent(e: unknown): ErrorContent {
  if (e instanceof CellError) return e.content;
  if (!(e instanceof Error)) {
    const evalue = plainText(e);
    return { ename: "Uncaught", evalue, traceback: [`Uncaught ${evalue}`] };
  }
  if (e instanceof KeyboardInterrupt) return { ename: "KeyboardInterrupt", evalue: "Execution interrupted", traceback: ["KeyboardInterrupt: Execution interrupted"] };
  const ename = e.name || e.constructor?.name || "Error";
  const traceback = [`${ename}: ${e.message}`];
  let snippet: string[] | undefined;
  for (const frame of (e.stack ?? "").split("\n")) {
    const m = /(kubelab-cell-\d+):(\d+):(\d+)/.exec(frame);
    if (!m) continue;
    const cell = cells.get(m[1]!);
    if (!cell) continue;
    const genLine = Number(m[2]) - 1 - WRAPPER_LINES;
    const pos = genLine >= 0 ? cell.map.lookup(genLine, Math.max(0, Number(m[3]) - 1)) : undefined;
    if (!pos) continue;
    const fn = /^\s*at (?:async )?([\w$.<>]+) \(/.exec(frame)?.[1];
    const where = `${cell.label}:${pos.line + 1}:${pos.column + 1}`;
    traceback.push(fn && fn !== "eval" ? `    at ${fn} (${where})` : `    at ${where}`);
    snippet ??= codeFrame(cell.lines, pos.line, pos.column, pos.column + 1, cell.label);
  }
  return { ename, evalue: e.message, traceback: snippet ? [...traceback, "", ...snippet] : traceback };
}

// ---------------------------------------------------------------- running
const checker = new TypeChecker();
let seq = 0;
const lateErrors: unknown[] = [];
self.addEventListener("unhandledrejection", (ev) => {
  ev.preventDefault();
  lateErrors.push(ev.reason);
});
self.addEventListener("error", (ev) => {
  ev.preventDefault();
  lateErrors.push(ev.error ?? ev.message);
});

async function execute(id: number, code: string, count: number): Promise<void> {
  current = id;
  const label = `In[${count}]`;
  let error: ErrorContent | undefined;
  if (irq) Atomics.store(irq, 0, 0);
  try {
    const diags = checker.check(code);
    if (diags.length > 0) throw new CellError(diagnosticsError(diags, code, label));
    const cell = compile(code, label);
    const file = `kubelab-cell-${++seq}`;
    cells.set(file, cell);
    for (const n of cell.names) if (!(n in scope)) scope[n] = undefined;
    const fn = (0, eval)(`(async function (require, __kubelab_irq) { with (this) {\n${cell.js}\n} })\n//# sourceURL=${file}`) as (this: object, r: typeof cellRequire, irq: () => void) => Promise<unknown>;
    const value = await fn.call(scope, cellRequire, checkInterrupt);
    checker.commit(code);
    await new Promise((r) => setTimeout(r, 0));
    await Promise.all(pending.splice(0));
    if (value !== undefined) {
      const bundle = await renderBundle(value);
      flush();
      post({ type: "result", id, bundle });
    }
  } catch (e) {
    error = errorContent(e);
  }
  await Promise.allSettled(pending.splice(0));
  flush();
  const late = lateErrors.splice(0).map(errorContent);
  if (error) post({ type: "error", id, error });
  for (const l of late) post({ type: "error", id, error: l });
  error ??= late[0];
  post({ type: "done", id, ok: !error, ...(error ? { error } : {}) });
}

let queue: Promise<void> = Promise.resolve();
self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  switch (m.type) {
    case "init":
      irq = m.irq ? new Int32Array(m.irq) : null;
      post({ type: "ready", banner: `kubelab ${KUBELAB_VERSION}: TypeScript ${ts.version} in a Web Worker` });
      break;
    case "execute":
      queue = queue.then(() => execute(m.id, m.code, m.count));
      break;
    case "complete": {
      const r = checker.complete(m.code, m.cursor, scope);
      post({ type: "completed", id: m.id, ...r });
      break;
    }
    case "inspect": {
      const text = checker.inspect(m.code, m.cursor);
      post({ type: "inspected", id: m.id, found: text !== "", text });
      break;
    }
  }
};
