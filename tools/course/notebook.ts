/**
 * The nbformat 4 document model (https://nbformat.readthedocs.io/en/latest/format_description.html):
 * the cells and outputs a runner writes and an exporter reads, and reading a notebook file with clear
 * errors when it is not one.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** Text in a notebook is a string or a list of lines (each keeping its newline). */
export type MultilineString = string | string[];

/** A MIME bundle as stored in a notebook: MIME type → text or JSON. */
export type MimeData = Record<string, unknown>;

/** `stream` output: text written to stdout or stderr. */
export interface StreamOutput {
  output_type: "stream";
  name: "stdout" | "stderr";
  text: MultilineString;
}

/** `display_data` output (from `display()`). */
export interface DisplayDataOutput {
  output_type: "display_data";
  data: MimeData;
  metadata: Record<string, unknown>;
}

/** `execute_result` output: the value of a cell's last expression. */
export interface ExecuteResultOutput {
  output_type: "execute_result";
  execution_count: number | null;
  data: MimeData;
  metadata: Record<string, unknown>;
}

/** `error` output: the exception that stopped a cell. */
export interface ErrorOutput {
  output_type: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}

/** Any output of a code cell. */
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

/** A code cell. */
export interface CodeCell {
  cell_type: "code";
  id?: string;
  metadata: Record<string, unknown>;
  source: MultilineString;
  execution_count: number | null;
  outputs: Output[];
}

/** A markdown cell (`attachments` are kept but not rendered). */
export interface MarkdownCell {
  cell_type: "markdown";
  id?: string;
  metadata: Record<string, unknown>;
  source: MultilineString;
  attachments?: Record<string, MimeData>;
}

/** A raw cell (passed through untouched by conversion). */
export interface RawCell {
  cell_type: "raw";
  id?: string;
  metadata: Record<string, unknown>;
  source: MultilineString;
}

/** Any cell. */
export type NotebookCell = CodeCell | MarkdownCell | RawCell;

/** A notebook document. */
export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: NotebookCell[];
}

/**
 * The notebook file could not be read as nbformat 4.
 *
 * @example
 * ```ts
 * parseNotebook("{}", "x.ipynb"); // throws NotebookFormatError: x.ipynb: not a notebook (no "cells" list)
 * ```
 */
export class NotebookFormatError extends Error {
  override name = "NotebookFormatError";
}

/**
 * Joins a multiline string.
 *
 * @example
 * ```ts
 * joinText(["a\n", "b"]); // → "a\nb"
 * ```
 */
export function joinText(text: MultilineString | undefined): string {
  if (text === undefined) return "";
  return Array.isArray(text) ? text.join("") : text;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Checks that parsed JSON is an nbformat 4 notebook with well-formed cells, naming the first problem.
 *
 * @example
 * ```ts
 * const nb = parseNotebook(fs.readFileSync("01.ipynb", "utf8"), "01.ipynb");
 * nb.cells.length; // → 12
 * ```
 */
export function parseNotebook(text: string, name: string): Notebook {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new NotebookFormatError(`${name}: not a notebook (invalid JSON: ${(e as Error).message})`);
  }
  if (!isRecord(json) || !Array.isArray(json["cells"])) throw new NotebookFormatError(`${name}: not a notebook (no "cells" list)`);
  if (json["nbformat"] !== 4) throw new NotebookFormatError(`${name}: nbformat ${String(json["nbformat"])} is not supported (only nbformat 4)`);
  const cells = json["cells"] as unknown[];
  cells.forEach((c, i) => {
    if (!isRecord(c)) throw new NotebookFormatError(`${name}: cell ${i + 1} is not an object`);
    const type = c["cell_type"];
    if (type !== "code" && type !== "markdown" && type !== "raw") throw new NotebookFormatError(`${name}: cell ${i + 1} has unknown cell_type ${JSON.stringify(type)}`);
    const src = c["source"];
    if (typeof src !== "string" && !(Array.isArray(src) && src.every((s) => typeof s === "string"))) {
      throw new NotebookFormatError(`${name}: cell ${i + 1} has no text source`);
    }
    if (!isRecord(c["metadata"])) c["metadata"] = {};
    if (type === "code") {
      if (!Array.isArray(c["outputs"])) c["outputs"] = [];
      if (c["execution_count"] === undefined) c["execution_count"] = null;
    }
  });
  return {
    nbformat: 4,
    nbformat_minor: typeof json["nbformat_minor"] === "number" ? json["nbformat_minor"] : 0,
    metadata: isRecord(json["metadata"]) ? json["metadata"] : {},
    cells: cells as NotebookCell[],
  };
}

/**
 * Reads a notebook file.
 *
 * @example
 * ```ts
 * readNotebook("notebooks/01-control-plane.ipynb").cells[0].cell_type; // → "markdown"
 * ```
 */
export function readNotebook(file: string): Notebook {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new NotebookFormatError(`${file}: cannot read the notebook (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseNotebook(text, path.basename(file));
}

/**
 * Serialises a notebook the way Jupyter writes it (1-space indent, sorted keys, trailing newline), so an
 * executed copy diffs cleanly against what Jupyter would save.
 *
 * @example
 * ```ts
 * fs.writeFileSync("out/01.ipynb", notebookJson(executed));
 * ```
 */
export function notebookJson(nb: Notebook): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (!isRecord(v)) return v;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]);
    return out;
  };
  return JSON.stringify(sortKeys(nb), null, 1) + "\n";
}
