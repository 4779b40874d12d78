/**
 * The JupyterLite site in headless Chromium, driven through JupyterLab's own menus: every lesson runs
 * on the in-browser kernel with no error output, every picture present, and MIME bundles equal to the
 * Node kernel's run of the same lesson (JSON key order aside); a new notebook on the kubelab kernel;
 * an edited replica count changes a lesson's chart. Builds the site first if `build/site` is missing.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import type { Page } from "playwright-core";
import { launchBrowser, collectErrors, repoRoot, type Browser } from "../lessons/tools";
import { runNotebook } from "../../src/lessons/runner";
import { serveSite, type SiteServer } from "../../src/siteserver";

// The page-side functions below run in Chromium; these are the few DOM names they use.
interface DomNode {
  textContent: string | null;
}
declare const document: { querySelector(s: string): DomNode | null; querySelectorAll(s: string): Iterable<DomNode>; body: DomNode };

const root = repoRoot();
const siteDir = path.join(root, "build", "site");
const lessons = fs.readdirSync(path.join(root, "notebooks")).filter((f) => f.endsWith(".ipynb")).sort();

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
/** JSON with object keys sorted (Vega-Lite specs differ only in key order between the two kernels). */
function canonical(v: unknown): Json {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  return v as Json;
}
const joinText = (t: unknown): string => (Array.isArray(t) ? t.join("") : String(t ?? ""));

interface OutputLike {
  output_type: string;
  name?: string;
  text?: unknown;
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
}
/** What a learner sees of a cell's outputs: streams joined per name in order, bundles with text joined. */
function normalize(outputs: OutputLike[]): Json[] {
  const out: Json[] = [];
  for (const o of outputs) {
    if (o.output_type === "stream") {
      const last = out[out.length - 1] as { stream?: string; text?: string } | undefined;
      if (last && last.stream === o.name) last.text += joinText(o.text);
      else out.push({ stream: o.name ?? "", text: joinText(o.text) });
    } else if (o.output_type === "error") out.push({ error: `${o.ename}: ${o.evalue}` });
    else {
      const data = Object.fromEntries(Object.entries(o.data ?? {}).map(([k, v]) => [k, typeof v === "string" || Array.isArray(v) ? joinText(v) : canonical(v)]));
      out.push(canonical({ data }));
    }
  }
  return out;
}

async function openLesson(page: Page, base: string, file: string): Promise<void> {
  await page.goto(`${base}lab/index.html?path=${file}`);
  await page.waitForSelector(".jp-Notebook .jp-Cell", { timeout: 60_000 });
  await kernelIdle(page);
}

async function kernelIdle(page: Page): Promise<void> {
  await page.waitForFunction(() => /\| Idle/.test(document.querySelector(".jp-StatusBar-Component")?.textContent ?? document.body.textContent ?? ""), null, { timeout: 60_000 });
}

/** Run → Run All Cells, then wait until every code cell has its execution count. */
async function runAll(page: Page): Promise<void> {
  await page.click(".lm-MenuBar-itemLabel:text-is('Run')");
  await page.click(".lm-Menu-itemLabel:text-is('Run All Cells')");
  await page.waitForFunction(
    () => {
      const prompts = [...document.querySelectorAll(".jp-CodeCell .jp-InputArea-prompt")].map((p) => p.textContent ?? "");
      return prompts.length > 0 && prompts.every((p) => /\[\d+\]/.test(p));
    },
    null,
    { timeout: 180_000 },
  );
  await kernelIdle(page);
}

/** The open notebook's code cells' outputs, from JupyterLab's model. */
function modelOutputs(page: Page): Promise<{ source: string; outputs: OutputLike[] }[]> {
  return page.evaluate(() => {
    const app = (globalThis as unknown as { jupyterapp: { shell: { currentWidget: { content: { model: { toJSON(): { cells: { cell_type: string; source: string | string[]; outputs?: unknown[] }[] } } } } } } }).jupyterapp;
    return app.shell.currentWidget.content.model
      .toJSON()
      .cells.filter((c) => c.cell_type === "code")
      .map((c) => ({ source: Array.isArray(c.source) ? c.source.join("") : c.source, outputs: (c.outputs ?? []) as never }));
  });
}

