/**
 * kubectl's AGE column: apimachinery's `duration.HumanDuration` over the virtual clock.
 *
 * Precision shrinks as durations grow (`45s`, `3m2s`, `15m`, `5h`, `2d3h`, `30d`, `2y`), so a
 * column of ages stays narrow; the thresholds follow k8s.io/apimachinery/pkg/util/duration.
 */

/**
 * Format a duration in milliseconds the way kubectl prints ages.
 *
 * @example
 * ```ts
 * humanDuration(182_000); // "3m2s"
 * humanDuration(5 * 3600_000); // "5h"
 * ```
 */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms)) return "<invalid>";
  // Go truncates toward zero (int(d.Seconds())); a skew of up to a second still reads as "0s".
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    const y = Math.floor(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

/**
 * kubectl's `translateTimestampSince`: the age of an object created at `timestamp` (ISO 8601)
 * when the virtual clock reads `now` (ms since the Unix epoch, the same clock the timestamps use).
 * A missing or unparsable timestamp prints `<unknown>`, as kubectl does for a zero time.
 *
 * @example
 * ```ts
 * age("2024-01-01T00:00:00Z", Date.parse("2024-01-01T00:00:45Z")); // "45s"
 * ```
 */
export function age(timestamp: string | undefined, now: number): string {
  if (!timestamp) return "<unknown>";
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return "<unknown>";
  return humanDuration(now - t);
}
