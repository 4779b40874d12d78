/**
 * Sequence diagrams of the trace: who told whom what, on the virtual clock.
 *
 * Drawn as an SVG string (no DOM in the kernel) with d3 scales for the layout, plus a text listing
 * and Mermaid source. Large traces stay readable: consecutive repeats of the same message (a watch
 * event fanned out to every informer, a probe every period) fold into one row, rows can be grouped
 * by object, and beyond `maxRows` the rest is summarised in a closing note.
 */
import type { TraceEvent } from "../sim/trace";
import type { DiagramBundle } from "./bundle";
import { orderComponents } from "./components";
import { escapeAttr, escapeMermaid, escapeText } from "./escape";
import { CHAR_W, FONT, FONT_SIZE, LINE_H, PICTURE_WIDTH, chars, num, shortRef, textWidth, wrapText } from "./svgtext";

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
  /** Width the SVG is laid out for, px (default 840: shown unscaled in the exported page and JupyterLab). */
  width?: number;
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

/** Head boxes: one line per 13 px plus padding. */
const HEAD_LINE = 13;
const GROUP_H = 20;
const MIN_LANE = 58;
const MAX_LANE = 170;
/** Space under a row's label lines for its arrow. */
const ARROW_H = 12;

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

/**
 * A participant's name on as few lines as keep it narrow: `kubelet` / `@node-1`,
 * `endpointslice-` / `controller`. Each line is cut at 20 characters (the full name is the
 * head's tooltip).
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
  else if (chars(name) > 12 && name.lastIndexOf("-") > 0) {
    const dash = name.lastIndexOf("-");
    lines = [name.slice(0, dash + 1), name.slice(dash + 1)];
  } else lines = [name];
  return lines.map((l) => (chars(l) > 20 ? [...l].slice(0, 19).join("") + "…" : l));
}

/** A lifeline: one component, or several folded into one when they do not fit side by side. */
interface Lane {
  key: string;
  /** Components drawn on this lifeline. */
  members: string[];
  /** The head's text lines. */
  lines: string[];
  /** A bracket above the heads naming what the lane belongs to (a node, kube-controller-manager). */
  group: string | null;
  title: string;
}

const KCM = "kube-controller-manager";

function isController(c: string): boolean {
  return c.endsWith("-controller") || c === "garbage-collector";
}

function nodeOf(c: string): string | null {
  const at = c.indexOf("@");
  return at > 0 ? c.slice(at + 1) : null;
}

/**
 * Lanes for the components at a fold level: 0 every component its own lane (node agents and
 * controllers bracketed by node / kube-controller-manager); 1 each node's agents folded into one
 * lane; 2 also the controllers into one; 3 also every node into one.
 */
function lanesAt(components: readonly string[], level: number): Lane[] {
  const keyOf = (c: string): string => {
    const node = nodeOf(c);
    if (node !== null && level >= 3) return "nodes";
    if (node !== null && level >= 1) return `node:${node}`;
    if (isController(c) && level >= 2) return KCM;
    return c;
  };
  const lanes = new Map<string, Lane>();
  for (const c of components) {
    const key = keyOf(c);
    const lane = lanes.get(key);
    if (lane) lane.members.push(c);
    else lanes.set(key, { key, members: [c], lines: [], group: null, title: "" });
  }
  // Brackets only over two or more lanes; a lone member keeps its full name.
  const groupOf = (l: Lane): string | null => {
    if (l.members.length !== 1) return null;
    const c = l.members[0]!;
    const node = nodeOf(c);
    if (node !== null) return node;
    return isController(c) ? KCM : null;
  };
  const counts = new Map<string, number>();
  for (const l of lanes.values()) {
    const g = groupOf(l);
    if (g !== null) counts.set(g, (counts.get(g) ?? 0) + 1);
  }
  for (const l of lanes.values()) {
    const c = l.members[0]!;
    const g = groupOf(l);
    if (l.members.length > 1) {
      const name = l.key === "nodes" ? "nodes" : l.key === KCM ? KCM : l.key.slice("node:".length);
      l.lines = l.key === KCM ? ["kube-controller-", "manager"] : [name, "(agents)"];
      l.title = `${name}: ${l.members.join(", ")}`;
    } else if (g !== null && (counts.get(g) ?? 0) > 1) {
      l.group = g;
      const short = nodeOf(c) !== null ? c.slice(0, c.indexOf("@")) : c.replace(/-controller$/, "");
      l.lines = headLines(short);
      l.title = c;
    } else {
      l.lines = headLines(c);
      l.title = c;
    }
  }
  return [...lanes.values()];
}

