/**
 * What a learner sees of an exported lesson page, measured in Chromium: blocks cut off or hidden behind a
 * horizontal scrollbar, SVG text too small to read as rendered or cut off at the picture's edge, and the
 * pictures the page shows. Each problem names the cell (code cell number, prompt, id and first source line)
 * and the element.
 */
import type { Page } from "playwright-core";

/** The width the course is checked at: a laptop screen. */
export const VIEWPORT = { width: 1280, height: 900 };

/** The smallest SVG text a learner can read, in CSS pixels as rendered (font size × the SVG's scale). */
export const MIN_SVG_TEXT_PX = 11;

/** One thing on a page a learner cannot see whole or read. */
export interface LayoutProblem {
  kind: "scrolls" | "beyond-column" | "small-text" | "text-cut";
  /** The cell, e.g. `code cell 4 (In [4], #cell-a1b2) «cluster.apply(…)»` or `markdown cell 2 (#cell-x)`. */
  cell: string;
  /** The element, e.g. `table.kl-table «TARGET RULE …»`. */
  element: string;
  /** The numbers: widths, positions or font sizes. */
  detail: string;
}

/** What {@link measurePage} found on one page. */
export interface PageLayout {
  problems: LayoutProblem[];
  /** Inline SVG diagrams plus Vega charts drawn as SVG. */
  pictures: number;
  /** Width of the content column in CSS px. */
  column: number;
}

