/**
 * The course as `npm run lessons` builds it: every lesson in notebooks/ executes through the kubelab kernel,
 * each exported page opened in headless Chromium shows every chart and diagram with no console errors and
 * no request leaving file://, the index links every lesson, a second export is byte-identical, and the
 * source notebooks are untouched.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { courseNotebooks, exportNotebooks, type ExportResult } from "../../tools/course/main";
import { exportedCourse } from "./course";
import { learningGoals, notebookTitle } from "../../tools/course/export";
import { readNotebook, type Notebook } from "../../tools/course/notebook";
import { collectErrors, gitStatus, hashFiles, launchBrowser, repoRoot, tempDir, type Browser } from "./tools";

const lessonsDir = path.join(repoRoot(), "notebooks");

/** What a page should show, counted from its executed notebook. */
function expected(nb: Notebook): { charts: number; svgs: number; errors: number } {
  let charts = 0;
  let svgs = 0;
  let errors = 0;
  for (const c of nb.cells) {
    if (c.cell_type !== "code") continue;
    for (const o of c.outputs) {
      if (o.output_type === "error") errors++;
      if (o.output_type !== "display_data" && o.output_type !== "execute_result") continue;
      const types = Object.keys(o.data);
      if (types.some((t) => /^application\/vnd\.vega(lite)?\.v\d\+json$/.test(t))) charts++;
      else if (types.includes("image/svg+xml")) svgs++;
    }
  }
  return { charts, svgs, errors };
}

/** Facts about an exported page once its charts are embedded (browser-side code as a string: no DOM types here). */
const PAGE_FACTS = `(() => {
  const box = (e) => { const r = e.getBoundingClientRect(); return [Math.round(r.width), Math.round(r.height)]; };
  const marks = (svg) => svg.querySelectorAll("path, rect, line, circle, text, polygon, polyline").length;
  return {
    charts: [...document.querySelectorAll(".kl-vega")].map((el) => {
      const g = el.querySelector("svg, canvas");
      return { drawn: g ? g.tagName.toLowerCase() : null, box: g ? box(g) : [0, 0], marks: g && g.tagName.toLowerCase() === "svg" ? marks(g) : -1, error: el.getAttribute("data-error") };
    }),
    fallbacksLeft: document.querySelectorAll(".kl-fallback").length,
    svgs: [...document.querySelectorAll(".kl-svg > svg")].map((s) => ({ box: box(s), marks: marks(s) })),
    errorOutputs: document.querySelectorAll(".kl-error").length,
    links: [...document.querySelectorAll("a[href]")].map((a) => a.getAttribute("href")),
  };
})()`;

interface PageFacts {
  charts: { drawn: string | null; box: [number, number]; marks: number; error: string | null }[];
  fallbacksLeft: number;
  svgs: { box: [number, number]; marks: number }[];
  errorOutputs: number;
  links: string[];
}

const EMBEDDED = `[...document.querySelectorAll(".kl-vega")].every((e) => e.querySelector("svg, canvas") || e.hasAttribute("data-error"))`;

