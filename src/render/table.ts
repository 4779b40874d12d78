/**
 * The generic table: rows of cells → escaped, theme-aware HTML plus text aligned like `kubectl get`.
 *
 * Every kubectl-style view (pods, services, chains, DNS walks) is a {@link Table}; this module
 * only knows cells, never Kubernetes objects.
 */
import { escapeAttr, escapeText } from "./escape";
import { JUPYTER_DISPLAY, type TableBundle } from "./bundle";

/** A cell: strings print as given, numbers with `String(n)`, booleans as `true`/`false`, null as `<none>`. */
export type Cell = string | number | boolean | null | undefined;

export interface Column {
  /** Key into each row. */
  key: string;
  /** Header text; the plain-text view upper-cases it, as kubectl does. */
  header: string;
  /** Horizontal alignment in HTML (text output is always left-aligned, like kubectl). */
  align?: "left" | "right" | "center";
  /** Keep the cell on one line in HTML (short values: names, numbers). Others wrap at spaces to fit the page. */
  nowrap?: boolean;
}

export interface Table {
  columns: readonly Column[];
  rows: readonly Readonly<Record<string, Cell>>[];
  /** A heading shown above the table (HTML) or as the first line (text). */
  title?: string;
  /** A note shown below the table. */
  caption?: string;
  /** What an empty table says instead of rows; kubectl's `No resources found.` by default. */
  empty?: string;
}

/** kubectl prints empty cells as `<none>`. */
export const NONE = "<none>";

/**
 * The text a cell shows, shared by HTML and plain text so the two views never disagree.
 *
 * @example
 * ```ts
 * cellText(null); // "<none>"
 * ```
 */
export function cellText(c: Cell): string {
  if (c === null || c === undefined || c === "") return NONE;
  return String(c);
}

// kubectl's tabwriter: minwidth 6 (padding included), padding 3, the last column unpadded.
const TAB_MIN_WIDTH = 6;
const TAB_PADDING = 3;

/** Width in terminal columns: tabwriter counts code points, not UTF-16 units. */
function textWidth(s: string): number {
  return [...s].length;
}

/**
 * Plain text aligned like `kubectl get`: upper-case headers, each column but the last padded to its
 * widest cell plus three spaces (at least six), `<none>` for empty cells.
 *
 * @example
 * ```ts
 * tableText({ columns: [{ key: "n", header: "Name" }, { key: "ip", header: "IP" }], rows: [{ n: "web", ip: null }] });
 * // "NAME   IP\nweb    <none>"
 * ```
 */
export function tableText(table: Table): string {
  const lines: string[] = [];
  if (table.title) lines.push(table.title);
  if (table.rows.length === 0) {
    lines.push(table.empty ?? "No resources found.");
  } else {
    const grid = [
      table.columns.map((c) => c.header.toUpperCase()),
      ...table.rows.map((r) => table.columns.map((c) => oneLine(cellText(r[c.key])))),
    ];
    const widths = table.columns.map((_, i) =>
      Math.max(TAB_MIN_WIDTH, ...grid.map((row) => textWidth(row[i]!) + TAB_PADDING)),
    );
    for (const row of grid) {
      lines.push(
        row
          .map((cell, i) => (i === row.length - 1 ? cell : cell + " ".repeat(widths[i]! - textWidth(cell))))
          .join("")
          .trimEnd(),
      );
    }
  }
  if (table.caption) lines.push(table.caption);
  return lines.join("\n");
}

/** A cell must stay on one line in the aligned view. */
function oneLine(s: string): string {
  return s.replace(/\r?\n/g, "\\n").replace(/\t/g, " ");
}

