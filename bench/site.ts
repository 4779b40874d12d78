/**
 * The JupyterLite site's figures: build time (`node site/build.mjs`), bytes transferred (gzip) to open
 * one lesson in a fresh browser, kernel ready after page load (navigation start → status "Idle"),
 * and a lesson's Run All time in the browser against the Node kernel's run of the same notebook.
 * `node dist/bench/site.js [LESSON.ipynb] [--no-build]` (default lesson 02).
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { chromium } from "playwright-core";
import { runNotebook } from "../tools/course/runner";
import { findPackageRoot } from "../src/packageroot";
import { serveSite } from "../src/siteserver";
import { CHROMIUM_ARGS } from "../test/lessons/tools";
import { kernelIdle } from "../test/site/lab";

async function bench(): Promise<void> {
  const root = findPackageRoot(__dirname);
  const lesson = process.argv.slice(2).find((a) => a.endsWith(".ipynb")) ?? "02-services-and-endpoints.ipynb";
  if (!process.argv.includes("--no-build")) {
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [path.join(root, "site", "build.mjs")], { cwd: root, stdio: "inherit" });
    if (r.status !== 0) throw new Error("site build failed");
    console.log(`site build (node site/build.mjs):        ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  const server = await serveSite(path.join(root, "build", "site"));
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    server.resetCounter();
    await page.goto(`${server.url}lab/index.html?path=${lesson}`);
    await kernelIdle(page, 120_000);
    const ready = await page.evaluate(() => performance.now());
    await page.waitForTimeout(1000); // late requests (fonts, icons)
    console.log(`bytes to open ${lesson} (gzip):  ${(server.bytesSent() / 1e6).toFixed(2)} MB (aim ≤ 6 MB)`);
    console.log(`kernel ready after page load:            ${(ready / 1000).toFixed(2)} s (aim ≤ 3 s)`);
    const t0 = Date.now();
    await page.click(".lm-MenuBar-itemLabel:text-is('Run')");
    await page.click(".lm-Menu-itemLabel:text-is('Run All Cells')");
    await page.waitForFunction(
      () => {
        const app = (globalThis as unknown as { jupyterapp: { shell: { currentWidget: { content: { model: { toJSON(): { cells: { cell_type: string; source: string | string[]; execution_count?: number | null }[] } } } } } } }).jupyterapp;
        const cells = app.shell.currentWidget.content.model.toJSON().cells.filter((c) => c.cell_type === "code" && String(Array.isArray(c.source) ? c.source.join("") : c.source).trim() !== "");
        return cells.every((c) => (c.execution_count ?? 0) > 0);
      },
      null,
      { timeout: 600_000, polling: 50 },
    );
    const browserMs = Date.now() - t0;
    await context.close();
    const n0 = Date.now();
    await runNotebook(path.join(root, "notebooks", lesson), { progress: () => {} });
    const nodeMs = Date.now() - n0;
    console.log(`Run All ${lesson}: browser ${(browserMs / 1000).toFixed(1)} s, Node kernel ${(nodeMs / 1000).toFixed(1)} s (incl. kernel start) → ${(browserMs / nodeMs).toFixed(2)}× (aim ≤ 1.5×)`);
  } finally {
    await browser.close();
    await server.close();
  }
}

bench().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
