/**
 * The verbs that change one field of existing objects: `scale`, `label`, `annotate`,
 * `set image` and `delete` — each the same request kubectl sends (a patch of the scale
 * subresource, a merge or strategic-merge patch, a DELETE followed by waiting for it to finish).
 */
import { type ResourceInfo, kindName, resourceFor } from "../rest";
import { StatusError, kubectlErrorText } from "../status";
import { type CommandContext, CommandError, boolFlag, flag } from "./context";

/** `TYPE NAME…` or `TYPE/NAME…` → (resource, name) pairs. */
export function objectArgs(args: readonly string[], opts: { allowTypeOnly?: boolean } = {}): { resource: ResourceInfo; names: string[]; rest: string[] } {
  if (!args.length) throw new CommandError("You must provide one or more resources by argument or filename.");
  const lookup = (t: string): ResourceInfo => {
    const r = resourceFor(t);
    if (!r) throw new CommandError(`the server doesn't have a resource type "${t}"`);
    return r;
  };
  if (args[0]!.includes("/")) {
    const [t, n] = args[0]!.split("/", 2) as [string, string];
    const names = [n];
    let i = 1;
    while (i < args.length && args[i]!.startsWith(`${t}/`)) names.push(args[i++]!.split("/", 2)[1]!);
    return { resource: lookup(t), names, rest: args.slice(i) };
  }
  const r = lookup(args[0]!);
  const rest = args.slice(1);
  const names: string[] = [];
  while (rest.length && !rest[0]!.includes("=") && !rest[0]!.endsWith("-")) names.push(rest.shift()!);
  if (!names.length && !opts.allowTypeOnly) throw new CommandError(`resource(s) were provided, but no name was specified`);
  return { resource: r, names, rest };
}

/** `kubectl scale deployment/web --replicas=5` */
export function scale(ctx: CommandContext): number {
  const replicas = flag(ctx, "replicas");
  if (replicas === undefined) throw new CommandError(`required flag(s) "replicas" not set`);
  const n = Number(replicas);
  if (!Number.isInteger(n) || n < 0) throw new CommandError("The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0");
  const { resource, names } = objectArgs(ctx.args);
  for (const name of names) {
    ctx.rest.updateScale(resource, ctx.namespace, name, { type: "merge", body: { spec: { replicas: n } } });
    ctx.out.push(`${kindName(resource)}/${name} scaled`);
  }
  return 0;
}

/** `kubectl label|annotate TYPE NAME k=v k2-` */
export function labelOrAnnotate(ctx: CommandContext, field: "labels" | "annotations"): number {
  const { resource, names, rest } = objectArgs(ctx.args);
  const set: Record<string, string> = {};
  const remove: string[] = [];
  for (const a of rest) {
    if (a.endsWith("-") && !a.includes("=")) remove.push(a.slice(0, -1));
    else if (a.includes("=")) set[a.slice(0, a.indexOf("="))] = a.slice(a.indexOf("=") + 1);
    else throw new CommandError(`invalid ${field === "labels" ? "label" : "annotation"} spec: ${a}`);
  }
  if (!Object.keys(set).length && !remove.length) throw new CommandError(`at least one ${field === "labels" ? "label" : "annotation"} update is required`);
  const verb = field === "labels" ? "labeled" : "annotated";
  const overwrite = boolFlag(ctx, "overwrite");
  // Check every object first: kubectl fails on the first conflict without changing it.
  for (const name of names) {
    const o = ctx.rest.get(resource, ctx.namespace, name);
    const cur = (o.metadata[field] ?? {}) as Readonly<Record<string, string>>;
    if (!overwrite) overwriteCheck(field, cur, set, ctx.host.clientMinor ?? 32);
  }
  for (const name of names) {
    const o = ctx.rest.get(resource, ctx.namespace, name);
    const cur = (o.metadata[field] ?? {}) as Readonly<Record<string, string>>;
    const patch: Record<string, string | null> = { ...set };
    for (const k of remove) patch[k] = null;
    const changed = Object.entries(set).some(([k, v]) => cur[k] !== v) || remove.some((k) => cur[k] !== undefined);
    // label reports "not labeled"; annotate always says "annotated" (its printer has no such case).
    if (!changed && field === "labels") {
      ctx.out.push(`${kindName(resource)}/${name} not ${verb}`);
      continue;
    }
    if (changed) ctx.rest.patch(resource, ctx.namespace, name, "merge", { metadata: { [field]: patch } });
    // "unlabeled" for a removal only since kubectl 1.23.
    const unlabeled = field === "labels" && !Object.keys(set).length && (ctx.host.clientMinor ?? 32) >= 23;
    ctx.out.push(`${kindName(resource)}/${name} ${unlabeled ? "unlabeled" : verb}`);
  }
  return 0;
}

/**
 * kubectl's validateNoOverwrites (label) and validateNoAnnotationOverwrites (annotate): without
 * `--overwrite`, a key that already has a value is refused — since kubectl 1.25 (label) and 1.26
 * (annotate) only when the value would change; before, even at the same value. The change-cause
 * annotation may always be overwritten.
 */