// JupyterLab's CSS variables with fallbacks for front ends without them (nbconvert, VS Code),
// inline so no stylesheet leaks into the page and sanitizers that strip <style> keep the look.
const STYLE = {
  wrap: "overflow-x:auto;max-width:100%;",
  table:
    "border-collapse:collapse;font-family:var(--jp-code-font-family, SFMono-Regular, Menlo, Consolas, monospace);" +
    "font-size:var(--jp-code-font-size, 12px);color:var(--jp-ui-font-color1, #1f1f1f);" +
    "background:var(--jp-layout-color0, transparent);margin:0.25em 0;max-width:100%;",
  title:
    "font-family:var(--jp-ui-font-family, system-ui, sans-serif);font-weight:600;" +
    "color:var(--jp-ui-font-color1, #1f1f1f);margin:0.25em 0;",
  th:
    "padding:3px 6px;border-bottom:2px solid var(--jp-border-color1, #9e9e9e);" +
    "color:var(--jp-ui-font-color1, #1f1f1f);font-weight:600;vertical-align:bottom;",
  // Cells wrap at spaces (never inside an address or a name), so a table fits the output area.
  td: "padding:2px 6px;border-bottom:1px solid var(--jp-border-color2, #e0e0e0);vertical-align:top;white-space:normal;overflow-wrap:normal;",
  nowrap: "white-space:nowrap;",
  none: "color:var(--jp-ui-font-color2, #757575);",
  caption: "font-family:var(--jp-ui-font-family, system-ui, sans-serif);color:var(--jp-ui-font-color2, #616161);font-size:90%;margin:0.25em 0;",
} as const;

/**
 * Escaped HTML for a table, styled with JupyterLab's theme variables (light and dark).
 *
 * @example
 * ```ts
 * tableHtml({ columns: [{ key: "n", header: "Name" }], rows: [{ n: "<b>" }] }); // contains "&lt;b&gt;"
 * ```
 */
export function tableHtml(table: Table): string {
  const parts: string[] = [`<div class="kubelab-table" style="${STYLE.wrap}">`];
  if (table.title) parts.push(`<div style="${STYLE.title}">${escapeText(table.title)}</div>`);
  if (table.rows.length === 0) {
    parts.push(`<div style="${STYLE.caption}">${escapeText(table.empty ?? "No resources found.")}</div>`);
  } else {
    const fit = wrapMode(table);
    parts.push(`<table style="${STYLE.table}"><thead><tr>`);
    for (const c of table.columns) {
      parts.push(`<th style="${STYLE.th}text-align:${align(c)};${c.nowrap ? STYLE.nowrap : ""}">${escapeText(c.header.toUpperCase())}</th>`);
    }
    parts.push("</tr></thead><tbody>");
    for (const r of table.rows) {
      parts.push("<tr>");
      for (const c of table.columns) {
        const v = r[c.key];
        const text = cellText(v);
        const dim = v === null || v === undefined || v === "" || text === NONE ? STYLE.none : "";
        const body = c.nowrap ? escapeText(text) : fit === "spaces" ? spacesOnly(text) : escapeText(text);
        parts.push(`<td style="${STYLE.td}text-align:${align(c)};${c.nowrap ? STYLE.nowrap : ""}${fit === "anywhere" && !c.nowrap ? "overflow-wrap:anywhere;" : ""}${dim}">${body}</td>`);
      }
      parts.push("</tr>");
    }
    parts.push("</tbody></table>");
  }
  if (table.caption) parts.push(`<div style="${STYLE.caption}">${escapeText(table.caption)}</div>`);
  parts.push("</div>");
  return parts.join("");
}

/**
 * What the HTML table may fit in, px: the narrower of the exported page's output column (859 px)
 * and JupyterLab's output area in a 1280 px window with the file browser open (828 px), less a margin
 * for font metrics that differ from {@link CELL_CHAR_PX}.
 */
const FIT_PX = 800;
/**
 * Width of a character of the table's monospace font, and a cell's horizontal padding, px: the font
 * is JupyterLab's code font, 13 px there (7.8 px a character in DejaVu Sans Mono), 12 px elsewhere.
 */
