/**
 * Markdown → HTML for lesson text: the CommonMark constructs lessons use (ATX and setext headings,
 * paragraphs with hard breaks, emphasis, code spans, fenced and indented code, nested ordered and
 * bullet lists with tight/loose items and task boxes, links, images, autolinks, block quotes, thematic
 * breaks, entities, backslash escapes) plus GFM tables and strikethrough.
 *
 * Raw HTML is escaped (shown as text), except a few attribute-free tags that are harmless and useful in
 * exercises: `<details>`, `<summary>`, `<kbd>`, `<sub>`, `<sup>`, `<br>`. Link targets with a scheme other
 * than http, https and mailto are dropped.
 */
import { escapeText as escapeHtml } from "../../src/render/escape";

/** Options of {@link renderMarkdown}. */
export interface MarkdownOptions {
  /** Rewrites link targets (e.g. `02-services.ipynb` → `02-services.html`). */
  rewriteHref?: (href: string) => string;
  /** Prefix of heading ids; each heading gets `<prefix><slug>`, made unique in the document. */
  idPrefix?: string;
  /** Heading ids already used on the page (shared across the cells of one page). */
  usedIds?: Set<string>;
}

type Block = { kind: "p"; html: string } | { kind: "html"; html: string };

const PH_OPEN = "\uE000";
const PH_CLOSE = "\uE001";

const RE = {
  blank: /^[ \t]*$/,
  atx: /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/,
  fence: /^( {0,3})(`{3,}|~{3,})[ \t]*([^`]*?)[ \t]*$/,
  hr: /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/,
  quote: /^ {0,3}> ?/,
  item: /^( {0,3})([-*+]|\d{1,9}[.)])(?:([ \t]+)(.*)|[ \t]*$)/,
  setext1: /^ {0,3}=+[ \t]*$/,
  setext2: /^ {0,3}-+[ \t]*$/,
  indented: /^(?: {4}|\t)/,
  tableDelim: /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/,
  htmlBlock: /^ {0,3}(?:<details(?: open)?>|<\/details>|<summary>.*<\/summary>)[ \t]*$/,
};

function expandTabs(line: string): string {
  if (!line.includes("\t")) return line;
  let out = "";
  for (const ch of line) out += ch === "\t" ? " ".repeat(4 - (out.length % 4)) : ch;
  return out;
}

function indentOf(line: string): number {
  return /^ */.exec(line)![0].length;
}

/** Lines that start a block other than a paragraph (and so end a paragraph). */
function interruptsParagraph(line: string): boolean {
  if (RE.atx.test(line) || RE.fence.test(line) || RE.hr.test(line) || RE.quote.test(line) || RE.htmlBlock.test(line)) return true;
  const m = RE.item.exec(line);
  // An ordered list interrupts a paragraph only when it starts at 1, and an empty item never does (CommonMark 5.2).
  return m !== null && m[4] !== undefined && m[4].trim() !== "" && (/^[-*+]$/.test(m[2]!) || /^1[.)]$/.test(m[2]!));
}

function splitRow(line: string): string[] {
  let s = line.trim();
  if (s.startsWith("|")) s = s.slice(1);
  if (s.endsWith("|") && !s.endsWith("\\|")) s = s.slice(0, -1);
  const cells: string[] = [];
  let cur = "";
  let inCode = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === "\\" && s[i + 1] === "|") {
      cur += "|";
      i++;
    } else if (ch === "`") {
      let n = 1;
      while (s[i + n] === "`") n++;
      inCode = inCode === n ? 0 : inCode === 0 ? n : inCode;
      cur += "`".repeat(n);
      i += n - 1;
    } else if (ch === "|" && inCode === 0) {
      cells.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  cells.push(cur.trim());
  return cells;
}

class Renderer {
  private readonly used: Set<string>;
  constructor(private readonly opts: MarkdownOptions) {
    this.used = opts.usedIds ?? new Set();
  }

