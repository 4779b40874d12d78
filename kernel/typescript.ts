/**
 * The TypeScript side of the kernel: compiling cells, completion, quick info and is-complete checks, on the
 * `typescript` package (5.9, ES2023 library). The cross-cell work is `converter.ts` (our replacement for
 * tslab's converter, which slows down as a notebook grows); from tslab we keep `isCompleteCode` and
 * `printQuickInfo`. Differences from tslab:
 *
 * - TypeScript 5.9 with the ES2023 library instead of tslab's TypeScript 5.0 fork with ES2022, so
 *   `findLast`, `toSorted`, `using` and `NoInfer` type-check as Node 20 runs them;
 * - `rootDir` is `/`, so a cell may import `.ts` files from outside the notebook's folder
 *   (tslab fails with "is not under 'rootDir'");
 * - `kubelab` resolves to this package's declarations wherever the notebook lives;
 * - runtime errors point at the cell's own lines, and at the lines of the `.ts` files it imports (source maps).
 */
import * as path from "node:path";
import { createRequire } from "node:module";
import type * as TS from "typescript";
import type * as TslabConverter from "tslab/dist/converter";
import type * as TslabInspect from "tslab/dist/inspect";
import { LineMap, composeMaps } from "./sourcemap";
import { CellConverter, ts, type ConverterDiagnostic } from "./converter";

const tslabRequire = createRequire(require.resolve("tslab/package.json"));
const inspectModule = tslabRequire("./dist/inspect") as typeof TslabInspect;
/** tslab's converter module, loaded on the first is-complete check: it loads tslab's own compiler (0.4 s), which nothing else needs. */
let converterModule: typeof TslabConverter | undefined;

/** The version of the TypeScript compiler that checks and compiles cells (the `typescript` package's). */
export const TYPESCRIPT_VERSION: string = ts.version;

/** A type error, located in the cell (zero-based lines and UTF-16 columns) or in an imported file (`fileName`, relative to the notebook's folder). */
export type CellDiagnostic = ConverterDiagnostic;

/** A cell compiled to CommonJS, ready to run. */
export interface CompiledCell {
  /** CommonJS code; reads and writes cross-cell variables through `exports`. */
  js: string;
  /** Maps a zero-based (line, column) of `js` to the cell's own zero-based position. */
  toCell: (line: number, column: number) => { line: number; column: number } | undefined;
  /** Declarations to carry to the next cell. */
  declOutput: string;
  /** Name of the `exports` property holding the value of the cell's last expression, if any. */
  lastExpressionVar?: string;
  hasToplevelAwait: boolean;
  /** Compiled `.ts`/`.js` files the cell imports, by absolute path of the would-be `.js` file. */
  sideOutputs: Map<string, SideModule>;
}

/** A file a cell imports, compiled to CommonJS. */
export interface SideModule {
  /** Absolute path of the file as written (`helpers.ts`); stack frames of `js` name the would-be `.js` path. */
  source: string;
  /** CommonJS code. */
  js: string;
  /** Maps a zero-based (line, column) of `js` to the zero-based position in `source`. */
  toSource: (line: number, column: number) => { line: number; column: number } | undefined;
}

/** The compile result: code or the type errors that stop the cell. */
export type CompileResult = ({ ok: true } & CompiledCell) | { ok: false; diagnostics: CellDiagnostic[] };

/**
 * Maps positions in the CommonJS code of `esm` back through both passes to the TypeScript source, minus
 * `lineOffset` lines (a cell's `export {};` line, which TypeScript saw first). Built only when an error
 * needs positions: it redoes the ES module → CommonJS pass with a source map.
 */
function sourceMapper(esm: string, esmMap: string | undefined, target: TS.ScriptTarget, lineOffset: number): CompiledCell["toCell"] {
  let mapped: CompiledCell["toCell"] | undefined;
  return (line, column) => {
    if (!mapped) {
      const cjs = ts.transpileModule(esm, {
        fileName: "cell.js",
        compilerOptions: { module: ts.ModuleKind.CommonJS, esModuleInterop: true, target, newLine: ts.NewLineKind.LineFeed, noImplicitUseStrict: true, sourceMap: true },
      });
      const maps = [LineMap.parse(cjs.sourceMapText ?? "{}")];
      if (esmMap) maps.push(LineMap.parse(esmMap));
      mapped = composeMaps(maps, lineOffset);
    }
    return mapped(line, column);
  };
}

/** tslab's ES module → CommonJS pass (the executor runs cells as CommonJS functions of `exports` and `require`). */
function esModuleToCommonJS(js: string, target: TS.ScriptTarget): string {
  return ts.transpileModule(js, {
    fileName: "cell.js",
    compilerOptions: { module: ts.ModuleKind.CommonJS, esModuleInterop: true, target, newLine: ts.NewLineKind.LineFeed, noImplicitUseStrict: true },
  }).outputText;
}

/** Declarations of the kernel's globals, visible to the type checker in every cell. */
const GLOBALS_DTS = `
declare global {
  /** Options of {@link display}. */
  interface KubelabDisplayOptions {
    /** \`value\` is already a MIME bundle, e.g. \`{ "text/html": "<b>hi</b>" }\`. */
    raw?: boolean;
    /** A display id: a later \`display(v, { id, update: true })\` replaces this output in place. */
    id?: string;
    /** Replace the output shown earlier with the same \`id\` instead of adding one. */
    update?: boolean;
  }
  /**
   * Shows \`value\` as an output of the running cell, rendered through its
   * \`[Symbol.for("Jupyter.display")]()\` method when it has one, else as text.
   * @example display(cluster.endpoints("web"), { id: "eps" })
   */
  function display(value: unknown, options?: KubelabDisplayOptions): void;
  /**
   * Clears the outputs of the running cell; with \`wait\`, only when the next output arrives (no flicker).
   * @example clearOutput(true)
   */
  function clearOutput(wait?: boolean): void;
}
export {};
`;

