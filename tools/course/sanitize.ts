/**
 * What may reach an exported page, as two allow-lists for sanitize-html: one for the HTML that lesson
 * markdown renders to ({@link sanitizeLessonHtml}), one for the SVG and HTML outputs of code cells
 * ({@link sanitizeMarkup}). Neither lets through scripts, event handlers or `javascript:` URLs; outputs
 * also load nothing remote and get their ids prefixed, so two inlined SVGs cannot capture each other's
 * `url(#…)` references.
 */

/** Attributes of one tag, as sanitize-html hands them to hooks. */
type Attributes = Record<string, string>;

/** The options of sanitize-html used here (its README documents them all). */
interface Policy {
  allowedTags: string[];
  allowedAttributes: Record<string, string[]>;
  allowedClasses?: Record<string, string[]>;
  allowedStyles?: Record<string, Record<string, RegExp[]>>;
  nonBooleanAttributes?: string[];
  allowedEmptyAttributes?: string[];
  allowedSchemes: string[];
  allowedSchemesByTag?: Record<string, string[]>;
  allowProtocolRelative?: boolean;
  parseStyleAttributes?: boolean;
  disallowedTagsMode?: "discard" | "escape";
  parser?: { lowerCaseAttributeNames?: boolean };
  transformTags?: Record<string, (tagName: string, attribs: Attributes) => { tagName: string; attribs: Attributes }>;
  onOpenTag?: (name: string, attribs: Attributes) => void;
}

// Typed here rather than by @types/sanitize-html: those lack allowedEmptyAttributes, which the output
// policy needs so that attributes a renderer wrote empty are kept as written.
const sanitizeHtml = require("sanitize-html") as { (dirty: string, policy: Policy): string; defaults: { allowedTags: string[] } };

/**
 * Static SVG: shapes, text, paint servers, markers and clips; no scripting, animation or foreignObject.
 * Lower case because the parser lower-cases tag names; a browser restores `clipPath` & co. in SVG content.
 */
const SVG_TAGS = [
  "svg", "g", "defs", "title", "desc", "symbol", "use", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
  "text", "tspan", "textpath", "marker", "clippath", "mask", "pattern", "lineargradient", "radialgradient", "stop", "image",
];

/** Attributes of outputs, by their SVG spelling (the parser keeps attribute case, so `viewBox` stays `viewBox`). */
const OUTPUT_ATTRIBUTES = [
  // HTML and SVG alike
  "id", "class", "style", "title", "role", "lang", "dir", "width", "height", "href", "xlink:href", "src", "alt", "open",
  "colspan", "rowspan", "scope", "align", "valign", "start",
  // SVG geometry and presentation
  "xmlns", "xmlns:xlink", "version", "viewBox", "preserveAspectRatio", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r",
  "rx", "ry", "d", "points", "transform", "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
  "stroke-dasharray", "stroke-dashoffset", "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "opacity",
  "font-family", "font-size", "font-weight", "font-style", "text-anchor", "dominant-baseline", "alignment-baseline",
  "baseline-shift", "letter-spacing", "paint-order", "pointer-events", "display", "visibility", "clip-path", "clip-rule",
  "clipPathUnits", "mask", "marker-start", "marker-mid", "marker-end", "markerWidth", "markerHeight", "markerUnits", "refX",
  "refY", "orient", "dx", "dy", "rotate", "textLength", "lengthAdjust", "offset", "stop-color", "stop-opacity",
  "gradientUnits", "gradientTransform", "fx", "fy", "spreadMethod", "patternUnits", "patternContentUnits",
  "patternTransform", "vector-effect", "shape-rendering", "text-rendering", "color", "overflow",
];

const OUTPUT_POLICY: Policy = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, "img", "details", "summary", ...SVG_TAGS],
  allowedAttributes: { "*": [...OUTPUT_ATTRIBUTES, "aria-*", "data-*"] },
  // Keep `d=""` and the like as written instead of turning them into bare attribute names.
  nonBooleanAttributes: [],
  allowedEmptyAttributes: OUTPUT_ATTRIBUTES,
  allowedSchemes: ["http", "https", "mailto"],
  // Links may point anywhere; what would load something may only carry inline data or a local reference.
  allowedSchemesByTag: { img: ["data"], image: ["data"], use: [] },
  allowProtocolRelative: false,
  // Styles are kept as written (kubelab's tables are styled inline); remote url() is dropped in transformTags.
  parseStyleAttributes: false,
  parser: { lowerCaseAttributeNames: false },
};

