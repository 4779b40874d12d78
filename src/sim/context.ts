/**
 * What every simulated component shares: the clock, the trace and the seeded randomness.
 *
 * @example
 * ```ts
 * const ctx = new SimContext(42);
 * ctx.record("kubectl", "kube-apiserver", "create", "deployment/default/web");
 * ctx.timestamp(); // "2025-01-01T00:00:00Z"
 * ```
 */
import { EventLoop } from "./loop";
import { Rng } from "./rng";
import { Trace } from "./trace";

/** Virtual time zero, so timestamps in objects are stable across runs. */
export const EPOCH_MS = Date.UTC(2025, 0, 1);

export class SimContext {
  readonly loop = new EventLoop();
  readonly trace = new Trace();
  readonly rng: Rng;

  constructor(readonly seed: number) {
    this.rng = new Rng(seed);
  }

  get now(): number {
    return this.loop.now;
  }

  /** Append a trace event at the current virtual time. */
  record(from: string, to: string, verb: string, object: string, detail = ""): void {
    this.trace.record(this.loop.now, from, to, verb, object, detail);
  }

  /** RFC 3339 time (seconds precision, like the API) of a virtual time. */
  timestamp(t = this.loop.now): string {
    const sec = Math.floor(t / 1000);
    if (sec !== this.lastSec) {
      this.lastSec = sec;
      this.lastStamp = new Date(EPOCH_MS + sec * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    }
    return this.lastStamp;
  }

  private lastSec = NaN;
  private lastStamp = "";
}

/** Milliseconds since the epoch of virtual time for an API timestamp. */
export function virtualTime(ts: string | undefined): number {
  return ts ? Date.parse(ts) - EPOCH_MS : 0;
}
