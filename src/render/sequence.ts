/**
 * Sequence diagrams of the trace: who told whom what, on the virtual clock.
 *
 * Drawn as an SVG string (no DOM in the kernel) with d3 scales for the layout, plus a text listing
 * and Mermaid source. Large traces stay readable: consecutive repeats of the same message (a watch
 * event fanned out to every informer, a probe every period) fold into one row, rows can be grouped
 * by object, and beyond `maxRows` the rest is summarised in a closing note.
 */
import { scaleBand, scalePoint } from "d3";
import type { TraceEvent } from "../sim/trace";
import type { DiagramBundle } from "./bundle";
import { orderComponents } from "./components";
import { escapeAttr, escapeMermaid, escapeText } from "./escape";

/** What the diagram needs from a trace: a `TraceView` (or any list of events). */
export interface TraceLike {
  readonly events: readonly TraceEvent[];
}

export interface SequenceOptions {
  /** Fold consecutive repeats of a message into one row (default true). */
  fold?: boolean;
  /** Reorder rows so each object's messages are contiguous, under a band naming the object (default false). */
  groupByObject?: boolean;
  /** Rows drawn before the rest is summarised in a note (default 120). */
  maxRows?: number;
  /** A heading above the diagram. */
  title?: string;
}

/** One drawn row: one message, or a run of folded repeats / a fan-out to several receivers. */
export interface SequenceRow {
  from: string;
  /** Receivers in first-seen order; `[from]` for a component's own action. */
  to: string[];
  verb: string;
  object: string;
  detail: string;
  /** Virtual time of the first and last folded event, ms. */
  t0: number;
  t1: number;
  /** Events folded into this row. */
  events: number;
  /** `seq` of the first event. */
  seq: number;
}

/** The layout-independent model of a diagram: lanes, rows and what was left out. */
export interface SequenceModel {
  lanes: string[];
  rows: SequenceRow[];
  /** Events in the trace. */
  totalEvents: number;
  /** Events folded into the drawn rows. */
  shownEvents: number;
  /** Rows not drawn (beyond maxRows) and their time span. */
  omitted: { rows: number; events: number; t0: number; t1: number } | null;
  /** Rows are grouped by object (drawn under a band per object). */
  grouped: boolean;
}

const DEFAULT_MAX_ROWS = 120;

function isSelf(e: { from: string; to: string }): boolean {
  return e.from === e.to;
}

/**
 * Fold consecutive events with the same sender, verb, object and detail into one row: the watch
 * notification the API server sends to each informer becomes one fan-out row, a periodic probe
 * one row "×N".
 *
 * @example
 * ```ts
 * foldEvents(trace.events).length <= trace.events.length; // true
 * ```
 */
export function foldEvents(events: readonly TraceEvent[], fold = true): SequenceRow[] {
  const rows: SequenceRow[] = [];
  let cur: SequenceRow | null = null;
  for (const e of events) {
    if (
      fold &&
      cur !== null &&
      cur.from === e.from &&
      cur.verb === e.verb &&
      cur.object === e.object &&
      cur.detail === e.detail &&
      isSelf({ from: cur.from, to: cur.to[0]! }) === isSelf(e)
    ) {
      if (!cur.to.includes(e.to)) cur.to.push(e.to);
      cur.events++;
      cur.t1 = e.t;
      continue;
    }
    cur = { from: e.from, to: [e.to], verb: e.verb, object: e.object, detail: e.detail, t0: e.t, t1: e.t, events: 1, seq: e.seq };
    rows.push(cur);
  }
  return rows;
}

/**
 * The diagram model of a trace: folded, optionally grouped by object, cut at `maxRows`.
 *
 * @example
 * ```ts
 * const model = sequenceModel(cluster.trace, { maxRows: 50 });
 * model.omitted?.events; // events summarised in the closing note
 * ```
 */