  blocks(lines: string[]): Block[] {
    const out: Block[] = [];
    let i = 0;
    while (i < lines.length) {
      const line = lines[i]!;
      if (RE.blank.test(line)) {
        i++;
        continue;
      }
      let m: RegExpExecArray | null;
      if ((m = RE.fence.exec(line)) && !(m[2]![0] === "`" && m[3]!.includes("`"))) {
        const indent = m[1]!.length;
        const fence = m[2]!;
        const lang = (m[3] ?? "").split(/\s+/)[0] ?? "";
        const body: string[] = [];
        i++;
        const close = new RegExp(`^ {0,3}${fence[0] === "`" ? "`" : "~"}{${fence.length},}[ \\t]*$`);
        while (i < lines.length && !close.test(lines[i]!)) {
          const l = lines[i]!;
          body.push(l.slice(Math.min(indent, indentOf(l))));
          i++;
        }
        i++; // the closing fence (or the end of the document)
        const cls = lang ? ` class="language-${escapeHtml(unescapeMd(lang))}"` : "";
        out.push({ kind: "html", html: `<pre><code${cls}>${escapeHtml(body.map((l) => l + "\n").join(""))}</code></pre>` });
        continue;
      }
      if ((m = RE.atx.exec(line))) {
        out.push({ kind: "html", html: this.heading(m[1]!.length, (m[2] ?? "").trim()) });
        i++;
        continue;
      }
      if (RE.hr.test(line)) {
        out.push({ kind: "html", html: "<hr>" });
        i++;
        continue;
      }
      if (RE.htmlBlock.test(line)) {
        const t = line.trim();
        const s = /^<summary>(.*)<\/summary>$/.exec(t);
        out.push({ kind: "html", html: s ? `<summary>${this.inline(s[1]!)}</summary>` : t });
        i++;
        continue;
      }
      if (RE.quote.test(line)) {
        const inner: string[] = [];
        while (i < lines.length) {
          const l = lines[i]!;
          if (RE.quote.test(l)) inner.push(l.replace(RE.quote, ""));
          // Lazy continuation: a paragraph inside the quote goes on without the marker.
          else if (!RE.blank.test(l) && inner.length > 0 && !RE.blank.test(inner[inner.length - 1]!) && !interruptsParagraph(l)) inner.push(l);
          else break;
          i++;
        }
        out.push({ kind: "html", html: `<blockquote>\n${this.join(this.blocks(inner), false)}\n</blockquote>` });
        continue;
      }
      if (RE.item.test(line)) {
        i = this.list(lines, i, out);
        continue;
      }
      if (RE.indented.test(line)) {
        const body: string[] = [];
        while (i < lines.length && (RE.indented.test(lines[i]!) || RE.blank.test(lines[i]!))) body.push(lines[i++]!.replace(/^ {1,4}/, ""));
        while (body.length && RE.blank.test(body[body.length - 1]!)) body.pop();
        out.push({ kind: "html", html: `<pre><code>${escapeHtml(body.map((l) => l + "\n").join(""))}</code></pre>` });
        continue;
      }
      if (line.includes("|") && i + 1 < lines.length && RE.tableDelim.test(lines[i + 1]!)) {
        const head = splitRow(line);
        const aligns = splitRow(lines[i + 1]!).map((d) => (d.startsWith(":") && d.endsWith(":") ? "center" : d.endsWith(":") ? "right" : d.startsWith(":") ? "left" : ""));
        if (aligns.length === head.length) {
          i += 2;
          const rows: string[][] = [];
          while (i < lines.length && !RE.blank.test(lines[i]!) && !interruptsParagraph(lines[i]!)) rows.push(splitRow(lines[i++]!));
          const cell = (tag: string, text: string, col: number): string => `<${tag}${aligns[col] ? ` style="text-align: ${aligns[col]}"` : ""}>${this.inline(text)}</${tag}>`;
          const thead = `<thead>\n<tr>${head.map((h, c) => cell("th", h, c)).join("")}</tr>\n</thead>`;
          const tbody = rows.length ? `\n<tbody>\n${rows.map((r) => `<tr>${head.map((_, c) => cell("td", r[c] ?? "", c)).join("")}</tr>`).join("\n")}\n</tbody>` : "";
          out.push({ kind: "html", html: `<table>\n${thead}${tbody}\n</table>` });
          continue;
        }
      }
      // A paragraph, possibly turned into a setext heading by an underline.
      const para: string[] = [line];
      i++;
      let setext = 0;
      while (i < lines.length) {
        const l = lines[i]!;
        if (RE.setext1.test(l)) setext = 1;
        else if (RE.setext2.test(l)) setext = 2;
        if (setext) {
          i++;
          break;
        }
        if (RE.blank.test(l) || interruptsParagraph(l)) break;
        para.push(l);
        i++;
      }
      const text = para.map((l) => l.replace(/^[ \t]+/, "")).join("\n").replace(/[ \t]+$/, "");
      out.push(setext ? { kind: "html", html: this.heading(setext, text) } : { kind: "p", html: this.inline(text) });
    }
    return out;
  }

