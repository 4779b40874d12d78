/**
 * The TypeScript side of the kernel: tslab's converter (cross-cell declarations, type checking, top-level
 * await, completion, quick info), created with three changes tslab does not offer as options:
 *
 * - `rootDir` is `/`, so a cell may import `.ts` files from outside the notebook's folder
 *   (tslab fails with "is not under 'rootDir'");
 * - `kubelab` resolves to this package's declarations wherever the notebook lives;
 * - source maps are emitted, so runtime errors point at the cell's own lines.
 *
 * tslab keeps its compiler options and builder private, so they are reached once, while the converter
 * is created, through a short-lived accessor (see {@link TypeScriptEngine} constructor).
 */
import * as path from "node:path";
import { createRequire } from "node:module";
import type * as TS from "@tslab/typescript-for-tslab";
import type * as TslabConverter from "tslab/dist/converter";
import type * as TslabInspect from "tslab/dist/inspect";
import { LineMap, composeMaps } from "./sourcemap";

const tslabRequire = createRequire(require.resolve("tslab/package.json"));
const ts = tslabRequire("@tslab/typescript-for-tslab") as typeof TS;
const converterModule = tslabRequire("./dist/converter") as typeof TslabConverter;
const inspectModule = tslabRequire("./dist/inspect") as typeof TslabInspect;

/** The version of the TypeScript compiler inside tslab that checks and compiles cells. */
export const TYPESCRIPT_VERSION: string = ts.version;

/** A type error, located in the cell (zero-based lines and UTF-16 columns) or in an imported file. */
export interface CellDiagnostic {
  line: number;
  character: number;
  endLine: number;
  endCharacter: number;
  message: string;
  code: number;
  /** Set when the error is in another file the cell imports (path relative to the notebook's folder). */
  fileName?: string;
}

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
  /** Compiled `.ts` files the cell imports: absolute path of the would-be `.js` file → CommonJS code. */
  sideOutputs: Map<string, string>;
}

/** The compile result: code or the type errors that stop the cell. */
export type CompileResult = ({ ok: true } & CompiledCell) | { ok: false; diagnostics: CellDiagnostic[] };

/** Maps positions in the CommonJS code of a cell to the cell (the `export {};` line TypeScript saw first is skipped). */
function cellMapper(esm: string, esmMap: string | undefined, target: TS.ScriptTarget): CompiledCell["toCell"] {
  const cjs = ts.transpileModule(esm.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n"), {
    fileName: "cell.js",
    compilerOptions: { module: ts.ModuleKind.CommonJS, esModuleInterop: true, target, newLine: ts.NewLineKind.LineFeed, noImplicitUseStrict: true, sourceMap: true },
  });
  const maps = [LineMap.parse(cjs.sourceMapText ?? "{}")];
  if (esmMap) maps.push(LineMap.parse(esmMap));
  return composeMaps(maps, 1);
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
 * Compiles and analyses cells; one instance per kernel.
 *
 * @example
 * ```ts
 * const engine = new TypeScriptEngine({ kubelabTypes: "/opt/kubelab/dist/src/index.d.ts" });
 * const r = engine.compile("", "const x: number = 1;\nx + 1");
 * ```
 */
export class TypeScriptEngine {
  private readonly converter: TslabConverter.Converter;
  private readonly cwd: string;
  /** Files TypeScript emitted during the current compile, keyed by absolute path of the output. */
  private emitted = new Map<string, string>();
  private readonly srcBase: string;

