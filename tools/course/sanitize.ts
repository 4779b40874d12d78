/**
 * Defensive clean-up of markup that goes inline into an exported page. The SVG and HTML come from
 * kubelab's own renderers (which escape user strings), so this is a second line of defence, not an HTML
 * sanitiser for hostile input: no scripts, no event handlers, no `javascript:` links, no external
 * resources, and ids made unique per output so two inlined SVGs cannot capture each other's
 * `url(#…)` references.
 */

// A start tag with its attributes; quoted values may contain ">".
const TAG = /<([a-zA-Z][^\s/>]*)((?:\s+[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*(\/?)>/g;
const ATTR = /(\s+)([^\s=/>]+)(?:(\s*=\s*)("[^"]*"|'[^']*'|[^\s"'>]+))?/g;
const EXTERNAL_LOADERS = new Set(["image", "use", "feimage", "img", "iframe", "embed", "object", "source", "video", "audio", "link", "input"]);

function unquote(v: string): string {
  return v.startsWith('"') || v.startsWith("'") ? v.slice(1, -1) : v;
}

function isScriptUrl(v: string): boolean {
  // Browsers ignore control characters and whitespace inside the scheme.
  const decoded = unquote(v)
    .replace(/&#x([0-9a-f]+);?/gi, (_, h: string) => String.fromCodePoint(Math.min(parseInt(h, 16), 0x10ffff)))
    .replace(/&#([0-9]+);?/g, (_, d: string) => String.fromCodePoint(Math.min(parseInt(d, 10), 0x10ffff)))
    .replace(/&(tab|newline);/gi, "");
  return /^(?:javascript|vbscript|data:text\/html)/i.test(decoded.replace(/[\u0000-\u0020]/g, ""));
}

function isRemote(v: string): boolean {
  return /^(?:[a-z][a-z0-9+.-]*:)?\/\//i.test(unquote(v).trim()) && !/^file:/i.test(unquote(v).trim());
}

/** Options of {@link sanitizeMarkup}. */
export interface SanitizeOptions {
  /** Prefix for every `id` (and the references to it): makes ids unique on the page. */
  idPrefix?: string;
}

/**
 * Removes `<script>` elements, `on*=` attributes, `javascript:` URLs and attributes that would load
 * remote resources (`src`/`href` on images, `use`, frames…); optionally prefixes ids.
 *
 * @example
 * ```ts
 * sanitizeMarkup('<svg onload="x()"><script>x()</script><circle id="c"/><use href="#c"/></svg>', { idPrefix: "o1-" });
 * // → '<svg><circle id="o1-c"/><use href="#o1-c"/></svg>'
 * ```
 */
export function sanitizeMarkup(markup: string, opts: SanitizeOptions = {}): string {
  let s = markup
    .replace(/^\uFEFF/, "")
    .replace(/<\?xml[^>]*\?>/gi, "")
    .replace(/<!DOCTYPE[^>[]*(\[[^\]]*\])?\s*>/gi, "");
  // Drop script elements; repeat so that removing one cannot splice another together.
  for (let prev = ""; prev !== s; ) {
    prev = s;
    s = s.replace(/<script\b[\s\S]*?<\/script\s*>/gi, "").replace(/<script\b[^>]*\/>/gi, "");
  }
  s = s.replace(/<(\/?)script/gi, "&lt;$1script");
  const ids = new Map<string, string>();
  if (opts.idPrefix !== undefined) {
    for (const m of s.matchAll(/\sid\s*=\s*("([^"]*)"|'([^']*)')/g)) {
      const id = m[2] ?? m[3] ?? "";
      if (id) ids.set(id, opts.idPrefix + id);
    }
  }
  s = s.replace(TAG, (_whole, name: string, attrs: string, selfClose: string) => {
    const tag = name.toLowerCase();
    const kept = attrs.replace(ATTR, (a, space: string, attr: string, eq: string | undefined, value: string | undefined) => {
      const an = attr.toLowerCase();
      if (an.startsWith("on")) return "";
      if (value === undefined || eq === undefined) return a;
      if (/^(?:href|xlink:href|src|action|formaction|data|srcset|poster)$/.test(an)) {
        if (isScriptUrl(value)) return "";
        if (EXTERNAL_LOADERS.has(tag) && isRemote(value)) return "";
      }
      if (an === "style" && /url\(\s*['"]?\s*(?:https?:)?\/\//i.test(value)) return "";
      if (ids.size) {
        const q = value[0] === '"' || value[0] === "'" ? value[0] : "";
        const raw = unquote(value);
        if (an === "id" && ids.has(raw)) return `${space}${attr}${eq}${q}${ids.get(raw)}${q}`;
        if ((an === "href" || an === "xlink:href") && raw.startsWith("#") && ids.has(raw.slice(1))) return `${space}${attr}${eq}${q}#${ids.get(raw.slice(1))}${q}`;
        if (raw.includes("url(#")) return `${space}${attr}${eq}${q}${raw.replace(/url\(#([^)\s]+)\)/g, (u, id: string) => (ids.has(id) ? `url(#${ids.get(id)})` : u))}${q}`;
      }
      return a;
    });
    return `<${name}${kept}${selfClose ? "/" : ""}>`;
  });
  // References in <style> blocks inside the markup.
  if (ids.size) s = s.replace(/url\(#([^)\s]+)\)/g, (u, id: string) => (ids.has(id) ? `url(#${ids.get(id)})` : u));
  return s;
}
