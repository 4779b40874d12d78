/**
 * How in-cell kubectl waits: virtual time runs instead of wall time, so `get -w`, `events -w`
 * and `rollout status` end when the cluster has nothing left to do (or at their time limit).
 *
 * @example
 * ```ts
 * watchUntilIdle(ctx, ctx.rest.watch(r, ns, opts, print)); // the watch stops when time does
 * ```
 */
import { type CommandContext, CommandError, flag } from "./context";

/** How long an in-cell watch runs when the cluster never goes idle (`--request-timeout` overrides). */
const WATCH_LIMIT_MS = 10 * 60_000;

/** Advance virtual time until the cluster is idle, or for `--request-timeout` when given; then (or on an error) `stop` the watch. */
export function watchUntilIdle(ctx: CommandContext, stop: () => void): void {
  try {
    advanceUntilIdle(ctx);
  } finally {
    stop();
  }
}

function advanceUntilIdle(ctx: CommandContext): void {
  const timeout = parseDuration(flag(ctx, "request-timeout") ?? "0");
  const end = ctx.rest.ctx.now + (timeout || WATCH_LIMIT_MS);
  for (;;) {
    const next = ctx.host.nextTaskTime();
    if (next === undefined || next > end) {
      if (timeout) ctx.host.advance(Math.max(0, end - ctx.rest.ctx.now));
      return;
    }
    ctx.host.advance(Math.max(0, next - ctx.rest.ctx.now));
  }
}

/** `30s`, `2m`, `1h`, or plain seconds → milliseconds (0 = no limit). */
export function parseDuration(s: string): number {
  const m = s.match(/^(\d+(?:\.\d+)?)(ms|s|m|h)?$/);
  if (!m) throw new CommandError(`invalid duration "${s}"`);
  const n = Number(m[1]);
  const unit = m[2] ?? "s";
  return n * (unit === "ms" ? 1 : unit === "s" ? 1000 : unit === "m" ? 60_000 : 3_600_000);
}
