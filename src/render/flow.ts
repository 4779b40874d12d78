/**
 * Flow pictures: a path drawn top to bottom as sections (a node, the load balancer, the resolver)
 * joined by arrows, each a list of steps — a tag (`nat PREROUTING`, `route`, `#2 A`) and either a
 * row of pills joined by arrows (the chains a packet jumps through) or wrapped text. The packet
 * walk, the resolver's search walk and the NodePort/LoadBalancer path are all flows, so they share
 * one layout: laid out for {@link PICTURE_WIDTH}, 11 px text, nothing cut (long text wraps, long
 * names are shortened with the full text in a tooltip).
 */
import { scaleOrdinal } from "d3";
import type { SvgBundle } from "./bundle";
import { escapeAttr, escapeText } from "./escape";
import { CHAR_W, FONT, FONT_SIZE, LINE_H, PICTURE_WIDTH, chars, num, textWidth, wrapText } from "./svgtext";

/** What a step or pill means: its colour. */
export type Tone = "plain" | "ok" | "bad" | "nat" | "jump" | "muted";

export interface FlowPill {
  text: string;
  /** Tooltip: the full rule, name or record. */
  title?: string;
  tone?: Tone;
}

export interface FlowStep {
  /** The short label left of the step. */
  tag: string;
  tone?: Tone;
  /** Chains, names or records joined by arrows. */
  pills?: readonly FlowPill[];
  /** Text after the pills (wrapped to the width). */
  text?: string;
  /** Tooltip of the whole step. */
  title?: string;
}

export interface FlowSection {
  title: string;
  /** Grey text after the title, e.g. the node's address. */
  subtitle?: string;
  steps: readonly FlowStep[];
  tone?: Tone;
  /** Words on the arrow into this section (e.g. `eth0 → node-2`). */
  via?: string;
}

export interface FlowModel {
  /** CSS class of the SVG root (`kubelab-packet`, …). */
  kind: string;
  title: string;
  subtitle?: string;
  sections: readonly FlowSection[];
  /** The conclusion under the last section. */
  footer?: { text: string; tone?: Tone };
}

const TONES: readonly Tone[] = ["plain", "ok", "bad", "nat", "jump", "muted"];
const FILL = scaleOrdinal<Tone, string>().domain(TONES).range(["#f8f9fa", "#d3f9d8", "#ffe3e3", "#fff3bf", "#e7f5ff", "#f1f3f5"]);
const STROKE = scaleOrdinal<Tone, string>().domain(TONES).range(["#868e96", "#2b8a3e", "#c92a2a", "#e67700", "#1c6fb5", "#adb5bd"]);
const INK = scaleOrdinal<Tone, string>().domain(TONES).range(["#212529", "#1b5e20", "#a61e1e", "#7a4a00", "#0b4f8a", "#495057"]);

const PAD = 10;
const TAG_W = 132;
const PILL_H = 20;
const PILL_GAP = 22;
const SECTION_GAP = 26;

interface Placed {
  svg: string[];
  height: number;
}

function pillsLayout(pills: readonly FlowPill[], x0: number, y0: number, right: number): Placed {
  const svg: string[] = [];
  let x = x0;
  let y = y0;
  const maxChars = Math.floor((right - x0 - 12) / CHAR_W);
  pills.forEach((p, i) => {
    const text = chars(p.text) > maxChars ? [...p.text].slice(0, maxChars - 1).join("") + "…" : p.text;
    const w = textWidth(text) + 12;
    if (i > 0 && x + PILL_GAP + w > right) {
      // Wrap: the arrow continues on the next line.
      y += PILL_H + 8;
      x = x0;
      svg.push(`<text x="${num(x)}" y="${num(y + 14)}" fill="#868e96">↳</text>`);
      x += 14;
    } else if (i > 0) {
      svg.push(
        `<path class="link" d="M${num(x + 3)},${num(y + PILL_H / 2)}h${PILL_GAP - 10}" stroke="#495057" stroke-width="1.2"/>` +
          `<path d="M${num(x + PILL_GAP - 3)},${num(y + PILL_H / 2)}l-6,-3.5v7z" fill="#495057"/>`,
      );
      x += PILL_GAP;
    }
    const tone = p.tone ?? "jump";
    svg.push(
      `<g class="pill">${p.title || text !== p.text ? `<title>${escapeText(p.title ?? p.text)}</title>` : ""}` +
        `<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${PILL_H}" rx="9" fill="${FILL(tone)}" stroke="${STROKE(tone)}"/>` +
        `<text x="${num(x + 6)}" y="${num(y + 14)}" fill="${INK(tone)}">${escapeText(text)}</text></g>`,
    );
    x += w;
  });
  return { svg, height: y - y0 + PILL_H };
}

