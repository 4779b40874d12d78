/**
 * The stylesheet and the chart bootstrap script inlined into every exported page (no external files, so a
 * page works when saved alone or opened offline).
 */

/** The page stylesheet: a readable column, Jupyter-like prompts, outputs that scroll instead of overflowing. */
export const PAGE_CSS = `:root {
  --kl-fg: #1f2328; --kl-muted: #59636e; --kl-bg: #ffffff; --kl-code-bg: #f6f8fa; --kl-border: #d1d9e0;
  --kl-accent: #326ce5; --kl-error-bg: #fff0f0; --kl-error-fg: #8b0000; --kl-stderr-bg: #fff8e6;
  --kl-mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--kl-fg); background: var(--kl-bg); font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
.kl-notebook { max-width: 62rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
.kl-nav { max-width: 62rem; margin: 0 auto; padding: 0.6rem 1.25rem; display: flex; gap: 1.5rem; flex-wrap: wrap; border-bottom: 1px solid var(--kl-border); font-size: 0.95rem; }
.kl-nav:last-of-type { border-bottom: 0; border-top: 1px solid var(--kl-border); }
.kl-nav-next { margin-left: auto; }
.kl-run-live { max-width: 62rem; margin: 0.75rem auto 0; padding: 0 1.25rem; }
a { color: var(--kl-accent); }
h1, h2, h3, h4 { line-height: 1.25; margin: 1.6em 0 0.6em; }
h1 { font-size: 2rem; border-bottom: 1px solid var(--kl-border); padding-bottom: 0.3em; }
h2 { font-size: 1.5rem; }
code, pre { font-family: var(--kl-mono); font-size: 0.9em; }
:not(pre) > code { background: var(--kl-code-bg); padding: 0.1em 0.35em; border-radius: 4px; }
pre { background: var(--kl-code-bg); padding: 0.75rem 1rem; overflow-x: auto; border-radius: 6px; margin: 0.5rem 0; line-height: 1.45; }
blockquote { margin: 1em 0; padding: 0.2em 1em; color: var(--kl-muted); border-left: 4px solid var(--kl-border); }
table { border-collapse: collapse; margin: 0.75rem 0; }
.kl-markdown th, .kl-markdown td, .kl-markdown-output th, .kl-markdown-output td { border: 1px solid var(--kl-border); padding: 0.3em 0.7em; }
img { max-width: 100%; }
details { margin: 0.75rem 0; padding: 0.5rem 0.9rem; border: 1px solid var(--kl-border); border-radius: 6px; }
summary { cursor: pointer; font-weight: 600; }
.kl-cell { margin: 1rem 0; }
.kl-code { border-left: 3px solid var(--kl-accent); padding-left: 0.6rem; }
.kl-input, .kl-output { display: flex; gap: 0.5rem; align-items: flex-start; }
.kl-prompt { flex: 0 0 4.5rem; font-family: var(--kl-mono); font-size: 0.8rem; color: var(--kl-muted); padding-top: 0.9rem; text-align: right; white-space: nowrap; }
.kl-out { color: #b54708; }
.kl-source { flex: 1 1 auto; min-width: 0; margin: 0.25rem 0; }
.kl-output { margin: 0.35rem 0; }
.kl-output .kl-prompt { padding-top: 0.3rem; }
.kl-output-body { flex: 1 1 auto; min-width: 0; overflow-x: auto; }
.kl-output pre { background: transparent; padding: 0.25rem 0; margin: 0; }
/* Output text wraps as JupyterLab and the classic notebook wrap it: no scrollbar hides the end of a rule. */
.kl-output pre.kl-stream, .kl-output pre.kl-text { white-space: pre-wrap; overflow-wrap: anywhere; }
.kl-stderr { background: var(--kl-stderr-bg) !important; padding: 0.25rem 0.5rem !important; }
.kl-error pre { background: var(--kl-error-bg); color: var(--kl-error-fg); padding: 0.6rem 0.9rem; border-radius: 6px; }
.kl-svg svg { max-width: 100%; height: auto; }
.kl-chart .kl-vega:empty { display: none; }
.kl-footer { max-width: 62rem; margin: 0 auto; padding: 1rem 1.25rem 2rem; color: var(--kl-muted); font-size: 0.85rem; }
.kl-index .kl-lessons { list-style: none; padding-left: 0; }
.kl-index .kl-lessons > li { margin: 1.4rem 0; }
.kl-lesson-link { font-size: 1.2rem; font-weight: 600; }
.kl-lesson-file { color: var(--kl-muted); font-family: var(--kl-mono); font-size: 0.8rem; margin-left: 0.5rem; }
.kl-goals { font-size: 0.95rem; }
@media print { .kl-nav { display: none; } .kl-output-body { overflow: visible; } }
`;

/**
 * Embeds every chart with the inlined vega-embed; on success the static SVG fallback is removed, on failure
 * it stays (and the reason is kept in `data-error`). No actions menu: its links lead to the network.
 */
export const EMBED_SCRIPT = `(function () {
  "use strict";
  var charts = document.querySelectorAll(".kl-vega");
  Array.prototype.forEach.call(charts, function (el) {
    var holder = document.getElementById(el.getAttribute("data-spec"));
    var spec;
    try { spec = JSON.parse(holder.textContent); } catch (e) { el.setAttribute("data-error", String(e)); return; }
    vegaEmbed(el, spec, { mode: el.getAttribute("data-mode"), actions: false, renderer: "svg" }).then(function () {
      var fallback = el.parentNode.querySelector(".kl-fallback");
      if (fallback) fallback.parentNode.removeChild(fallback);
      el.parentNode.className += " kl-live";
    }).catch(function (e) {
      el.setAttribute("data-error", String(e && e.message || e));
      console.warn("kubelab: chart shown as a static image (" + String(e && e.message || e) + ")");
    });
  });
})();
`;
