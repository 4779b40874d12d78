/**
 * The client-side printer of `kubectl events` (k8s.io/kubectl pkg/cmd/events, EventPrinter): unlike
 * `kubectl get events` it asks for no server Table and prints its own columns — LAST SEEN, TYPE,
 * REASON, OBJECT (`Kind/name`, the kind as the API spells it) and MESSAGE, with NAMESPACE first
 * for `-A` — through the same tabwriter as every other table.
 *
 * @example
 * ```ts
 * const w = new TabWriter();
 * printEvents(sortEvents(events), { allNamespaces: false, noHeaders: false }, now, w, true);
 * w.flush(); // "LAST SEEN   TYPE     REASON      OBJECT       MESSAGE\n5s          Normal   Scheduled   Pod/web-…   Successfully assigned …\n"
 * ```
 */
import type { CoreEvent } from "../../apiserver/events";
import { age } from "../../render/duration";
import { goSort } from "../gosort";
import type { TabWriter } from "./table";

/** What `kubectl events` passes its printer. */
export interface EventPrintOptions {
  allNamespaces: boolean;
  noHeaders: boolean;
}

/** The header row (printed once, before the first event). */
export function eventHeaders(opts: EventPrintOptions): string[] {
  return [...(opts.allNamespaces ? ["NAMESPACE"] : []), "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"];
}

/**
 * kubectl's `getInterval`: the age of the first report, or for a repeated one
 * `<last> (x<count> over <first>)`. (kubelab records no `eventTime` or `series`, so the first
 * report is `firstTimestamp`, as for events from client-go's legacy recorder.)
 */
export function eventInterval(e: CoreEvent, now: number): string {
  const first = age(e.firstTimestamp, now);
  return e.count > 1 ? `${age(e.lastTimestamp, now)} (x${e.count} over ${first})` : first;
}

/** One event's cells. */
export function eventRow(e: CoreEvent, now: number, opts: EventPrintOptions): string[] {
  return [...(opts.allNamespaces ? [e.metadata.namespace] : []), eventInterval(e, now), e.type, e.reason, `${e.involvedObject.kind}/${e.involvedObject.name}`, e.message.trim()];
}

/**
 * Events in the order `kubectl events` prints them: Go's (unstable) `sort.Sort` by last-seen time
 * at second precision, over the API's list order — so ties land exactly where kubectl puts them.
 */
export function sortEvents(events: readonly CoreEvent[]): CoreEvent[] {
  return goSort([...events], (a, b) => Date.parse(a.lastTimestamp) < Date.parse(b.lastTimestamp));
}

/** Write events as rows, the header first when `withHeader` (kubectl prints it before the first event, unless `--no-headers`). */
export function printEvents(events: readonly CoreEvent[], opts: EventPrintOptions, now: number, w: TabWriter, withHeader: boolean): void {
  if (withHeader && !opts.noHeaders) w.row(eventHeaders(opts));
  for (const e of events) w.row(eventRow(e, now, opts));
}