/**
 * The flow as an SVG document laid out for `width` px.
 *
 * @example
 * ```ts
 * flowSvg({ kind: "kubelab-demo", title: "a → b", sections: [{ title: "node-1", steps: [{ tag: "route", text: "via eth0" }] }] });
 * ```
 */
export function flowSvg(model: FlowModel, width = PICTURE_WIDTH): string {
  const W = Math.max(420, Math.round(width));
  const right = W - PAD;
  const body: string[] = [];
  let y = PAD;
  for (const line of wrapText(model.title, (W - 2 * PAD) / (CHAR_W * (13 / FONT_SIZE)))) {
    y += 17;
    body.push(`<text class="title" x="${PAD}" y="${num(y - 3)}" font-size="13" font-weight="bold" fill="#212529">${escapeText(line)}</text>`);
  }
  if (model.subtitle) {
    for (const line of wrapText(model.subtitle, (W - 2 * PAD) / CHAR_W)) {
      y += LINE_H;
      body.push(`<text class="subtitle" x="${PAD}" y="${num(y - 2)}" fill="#495057">${escapeText(line)}</text>`);
    }
  }
  y += 8;
  const textX = PAD + 8 + TAG_W;
  model.sections.forEach((s, si) => {
    if (si > 0) {
      const cx = PAD + 24;
      body.push(
        `<g class="hop"><path d="M${num(cx)},${num(y)}v${SECTION_GAP - 6}" stroke="#495057" stroke-width="1.5"/>` +
          `<path d="M${num(cx)},${num(y + SECTION_GAP)}l-5,-8h10z" fill="#495057"/>` +
          (s.via ? `<text x="${num(cx + 12)}" y="${num(y + SECTION_GAP / 2 + 4)}" fill="#495057">${escapeText(s.via)}</text>` : "") +
          `</g>`,
      );
      y += SECTION_GAP;
    }
    const top = y;
    const inner: string[] = [];
    let sy = top + 6;
    const head = `${s.title}${s.subtitle ? "  " + s.subtitle : ""}`;
    const headLines = wrapText(head, (right - PAD - 16) / CHAR_W);
    headLines.forEach((line, k) => {
      sy += LINE_H;
      const bold = k === 0 ? ` font-weight="bold"` : "";
      if (k === 0 && s.subtitle && line.startsWith(s.title)) {
        inner.push(
          `<text x="${PAD + 8}" y="${num(sy - 2)}" fill="#212529"><tspan font-weight="bold">${escapeText(s.title)}</tspan>` +
            `<tspan fill="#495057">${escapeText(line.slice(s.title.length))}</tspan></text>`,
        );
      } else inner.push(`<text x="${PAD + 8}" y="${num(sy - 2)}"${bold} fill="#212529">${escapeText(line)}</text>`);
    });
    sy += 6;
    for (const st of s.steps) {
      const tone = st.tone ?? "plain";
      const tagLines = wrapText(st.tag, (TAG_W - 8) / CHAR_W);
      const parts: string[] = [];
      let h = 0;
      if (st.pills && st.pills.length) {
        const p = pillsLayout(st.pills, textX, sy, right - 6);
        parts.push(...p.svg);
        h = p.height + 4;
      }
      if (st.text) {
        const lines = wrapText(st.text, (right - 6 - textX) / CHAR_W);
        lines.forEach((line, k) => {
          parts.push(`<text x="${num(textX)}" y="${num(sy + h + (k + 1) * LINE_H - 3)}" fill="${INK(tone)}">${escapeText(line)}</text>`);
        });
        h += lines.length * LINE_H;
      }
      h = Math.max(h, tagLines.length * LINE_H, LINE_H);
      inner.push(
        `<g class="step" data-tone="${escapeAttr(tone)}">${st.title ? `<title>${escapeText(st.title)}</title>` : ""}` +
          `<rect x="${PAD + 4}" y="${num(sy - 2)}" width="4" height="${num(h + 2)}" fill="${STROKE(tone)}"/>` +
          tagLines.map((l, k) => `<text class="tag" x="${PAD + 14}" y="${num(sy + (k + 1) * LINE_H - 3)}" fill="#343a40" font-weight="bold">${escapeText(l)}</text>`).join("") +
          parts.join("") +
          `</g>`,
      );
      sy += h + 8;
    }
    const tone = s.tone ?? "plain";
    body.push(
      `<g class="section" data-title="${escapeAttr(s.title)}"><rect x="${PAD}" y="${num(top)}" width="${num(right - PAD)}" height="${num(sy - top)}" rx="6" ` +
        `fill="${tone === "plain" ? "#ffffff" : FILL(tone)}" fill-opacity="${tone === "plain" ? 1 : 0.35}" stroke="${STROKE(tone)}"/>${inner.join("")}</g>`,
    );
    y = sy;
  });
  if (model.footer) {
    const tone = model.footer.tone ?? "plain";
    y += 8;
    const lines = wrapText(model.footer.text, (right - PAD - 16) / CHAR_W);
    body.push(
      `<g class="footer" data-tone="${escapeAttr(tone)}"><rect x="${PAD}" y="${num(y)}" width="${num(right - PAD)}" height="${num(lines.length * LINE_H + 10)}" rx="6" ` +
        `fill="${FILL(tone)}" stroke="${STROKE(tone)}"/>` +
        lines.map((l, k) => `<text x="${PAD + 8}" y="${num(y + 5 + (k + 1) * LINE_H - 3)}" font-weight="bold" fill="${INK(tone)}">${escapeText(l)}</text>`).join("") +
        `</g>`,
    );
    y += lines.length * LINE_H + 10;
  }
  const H = Math.ceil(y + PAD);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="${escapeAttr(model.kind)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ` +
    `font-family="${escapeAttr(FONT)}" font-size="${FONT_SIZE}"><rect class="background" x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>` +
    body.join("") +
    `</svg>`
  );
}

/**
 * The flow as text: the title, then per section its title and one line per step.
 *
 * @example
 * ```ts
 * flowText(model).split("\n")[0] === model.title; // true
 * ```
 */
export function flowText(model: FlowModel): string {
  const lines = [model.title];
  if (model.subtitle) lines.push(model.subtitle);
  for (const s of model.sections) {
    lines.push(`${s.via ? `  ↓ ${s.via}\n` : ""}${s.title}${s.subtitle ? "  " + s.subtitle : ""}`);
    for (const st of s.steps) {
      const pills = st.pills?.map((p) => p.text).join(" → ");
      lines.push(`  ${st.tag.padEnd(18)} ${[pills, st.text].filter(Boolean).join("  ")}`);
    }
  }
  if (model.footer) lines.push(model.footer.text);
  return lines.join("\n");
}

/**
 * SVG + text bundle of a flow.
 *
 * @example
 * ```ts
 * flowBundle(model)["image/svg+xml"].startsWith("<svg"); // true
 * ```
 */
export function flowBundle(model: FlowModel, width?: number): SvgBundle {
  return { "image/svg+xml": flowSvg(model, width), "text/plain": flowText(model) };
}
