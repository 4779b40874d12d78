/**
 * Executed notebook → one self-contained HTML page (no network: CSS, vega, vega-lite and vega-embed are
 * inlined), and the course's table of contents. Pure functions of their input: the same notebook gives
 * the same bytes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { renderMarkdown } from "./markdown";
import { joinText, type NotebookCell, type MimeData, type Notebook, type Output } from "./notebook";
import { sanitizeMarkup } from "./sanitize";
import { stripAnsi } from "./text";
import { escapeText as escapeHtml } from "../../src/render/escape";
import { PAGE_CSS, EMBED_SCRIPT } from "./assets";

/** A link to another page of the course. */
export interface PageLink {
  href: string;
  title: string;
}

/** Options of {@link notebookHtml}. */
export interface PageOptions {
  /** Page title; default: the notebook's first H1, else `name`. */
  title?: string;
  /** The notebook's file name (fallback title, shown in the footer). */
  name: string;
  /** Course navigation. */
  index?: PageLink;
  prev?: PageLink;
  next?: PageLink;
  /** The browser builds of vega, vega-lite and vega-embed; default {@link vegaBundle}(). */
  vega?: VegaBundle;
  /**
   * Where this lesson runs live (the JupyterLite site, `npm run site`); default
   * `../site/lab/index.html?path=<name>`, the site's place beside `build/lessons`; `false`: no link.
   */
  live?: string | false;
}

/** The JavaScript of vega, vega-lite and vega-embed, inlined into pages with charts. */
export interface VegaBundle {
  vega: string;
  vegaLite: string;
  vegaEmbed: string;
}

let cachedVega: VegaBundle | undefined;

/**
 * Reads the minified browser builds from node_modules (once per process).
 *
 * @example
 * ```ts
 * vegaBundle().vegaEmbed.length; // → 60630
 * ```
 */
export function vegaBundle(): VegaBundle {
  if (cachedVega) return cachedVega;
  const find = (pkg: string, file: string): string => {
    // vega-embed's "exports" hides its build directory from require.resolve: look in node_modules directly.
    for (const dir of require.resolve.paths(pkg) ?? []) {
      const f = path.join(dir, pkg, "build", file);
      if (fs.existsSync(f)) return fs.readFileSync(f, "utf8");
    }
    throw new Error(`cannot find ${pkg}/build/${file} in node_modules (is the npm package ${pkg} installed?)`);
  };
  cachedVega = { vega: find("vega", "vega.min.js"), vegaLite: find("vega-lite", "vega-lite.min.js"), vegaEmbed: find("vega-embed", "vega-embed.min.js") };
  return cachedVega;
}

/** Text inside `<script>`: `</script` and `<!--` would end or confuse the element; `<\/` means the same to JS. */
function scriptText(js: string): string {
  return js.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

/** JSON for a `<script type="application/json">` element. */
function jsonScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

const H1 = /^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$/m;

/** Markdown inline markup removed, for plain-text titles. */
function plainInline(md: string): string {
  return md
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[*_~`]/g, "")
    .replace(/\\([!-/:-@[-`{-~])/g, "$1")
    .trim();
}

/**
 * The lesson's title: the text of the first level-1 heading of its markdown cells.
 *
 * @example
 * ```ts
 * notebookTitle(nb, "01-control-plane.ipynb"); // → "The control plane"
 * ```
 */
export function notebookTitle(nb: Notebook, fallback: string): string {
  for (const c of nb.cells) {
    if (c.cell_type !== "markdown") continue;
    const src = joinText(c.source).replace(/```[\s\S]*?```/g, "");
    const m = H1.exec(src) ?? /^(.+)\n=+[ \t]*$/m.exec(src);
    if (m) return plainInline(m[1]!);
  }
  return fallback.replace(/\.ipynb$/, "");
}

/**
 * The markdown of the notebook's "Learning goals": under a heading of that name (any level, up to the next
 * heading of the same or a higher level), or the list after a paragraph that is just `**Learning goals**`
 * (up to the first paragraph that is not part of the list). Undefined when the notebook has none.
 *
 * @example
 * ```ts
 * learningGoals(nb); // → "- Name the control-plane components\n- …"
 * ```
 */
