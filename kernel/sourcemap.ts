/**
 * Minimal source-map reading (VLQ "mappings" only) to translate positions in the JavaScript a cell
 * compiles to back to the cell's own lines and columns. Two maps are composed: TypeScript's emit
 * (cell → ES module) and the ES module → CommonJS pass.
 */

/** One mapping segment: generated column → original line/column (all zero-based). */
interface Segment {
  col: number;
  srcLine: number;
  srcCol: number;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Decoded mappings: `lines[generatedLine]` lists segments sorted by generated column. */
export class LineMap {
  private constructor(private readonly lines: Segment[][]) {}

  /**
   * Parses the JSON text of a version-3 source map.
   *
   * @example
   * ```ts
   * const map = LineMap.parse(sourceMapText);
   * map.lookup(3, 0); // → { line: 1, column: 0 } or undefined
   * ```
   */
  static parse(json: string): LineMap {
    const mappings = (JSON.parse(json) as { mappings?: string }).mappings ?? "";
    const lines: Segment[][] = [];
    let srcLine = 0;
    let srcCol = 0;
    for (const lineText of mappings.split(";")) {
      const segs: Segment[] = [];
      let col = 0;
      for (const segText of lineText.split(",")) {
        if (segText === "") continue;
        const v = decodeVlq(segText);
        col += v[0] ?? 0;
        if (v.length >= 4) {
          srcLine += v[2]!;
          srcCol += v[3]!;
          segs.push({ col, srcLine, srcCol });
        }
      }
      segs.sort((a, b) => a.col - b.col);
      lines.push(segs);
    }
    return new LineMap(lines);
  }

  /**
   * The original position of a generated position (zero-based), or undefined when the line has no mapping.
   *
   * @example
   * ```ts
   * map.lookup(0, 12);
   * ```
   */
  lookup(line: number, column: number): { line: number; column: number } | undefined {
    const segs = this.lines[line];
    if (!segs || segs.length === 0) return undefined;
    let best = segs[0]!;
    for (const s of segs) {
      if (s.col <= column) best = s;
      else break;
    }
    return { line: best.srcLine, column: best.col <= column ? best.srcCol + (column - best.col) : best.srcCol };
  }
}

function decodeVlq(text: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of text) {
    const digit = B64.indexOf(ch);
    if (digit < 0) break;
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

/**
 * Composes maps: a position in the final output goes through each map in order (last pass first).
 *
 * @example
 * ```ts
 * const toCell = composeMaps([cjsMap, esmMap], 1); // 1 = lines of prefix TypeScript saw before the cell
 * toCell(5, 10); // → cell position, zero-based
 * ```
 */
export function composeMaps(maps: LineMap[], lineOffset: number): (line: number, column: number) => { line: number; column: number } | undefined {
  return (line, column) => {
    let pos: { line: number; column: number } | undefined = { line, column };
    for (const m of maps) {
      pos = m.lookup(pos.line, pos.column);
      if (!pos) return undefined;
    }
    const cellLine = pos.line - lineOffset;
    return cellLine < 0 ? undefined : { line: cellLine, column: pos.column };
  };
}
