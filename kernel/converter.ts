/**
 * The cell converter: type-checks and compiles one cell at a time against the declarations of earlier
 * cells, on the `typescript` package (5.9, the version the in-browser kernel uses) with the ES2023 library
 * Node 20 implements. It replaces tslab's `converter.convert/complete/inspect` and keeps their semantics:
 * cross-cell declarations where a later cell shadows an earlier one (let/const/function/class/interface/type),
 * top-level await, the value of the last expression, completion and quick info that see earlier cells.
 *
 * Why not tslab's: tslab carries every earlier declaration in one text (`prevDecl`) that it re-parses,
 * re-binds and re-prints on every cell, so a cell costs more the longer the notebook. Here each cell's
 * declarations become their own, never-changing `.d.ts` file, chained by `SourceFile.parent` (newest first,
 * as tslab chains its one file), so name lookup finds the latest declaration and TypeScript reuses the
 * parsed and bound files: a cell costs the same after 1,000 cells. Every `MERGE_RUN` per-cell files are
 * merged into one (and those merged runs again, level by level) so the chain stays short.
 *
 * Why not tslab's compiler (`@tslab/typescript-for-tslab`, TypeScript 5.0 with the ES2022 library): it
 * rejects `findLast`, `toSorted`, `using` and `NoInfer`, which Node 20 runs. What its fork added is done
 * here instead: top-level await is found in the cell's syntax tree ({@link topLevelAwait}), and completion
 * and quick info call the same services TypeScript's language service calls.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as TS from "typescript";

/** The TypeScript compiler that checks and compiles cells (the `typescript` package). */
export const ts: typeof TS = TS;

/**
 * Parts of TypeScript 5.9 this module uses that its typings do not export (the language service's own
 * building blocks, called here on the converter's program, whose declaration chain a language service
 * would not keep).
 */
interface TsInternals {
  bindSourceFile(file: TS.SourceFile, options: TS.CompilerOptions): void;
  findPrecedingToken(position: number, sf: TS.SourceFile): TS.Node | undefined;
  findNextToken(previous: TS.Node, parent: TS.Node, sf: TS.SourceFile): TS.Node | undefined;
  getTouchingPropertyName(sf: TS.SourceFile, position: number): TS.Node;
  getContainerNode(node: TS.Node): TS.Declaration | undefined;
  getContainingObjectLiteralElement(node: TS.Node): (TS.ObjectLiteralElement & { parent: TS.ObjectLiteralExpression | TS.JsxAttributes }) | undefined;
  getPropertySymbolsFromContextualType(node: TS.ObjectLiteralElement, checker: TS.TypeChecker, contextualType: TS.Type, unionSymbolOk: boolean): readonly TS.Symbol[];
  typeToDisplayParts(checker: TS.TypeChecker, type: TS.Type, enclosingDeclaration?: TS.Node): TS.SymbolDisplayPart[];
  isLabelName(node: TS.Node): boolean;
  isTagName(node: TS.Node): boolean;
  isConstTypeReference(node: TS.Node): boolean;
  isInComment(sf: TS.SourceFile, position: number): unknown;
  isImportMeta(node: TS.Node): boolean;
  isInTopLevelContext(node: TS.Node): boolean;
  nullTransformationContext: TS.TransformationContext;
  SymbolDisplay: {
    getSymbolDisplayPartsDocumentationAndSymbolKind(
      checker: TS.TypeChecker,
      symbol: TS.Symbol,
      sf: TS.SourceFile,
      enclosingDeclaration: TS.Node | undefined,
      location: TS.Node,
    ): { symbolKind: TS.ScriptElementKind; displayParts: TS.SymbolDisplayPart[]; documentation: TS.SymbolDisplayPart[]; tags: TS.JSDocTagInfo[] | undefined };
    getSymbolModifiers(checker: TS.TypeChecker, symbol: TS.Symbol): string;
  };
  Completions: {
    getCompletionsAtPosition(
      host: object,
      program: TS.Program,
      log: (s: string) => void,
      sf: TS.SourceFile,
      position: number,
      preferences: TS.UserPreferences,
      trigger: string | undefined,
      kind: TS.CompletionTriggerKind,
      token: TS.CancellationToken,
    ): TS.CompletionInfo | undefined;
  };
}
const tsi = ts as unknown as TsInternals;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };
const withLocals = (n: TS.Node): { locals?: Map<string, TS.Symbol> } => n as unknown as { locals?: Map<string, TS.Symbol> };
const setParent = (sf: TS.SourceFile, parent: TS.Node | undefined): void => {
  (sf as Mutable<TS.SourceFile>).parent = parent as TS.Node;
};

const cancellationToken: TS.CancellationToken = { isCancellationRequested: () => false, throwIfCancellationRequested: () => {} };

/** Cells and declaration files start with this line so that TypeScript treats them as modules (as tslab does). */
export const CELL_PREFIX = "export {};\n";
/** How many files of one level are merged into one file of the next level. */
const MERGE_RUN = 16;
/** Root files that hold declaration files: 4 levels of 15 files (65,535 cells) before everything merges into one. */
const SLOTS = 64;

