/**
 * Kinds, resource names and object references — what kubectl's REST mapper knows.
 *
 * @example
 * ```ts
 * lookupKind("deploy")?.kind;            // "Deployment"
 * parseRef("svc/web", {});               // { kind: "Service", namespace: "default", name: "web" }
 * etcdKey("Service", "default", "web");  // "/registry/services/specs/default/web"
 * ```
 */
import type { Kind, KubeObject } from "./types";

export interface KindInfo {
  kind: Kind;
  apiVersion: string;
  /** Plural resource name, as in `kubectl get pods` and the REST path. */
  resource: string;
  shortNames: string[];
  namespaced: boolean;
  /** The etcd key prefix the real API server uses (`/registry/…`). */
  etcdPrefix: string;
}

export const kinds: readonly KindInfo[] = [
  { kind: "Namespace", apiVersion: "v1", resource: "namespaces", shortNames: ["ns"], namespaced: false, etcdPrefix: "/registry/namespaces" },
  { kind: "Node", apiVersion: "v1", resource: "nodes", shortNames: ["no"], namespaced: false, etcdPrefix: "/registry/minions" },
  { kind: "Pod", apiVersion: "v1", resource: "pods", shortNames: ["po"], namespaced: true, etcdPrefix: "/registry/pods" },
  { kind: "Service", apiVersion: "v1", resource: "services", shortNames: ["svc"], namespaced: true, etcdPrefix: "/registry/services/specs" },
  { kind: "Endpoints", apiVersion: "v1", resource: "endpoints", shortNames: ["ep"], namespaced: true, etcdPrefix: "/registry/services/endpoints" },
  { kind: "EndpointSlice", apiVersion: "discovery.k8s.io/v1", resource: "endpointslices", shortNames: [], namespaced: true, etcdPrefix: "/registry/endpointslices" },
  { kind: "Deployment", apiVersion: "apps/v1", resource: "deployments", shortNames: ["deploy"], namespaced: true, etcdPrefix: "/registry/deployments" },
  { kind: "ReplicaSet", apiVersion: "apps/v1", resource: "replicasets", shortNames: ["rs"], namespaced: true, etcdPrefix: "/registry/replicasets" },
  { kind: "ConfigMap", apiVersion: "v1", resource: "configmaps", shortNames: ["cm"], namespaced: true, etcdPrefix: "/registry/configmaps" },
  { kind: "Secret", apiVersion: "v1", resource: "secrets", shortNames: [], namespaced: true, etcdPrefix: "/registry/secrets" },
];

const byKind = new Map<string, KindInfo>(kinds.map((k) => [k.kind, k]));
const byAlias = new Map<string, KindInfo>();
for (const k of kinds) {
  const group = k.apiVersion.includes("/") ? k.apiVersion.split("/")[0] : "";
  for (const alias of [k.kind.toLowerCase(), k.resource, ...k.shortNames]) {
    byAlias.set(alias, k);
    if (group) byAlias.set(`${alias}.${group}`, k);
  }
}

/** Find a kind by its name, plural, short name or `resource.group`, case-insensitively. */
export function lookupKind(name: string): KindInfo | undefined {
  return byKind.get(name) ?? byAlias.get(name.toLowerCase());
}

/** The registry entry for a kind known to exist. */
export function kindInfo(kind: Kind): KindInfo {
  return byKind.get(kind)!;
}

/** A resolved reference to one object. */
export interface ObjectRef {
  kind: Kind;
  namespace: string;
  name: string;
}

/**
 * Parse a kubectl-style reference: `name`, `kind/name`, `ns/name`, or `kind/ns/name`.
 * `defaultKind` applies to a bare name (and to `ns/name`); the namespace defaults to `default`.
 * @example parseRef("deployment/web", { namespace: "shop" }) // { kind: "Deployment", namespace: "shop", name: "web" }
 */
