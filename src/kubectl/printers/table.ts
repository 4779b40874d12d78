/**
 * kubectl's client-side printing of a server-side Table (k8s.io/cli-runtime printers.TablePrinter):
 * priority-1 columns only with `-o wide`, a NAMESPACE column from each row's object with `-A`,
 * LABELS with `--show-labels`, `kind/name` when several kinds are printed, upper-case headers, and
 * the tabwriter's alignment (minimum width 6, padding 3, the last column unpadded).
 *
 * @example
 * ```ts
 * const w = new TabWriter();
 * printTable(serverTable("Pod", pods, now), {}, w);
 * w.flush(); // "NAME   READY   STATUS    RESTARTS   AGE\nweb-…  1/1     Running   0          5s\n"
 * ```
 */
import { TableView } from "../../render/table";
import { formatLabels, serverTable, type MetaTable, type TableCell } from "./columns";

/** What `kubectl get` passes to its table printer. */
export interface TablePrintOptions {
  wide?: boolean;
  /** `-A`: a NAMESPACE column first. */
  withNamespace?: boolean;
  /** `--show-labels`: a LABELS column last. */
  showLabels?: boolean;
  /** `pod`, `deployment.apps`: prefix names with `kind/` (several kinds in one `get`). */
  withKind?: string;
  noHeaders?: boolean;
}

const MIN_WIDTH = 6;
const PADDING = 3;

/**
 * The tabwriter kubectl prints through (liggitt/tabwriter with RememberWidths): rows of cells,
 * each column padded to its widest cell plus three spaces (at least six); widths are remembered
 * across flushes, so later rows of a `get -w` never shrink a column.
 */
export class TabWriter {
  private rows: string[][] = [];
  private widths: number[] = [];
  private out = "";

  /** One line of cells. */
  row(cells: readonly string[]): void {
    this.rows.push([...cells]);
  }

  /** A line written as is (not aligned), e.g. the blank line between two kinds' tables. */
  line(text: string): void {
    this.flushRows();
    this.out += text + "\n";
  }

  private flushRows(): void {
    if (!this.rows.length) return;
    const widths = [...this.widths];
    for (const r of this.rows) for (let i = 0; i < r.length - 1; i++) widths[i] = Math.max(widths[i] ?? 0, Math.max(MIN_WIDTH, width(r[i]!) + PADDING));
    for (const r of this.rows) this.out += r.map((c, i) => (i === r.length - 1 ? c : c + " ".repeat(widths[i]! - width(c)))).join("") + "\n";
    this.widths = widths;
    this.rows = [];
  }

  /** Forget remembered widths (kubectl does between the tables of two kinds). */
  reset(): void {
    this.flushRows();
    this.widths = [];
  }

  /** Everything written since the last flush, aligned. */
  flush(): string {
    this.flushRows();
    const s = this.out;
    this.out = "";
    return s;
  }
}

/** Terminal columns: tabwriter counts UTF-8 code points. */
function width(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** The text of a cell: strings cut at the first line break (then `...`), other values as Go's `fmt.Sprint`. */
function cellText(c: TableCell | undefined): string {
  if (c === null || c === undefined) return "";
  if (typeof c === "string") {
    const i = c.search(/[\f\n\r]/);
    return i >= 0 ? c.slice(0, i) + "..." : c;
  }
  return String(c);
}

/** The header and cells kubectl prints for a Table, before alignment. */
export function tableGrid(table: MetaTable, opts: TablePrintOptions = {}): { headers: string[]; rows: string[][] } {
  const shown = table.columnDefinitions.map((c, i) => ({ c, i })).filter(({ c }) => opts.wide || c.priority === 0);
  const headers = shown.map(({ c }) => c.name.toUpperCase());
  if (opts.withNamespace) headers.unshift("NAMESPACE");
  if (opts.showLabels) headers.push("LABELS");
  const rows = table.rows.map((r) => {
    const cells = shown.map(({ i }, k) => {
      const text = cellText(r.cells[i]);
      return k === 0 && opts.withKind ? `${opts.withKind}/${text}` : text;
    });
    const meta = r.object?.metadata;
    if (opts.withNamespace) cells.unshift(meta?.namespace ?? "");
    if (opts.showLabels) cells.push(formatLabels(meta?.labels));
    return cells;
  });
  return { headers, rows };
}

/**
 * Write a Table as kubectl does into a {@link TabWriter}.
 *
 * @example
 * ```ts
 * const w = new TabWriter();
 * printTable(table, { wide: true }, w);
 * const text = w.flush();
 * ```
 */
export function printTable(table: MetaTable, opts: TablePrintOptions, w: TabWriter): void {
  const g = tableGrid(table, opts);
  if (!opts.noHeaders) w.row(g.headers);
  for (const r of g.rows) w.row(r);
}

/** A printed grid as a notebook table (HTML, and the same aligned text kubectl prints). */
export function gridView(g: { headers: string[]; rows: string[][] }): TableView {
  const columns = g.headers.map((h, i) => ({ key: String(i), header: h }));
  return new TableView({ columns, rows: g.rows.map((r) => Object.fromEntries(r.map((c, i) => [String(i), c]))) });
}

/**
 * `kubectl get KIND` of these objects as a notebook table: the API server's Table for the kind,
 * printed as kubectl prints it.
 *
 * @example
 * ```ts
 * kubectlTable("Pod", cluster.pods(), EPOCH_MS + cluster.now, { wide: true }).toString(); // "NAME   READY   STATUS …"
 * ```
 */
export function kubectlTable(kind: string, objects: Parameters<typeof serverTable>[1], now: number, opts: TablePrintOptions = {}): TableView {
  return gridView(tableGrid(serverTable(kind, objects, now), opts));
}