/** A diagnostic located in the cell (zero-based, prefix removed) or in another file (path relative to cwd). */
export interface ConverterDiagnostic {
  line: number;
  character: number;
  endLine: number;
  endCharacter: number;
  message: string;
  code: number;
  fileName?: string;
}

/** What {@link CellConverter.compile} produced for a cell that type-checks. */
export interface ConvertedCell {
  /** The cell as an ES module (TypeScript's emit, before the CommonJS pass). */
  esm: string;
  /** TypeScript's source map of `esm`, when source maps were asked for. */
  esmMap?: string;
  /** The cell's own declarations (what later cells see). */
  declarations: string;
  lastExpressionVar?: string;
  hasToplevelAwait: boolean;
  /** `.ts`/`.js` files the cell imports that changed since they were last emitted, by absolute would-be `.js` path. */
  sideOutputs: Map<string, SideOutput>;
}

/** An imported `.ts`/`.js` file as compiled for the cell that imports it. */
export interface SideOutput {
  /** Absolute path of the file as written (the `.ts` file; a `.js` file compiles to its own path). */
  source: string;
  /** The file as an ES module. */
  esm: string;
  /** TypeScript's source map of `esm`, when source maps were asked for. */
  esmMap?: string;
}

export type ConvertResult = ({ ok: true } & ConvertedCell) | { ok: false; diagnostics: ConverterDiagnostic[] };

/** One file of the declaration chain: a cell's declarations, or a merge of several. */
interface DeclFile {
  fileName: string;
  text: string;
  level: number;
}

/**
 * Keeps the real files TypeScript reads (parsed once, re-read when their mtime changes) and the virtual
 * files of the session (the cell, the declaration chain, the kernel's globals).
 */
class CellHost implements TS.CompilerHost {
  private readonly real = new Map<string, { sf: TS.SourceFile; mtimeMs: number }>();
  private readonly virtual = new Map<string, { text: string; sf?: TS.SourceFile }>();
  private readonly exists = new Map<string, boolean>();

  constructor(private readonly cwd: string) {}

  setVirtual(fileName: string, text: string): void {
    const v = this.virtual.get(fileName);
    if (v && v.text === text) return;
    this.virtual.set(fileName, { text });
  }
  /** Forgets real files edited since they were read (a user's `helpers.ts`); packages are taken as fixed. */
  refresh(): boolean {
    let changed = false;
    for (const [fileName, f] of this.real) {
      if (fileName.includes("/node_modules/")) continue;
      let mtimeMs = -1;
      try {
        mtimeMs = fs.statSync(fileName).mtimeMs;
      } catch {
        // deleted
      }
      if (mtimeMs !== f.mtimeMs) {
        this.real.delete(fileName);
        changed = true;
      }
    }
    this.exists.clear();
    return changed;
  }

  getSourceFile(fileName: string, languageVersionOrOptions: TS.ScriptTarget | TS.CreateSourceFileOptions): TS.SourceFile | undefined {
    const v = this.virtual.get(fileName);
    if (v) return (v.sf ??= ts.createSourceFile(fileName, v.text, languageVersionOrOptions));
    const cached = this.real.get(fileName);
    if (cached) return cached.sf;
    let text: string;
    let mtimeMs: number;
    try {
      text = fs.readFileSync(fileName, "utf8");
      mtimeMs = fs.statSync(fileName).mtimeMs;
    } catch {
      return undefined;
    }
    const sf = ts.createSourceFile(fileName, text, languageVersionOrOptions);
    this.real.set(fileName, { sf, mtimeMs });
    return sf;
  }
  getDefaultLibFileName(options: TS.CompilerOptions): string {
    return ts.getDefaultLibFilePath(options);
  }
  writeFile(): void {
    throw new Error("kubelab kernel: the converter never writes files");
  }
  getCurrentDirectory(): string {
    return this.cwd;
  }
  getCanonicalFileName(fileName: string): string {
    return fileName;
  }
  useCaseSensitiveFileNames(): boolean {
    return true;
  }
  getNewLine(): string {
    return "\n";
  }
  fileExists(fileName: string): boolean {
    if (this.virtual.has(fileName) || this.real.has(fileName)) return true;
    let e = this.exists.get(fileName);
    if (e === undefined) this.exists.set(fileName, (e = ts.sys.fileExists(fileName)));
    return e;
  }
  readFile(fileName: string): string | undefined {
    return this.virtual.get(fileName)?.text ?? ts.sys.readFile(fileName);
  }
  directoryExists(dir: string): boolean {
    return ts.sys.directoryExists(dir);
  }
  getDirectories(dir: string): string[] {
    return ts.sys.getDirectories(dir);
  }
  realpath(p: string): string {
    return ts.sys.realpath ? ts.sys.realpath(p) : p;
  }
}

/** Type roots as tslab chooses them: the notebook's, else tslab's own `@types` (so `node` types are there). */
function typeRoots(cwd: string): string[] {
  const roots = (ts.getEffectiveTypeRoots({}, { getCurrentDirectory: () => cwd }) ?? []).filter((r) => ts.sys.directoryExists(r));
  if (roots.some((r) => ts.sys.fileExists(path.join(r, "node", "package.json")))) return roots;
  return [...roots, path.join(path.dirname(require.resolve("tslab/package.json")), "node_modules", "@types")];
}

