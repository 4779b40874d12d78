/**
 * The lessons in the Jupyter ecosystem itself, with the kubelab kernelspec in a temporary JUPYTER_PATH:
 * `jupyter nbconvert --to html --execute` runs every lesson without error (nbclient is the judge of the
 * kernel's protocol), and Debian's Jupyter Notebook, driven in headless Chromium, runs a lesson with
 * "Run All" and shows its chart and its table.
 */
import * as assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { courseNotebooks } from "../../tools/course/main";
import { joinText, readNotebook } from "../../tools/course/notebook";
import { collectErrors, fixture, freePort, gitStatus, hashFiles, launchBrowser, repoRoot, requireCommand, tempDir, tempJupyter } from "./tools";

const lessonsDir = path.join(repoRoot(), "notebooks");

/** The first lesson whose nbconvert page shows a chart and a table (the UI test opens it). */
let uiLesson: string | undefined;

describe("lessons: jupyter nbconvert --execute", function () {
  this.timeout(240_000);

  // Debian's nbconvert 6.5 passes inline image/svg+xml through lxml's clean_html, which deletes
  // every SVG child element: with its stock templates the page keeps an empty <svg> (and its
  // ExtractOutputPreprocessor path is broken too). `kubelab install` therefore installs a
  // `kubelab` template that keeps our SVGs; this test runs nbconvert with it, as the README says.
  it("executes every lesson through the kubelab kernel and writes HTML whose SVGs draw", () => {
    const nbconvert = requireCommand("jupyter-nbconvert", "jupyter-nbconvert");
    const lessons = courseNotebooks(lessonsDir);
    assert.ok(lessons.length > 0, `no lessons in ${lessonsDir}: the course must not be empty`);
    const statusBefore = gitStatus("notebooks");
    const hashesBefore = hashFiles(lessonsDir);
    const jupyter = tempJupyter();
    const out = tempDir("nbconvert");
    let svgs = 0;
    try {
      const r = spawnSync(
        nbconvert,
        ["--to", "html", "--execute", "--template", "kubelab", "--ExecutePreprocessor.kernel_name=kubelab", "--ExecutePreprocessor.timeout=120", "--output-dir", out.dir, ...lessons],
        { env: jupyter.env, encoding: "utf8", timeout: 230_000, maxBuffer: 64 << 20 },
      );
      assert.equal(r.status, 0, `nbconvert failed (status ${r.status}, signal ${r.signal}):\n${r.stderr.slice(-6000)}`);
      for (const nb of lessons) {
        const html = path.join(out.dir, path.basename(nb).replace(/\.ipynb$/, ".html"));
        assert.ok(fs.existsSync(html), `${html} not written`);
        const text = fs.readFileSync(html, "utf8");
        // Every SVG output is inline and draws something (the stock template would leave it empty).
        const blocks = text.split('data-mime-type="image/svg+xml"').slice(1);
        let chart = false;
        for (const b of blocks) {
          const svg = /^>\s*(<svg[\s\S]*?<\/svg>)/.exec(b)?.[1] ?? "";
          assert.match(svg, /<(path|line|rect)\b/, `${path.basename(html)}: an SVG output with nothing drawn: ${svg.slice(0, 200)}`);
          if (/class="marks"/.test(svg)) chart = true;
        }
        const srcs = blocks;
        svgs += srcs.length;
        // vega's SVG has class "marks"; tables come from text/html outputs.
        if (uiLesson === undefined && chart && /<table/.test(text)) uiLesson = nb;
      }
      assert.ok(svgs > 0, "no lesson page from nbconvert shows an SVG");
    } finally {
      out.remove();
      jupyter.remove();
    }
    assert.deepEqual(hashFiles(lessonsDir), hashesBefore, "nbconvert modified a source notebook");
    assert.equal(gitStatus("notebooks"), statusBefore, "git status of notebooks/ changed");
  });
});

function get(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", () => resolve(0));
    req.setTimeout(2000, () => {
      req.destroy();
      resolve(0);
    });
  });
}

async function stopServer(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return;
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  // The server and the kernels it started share the process group created for it.
  try {
    process.kill(-proc.pid, "SIGTERM");
  } catch {
    return;
  }
  const t = setTimeout(() => {
    try {
      process.kill(-proc.pid!, "SIGKILL");
    } catch {
      // gone
    }
  }, 8000);
  await exited;
  clearTimeout(t);
  // Kernels that outlived the server (they get SIGTERM with the group; make sure).
  try {
    process.kill(-proc.pid, "SIGKILL");
  } catch {
    // nothing left
  }
}

/** Browser-side code as strings: the project compiles without the DOM library. */
const PROMPTS_DONE = `(() => {
  const p = [...document.querySelectorAll(".code_cell .input_prompt")].map((e) => e.textContent || "");
  return p.length > 0 && !p.some((t) => t.includes("*")) && p.some((t) => /\\[\\d+\\]/.test(t));
})()`;

