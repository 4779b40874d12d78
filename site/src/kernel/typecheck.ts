/**
 * Type-checks cells with TypeScript's language service, against the standard library and kubelab's
 * own declarations (embedded at build time). What earlier cells declared is carried forward as a
 * module of declarations (`/prelude.ts`) that the cell imports: each name with the type the checker
 * inferred for it, and type aliases, interfaces and imports as written.
 */
import ts from "typescript";

declare const KUBELAB_DECLARATIONS: Record<string, string>;
declare const KUBELAB_TS_LIBS: Record<string, string>;

const CELL = "/cell.ts";
const PRELUDE = "/prelude.ts";
const GLOBALS = "/globals.d.ts";
const GLOBALS_TEXT = `interface KubelabDisplayOptions { id?: string; update?: boolean; raw?: boolean }
declare function display(value: unknown, opts?: KubelabDisplayOptions): void;
declare function clearOutput(wait?: boolean): void;
`;

const options: ts.CompilerOptions = {
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  target: ts.ScriptTarget.ES2022,
  lib: ["lib.es2022.d.ts", "lib.webworker.d.ts"],
  moduleDetection: ts.ModuleDetectionKind.Force,
  esModuleInterop: true,
  skipLibCheck: true,
  noEmit: true,
  types: [],
  baseUrl: "/",
  paths: { kubelab: ["/kubelab/index.d.ts"] },
};

function nameOf(n: ts.DeclarationName | undefined): string | undefined {
  return n && ts.isIdentifier(n) ? n.text : undefined;
}

/** The cell's type checker and completion engine; one per kernel. */
export class TypeChecker {
  private readonly files = new Map<string, string>();
  private readonly versions = new Map<string, number>();
  private readonly service: ts.LanguageService;
  /** Prelude entries by name (later cells replace earlier ones). */
  private readonly prelude = new Map<string, string>();
  private importLine = "";

  constructor() {
    for (const [f, text] of Object.entries(KUBELAB_TS_LIBS)) this.files.set(`/lib/${f}`, text);
    for (const [f, text] of Object.entries(KUBELAB_DECLARATIONS)) this.files.set(`/kubelab/${f}`, text);
    this.files.set(GLOBALS, GLOBALS_TEXT);
    this.setFile(PRELUDE, "export {};\n");
    this.setFile(CELL, "");
    const host: ts.LanguageServiceHost = {
      getCompilationSettings: () => options,
      getScriptFileNames: () => [GLOBALS, PRELUDE, CELL],
      getScriptVersion: (f) => String(this.versions.get(f) ?? 0),
      getScriptSnapshot: (f) => {
        const t = this.files.get(f);
        return t === undefined ? undefined : ts.ScriptSnapshot.fromString(t);
      },
      getCurrentDirectory: () => "/",
      getDefaultLibFileName: () => "/lib/lib.es2022.d.ts",
      fileExists: (f) => this.files.has(f),
      readFile: (f) => this.files.get(f),
      directoryExists: (d) => d === "/" || [...this.files.keys()].some((f) => f.startsWith(d.endsWith("/") ? d : d + "/")),
      getDirectories: () => [],
    };
    this.service = ts.createLanguageService(host, ts.createDocumentRegistry());
  }

  private setFile(name: string, text: string): void {
    this.files.set(name, text);
    this.versions.set(name, (this.versions.get(name) ?? 0) + 1);
  }

