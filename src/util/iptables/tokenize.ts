/**
 * Splitting an iptables-save / iptables-restore line into words, as iptables-restore does. The one
 * tokenizer for kube-proxy's output (`proxy/`) and the kernel's input (`net/`).
 */

/**
 * Split a line into words as iptables-restore does: double quotes group, backslash escapes a quote.
 *
 * @example
 * ```ts
 * tokenize('-m comment --comment "a b" -j X');   // ["-m", "comment", "--comment", "a b", "-j", "X"]
 * ```
 */
export function tokenize(line: string): string[] {
  // Most lines have no quotes: split on blanks without a character loop.
  if (line.indexOf('"') < 0 && line.indexOf("\\") < 0) return line.split(/[ \t]+/).filter((w) => w !== "");
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && (line[i] === " " || line[i] === "\t")) i++;
    if (i >= n) break;
    let word = "";
    let quoted = false;
    while (i < n && (quoted || (line[i] !== " " && line[i] !== "\t"))) {
      const ch = line[i]!;
      if (ch === "\\" && i + 1 < n && (line[i + 1] === '"' || line[i + 1] === "\\")) {
        word += line[i + 1];
        i += 2;
        continue;
      }
      if (ch === '"') {
        quoted = !quoted;
        i++;
        continue;
      }
      word += ch;
      i++;
    }
    if (quoted) throw new Error("unterminated quote");
    out.push(word);
  }
  return out;
}
