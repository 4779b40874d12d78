/**
 * Client-side rate limiting (client-go's `flowcontrol.NewTokenBucketRateLimiter`) in virtual time.
 *
 * Every Kubernetes client throttles its own requests with a token bucket: `burst` requests may go
 * out at once, then `qps` per second. It is why a Deployment scaled to 1,000 replicas fills up at
 * about 20 pods a second and not at once: the ReplicaSet controller's client allows 20 QPS with a
 * burst of 30 (`kube-controller-manager --kube-api-qps/--kube-api-burst`), and each controller of
 * kube-controller-manager gets its own client, hence its own bucket. klog then reports
 * "Waited for 1.2s due to client-side throttling, not priority and fairness".
 *
 * The simulation runs a controller's sync in one step, so a sync that makes more requests than it
 * has tokens takes them on credit; the controller's work queue then waits until the bucket holds a
 * token again before it processes the next key (see `WorkQueue`). Keys added meanwhile are
 * deduplicated, as in client-go, so a throttled controller does fewer, larger syncs.
 *
 * @example
 * ```ts
 * const bucket = new TokenBucket(20, 30);
 * for (let i = 0; i < 40; i++) bucket.take(0); // 30 from the burst, 10 on credit
 * bucket.readyAt(0); // 550: (10 owed + 1 needed) / 20 per second
 * ```
 */
import type { SimContext } from "../sim/context";

/** QPS and burst of a client (`rest.Config.QPS` / `rest.Config.Burst`). */
export interface ClientRateLimit {
  qps: number;
  burst: number;
}

/** kube-controller-manager's defaults, given to each controller's own client (`--kube-api-qps 20 --kube-api-burst 30`). */
export const CONTROLLER_MANAGER_LIMIT: ClientRateLimit = { qps: 20, burst: 30 };
/** kube-scheduler's defaults (`clientConnection.qps: 50`, `burst: 100`). */
export const SCHEDULER_LIMIT: ClientRateLimit = { qps: 50, burst: 100 };

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly qps: number,
    readonly burst: number,
    now = 0,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.qps) / 1000);
      this.last = now;
    }
  }

  /** Spend one token for a request sent at `now` (on credit if the bucket is empty). */
  take(now: number): void {
    this.refill(now);
    this.tokens -= 1;
  }

  /** Whole tokens in the bucket at `now`: requests that may go out without waiting. */
  available(now: number): number {
    this.refill(now);
    return Math.max(0, Math.floor(this.tokens));
  }

  /** The earliest virtual time (ms, ≥ now) at which the next request may go out. */
  readyAt(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? now : now + Math.ceil(((1 - this.tokens) * 1000) / this.qps);
  }
}

/** client-go logs a throttled request only when it waited longer than this (longThrottleLatency). */
export const LONG_THROTTLE_LATENCY_MS = 50;

/**
 * Traces a client's wait the way client-go logs it: only past {@link LONG_THROTTLE_LATENCY_MS}.
 *
 * @example
 * ```ts
 * traceThrottled(ctx, "replicaset-controller", 550); // replicaset-controller throttled "Waited for 0.55s …"
 * ```
 */
export function traceThrottled(ctx: SimContext, client: string, waitMs: number): void {
  if (waitMs > LONG_THROTTLE_LATENCY_MS) ctx.record(client, client, "throttled", "", throttledMessage(waitMs));
}

/**
 * The throttling message klog prints, e.g. "Waited for 1.05s due to client-side throttling, not
 * priority and fairness".
 *
 * @example
 * ```ts
 * throttledMessage(1050); // "Waited for 1.05s due to client-side throttling, not priority and fairness"
 * ```
 */
export function throttledMessage(waitMs: number): string {
  return `Waited for ${Number((waitMs / 1000).toFixed(3))}s due to client-side throttling, not priority and fairness`;
}