  /** The names a cell declares at its top level. */
  private declared(sf: ts.SourceFile): Set<string> {
    const out = new Set<string>();
    const bind = (n: ts.BindingName): void => {
      if (ts.isIdentifier(n)) out.add(n.text);
      else for (const el of n.elements) if (!ts.isOmittedExpression(el)) bind(el.name);
    };
    for (const st of sf.statements) {
      if (ts.isVariableStatement(st)) st.declarationList.declarations.forEach((d) => bind(d.name));
      else if (ts.isImportDeclaration(st)) {
        const c = st.importClause;
        if (c?.name) out.add(c.name.text);
        if (c?.namedBindings && ts.isNamespaceImport(c.namedBindings)) out.add(c.namedBindings.name.text);
        else if (c?.namedBindings && ts.isNamedImports(c.namedBindings)) c.namedBindings.elements.forEach((e) => out.add(e.name.text));
      } else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st) || ts.isEnumDeclaration(st)) && st.name) out.add(st.name.text);
    }
    return out;
  }

  /** Puts the cell in place with an import of what earlier cells declared (on its last line, so positions stay). */
  private load(code: string): ts.SourceFile {
    const sf = ts.createSourceFile(CELL, code, ts.ScriptTarget.ES2022, true);
    const own = this.declared(sf);
    const names = [...this.prelude.keys()].filter((n) => !own.has(n));
    this.importLine = names.length ? `\nimport { ${names.join(", ")} } from "${PRELUDE.replace(/\.ts$/, "")}";` : "";
    this.setFile(CELL, code + this.importLine);
    return sf;
  }

  /** Type errors in the cell (empty if it type-checks). */
  check(code: string): ts.Diagnostic[] {
    this.load(code);
    const diags = [...this.service.getSyntacticDiagnostics(CELL), ...this.service.getSemanticDiagnostics(CELL)];
    return diags.filter((d) => d.category === ts.DiagnosticCategory.Error && (d.start ?? 0) < code.length);
  }

  /** After a cell ran: carry its declarations to the next cells. */
  commit(code: string): void {
    const sf0 = this.load(code);
    const program = this.service.getProgram();
    const sf = program?.getSourceFile(CELL);
    if (!program || !sf) return;
    const checker = program.getTypeChecker();
    const typeOf = (node: ts.Node): string => {
      const t = checker.getTypeAtLocation(node);
      const s = checker.typeToString(t, undefined, ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseFullyQualifiedType | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope);
      return /\bimport\("\/cell"\)|\.\.\.|__type|typeof [A-Za-z_$][\w$]*\b(?!\.)/.test(s) && !/^typeof import\(/.test(s) ? "any" : s;
    };
    void sf0;
    for (const st of sf.statements) {
      if (ts.isImportDeclaration(st)) {
        const spec = st.moduleSpecifier.getText(sf);
        const c = st.importClause;
        if (c?.name) this.prelude.set(c.name.text, `import ${c.name.text} from ${spec}; export { ${c.name.text} };`);
        const nb = c?.namedBindings;
        if (nb && ts.isNamespaceImport(nb)) this.prelude.set(nb.name.text, `import * as ${nb.name.text} from ${spec}; export { ${nb.name.text} };`);
        else if (nb) for (const el of nb.elements) this.prelude.set(el.name.text, `export { ${el.propertyName ? `${el.propertyName.text} as ` : ""}${el.name.text} } from ${spec};`);
      } else if (ts.isVariableStatement(st)) {
        for (const d of st.declarationList.declarations) {
          const bind = (n: ts.BindingName): void => {
            if (ts.isIdentifier(n)) this.prelude.set(n.text, `export declare let ${n.text}: ${typeOf(n)};`);
            else for (const el of n.elements) if (!ts.isOmittedExpression(el)) bind(el.name);
          };
          bind(d.name);
        }
      } else if (ts.isFunctionDeclaration(st) && st.name) {
        this.prelude.set(st.name.text, `export declare let ${st.name.text}: ${typeOf(st.name)};`);
      } else if (ts.isClassDeclaration(st) && st.name) {
        this.prelude.set(st.name.text, `export declare let ${st.name.text}: any; export type ${st.name.text} = any;`);
      } else if ((ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st) || ts.isEnumDeclaration(st)) && st.name) {
        const name = nameOf(st.name)!;
        const text = st.getText(sf).replace(/^export\s+/, "");
        this.prelude.set(name, ts.isEnumDeclaration(st) ? `export declare ${text.replace(/^(const\s+)?enum/, "enum")}` : `export ${text}`);
      }
    }
    this.setFile(PRELUDE, [...this.prelude.values()].join("\n") + "\nexport {};\n");
  }

  /** Completions at `cursor`, for JupyterLab's completer. */
  complete(code: string, cursor: number, scope: Record<string, unknown>): { matches: string[]; start: number; end: number } {
    this.load(code);
    let start = cursor;
    while (start > 0 && /[\w$]/.test(code[start - 1]!)) start--;
    const info = this.service.getCompletionsAtPosition(CELL, cursor, {});
    const prefix = code.slice(start, cursor);
    const names = info ? info.entries.map((e) => e.name) : Object.keys(scope);
    const matches = [...new Set(names)].filter((n) => n.startsWith(prefix)).sort((a, b) => a.localeCompare(b));
    return { matches, start, end: cursor };
  }

  /** Quick info at `cursor` (a symbol's type and documentation), for JupyterLab's inspector/tooltip. */
  inspect(code: string, cursor: number): string {
    this.load(code);
    const q = this.service.getQuickInfoAtPosition(CELL, Math.max(0, cursor - 1));
    if (!q) return "";
    const sig = ts.displayPartsToString(q.displayParts);
    const doc = ts.displayPartsToString(q.documentation);
    return doc ? `${sig}\n\n${doc}` : sig;
  }
}
