/**
 * Headless Vega: a Vega-Lite spec → a static SVG string, in-process.
 *
 * The static SVG is what nbconvert, GitHub and untrusted notebooks show, so it must be
 * byte-identical for the same spec. Two things in vega are process-global and would leak between
 * renders: the counter behind SVG clip/gradient ids, and the text measurer (a canvas, when the
 * optional `canvas` package happens to be installed, measures with the machine's fonts). Renders
 * are therefore serialised, the id counter is reset before each, and text is always measured with
 * vega's font-independent estimate.
 */
import * as vega from "vega";
import * as vegaLite from "vega-lite";
import type { TopLevelSpec } from "vega-lite";

/** Runtime exports of vega that its typings do not declare. */
interface VegaInternals {
  textMetrics: { width: unknown; estimateWidth: unknown };
  resetSVGDefIds(): void;
}
const internals = vega as unknown as VegaInternals;

function pinGlobals(): void {
  internals.textMetrics.width = internals.textMetrics.estimateWidth;
  internals.resetSVGDefIds();
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Render a Vega-Lite spec to SVG with vega's headless `View.toSVG()`.
 *
 * @example
 * ```ts
 * const svg = await vegaLiteToSvg({ data: { values: [{ a: 1 }] }, mark: "bar", encoding: { y: { field: "a", type: "quantitative" } } });
 * ```
 */
export function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  const run = queue.then(() => renderOnce(spec));
  // Keep the chain alive after a failure; the caller still sees the rejection through `run`.
  queue = run.catch(() => undefined);
  return run;
}

async function renderOnce(spec: TopLevelSpec): Promise<string> {
  pinGlobals();
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none", logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * The scenegraph of a rendered spec, for structural checks (marks per endpoint) without parsing SVG.
 * Returns, per named mark, the number of items it drew.
 *
 * @example
 * ```ts
 * const counts = await markItemCounts(spec); // e.g. { "layer_0_marks": 4, "layer_1_marks": 4 }
 * ```
 */
export function markItemCounts(spec: TopLevelSpec): Promise<Record<string, number>> {
  const run = queue.then(async () => {
    pinGlobals();
    const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "none", logLevel: vega.Error });
    try {
      await view.runAsync();
      const counts: Record<string, number> = {};
      walk((view.scenegraph() as unknown as { root: SceneNode }).root, counts);
      return counts;
    } finally {
      view.finalize();
    }
  });
  queue = run.catch(() => undefined);
  return run;
}

interface SceneNode {
  marktype?: string;
  name?: string;
  role?: string;
  items?: SceneNode[];
}

function walk(node: SceneNode, counts: Record<string, number>): void {
  if (node.marktype && node.name && node.role === "mark" && node.marktype !== "group") {
    counts[node.name] = (counts[node.name] ?? 0) + (node.items?.length ?? 0);
  }
  for (const child of node.items ?? []) walk(child, counts);
}