/**
 * Compiles and analyses cells; one instance per kernel. It owns the declarations of earlier cells.
 *
 * @example
 * ```ts
 * const engine = new TypeScriptEngine({ kubelabTypes: "/opt/kubelab/dist/src/index.d.ts" });
 * const r = engine.compile("const x: number = 1;\nx + 1");
 * ```
 */
export class TypeScriptEngine {
  private readonly converter: CellConverter;
  /** The last cell's ES module → CommonJS pass (a cell run again unchanged skips it). */
  private lastCommonJS: { esm: string; js: string } | undefined;

  constructor(opts: { kubelabTypes?: string; kubelabRoot?: string; cwd?: string; sourceMap?: boolean } = {}) {
    const paths = opts.kubelabTypes ? { kubelab: [opts.kubelabTypes], ...(opts.kubelabRoot ? { "kubelab/*": [path.join(opts.kubelabRoot, "*")] } : {}) } : undefined;
    this.converter = new CellConverter({ ...(opts.cwd ? { cwd: opts.cwd } : {}), ...(paths ? { paths } : {}), globals: GLOBALS_DTS, sourceMap: opts.sourceMap ?? true });
  }

  /** Declarations carried from earlier cells (what the type checker knows), oldest first. */
  get declarations(): string {
    return this.converter.declarations;
  }

  /**
   * Type-checks and compiles a cell against the declarations of earlier cells; when it compiles, its own
   * declarations are kept for later cells. `before` transformers apply to the cell and the files it imports.
   *
   * @example
   * ```ts
   * const r = engine.compile("let n = 1");
   * if (r.ok) run(r.js);
   * ```
   */
  compile(src: string, before: TS.TransformerFactory<TS.SourceFile>[] = []): CompileResult {
    const conv = this.converter.compile(src, { before });
    if (!conv.ok) return { ok: false, diagnostics: conv.diagnostics };
    const target = ts.ScriptTarget.ES2022;
    const sideOutputs = new Map<string, SideModule>();
    for (const [abs, side] of conv.sideOutputs) {
      sideOutputs.set(abs, { source: side.source, js: esModuleToCommonJS(side.esm, target), toSource: sourceMapper(side.esm, side.esmMap, target, 0) });
    }
    return {
      ok: true,
      js: this.toCommonJS(conv.esm, target),
      toCell: sourceMapper(conv.esm, conv.esmMap, target, 1),
      declOutput: conv.declarations,
      ...(conv.lastExpressionVar ? { lastExpressionVar: conv.lastExpressionVar } : {}),
      hasToplevelAwait: conv.hasToplevelAwait,
      sideOutputs,
    };
  }

  private toCommonJS(esm: string, target: TS.ScriptTarget): string {
    if (this.lastCommonJS?.esm !== esm) this.lastCommonJS = { esm, js: esModuleToCommonJS(esm, target) };
    return this.lastCommonJS.js;
  }

  /**
   * Completion candidates at a UTF-16 offset; `start`/`end` delimit the text they replace.
   *
   * @example
   * ```ts
   * engine.complete("Math.fl", 7); // → { start: 5, end: 7, matches: ["floor", ...] }
   * ```
   */
  complete(src: string, offset: number): { start: number; end: number; matches: string[] } {
    const info = this.converter.complete(src, offset);
    return { start: info.start, end: info.end, matches: info.candidates };
  }

  /**
   * Signature and TSDoc of the symbol at (or just before) a UTF-16 offset, or undefined.
   *
   * @example
   * ```ts
   * engine.inspect("Math.max", 8); // → "(method) Math.max(...values: number[]): number\n\nReturns the larger ..."
   * ```
   */
  inspect(src: string, offset: number): string | undefined {
    for (const at of offset > 0 ? [offset, offset - 1] : [offset]) {
      const info = this.converter.inspect(src, at);
      if (info) return inspectModule.printQuickInfo(info as Parameters<typeof inspectModule.printQuickInfo>[0]);
    }
    return undefined;
  }

  /**
   * Whether a cell is complete (run it), incomplete (Enter continues it, with `indent`) or invalid.
   *
   * @example
   * ```ts
   * engine.isComplete("function f() {"); // → { status: "incomplete", indent: "  " }
   * ```
   */
  isComplete(src: string): { status: "complete" | "incomplete" | "invalid"; indent?: string } {
    converterModule ??= tslabRequire("./dist/converter") as typeof TslabConverter;
    const r = converterModule.isCompleteCode(src);
    if (!r.completed) return { status: "incomplete", indent: r.indent ?? "" };
    const sf = ts.createSourceFile("cell.ts", src, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    const parseDiagnostics = (sf as unknown as { parseDiagnostics?: TS.Diagnostic[] }).parseDiagnostics ?? [];
    return { status: parseDiagnostics.length > 0 ? "invalid" : "complete" };
  }

  /** Nothing to release (no file watchers): kept so callers need not know. */
  close(): void {}
}
