/**
 * The cell converter in-process (no ZeroMQ): cross-cell declarations where the latest one wins, across
 * many cells and through the merges that keep the declaration chain short.
 */
import * as assert from "node:assert/strict";
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