  /** Parses a list starting at line `start`; returns the index after it. */
  private list(lines: string[], start: number, out: Block[]): number {
    const first = RE.item.exec(lines[start]!)!;
    const ordered = /\d/.test(first[2]!);
    const delim = first[2]!.slice(-1);
    const items: { lines: string[]; task?: boolean }[] = [];
    let loose = false;
    let i = start;
    while (i < lines.length) {
      const m = RE.item.exec(lines[i]!);
      if (!m || /\d/.test(m[2]!) !== ordered || m[2]!.slice(-1) !== delim || RE.hr.test(lines[i]!)) break;
      const spaces = m[3]?.length ?? 1;
      const offset = m[1]!.length + m[2]!.length + (spaces > 4 ? 1 : spaces);
      const content = m[4] === undefined ? "" : (spaces > 4 ? " ".repeat(spaces - 1) : "") + m[4];
      const item: string[] = [content];
      i++;
      let sawBlank = false;
      while (i < lines.length) {
        const l = lines[i]!;
        if (RE.blank.test(l)) {
          item.push("");
          sawBlank = true;
          i++;
          continue;
        }
        if (indentOf(l) >= offset) {
          if (sawBlank && item.some((x, k) => k > 0 && x === "")) loose = true;
          item.push(l.slice(offset));
          sawBlank = false;
          i++;
          continue;
        }
        // Lazy continuation of the item's paragraph.
        if (!sawBlank && !interruptsParagraph(l) && !RE.item.test(l)) {
          item.push(l.trim());
          i++;
          continue;
        }
        break;
      }
      while (item.length > 1 && item[item.length - 1] === "") item.pop();
      const task = /^\[([ xX])\][ \t]+/.exec(item[0]!);
      if (task) item[0] = item[0]!.slice(task[0].length);
      items.push(task ? { lines: item, task: task[1] !== " " } : { lines: item });
      // A blank line between two items makes the list loose.
      if (sawBlank && i < lines.length && RE.item.test(lines[i]!)) {
        const n = RE.item.exec(lines[i]!)!;
        if (/\d/.test(n[2]!) === ordered && n[2]!.slice(-1) === delim) loose = true;
      }
      if (sawBlank && (i >= lines.length || !RE.item.test(lines[i]!))) break;
    }
    const startNo = ordered ? parseInt(first[2]!, 10) : 1;
    const tag = ordered ? "ol" : "ul";
    const open = ordered && startNo !== 1 ? `<ol start="${startNo}">` : `<${tag}>`;
    const lis = items.map((it) => {
      const box = it.task === undefined ? "" : `<input type="checkbox" disabled${it.task ? " checked" : ""}> `;
      const body = this.join(this.blocks(it.lines), !loose);
      return `<li>${box}${body}</li>`;
    });
    out.push({ kind: "html", html: `${open}\n${lis.join("\n")}\n</${tag}>` });
    return i;
  }

  join(blocks: Block[], tight: boolean): string {
    return blocks.map((b) => (b.kind === "p" ? (tight ? b.html : `<p>${b.html}</p>`) : b.html)).join("\n");
  }