export function sequenceModel(trace: TraceLike | readonly TraceEvent[], opts: SequenceOptions = {}): SequenceModel {
  const events = isEventList(trace) ? trace : trace.events;
  let rows = foldEvents(events, opts.fold ?? true);
  if (opts.groupByObject) {
    const first = new Map<string, number>();
    rows.forEach((r, i) => {
      if (!first.has(r.object)) first.set(r.object, i);
    });
    // Array.prototype.sort is stable, so time order is kept inside each object's group.
    rows = [...rows].sort((a, b) => first.get(a.object)! - first.get(b.object)!);
  }
  const maxRows = Math.max(1, Math.floor(opts.maxRows ?? DEFAULT_MAX_ROWS));
  let omitted: SequenceModel["omitted"] = null;
  if (rows.length > maxRows) {
    const rest = rows.slice(maxRows);
    omitted = {
      rows: rest.length,
      events: rest.reduce((n, r) => n + r.events, 0),
      t0: Math.min(...rest.map((r) => r.t0)),
      t1: Math.max(...rest.map((r) => r.t1)),
    };
    rows = rows.slice(0, maxRows);
  }
  const lanes = orderComponents(rows.flatMap((r) => [r.from, ...r.to]));
  return {
    lanes,
    rows,
    totalEvents: events.length,
    shownEvents: rows.reduce((n, r) => n + r.events, 0),
    omitted,
    grouped: opts.groupByObject ?? false,
  };
}

function isEventList(x: TraceLike | readonly TraceEvent[]): x is readonly TraceEvent[] {
  return Array.isArray(x);
}

/**
 * Virtual time as the diagram prints it: `850ms` below a second, `12.345s` above.
 *
 * @example
 * ```ts
 * formatTime(12345); // "12.345s"
 * ```
 */
export function formatTime(ms: number): string {
  if (Math.abs(ms) < 1000) return `${Math.round(ms)}ms`;
  return `${(ms / 1000).toFixed(3)}s`;
}

function rowTime(r: SequenceRow): string {
  return r.t0 === r.t1 ? formatTime(r.t0) : `${formatTime(r.t0)}–${formatTime(r.t1)}`;
}

/**
 * `verb object detail ×N` — the words on an arrow.
 *
 * @example
 * ```ts
 * rowLabel(foldEvents(events)[0]); // "watch pod/default/web-abc ADDED ×4"
 * ```
 */
export function rowLabel(r: SequenceRow): string {
  const parts = [r.verb];
  if (r.object) parts.push(r.object);
  if (r.detail) parts.push(r.detail);
  if (r.events > 1) parts.push(`×${r.events}`);
  return parts.join(" ");
}

function omittedNote(o: NonNullable<SequenceModel["omitted"]>): string {
  return (
    `… ${o.events} more event${o.events === 1 ? "" : "s"} (${formatTime(o.t0)}–${formatTime(o.t1)}); ` +
    `narrow with trace.since(mark) or trace.for("kind/name")`
  );
}

// ---------------------------------------------------------------- text

/**
 * The text listing: one line per row, `time  from -> to[, to…]  verb object detail (×N)`.
 *
 * @example
 * ```ts
 * sequenceText(sequenceModel(cluster.trace));
 * ```
 */
export function sequenceText(model: SequenceModel, title?: string): string {
  const lines: string[] = [];
  const span = model.rows.length ? `, ${formatTime(model.rows[0]!.t0)}–${formatTime(Math.max(...model.rows.map((r) => r.t1)))}` : "";
  lines.push(`${title ? title + ": " : ""}${model.totalEvents} events in ${model.rows.length} rows${span}`);
  if (model.totalEvents === 0) lines.push("No events.");
  const times = model.rows.map(rowTime);
  const width = Math.max(0, ...times.map((t) => t.length));
  model.rows.forEach((r, i) => {
    const who = isSelf({ from: r.from, to: r.to[0]! }) ? r.from : `${r.from} -> ${r.to.join(", ")}`;
    lines.push(`${times[i]!.padStart(width)}  ${who}  ${rowLabel(r)}`);
  });
  if (model.omitted) lines.push(omittedNote(model.omitted));
  return lines.join("\n");
}

// ---------------------------------------------------------------- mermaid

/**
 * Mermaid `sequenceDiagram` source. Participants get opaque ids (`P0`, `P1`, …) and every label
 * is entity-escaped, so no name can inject syntax or markup.
 *
 * @example
 * ```ts
 * sequenceMermaid(sequenceModel(cluster.trace)).startsWith("sequenceDiagram"); // true
 * ```
 */