/** Names a cell declares at its top level (what tslab exports to later cells): the binder's view of the module. */
function topLevelNames(src: string, options: TS.CompilerOptions): string[] {
  const sf = ts.createSourceFile("cell.ts", CELL_PREFIX + src, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  tsi.bindSourceFile(sf, options);
  return [...(withLocals(sf).locals?.keys() ?? [])];
}

/** Which meanings a top-level declaration gives its name(s), for merging declaration files. */
const VALUE = 1;
const TYPE = 2;
const NAMESPACE = 4;
function declaredNames(stmt: TS.Statement): { names: string[]; meaning: number } | undefined {
  if (ts.isVariableStatement(stmt)) {
    const names: string[] = [];
    for (const d of stmt.declarationList.declarations) if (ts.isIdentifier(d.name)) names.push(d.name.text);
    return { names, meaning: VALUE };
  }
  if (ts.isFunctionDeclaration(stmt)) return stmt.name ? { names: [stmt.name.text], meaning: VALUE } : undefined;
  if (ts.isClassDeclaration(stmt) || ts.isEnumDeclaration(stmt)) return stmt.name ? { names: [stmt.name.text], meaning: VALUE | TYPE } : undefined;
  if (ts.isInterfaceDeclaration(stmt) || ts.isTypeAliasDeclaration(stmt)) return { names: [stmt.name.text], meaning: TYPE };
  // `declare global { }` names nothing: it is always kept.
  if (ts.isModuleDeclaration(stmt) && ts.isIdentifier(stmt.name) && stmt.name.text !== "global") return { names: [stmt.name.text], meaning: VALUE | TYPE | NAMESPACE };
  if (ts.isImportEqualsDeclaration(stmt)) return { names: [stmt.name.text], meaning: VALUE | TYPE | NAMESPACE };
  if (ts.isImportDeclaration(stmt)) {
    const c = stmt.importClause;
    const names: string[] = [];
    if (c?.name) names.push(c.name.text);
    if (c?.namedBindings) {
      if (ts.isNamespaceImport(c.namedBindings)) names.push(c.namedBindings.name.text);
      else for (const e of c.namedBindings.elements) names.push(e.name.text);
    }
    return { names, meaning: VALUE | TYPE | NAMESPACE };
  }
  return undefined;
}

/**
 * Merges declaration files (oldest first) into one text where each name keeps only its latest declaration,
 * like tslab's `remainingDecls`: an older declaration whose meanings a newer one covers is dropped; one only
 * partly covered (a class whose name is now a `const`) is dropped too, as tslab forgets it.
 */
export function mergeDeclarations(texts: string[]): string {
  const taken = new Map<string, number>();
  const kept: string[] = [];
  for (let i = texts.length - 1; i >= 0; i--) {
    const text = texts[i]!;
    const sf = ts.createSourceFile("decl.d.ts", text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
    const out: string[] = [];
    for (const stmt of sf.statements) {
      if (ts.isExportDeclaration(stmt) && !stmt.exportClause) continue; // the `export {};` prefix
      const d = declaredNames(stmt);
      const full = text.slice(stmt.pos, stmt.end);
      if (!d) {
        out.push(full);
        continue;
      }
      const live = d.names.filter((n) => ((taken.get(n) ?? 0) & d.meaning) === 0);
      if (live.length === d.names.length) {
        out.push(full);
      } else if (live.length > 0 && ts.isVariableStatement(stmt)) {
        const decls = stmt.declarationList.declarations.filter((v) => ts.isIdentifier(v.name) && live.includes(v.name.text));
        const kw = stmt.declarationList.flags & ts.NodeFlags.Const ? "const" : stmt.declarationList.flags & ts.NodeFlags.Let ? "let" : "var";
        const lead = text.slice(stmt.pos, stmt.getStart(sf));
        out.push(`${lead}declare ${kw} ${decls.map((v) => text.slice(v.getStart(sf), v.end)).join(", ")};`);
      } else if (live.length > 0 && ts.isImportDeclaration(stmt)) {
        // Keep the import for the names still visible only.
        const c = stmt.importClause!;
        const parts: string[] = [];
        if (c.name && live.includes(c.name.text)) parts.push(c.name.text);
        if (c.namedBindings && ts.isNamedImports(c.namedBindings)) {
          const els = c.namedBindings.elements.filter((e) => live.includes(e.name.text)).map((e) => text.slice(e.getStart(sf), e.end));
          if (els.length) parts.push(`{ ${els.join(", ")} }`);
        } else if (c.namedBindings && live.includes(c.namedBindings.name.text)) parts.push(text.slice(c.namedBindings.getStart(sf), c.namedBindings.end));
        if (parts.length) out.push(`\nimport ${c.isTypeOnly ? "type " : ""}${parts.join(", ")} from ${text.slice(stmt.moduleSpecifier.getStart(sf), stmt.moduleSpecifier.end)};`);
      }
      // Anything else fully or partly shadowed is dropped (a class whose name is now a const: tslab forgets it too).
    }
    // Names are marked once the whole file is read: overloads and interface merges within one cell stay.
    for (const stmt of sf.statements) {
      const d = declaredNames(stmt);
      if (d) for (const n of d.names) taken.set(n, (taken.get(n) ?? 0) | d.meaning);
    }
    kept.unshift(out.join(""));
  }
  return kept.join("\n");
}

/**
 * Converts cells; one per kernel.
 *
 * @example
 * ```ts
 * const conv = new CellConverter({ cwd: process.cwd() });
 * const r = conv.compile("const x: number = 1;\nx + 1");
 * if (r.ok) console.log(r.esm, r.lastExpressionVar); // later cells see `x`
 * ```
 */
export class CellConverter {
  readonly cwd: string;
  readonly options: TS.CompilerOptions;
  private readonly host: CellHost;
  private readonly cellFile: string;
  private readonly globalsFile: string;
  private readonly outDir = "/__kubelab_out__";
  /** The declaration chain, oldest first. */
  private readonly chain: DeclFile[] = [];
  /**
   * Declaration files live in a fixed set of root files ("slots"; an unused one is empty): with the same
   * root names, TypeScript reuses the previous program's structure and module resolutions, and re-reads
   * only the files whose text changed (the cell, and the slot that received its declarations).
   */
  private readonly freeSlots: string[] = [];
  private readonly slots: string[] = [];
  private program: TS.Program | undefined;
  /** What completion asks of a language-service host: files and folders, for module paths in import strings. */
  private readonly serviceHost: Pick<TS.LanguageServiceHost, "getCompilationSettings" | "getCurrentDirectory" | "useCaseSensitiveFileNames" | "fileExists" | "readFile" | "readDirectory" | "directoryExists" | "getDirectories"> = {
    getCompilationSettings: () => this.options,
    getCurrentDirectory: () => this.cwd,
    useCaseSensitiveFileNames: () => true,
    fileExists: (f) => this.host.fileExists(f),
    readFile: (f) => this.host.readFile(f),
    readDirectory: (...args) => ts.sys.readDirectory(...args),
    directoryExists: (d) => ts.sys.directoryExists(d),
    getDirectories: (d) => ts.sys.getDirectories(d),
  };
  /** Side files (a cell's imports) already emitted, by SourceFile identity: a new object means the file changed. */
  private emittedSide = new WeakSet<TS.SourceFile>();
  /**
   * The last successful compile, for a cell run again unchanged (as tslab's watch program keeps its program
   * when no file changed): same text, same declaration chain, same transformers, no imported file edited.
   */
  private last: { src: string; chainVersion: number; before: readonly TS.TransformerFactory<TS.SourceFile>[]; result: ConvertedCell } | undefined;
  /** Bumped whenever the declaration chain changes. */
  private chainVersion = 0;

  constructor(opts: { cwd?: string; paths?: TS.MapLike<string[]>; globals?: string; sourceMap?: boolean } = {}) {
    this.cwd = (opts.cwd ?? process.cwd()).replace(/\\/g, "/");
    this.host = new CellHost(this.cwd);
    this.cellFile = path.posix.join(this.cwd, "__kubelab_cell__.ts");
    this.globalsFile = path.posix.join(this.cwd, "__kubelab_globals__.d.ts");
    const roots = typeRoots(this.cwd);
    const base: TS.CompilerOptions = {
      // As tslab: ES modules (dynamic import, top-level await) compiled for Node's ES2022 syntax (`using` is
      // lowered: Node 20 does not parse it), declarations to carry cells forward.
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      esModuleInterop: true,
      target: ts.ScriptTarget.ES2022,
      // Node 20's library. Not esnext.disposable: Node 20 has Symbol.dispose (which @types/node declares, with
      // the Disposable interfaces `using` needs) but no DisposableStack or SuppressedError.
      lib: ["lib.es2023.d.ts"],
      declaration: true,
      newLine: ts.NewLineKind.LineFeed,
      noImplicitUseStrict: true,
      experimentalDecorators: true,
      resolveJsonModule: true,
      jsx: ts.JsxEmit.React,
      typeRoots: roots,
      // A learner's local .js helper runs as Node runs it: loosely typed JavaScript is not an error.
      allowJs: true,
      checkJs: false,
      skipLibCheck: true,
      // Differences from tslab: "/" so that a cell may import files outside its folder; outputs under outDir.
      rootDir: "/",
      outDir: this.outDir,
      ...(opts.sourceMap ? { sourceMap: true } : {}),
      ...(opts.paths ? { paths: opts.paths } : {}),
    };
    // Listing the automatic type packages once spares every program a walk over the type roots.
    base.types = ts.getAutomaticTypeDirectiveNames(base, ts.sys);
    this.options = base;
    this.host.setVirtual(this.globalsFile, opts.globals ?? "export {};\n");
    for (let i = 0; i < SLOTS; i++) {
      const fileName = path.posix.join(this.cwd, `__kubelab_decl_${i}__.d.ts`);
      this.slots.push(fileName);
      this.freeSlots.push(fileName);
      this.host.setVirtual(fileName, CELL_PREFIX);
    }
    this.freeSlots.reverse();
    const diags = this.check(this.createProgram(""), this.globalsFile);
    if (diags.length > 0) throw new Error("kubelab kernel: globals do not compile: " + diags.map((d) => d.message).join("; "));
  }

  /** Declarations of earlier cells, as the chain holds them (oldest first). */
  get declarations(): string {
    return this.chain.map((f) => f.text.slice(CELL_PREFIX.length)).join("\n");
  }

  /** Number of files in the declaration chain (bounded by merging). */
  get chainLength(): number {
    return this.chain.length;
  }

  /**
   * Type-checks and emits a cell; on success its declarations join the chain, so later cells see them
   * (even if running the cell then throws, as tslab does).
   *
   * @example
   * ```ts
   * const r = conv.compile("let n = 1", { before: [] });
   * ```
   */
  compile(src: string, transformers: { before?: TS.TransformerFactory<TS.SourceFile>[] } = {}): ConvertResult {
    const filesChanged = this.host.refresh();
    const before = transformers.before ?? [];
    const last = this.last;
    this.last = undefined;
    if (!filesChanged && last && last.src === src && last.chainVersion === this.chainVersion && sameList(last.before, before)) {
      // Nothing TypeScript reads changed: the emit would be the same (the imported files are emitted already).
      this.last = last;
      return { ok: true, ...last.result, sideOutputs: new Map() };
    }
    const locals = topLevelNames(src, this.options);
    const text = src + (locals.length > 0 ? "\nexport {" + locals.join(", ") + "}" : "");
    const program = this.createProgram(text);
    const cell = program.getSourceFile(this.cellFile)!;
    const diagnostics: TS.Diagnostic[] = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(), ...program.getSyntacticDiagnostics(cell), ...program.getSemanticDiagnostics(cell)];
    const sides = program.getSourceFiles().filter((f) => !f.isDeclarationFile && f !== cell && !this.emittedSide.has(f) && !f.fileName.includes("/node_modules/"));
    for (const f of sides) {
      diagnostics.push(...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f));
      // An imported file runs as a CommonJS module, where a top-level await does not parse: refuse it now,
      // with the error tslab's compiler gave, rather than as a SyntaxError when the cell runs.
      for (const at of topLevelAwait(f)) diagnostics.push(topLevelAwaitError(f, at));
    }
    const errors = diagnostics.filter((d) => d.file !== undefined);
    if (errors.length > 0) return { ok: false, diagnostics: this.convertDiagnostics(errors, cell) };

    const sideOutputs = new Map<string, SideOutput>();
    for (const f of sides) {
      let esm: string | undefined;
      let esmMap: string | undefined;
      let jsFile = "";
      program.emit(f, (fileName, data) => {
        if (fileName.endsWith(".js")) [jsFile, esm] = [fileName.slice(this.outDir.length), stripMapUrl(data)];
        else if (fileName.endsWith(".js.map")) esmMap = data;
      }, undefined, false, { before });
      if (esm !== undefined) sideOutputs.set(jsFile, { source: f.fileName, esm, ...(esmMap !== undefined ? { esmMap } : {}) });
      this.emittedSide.add(f);
    }
    let esm = "";
    let esmMap: string | undefined;
    let declarations = "";
    let lastExpressionVar: string | undefined;
    const emitted = program.emit(
      cell,
      (fileName, data) => {
        if (fileName.endsWith(".js")) esm = data;
        else if (fileName.endsWith(".js.map")) esmMap = data;
        else if (fileName.endsWith(".d.ts")) declarations = data;
      },
      undefined,
      false,
      {
        before: [...before, lastExpressionTransformer(new Set(locals), (n) => (lastExpressionVar = n))],
        after: [exportsTransformer(program.getTypeChecker(), new Set(this.chain.map((f) => f.fileName)))],
        afterDeclarations: [dropExportDeclarations],
      },
    );
    const declErrors = emitted.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error && d.file !== undefined);
    if (declErrors.length > 0) return { ok: false, diagnostics: this.convertDiagnostics(declErrors, cell) };
    this.push(declarations);
    const result: ConvertedCell = {
      esm: stripMapUrl(esm),
      ...(esmMap !== undefined ? { esmMap } : {}),
      declarations,
      ...(lastExpressionVar !== undefined ? { lastExpressionVar } : {}),
      hasToplevelAwait: topLevelAwait(cell).length > 0,
      sideOutputs,
    };
    this.last = { src, chainVersion: this.chainVersion, before: [...before], result };
    return { ok: true, ...result };
  }

  /**
   * Completion candidates at a UTF-16 offset of `src` (tslab's algorithm: the identifier at the cursor, if any,
   * is what the candidates replace; prefix matches first).
   *
   * @example
   * ```ts
   * conv.complete("Math.fl", 7); // → { start: 5, end: 7, candidates: ["floor", ...] }
   * ```
   */
  complete(src: string, position: number): { start: number; end: number; candidates: string[] } {
    const program = this.createProgram(src);
    const sf = program.getSourceFile(this.cellFile)!;
    const pos = position + CELL_PREFIX.length;
    program.getTypeChecker(); // binds the files: completion walks parent pointers the binder sets
    // What tslab's completion hook called; the host serves module-path completions in import strings.
    const info = tsi.Completions.getCompletionsAtPosition(this.serviceHost, program, () => {}, sf, pos, {}, undefined, ts.CompletionTriggerKind.Invoked, cancellationToken);
    const prev = tsi.findPrecedingToken(pos, sf);
    // findPrecedingToken may return a token ending after pos; node.pos is not node.getStart().
    if (prev && ts.isIdentifier(prev) && prev.end >= pos) return completionWithId(info, prev, sf);
    const next = prev ? tsi.findNextToken(prev, sf, sf) : undefined;
    if (next && ts.isIdentifier(next) && next.getStart(sf) <= pos && pos <= next.end) return completionWithId(info, next, sf);
    const entries = [...(info?.entries ?? [])].sort((a, b) => a.sortText.localeCompare(b.sortText) || a.name.localeCompare(b.name));
    return { start: position, end: position, candidates: entries.map((e) => e.name) };
  }

  /**
   * Quick info (signature and documentation) at a UTF-16 offset of `src`.
   *
   * @example
   * ```ts
   * conv.inspect("Math.max", 6)?.displayParts;
   * ```
   */
  inspect(src: string, position: number): TS.QuickInfo | undefined {
    const program = this.createProgram(src);
    const sf = program.getSourceFile(this.cellFile)!;
    return quickInfo(sf, program.getTypeChecker(), position + CELL_PREFIX.length);
  }

  /** A program over the globals, the declaration chain and the cell text, reusing the previous one's files. */
  private createProgram(cellText: string): TS.Program {
    this.host.setVirtual(this.cellFile, CELL_PREFIX + cellText);
    const rootNames = [this.globalsFile, ...this.slots, this.cellFile];
    const program = ts.createProgram({ rootNames, options: this.options, host: this.host, ...(this.program ? { oldProgram: this.program } : {}) });
    this.program = program;
    // Name lookup walks SourceFile.parent: the cell, then the newest declarations, back to the oldest.
    let parent: TS.SourceFile | undefined;
    for (const f of this.chain) {
      const sf = program.getSourceFile(f.fileName)!;
      setParent(sf, parent);
      parent = sf;
    }
    setParent(program.getSourceFile(this.cellFile)!, parent);
    return program;
  }

  private check(program: TS.Program, fileName: string): ConverterDiagnostic[] {
    const sf = program.getSourceFile(fileName)!;
    return this.convertDiagnostics([...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)], sf);
  }

  /** Adds a cell's declarations to the chain, merging full runs of files so the chain stays short. */
  private push(declarations: string): void {
    const sf = ts.createSourceFile("d.d.ts", declarations, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
    if (sf.statements.every((s) => ts.isExportDeclaration(s) && !s.exportClause)) return; // nothing to carry
    this.chainVersion++;
    this.chain.push(this.newDeclFile(CELL_PREFIX + declarations, 0));
    for (let level = 0; ; level++) {
      const n = this.chain.length;
      // A full run of one level merges into one file of the next; out of slots (after ~65,000 cells), everything merges.
      const full = this.freeSlots.length === 0;
      if (!full && (n < MERGE_RUN || !this.chain.slice(n - MERGE_RUN).every((f) => f.level === level))) break;
      const run = this.chain.splice(full ? 0 : n - MERGE_RUN);
      for (const f of run) {
        this.host.setVirtual(f.fileName, CELL_PREFIX);
        this.freeSlots.push(f.fileName);
      }
      this.chain.push(this.newDeclFile(CELL_PREFIX + mergeDeclarations(run.map((f) => f.text)), full ? Math.max(...run.map((f) => f.level)) + 1 : level + 1));
      if (full) break;
    }
  }

  private newDeclFile(text: string, level: number): DeclFile {
    const fileName = this.freeSlots.pop()!;
    this.host.setVirtual(fileName, text);
    return { fileName, text, level };
  }

  private convertDiagnostics(input: readonly TS.Diagnostic[], cell: TS.SourceFile): ConverterDiagnostic[] {
    const out: ConverterDiagnostic[] = [];
    const seen = new Set<string>();
    for (const d of input) {
      if (!d.file || d.start === undefined) continue;
      const inCell = d.file === cell;
      const shift = inCell ? CELL_PREFIX.length : 0;
      const s = ts.getLineAndCharacterOfPosition(d.file, Math.max(shift, d.start));
      const e = ts.getLineAndCharacterOfPosition(d.file, Math.max(shift, d.start + (d.length ?? 0)));
      const lineShift = inCell ? 1 : 0;
      const fileName = inCell ? undefined : path.relative(this.cwd, d.file.fileName);
      const push = (message: string, code: number): void => {
        const key = `${fileName}:${d.start}:${code}:${message}`;
        if (seen.has(key)) return;
        seen.add(key);
        out.push({ line: s.line - lineShift, character: s.character, endLine: e.line - lineShift, endCharacter: e.character, message, code, ...(fileName !== undefined ? { fileName } : {}) });
      };
      if (typeof d.messageText === "string") push(d.messageText, d.code);
      else {
        // tslab lists each message of a chain as its own line.
        const walk = (m: TS.DiagnosticMessageChain): void => {
          push(m.messageText, m.code);
          for (const c of m.next ?? []) walk(c);
        };
        walk(d.messageText);
      }
    }
    return out;
  }
}

