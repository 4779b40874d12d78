/**
 * `kubectl get`: server-side Tables printed as kubectl prints them, `-o wide|yaml|json|name|jsonpath`,
 * `-l`, `-A`, `--show-labels`, several kinds (`pods,svc`, `all`), and `-w` over virtual time.
 */
import type { Kind } from "../../api/types";
import type { Stored } from "../../apiserver/apiserver";
import { serverTable } from "../printers/columns";
import { jsonpath, listOf, toJSON, toYAML } from "../printers/output";
import { TabWriter, gridView, printTable, tableGrid } from "../printers/table";
import { type ResourceInfo, kindName, resourceFor, resources } from "../rest";
import { StatusError, kubectlErrorText } from "../status";
import { type CommandContext, CommandError, boolFlag, flag } from "./context";
import { watchUntilIdle } from "./wait";

/** Parse `pods`, `pods,svc`, `all`, `pod/web`, `svc/a svc/b` into (resource, names) groups. */
export function resolveArgs(args: readonly string[]): { resource: ResourceInfo; names: string[] }[] {
  if (args.length === 0) throw new CommandError("You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.");
  const groups: { resource: ResourceInfo; names: string[] }[] = [];
  const lookup = (name: string): ResourceInfo => {
    const r = resourceFor(name);
    if (!r) throw new CommandError(`the server doesn't have a resource type "${name}"`);
    return r;
  };
  if (args.some((a) => a.includes("/"))) {
    for (const a of args) {
      const [type, name] = a.split("/", 2) as [string, string | undefined];
      if (!name) throw new CommandError(`there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'`);
      const r = lookup(type);
      const g = groups.find((x) => x.resource === r);
      if (g) g.names.push(name);
      else groups.push({ resource: r, names: [name] });
    }
    return groups;
  }
  const [types, ...names] = args as [string, ...string[]];
  for (const t of types.split(",")) {
    if (t === "all") for (const r of resources.filter((x) => x.categories.includes("all"))) groups.push({ resource: r, names });
    else groups.push({ resource: lookup(t), names });
  }
  return groups;
}

/** `kubectl get …` */
export function get(ctx: CommandContext): number {
  // Events live beside the API objects (their own store, see apiserver/events.ts).
  if (ctx.args.length === 1 && ["events", "event", "ev", "events.events.k8s.io"].includes(ctx.args[0]!)) return getEvents(ctx);
  const groups = resolveArgs(ctx.args);
  const output = flag(ctx, "output") ?? "";
  const all = boolFlag(ctx, "all-namespaces");
  const ns = all ? undefined : ctx.namespace;
  const listOpts = { ...(flag(ctx, "selector") ? { labelSelector: flag(ctx, "selector")! } : {}), ...(flag(ctx, "field-selector") ? { fieldSelector: flag(ctx, "field-selector")! } : {}) };
  const withKind = groups.length > 1 || ctx.args[0] === "all" || ctx.args.some((a) => a.includes("/"));
  const fetched: { resource: ResourceInfo; objects: Stored<Kind>[] }[] = [];
  let exit = 0;
  for (const g of groups) {
    const objects: Stored<Kind>[] = [];
    if (g.names.length) {
      for (const n of g.names) {
        try {
          objects.push(ctx.rest.get(g.resource, ns ?? ctx.namespace, n));
        } catch (e) {
          if (!(e instanceof StatusError)) throw e;
          ctx.err.push(kubectlErrorText(e.status));
          exit = 1;
        }
      }
    } else objects.push(...ctx.rest.list(g.resource, ns, listOpts).items);
    fetched.push({ resource: g.resource, objects });
  }
  const everything = fetched.flatMap((f) => f.objects);
  const named = groups.every((g) => g.names.length > 0);

  if (output === "yaml" || output === "json") {
    const single = named && everything.length === 1 && groups.length === 1 && groups[0]!.names.length === 1;
    const value = single ? everything[0] : listOf(everything, ctx.host.clientMinor ?? 32);
    if (everything.length || named) ctx.out.push((output === "yaml" ? toYAML(value) : toJSON(value)).replace(/\n$/, ""));
    else noResources(ctx, ns, groups);
    return exit;
  }
  if (output === "name") {
    for (const f of fetched) for (const o of f.objects) ctx.out.push(`${kindName(f.resource)}/${o.metadata.name}`);
    if (!everything.length && !named) noResources(ctx, ns, groups);
    return exit;
  }
  if (output.startsWith("jsonpath=") || output.startsWith("jsonpath-as-json=")) {
    const template = output.slice(output.indexOf("=") + 1).replace(/^'(.*)'$/s, "$1");
    const single = named && everything.length === 1;
    // stdout is kept without its final newline, as for every other output (a template's own `{"\n"}` included).
    ctx.out.push(jsonpath(template, single ? everything[0] : listOf(everything)).replace(/\n$/, ""));
    return exit;
  }
  if (output !== "" && output !== "wide") throw new CommandError(`unable to match a printer suitable for the output format "${output}", allowed formats are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml`);

  const opts = { wide: output === "wide", withNamespace: all, showLabels: boolFlag(ctx, "show-labels"), noHeaders: boolFlag(ctx, "no-headers") };
  const w = new TabWriter();
  let printedSince = false;
  const htmlTables: { headers: string[]; rows: string[][] }[] = [];
  fetched.forEach((f, i) => {
    if (!f.objects.length) return;
    if (i > 0 && printedSince && !opts.noHeaders) {
      w.line("");
      w.reset();
    }
    const table = serverTable(f.resource.kind, f.objects, ctx.rest.now());
    const po = { ...opts, ...(withKind ? { withKind: kindName(f.resource) } : {}) };
    printTable(table, po, w);
    htmlTables.push(tableGrid(table, po));
    printedSince = true;
  });
  const text = w.flush().replace(/\n$/, "");
  if (text) ctx.out.push(text);
  if (!everything.length && !named && !boolFlag(ctx, "watch")) noResources(ctx, ns, groups);
  if (htmlTables.length === 1) ctx.table = gridView(htmlTables[0]!);

  if (boolFlag(ctx, "watch") || boolFlag(ctx, "watch-only")) watch(ctx, fetched.map((f) => f.resource), ns, listOpts, opts, w, everything.length > 0);
  return exit;
}