export function parseRef(ref: string, opts: { namespace?: string; defaultKind?: Kind } = {}): ObjectRef {
  const parts = ref.split("/");
  let kind: KindInfo | undefined;
  let namespace = opts.namespace;
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    kind = lookupKind(parts[0]!);
    if (kind) name = parts[1]!;
    else if (opts.defaultKind) {
      namespace = parts[0]!;
      name = parts[1]!;
    } else throw new Error(`the server doesn't have a resource type "${parts[0]}"`);
  } else if (parts.length === 3) {
    kind = lookupKind(parts[0]!);
    if (!kind) throw new Error(`the server doesn't have a resource type "${parts[0]}"`);
    namespace = parts[1]!;
    name = parts[2]!;
  } else {
    throw new Error(`invalid reference "${ref}": expected name, kind/name, namespace/name or kind/namespace/name`);
  }
  if (!kind) {
    if (!opts.defaultKind) throw new Error(`"${ref}" needs a kind, e.g. pod/${name} or service/${name}`);
    kind = kindInfo(opts.defaultKind);
  }
  if (!name) throw new Error(`invalid reference "${ref}": empty name`);
  return { kind: kind.kind, namespace: kind.namespaced ? (namespace ?? "default") : "", name };
}

/** etcd key of an object, e.g. `/registry/pods/default/web-x2x7q`. */
export function etcdKey(kind: Kind, namespace: string | undefined, name: string): string {
  const info = kindInfo(kind);
  return info.namespaced ? `${info.etcdPrefix}/${namespace}/${name}` : `${info.etcdPrefix}/${name}`;
}

// Both keys are memoised per metadata object: stored objects are never mutated and status
// updates keep `metadata` by reference, so one string (hashed once) serves every later lookup.
// The memo remembers what it was built from, in case a request's metadata is filled in later.
interface KeyMemo {
  kind: string;
  ns: string | undefined;
  name: string | undefined;
  traceRef?: string;
  cacheKey?: string;
  etcdKey?: string;
}
// Kept on the metadata object under a non-enumerable symbol (invisible to JSON, spread, clones and
// deep-equality): a WeakMap with millions of entries cost more in lookups and GC than the keys saved.
const MEMO = Symbol("kubelab.keys");
const frozenMemos = new WeakMap<object, KeyMemo>();

function memo(kind: string, m: { namespace?: string; name?: string }): KeyMemo {
  let e = (m as { [MEMO]?: KeyMemo })[MEMO] ?? frozenMemos.get(m);
  if (!e || e.ns !== m.namespace || e.name !== m.name || e.kind !== kind) {
    e = { kind, ns: m.namespace, name: m.name };
    if (Object.isExtensible(m)) Object.defineProperty(m, MEMO, { value: e, writable: true, configurable: true, enumerable: false });
    else frozenMemos.set(m, e);
  }
  return e;
}

/** The trace's name for an object: `pod/default/web-x2x7q`, `node/node-1`. */
export function traceRef(obj: { kind: string; metadata: { namespace?: string; name?: string } }): string {
  const e = memo(obj.kind, obj.metadata);
  if (e.traceRef === undefined) {
    const k = obj.kind.toLowerCase();
    e.traceRef = e.ns ? `${k}/${e.ns}/${e.name}` : `${k}/${e.name}`;
  }
  return e.traceRef;
}

/** {@link etcdKey} of an object, memoised like the other keys. */
export function etcdKeyOf(obj: { kind: Kind; metadata: { namespace?: string; name?: string } }): string {
  const e = memo(obj.kind, obj.metadata);
  return (e.etcdKey ??= etcdKey(obj.kind, e.ns, e.name!));
}

/** `namespace/name` (or `name` for cluster-scoped objects): the informer cache key client-go uses. */
export function cacheKey(obj: { metadata: { namespace?: string; name?: string } }): string {
  const e = memo((obj as { kind?: string }).kind ?? "", obj.metadata);
  if (e.cacheKey === undefined) e.cacheKey = e.ns ? `${e.ns}/${e.name}` : e.name!;
  return e.cacheKey;
}

/** A human-readable `Kind "name"` as the API server words it in errors. */
export function describe(obj: Pick<KubeObject, "kind"> & { metadata?: { name?: string } }): string {
  return `${obj.kind} "${obj.metadata?.name ?? ""}"`;
}