/** Emitted JavaScript without its `sourceMappingURL` comment (the kernel keeps maps in memory; no `.map` file exists). */
function stripMapUrl(js: string): string {
  return js.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n");
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Where a file awaits at its top level (`await`, `for await`, `await using` outside any function, method,
 * accessor, class field or static block, as TypeScript's checker decides with `isInTopLevelContext`).
 * TypeScript accepts them in an ES module; the kernel runs a cell that has one as an async function.
 *
 * @example
 * ```ts
 * topLevelAwait(ts.createSourceFile("c.ts", "export {};\nawait f();", ts.ScriptTarget.ES2022, true)).length; // → 1
 * ```
 */
export function topLevelAwait(sf: TS.SourceFile): TS.Node[] {
  const found: TS.Node[] = [];
  if (!sf.text.includes("await")) return found;
  const visit = (node: TS.Node): void => {
    const at = ts.isAwaitExpression(node)
      ? node
      : ts.isForOfStatement(node) && node.awaitModifier
        ? node.awaitModifier
        : ts.isVariableDeclarationList(node) && (node.flags & ts.NodeFlags.BlockScoped) === ts.NodeFlags.AwaitUsing
          ? node
          : undefined;
    if (at && tsi.isInTopLevelContext(node)) found.push(at);
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(sf, visit);
  return found;
}

/** TS1308, as tslab's compiler reported a top-level await in a file that cannot have one. */
function topLevelAwaitError(sf: TS.SourceFile, at: TS.Node): TS.Diagnostic {
  const start = at.getStart(sf);
  return {
    file: sf,
    start,
    length: "await".length,
    messageText: "'await' expressions are only allowed within async functions and at the top levels of modules.",
    category: ts.DiagnosticCategory.Error,
    code: 1308,
  };
}

/**
 * tslab's `after` transformer, in part: names declared by earlier cells are read through `exports` (where the
 * executor keeps them).
 */
function exportsTransformer(checker: TS.TypeChecker, declFiles: Set<string>): TS.TransformerFactory<TS.SourceFile> {
  const nullContext = tsi.nullTransformationContext;
  const fromEarlierCell = (node: TS.Identifier): boolean =>
    (checker.getSymbolAtLocation(node)?.declarations ?? []).some((d) => declFiles.has(d.getSourceFile().fileName));
  const wrap = (node: TS.Node): TS.Node => {
    if (!ts.isIdentifier(node)) return ts.visitEachChild(node, wrap, nullContext);
    if (node.parent && ts.isPropertyAccessExpression(node.parent) && node.parent.name === node) return node;
    return fromEarlierCell(node) ? ts.factory.createPropertyAccessExpression(ts.factory.createIdentifier("exports"), node) : node;
  };
  return () => (sf) => ts.visitEachChild(sf, wrap, nullContext);
}

/**
 * The rest of tslab's `after` transformer, as a `before` transformer: the cell's last expression statement is
 * stored in an exported variable. Before TypeScript's own transforms, because a top-level `using` wraps the
 * whole cell in `try { … } finally { dispose }`, after which no statement of the cell is last any more;
 * TypeScript then hoists the export out of that block, so the value outlives the disposal at the cell's end.
 * Statements that compile to nothing (types, `declare`) may follow the expression.
 */
function lastExpressionTransformer(locals: Set<string>, setLast: (name: string) => void): TS.TransformerFactory<TS.SourceFile> {
  const lastName = (): string => {
    if (!locals.has("tsLastExpr")) return "tsLastExpr";
    for (let i = 0; ; i++) if (!locals.has(`tsLastExpr${i}`)) return `tsLastExpr${i}`;
  };
  const erased = (stmt: TS.Statement): boolean =>
    ts.isExportDeclaration(stmt) ||
    ts.isInterfaceDeclaration(stmt) ||
    ts.isTypeAliasDeclaration(stmt) ||
    ts.isEmptyStatement(stmt) ||
    (ts.canHaveModifiers(stmt) && (ts.getModifiers(stmt) ?? []).some((m) => m.kind === ts.SyntaxKind.DeclareKeyword));
  return () => (sf) => {
    const stmts = sf.statements;
    for (let i = stmts.length - 1; i >= 0; i--) {
      const stmt = stmts[i]!;
      if (erased(stmt)) continue;
      if (!ts.isExpressionStatement(stmt)) break;
      const name = lastName();
      setLast(name);
      const decl = ts.factory.createVariableStatement(
        [ts.factory.createModifier(ts.SyntaxKind.ExportKeyword)],
        ts.factory.createVariableDeclarationList([ts.factory.createVariableDeclaration(name, undefined, undefined, unnamed(stmt.expression))], ts.NodeFlags.Const),
      );
      return ts.factory.updateSourceFile(sf, [...stmts.slice(0, i), ts.setTextRange(decl, stmt), ...stmts.slice(i + 1)]);
    }
    return sf;
  };
}

/**
 * `(0, expr)` for an anonymous function or class: `const tsLastExpr = () => 1` would name the function
 * `tsLastExpr`; a comma expression is no function definition, so it stays anonymous, as in Node's REPL.
 */
function unnamed(expr: TS.Expression): TS.Expression {
  let inner = expr;
  while (ts.isParenthesizedExpression(inner)) inner = inner.expression;
  const anonymous = ts.isArrowFunction(inner) || ((ts.isFunctionExpression(inner) || ts.isClassExpression(inner)) && inner.name === undefined);
  return anonymous ? ts.factory.createParenthesizedExpression(ts.factory.createComma(ts.factory.createNumericLiteral(0), expr)) : expr;
}

/** tslab's `afterDeclarations` transformer: drops the `export { ... }` that made every local visible. */
const dropExportDeclarations: TS.TransformerFactory<TS.SourceFile | TS.Bundle> = () => (node) =>
  ts.isSourceFile(node) ? ts.factory.updateSourceFile(node, node.statements.filter((s) => !ts.isExportDeclaration(s))) : node;

/**
 * The language service's quick info (`getQuickInfoAtPosition`, which tslab's fork exported), on the
 * converter's own program: the symbol under the cursor, or the type of an expression without one.
 */
function quickInfo(sf: TS.SourceFile, checker: TS.TypeChecker, position: number): TS.QuickInfo | undefined {
  const touching = tsi.getTouchingPropertyName(sf, position);
  if (touching === sf) return undefined;
  const node = nodeForQuickInfo(touching);
  const textSpan = { start: node.getStart(sf), length: node.getWidth(sf) };
  const symbol = symbolForQuickInfo(node, checker);
  if (!symbol || checker.isUnknownSymbol(symbol)) {
    const type = shouldGetType(sf, node, position) ? checker.getTypeAtLocation(node) : undefined;
    if (!type) return undefined;
    return {
      kind: ts.ScriptElementKind.unknown,
      kindModifiers: ts.ScriptElementKindModifier.none,
      textSpan,
      displayParts: tsi.typeToDisplayParts(checker, type, tsi.getContainerNode(node)),
      ...(type.symbol ? { documentation: type.symbol.getDocumentationComment(checker), tags: type.symbol.getJsDocTags(checker) } : {}),
    };
  }
  const shown = tsi.SymbolDisplay.getSymbolDisplayPartsDocumentationAndSymbolKind(checker, symbol, sf, tsi.getContainerNode(node), node);
  return {
    kind: shown.symbolKind,
    kindModifiers: tsi.SymbolDisplay.getSymbolModifiers(checker, symbol),
    textSpan,
    displayParts: shown.displayParts,
    documentation: shown.documentation,
    ...(shown.tags ? { tags: shown.tags } : {}),
  };
}

/** The language service's `getNodeForQuickInfo`: `new C` shows `C`, a named tuple member and `import.meta` show whole. */
function nodeForQuickInfo(node: TS.Node): TS.Node {
  const parent = node.parent;
  if (ts.isNewExpression(parent) && node.pos === parent.pos) return parent.expression;
  if (ts.isNamedTupleMember(parent) && node.pos === parent.pos) return parent;
  if (tsi.isImportMeta(parent) && (parent as TS.MetaProperty).name === node) return parent;
  if (ts.isJsxNamespacedName(parent)) return parent;
  return node;
}

/** The language service's `getSymbolAtLocationForQuickInfo`: a property of an object literal is its contextual type's property. */
function symbolForQuickInfo(node: TS.Node, checker: TS.TypeChecker): TS.Symbol | undefined {
  const element = tsi.getContainingObjectLiteralElement(node);
  if (element) {
    const contextual = checker.getContextualType(element.parent);
    const properties = contextual && tsi.getPropertySymbolsFromContextualType(element, checker, contextual, false);
    if (properties && properties.length === 1) return properties[0];
  }
  return checker.getSymbolAtLocation(node);
}

/** The language service's `shouldGetType`: which symbol-less nodes still show their type. */
function shouldGetType(sf: TS.SourceFile, node: TS.Node, position: number): boolean {
  switch (node.kind) {
    case ts.SyntaxKind.Identifier:
      if (node.flags & ts.NodeFlags.JSDoc && ((ts.isPropertySignature(node.parent) && node.parent.name === node) || ts.findAncestor(node, ts.isParameter))) return false;
      return !tsi.isLabelName(node) && !tsi.isTagName(node) && !tsi.isConstTypeReference(node.parent);
    case ts.SyntaxKind.PropertyAccessExpression:
    case ts.SyntaxKind.QualifiedName:
      return !tsi.isInComment(sf, position);
    case ts.SyntaxKind.ThisKeyword:
    case ts.SyntaxKind.ThisType:
    case ts.SyntaxKind.SuperKeyword:
    case ts.SyntaxKind.NamedTupleMember:
      return true;
    case ts.SyntaxKind.MetaProperty:
      return tsi.isImportMeta(node);
    default:
      return false;
  }
}

function completionWithId(info: TS.CompletionInfo | undefined, id: TS.Identifier, sf: TS.SourceFile): { start: number; end: number; candidates: string[] } {
  const name = id.text;
  const lower = name.toLowerCase();
  const ranked: { name: string; key: string; index: number }[] = [];
  (info?.entries ?? []).forEach((e, index) => {
    const l = e.name.toLowerCase();
    const key = e.name.startsWith(name) ? "0" : l.startsWith(lower) ? "1" : l.includes(lower) ? "2" : "";
    if (key) ranked.push({ name: e.name, key: key + e.sortText, index });
  });
  ranked.sort((a, b) => a.key.localeCompare(b.key) || a.index - b.index);
  return { start: id.getStart(sf) - CELL_PREFIX.length, end: id.end - CELL_PREFIX.length, candidates: ranked.map((e) => e.name) };
}