const HEADINGS = ["h1", "h2", "h3", "h4", "h5", "h6"];

const LESSON_POLICY: Policy = {
  // What markdown-it renders, plus the raw HTML a lesson may use: <kbd>, <sub>, <details> hints…
  allowedTags: [...sanitizeHtml.defaults.allowedTags, "img", "details", "summary"],
  allowedAttributes: {
    ...Object.fromEntries(HEADINGS.map((h) => [h, ["id"]])),
    a: ["href", "title"],
    img: ["src", "alt", "title"],
    code: ["class"],
    ol: ["start"],
    th: ["style"],
    td: ["style"],
    details: ["open"],
  },
  allowedClasses: { code: ["language-*"] },
  allowedStyles: { "*": { "text-align": [/^(?:left|right|center)$/] } },
  allowedSchemes: ["http", "https", "mailto"],
  // A mistyped or unsupported tag shows as text, so the author sees it.
  disallowedTagsMode: "escape",
};

/** `url(…)` other than a reference to an element of the same document (`url(#id)`). */
const NON_LOCAL_URL = /url\(\s*(?!['"]?#)/i;

/** Options of {@link sanitizeMarkup}. */
export interface SanitizeOptions {
  /** Prefix for every `id` (and the references to it): makes ids unique on the page. */
  idPrefix?: string;
}

/** The ids the markup defines (a first pass over it; only run when it has any). */
function definedIds(markup: string): Set<string> {
  const ids = new Set<string>();
  sanitizeHtml(markup, { ...OUTPUT_POLICY, onOpenTag: (_name, attribs) => void (attribs["id"] && ids.add(attribs["id"])) });
  return ids;
}

/** Attributes minus styles that fetch something, with the markup's own ids and references to them prefixed. */
function rewriteAttributes(attribs: Attributes, ids: ReadonlySet<string>, prefix: string): Attributes {
  const out: Attributes = {};
  for (const [name, value] of Object.entries(attribs)) {
    if (name === "style" && NON_LOCAL_URL.test(value)) continue;
    if (name === "id" && ids.has(value)) out[name] = prefix + value;
    else if ((name === "href" || name === "xlink:href") && value.startsWith("#") && ids.has(value.slice(1))) out[name] = `#${prefix}${value.slice(1)}`;
    else out[name] = value.replace(/url\(#([^)\s]+)\)/g, (u, id: string) => (ids.has(id) ? `url(#${prefix}${id})` : u));
  }
  return out;
}

/**
 * Cleans the SVG or HTML of a cell output for inlining into a page: keeps static SVG and ordinary HTML,
 * removes scripts, `<style>` elements, event handlers, `javascript:` URLs and anything that would load a
 * remote resource (images, `use`, `url(…)` in styles); optionally prefixes ids and the references to them.
 *
 * @example
 * ```ts
 * sanitizeMarkup('<svg onload="x()"><script>x()</script><circle id="c"/><use href="#c"/></svg>', { idPrefix: "o1-" });
 * // → '<svg><circle id="o1-c"></circle><use href="#o1-c"></use></svg>'
 * ```
 */
export function sanitizeMarkup(markup: string, opts: SanitizeOptions = {}): string {
  const prefix = opts.idPrefix ?? "";
  // Only a markup with an id attribute needs the first pass.
  const ids = prefix !== "" && /\sid\s*=/i.test(markup) ? definedIds(markup) : new Set<string>();
  return sanitizeHtml(markup, {
    ...OUTPUT_POLICY,
    transformTags: { "*": (tagName, attribs) => ({ tagName, attribs: rewriteAttributes(attribs, ids, prefix) }) },
  });
}

/**
 * Cleans the HTML rendered from lesson markdown: what markdown produces plus harmless raw HTML
 * (`<kbd>`, `<sub>`, `<details>`…) passes; scripts, event handlers and links other than http, https and
 * mailto do not, and tags outside the list are shown as text.
 *
 * @example
 * ```ts
 * sanitizeLessonHtml('<p><kbd>Ctrl</kbd> <a href="javascript:x()" onclick="y()">go</a> <script>z()</script></p>');
 * // → '<p><kbd>Ctrl</kbd> <a>go</a> &lt;script&gt;z()&lt;/script&gt;</p>'
 * ```
 */
export function sanitizeLessonHtml(html: string): string {
  return sanitizeHtml(html, LESSON_POLICY);
}
