/**
 * The virtual clock and event loop every component runs on.
 *
 * Work is a queue of tasks ordered by (time, sequence). Nothing runs in real time: `settle()` runs
 * tasks until none is left, `advance(ms)` runs those due within the next `ms` milliseconds. Ties
 * run in the order they were scheduled, which makes the whole simulation deterministic.
 *
 * @example
 * ```ts
 * const loop = new EventLoop();
 * loop.after(1000, "kubelet: pull image", () => console.log(loop.now)); // 1000
 * loop.settle();
 * ```
 */
import { interruptible } from "./interrupt";

interface Task {
  t: number;
  seq: number;
  label: string;
  run: () => void;
}

/** Thrown by `settle()` when work never runs out (e.g. two controllers fighting). */
export class LivelockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LivelockError";
  }
}

export class EventLoop {
  /** Virtual milliseconds since the cluster started. */
  now = 0;
  private heap: Task[] = [];
  private seq = 0;
  /** Tasks run so far (for benchmarks and livelock reports). */
  executed = 0;

  /** Schedule `run` after `delayMs` of virtual time. */
  after(delayMs: number, label: string, run: () => void): void {
    this.push({ t: this.now + Math.max(0, delayMs), seq: this.seq++, label, run });
  }

  /** Schedule `run` now, after everything already due now. */
  soon(label: string, run: () => void): void {
    this.after(0, label, run);
  }

  get pending(): number {
    return this.heap.length;
  }

  /** Virtual time of the next task, or undefined if idle. */
  peekTime(): number | undefined {
    return this.heap[0]?.t;
  }

  /**
   * Run until no task is left. Bounded: more than `maxTasks` tasks, or work still pending after
   * `maxVirtualMs`, is a livelock and throws with the labels of what is still pending.
   */
  settle(maxTasks = 50_000_000, maxVirtualMs = 24 * 3600_000): void {
    const start = this.now;
    let ran = 0;
    // An interrupt (a notebook's stop button) ends the loop between two tasks: settle() again resumes it.
    interruptible((poll) => {
      while (this.heap.length > 0) {
        poll();
        const next = this.heap[0]!;
        if (ran >= maxTasks || next.t - start > maxVirtualMs) {
          throw new LivelockError(
            `settle: still busy after ${ran} tasks and ${((next.t - start) / 1000).toFixed(1)} virtual seconds; ` +
              `pending: ${this.describePending()}`,
          );
        }
        this.step();
        ran++;
      }
    });
  }

  /**
   * Run every task due within `ms` from now, then move the clock to now + ms. An interrupt ends it between
   * two tasks, with the clock at the last task run.
   */
  advance(ms: number): void {
    const until = this.now + ms;
    interruptible((poll) => {
      while (this.heap.length > 0 && this.heap[0]!.t <= until) {
        poll();
        this.step();
      }
    });
    this.now = until;
  }

  private step(): void {
    const task = this.pop();
    this.now = task.t;
    this.executed++;
    task.run();
  }

  private describePending(): string {
    const counts = new Map<string, number>();
    for (const t of this.heap) counts.set(t.label, (counts.get(t.label) ?? 0) + 1);
    return [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([l, n]) => `${l} ×${n}`)
      .join(", ");
  }

  // A binary min-heap on (t, seq): the queue holds millions of tasks in large benchmarks.
  private push(task: Task): void {
    const h = this.heap;
    h.push(task);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): Task {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Task, b: Task): boolean {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}