  private heading(level: number, text: string): string {
    const html = this.inline(text);
    const base =
      text
        .toLowerCase()
        .replace(/[`*_~[\]()<>#!\\]/g, "")
        .replace(/[^\p{L}\p{N}]+/gu, "-")
        .replace(/^-+|-+$/g, "") || "section";
    let id = (this.opts.idPrefix ?? "") + base;
    for (let n = 1; this.used.has(id); n++) id = `${this.opts.idPrefix ?? ""}${base}-${n}`;
    this.used.add(id);
    return `<h${level} id="${escapeHtml(id)}">${html}</h${level}>`;
  }

  /** Inline content: code spans, links and other tokens become placeholders; emphasis runs on the rest. */
  inline(src: string): string {
    const tokens: string[] = [];
    const ph = (html: string): string => `${PH_OPEN}${tokens.push(html) - 1}${PH_CLOSE}`;
    let text = "";
    let i = 0;
    while (i < src.length) {
      const ch = src[i]!;
      if (ch === "\\") {
        const next = src[i + 1];
        if (next === "\n") {
          text += ph("<br>\n");
          i += 2;
          continue;
        }
        if (next !== undefined && /[!-/:-@[-`{-~]/.test(next)) {
          text += ph(escapeHtml(next));
          i += 2;
          continue;
        }
      }
      if (ch === "`") {
        let n = 1;
        while (src[i + n] === "`") n++;
        const ticks = "`".repeat(n);
        let j = i + n;
        let end = -1;
        while ((j = src.indexOf(ticks, j)) !== -1) {
          if (src[j + n] !== "`" && src[j - 1] !== "`") {
            end = j;
            break;
          }
          while (src[j] === "`") j++;
        }
        if (end !== -1) {
          let code = src.slice(i + n, end).replace(/\n/g, " ");
          if (/^ .*[^ ].* $/.test(code) || /^ [^ ] $/.test(code)) code = code.slice(1, -1);
          text += ph(`<code>${escapeHtml(code)}</code>`);
          i = end + n;
          continue;
        }
        text += ph(escapeHtml(ticks));
        i += n;
        continue;
      }
      if (ch === "[" || (ch === "!" && src[i + 1] === "[")) {
        const link = this.link(src, ch === "!" ? i + 1 : i);
        if (link) {
          const href = safeUrl(link.url);
          if (ch === "!") {
            text += ph(href === undefined ? escapeHtml(plain(link.text)) : `<img src="${escapeHtml(href)}" alt="${escapeHtml(plain(link.text))}"${link.title ? ` title="${escapeHtml(link.title)}"` : ""}>`);
          } else {
            const inner = this.inline(link.text);
            const target = href === undefined ? undefined : this.opts.rewriteHref ? this.opts.rewriteHref(href) : href;
            text += ph(target === undefined ? inner : `<a href="${escapeHtml(target)}"${link.title ? ` title="${escapeHtml(link.title)}"` : ""}>${inner}</a>`);
          }
          i = link.end;
          continue;
        }
      }
      if (ch === "<") {
        const rest = src.slice(i);
        const auto = /^<([a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^\s<>]*)>/.exec(rest);
        if (auto) {
          const href = safeUrl(auto[1]!);
          text += ph(href === undefined ? escapeHtml(auto[0]) : `<a href="${escapeHtml(href)}">${escapeHtml(auto[1]!)}</a>`);
          i += auto[0].length;
          continue;
        }
        const mail = /^<([a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*)>/.exec(rest);
        if (mail) {
          text += ph(`<a href="mailto:${escapeHtml(mail[1]!)}">${escapeHtml(mail[1]!)}</a>`);
          i += mail[0].length;
          continue;
        }
        const tag = /^<(\/?)(kbd|sub|sup|br)\s*\/?>/i.exec(rest);
        if (tag) {
          text += ph(tag[2]!.toLowerCase() === "br" ? "<br>" : `<${tag[1]}${tag[2]!.toLowerCase()}>`);
          i += tag[0].length;
          continue;
        }
      }
      if (ch === "&") {
        const ent = /^&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});/.exec(src.slice(i));
        if (ent) {
          text += ph(ent[0]);
          i += ent[0].length;
          continue;
        }
      }
      if (ch === "\n" && / {2,}$/.test(text)) {
        text = text.replace(/ +$/, "") + ph("<br>\n");
        i++;
        continue;
      }
      text += ch;
      i++;
    }
    let html = escapeHtml(text.replace(/ +\n/g, "\n"));
    html = html
      .replace(/\*\*\*(?=[^\s*])([\s\S]*?[^\s*])\*\*\*/g, "<strong><em>$1</em></strong>")
      .replace(/\*\*(?=[^\s*])([\s\S]*?[^\s*])\*\*/g, "<strong>$1</strong>")
      .replace(/(^|[^\p{L}\p{N}_])__(?=\S)([\s\S]*?\S)__(?![\p{L}\p{N}_])/gu, "$1<strong>$2</strong>")
      .replace(/\*(?=[^\s*])([\s\S]*?[^\s*])\*/g, "<em>$1</em>")
      .replace(/(^|[^\p{L}\p{N}_])_(?=[^\s_])([\s\S]*?[^\s_])_(?![\p{L}\p{N}_])/gu, "$1<em>$2</em>")
      .replace(/~~(?=\S)([\s\S]*?\S)~~/g, "<del>$1</del>");
    const restore = (s: string): string => s.replace(new RegExp(`${PH_OPEN}(\\d+)${PH_CLOSE}`, "g"), (_, n: string) => restore(tokens[Number(n)]!));
    return restore(html);
  }

  /** `[text](url "title")` starting at the `[` at `at`. */
  private link(src: string, at: number): { text: string; url: string; title: string | undefined; end: number } | undefined {
    let depth = 0;
    let j = at;
    for (; j < src.length; j++) {
      const c = src[j];
      if (c === "\\") j++;
      else if (c === "`") {
        const close = src.indexOf("`", j + 1);
        if (close !== -1) j = close;
      } else if (c === "[") depth++;
      else if (c === "]" && --depth === 0) break;
    }
    if (depth !== 0 || src[j + 1] !== "(") return undefined;
    const m = /^\(\s*(?:<([^<>\n]*)>|((?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))*))(?:\s+("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\((?:[^()\\]|\\.)*\)))?\s*\)/.exec(src.slice(j + 1));
    if (!m) return undefined;
    const url = unescapeMd(m[1] ?? m[2] ?? "");
    const title = m[3] === undefined ? undefined : unescapeMd(m[3].slice(1, -1));
    return { text: src.slice(at + 1, j), url, title, end: j + 1 + m[0].length };
  }
}

function unescapeMd(s: string): string {
  return s.replace(/\\([!-/:-@[-`{-~])/g, "$1");
}

/** The text of inline markdown without markup (for `alt`). */
function plain(s: string): string {
  return s.replace(/[*_`~]|!?\[|\]\([^)]*\)/g, "");
}

/** The URL when it is relative or http(s)/mailto; otherwise undefined (javascript:, data:, vbscript:, …). */
function safeUrl(url: string): string | undefined {
  const trimmed = url.trim();
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(trimmed);
  if (scheme && !/^(https?|mailto)$/i.test(scheme[1]!)) return undefined;
  return trimmed.replace(/ /g, "%20");
}

/**
 * Renders markdown to HTML.
 *
 * @example
 * ```ts
 * renderMarkdown("# Services\n\nA *Service* selects pods by `labels`.");
 * // → '<h1 id="services">Services</h1>\n<p>A <em>Service</em> selects pods by <code>labels</code>.</p>'
 * ```
 */
export function renderMarkdown(src: string, opts: MarkdownOptions = {}): string {
  const lines = src.replace(/\r\n?/g, "\n").replace(/[\u0000\uE000\uE001]/g, "\uFFFD").split("\n").map(expandTabs);
  const r = new Renderer(opts);
  return r.join(r.blocks(lines), false);
}
