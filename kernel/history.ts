/**
 * Input (and output) history of one kernel process, answering `history_request`.
 *
 * Decision: history lives in memory for the life of the kernel process (session 1); a restart starts
 * afresh. Persisting across kernels would need a shared database and locking (IPython uses SQLite);
 * the notebook itself already keeps every cell.
 */

/** One executed cell. */
export interface HistoryEntry {
  line: number;
  input: string;
  output?: string;
}

/** A `history_request`'s content (https://jupyter-client.readthedocs.io/en/latest/messaging.html#history). */
export interface HistoryRequest {
  output?: boolean;
  raw?: boolean;
  hist_access_type?: string;
  session?: number;
  start?: number;
  stop?: number;
  n?: number;
  pattern?: string;
  unique?: boolean;
}

/** The session number this kernel reports for its history. */
export const SESSION = 1;

/**
 * In-memory history.
 *
 * @example
 * ```ts
 * const h = new History();
 * h.add(1, "x = 1");
 * h.query({ hist_access_type: "tail", n: 10 }); // → [[1, 1, "x = 1"]]
 * ```
 */
export class History {
  private readonly entries: HistoryEntry[] = [];

  /**
   * Records the input of execution `line`.
   *
   * @example
   * ```ts
   * h.add(3, "cluster.settle()");
   * ```
   */
  add(line: number, input: string): void {
    this.entries.push({ line, input });
  }

  /**
   * Records the text output of execution `line` (shown when a request asks `output: true`).
   *
   * @example
   * ```ts
   * h.setOutput(3, "42");
   * ```
   */
  setOutput(line: number, output: string): void {
    const e = this.entries.find((x) => x.line === line);
    if (e) e.output = output;
  }

  /**
   * Answers a request as `[session, line, input]` (or `[session, line, [input, output]]` with `output`).
   *
   * @example
   * ```ts
   * h.query({ hist_access_type: "search", pattern: "clu*", n: 5 });
   * ```
   */
  query(req: HistoryRequest): [number, number, string | [string, string | null]][] {
    let picked: HistoryEntry[];
    switch (req.hist_access_type) {
      case "range": {
        const session = req.session ?? 0;
        if (session !== 0 && session !== SESSION) return [];
        const start = req.start ?? 0;
        const stop = req.stop ?? Number.POSITIVE_INFINITY;
        picked = this.entries.filter((e) => e.line >= start && e.line < stop);
        break;
      }
      case "search": {
        const re = globToRegExp(req.pattern ?? "*");
        picked = this.entries.filter((e) => re.test(e.input));
        if (req.unique) {
          const seen = new Set<string>();
          picked = picked.reverse().filter((e) => !seen.has(e.input) && seen.add(e.input)).reverse();
        }
        if (req.n !== undefined && req.n !== null) picked = picked.slice(-req.n);
        break;
      }
      case "tail":
      default:
        picked = req.n !== undefined && req.n !== null ? this.entries.slice(-req.n) : this.entries.slice();
    }
    return picked.map((e) => (req.output ? [SESSION, e.line, [e.input, e.output ?? null]] : [SESSION, e.line, e.input]));
  }
}

/** IPython's glob syntax for history search: `*` any run, `?` one character; matched anywhere-anchored like fnmatch. */
function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*").replace(/\?/g, "[\\s\\S]");
  return new RegExp(`^${body}$`);
}