const CELL_CHAR_PX = 7.9;
const CELL_PAD_PX = 13;

/**
 * How cells may wrap so the table fits {@link FIT_PX}: at spaces only when that is enough (names
 * and addresses stay whole), else also after hyphens and slashes, else anywhere.
 */
function wrapMode(table: Table): "spaces" | "hyphens" | "anywhere" {
  const minWidth = (split: RegExp): number =>
    table.columns.reduce((px, c) => {
      const cells = [c.header.toUpperCase(), ...table.rows.map((r) => oneLine(cellText(r[c.key])))];
      const longest = Math.max(...cells.map((t, i) => (c.nowrap && i > 0 ? textWidth(t) : Math.max(0, ...t.split(split).map(textWidth)))));
      return px + longest * CELL_CHAR_PX + CELL_PAD_PX;
    }, 0);
  if (minWidth(/ /) <= FIT_PX) return "spaces";
  if (minWidth(/(?<=[-/])| /) <= FIT_PX) return "hyphens";
  return "anywhere";
}

/** Escaped text that wraps only at spaces: a word with a hyphen or slash (`KUBE-SVC-…`, `default/web`) stays whole. */
function spacesOnly(text: string): string {
  return text
    .split(" ")
    .map((w) => (/[-/]/.test(w) ? `<span style="${STYLE.nowrap}">${escapeText(w)}</span>` : escapeText(w)))
    .join(" ");
}

function align(c: Column): string {
  return escapeAttr(c.align ?? "left");
}

/**
 * The MIME bundle of a table: `text/html` + `text/plain`.
 *
 * @example
 * ```ts
 * const bundle = tableBundle({ columns: [{ key: "n", header: "Name" }], rows: [{ n: "web" }] });
 * bundle["text/plain"]; // "NAME\nweb"
 * ```
 */
export function tableBundle(table: Table): TableBundle {
  return { "text/html": tableHtml(table), "text/plain": tableText(table) };
}

/**
 * A preformatted text block (e.g. a pod's `/etc/resolv.conf` or `iptables-save` output) as a bundle.
 *
 * @example
 * ```ts
 * preBundle("nameserver 10.96.0.10\n", "/etc/resolv.conf")["text/plain"]; // "nameserver 10.96.0.10\n"
 * ```
 */
export function preBundle(text: string, title?: string): TableBundle {
  const head = title ? `<div style="${STYLE.title}">${escapeText(title)}</div>` : "";
  const pre =
    `<pre style="font-family:var(--jp-code-font-family, monospace);font-size:var(--jp-code-font-size, 12px);` +
    `color:var(--jp-content-font-color1, #1f1f1f);background:var(--jp-layout-color2, #f5f5f5);` +
    `border:1px solid var(--jp-border-color2, #e0e0e0);padding:6px 10px;margin:0.25em 0;overflow-x:auto;` +
    // Long lines (iptables rules) wrap as Jupyter wraps stream output, instead of hiding behind a scrollbar.
    `white-space:pre-wrap;overflow-wrap:anywhere;">` +
    `${escapeText(text)}</pre>`;
  return { "text/html": `<div class="kubelab-pre">${head}${pre}</div>`, "text/plain": text };
}

/**
 * A table object that renders itself in Jupyter; `toString()` gives the kubectl-style text.
 *
 * @example
 * ```ts
 * const view = new TableView({ columns: [{ key: "n", header: "Name" }], rows: [{ n: "web" }] });
 * String(view); // "NAME\nweb"
 * ```
 */
export class TableView {
  constructor(readonly table: Table) {}

  get rows(): readonly Readonly<Record<string, Cell>>[] {
    return this.table.rows;
  }

  toString(): string {
    return tableText(this.table);
  }

  /** The MIME bundle (what Jupyter shows). */
  bundle(): TableBundle {
    return tableBundle(this.table);
  }

  [JUPYTER_DISPLAY](): TableBundle {
    return tableBundle(this.table);
  }
}