describe("lessons: the course, exported and opened in headless Chromium", function () {
  this.timeout(300_000);
  const lessons = courseNotebooks(lessonsDir);
  let outDir = "";
  const again = tempDir("course-again");
  let statusBefore = "";
  let hashesBefore: Record<string, string> = {};
  let result: ExportResult;
  let executed = new Map<string, Notebook>();
  let progress: string[] = [];
  let browser: Browser | undefined;

  before(async function () {
    this.timeout(600_000);
    assert.ok(lessons.length > 0, `no lessons in ${lessonsDir}: the course must not be empty`);
    statusBefore = gitStatus("notebooks");
    hashesBefore = hashFiles(lessonsDir);
    // The code path of `npm run lessons` (main() calls exactly this), with the executed copies kept for the
    // checks; shared with pages.test.ts.
    const course = await exportedCourse();
    assert.deepEqual(course.lessons, lessons);
    ({ result, executed, progress, dir: outDir } = course);
  });

  after(async () => {
    await browser?.close();
    again.remove();
  });

  it("every lesson executes without error, with progress per notebook and cell", () => {
    assert.deepEqual(
      result.lessons.map((l) => path.basename(l.page)),
      lessons.map((l) => path.basename(l).replace(/\.ipynb$/, ".html")),
    );
    for (const [page, nb] of executed) assert.equal(expected(nb).errors, 0, `${page} has error outputs`);
    for (let i = 0; i < lessons.length; i++) {
      const name = path.basename(lessons[i]!);
      assert.ok(progress.includes(`[${i + 1}/${lessons.length}] ${name}: starting the kernel`), `no start line for ${name}`);
      assert.ok(progress.some((l) => l.startsWith(`[${i + 1}/${lessons.length}] ${name} ✓ `)), `no done line for ${name}`);
    }
  });

  it("each page shows every chart (embedded by the inlined vega-embed) and every diagram, with no console errors and nothing off file://", async () => {
    browser = await launchBrowser();
    let chartsSeen = 0;
    for (const l of result.lessons) {
      const name = path.basename(l.page);
      const want = expected(executed.get(l.page)!);
      const page = await browser.context.newPage();
      const errors = collectErrors(page);
      await page.goto(pathToFileURL(l.page).href);
      await page.waitForFunction(EMBEDDED, undefined, { timeout: 60_000 });
      const f = (await page.evaluate(PAGE_FACTS)) as PageFacts;
      assert.equal(f.charts.length, want.charts, `${name}: charts`);
      for (const [i, c] of f.charts.entries()) {
        assert.equal(c.error, null, `${name}: chart ${i + 1} failed to embed`);
        assert.equal(c.drawn, "svg", `${name}: chart ${i + 1} not drawn`);
        assert.ok(c.box[0] > 100 && c.box[1] > 50, `${name}: chart ${i + 1} drawn at ${c.box.join("x")}`);
        assert.ok(c.marks > 10, `${name}: chart ${i + 1} has only ${c.marks} elements`);
      }
      assert.equal(f.fallbacksLeft, 0, `${name}: static fallbacks left after a successful embed`);
      assert.equal(f.svgs.length, want.svgs, `${name}: inline SVGs (diagrams)`);
      for (const [i, s] of f.svgs.entries()) assert.ok(s.box[0] > 10 && s.box[1] > 10 && s.marks > 0, `${name}: SVG ${i + 1} is empty (${s.box.join("x")}, ${s.marks} elements)`);
      assert.equal(f.errorOutputs, 0, `${name}: error outputs`);
      assert.deepEqual(errors, [], `${name}: console errors`);
      chartsSeen += f.charts.length + f.svgs.length;
      await page.close();
    }
    assert.deepEqual(browser.offsite, [], "requests outside file://");
    assert.ok(chartsSeen > 0, "the course shows no chart or diagram at all");
  });

  it("with JavaScript off, each chart's SVG fallback is visible", async () => {
    const withCharts = result.lessons.find((l) => expected(executed.get(l.page)!).charts > 0);
    assert.ok(withCharts, "no lesson has a chart");
    const noJs = await launchBrowser({ javaScriptEnabled: false });
    try {
      const page = await noJs.context.newPage();
      await page.goto(pathToFileURL(withCharts.page).href);
      const boxes = (await page.evaluate(`[...document.querySelectorAll(".kl-fallback svg")].map((s) => { const r = s.getBoundingClientRect(); return [r.width, r.height]; })`)) as [number, number][];
      assert.equal(boxes.length, expected(executed.get(withCharts.page)!).charts);
      for (const [w, h] of boxes) assert.ok(w > 100 && h > 50, `fallback drawn at ${w}x${h}`);
      assert.deepEqual(noJs.offsite, []);
    } finally {
      await noJs.close();
    }
  });

  it("the index links every lesson, by its title, and every link resolves", async () => {
    browser ??= await launchBrowser();
    const page = await browser.context.newPage();
    const errors = collectErrors(page);
    await page.goto(pathToFileURL(result.index).href);
    const links = (await page.evaluate(`[...document.querySelectorAll("a.kl-lesson-link")].map((a) => [a.getAttribute("href"), a.textContent])`)) as [string, string][];
    assert.deepEqual(
      links,
      lessons.map((l) => [path.basename(l).replace(/\.ipynb$/, ".html"), notebookTitle(readNotebook(l), path.basename(l))]),
    );
    for (const [href] of links) assert.ok(fs.existsSync(path.join(outDir, href)), `${href} does not exist`);
    // Learning goals appear under each lesson that states them.
    const goals = (await page.evaluate(`[...document.querySelectorAll("li.kl-lesson")].map((li) => li.querySelectorAll(".kl-goals li").length)`)) as number[];
    assert.deepEqual(
      goals.map((n) => n > 0),
      lessons.map((l) => learningGoals(readNotebook(l)) !== undefined),
    );
    // Following a link lands on the lesson, whose navigation leads back to the index.
    await page.click(`a.kl-lesson-link[href="${links[0]![0]}"]`);
    assert.equal(path.basename(new URL(page.url()).pathname), links[0]![0]);
    const f = (await page.evaluate(PAGE_FACTS)) as PageFacts;
    assert.ok(f.links.includes("index.html"));
    assert.deepEqual(errors, []);
    assert.deepEqual(browser.offsite, []);
    await page.close();
  });

  it("exporting twice gives byte-identical HTML", async () => {
    await exportNotebooks(lessons, { out: again.dir, progress: () => {} });
    const pages = fs.readdirSync(outDir).filter((f) => f.endsWith(".html")).sort();
    assert.deepEqual(fs.readdirSync(again.dir).sort(), pages);
    for (const f of pages) {
      const a = fs.readFileSync(path.join(outDir, f));
      const b = fs.readFileSync(path.join(again.dir, f));
      if (!a.equals(b)) {
        const at = [...a].findIndex((byte, i) => byte !== b[i]);
        assert.fail(`${f} differs between two exports at byte ${at}: …${a.subarray(Math.max(0, at - 80), at + 80).toString()}… vs …${b.subarray(Math.max(0, at - 80), at + 80).toString()}…`);
      }
    }
  });

  it("the source notebooks are untouched", () => {
    assert.deepEqual(hashFiles(lessonsDir), hashesBefore, "a notebook in notebooks/ was modified");
    assert.equal(gitStatus("notebooks"), statusBefore, "git status --porcelain notebooks/ changed");
    for (const l of result.lessons) assert.ok(!l.page.startsWith(lessonsDir) && !l.executed!.startsWith(lessonsDir), "output written next to the sources");
  });
});
