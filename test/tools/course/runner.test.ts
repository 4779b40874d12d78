/**
 * The notebook runner against the real kubelab kernel, on small fixture notebooks: outputs of every kind,
 * a failing cell named precisely, a timeout that interrupts, the kernel always shut down, the source never
 * written, and the full export byte-identical when run twice.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { LessonError, runNotebook } from "../../../tools/course/runner";
import { KernelDiedError, liveKernels } from "../../../tools/course/jupyter-client";
import { exportNotebooks, main } from "../../../tools/course/main";
import { joinText, type CodeCell, type Notebook } from "../../../tools/course/notebook";
import { fixture, hashFiles, repoRoot, tempDir } from "../../lessons/tools";

const code = (nb: Notebook, id: string): CodeCell => {
  const c = nb.cells.find((x) => x.id === id);
  assert.ok(c && c.cell_type === "code", `no code cell ${id}`);
  return c;
};

describe("course: runner on the kubelab kernel", function () {
  this.timeout(120_000);
  const fixtures = path.dirname(fixture("pass.ipynb"));
  const hashesBefore = hashFiles(fixtures);
  const progress: string[] = [];
  let executed: Notebook;

  before(async () => {
    executed = await runNotebook(fixture("pass.ipynb"), { progress: (l) => progress.push(l), position: { index: 2, total: 5 } });
  });

  it("executes every code cell in order with execution counts (empty cells are not sent)", () => {
    const counts = executed.cells.filter((c): c is CodeCell => c.cell_type === "code").map((c) => c.execution_count);
    assert.deepEqual(counts, [1, 2, 3, 4, 5, null, 6]);
    assert.equal(executed.nbformat_minor, 5);
    assert.equal((executed.metadata["language_info"] as { name?: string }).name, "typescript");
  });

  it("collects stdout as one stream output; the kernel runs in the notebook's directory", () => {
    assert.deepEqual(code(executed, "setup").outputs, [{ output_type: "stream", name: "stdout", text: "nodes: 3\n<not html> & done\ncwd is the notebook's directory: true\n" }]);
  });

  it("a table is an execute_result with text/html and text/plain", () => {
    const [out] = code(executed, "apply").outputs;
    assert.ok(out?.output_type === "execute_result");
    assert.equal(out.execution_count, 2);
    assert.deepEqual(Object.keys(out.data).sort(), ["text/html", "text/plain"]);
    assert.match(String(out.data["text/html"]), /<table/);
    assert.equal(String(out.data["text/plain"]).split("\n").filter((l) => /^10\.244\./.test(l)).length, 3);
  });

  it("a chart carries the Vega-Lite spec, its SVG and text", () => {
    const [out] = code(executed, "chart").outputs;
    assert.ok(out?.output_type === "execute_result");
    assert.deepEqual(Object.keys(out.data).sort(), ["application/vnd.vegalite.v5+json", "image/svg+xml", "text/plain"]);
    assert.equal(typeof out.data["application/vnd.vegalite.v5+json"], "object");
    assert.match(String(out.data["image/svg+xml"]), /^<svg[\s\S]*<\/svg>$/);
  });

  it("update_display_data replaces an earlier cell's display; clear_output(wait) keeps only what follows", () => {
    assert.deepEqual(code(executed, "update").outputs, [
      { output_type: "display_data", data: { "text/plain": "done: 3 pods" }, metadata: {} },
      { output_type: "stream", name: "stdout", text: "working\n" },
    ]);
    assert.deepEqual(code(executed, "finish").outputs, [{ output_type: "stream", name: "stdout", text: "after clear\n" }]);
  });

  it("a trace shows as a sequence diagram (SVG, text and mermaid)", () => {
    const [out] = code(executed, "trace").outputs;
    assert.ok(out?.output_type === "execute_result");
    assert.deepEqual(Object.keys(out.data).sort(), ["image/svg+xml", "text/plain", "text/vnd.mermaid"]);
  });

  it("reports progress per notebook and per cell", () => {
    assert.equal(progress[0], "[2/5] pass.ipynb: starting the kernel");
    assert.match(progress[1]!, /^\[2\/5\] pass\.ipynb cell 1\/7 ✓ \d+ ms$/);
    assert.equal(progress.filter((l) => / cell \d+\/7 ✓/.test(l)).length, 6);
    assert.match(progress[progress.length - 1]!, /^\[2\/5\] pass\.ipynb ✓ 7 code cells in /);
  });

  it("stops at the first error, naming the notebook, the cell and the error", async () => {
    const err = await runNotebook(fixture("fail.ipynb"), { progress: () => {} }).then(
      () => assert.fail("fail.ipynb ran without error"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof LessonError, String(err));
    assert.equal(err.notebook, "fail.ipynb");
    assert.equal(err.cell, 2);
    assert.equal(err.cellIndex, 3);
    assert.equal(err.cellId, "boom");
    assert.equal(err.ename, "RangeError");
    assert.equal(err.evalue, "replicas must be >= 0, got -1");
    assert.ok(!err.timedOut);
    assert.match(err.message, /^fail\.ipynb: cell 2\/3 \(notebook cell 3, id boom\) failed: RangeError: replicas must be >= 0, got -1\n/);
    assert.match(err.message, /at check \(In\[2\]:2:\d+\)/, "the traceback points into the cell");
    assert.ok(!/\u001b\[/.test(err.message), "no ANSI escapes in the message");
    // The partial notebook: the cell before ran, the failing one holds its error, the rest never ran.
    const p = err.partial!;
    assert.deepEqual(code(p, "ok").outputs, [{ output_type: "stream", name: "stdout", text: "before the failure\n" }]);
    assert.equal(code(p, "boom").outputs[0]?.output_type, "error");
    assert.equal(code(p, "never").execution_count, null);
    assert.equal(liveKernels(), 0, "the kernel was shut down after the failure");
  });

  it("a cell past its timeout is interrupted and fails clearly; the kernel is shut down", async () => {
    // Generous enough that cell 1 (the kernel's first compile) never times out on a loaded CI machine.
    const err = await runNotebook(fixture("timeout.ipynb"), { timeoutMs: 8000, progress: () => {} }).then(
      () => assert.fail("timeout.ipynb finished"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof LessonError, String(err));
    assert.ok(err.timedOut);
    assert.equal(err.cell, 2);
    assert.equal(err.ename, "CellTimeoutError");
    // The interrupt reached the busy loop: the kernel reported KeyboardInterrupt instead of being killed.
    assert.match(err.message, /^timeout\.ipynb: cell 2\/3 \(notebook cell 3, id spin\) timed out and was interrupted: CellTimeoutError: the cell ran longer than 8000 ms \(KeyboardInterrupt: Execution interrupted\)/);
    assert.equal(liveKernels(), 0);
  });

  it("a kernel that cannot start or dies at once is a clear error", async () => {
    await assert.rejects(runNotebook(fixture("pass.ipynb"), { progress: () => {}, kernelArgv: ["/nonexistent/kubelab-kernel", "{connection_file}"] }), (e: unknown) => e instanceof KernelDiedError && /cannot start the kernel \(\/nonexistent\/kubelab-kernel\)/.test(e.message));
    await assert.rejects(runNotebook(fixture("pass.ipynb"), { progress: () => {}, kernelArgv: [process.execPath, "-e", "console.error('no luck'); process.exit(3)"] }), (e: unknown) => e instanceof KernelDiedError && /the kernel exited \(code 3\); its log:\nno luck/.test(e.message));
    assert.equal(liveKernels(), 0);
  });

  it("exporting twice gives byte-identical HTML; the source notebooks are untouched", async () => {
    const a = tempDir("export-a");
    const b = tempDir("export-b");
    try {
      const quiet = { progress: () => {} };
      const ra = await exportNotebooks([fixture("pass.ipynb")], { out: a.dir, writeNotebooks: true, ...quiet });
      await exportNotebooks([fixture("pass.ipynb")], { out: b.dir, writeNotebooks: true, ...quiet });
      assert.deepEqual(fs.readdirSync(a.dir).sort(), ["index.html", "pass.html", "pass.ipynb"]);
      for (const f of fs.readdirSync(a.dir)) assert.ok(fs.readFileSync(path.join(a.dir, f)).equals(fs.readFileSync(path.join(b.dir, f))), `${f} differs between two exports`);
      assert.equal(ra.lessons[0]!.title, "Fixture: a Service and its endpoints");
      const html = fs.readFileSync(ra.lessons[0]!.page, "utf8");
      assert.match(html, /<div class="kl-vega" data-spec="cell-chart-o1-spec"/);
      const copy = JSON.parse(fs.readFileSync(path.join(a.dir, "pass.ipynb"), "utf8")) as Notebook;
      assert.equal(joinText(code(copy, "setup").source), joinText(code(executed, "setup").source));
    } finally {
      a.remove();
      b.remove();
    }
    assert.deepEqual(hashFiles(fixtures), hashesBefore, "fixture notebooks were modified");
  });

  it("kubelab export of several notebooks writes every page it can, lists the failing cells and exits 1", () => {
    const t = tempDir("export-partial");
    try {
      const cli = path.join(repoRoot(), "dist", "src", "cli.js");
      const r = spawnSync(process.execPath, [cli, "export", fixture("fail.ipynb"), fixture("pass.ipynb"), "--out", t.dir], { encoding: "utf8", timeout: 240_000 });
      assert.equal(r.status, 1, `exit code (stderr: ${r.stderr})`);
      // The notebook after the failing one still ran: its page and the index linking it were written.
      assert.deepEqual(fs.readdirSync(t.dir).sort(), ["index.html", "pass.html"]);
      const index = fs.readFileSync(path.join(t.dir, "index.html"), "utf8");
      assert.match(index, /href="pass\.html"/);
      assert.ok(!index.includes("fail.html"), "the index links a page that was not written");
      assert.match(r.stderr, /1 notebook failed; wrote 1 page and .*index\.html\n {2}fail\.ipynb: cell 2\/3 \(notebook cell 3\): RangeError: replicas must be >= 0, got -1/);
    } finally {
      t.remove();
    }
    assert.equal(liveKernels(), 0);
  });

  it("a kernel that dies under a cell fails naming that cell", async () => {
    const t = tempDir("dies");
    try {
      const file = path.join(t.dir, "dies.ipynb");
      const cell = (id: string, source: string) => ({ cell_type: "code", id, metadata: {}, execution_count: null, outputs: [], source });
      fs.writeFileSync(file, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [cell("a", "1 + 1"), cell("b", 'process.kill(process.pid, "SIGKILL")'), cell("c", "2")] }));
      await assert.rejects(runNotebook(file, { progress: () => {} }), (e: unknown) => {
        assert.ok(e instanceof LessonError, String(e));
        assert.equal(e.cell, 2);
        assert.equal(e.ename, "KernelDiedError");
        assert.match(e.message, /^dies\.ipynb: cell 2\/3 \(notebook cell 2, id b\) failed: KernelDiedError: the kernel exited \((code \d+|SIG[A-Z]+)\)/);
        return true;
      });
    } finally {
      t.remove();
    }
    assert.equal(liveKernels(), 0);
  });

  it("the command line rejects bad options with exit code 1", async () => {
    const stderr = process.stderr.write;
    let said = "";
    process.stderr.write = ((s: string) => ((said += s), true)) as typeof process.stderr.write;
    try {
      assert.equal(await main(["--bogus"]), 1);
      assert.equal(await main(["--timeout", "soon"]), 1);
      assert.equal(await main(["--out"]), 1);
    } finally {
      process.stderr.write = stderr;
    }
    assert.match(said, /unknown option --bogus/);
    assert.match(said, /--timeout wants a positive number of seconds, got "soon"/);
    assert.match(said, /--out needs a value/);
  });

  it("refuses bad input before starting any kernel", async () => {
    await assert.rejects(exportNotebooks([], { out: "/tmp/unused" }), /no notebooks given/);
    await assert.rejects(exportNotebooks([fixture("pass.ipynb"), fixture("missing.ipynb")], { out: "/tmp/unused" }), /missing\.ipynb: cannot read the notebook \(ENOENT\)/);
    assert.equal(liveKernels(), 0);
  });
});
