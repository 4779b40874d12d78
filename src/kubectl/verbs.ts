/**
 * The TypeScript API's kubectl verbs on `kind/name` references (`deployment/web`, `ns/kind/name`,
 * a bare name meaning the verb's default kind): read, list, delete and scale, through the same
 * REST layer `cluster.kubectl(...)` and `kubelab serve` use. Errors are kubectl's.
 *
 * @example
 * ```ts
 * scaleRef(cluster.rest, "deployment/web", 5);
 * deleteRef(cluster.rest, "pod/web-7d4b9c8f5-x2x7q"); // 'pod "web-7d4b9c8f5-x2x7q" deleted'
 * ```
 */
import { NotFoundError } from "../api/errors";
import { kindInfo, lookupKind, parseRef } from "../api/meta";
import type { Kind } from "../api/types";
import type { ApiServer, Stored } from "../apiserver/apiserver";
import { type Rest, kindName, resourceFor } from "./rest";

/** Where a reference without a namespace lives (`default` if not given). */
export interface RefOptions {
  namespace?: string;
}

/** One object: `kind/name`, `kind/ns/name`, or `name` of `defaultKind`. @throws NotFoundError */
export function getRef(api: ApiServer, ref: string, opts: RefOptions = {}, defaultKind: Kind = "Pod"): Stored<Kind> {
  const r = parseRef(ref, { ...(opts.namespace ? { namespace: opts.namespace } : {}), defaultKind });
  const o = api.get(r.kind, r.namespace || undefined, r.name);
  if (!o) throw new NotFoundError(kindInfo(r.kind).resource, r.name, r.namespace || undefined);
  return o;
}

/** Every object of a kind (`pods`, `svc`, `Deployment`), in one namespace (default `default`) or all. */
export function listKind(api: ApiServer, kind: string, opts: RefOptions & { allNamespaces?: boolean } = {}): Stored<Kind>[] {
  const info = lookupKind(kind);
  if (!info) throw new Error(`the server doesn't have a resource type "${kind}"`);
  const ns = info.namespaced && !opts.allNamespaces ? opts.namespace ?? "default" : undefined;
  return api.list(info.kind, ns);
}

/** `kubectl delete KIND/NAME`: returns what kubectl prints (`deployment.apps "web" deleted`). */
export function deleteRef(rest: Rest, ref: string, opts: RefOptions & { gracePeriodSeconds?: number } = {}): string {
  const r = parseRef(ref, { ...(opts.namespace ? { namespace: opts.namespace } : {}) });
  getRef(rest.api, `${r.kind}/${r.namespace}/${r.name}`);
  const res = resourceFor(r.kind)!;
  rest.delete(res, r.namespace || undefined, r.name, opts.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {});
  return `${kindName(res)} "${r.name}" deleted`;
}

/** `kubectl scale --replicas=N`: a Deployment (the default kind) or ReplicaSet, through its scale subresource. */
export function scaleRef(rest: Rest, ref: string, replicas: number, opts: RefOptions = {}): void {
  const r = parseRef(ref, { ...(opts.namespace ? { namespace: opts.namespace } : {}), defaultKind: "Deployment" });
  if (r.kind !== "Deployment" && r.kind !== "ReplicaSet") throw new Error(`cannot scale ${kindInfo(r.kind).resource}: only deployments and replicasets have replicas`);
  if (!Number.isInteger(replicas) || replicas < 0) throw new Error(`replicas must be a non-negative integer, got ${replicas}`);
  getRef(rest.api, `${r.kind}/${r.namespace}/${r.name}`);
  rest.updateScale(resourceFor(r.kind)!, r.namespace, r.name, { type: "update", body: { spec: { replicas } } });
}
