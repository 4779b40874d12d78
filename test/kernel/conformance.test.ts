/**
 * The real judges: Jupyter's kernel conformance suite and `jupyter nbconvert --execute`, both against a
 * kernelspec installed into a temporary JUPYTER_PATH (never the user's directories).
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { installKernelspec } from "../../kernel/install";
import { findPackageRoot } from "../../src/packageroot";

function repoRoot(): string {
  return findPackageRoot(__dirname);
}

/** Debian's python (where the Debian packages install their modules), else whatever python3 is. */
function python(): string {
  return fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

function requireModule(module: string, debianPackage: string): void {
  const r = spawnSync(python(), ["-c", `import ${module}`], { encoding: "utf8" });
  if (r.status !== 0) {
    assert.fail(`${python()} cannot import ${module}: install the Debian package ${debianPackage} (apt-get install -y --no-install-recommends ${debianPackage})\n${r.stderr ?? r.error}`);
  }
}

describe("kernel conformance (real Jupyter tools)", function () {
  this.timeout(300_000);
  let tmp: string;
  let env: NodeJS.ProcessEnv;
  const name = "kubelab-test";

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-jupyter-"));
    const dir = installKernelspec({ prefix: tmp, name });
    assert.equal(dir, path.join(tmp, "share", "jupyter", "kernels", name));
    env = {
      ...process.env,
      JUPYTER_PATH: path.join(tmp, "share", "jupyter"),
      JUPYTER_DATA_DIR: path.join(tmp, "data"),
      JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime"),
      JUPYTER_CONFIG_DIR: path.join(tmp, "config"),
      IPYTHONDIR: path.join(tmp, "ipython"),
      KUBELAB_KERNEL_NAME: name,
    };
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("installs a kernelspec that runs this installation's node and kernel, with logos", () => {
    const dir = path.join(tmp, "share", "jupyter", "kernels", name);
    const spec = JSON.parse(fs.readFileSync(path.join(dir, "kernel.json"), "utf8")) as Record<string, unknown>;
    assert.deepEqual(spec["argv"], [process.execPath, path.resolve(__dirname, "../../kernel/main.js"), "{connection_file}"]);
    assert.equal(spec["display_name"], "kubelab (TypeScript)");
    assert.equal(spec["language"], "typescript");
    assert.equal(spec["interrupt_mode"], "message");
    for (const logo of ["logo-32x32.png", "logo-64x64.png", "logo-svg.svg"]) assert.ok(fs.existsSync(path.join(dir, logo)), logo);
  });

  it("passes every applicable check of jupyter_kernel_test", () => {
    requireModule("jupyter_kernel_test", "python3-jupyter-kernel-test");
    const r = spawnSync(python(), ["-m", "unittest", "-v", "test_kubelab_kernel"], { cwd: path.join(repoRoot(), "test", "kernel"), env, encoding: "utf8", timeout: 240_000 });
    const out = `${r.stdout}\n${r.stderr}`;
    assert.equal(r.status, 0, out);
    assert.match(out, /Ran 12 tests/, out);
    // Only the pager check is not applicable (the kernel has no pager payloads).
    assert.match(out, /OK \(skipped=1\)/, out);
    assert.match(out, /test_pager .*skipped/, out);
  });

  it("runs a notebook under `jupyter nbconvert --execute` and saves the MIME bundles", () => {
    requireModule("nbconvert", "jupyter-nbconvert");
    requireModule("nbclient", "python3-nbclient");
    const nbDir = path.join(tmp, "nb");
    fs.mkdirSync(nbDir, { recursive: true });
    const cell = (source: string): Record<string, unknown> => ({ cell_type: "code", metadata: {}, execution_count: null, outputs: [], source });
    const nb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name, display_name: "kubelab (TypeScript)", language: "typescript" } },
      cells: [
        cell('import { TraceView } from "kubelab";\nconsole.log(typeof TraceView);'),
        cell('const chart = { [Symbol.for("Jupyter.display")]() { return { "image/svg+xml": "<svg xmlns=\'http://www.w3.org/2000/svg\'/>", "text/plain": "a chart" }; } };\nchart'),
        cell("display({ n: 1 }, { id: 'counter' });\ndisplay({ n: 2 }, { id: 'counter', update: true });"),
      ].map((c, i) => ({ ...c, id: `cell-${i}` })),
    };
    fs.writeFileSync(path.join(nbDir, "lesson.ipynb"), JSON.stringify(nb));
    const jupyter = fs.existsSync("/usr/bin/jupyter") ? "/usr/bin/jupyter" : "jupyter";
    const r = spawnSync(jupyter, ["nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=120", "--output", "executed.ipynb", "lesson.ipynb"], { cwd: nbDir, env, encoding: "utf8", timeout: 200_000 });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const out = JSON.parse(fs.readFileSync(path.join(nbDir, "executed.ipynb"), "utf8")) as { cells: { outputs: Record<string, unknown>[]; execution_count: number }[] };
    // nbformat may store multi-line strings as lists of lines.
    const joined = (v: unknown): unknown => (Array.isArray(v) ? v.join("") : v);
    const outs0 = out.cells[0]!.outputs;
    assert.equal(outs0.length, 1);
    assert.equal(outs0[0]!["output_type"], "stream");
    assert.equal(joined(outs0[0]!["text"]), "function\n");
    const result = out.cells[1]!.outputs[0]!;
    assert.equal(result["output_type"], "execute_result");
    assert.equal(result["execution_count"], 2);
    const data = result["data"] as Record<string, unknown>;
    assert.deepEqual(Object.keys(data).sort(), ["image/svg+xml", "text/plain"]);
    assert.equal(joined(data["image/svg+xml"]), "<svg xmlns='http://www.w3.org/2000/svg'/>");
    assert.equal(joined(data["text/plain"]), "a chart");
    // nbclient applies update_display_data to the output with the same display id.
    const shown = out.cells[2]!.outputs;
    assert.equal(shown.length, 1);
    assert.equal(joined((shown[0]!["data"] as Record<string, unknown>)["text/plain"]), "{ n: 2 }");
  });
});