export function learningGoals(nb: Notebook): string | undefined {
  const heading = /^ {0,3}(#{1,6})[ \t]+(?:\W*\s*)?learning (?:goals|objectives)\b/i;
  const label = /^ {0,3}(?:\*\*|__)learning (?:goals|objectives):?(?:\*\*|__):?[ \t]*$/i;
  for (const c of nb.cells) {
    if (c.cell_type !== "markdown") continue;
    const lines = joinText(c.source).split(/\r?\n/);
    const at = lines.findIndex((l) => heading.test(l) || label.test(l));
    if (at < 0) continue;
    const h = heading.exec(lines[at]!);
    const level = h ? h[1]!.length : 7;
    const body: string[] = [];
    let fence = false;
    for (const l of lines.slice(at + 1)) {
      if (/^ {0,3}(```|~~~)/.test(l)) fence = !fence;
      const next = !fence && /^ {0,3}(#{1,6})[ \t]/.exec(l);
      if (next && next[1]!.length <= level) break;
      // After a bold label, the goals are the block that follows: stop at the first paragraph after a blank line.
      if (!h && !fence && body.some((x) => x.trim() !== "") && body[body.length - 1]!.trim() === "" && !/^(?: {2,}|\t| {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$))/.test(l) && l.trim() !== "") break;
      body.push(l);
    }
    const text = body.join("\n").trim();
    return text === "" ? undefined : text;
  }
  return undefined;
}

/**
 * Rewrites links between notebooks to links between the exported pages.
 *
 * @example
 * ```ts
 * pageHref("02-services.ipynb#try-it"); // → "02-services.html#try-it"
 * ```
 */
export function pageHref(href: string): string {
  return href.replace(/^((?:\.\/)?[^/:?#]+)\.ipynb(?=$|#)/, "$1.html");
}

const VEGA_LITE = /^application\/vnd\.vegalite\.v[45]\+json$/;
const VEGA = /^application\/vnd\.vega\.v5\+json$/;

interface Rendered {
  html: string;
  chart: boolean;
}

/** One output's MIME bundle → HTML: the richest type the page can show. */
function renderData(data: MimeData, id: string): Rendered {
  const text = (mime: string): string | undefined => {
    const v = data[mime];
    return typeof v === "string" || Array.isArray(v) ? joinText(v as string | string[]) : undefined;
  };
  const svg = text("image/svg+xml");
  const svgHtml = svg === undefined ? undefined : `<div class="kl-svg">${sanitizeMarkup(svg, { idPrefix: `${id}-` })}</div>`;
  const specMime = Object.keys(data).find((m) => VEGA_LITE.test(m)) ?? Object.keys(data).find((m) => VEGA.test(m));
  if (specMime !== undefined && typeof data[specMime] === "object" && data[specMime] !== null) {
    const mode = VEGA.test(specMime) ? "vega" : "vega-lite";
    const fallback = svgHtml ?? `<pre class="kl-text">${escapeHtml(stripAnsi(text("text/plain") ?? ""))}</pre>`;
    return {
      chart: true,
      html:
        `<div class="kl-chart"><div class="kl-vega" data-spec="${id}-spec" data-mode="${mode}"></div>` +
        `<div class="kl-fallback">${fallback}</div>` +
        `<script type="application/json" id="${id}-spec">${jsonScript(data[specMime])}</script></div>`,
    };
  }
  if (svgHtml !== undefined) return { chart: false, html: svgHtml };
  const html = text("text/html");
  if (html !== undefined) return { chart: false, html: `<div class="kl-html">${sanitizeMarkup(html, { idPrefix: `${id}-` })}</div>` };
  const md = text("text/markdown");
  if (md !== undefined) return { chart: false, html: `<div class="kl-markdown-output">${renderMarkdown(md, { rewriteHref: pageHref, idPrefix: `${id}-` })}</div>` };
  for (const img of ["image/png", "image/jpeg", "image/gif"]) {
    const b64 = text(img);
    if (b64 !== undefined) return { chart: false, html: `<div class="kl-image"><img alt="" src="data:${img};base64,${escapeHtml(b64.replace(/\s+/g, ""))}"></div>` };
  }
  const plain = text("text/plain");
  if (plain !== undefined) return { chart: false, html: `<pre class="kl-text">${escapeHtml(stripAnsi(plain))}</pre>` };
  const json = data["application/json"];
  if (json !== undefined) return { chart: false, html: `<pre class="kl-text">${escapeHtml(JSON.stringify(json, null, 2))}</pre>` };
  // text/vnd.mermaid alone, or types no browser shows without a plug-in: say what was there.
  return { chart: false, html: `<pre class="kl-text kl-unsupported">[${escapeHtml(Object.keys(data).sort().join(", "))}]</pre>` };
}

function renderOutput(o: Output, id: string): Rendered & { prompt: string } {
  switch (o.output_type) {
    case "stream":
      return { chart: false, prompt: "", html: `<pre class="kl-stream kl-${o.name === "stderr" ? "stderr" : "stdout"}">${escapeHtml(stripAnsi(joinText(o.text)))}</pre>` };
    case "error": {
      const tb = o.traceback.length ? o.traceback.map(stripAnsi).join("\n") : `${o.ename}: ${o.evalue}`;
      return { chart: false, prompt: "", html: `<div class="kl-error" role="alert"><pre>${escapeHtml(tb)}</pre></div>` };
    }
    case "execute_result":
      return { ...renderData(o.data, id), prompt: `Out [${o.execution_count ?? " "}]:` };
    case "display_data":
      return { ...renderData(o.data, id), prompt: "" };
  }
}

/** A cell's HTML id: its nbformat id when usable, else its position. */
function cellId(c: NotebookCell, index: number): string {
  return typeof c.id === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(c.id) ? `cell-${c.id}` : `cell-${index + 1}`;
}

function navHtml(opts: PageOptions): string {
  const parts: string[] = [];
  if (opts.index) parts.push(`<a class="kl-nav-index" href="${escapeHtml(opts.index.href)}">${escapeHtml(opts.index.title)}</a>`);
  if (opts.prev) parts.push(`<a class="kl-nav-prev" rel="prev" href="${escapeHtml(opts.prev.href)}">← ${escapeHtml(opts.prev.title)}</a>`);
  if (opts.next) parts.push(`<a class="kl-nav-next" rel="next" href="${escapeHtml(opts.next.href)}">${escapeHtml(opts.next.title)} →</a>`);
  return parts.length ? `<nav class="kl-nav">${parts.join("\n")}</nav>` : "";
}

function pageShell(title: string, body: string, scripts: string): string {
  return (
    `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n` +
    `<meta name="generator" content="kubelab">\n<link rel="icon" href="data:,">\n<title>${escapeHtml(title)}</title>\n<style>\n${PAGE_CSS}</style>\n</head>\n` +
    `<body>\n${body}\n${scripts}</body>\n</html>\n`
  );
}

/**
 * An executed notebook as a self-contained HTML page.
 *
 * @example
 * ```ts
 * fs.writeFileSync("build/lessons/01-control-plane.html", notebookHtml(executed, { name: "01-control-plane.ipynb", index: { href: "index.html", title: "Contents" } }));
 * ```
 */
export function notebookHtml(nb: Notebook, opts: PageOptions): string {
  const title = opts.title ?? notebookTitle(nb, opts.name);
  const usedIds = new Set<string>();
  let charts = 0;
  const cells = nb.cells.map((c, i) => {
    const id = cellId(c, i);
    usedIds.add(id);
    if (c.cell_type === "markdown") {
      return `<section class="kl-cell kl-markdown" id="${id}">\n${renderMarkdown(joinText(c.source), { rewriteHref: pageHref, usedIds })}\n</section>`;
    }
    if (c.cell_type === "raw") {
      return `<section class="kl-cell kl-raw" id="${id}"><pre>${escapeHtml(joinText(c.source))}</pre></section>`;
    }
    const outs = c.outputs.map((o, k) => {
      const r = renderOutput(o, `${id}-o${k + 1}`);
      if (r.chart) charts++;
      return `<div class="kl-output"><div class="kl-prompt kl-out">${r.prompt}</div><div class="kl-output-body">${r.html}</div></div>`;
    });
    const count = c.execution_count ?? " ";
    return (
      `<section class="kl-cell kl-code" id="${id}">\n<div class="kl-input"><div class="kl-prompt kl-in">In [${count}]:</div>` +
      `<pre class="kl-source"><code class="language-typescript">${escapeHtml(joinText(c.source))}</code></pre></div>` +
      (outs.length ? `\n<div class="kl-outputs">\n${outs.join("\n")}\n</div>` : "") +
      `\n</section>`
    );
  });
  const nav = navHtml(opts);
  const live = opts.live ?? `../site/lab/index.html?path=${encodeURIComponent(opts.name)}`;
  const liveLink = live === false ? "" : `\n<p class="kl-run-live"><a href="${escapeHtml(live)}">Run this lesson live in JupyterLab</a> (in your browser, nothing to install)</p>`;
  const body = `${nav}${liveLink}\n<main class="kl-notebook">\n${cells.join("\n")}\n</main>\n${nav}\n<footer class="kl-footer">${escapeHtml(opts.name)}</footer>`;
  let scripts = "";
  if (charts > 0) {
    const v = opts.vega ?? vegaBundle();
    scripts = [v.vega, v.vegaLite, v.vegaEmbed, EMBED_SCRIPT].map((js) => `<script>\n${scriptText(js)}\n</script>\n`).join("");
  }
  return pageShell(title, body, scripts);
}

/** One entry of the course index. */
export interface IndexEntry {
  /** The page, relative to the index. */
  href: string;
  title: string;
  /** The notebook's "Learning goals" markdown, if any. */
  goals?: string;
  /** The notebook's file name. */
  name: string;
}

/**
 * The course's table of contents: every lesson in order, with its learning goals.
 *
 * @example
 * ```ts
 * indexHtml([{ href: "01-control-plane.html", title: "The control plane", name: "01-control-plane.ipynb" }]);
 * ```
 */
export function indexHtml(entries: readonly IndexEntry[], opts: { title?: string } = {}): string {
  const title = opts.title ?? "kubelab lessons";
  const items = entries.map((e, i) => {
    const goals = e.goals === undefined ? "" : `\n<details class="kl-goals" open><summary>Learning goals</summary>\n${renderMarkdown(e.goals, { rewriteHref: pageHref, idPrefix: `lesson-${i + 1}-` })}\n</details>`;
    return `<li class="kl-lesson"><a class="kl-lesson-link" href="${escapeHtml(e.href)}">${escapeHtml(e.title)}</a> <span class="kl-lesson-file">${escapeHtml(e.name)}</span>${goals}</li>`;
  });
  const body = `<main class="kl-notebook kl-index">\n<h1>${escapeHtml(title)}</h1>\n<ol class="kl-lessons">\n${items.join("\n")}\n</ol>\n</main>`;
  return pageShell(title, body, "");
}