function overwriteCheck(field: "labels" | "annotations", cur: Readonly<Record<string, string>>, set: Record<string, string>, clientMinor: number): void {
  const sameValueRefused = clientMinor < (field === "labels" ? 25 : 26);
  const clashes = Object.entries(set).filter(([k, v]) => cur[k] !== undefined && (sameValueRefused || cur[k] !== v) && !(field === "annotations" && k === "kubernetes.io/change-cause"));
  if (!clashes.length) return;
  if (field === "annotations") throw new CommandError(`--overwrite is false but found the following declared annotation(s): ${clashes.map(([k]) => `'${k}' already has a value (${cur[k]})`).join("; ")}`);
  // Several errors are an aggregate, which kubectl prints one a line without "error: ". (kubectl
  // orders them as Go iterates a map, at random; here by key.)
  const errors = clashes.map(([k]) => `'${k}' already has a value (${cur[k]}), and --overwrite is false`).sort();
  throw new CommandError(errors.join("\n"), errors.length === 1);
}

/** `kubectl set image deployment/web web=nginx:1.27` */
export function setImage(ctx: CommandContext): number {
  const [sub, ...args] = ctx.args;
  if (sub !== "image") throw new CommandError(sub ? `unknown command "${sub}" for "kubectl set"` : "Unexpected args: []");
  const { resource, names, rest } = objectArgs(args);
  const images = new Map<string, string>();
  for (const a of rest) {
    const i = a.indexOf("=");
    if (i <= 0) throw new CommandError(`invalid image update: ${a}`);
    images.set(a.slice(0, i), a.slice(i + 1));
  }
  for (const name of names) {
    const o = ctx.rest.get(resource, ctx.namespace, name);
    const spec = o.kind === "Pod" ? o.spec : o.kind === "Deployment" || o.kind === "ReplicaSet" ? o.spec.template.spec : undefined;
    if (!spec) throw new CommandError(`cannot set image on ${kindName(resource)}`);
    const containers = spec.containers.map((c) => c.name);
    for (const c of images.keys()) if (c !== "*" && !containers.includes(c)) throw new CommandError(`unable to find container named "${c}"`);
    const list = spec.containers
      .filter((c) => images.has(c.name) || images.has("*"))
      .map((c) => ({ image: images.get(c.name) ?? images.get("*")!, name: c.name }));
    const patch = o.kind === "Pod" ? { spec: { containers: list } } : { spec: { template: { spec: { containers: list } } } };
    const before = JSON.stringify(o);
    const after = ctx.rest.patch(resource, ctx.namespace, name, "strategic", patch).object;
    if (JSON.stringify(after) !== before) ctx.out.push(`${kindName(resource)}/${name} image updated`);
  }
  return 0;
}

/** Longest an in-cell `delete` waits for finalization (kubectl's default `--timeout` is a week; pods take their grace period). */
const DELETE_WAIT_MS = 10 * 60_000;

/** `kubectl delete TYPE NAME…` (waits for the objects to be gone, as `--wait=true` does). */
export function del(ctx: CommandContext): number {
  const { resource, names } = objectArgs(ctx.args, { allowTypeOnly: boolFlag(ctx, "all") || flag(ctx, "selector") !== undefined });
  let targets = names;
  if (!names.length) targets = ctx.rest.list(resource, ctx.namespace, flag(ctx, "selector") ? { labelSelector: flag(ctx, "selector")! } : {}).items.map((o) => o.metadata.name!);
  if (!targets.length) {
    ctx.err.push(`No resources found`);
    return 0;
  }
  const grace = flag(ctx, "grace-period");
  const now = boolFlag(ctx, "now") || boolFlag(ctx, "force");
  let exit = 0;
  const deleted: string[] = [];
  for (const name of targets) {
    try {
      ctx.rest.delete(resource, ctx.namespace, name, grace !== undefined ? { gracePeriodSeconds: Number(grace) } : now ? { gracePeriodSeconds: boolFlag(ctx, "force") ? 0 : 1 } : {});
      ctx.out.push(`${kindName(resource)} "${name}" deleted`);
      deleted.push(name);
    } catch (e) {
      if (!(e instanceof StatusError)) throw e;
      ctx.err.push(kubectlErrorText(e.status));
      exit = 1;
    }
  }
  if (flag(ctx, "wait") !== "false") {
    const end = ctx.rest.ctx.now + DELETE_WAIT_MS;
    const gone = (): boolean => deleted.every((n) => !ctx.rest.api.get(resource.kind, resource.namespaced ? ctx.namespace : undefined, n));
    while (!gone()) {
      const next = ctx.host.nextTaskTime();
      if (next === undefined || next > end) break;
      ctx.host.advance(Math.max(0, next - ctx.rest.ctx.now));
    }
  }
  return exit;
}
