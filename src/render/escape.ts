/**
 * Escaping for every string that reaches HTML, SVG or Mermaid output.
 *
 * Names, labels, annotations, images and iptables comments come from manifests a learner (or a
 * dataset someone shared) wrote, so they are hostile until escaped. Renderers never concatenate a
 * raw value into markup: text goes through {@link escapeText}, attribute values through
 * {@link escapeAttr}.
 */

const TEXT_ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escape a string for use as HTML or SVG (XML) text content.
 *
 * Quotes are escaped too, so the result is also safe inside a quoted attribute; control characters
 * that XML 1.0 forbids are dropped, because a single one makes a whole SVG image fail to parse.
 *
 * @example
 * ```ts
 * escapeText("<script>alert(1)</script>"); // "&lt;script&gt;alert(1)&lt;/script&gt;"
 * ```
 */
export function escapeText(value: unknown): string {
  const s = value === null || value === undefined ? "" : String(value);
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "").replace(/[&<>"']/g, (c) => TEXT_ENTITIES[c]!);
}

/**
 * Escape a string for a double- or single-quoted HTML/SVG attribute value.
 * Newlines and tabs become character references so attribute-value normalisation keeps them.
 *
 * @example
 * ```ts
 * `<rect data-name="${escapeAttr('x" onload="alert(1)')}"/>`; // data-name="x&quot; onload=&quot;alert(1)"
 * ```
 */
export function escapeAttr(value: unknown): string {
  return escapeText(value).replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;");
}

/**
 * Escape text for a Mermaid diagram (a participant label or message text).
 *
 * Mermaid gives `;`, `#`, `:`, `<`, `>`, quotes, brackets and newlines meaning, and renders entity
 * codes `#NN;` as the character, so everything outside a conservative set of characters becomes a
 * decimal entity code. The result contains no `<`, `>`, quote or newline.
 *
 * @example
 * ```ts
 * escapeMermaid("<img src=x>"); // "#60;img src=x#62;"
 * ```
 */
export function escapeMermaid(value: unknown): string {
  const s = value === null || value === undefined ? "" : String(value);
  let out = "";
  for (const ch of s) {
    if (/[A-Za-z0-9 ./_@=,+*-]/.test(ch)) out += ch;
    else out += `#${ch.codePointAt(0)};`;
  }
  return out;
}