function noResources(ctx: CommandContext, ns: string | undefined, groups: { resource: ResourceInfo }[]): void {
  const namespaced = groups.some((g) => g.resource.namespaced);
  ctx.err.push(ns !== undefined && namespaced ? `No resources found in ${ns} namespace.` : "No resources found");
}

/**
 * `get -w` in a cell: virtual time runs until the cluster is idle (or `--request-timeout`, see wait.ts), and
 * every change prints a row, with the widths of the table above it.
 */
function watch(
  ctx: CommandContext,
  types: ResourceInfo[],
  ns: string | undefined,
  listOpts: { labelSelector?: string; fieldSelector?: string },
  opts: { wide: boolean; withNamespace: boolean; showLabels: boolean; noHeaders: boolean },
  w: TabWriter,
  printedHeader: boolean,
): void {
  if (types.length !== 1) throw new CommandError("you may only specify a single resource type");
  const r = types[0]!;
  let headerDone = printedHeader;
  const lines: string[] = [];
  const stop = ctx.rest.watch(r, ns, { ...listOpts, resourceVersion: ctx.rest.resourceVersion }, (e) => {
    const table = serverTable(r.kind, [e.object], ctx.rest.now());
    printTable(table, { ...opts, noHeaders: opts.noHeaders || headerDone }, w);
    headerDone = true;
    lines.push(w.flush().replace(/\n$/, ""));
  });
  watchUntilIdle(ctx, stop);
  if (lines.length) ctx.out.push(lines.join("\n"));
}

/** `kubectl get events [-A] [-o wide|yaml|json] [--field-selector …]`, in the order the API lists them (by name). */
function getEvents(ctx: CommandContext): number {
  const all = boolFlag(ctx, "all-namespaces");
  const ns = all ? undefined : ctx.namespace;
  const fieldSelector = flag(ctx, "field-selector");
  const { items, resourceVersion } = ctx.rest.events(ns, fieldSelector);
  const output = flag(ctx, "output") ?? "";
  const watchOnly = boolFlag(ctx, "watch-only");
  const watching = boolFlag(ctx, "watch") || watchOnly;
  if (!items.length && !watching) {
    ctx.err.push(all ? "No resources found" : `No resources found in ${ctx.namespace} namespace.`);
    return 0;
  }
  if (output === "yaml" || output === "json") {
    const value = listOf(items, ctx.host.clientMinor ?? 32);
    ctx.out.push((output === "yaml" ? toYAML(value) : toJSON(value)).replace(/\n$/, ""));
    return 0;
  }
  if (output !== "" && output !== "wide") throw new CommandError(`unable to match a printer suitable for the output format "${output}" for events in kubelab; use wide, yaml or json`);
  const opts = { wide: output === "wide", withNamespace: all, showLabels: false, noHeaders: boolFlag(ctx, "no-headers") };
  const w = new TabWriter();
  const chunks: string[] = [];
  if (items.length && !watchOnly) {
    const table = serverTable("Event", items, ctx.rest.now());
    printTable(table, opts, w);
    chunks.push(w.flush());
    ctx.table = gridView(tableGrid(table, opts));
  }
  if (watching) {
    // As get -w: from the list's resourceVersion, a row per event recorded or counted again.
    let headerDone = chunks.length > 0;
    const stop = ctx.rest.watchEvents(ns, { ...(fieldSelector ? { fieldSelector } : {}), resourceVersion }, (_type, e) => {
      printTable(serverTable("Event", [e], ctx.rest.now()), { ...opts, noHeaders: opts.noHeaders || headerDone }, w);
      headerDone = true;
      chunks.push(w.flush());
    });
    watchUntilIdle(ctx, stop);
  }
  const text = chunks.join("").replace(/\n$/, "");
  if (text) ctx.out.push(text);
  return 0;
}
