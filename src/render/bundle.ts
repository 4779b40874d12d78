/**
 * MIME bundles: what `[Symbol.for("Jupyter.display")]()` returns.
 *
 * Each front end renders a different subset of MIME types, so every renderer returns a bundle that
 * covers them all (see DESIGN.md §3). These names pin the shapes the kernel and tests rely on.
 */

/** A MIME bundle keyed by MIME type, as the kernel sends it in `display_data` / `execute_result`. */
export type MimeBundle = Record<string, unknown>;

/** The MIME type JupyterLab 4 and VS Code render as a Vega-Lite v5 chart. */
export const VEGALITE_MIME = "application/vnd.vegalite.v5+json";
/** Static SVG: nbconvert, GitHub and untrusted notebooks show this. */
export const SVG_MIME = "image/svg+xml";
/** Mermaid source, rendered by JupyterLab ≥ 4.1. */
export const MERMAID_MIME = "text/vnd.mermaid";
export const HTML_MIME = "text/html";
export const TEXT_MIME = "text/plain";

/** A table: styled, escaped HTML plus kubectl-aligned text. */
export interface TableBundle extends MimeBundle {
  "text/html": string;
  "text/plain": string;
}

/** A sequence diagram: SVG, a text listing and Mermaid source. Never `text/html`. */
export interface DiagramBundle extends MimeBundle {
  "image/svg+xml": string;
  "text/plain": string;
  "text/vnd.mermaid": string;
}

/** A picture without an interactive spec (e.g. the topology view). */
export interface SvgBundle extends MimeBundle {
  "image/svg+xml": string;
  "text/plain": string;
}

/**
 * A value that renders itself in Jupyter (and Deno's kernel) through the display protocol.
 *
 * @example
 * ```ts
 * const shown: Displayable = { [Symbol.for("Jupyter.display")]: () => ({ "text/plain": "hi" }) };
 * ```
 */
export interface Displayable {
  [key: symbol]: () => MimeBundle | Promise<MimeBundle>;
}

/** The well-known symbol of the display protocol. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display");