  constructor(opts: { kubelabTypes?: string; kubelabRoot?: string } = {}) {
    this.cwd = ts.sys.getCurrentDirectory();
    this.srcBase = path.posix.join(this.cwd.replace(/\\/g, "/"), "__tslab__");
    const emitted = (): Map<string, string> => this.emitted;
    const srcBase = this.srcBase;
    let captured = false;
    // tslab's converter creates its watch host and options privately. createWatchProgram reads the
    // host's optional `extraFileExtensions` once, before building the first program: an accessor on
    // Object.prototype, present only during createConverter, sees the host there and adjusts it.
    Object.defineProperty(Object.prototype, "extraFileExtensions", {
      configurable: true,
      get(this: { options?: TS.CompilerOptions; rootFiles?: string[]; afterProgramCreate?: (b: TS.EmitAndSemanticDiagnosticsBuilderProgram) => void }) {
        if (captured || !this.options || this.options.outDir !== "outDir" || !Array.isArray(this.rootFiles)) return undefined;
        captured = true;
        const o = this.options;
        o.rootDir = "/";
        o.sourceMap = true;
        if (opts.kubelabTypes) {
          o.paths = { kubelab: [opts.kubelabTypes], ...(opts.kubelabRoot ? { "kubelab/*": [path.join(opts.kubelabRoot, "*")] } : {}) };
        }
        const after = this.afterProgramCreate;
        this.afterProgramCreate = (builder) => {
          const emit = builder.emit.bind(builder);
          builder.emit = (sf, writeFile, token, dtsOnly, transformers) =>
            emit(
              sf,
              (fileName, data, bom, onError, sources, meta) => {
                // With rootDir "/", outputs are "outDir/<absolute path>"; tslab expects "outDir/<file>" for the cell.
                const abs = "/" + fileName.replace(/^.*?outDir\//, "");
                emitted().set(abs, data);
                const base = abs.replace(/\.(js|d\.ts)$/, "");
                if (base === srcBase && !abs.endsWith(".map")) {
                  writeFile?.("outDir/" + path.posix.basename(abs), data, bom, onError, sources, meta);
                }
              },
              token,
              dtsOnly,
              transformers,
            );
          after?.(builder);
        };
        return undefined;
      },
    });
    try {
      this.converter = converterModule.createConverter({ isJS: false, isBrowser: false });
    } finally {
      delete (Object.prototype as Record<string, unknown>)["extraFileExtensions"];
    }
    if (!captured) throw new Error("kubelab kernel: could not configure tslab's converter (unexpected tslab version?)");
    const diags = this.converter.addModule("__kubelab_globals__", GLOBALS_DTS);
    if (diags.length > 0) throw new Error("kubelab kernel: globals do not compile: " + diags.map((d) => d.messageText).join("; "));
  }

  /**
   * Type-checks and compiles a cell given the declarations of earlier cells.
   *
   * @example
   * ```ts
   * const r = engine.compile(prevDecl, "let n = 1");
   * if (r.ok) prevDecl = r.declOutput;
   * ```
   */
  compile(prevDecl: string, src: string): CompileResult {
    this.emitted = new Map();
    const conv = this.converter.convert(prevDecl, src);
    if (conv.diagnostics.length > 0) {
      return {
        ok: false,
        diagnostics: conv.diagnostics.map((d) => ({
          line: d.start.line,
          character: d.start.character,
          endLine: d.end.line,
          endCharacter: d.end.character,
          message: d.messageText,
          code: d.code,
          ...(d.fileName ? { fileName: d.fileName } : {}),
        })),
      };
    }
    const esm = this.emitted.get(this.srcBase + ".js") ?? "";
    const esmMap = this.emitted.get(this.srcBase + ".js.map");
    const target = ts.ScriptTarget.ES2022;
    const sideOutputs = new Map<string, string>();
    for (const [abs, data] of this.emitted) {
      if (!abs.endsWith(".js") || abs.startsWith(this.srcBase + ".")) continue;
      sideOutputs.set(abs, converterModule.esModuleToCommonJSModule(data, target));
    }
    let toCell: CompiledCell["toCell"] | undefined;
    return {
      ok: true,
      js: (conv.output ?? "").replace(/\/\/# sourceMappingURL=.*\s*$/, ""),
      // Only an error needs positions: map lazily, redoing tslab's ESM → CommonJS pass with a source map.
      toCell: (line, column) => {
        toCell ??= cellMapper(esm, esmMap, target);
        return toCell(line, column);
      },
      declOutput: conv.declOutput ?? "",
      ...(conv.lastExpressionVar ? { lastExpressionVar: conv.lastExpressionVar } : {}),
      hasToplevelAwait: conv.hasToplevelAwait ?? false,
      sideOutputs,
    };
  }

  /**
   * Completion candidates at a UTF-16 offset; `start`/`end` delimit the text they replace.
   *
   * @example
   * ```ts
   * engine.complete("", "Math.fl", 7); // → { start: 5, end: 7, matches: ["floor", ...] }
   * ```
   */
  complete(prevDecl: string, src: string, offset: number): { start: number; end: number; matches: string[] } {
    const info = this.converter.complete(prevDecl, src, offset);
    return { start: info.start, end: info.end, matches: info.candidates };
  }

  /**
   * Signature and TSDoc of the symbol at (or just before) a UTF-16 offset, or undefined.
   *
   * @example
   * ```ts
   * engine.inspect("", "Math.max", 8); // → "(method) Math.max(...values: number[]): number\n\nReturns the larger ..."
   * ```
   */
  inspect(prevDecl: string, src: string, offset: number): string | undefined {
    for (const at of offset > 0 ? [offset, offset - 1] : [offset]) {
      const info = this.converter.inspect(prevDecl, src, at);
      if (info) return inspectModule.printQuickInfo(info);
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
    const r = converterModule.isCompleteCode(src);
    if (!r.completed) return { status: "incomplete", indent: r.indent ?? "" };
    const sf = ts.createSourceFile("cell.ts", src, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    const parseDiagnostics = (sf as unknown as { parseDiagnostics?: TS.Diagnostic[] }).parseDiagnostics ?? [];
    return { status: parseDiagnostics.length > 0 ? "invalid" : "complete" };
  }

  /** Stops watching files. */
  close(): void {
    this.converter.close();
  }
}
