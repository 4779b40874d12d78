/**
 * Shared helpers for controllers: owner references, pod readiness, stable JSON for comparisons.
 *
 * @example
 * ```ts
 * controllerOf(pod)?.kind; // "ReplicaSet"
 * isPodReady(pod);         // true when the Ready condition is True
 * ```
 */
import type { Stored } from "../apiserver/apiserver";
import type { DeepReadonly, KubeObject, OwnerReference, Pod } from "../api/types";

/** The ownerReference with `controller: true`, if any. */
export function controllerOf(o: { metadata: DeepReadonly<KubeObject["metadata"]> }): DeepReadonly<OwnerReference> | undefined {
  return o.metadata.ownerReferences?.find((r) => r.controller);
}

/** An ownerReference pointing at `owner`, as controllers set it on what they create. */
export function ownerRef(owner: { apiVersion: string; kind: string; metadata: DeepReadonly<KubeObject["metadata"]> }): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

export function isPodReady(p: DeepReadonly<Pod> | Stored<"Pod">): boolean {
  return p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/** Active pods count towards a ReplicaSet's replicas: not terminating, not finished. */
export function isPodActive(p: Stored<"Pod">): boolean {
  return !p.metadata.deletionTimestamp && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed";
}

/** JSON with sorted keys: equal objects give equal strings regardless of key order. */
export function stableStringify(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(",")}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`)
    .join(",")}}`;
}

const memo = new WeakMap<object, string>();

/**
 * {@link stableStringify} of a stored (never mutated) object, computed once per object identity.
 * Status updates keep `spec` by reference, so a template is serialised once, not on every sync.
 */
export function stableKey(v: object): string {
  let s = memo.get(v);
  if (s === undefined) memo.set(v, (s = stableStringify(v)));
  return s;
}

/** A deep, mutable copy of stored data (for building the next version of an object). */
export function clone<T>(v: DeepReadonly<T> | T): T {
  return structuredClone(v) as T;
}
