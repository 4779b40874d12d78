/**
 * The timers each cell scheduled, so an interrupt can cancel them. Without this, a cell interrupted
 * while it awaited `setTimeout` (or left a `setInterval` running) went on printing into later cells:
 * its callbacks run whenever they fire, and output goes to whichever cell runs then.
 *
 * A cell runs inside an AsyncLocalStorage scope carrying its number, so a timer scheduled from the
 * cell — directly, after an `await`, or from another of its timers — is recorded under that cell.
 * The kernel's own timers run outside any scope and are never touched. `timers/promises` and
 * `util.promisify(setTimeout)` bypass the patched globals and are not tracked.
 */
import { AsyncLocalStorage } from "node:async_hooks";

type Handle = { kind: "timeout"; h: NodeJS.Timeout } | { kind: "immediate"; h: NodeJS.Immediate };
type Callback = (...args: unknown[]) => void;

/**
 * @example
 * ```ts
 * const timers = new CellTimers();
 * timers.install();
 * timers.run(3, () => setInterval(() => console.log("tick"), 1000));
 * timers.cancel(3);   // the interval stops: 1 timer cleared
 * ```
 */
export class CellTimers {
  private readonly scope = new AsyncLocalStorage<number>();
  private readonly byCell = new Map<number, Set<Handle>>();
  private installed = false;

  /** Runs `fn` (a cell) so that the timers it schedules, now or later, count as cell `cell`'s. */
  run<T>(cell: number, fn: () => T): T {
    return this.scope.run(cell, fn);
  }

  /** Clears the timers cell `cell` scheduled that have not fired (every cell's without `cell`); returns how many. */
  cancel(cell?: number): number {
    let n = 0;
    for (const [c, handles] of this.byCell) {
      if (cell !== undefined && c !== cell) continue;
      for (const t of handles) {
        if (t.kind === "timeout") clearTimeout(t.h);
        else clearImmediate(t.h);
        n++;
      }
      this.byCell.delete(c);
    }
    return n;
  }

  /** Replaces the global setTimeout, setInterval and setImmediate with tracking ones (once). */
  install(): void {
    if (this.installed) return;
    this.installed = true;
    const g = globalThis as unknown as Record<string, unknown>;
    const track = (handle: Handle): (() => void) => {
      const cell = this.scope.getStore();
      if (cell === undefined) return () => {};
      let set = this.byCell.get(cell);
      if (!set) this.byCell.set(cell, (set = new Set()));
      set.add(handle);
      const owner = set;
      return () => {
        owner.delete(handle);
        if (owner.size === 0 && this.byCell.get(cell) === owner) this.byCell.delete(cell);
      };
    };
    const wrap = <F extends Callback>(name: string, kind: Handle["kind"], once: boolean): void => {
      const original = g[name] as (cb: Callback, ...rest: unknown[]) => NodeJS.Timeout | NodeJS.Immediate;
      const patched = (cb: unknown, ...rest: unknown[]): unknown => {
        if (typeof cb !== "function" || this.scope.getStore() === undefined) return original(cb as F, ...rest);
        let untrack = (): void => {};
        const h = original((...args: unknown[]) => {
          if (once) untrack();
          (cb as Callback)(...args);
        }, ...rest);
        untrack = track(kind === "timeout" ? { kind, h: h as NodeJS.Timeout } : { kind, h: h as NodeJS.Immediate });
        return h;
      };
      // Keep Node's extras (setTimeout's util.promisify.custom, __promisify__) on the replacement.
      for (const key of Reflect.ownKeys(original)) {
        if (key === "length" || key === "name" || key === "prototype") continue;
        const d = Object.getOwnPropertyDescriptor(original, key);
        if (d) Object.defineProperty(patched, key, d);
      }
      g[name] = patched;
    };
    wrap("setTimeout", "timeout", true);
    wrap("setInterval", "timeout", false);
    wrap("setImmediate", "immediate", true);
  }
}
