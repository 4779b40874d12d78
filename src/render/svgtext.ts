/**
 * Text in the d3 SVG pictures: one monospace font, nothing under 11 px, and the helpers that make
 * text fit the width a picture is drawn for — measuring (an upper bound, so no font can clip),
 * wrapping at word and path boundaries, and shortening names with the full name kept for a tooltip.
 *
 * Pictures are laid out for {@link PICTURE_WIDTH}: JupyterLab's output area at a 1280 px window is
 * about 1,000–1,150 px and the exported page's output column 859 px, so a picture this wide is
 * shown at 100 % in both — its 11 px text stays 11 px.
 */

export const FONT = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace";
/** The smallest text any picture draws, px. */
export const FONT_SIZE = 11;
/** Monospace advance at 11px (DejaVu Sans Mono: 6.62); an upper bound, so text never overruns its box. */
export const CHAR_W = 6.7;
/** Line height for 11 px text. */
export const LINE_H = 14;
/** The width pictures are laid out for by default (fits the exported page's 859 px column). */
export const PICTURE_WIDTH = 840;

/**
 * A coordinate with one decimal and no "-0": identical strings on every run.
 *
 * @example
 * ```ts
 * num(1.26); // "1.3"
 * ```
 */
export function num(x: number): string {
  const r = Math.round(x * 10) / 10;
  return Object.is(r, -0) ? "0" : String(r);
}

/** Length in code points (what a monospace font advances by). */
export function chars(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * Width of 11 px monospace text, px (an upper bound).
 *
 * @example
 * ```ts
 * textWidth("kubelet"); // 46.9
 * ```
 */
export function textWidth(s: string, size = FONT_SIZE): number {
  return (chars(s) * CHAR_W * size) / FONT_SIZE;
}

/**
 * Split text into lines of at most `max` characters: at spaces first, then after `/ , ; : = -`
 * inside a long word, and only then mid-word. Nothing is dropped: joined back, the lines hold
 * every character of the input but the spaces they were broken at.
 *
 * @example
 * ```ts
 * wrapText("ADD pod/web netns /var/run/netns/cni-6704369d", 20);
 * // ["ADD pod/web netns", "/var/run/netns/", "cni-6704369d"]
 * ```
 */
export function wrapText(text: string, max: number): string[] {
  const limit = Math.max(8, Math.floor(max));
  const out: string[] = [];
  for (const para of text.split("\n")) {
    let line = "";
    for (const word of para.split(" ")) {
      const candidate = line === "" ? word : `${line} ${word}`;
      if (chars(candidate) <= limit) {
        line = candidate;
        continue;
      }
      if (line !== "") out.push(line);
      line = "";
      let rest = word;
      while (chars(rest) > limit) {
        const cps = [...rest];
        // The last separator that keeps the piece within the limit, if any is past a third of it.
        let cut = -1;
        for (let i = limit - 1; i >= Math.floor(limit / 3); i--) {
          if ("/,;:=-".includes(cps[i]!)) {
            cut = i + 1;
            break;
          }
        }
        if (cut < 0) cut = limit;
        out.push(cps.slice(0, cut).join(""));
        rest = cps.slice(cut).join("");
      }
      line = rest;
    }
    out.push(line);
  }
  return out;
}

/**
 * An object reference as a picture labels it: `kind/name` (the `default` namespace left out), and
 * past `max` characters the start and the distinguishing end of the name around an ellipsis.
 *
 * @example
 * ```ts
 * shortRef("pod/default/hello-world-7d4f4d944-4c6qm", 24); // "pod/hello-wo…f4d944-4c6qm"
 * shortRef("pod/shop/web-1");                               // "pod/shop/web-1"
 * ```
 */
export function shortRef(ref: string, max = 32): string {
  let s = ref.replace(/^([a-z]+)\/default\//, "$1/");
  if (chars(s) <= max) return s;
  // An etcd key: its end names the object.
  if (s.startsWith("/")) return "…" + [...s].slice(chars(s) - max + 1).join("");
  const slash = s.indexOf("/", s.startsWith("/") ? 1 : 0);
  const head = slash > 0 ? s.slice(0, slash + 1) : "";
  const name = [...s.slice(head.length)];
  const room = Math.max(6, max - chars(head) - 1);
  const front = Math.max(2, Math.floor(room / 3));
  const back = room - front;
  s = `${head}${name.slice(0, front).join("")}…${name.slice(name.length - back).join("")}`;
  return s;
}
