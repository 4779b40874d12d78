/**
 * `kubectl apply -f` (client-side apply): each document is created with the
 * `kubectl.kubernetes.io/last-applied-configuration` annotation, or patched with a strategic
 * merge patch that sets what the manifest says and removes what an earlier apply set and this
 * one no longer does. A patch that changes nothing is not sent: the object is `unchanged`.
 */
import type { KubeObject } from "../../api/types";
import { strategicMerge } from "../patch";
import { type ResourceInfo, kindName, resources } from "../rest";
import { StatusError, kubectlErrorText } from "../status";
import { type CommandContext, CommandError, flag } from "./context";

export const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

const LIST_KEYS = ["name", "containerPort", "port", "mountPath", "ip", "type", "uid"];

/**
 * The apply patch: the manifest, plus `null` for fields the last apply set that it no longer
 * does, and `$patch: delete` for keyed list items (containers, ports…) it dropped.
 */
export function applyPatch(original: unknown, modified: unknown): unknown {
  if (isObj(modified)) {
    const out: Obj = {};
    for (const [k, v] of Object.entries(modified)) out[k] = applyPatch(isObj(original) ? original[k] : undefined, v);
    if (isObj(original)) for (const k of Object.keys(original)) if (!(k in modified)) out[k] = null;
    return out;
  }
  if (Array.isArray(modified) && Array.isArray(original) && original.every(isObj) && modified.every(isObj) && original.length) {
    const key = LIST_KEYS.find((k) => (original as Obj[]).every((o) => k in o) && (modified as Obj[]).every((o) => k in o));
    if (!key) return modified;
    const gone = (original as Obj[]).filter((o) => !(modified as Obj[]).some((m) => m[key] === o[key]));
    return [...modified, ...gone.map((o) => ({ [key]: o[key], $patch: "delete" }))];
  }
  return modified;
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(",")}]`;
  if (isObj(v)) return `{${Object.keys(v).filter((k) => v[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${stable(v[k])}`).join(",")}}`;
  return JSON.stringify(v);
}

/** `kubectl apply -f FILE|-` (the file may also be inline YAML in a cell). */
export function apply(ctx: CommandContext): number {
  const source = flag(ctx, "filename");
  if (!source) throw new CommandError("must specify one of -f and -k");
  if (flag(ctx, "server-side") === "true") return serverSide(ctx, source);
  const docs = ctx.host.readManifests(source);
  const shown = source.includes("\n") || source === "-" ? "STDIN" : source;
  let exit = 0;
  for (const doc of docs) {
    const o = doc.object;
    const r = resourceOf(o);
    const name = String((o["metadata"] as Obj | undefined)?.["name"] ?? "");
    if (!r) {
      ctx.err.push(`error: resource mapping not found for name: "${name}" namespace: "${String((o["metadata"] as Obj | undefined)?.["namespace"] ?? "")}" from "${shown}": no matches for kind "${String(o["kind"])}" in version "${String(o["apiVersion"])}"\nensure CRDs are installed first`);
      exit = 1;
      continue;
    }
    const ns = r.namespaced ? String((o["metadata"] as Obj | undefined)?.["namespace"] ?? ctx.namespace) : undefined;
    // kubectl records the manifest as it sends it: namespace filled in, its annotations (an empty
    // map if none) without this one, keys sorted (Go marshals maps sorted).
    const meta: Obj = { ...((o["metadata"] ?? {}) as Obj), ...(ns !== undefined ? { namespace: ns } : {}) };
    const annotations = { ...((meta["annotations"] as Obj | undefined) ?? {}) };
    delete annotations[LAST_APPLIED];
    const config: Obj = { ...o, metadata: { ...meta, annotations } };
    const lastApplied = stable(config) + "\n";
    const modified: Obj = { ...config, metadata: { ...meta, annotations: { ...annotations, [LAST_APPLIED]: lastApplied } } };
    try {
      const live = ctx.rest.api.get(r.kind, ns, name);
      if (!live) {
        ctx.rest.create(r, ns, modified, { fieldValidation: "Strict" });
        ctx.out.push(`${kindName(r)}/${name} created`);
        continue;
      }
      const previous = live.metadata.annotations?.[LAST_APPLIED];
      let original: unknown;
      try {
        original = previous ? JSON.parse(previous) : undefined;
      } catch {
        original = undefined;
      }
      const patch = applyPatch(original, modified) as Obj;
      const merged = strategicMerge(live, patch) as Obj;
      if (stable(merged) === stable(live)) {
        ctx.out.push(`${kindName(r)}/${name} unchanged`);
        continue;
      }
      ctx.rest.patch(r, ns, name, "strategic", patch, { fieldValidation: "Strict" });
      ctx.out.push(`${kindName(r)}/${name} configured`);
    } catch (e) {
      if (!(e instanceof StatusError)) throw e;
      const s = e.status;
      ctx.err.push(kubectlErrorText(s.reason === "Invalid" ? s : { ...s, message: `error when creating "${shown}": ${s.message}` }));
      exit = 1;
    }
  }
  return exit;
}

function resourceOf(o: Obj): ResourceInfo | undefined {
  return resources.find((r) => r.kind === o["kind"] && r.apiVersion === o["apiVersion"]);
}

/** `kubectl apply --server-side`: an apply patch per document; prints `serverside-applied`. */
function serverSide(ctx: CommandContext, source: string): number {
  let exit = 0;
  for (const doc of ctx.host.readManifests(source)) {
    const o = doc.object;
    const r = resourceOf(o);
    const name = String((o["metadata"] as Obj | undefined)?.["name"] ?? "");
    if (!r) throw new CommandError(`no matches for kind "${String(o["kind"])}" in version "${String(o["apiVersion"])}"`);
    const ns = r.namespaced ? String((o["metadata"] as Obj | undefined)?.["namespace"] ?? ctx.namespace) : undefined;
    try {
      ctx.rest.patch(r, ns, name, "apply", o as unknown as KubeObject, { fieldManager: "kubectl" });
      ctx.out.push(`${kindName(r)}/${name} serverside-applied`);
    } catch (e) {
      if (!(e instanceof StatusError)) throw e;
      ctx.err.push(kubectlErrorText(e.status));
      exit = 1;
    }
  }
  return exit;
}
