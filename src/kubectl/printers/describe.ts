/**
 * The text layout of `kubectl describe`: lines of tab-separated cells at indent levels, aligned
 * with Go's text/tabwriter (minimum width 0, padding 2): a column is aligned over each run of
 * consecutive lines that have a cell in it.
 *
 * @example
 * ```ts
 * const d = new DescribeWriter();
 * d.line(0, "Name:", "web");
 * d.line(0, "Namespace:", "default");
 * d.text(); // "Name:       web\nNamespace:  default\n"
 * ```
 */
export class DescribeWriter {
  private readonly lines: string[][] = [];

  /** One line: cells at an indent level (two spaces per level). */
  line(level: number, ...cells: string[]): void {
    const indent = "  ".repeat(level);
    this.lines.push(cells.map((c, i) => (i === 0 ? indent + c : c)));
  }

  text(): string {
    return goTabwriter(this.lines, 0, 2);
  }

  /** The lines with their cells tab-separated and not aligned, as a PrefixWriter into a plain buffer writes them (`rollout history --revision`). */
  raw(): string {
    return this.lines.map((l) => l.join("\t") + "\n").join("");
  }
}

/**
 * Go's text/tabwriter over pre-split lines (the last cell of a line is not tab-terminated).
 */
export function goTabwriter(lines: readonly (readonly string[])[], minWidth: number, padding: number): string {
  const widths: number[][] = lines.map(() => []);
  const maxCols = Math.max(0, ...lines.map((l) => l.length - 1));
  for (let col = 0; col < maxCols; col++) {
    let i = 0;
    while (i < lines.length) {
      if (lines[i]!.length - 1 <= col) {
        i++;
        continue;
      }
      let j = i;
      let w = minWidth;
      while (j < lines.length && lines[j]!.length - 1 > col) {
        w = Math.max(w, [...lines[j]![col]!].length + padding);
        j++;
      }
      for (let k = i; k < j; k++) widths[k]![col] = w;
      i = j;
    }
  }
  return lines
    .map((l, i) => l.map((c, col) => (col === l.length - 1 ? c : c + " ".repeat(widths[i]![col]! - [...c].length))).join("") + "\n")
    .join("");
}