function laneWidth(l: Lane): number {
  return Math.max(MIN_LANE, ...l.lines.map((s) => textWidth(s) + 14));
}

interface RowLayout {
  row: SequenceRow;
  top: number;
  lines: string[];
  labelX: number;
  arrowY: number;
  height: number;
}

/**
 * The diagram as a standalone SVG document, laid out for `width` px (default 840, which the
 * exported page's column and JupyterLab's output area show unscaled): no text under 11 px, lanes
 * bracketed by node and folded when they do not fit, long names shortened (full names in
 * tooltips), labels wrapped rather than cut.
 *
 * @example
 * ```ts
 * const svg = sequenceSvg(sequenceModel(cluster.trace), "apply", 840);
 * ```
 */
export function sequenceSvg(model: SequenceModel, title?: string, width = PICTURE_WIDTH): string {
  const W = Math.max(360, Math.round(width));
  const out: string[] = [];
  const rightEdge = W - 6;
  // Every row about one object: name it once under the title instead of on every arrow.
  const objects = new Set(model.rows.map((r) => r.object));
  const common = objects.size === 1 && model.rows.length > 1 && !model.grouped ? model.rows[0]!.object : null;
  const heading: string[] = [];
  if (title) heading.push(...wrapText(title, (W - 20) / (CHAR_W * (13 / FONT_SIZE))));
  const subtitle = common ? wrapText(`every message concerns ${common}`, (W - 20) / CHAR_W) : [];
  const titleH = heading.length * 18 + subtitle.length * LINE_H + (heading.length || subtitle.length ? 6 : 0);
  if (model.totalEvents === 0 || model.lanes.length === 0) {
    const h = Math.ceil(10 + titleH + 30);
    out.push(svgOpen(W, h, model), `<rect class="background" x="0" y="0" width="${W}" height="${h}" fill="#ffffff"/>`);
    out.push(...headingSvg(heading, subtitle), `<text x="10" y="${num(10 + titleH + 16)}" fill="#495057">No events.</text></svg>`);
    return out.join("");
  }

  // Time column: the first time of each row (the range is in the row's tooltip).
  const timeW = Math.max(...model.rows.map((r) => textWidth(formatTime(r.t0)))) + 14;
  const avail = W - timeW - 6;
  let lanes: Lane[] = [];
  for (let level = 0; level <= 3; level++) {
    lanes = lanesAt(model.lanes, level);
    if (lanes.reduce((n, l) => n + laneWidth(l), 0) <= avail) break;
  }
  const laneOf = new Map<string, Lane>();
  for (const l of lanes) for (const m of l.members) laneOf.set(m, l);
  // Spread the lanes over the width (up to MAX_LANE each) so labels have room.
  const widths = lanes.map(laneWidth);
  const natural = widths.reduce((a, b) => a + b, 0);
  const stretch = natural < avail ? Math.min(avail / natural, Math.max(1, MAX_LANE / Math.max(...widths))) : avail / natural;
  const xOf = new Map<string, number>();
  let left = timeW;
  lanes.forEach((l, i) => {
    const w = widths[i]! * stretch;
    xOf.set(l.key, left + w / 2);
    left += w;
  });
  const lanesRight = left;
  const cx = (component: string): number => xOf.get(laneOf.get(component)!.key)!;

  const groups = lanes.some((l) => l.group !== null);
  const top = 10 + titleH;
  const headTop = top + (groups ? GROUP_H : 0);
  const headH = Math.max(...lanes.map((l) => l.lines.length)) * HEAD_LINE + 10;
  let y = headTop + headH + 12;

  // Rows (and band headers when grouped), top to bottom.
  const maxChars = Math.floor((rightEdge - (timeW + 4)) / CHAR_W);
  const layouts: RowLayout[] = [];
  const bands: { object: string; top: number; bottom: number }[] = [];
  model.rows.forEach((r, i) => {
    if (model.grouped && (i === 0 || model.rows[i - 1]!.object !== r.object)) {
      if (bands.length) bands[bands.length - 1]!.bottom = y;
      bands.push({ object: r.object, top: y, bottom: y });
      y += LINE_H + 4;
    }
    const from = cx(r.from);
    const tos = r.to.map(cx);
    const self = tos.every((t) => t === from);
    const label = laneLabel(r, laneOf, common !== null || model.grouped);
    const start = self ? from + 6 : Math.min(from, ...tos) + 6;
    let lines: string[];
    let labelX: number;
    if (start + textWidth(label) <= rightEdge) {
      lines = [label];
      labelX = start;
    } else if (chars(label) <= maxChars) {
      lines = [label];
      labelX = rightEdge - textWidth(label);
    } else {
      lines = wrapText(label, maxChars);
      const widest = Math.max(...lines.map((l) => textWidth(l)));
      labelX = Math.max(timeW + 4, Math.min(start, rightEdge - widest));
    }
    // A self-message's loop rises 4 px above its arrow line: it gets that much more room, so the loop
    // does not touch the label's last line.
    const loop = self ? 4 : 0;
    const height = lines.length * LINE_H + ARROW_H + loop;
    layouts.push({ row: r, top: y, lines, labelX, arrowY: y + lines.length * LINE_H + 4 + loop, height });
    y += height;
  });
  if (bands.length) bands[bands.length - 1]!.bottom = y;
  let noteLines: string[] = [];
  const noteTop = y + 4;
  if (model.omitted) {
    noteLines = wrapText(omittedNote(model.omitted), (W - timeW - 24) / CHAR_W);
    y = noteTop + noteLines.length * LINE_H + 10;
  }
  const bodyBottom = y + 8;
  const bottomHeads = model.rows.length > 25;
  const height = Math.ceil(bodyBottom + (bottomHeads ? headH + 10 : 0) + 10);

  out.push(svgOpen(W, height, model), `<rect class="background" x="0" y="0" width="${W}" height="${height}" fill="#ffffff"/>`);
  out.push(...headingSvg(heading, subtitle, common));

  // Bands first, so everything else draws over them.
  bands.forEach((b, k) => {
    out.push(
      `<g class="band"><title>${escapeText(b.object)}</title><rect x="4" y="${num(b.top)}" width="${num(W - 8)}" height="${num(b.bottom - b.top)}" ` +
        `fill="${k % 2 ? "#f1f3f5" : "#e7f0fa"}"/><text x="8" y="${num(b.top + LINE_H - 2)}" font-weight="bold" fill="#343a40">` +
        `${escapeText(shortRef(b.object || "(no object)", maxChars))}</text></g>`,
    );
  });

  // Group brackets, lifelines and heads.
  if (groups) {
    const spans = new Map<string, { x0: number; x1: number }>();
    for (const l of lanes) {
      if (l.group === null) continue;
      const x = xOf.get(l.key)!;
      const s = spans.get(l.group) ?? { x0: x, x1: x };
      s.x0 = Math.min(s.x0, x);
      s.x1 = Math.max(s.x1, x);
      spans.set(l.group, s);
    }
    for (const [g, s] of spans) {
      const half = (MIN_LANE * stretch) / 2 - 4;
      const x0 = s.x0 - half;
      const x1 = s.x1 + half;
      const text = chars(g) * CHAR_W <= x1 - x0 ? g : shortRef(g, Math.max(4, Math.floor((x1 - x0) / CHAR_W)));
      out.push(
        `<g class="lane-group" data-group="${escapeAttr(g)}"><title>${escapeText(g)}</title>` +
          `<path d="M${num(x0)},${num(top + GROUP_H - 2)}v-5h${num(x1 - x0)}v5" fill="none" stroke="#868e96"/>` +
          `<text x="${num((x0 + x1) / 2)}" y="${num(top + GROUP_H - 10)}" text-anchor="middle" fill="#495057" stroke="#ffffff" ` +
          `stroke-width="3" paint-order="stroke">${escapeText(text)}</text></g>`,
      );
    }
  }
  for (const l of lanes) {
    const x = num(xOf.get(l.key)!);
    out.push(
      `<line class="lifeline" data-component="${escapeAttr(l.key)}" x1="${x}" y1="${num(headTop + headH)}" x2="${x}" ` +
        `y2="${num(bottomHeads ? bodyBottom : bodyBottom - 4)}" stroke="#adb5bd" stroke-dasharray="2 3"/>`,
    );
  }
  const heads = (yTop: number, cls: string): string[] =>
    lanes.map((l) => {
      const x = xOf.get(l.key)!;
      const w = Math.max(...l.lines.map((s) => textWidth(s))) + 10;
      const y0 = yTop + (headH - l.lines.length * HEAD_LINE) / 2 + HEAD_LINE - 3;
      const tspans = l.lines.map((line, k) => `<tspan x="${num(x)}" y="${num(y0 + k * HEAD_LINE)}">${escapeText(line)}</tspan>`).join("");
      return (
        `<g class="${cls}" data-component="${escapeAttr(l.key)}"><title>${escapeText(l.title)}</title><rect x="${num(x - w / 2)}" ` +
        `y="${num(yTop)}" width="${num(w)}" height="${headH}" rx="4" fill="#f8f9fa" stroke="#495057"/>` +
        `<text text-anchor="middle" fill="#212529">${tspans}</text></g>`
      );
    });
  out.push(...heads(headTop, "participant"));

  // Messages.
  for (const L of layouts) {
    const r = L.row;
    const st = styleOf(r.verb);
    const dash = st.dash ? ` stroke-dasharray="${st.dash}"` : "";
    const xf = cx(r.from);
    const cy = L.arrowY;
    const parts: string[] = [
      `<g class="msg" data-seq="${r.seq}" data-events="${r.events}" data-verb="${escapeAttr(r.verb)}">`,
      `<title>${escapeText(`${rowTime(r)} ${r.from} -> ${r.to.join(", ")}: ${rowLabel(r)}`)}</title>`,
      `<text class="time" x="${num(timeW - 8)}" y="${num(cy + 4)}" text-anchor="end" fill="#868e96">${escapeText(formatTime(r.t0))}</text>`,
    ];
    const tos = [...new Set(r.to.map(cx))];
    if (tos.every((t) => t === xf)) {
      parts.push(
        `<path class="arrow self" d="M${num(xf)},${num(cy - 4)}h16v8h-10" fill="none" stroke="${st.stroke}" stroke-width="1.3"${dash}/>`,
        `<path class="head" d="M${num(xf)},${num(cy + 4)}l7,-3.5v7z" fill="${st.stroke}"/>`,
      );
    } else {
      for (const xt of tos) {
        if (xt === xf) continue;
        const dir = xt >= xf ? 1 : -1;
        const to = r.to.find((t) => cx(t) === xt)!;
        parts.push(
          `<line class="arrow" data-to="${escapeAttr(to)}" x1="${num(xf)}" y1="${num(cy)}" x2="${num(xt - dir * 7)}" y2="${num(cy)}" ` +
            `stroke="${st.stroke}" stroke-width="1.3"${dash}/>`,
          `<path class="head" d="M${num(xt)},${num(cy)}l${-dir * 8},-4v8z" fill="${st.stroke}"/>`,
        );
      }
    }
    L.lines.forEach((line, k) => {
      parts.push(
        `<text class="label" x="${num(L.labelX)}" y="${num(L.top + (k + 1) * LINE_H - 2)}" fill="#212529" stroke="#ffffff" stroke-width="3" ` +
          `paint-order="stroke">${escapeText(line)}</text>`,
      );
    });
    parts.push("</g>");
    out.push(parts.join(""));
  }

  if (model.omitted) {
    const x0 = timeW + 4;
    const w = Math.min(W - 8, lanesRight) - x0;
    out.push(
      `<g class="note omitted" data-events="${model.omitted.events}"><rect x="${num(x0)}" y="${num(noteTop)}" width="${num(Math.max(w, W - 12 - x0))}" ` +
        `height="${num(noteLines.length * LINE_H + 6)}" fill="#fff9db" stroke="#e0b000"/>` +
        noteLines.map((l, k) => `<text x="${num(x0 + 6)}" y="${num(noteTop + (k + 1) * LINE_H - 1)}" fill="#5c4400">${escapeText(l)}</text>`).join("") +
        `</g>`,
    );
  }
  if (bottomHeads) out.push(...heads(bodyBottom, "participant bottom"));
  out.push("</svg>");
  return out.join("");
}

