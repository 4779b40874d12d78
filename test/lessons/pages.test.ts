/**
 * What a learner sees of each exported lesson, in headless Chromium at 1280 px: no block cut off or hidden
 * behind a horizontal scrollbar (code, output, table, picture), no SVG text under 11 px as rendered or cut
 * off at its picture's edge, and at least one picture (diagram or chart) per lesson. A failure names the
 * page, the cell and the element. The course is exported once, shared with course.test.ts.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { courseNotebooks } from "../../tools/course/main";
import { exportedCourse, type ExportedCourse } from "./course";
import { formatProblems, measurePage, MIN_SVG_TEXT_PX, VIEWPORT, type PageLayout } from "./layout";
import { launchBrowser, repoRoot, type Browser } from "./tools";

describe(`lessons: every exported page at ${VIEWPORT.width} px in Chromium shows everything whole and readable`, function () {
  this.timeout(120_000);
  const lessons = courseNotebooks(path.join(repoRoot(), "notebooks"));
  let course: ExportedCourse;
  let browser: Browser;
  const layouts = new Map<string, PageLayout>();

  before(async function () {
    this.timeout(600_000);
    assert.ok(lessons.length > 0, "no lessons in notebooks/");
    browser = await launchBrowser({ viewport: VIEWPORT });
    course = await exportedCourse();
  });

  after(async () => {
    await browser?.close();
  });

  /** The page's layout, measured once (the checks below read it). */
  async function layout(name: string): Promise<PageLayout> {
    const known = layouts.get(name);
    if (known) return known;
    const lesson = course.result.lessons.find((l) => path.basename(l.page) === name);
    assert.ok(lesson, `${name} was not exported`);
    const page = await browser.context.newPage();
    try {
      await page.goto(pathToFileURL(lesson.page).href);
      const l = await measurePage(page);
      layouts.set(name, l);
      return l;
    } finally {
      await page.close();
    }
  }

  for (const file of lessons) {
    const name = path.basename(file).replace(/\.ipynb$/, ".html");
    it(`${name}: no element cut off or behind a horizontal scrollbar`, async () => {
      const l = await layout(name);
      const cut = l.problems.filter((p) => p.kind === "scrolls" || p.kind === "beyond-column");
      assert.equal(cut.length, 0, `${cut.length} block(s) wider than the ${l.column} px column:\n${formatProblems(name, cut)}`);
    });

    it(`${name}: SVG text at least ${MIN_SVG_TEXT_PX} px as rendered and inside its picture`, async () => {
      const l = await layout(name);
      const text = l.problems.filter((p) => p.kind === "small-text" || p.kind === "text-cut");
      assert.equal(text.length, 0, `unreadable SVG text:\n${formatProblems(name, text)}`);
    });

    it(`${name}: at least one picture`, async () => {
      assert.ok((await layout(name)).pictures >= 1, `${name} shows no diagram or chart`);
    });
  }
});