export function sequenceMermaid(model: SequenceModel, title?: string): string {
  const id = new Map(model.lanes.map((l, i) => [l, `P${i}`]));
  const lines = ["sequenceDiagram"];
  if (title) lines.push(`  title ${escapeMermaid(title)}`);
  for (const l of model.lanes) lines.push(`  participant ${id.get(l)} as ${escapeMermaid(l)}`);
  for (const r of model.rows) {
    const arrow = r.verb === "watch" ? "-->>" : "->>";
    const text = escapeMermaid(`${rowTime(r)} ${rowLabel(r)}`);
    for (const to of r.to) lines.push(`  ${id.get(r.from)}${arrow}${id.get(to)}: ${text}`);
  }
  if (model.omitted && model.lanes.length > 0) {
    const span = model.lanes.length > 1 ? `${id.get(model.lanes[0]!)},${id.get(model.lanes[model.lanes.length - 1]!)}` : id.get(model.lanes[0]!);
    lines.push(`  Note over ${span}: ${escapeMermaid(omittedNote(model.omitted))}`);
  }
  if (model.lanes.length === 0) lines.push("  Note right of kubelab: No events");
  return lines.join("\n");
}

// ---------------------------------------------------------------- svg

const FONT = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace";
const FONT_SIZE = 11;
/** Monospace advance at 11px; layout only needs an upper bound, so font differences cannot clip text. */
const CHAR_W = 6.7;
const ROW_H = 22;
const HEAD_H = 32;
const TIME_W_PLAIN = 110;
/** Grouped diagrams keep the object's name left of the times. */
const GROUPED_TIME_W = 220;
const MAX_LABEL = 64;

interface Style {
  stroke: string;
  dash?: string;
}

const CRI_VERBS = new Set([
  "RunPodSandbox",
  "StopPodSandbox",
  "RemovePodSandbox",
  "PullImage",
  "CreateContainer",
  "StartContainer",
  "StopContainer",
  "RemoveContainer",
  "ADD",
  "DEL",
  "CHECK",
]);

/** Colour by what kind of message it is; chosen to read on the white background in both themes. */
function styleOf(verb: string): Style {
  if (verb === "watch") return { stroke: "#7f7f7f", dash: "4 3" };
  if (verb === "put" || verb === "get" || verb === "txn" || verb === "range") return { stroke: "#7b4fa6" };
  if (CRI_VERBS.has(verb)) return { stroke: "#2b8a3e" };
  if (verb === "probe") return { stroke: "#d9730d" };
  if (verb === "delete") return { stroke: "#c92a2a" };
  if (["create", "update", "update-status", "patch", "bind", "evict"].includes(verb)) return { stroke: "#1c6fb5" };
  return { stroke: "#495057" };
}

function num(x: number): string {
  // One decimal, no "-0": identical strings on every run.
  const r = Math.round(x * 10) / 10;
  return Object.is(r, -0) ? "0" : String(r);
}

function truncate(s: string, max: number): string {
  const cps = [...s];
  return cps.length > max ? cps.slice(0, max - 1).join("") + "…" : s;
}

function textWidth(s: string): number {
  return [...s].length * CHAR_W;
}

/** `pod/default/web-7d4b9c8f5-aaaa0` → `pod/…9c8f5-aaaa0`: the kind and the end of the name identify it. */
function shortObject(ref: string, max = 22): string {
  if (!ref) return "(no object)";
  const parts = ref.split("/");
  const kind = parts[0]!;
  const name = parts[parts.length - 1]!;
  const short = parts.length > 1 ? `${kind}/${name}` : ref;
  if ([...short].length <= max) return short;
  const keep = Math.max(4, max - [...kind].length - 2);
  return `${kind}/…${[...name].slice(-keep).join("")}`;
}

/**
 * A participant's name on at most two lines, so lanes stay narrow: `kubelet` / `@node-1`,
 * `endpointslice-` / `controller`. Each line is cut at 20 characters.
 *
 * @example
 * ```ts
 * headLines("kubelet@node-1"); // ["kubelet", "@node-1"]
 * ```
 */
export function headLines(name: string): string[] {
  const at = name.indexOf("@");
  let lines: string[];
  if (at > 0) lines = [name.slice(0, at), name.slice(at)];
  else if ([...name].length > 12 && name.lastIndexOf("-") > 0) {
    const dash = name.lastIndexOf("-");
    lines = [name.slice(0, dash + 1), name.slice(dash + 1)];
  } else lines = [name];
  return lines.map((l) => truncate(l, 20));
}

/**
 * The diagram as a standalone SVG document.
 *
 * @example
 * ```ts
 * const svg = sequenceSvg(sequenceModel(cluster.trace));
 * ```
 */
