/**
 * The cell converter in-process (no ZeroMQ): cross-cell declarations where the latest one wins, across
 * many cells and through the merges that keep the declaration chain short; the language and library
 * Node 20 runs (TypeScript 5.9, ES2023); top-level await found in the cell's syntax tree.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CellConverter, mergeDeclarations } from "../../kernel/converter";
import { CellError, Executor } from "../../kernel/executor";
import { TypeScriptEngine } from "../../kernel/typescript";
import { findPackageRoot } from "../../src/packageroot";

const root = findPackageRoot(__dirname);

function newExecutor(): { engine: TypeScriptEngine; ex: Executor } {
  const engine = new TypeScriptEngine({ kubelabTypes: path.join(root, "dist/src/index.d.ts"), kubelabRoot: root });
  return { engine, ex: new Executor(engine, { kubelabRoot: root, kubelabMain: path.join(root, "dist/src/index.js") }) };
}

async function value(ex: Executor, code: string): Promise<unknown> {
  const r = await ex.run(code, "In[t]");
  assert.ok(r.hasValue, `no value from ${code}`);
  return r.value;
}

async function typeError(ex: Executor, code: string): Promise<string> {
  try {
    await ex.run(code, "In[t]");
  } catch (e) {
    assert.ok(e instanceof CellError, String(e));
    assert.equal(e.content.ename, "TSError");
    return e.content.evalue;
  }
  assert.fail(`expected a type error from ${code}`);
}

describe("kernel cell converter", function () {
  this.timeout(120_000);

  it("redeclaring a name across many cells runs and type-checks against the latest declaration", async () => {
    const { engine, ex } = newExecutor();
    // 3 kinds in turn, 60 cells: the chain merges several times on the way.
    for (let i = 0; i < 60; i++) {
      const kind = i % 3;
      if (kind === 0) await ex.run(`const x = ${i};`, `In[${i}]`);
      else if (kind === 1) await ex.run(`let x = "s${i}";`, `In[${i}]`);
      else await ex.run(`function x(n: number): number[] { return [n, ${i}]; }`, `In[${i}]`);
      // Unrelated cells in between, so merges mix names.
      await ex.run(`const other${i} = ${i};`, `In[${i}b]`);
    }
    // The last declaration (i = 59, kind 2) is the function.
    assert.deepEqual(await value(ex, "x(1)"), [1, 59]);
    assert.match(await typeError(ex, 'x("one")'), /TS2345: Argument of type 'string' is not assignable to parameter of type 'number'/);
    await ex.run('let x = "latest";', "In[s]");
    assert.equal(await value(ex, "x.toUpperCase()"), "LATEST");
    assert.match(await typeError(ex, "x.toFixed(1)"), /TS2551: Property 'toFixed' does not exist on type 'string'/);
    // A let from an earlier cell can be assigned; a const cannot.
    await ex.run('x = "changed"', "In[a]");
    assert.equal(await value(ex, "x"), "changed");
    await ex.run("const c = 1;", "In[c]");
    assert.match(await typeError(ex, "c = 2"), /TS2588: Cannot assign to 'c' because it is a constant/);
    assert.equal(await value(ex, "other0 + other59"), 59);
    assert.ok(engine.declarations.includes("other30"));
  });

  it("interfaces, types and classes: a later cell shadows, it does not merge", async () => {
    const { ex } = newExecutor();
    await ex.run("interface Pod { name: string }\nclass Svc { port = 80 }\ntype Id = number;", "In[1]");
    await ex.run("interface Pod { ip: string }", "In[2]");
    await ex.run("const p: Pod = { ip: '10.0.0.1' };", "In[3]");
    assert.match(await typeError(ex, "const q: Pod = { name: 'x' };"), /TS2322|TS2353/);
    assert.equal(await value(ex, "new Svc().port"), 80);
    for (let i = 0; i < 40; i++) await ex.run(`const filler${i} = ${i};`, "In[f]");
    await ex.run("type Id = string;", "In[4]");
    assert.match(await typeError(ex, "const id: Id = 1;"), /TS2322: Type 'number' is not assignable to type 'string'/);
    assert.equal(await value(ex, "p.ip"), "10.0.0.1");
    assert.equal(await value(ex, "new Svc().port + 1"), 81);
  });

  it("imports, quick info and completion see declarations of cells merged long ago", async () => {
    const { engine, ex } = newExecutor();
    await ex.run('import * as nodePath from "node:path";\n/** Doubles. */\nfunction twice(n: number): number { return 2 * n; }', "In[1]");
    for (let i = 0; i < 300; i++) await ex.run(`const v${i} = ${i};`, "In[v]");
    assert.equal(await value(ex, 'nodePath.basename("/a/b.ts") + twice(v299)'), "b.ts598");
    assert.equal(engine.inspect("twice", 5), "function twice(n: number): number\n\nDoubles.");
    assert.deepEqual(engine.complete("v29", 3).matches.slice(0, 11), ["v29", "v290", "v291", "v292", "v293", "v294", "v295", "v296", "v297", "v298", "v299"]);
  });

  // Each was refused by tslab's compiler (TypeScript 5.0, ES2022 library) although Node 20 runs it.
  const nodeRuns: [what: string, code: string, value: unknown][] = [
    ["toSorted (ES2023)", "[3, 1, 2].toSorted()", [1, 2, 3]],
    ["findLast (ES2023)", "[1, 2, 3].findLast((x) => x < 3)", 2],
    ["toReversed and with (ES2023)", "[1, 2, 3].toReversed().with(0, 9)", [9, 2, 1]],
    ["NoInfer (TypeScript 5.4)", "function pick<T>(xs: T[], fallback: NoInfer<T>): T { return xs[0] ?? fallback; }\npick([1], 2)", 1],
    ["using (TypeScript 5.2, lowered for Node 20)", "const usingLog: string[] = [];\n{\n  using r = { [Symbol.dispose]() { usingLog.push('disposed'); } };\n  usingLog.push('body');\n}\nusingLog", ["body", "disposed"]],
    ["await using at the top level", "const asyncLog: string[] = [];\n{\n  await using r = { async [Symbol.asyncDispose]() { asyncLog.push('disposed'); } };\n}\nasyncLog", ["disposed"]],
    ["top-level await", "await Promise.resolve(5)", 5],
    ["top-level await in an expression", "const later = async () => 1;\n(await later()) + 1", 2],
    ["top-level for await (a SyntaxError with tslab's compiler)", "let awaitedSum = 0;\nfor await (const n of [Promise.resolve(1), 2]) awaitedSum += n;\nawaitedSum", 3],
  ];
  for (const [what, code, expected] of nodeRuns) {
    it(`type-checks and runs what Node 20 runs: ${what}`, async () => {
      const { ex } = newExecutor();
      assert.deepEqual(await value(ex, code), expected);
    });
  }

  // Still refused: await where TypeScript forbids it, and what the ES2023 library (Node 20) does not have.
  const refused: [what: string, code: string, error: RegExp][] = [
    ["await in a function that is not async", "function notAsync() { await 1; }", /In\[t\]:1:23 TS1308: 'await' expressions are only allowed within async functions and at the top levels of modules/],
    ["await in a class static block", "class Static { static { await 1; } }", /TS18037: 'await' expression cannot be used inside a class static block/],
    ["DisposableStack (esnext.disposable; Node 20 has none)", "new DisposableStack()", /TS2304: Cannot find name 'DisposableStack'/],
  ];
  for (const [what, code, error] of refused) {
    it(`refuses ${what}`, async () => {
      const { ex } = newExecutor();
      assert.match(await typeError(ex, code), error);
    });
  }

  it("completion and quick info know the ES2023 library", () => {
    const { engine } = newExecutor();
    assert.deepEqual(engine.complete("[1].findL", 9), { start: 4, end: 9, matches: ["findLast", "findLastIndex"] });
    assert.match(engine.inspect("[1].toSorted()", 8) ?? "", /^\(method\) Array<number>\.toSorted\(compareFn\?: .*\): number\[\]\n\nReturns a copy of an array with its elements sorted\./);
    assert.match(engine.inspect("const o: { alpha: number } = { alpha: 1 }", 33) ?? "", /^\(property\) alpha: number/);
  });

  it("an imported file with a top-level await is refused (it runs as CommonJS); awaits in its functions are fine", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-converter-await-"));
    try {
      fs.writeFileSync(path.join(tmp, "top.ts"), "export const v = 1;\nexport const w = await Promise.resolve(3);\n");
      fs.writeFileSync(path.join(tmp, "inner.ts"), "export async function three(): Promise<number> { return await Promise.resolve(3); }\n");
      const conv = new CellConverter({ cwd: tmp });
      const r = conv.compile('import { v } from "./top";\nv');
      assert.ok(!r.ok);
      assert.deepEqual(r.diagnostics.map((d) => [d.fileName, d.line, d.character, d.code]), [["top.ts", 1, 17, 1308]]);
      const ok = conv.compile('import { three } from "./inner";\nawait three()');
      assert.ok(ok.ok && ok.hasToplevelAwait);
      assert.equal(ok.sideOutputs.size, 1);
      // The cell's own top-level await is allowed; one inside an async arrow is not the cell's.
      const inner = conv.compile("const f = async () => await three();");
      assert.ok(inner.ok && !inner.hasToplevelAwait);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("keeps the declaration chain short: 1,000 cells leave a few dozen files", () => {
    const conv = new CellConverter({});
    for (let i = 0; i < 1000; i++) assert.ok(conv.compile(`const w${i} = ${i};`).ok);
    assert.ok(conv.chainLength <= 3 * 16, `chain of ${conv.chainLength} files`);
    const r = conv.compile("w0 + w999");
    assert.ok(r.ok);
  });

  it("mergeDeclarations keeps the latest declaration of each name and meaning", () => {
    const merged = mergeDeclarations([
      "export {};\ndeclare const a: number, b: string;\ninterface I { x: number }\ndeclare class K {}\nimport { join, dirname } from \"node:path\";\ndeclare global { var g: number; }",
      "export {};\ndeclare let a: boolean;\ninterface I { y: number }\ndeclare const K: 1;\ndeclare function dirname(): void;",
    ]);
    const conv = new CellConverter({});
    assert.ok(conv.compile(`declare const probe: 1;`).ok);
    assert.match(merged, /declare const b: string;/);
    assert.doesNotMatch(merged, /a: number/);
    assert.doesNotMatch(merged, /x: number/);
    assert.doesNotMatch(merged, /declare class K/);
    assert.match(merged, /import \{ join \} from "node:path";/);
    assert.match(merged, /declare global/);
    assert.match(merged, /declare let a: boolean;/);
  });
});
