/**
 * `kubectl events [-n NS] [-A] [--for TYPE/NAME] [--types Warning,Normal] [-w] [-o yaml|json|name]`
 * (kubectl ≥ 1.26), as k8s.io/kubectl pkg/cmd/events runs it: list core/v1 events (by
 * `involvedObject` field selector for `--for`), keep the asked-for types, sort by last seen, print
 * with its own printer; with `-w`, watch instead (current events first, in list order, unsorted).
 *
 * @example
 * ```ts
 * cluster.kubectl("events --for deployment/web --types=Normal");
 * ```
 */
import type { CoreEvent } from "../../apiserver/events";
import { type EventPrintOptions, printEvents, sortEvents } from "../printers/events";
import { toJSON, toYAML } from "../printers/output";
import { TabWriter } from "../printers/table";
import { resourceFor } from "../rest";
import { type CommandContext, CommandError, boolFlag, flag } from "./context";
import { watchUntilIdle } from "./wait";

const OUTPUTS = "go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml";

/** `kubectl events …` */
export function events(ctx: CommandContext): number {
  // Positional arguments are accepted and ignored, as kubectl's events command declares none.
  const all = boolFlag(ctx, "all-namespaces");
  const fieldSelector = forSelector(flag(ctx, "for"));
  const types = (flag(ctx, "types") ?? "").split(",").filter(Boolean);
  if (types.some((t) => !/^(normal|warning)$/i.test(t))) throw new CommandError("valid --types are Normal or Warning");
  const wanted = (e: CoreEvent): boolean => !types.length || types.some((t) => t.toLowerCase() === e.type.toLowerCase());
  const output = flag(ctx, "output") ?? "";
  if (output && !["yaml", "json", "name"].includes(output)) throw new CommandError(`unable to match a printer suitable for the output format "${output}", allowed formats are: ${OUTPUTS}`);
  const ns = all ? undefined : ctx.namespace;
  const opts: EventPrintOptions = { allNamespaces: all, noHeaders: boolFlag(ctx, "no-headers") };

  if (boolFlag(ctx, "watch")) {
    const w = new TabWriter();
    let first = true;
    const chunks: string[] = [];
    const stop = ctx.rest.watchEvents(ns, fieldSelector ? { fieldSelector } : {}, (_type, e) => {
      if (!wanted(e)) return;
      if (output) chunks.push(printed([e], output, false, !first));
      else {
        printEvents([e], opts, ctx.rest.now(), w, first);
        chunks.push(w.flush());
      }
      first = false;
    });
    watchUntilIdle(ctx, stop);
    const text = chunks.join("").replace(/\n$/, "");
    if (text) ctx.out.push(text);
    return 0;
  }

  const items = ctx.rest.events(ns, fieldSelector).items.filter(wanted);
  if (!items.length) {
    ctx.err.push(all ? "No events found." : `No events found in ${ctx.namespace} namespace.`);
    return 0;
  }
  const sorted = sortEvents(items);
  if (output) ctx.out.push(printed(sorted, output, true).replace(/\n$/, ""));
  else {
    const w = new TabWriter();
    printEvents(sorted, opts, ctx.rest.now(), w, true);
    ctx.out.push(w.flush().replace(/\n$/, ""));
  }
  return 0;
}

/** `--for kind/name` → the field selector kubectl sends (kind, apiVersion, name of the involved object). */
function forSelector(forObject: string | undefined): string | undefined {
  if (!forObject) return undefined;
  if (!forObject.includes("/")) throw new CommandError("--for must be in resource/name form");
  const seg = forObject.split("/");
  if (seg.length !== 2) throw new CommandError("arguments in resource/name form may not have more than one slash");
  const r = resourceFor(seg[0]!);
  if (!r) throw new CommandError(`the server doesn't have a resource type "${seg[0]}"`, false);
  return `involvedObject.kind=${r.kind},involvedObject.apiVersion=${r.apiVersion},involvedObject.name=${seg[1]}`;
}

/**
 * `-o yaml|json|name` of the sorted list (`asList`) or of one watched event. A list prints as
 * kubectl's typed EventList (no list metadata); JSON keeps Go's field order (kind before
 * apiVersion); kubectl's YAML printer puts `---` before every object after its first. `-o name`
 * prints each watched event but nothing for the list: kubectl 1.32's name printer does not print
 * the EventList it builds (both checked against the real kubectl).
 */
function printed(items: readonly CoreEvent[], output: string, asList: boolean, printedBefore = false): string {
  if (output === "name") return asList ? "" : items.map((e) => `event/${e.metadata.name}\n`).join("");
  const typed = items.map(({ kind, apiVersion, ...rest }) => ({ kind, apiVersion, ...rest }));
  const value = asList ? { kind: "EventList", apiVersion: "v1", metadata: {}, items: typed } : typed[0];
  return output === "yaml" ? (printedBefore ? "---\n" : "") + toYAML(value) : toJSON(value);
}