interface PageFacts {
  prompts: string[];
  numbered: number;
  charts: { w: number; h: number }[];
  vegaEmbeds: number;
  tables: number[];
  errors: number;
  text: string;
}

const PAGE_FACTS = `(() => {
  const box = (e) => { const r = e.getBoundingClientRect(); return { w: r.width, h: r.height }; };
  const prompts = [...document.querySelectorAll(".code_cell .input_prompt")].map((e) => e.textContent || "");
  const areas = [...document.querySelectorAll(".output_subarea")];
  return {
    prompts,
    numbered: prompts.filter((t) => /\\[\\d+\\]/.test(t)).length,
    charts: [...document.querySelectorAll(".output_subarea svg.marks")].map(box),
    vegaEmbeds: document.querySelectorAll(".output_subarea .vega-embed").length,
    tables: [...document.querySelectorAll(".output_subarea table")].map((t) => t.querySelectorAll("tr").length),
    errors: document.querySelectorAll(".output_error").length,
    text: areas.map((a) => a.textContent || "").join("\\n"),
  };
})()`;

describe("lessons: the Jupyter Notebook UI in headless Chromium", function () {
  this.timeout(180_000);

  it("Run All on a lesson shows its chart and its table", async function () {
    const notebookApp = requireCommand("jupyter-notebook", "jupyter-notebook");
    // The first lesson with a chart and a table (found by the nbconvert test), else the fixture that has both.
    const source = uiLesson ?? fixture("pass.ipynb");
    const nb = readNotebook(source);
    if (this.test) this.test.title += ` (${path.basename(source)})`;
    const codeCells = nb.cells.filter((c) => c.cell_type === "code" && joinText(c.source).trim() !== "").length;
    const jupyter = tempJupyter();
    const root = tempDir("notebook-root");
    fs.copyFileSync(source, path.join(root.dir, path.basename(source)));
    const port = await freePort();
    const token = randomBytes(24).toString("hex");
    let log = "";
    const server = spawn(
      notebookApp,
      ["--no-browser", "--ip=127.0.0.1", `--port=${port}`, "--port-retries=0", `--NotebookApp.token=${token}`, `--NotebookApp.notebook_dir=${root.dir}`, "--allow-root", "--NotebookApp.open_browser=False"],
      { env: jupyter.env, cwd: root.dir, stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    server.stdout?.on("data", (d: Buffer) => (log += d.toString()));
    server.stderr?.on("data", (d: Buffer) => (log += d.toString()));
    const base = `http://127.0.0.1:${port}`;
    const browser = await launchBrowser({ allow: (url) => url.startsWith(base + "/") });
    try {
      const deadline = Date.now() + 60_000;
      while ((await get(`${base}/api/status?token=${token}`)) !== 200) {
        if (server.exitCode !== null) throw new Error(`jupyter-notebook exited with ${server.exitCode}:\n${log}`);
        if (Date.now() > deadline) throw new Error(`jupyter-notebook did not answer on ${base} within 60 s:\n${log}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      const page = await browser.context.newPage();
      const errors = collectErrors(page);
      await page.goto(`${base}/notebooks/${encodeURIComponent(path.basename(source))}?token=${token}`);
      // The kernel named in the notebook's metadata (kubelab) starts and connects.
      await page.waitForFunction("window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected()", undefined, { timeout: 60_000 });
      assert.equal(await page.evaluate("Jupyter.notebook.kernel.name"), "kubelab");
      // Cell → Run All, through the menu as a learner would.
      await page.click("#celllink");
      await page.click("#run_all_cells");
      // Run All marks every code cell busy ([*]) at once; done when none is busy.
      await page.waitForFunction(PROMPTS_DONE, undefined, { timeout: 120_000 });
      const seen = (await page.evaluate(PAGE_FACTS)) as PageFacts;
      assert.equal(seen.numbered, codeCells, `executed ${seen.numbered} of ${codeCells} code cells: ${JSON.stringify(seen.prompts)}`);
      assert.equal(seen.errors, 0, `error outputs in the notebook:\n${seen.text}`);
      assert.ok(seen.charts.length + seen.vegaEmbeds >= 1, "no chart (.vega-embed or the chart's SVG) in the page");
      for (const c of seen.charts) assert.ok(c.w > 100 && c.h > 100, `chart drawn at ${c.w}x${c.h}`);
      assert.ok(seen.tables.some((rows) => rows >= 2), `no table with rows in the page: ${JSON.stringify(seen.tables)}`);
      assert.deepEqual(errors.filter((e) => !/Failed to load resource|\/nbextensions\/widgets\//.test(e)), []);
      await page.close();
    } finally {
      await browser.close();
      await stopServer(server);
      root.remove();
      jupyter.remove();
    }
  });
});