function svgOpen(w: number, h: number, model: SequenceModel): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="kubelab-sequence" width="${w}" height="${h}" ` +
    `viewBox="0 0 ${w} ${h}" font-family="${escapeAttr(FONT)}" font-size="${FONT_SIZE}" ` +
    `data-events="${model.totalEvents}" data-rows="${model.rows.length}">`
  );
}

function headingSvg(heading: string[], subtitle: string[], common: string | null = null): string[] {
  const out: string[] = [];
  let y = 10;
  for (const h of heading) {
    y += 18;
    out.push(`<text class="title" x="10" y="${num(y - 4)}" font-size="13" font-weight="bold" fill="#212529">${escapeText(h)}</text>`);
  }
  for (const s of subtitle) {
    y += LINE_H;
    out.push(`<text class="subtitle" x="10" y="${num(y - 2)}" fill="#495057">${common ? `<title>${escapeText(common)}</title>` : ""}${escapeText(s)}</text>`);
  }
  return out;
}

/**
 * The words on an arrow, without the object when the diagram names it once for all rows, and with
 * the sender/receiver when a folded lane hides who it was.
 */
function laneLabel(r: SequenceRow, laneOf: ReadonlyMap<string, Lane>, omitObject: boolean): string {
  const parts: string[] = [];
  const folded = (c: string): boolean => laneOf.get(c)!.members.length > 1;
  // Within a folded lane, say which member: `kubelet` on a node's lane, `kubelet@node-2` on "nodes".
  const member = (c: string): string => {
    const lane = laneOf.get(c)!;
    if (nodeOf(c) !== null && lane.key !== "nodes") return c.slice(0, c.indexOf("@"));
    return c.replace(/-controller$/, "");
  };
  const receivers = new Map<string, number>();
  for (const t of r.to) {
    if (t === r.from || !folded(t)) continue;
    const m = laneOf.get(t)!.key === "nodes" ? t.slice(0, t.indexOf("@") > 0 ? t.indexOf("@") : t.length) : member(t);
    receivers.set(m, (receivers.get(m) ?? 0) + 1);
  }
  const to = [...receivers].map(([m, n]) => (n > 1 ? `${m}×${n}` : m)).join(",");
  if (folded(r.from) || to) parts.push(`${folded(r.from) ? member(r.from) : ""}${to ? `→${to}` : ""}:`);
  parts.push(r.verb);
  if (r.object && !omitObject) parts.push(shortRef(r.object, 40));
  if (r.detail) parts.push(r.detail);
  if (r.events > 1) parts.push(`×${r.events}`);
  return parts.join(" ");
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
    "image/svg+xml": sequenceSvg(model, opts.title, opts.width),
    "text/plain": sequenceText(model, opts.title),
    "text/vnd.mermaid": sequenceMermaid(model, opts.title),
  };
}
