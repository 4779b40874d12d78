/**
 * Container logs as the kubelet keeps them on the node: what each pod's app wrote to stdout. The
 * simulated apps write one access-log line per request the data path delivered to them (nginx's
 * default `main` format — the combined format plus `$http_x_forwarded_for`), so `cluster.traffic()`
 * shows up in `kubectl logs`. Lines are stamped with the virtual clock, so the same seed gives the
 * same log.
 *
 * @example
 * ```ts
 * servedRequests(api, "default/web-1", "10.244.1.5", 2, Date.UTC(2025, 0, 1));
 * containerLog(api, "default/web-1"); // ['10.244.1.5 - - [01/Jan/2025:00:00:00 +0000] "GET / HTTP/1.1" 200 615 "-" "curl/8.5.0" "-"', …]
 * ```
 */
import type { ApiServer } from "../apiserver/apiserver";

/** Lines kept per pod: the kubelet rotates container logs, so a huge traffic run keeps the newest. */
export const LOG_LINES_KEPT = 10_000;

const logs = new WeakMap<ApiServer, Map<string, string[]>>();

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** nginx's `$time_local` on a UTC node: `01/Jan/2025:00:00:00 +0000`. */
export function nginxTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, "0");
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/**
 * Record `requests` requests from `srcIp` (as the pod saw it, after any SNAT) served by pod `key`
 * (`namespace/name`) at wall-clock `ms`. The body is nginx's 615-byte welcome page.
 */
export function servedRequests(api: ApiServer, key: string, srcIp: string, requests: number, ms: number): void {
  let byPod = logs.get(api);
  if (!byPod) logs.set(api, (byPod = new Map()));
  let lines = byPod.get(key);
  if (!lines) byPod.set(key, (lines = []));
  const line = `${srcIp} - - [${nginxTime(ms)}] "GET / HTTP/1.1" 200 615 "-" "curl/8.5.0" "-"`;
  for (let i = 0; i < Math.min(requests, LOG_LINES_KEPT); i++) lines.push(line);
  // Trim in batches: traffic() appends per connection, and a splice per line would be quadratic.
  if (lines.length > 2 * LOG_LINES_KEPT) lines.splice(0, lines.length - LOG_LINES_KEPT);
}

/** The pod's log lines, oldest first (empty for a pod that served nothing). */
export function containerLog(api: ApiServer, key: string): readonly string[] {
  return logs.get(api)?.get(key)?.slice(-LOG_LINES_KEPT) ?? [];
}