describe("site (JupyterLite in Chromium)", function () {
  this.timeout(20 * 60_000);
  let server: SiteServer;
  let browser: Browser;

  before(async function () {
    if (!fs.existsSync(path.join(siteDir, "lab", "index.html"))) {
      const r = spawnSync("npm", ["run", "site"], { cwd: root, stdio: "inherit" });
      assert.equal(r.status, 0, "npm run site failed");
    }
    server = await serveSite(siteDir);
    browser = await launchBrowser({ allow: (url) => url.startsWith(server.url) });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const lesson of lessons) {
    it(`runs ${lesson} through Run All Cells like the Node kernel`, async () => {
      const expected = await runNotebook(path.join(root, "notebooks", lesson), { progress: () => {} });
      const page = await browser.context.newPage();
      const errors = collectErrors(page);
      try {
        await openLesson(page, server.url, lesson);
        assert.equal(await page.evaluate(() => (globalThis as unknown as { crossOriginIsolated: boolean }).crossOriginIsolated), true, "the server's headers make the page cross-origin isolated");
        await runAll(page);
        const got = await modelOutputs(page);
        const want = expected.cells.filter((c) => c.cell_type === "code");
        assert.equal(got.length, want.length);
        got.forEach((cell, i) => {
          const errs = cell.outputs.filter((o) => o.output_type === "error" || (o.output_type === "stream" && o.name === "stderr"));
          assert.deepEqual(errs, [], `${lesson} code cell ${i + 1} has error output`);
          assert.deepEqual(normalize(cell.outputs), normalize((want[i] as { outputs: OutputLike[] }).outputs), `${lesson} code cell ${i + 1}: outputs differ from the Node kernel's`);
        });
        // Every picture the Node kernel drew is on the page: a Vega chart or an SVG per picture output.
        const pictures = want.flatMap((c) => (c as { outputs: OutputLike[] }).outputs).filter((o) => o.data && ("application/vnd.vegalite.v5+json" in o.data || "image/svg+xml" in o.data)).length;
        const drawn = (n: number) =>
          [...document.querySelectorAll(".jp-OutputArea-output")].filter((e) => (e as unknown as { querySelector(s: string): unknown }).querySelector(".vega-embed svg, .vega-embed canvas, .jp-RenderedSVG img, .jp-RenderedSVG svg, img.jp-RenderedSVG, svg")).length >= n;
        await page.waitForFunction(drawn, pictures, { timeout: 30_000 }).catch(() => {});
        assert.ok(await page.evaluate(drawn, pictures), `${lesson}: all ${pictures} pictures drawn on the page`);
        assert.deepEqual(errors, [], `${lesson}: console errors`);
      } finally {
        await page.close();
      }
    });
  }

  it("runs cells typed into a new notebook on the kubelab kernel", async () => {
    const page = await browser.context.newPage();
    const errors = collectErrors(page);
    try {
      await page.goto(`${server.url}lab/index.html`);
      await page.waitForSelector(".jp-DirListing-item", { timeout: 60_000 });
      await page.click(".lm-MenuBar-itemLabel:text-is('File')");
      await page.click(".lm-Menu-itemLabel:text-is('New')");
      await page.click(".lm-Menu-itemLabel:text-is('Notebook')");
      const select = page.locator(".jp-Dialog button.jp-mod-accept");
      if (await select.isVisible({ timeout: 5000 }).catch(() => false)) await select.click();
      await page.waitForSelector(".jp-Notebook .jp-Cell");
      await kernelIdle(page);
      assert.match((await page.textContent(".jp-KernelName")) ?? "", /kubelab \(TypeScript\)/);
      const cells = [
        'import { Cluster } from "kubelab";\nconst cluster = new Cluster({ nodes: 2, seed: 7 });\ncluster.apply("hello-world.yaml").settle();\ncluster.pods().length',
        'cluster.traffic({ to: "hello-world:80", from: "pod/client", connections: 1000 })',
        'cluster.scale("deployment/hello-world", 6).settle();\ncluster.endpoints("hello-world")',
        "undefinedName + 1",
      ];
      for (const code of cells) {
        await page.click(".jp-Notebook .jp-Cell:last-child .cm-content");
        await page.keyboard.insertText(code);
        await page.keyboard.press("Shift+Enter");
      }
      await page.waitForFunction(() => [...document.querySelectorAll(".jp-CodeCell .jp-InputArea-prompt")].filter((p) => /\[\d+\]/.test(p.textContent ?? "")).length >= 4, null, { timeout: 120_000 });
      const got = await modelOutputs(page);
      const data = (i: number) => got[i]!.outputs.find((o) => o.output_type === "execute_result")?.data ?? {};
      assert.match(String(data(0)["text/plain"]), /^\d+$/);
      assert.ok("application/vnd.vegalite.v5+json" in data(1), "the traffic chart is a Vega-Lite bundle");
      assert.ok(await page.locator(".vega-embed").count() >= 1, "the chart is drawn");
      assert.equal((String(data(2)["text/plain"]).match(/hello-world-/g) ?? []).length, 6, "six endpoints after scaling");
      const err = got[3]!.outputs.find((o) => o.output_type === "error");
      assert.equal(err?.ename, "TSError");
      assert.match(String(err?.evalue), /In\[4\]:1:1 TS2304: Cannot find name 'undefinedName'/);
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });

  it("redraws a lesson's chart after a learner edits a replica count", async () => {
    const page = await browser.context.newPage();
    try {
      const lesson = "02-services-and-endpoints.ipynb";
      await openLesson(page, server.url, lesson);
      await runAll(page);
      const before = await modelOutputs(page);
      const edit = before.findIndex((c) => /replicas: \d+/.test(c.source));
      assert.ok(edit >= 0, `${lesson} has a replica count to edit`);
      const n = Number(/replicas: (\d+)/.exec(before[edit]!.source)![1]);
      const charts = (cells: typeof before) => cells.flatMap((c) => c.outputs).filter((o) => o.data && "application/vnd.vegalite.v5+json" in o.data).map((o) => JSON.stringify(canonical(o.data!["application/vnd.vegalite.v5+json"])));
      // Double-click the number in the editor and type another, as a learner would.
      const line = page.locator(".jp-Notebook .jp-CodeCell").nth(edit).locator(".cm-line", { hasText: `replicas: ${n}` }).first();
      await line.locator(`text=${n}`).first().dblclick().catch(async () => {
        await line.click();
        await page.keyboard.press("End");
        for (let i = 0; i < String(n).length; i++) await page.keyboard.press("Backspace");
      });
      await page.keyboard.insertText(String(n + 3));
      await runAll(page);
      const after = await modelOutputs(page);
      assert.match(after[edit]!.source, new RegExp(`replicas: ${n + 3}`));
      assert.notDeepEqual(charts(after), charts(before), "the chart changed");
    } finally {
      await page.close();
    }
  });
});