export function sequenceSvg(model: SequenceModel, title?: string): string {
  const TIME_W = model.grouped ? GROUPED_TIME_W : TIME_W_PLAIN;
  const laneW = Math.max(84, Math.min(160, Math.max(0, ...model.lanes.flatMap((l) => headLines(l).map(textWidth))) + 16));
  const titleH = title ? 24 : 0;
  const top = 10 + titleH;
  const bodyTop = top + HEAD_H + 14;
  const nRows = model.rows.length + (model.omitted ? 1 : 0);
  const lanesRight = TIME_W + laneW * Math.max(1, model.lanes.length);
  const x = scalePoint<string>().domain(model.lanes).range([TIME_W, lanesRight]).padding(0.5);
  const y = scaleBand<number>()
    .domain(Array.from({ length: nRows }, (_, i) => i))
    .range([bodyTop, bodyTop + nRows * ROW_H]);
  // Labels start at the arrow's left end and may run past the last lane: reserve room for them.
  const labelRight = Math.max(
    lanesRight,
    ...model.rows.map((r) => {
      const xs = [r.from, ...r.to].map((c) => x(c)!);
      const self = isSelf({ from: r.from, to: r.to[0]! });
      return Math.min(...xs) + (self ? 26 : 6) + textWidth(truncate(rowLabel(r), MAX_LABEL)) + 10;
    }),
  );
  const bottomHeads = model.rows.length > 25;
  const bodyBottom = bodyTop + nRows * ROW_H + 8;
  const width = Math.ceil(labelRight + 10);
  const height = Math.ceil(bodyBottom + (bottomHeads ? HEAD_H + 10 : 0) + 10);

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="kubelab-sequence" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" font-family="${escapeAttr(FONT)}" font-size="${FONT_SIZE}" ` +
      `data-events="${model.totalEvents}" data-rows="${model.rows.length}">`,
  );
  out.push(`<rect class="background" x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  if (title) out.push(`<text x="10" y="${num(10 + 14)}" font-size="13" font-weight="bold" fill="#212529">${escapeText(title)}</text>`);
  if (model.totalEvents === 0 || model.lanes.length === 0) {
    out.push(`<text x="10" y="${num(top + 16)}" fill="#495057">No events.</text></svg>`);
    return out.join("");
  }

  // Group bands first, so everything else draws over them.
  const rowsY = (i: number) => y(i)! + ROW_H / 2;
  let bandStart = 0;
  const bands: { object: string; from: number; to: number }[] = [];
  model.rows.forEach((r, i) => {
    const next = model.rows[i + 1];
    if (!next || next.object !== r.object) {
      bands.push({ object: r.object, from: bandStart, to: i });
      bandStart = i + 1;
    }
  });
  if (model.grouped) {
    bands.forEach((b, k) => {
      const y0 = y(b.from)!;
      const y1 = y(b.to)! + ROW_H;
      out.push(
        `<g class="band"><rect x="4" y="${num(y0)}" width="${num(width - 8)}" height="${num(y1 - y0)}" ` +
          `fill="${k % 2 ? "#f1f3f5" : "#e7f0fa"}"/>` +
          `<text x="8" y="${num(y0 + 11)}" font-size="9" fill="#495057">${escapeText(shortObject(b.object))}` +
          `<title>${escapeText(b.object)}</title></text></g>`,
      );
    });
  }

  // Lifelines and participant heads.
  const heads = (yTop: number, cls: string) =>
    model.lanes.map((l) => {
      const cx = x(l)!;
      const w = laneW - 12;
      const lines = headLines(l);
      const y0 = yTop + HEAD_H / 2 + 4 - ((lines.length - 1) * 13) / 2;
      const tspans = lines
        .map((line, k) => `<tspan x="${num(cx)}" y="${num(y0 + k * 13)}">${escapeText(line)}</tspan>`)
        .join("");
      return (
        `<g class="${cls}" data-component="${escapeAttr(l)}"><title>${escapeText(l)}</title><rect x="${num(cx - w / 2)}" ` +
        `y="${num(yTop)}" width="${num(w)}" height="${HEAD_H}" rx="4" fill="#f8f9fa" stroke="#495057"/>` +
        `<text text-anchor="middle" fill="#212529">${tspans}</text></g>`
      );
    });
  for (const l of model.lanes) {
    const cx = num(x(l)!);
    out.push(
      `<line class="lifeline" data-component="${escapeAttr(l)}" x1="${cx}" y1="${num(top + HEAD_H)}" x2="${cx}" ` +
        `y2="${num(bottomHeads ? bodyBottom : bodyBottom - 4)}" stroke="#adb5bd" stroke-dasharray="2 3"/>`,
    );
  }
  out.push(...heads(top, "participant"));

  // Messages.
  model.rows.forEach((r, i) => {
    const cy = rowsY(i);
    const st = styleOf(r.verb);
    const dash = st.dash ? ` stroke-dasharray="${st.dash}"` : "";
    const label = rowLabel(r);
    const shown = truncate(label, MAX_LABEL);
    const xf = x(r.from)!;
    const parts: string[] = [
      `<g class="msg" data-seq="${r.seq}" data-events="${r.events}" data-verb="${escapeAttr(r.verb)}">`,
      `<title>${escapeText(`${rowTime(r)} ${r.from} -> ${r.to.join(", ")}: ${label}`)}</title>`,
      `<text class="time" x="${TIME_W - 10}" y="${num(cy + 4)}" text-anchor="end" fill="#868e96">${escapeText(rowTime(r))}</text>`,
    ];
    let labelX: number;
    if (isSelf({ from: r.from, to: r.to[0]! })) {
      parts.push(
        `<path class="arrow self" d="M${num(xf)},${num(cy - 5)}h18v10h-12" fill="none" stroke="${st.stroke}" stroke-width="1.3"${dash}/>`,
        `<path class="head" d="M${num(xf)},${num(cy + 5)}l7,-3.5v7z" fill="${st.stroke}"/>`,
      );
      labelX = xf + 24;
      parts.push(
        `<text class="label" x="${num(labelX)}" y="${num(cy + 4)}" fill="#212529" stroke="#ffffff" stroke-width="3" ` +
          `paint-order="stroke">${escapeText(shown)}</text>`,
      );
    } else {
      for (const to of r.to) {
        const xt = x(to)!;
        const dir = xt >= xf ? 1 : -1;
        parts.push(
          `<line class="arrow" data-to="${escapeAttr(to)}" x1="${num(xf)}" y1="${num(cy)}" x2="${num(xt - dir * 7)}" y2="${num(cy)}" ` +
            `stroke="${st.stroke}" stroke-width="1.3"${dash}/>`,
          `<path class="head" d="M${num(xt)},${num(cy)}l${-dir * 8},-4v8z" fill="${st.stroke}"/>`,
        );
      }
      const xs = [xf, ...r.to.map((t) => x(t)!)];
      labelX = Math.min(...xs) + 6;
      parts.push(
        `<text class="label" x="${num(labelX)}" y="${num(cy - 4)}" fill="#212529" stroke="#ffffff" stroke-width="3" ` +
          `paint-order="stroke">${escapeText(shown)}</text>`,
      );
    }
    parts.push("</g>");
    out.push(parts.join(""));
  });

  if (model.omitted) {
    const cy = rowsY(model.rows.length);
    const x0 = TIME_W + 4;
    const w = lanesRight - TIME_W - 8;
    out.push(
      `<g class="note omitted" data-events="${model.omitted.events}"><rect x="${num(x0)}" y="${num(cy - 9)}" width="${num(w)}" ` +
        `height="18" fill="#fff9db" stroke="#e0b000"/><text x="${num(x0 + 6)}" y="${num(cy + 4)}" fill="#5c4400">` +
        `${escapeText(omittedNote(model.omitted))}</text></g>`,
    );
  }
  if (bottomHeads) out.push(...heads(bodyBottom, "participant bottom"));
  out.push("</svg>");
  return out.join("");
}

/**
 * The sequence-diagram bundle of a trace: SVG, text listing and Mermaid source (no HTML).
 *
 * @example
 * ```ts
 * const bundle = sequenceBundle(cluster.trace.since(mark), { maxRows: 60 });
 * ```
 */
export function sequenceBundle(trace: TraceLike | readonly TraceEvent[], opts: SequenceOptions = {}): DiagramBundle {
  const model = sequenceModel(trace, opts);
  return {
    "image/svg+xml": sequenceSvg(model, opts.title),
    "text/plain": sequenceText(model, opts.title),
    "text/vnd.mermaid": sequenceMermaid(model, opts.title),
  };
}