// Browser-side code as a string: the project compiles without DOM types.
const MEASURE = `((minText) => {
  const main = document.querySelector("main.kl-notebook");
  if (!main) return { problems: [{ kind: "beyond-column", cell: "page", element: "main.kl-notebook", detail: "missing" }], pictures: 0, column: 0 };
  const ms = getComputedStyle(main);
  const mr = main.getBoundingClientRect();
  const left = mr.left + parseFloat(ms.paddingLeft);
  const right = mr.right - parseFloat(ms.paddingRight);
  const codeCells = [...main.querySelectorAll("section.kl-cell")];
  const cellOf = (el) => {
    const sec = el.closest("section.kl-cell");
    if (!sec) return "outside the cells";
    const kind = sec.classList.contains("kl-code") ? "code" : sec.classList.contains("kl-markdown") ? "markdown" : "raw";
    const n = codeCells.filter((s) => s.classList.contains("kl-" + kind)).indexOf(sec) + 1;
    if (kind !== "code") return kind + " cell " + n + " (#" + sec.id + ")";
    const prompt = (sec.querySelector(".kl-in")?.textContent ?? "").replace(/:$/, "");
    const first = (sec.querySelector(".kl-source")?.textContent ?? "").split("\\n").find((l) => l.trim() !== "" && !l.trim().startsWith("//")) ?? "";
    return "code cell " + n + " (" + prompt + ", #" + sec.id + ") «" + first.trim().slice(0, 60) + "»";
  };
  const describe = (el) => {
    const tag = el.tagName.toLowerCase();
    const cls = typeof el.className === "string" && el.className.trim() ? "." + el.className.trim().split(/\\s+/).join(".") : "";
    const text = (el.textContent ?? "").replace(/\\s+/g, " ").trim();
    return tag + cls + (text ? " «" + text.slice(0, 70) + (text.length > 70 ? "…" : "") + "»" : "");
  };
  const problems = [];
  // 0. The page's own blocks around the lesson (navigation, the live link, the footer) keep to its column.
  for (const el of document.querySelectorAll("body > :not(main):not(script):not(style)")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0) continue;
    const es = getComputedStyle(el);
    const inLeft = r.left + parseFloat(es.paddingLeft), inRight = r.right - parseFloat(es.paddingRight);
    if (inLeft < left - 1 || inRight > right + 1)
      problems.push({ kind: "beyond-column", cell: "outside the cells", element: describe(el), detail: "content " + Math.round(inLeft) + "–" + Math.round(inRight) + " px, column " + Math.round(left) + "–" + Math.round(right) + " px" });
  }
  // 1. Anything that scrolls or clips horizontally hides part of its content.
  const scrollers = [];
  for (const el of main.querySelectorAll("*")) {
    if (el.closest("svg") && el.tagName.toLowerCase() !== "svg") continue;
    const ox = getComputedStyle(el).overflowX;
    if (ox === "visible" || el.scrollWidth <= el.clientWidth + 1) continue;
    scrollers.push(el);
    // Name what is too wide: the innermost block reaching furthest right, or the element itself (long lines).
    let widest = null;
    for (const d of el.querySelectorAll("pre, table, svg, img, canvas, .kl-vega, code")) {
      if (d.parentElement.closest("svg")) continue;
      if (d.scrollWidth > el.clientWidth + 1 && (!widest || d.scrollWidth >= widest.scrollWidth)) widest = d;
    }
    problems.push({ kind: "scrolls", cell: cellOf(el), element: describe(widest ?? el), detail: describe(el).split(" «")[0] + " shows " + el.clientWidth + " of " + el.scrollWidth + " px" });
  }
  // 2. Blocks whose box reaches outside the content column (and are not inside a scroller already named).
  for (const el of main.querySelectorAll("pre, table, img, canvas, .kl-vega, .kl-output-body, svg")) {
    if (el.tagName.toLowerCase() === "svg" && el.parentElement.closest("svg")) continue;
    if (scrollers.some((s) => s !== el && s.contains(el)) || scrollers.includes(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0) continue;
    if (r.right > right + 1 || r.left < left - 1) {
      problems.push({ kind: "beyond-column", cell: cellOf(el), element: describe(el), detail: "spans x " + Math.round(r.left) + "–" + Math.round(r.right) + " px, the column " + Math.round(left) + "–" + Math.round(right) });
    }
  }
  // 3. SVG text as rendered: its font size times the scale the SVG is drawn at.
  const pictures = [...main.querySelectorAll(".kl-svg > svg, .kl-vega svg")].filter((s) => !s.parentElement.closest("svg"));
  for (const svg of main.querySelectorAll("svg")) {
    if (svg.parentElement.closest("svg")) continue;
    const small = new Map();
    for (const t of svg.querySelectorAll("text, tspan")) {
      const own = [...t.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
      if (own === "") continue;
      const st = getComputedStyle(t);
      if (st.display === "none" || st.visibility === "hidden" || parseFloat(st.opacity) === 0) continue;
      const m = t.getScreenCTM();
      if (!m) continue;
      const scale = Math.min(Math.hypot(m.a, m.b), Math.hypot(m.c, m.d));
      const px = parseFloat(st.fontSize) * scale;
      if (px < minText - 0.05) {
        const key = px.toFixed(1);
        const e = small.get(key) ?? { px, font: parseFloat(st.fontSize), scale, texts: [] };
        e.texts.push(own);
        small.set(key, e);
      }
    }
    // Text the SVG's own box cuts off (drawn past its viewBox edge).
    const sr = svg.getBoundingClientRect();
    const clipped = [];
    for (const t of svg.querySelectorAll("text")) {
      if (!t.textContent.trim() || getComputedStyle(t).display === "none") continue;
      const r = t.getBoundingClientRect();
      if (r.width > 0 && (r.right > sr.right + 1 || r.left < sr.left - 1)) clipped.push({ text: t.textContent.trim(), over: Math.round(Math.max(r.right - sr.right, sr.left - r.left)) });
    }
    if (clipped.length) {
      problems.push({ kind: "text-cut", cell: cellOf(svg), element: describe(svg).split(" «")[0] + " " + clipped.length + " text" + (clipped.length === 1 ? "" : "s") + " «" + clipped.slice(0, 3).map((c) => c.text.slice(0, 60)).join("», «") + (clipped.length > 3 ? "», …" : "»"),
        detail: "up to " + Math.max(...clipped.map((c) => c.over)) + " px past the picture's edge" });
    }
    for (const e of small.values()) {
      problems.push({ kind: "small-text", cell: cellOf(svg), element: describe(svg).split(" «")[0] + " " + e.texts.length + " text" + (e.texts.length === 1 ? "" : "s") + " «" + e.texts.slice(0, 4).join("», «") + (e.texts.length > 4 ? "», …" : "»"),
        detail: e.font + " px × scale " + e.scale.toFixed(3) + " = " + e.px.toFixed(1) + " px (under " + minText + ")" });
    }
  }
  return { problems, pictures: pictures.length, column: Math.round(right - left) };
})`;

/** The charts are embedded by vega-embed after load: wait until each has drawn (or failed). */
const EMBEDDED = `[...document.querySelectorAll(".kl-vega")].every((e) => e.querySelector("svg, canvas") || e.hasAttribute("data-error"))`;

/**
 * Measures a lesson page already loaded in `page` (waits for its charts first).
 *
 * @example
 * ```ts
 * await page.goto(pathToFileURL("build/lessons/03-kube-proxy-iptables.html").href);
 * const { problems, pictures } = await measurePage(page);
 * ```
 */
export async function measurePage(page: Page): Promise<PageLayout> {
  await page.waitForFunction(EMBEDDED, undefined, { timeout: 60_000 });
  return (await page.evaluate(`${MEASURE}(${MIN_SVG_TEXT_PX})`)) as PageLayout;
}

/**
 * Problems as lines for an assertion message.
 *
 * @example
 * ```ts
 * formatProblems("03-kube-proxy-iptables.html", problems); // → "03-…html code cell 4 (In [4], …) «…»: scrolls: pre.kl-source …"
 * ```
 */
export function formatProblems(page: string, problems: readonly LayoutProblem[]): string {
  return problems.map((p) => `${page} ${p.cell}: ${p.kind}: ${p.element} — ${p.detail}`).join("\n");
}
