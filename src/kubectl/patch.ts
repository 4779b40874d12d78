/**
 * The API's three patch formats: JSON merge patch (RFC 7386), strategic merge patch (lists of
 * containers, ports, env… merge by their key, `$patch` directives) and JSON patch (RFC 6902).
 *
 * @example
 * ```ts
 * strategicMerge(deployment, { spec: { template: { spec: { containers: [{ name: "web", image: "nginx:1.27" }] } } } });
 * mergePatch({ a: 1, b: 2 }, { b: null }); // { a: 1 }
 * ```
 */
import { badRequest } from "./status";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** RFC 7386: objects merge recursively, `null` deletes, everything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: JsonObject = isObject(target) ? { ...(structuredClone(target) as JsonObject) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v) as Json;
  }
  return out;
}

/**
 * The patchMergeKey of list fields (k8s.io/api's `patchStrategy:"merge"` tags), by field name.
 * Lists not named here are replaced wholesale, as for atomic lists.
 */
const MERGE_KEYS: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  env: "name",
  volumes: "name",
  volumeMounts: "mountPath",
  imagePullSecrets: "name",
  ownerReferences: "uid",
  conditions: "type",
  tolerations: "key",
  hostAliases: "ip",
  finalizers: "",
};

/** Merge keys that depend on the parent: container ports by containerPort, Service ports by port. */
function mergeKey(field: string, parentPath: readonly string[]): string | undefined {
  if (field === "ports") return parentPath.includes("containers") || parentPath.includes("initContainers") ? "containerPort" : parentPath[parentPath.length - 1] === "spec" ? "port" : undefined;
  return MERGE_KEYS[field];
}

/**
 * Strategic merge patch (apimachinery strategicpatch) for the built-in kinds: maps merge,
 * `null` deletes, keyed lists merge element by element (`$patch: delete` removes one,
 * `$patch: replace` replaces the list), primitive merge lists (finalizers) union, other lists
 * are replaced. `$setElementOrder/…` and `$retainKeys` are accepted.
 */
export function strategicMerge(target: unknown, patch: unknown, path: readonly string[] = []): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  if (patch["$patch"] === "replace") {
    const { $patch: _p, ...rest } = patch;
    void _p;
    return structuredClone(rest);
  }
  if (patch["$patch"] === "delete") return undefined;
  const out: JsonObject = isObject(target) ? { ...(structuredClone(target) as JsonObject) } : {};
  const retain = Array.isArray(patch["$retainKeys"]) ? new Set(patch["$retainKeys"] as string[]) : undefined;
  for (const [k, v] of Object.entries(patch)) {
    if (k === "$retainKeys" || k === "$patch" || k.startsWith("$setElementOrder/")) continue;
    if (k.startsWith("$deleteFromPrimitiveList/")) {
      const field = k.slice("$deleteFromPrimitiveList/".length);
      const del = new Set((v as Json[]) ?? []);
      if (Array.isArray(out[field])) out[field] = (out[field] as Json[]).filter((x) => !del.has(x));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const key = mergeKey(k, path);
    if (Array.isArray(v) && key !== undefined && Array.isArray(out[k])) {
      out[k] = mergeList(out[k] as Json[], v, key, [...path, k]) as Json;
    } else if (isObject(v)) {
      const merged = strategicMerge(out[k], v, [...path, k]);
      if (merged === undefined) delete out[k];
      else out[k] = merged as Json;
    } else out[k] = structuredClone(v);
  }
  if (retain) for (const k of Object.keys(out)) if (!retain.has(k)) delete out[k];
  return out;
}

function mergeList(target: Json[], patch: Json[], key: string, path: readonly string[]): Json[] {
  if (key === "") {
    // A primitive list with merge strategy: union, keeping order.
    const out = [...target];
    for (const v of patch) if (!out.includes(v)) out.push(v);
    return out;
  }
  if (patch.some((p) => isObject(p) && p["$patch"] === "replace")) return structuredClone(patch.filter((p) => !(isObject(p) && p["$patch"] === "replace")));
  const out = structuredClone(target);
  for (const p of patch) {
    if (!isObject(p)) continue;
    const i = out.findIndex((t) => isObject(t) && t[key] === p[key]);
    if (p["$patch"] === "delete") {
      if (i >= 0) out.splice(i, 1);
    } else if (i >= 0) out[i] = strategicMerge(out[i], p, path) as Json;
    else out.push(strategicMerge(undefined, p, path) as Json);
  }
  return out;
}

/** One RFC 6902 operation. */
interface JsonPatchOp {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  from?: string;
  value?: Json;
}

function pointer(p: string): string[] {
  if (p === "") return [];
  if (!p.startsWith("/")) throw badRequest(`the server rejected our request due to an error in our request: invalid JSON pointer "${p}"`);
  return p
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** RFC 6902 JSON patch. */
export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw badRequest("the server rejected our request due to an error in our request: json patch must be an array");
  let doc = structuredClone(target) as Json;
  const parentOf = (segs: string[]): [Json, string] => {
    let cur: Json = doc;
    for (const s of segs.slice(0, -1)) {
      cur = Array.isArray(cur) ? (cur[Number(s)] as Json) : isObject(cur) ? (cur[s] as Json) : null;
      if (cur === undefined || cur === null) throw badRequest(`the server rejected our request due to an error in our request: path "/${segs.join("/")}" not found`);
    }
    return [cur, segs[segs.length - 1]!];
  };
  const read = (segs: string[]): Json => {
    let cur: Json = doc;
    for (const s of segs) {
      cur = Array.isArray(cur) ? (cur[Number(s)] as Json) : isObject(cur) ? (cur[s] as Json) : (undefined as unknown as Json);
      if (cur === undefined) throw badRequest(`the server rejected our request due to an error in our request: path "/${segs.join("/")}" not found`);
    }
    return cur;
  };
  const add = (segs: string[], value: Json): void => {
    if (segs.length === 0) {
      doc = value;
      return;
    }
    const [parent, last] = parentOf(segs);
    if (Array.isArray(parent)) parent.splice(last === "-" ? parent.length : Number(last), 0, value);
    else if (isObject(parent)) parent[last] = value;
  };
  const remove = (segs: string[]): Json => {
    const v = read(segs);
    const [parent, last] = parentOf(segs);
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else if (isObject(parent)) delete parent[last];
    return v;
  };
  for (const raw of ops as JsonPatchOp[]) {
    const segs = pointer(raw.path);
    switch (raw.op) {
      case "add":
        add(segs, structuredClone(raw.value ?? null));
        break;
      case "remove":
        remove(segs);
        break;
      case "replace":
        remove(segs);
        add(segs, structuredClone(raw.value ?? null));
        break;
      case "move":
        add(segs, remove(pointer(raw.from ?? "")));
        break;
      case "copy":
        add(segs, structuredClone(read(pointer(raw.from ?? ""))));
        break;
      case "test":
        if (JSON.stringify(read(segs)) !== JSON.stringify(raw.value)) throw new Error(`testing value ${raw.path} failed`);
        break;
      default:
        throw badRequest(`the server rejected our request due to an error in our request: unknown json patch op "${String((raw as { op: unknown }).op)}"`);
    }
  }
  return doc;
}
