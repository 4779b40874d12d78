/**
 * Markdown → HTML for lesson text: markdown-it (CommonMark plus GFM tables and strikethrough), with
 * raw HTML allowed as Jupyter allows it and then cleaned by {@link sanitizeLessonHtml}. Headings get
 * ids, so sections can be linked, and links to notebooks are rewritten to their pages.
 */
import MarkdownIt from "markdown-it";
import { sanitizeLessonHtml } from "./sanitize";

/** Options of {@link renderMarkdown}. */
export interface MarkdownOptions {
  /** Rewrites link targets (e.g. `02-services.ipynb` → `02-services.html`). */
  rewriteHref?: (href: string) => string;
  /** Prefix of heading ids; each heading gets `<prefix><slug>`, made unique in the document. */
  idPrefix?: string;
  /** Heading ids already used on the page (shared across the cells of one page). */
  usedIds?: Set<string>;
}

/** What the core rule below reads from markdown-it's `env` (a type, not an interface: `env` is an index signature). */
type RenderEnv = { opts: MarkdownOptions; used: Set<string> };

/** A heading's id from its markdown source: lower case, markup dropped, other runs of non-letters a dash. */
function slug(source: string): string {
  return (
    source
      .toLowerCase()
      .replace(/[`*_~[\]()<>#!\\]/g, "")
      .replace(/[^\p{L}\p{N}]+/gu, "-")
      .replace(/^-+|-+$/g, "") || "section"
  );
}

// One parser for the process; per-call options travel in `env`. Linkify and typographer stay off: text is shown as written.
const md = new MarkdownIt({ html: true });
md.core.ruler.push("kubelab_ids_and_links", (state) => {
  const { opts, used } = state.env as RenderEnv;
  const prefix = opts.idPrefix ?? "";
  state.tokens.forEach((t, i) => {
    if (t.type === "heading_open") {
      const base = slug(state.tokens[i + 1]?.content ?? "");
      let id = prefix + base;
      for (let n = 1; used.has(id); n++) id = `${prefix}${base}-${n}`;
      used.add(id);
      t.attrSet("id", id);
    }
    if (t.type === "inline" && opts.rewriteHref) {
      for (const c of t.children ?? []) {
        const href = c.type === "link_open" ? c.attrGet("href") : null;
        if (href !== null) c.attrSet("href", opts.rewriteHref(String(href)));
      }
    }
  });
});

/**
 * Renders lesson markdown to sanitised HTML (no trailing newline).
 *
 * @example
 * ```ts
 * renderMarkdown("# Services\n\nA *Service* selects pods by `labels`.");
 * // → '<h1 id="services">Services</h1>\n<p>A <em>Service</em> selects pods by <code>labels</code>.</p>'
 * ```
 */
export function renderMarkdown(src: string, opts: MarkdownOptions = {}): string {
  const env: RenderEnv = { opts, used: opts.usedIds ?? new Set() };
  return sanitizeLessonHtml(md.render(src, env)).replace(/\n$/, "");
}
