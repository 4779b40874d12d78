/**
 * The Kubernetes REST semantics over the simulated API server — what a request to
 * `/api/v1/namespaces/default/pods` or `/apis/apps/v1/…/deployments/web/scale` does: reads with
 * label and field selectors, creates and updates with resourceVersion preconditions, the three
 * patch formats plus server-side apply, dry runs, field validation, deletes, the scale
 * subresource and watches, all failing with metav1.Status errors.
 *
 * Both kubectl front ends use it: the in-cell `cluster.kubectl(...)` calls it directly and the
 * HTTP server (`kubelab serve`, Node only) maps requests onto it, so a real kubectl and the cell
 * see the same server. It imports nothing from Node.
 *
 * @example
 * ```ts
 * const rest = new Rest(cluster.api, cluster.ctx);
 * rest.create(resourceFor("deployments")!, "default", deployment);
 * rest.list(resourceFor("pods")!, "default", { labelSelector: "app=web" }).items.length;
 * ```
 */
import type { CoreEvent } from "../apiserver/events";
import { type KindInfo, kinds } from "../api/meta";
import { schemaErrors } from "../api/schema";
import type { DeepReadonly, Kind, KubeObject, ObjectOf } from "../api/types";
import type { ApiServer, Stored, WatchEventType } from "../apiserver/apiserver";
import { EPOCH_MS, type SimContext } from "../sim/context";
import { jsonPatch, mergePatch, strategicMerge } from "./patch";
import { parseFieldSelector, parseLabelSelector } from "./selectors";
import { StatusError, alreadyExists, badRequest, conflict, invalidObject, notFound } from "./status";
import { formatPath } from "../api/errors";
import { containerLog } from "../kubelet/containerlog";

/** A resource as discovery describes it. */
export interface ResourceInfo extends KindInfo {
  /** `""` for the core group. */
  group: string;
  version: string;
  singular: string;
  verbs: string[];
  categories: string[];
  /** Subresources served: `status`, `scale`. */
  subresources: string[];
}

const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const IN_ALL = new Set(["pods", "services", "deployments", "replicasets"]);

/** Every resource the server serves, in discovery order (core first, as kube-apiserver lists them). */
export const resources: readonly ResourceInfo[] = kinds.map((k) => {
  const [group, version] = k.apiVersion.includes("/") ? (k.apiVersion.split("/") as [string, string]) : ["", k.apiVersion];
  const subresources = k.kind === "Deployment" || k.kind === "ReplicaSet" ? ["scale", "status"] : k.kind === "Endpoints" || k.kind === "EndpointSlice" ? [] : ["status"];
  return {
    ...k,
    group,
    version,
    singular: k.kind.toLowerCase(),
    verbs: k.kind === "Node" || k.kind === "Namespace" ? VERBS.filter((v) => v !== "deletecollection") : VERBS,
    categories: IN_ALL.has(k.resource) ? ["all"] : [],
    subresources,
  };
});

/** A resource by plural, singular, kind or short name, optionally `resource.group`. */
export function resourceFor(name: string): ResourceInfo | undefined {
  const n = name.toLowerCase();
  const [base, ...g] = n.split(".");
  const group = g.join(".");
  return resources.find(
    (r) => (r.resource === base || r.singular === base || r.kind.toLowerCase() === base || r.shortNames.includes(base!)) && (g.length === 0 || r.group === group),
  );
}

/** The kubectl name of a resource's kind: `pod`, `deployment.apps`. */
export function kindName(r: ResourceInfo): string {
  return r.group ? `${r.singular}.${r.group}` : r.singular;
}

/** Options of writes. */
export interface WriteOptions {
  /** `dryRun=All`: admit and return the result without storing it. */
  dryRun?: boolean;
  /** `fieldValidation`: `Strict` (kubectl's default) rejects unknown fields, `Warn` reports them, `Ignore` drops them. */
  fieldValidation?: "Strict" | "Warn" | "Ignore";
  fieldManager?: string;
}

/** A write's result: the object and any warnings (sent as `Warning:` headers). */
export interface WriteResult<T = Stored<Kind>> {
  object: T;
  warnings: string[];
}

export type PatchType = "merge" | "strategic" | "json" | "apply";

/** autoscaling/v1 Scale. */
export interface Scale {
  kind: "Scale";
  apiVersion: "autoscaling/v1";
  metadata: { name: string; namespace: string; uid?: string; resourceVersion?: string; creationTimestamp?: string };
  spec: { replicas: number };
  status: { replicas: number; selector?: string };
}

/** One watch event. */
export interface WatchEvent {
  type: WatchEventType;
  object: Stored<Kind>;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

interface Subscriber {
  ns: string | undefined;
  matches: (o: Stored<Kind>) => boolean;
  send: (e: WatchEvent) => void;
}

interface KindWatch {
  handler: (type: WatchEventType, obj: Stored<Kind>, old: Stored<Kind> | undefined) => void;
  subscribers: Set<Subscriber>;
  /** Recent events, kept while serving so a watch can start at a list's resourceVersion. */
  history: { rv: number; event: WatchEvent }[];
}

const HISTORY = 2048;

/** The REST layer; `client` is the name requests carry in the trace. */
export class Rest {
  private readonly watches = new Map<Kind, KindWatch>();
  /** Keep a watch cache of every kind (HTTP serving: a watch may start from an older list). */
  private keepHistory = false;

  constructor(
    readonly api: ApiServer,
    readonly ctx: SimContext,
    readonly client = "kubectl",
  ) {}

  /** Wall-clock milliseconds of the virtual now (timestamps in objects use the same epoch). */
  now(): number {
    return EPOCH_MS + this.ctx.now;
  }

  /** The store's current revision, as a list's resourceVersion. */
  get resourceVersion(): string {
    return String(this.api.etcd.revision);
  }

  get(r: ResourceInfo, ns: string | undefined, name: string): Stored<Kind> {
    const o = this.api.get(r.kind, r.namespaced ? ns : undefined, name);
    if (!o) throw notFound(r.resource, r.group, name);
    return o;
  }

  list(r: ResourceInfo, ns: string | undefined, opts: ListOptions = {}): { items: Stored<Kind>[]; resourceVersion: string } {
    const matches = this.matcher(opts);
    const items = this.api.list(r.kind, r.namespaced ? ns : undefined).filter(matches);
    return { items, resourceVersion: this.resourceVersion };
  }

  /**
   * core/v1 events in `ns` (all without one), filtered by a field selector on `involvedObject.*`,
   * `reason`, `type` or `metadata.name` as the API server's event registry supports.
   */
  events(ns: string | undefined, fieldSelector?: string): { items: CoreEvent[]; resourceVersion: string } {
    const f = fieldSelector ? parseFieldSelector(fieldSelector) : undefined;
    const items = this.api.events.list(ns).filter((e) => !f || f(e as never));
    return { items, resourceVersion: this.api.events.resourceVersion };
  }

  /**
   * Watch core/v1 events in `ns` (all without one) that match `fieldSelector`. Without a
   * resourceVersion the current events come first as ADDED (by name, as the API lists them); from
   * one, the events recorded or counted again since. Returns a function that stops the watch.
   */
  watchEvents(ns: string | undefined, opts: { fieldSelector?: string; resourceVersion?: string }, send: (type: "ADDED" | "MODIFIED", e: CoreEvent) => void): () => void {
    const f = opts.fieldSelector ? parseFieldSelector(opts.fieldSelector) : undefined;
    const selects = (e: CoreEvent): boolean => (ns === undefined || e.metadata.namespace === ns) && (!f || f(e as never));
    const from = Number(opts.resourceVersion || "0");
    for (const e of this.api.events.list(ns)) {
      if (!selects(e) || Number(e.metadata.resourceVersion) <= from) continue;
      send(from > 0 && e.count > 1 ? "MODIFIED" : "ADDED", e);
    }
    return this.api.events.subscribe((type, e) => {
      if (selects(e)) send(type, e);
    });
  }

  private matcher(opts: ListOptions): (o: Stored<Kind>) => boolean {
    const l = opts.labelSelector ? parseLabelSelector(opts.labelSelector) : undefined;
    const f = opts.fieldSelector ? parseFieldSelector(opts.fieldSelector) : undefined;
    return (o) => (!l || l(o.metadata.labels)) && (!f || f(o));
  }

  /** Check the body against the kind's schema (unknown fields, wrong types) as field validation says. */
  private validateFields(r: ResourceInfo, body: Record<string, unknown>, opts: WriteOptions): string[] {
    const mode = opts.fieldValidation ?? "Strict";
    if (mode === "Ignore") return [];
    const errs = schemaErrors(r.kind, body);
    if (!errs.length) return [];
    const unknown = errs.filter((e) => e.type === "Unknown field").map((e) => `unknown field "${formatPath(e.field)}"`);
    const other = errs.filter((e) => e.type !== "Unknown field");
    if (other.length) throw invalidObject(r.kind, r.group, String((body["metadata"] as { name?: unknown } | undefined)?.name ?? ""), other);
    if (mode === "Strict") throw badRequest(`${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}: strict decoding error: ${unknown.join(", ")}`);
    return unknown;
  }

  private prepare(r: ResourceInfo, ns: string | undefined, body: unknown): KubeObject {
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body)}'`);
    const o = structuredClone(body) as KubeObject & Record<string, unknown>;
    o.apiVersion ??= r.apiVersion as never;
    o.kind ??= r.kind as never;
    if (o.kind !== r.kind) throw badRequest(`the API version in the data (${String(o.apiVersion)}) does not match the expected API version (${r.apiVersion})`);
    o.metadata ??= {};
    if (r.namespaced) {
      if (o.metadata.namespace && ns && o.metadata.namespace !== ns) throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
      o.metadata.namespace = ns ?? o.metadata.namespace ?? "default";
    }
    // Fields only the server sets.
    delete (o.metadata as Record<string, unknown>)["creationTimestamp"];
    // kubectl's JSON carries `creationTimestamp: null` in pod templates (its protobuf does not):
    // the same template must hash the same however it arrived.
    const tm = (o as { spec?: { template?: { metadata?: Record<string, unknown> } } }).spec?.template?.metadata;
    if (tm && tm["creationTimestamp"] === null) delete tm["creationTimestamp"];
    delete (o.metadata as Record<string, unknown>)["managedFields"];
    return o;
  }

  /** Admit (default + validate) or throw the Status the API server would send. */
  private admit(r: ResourceInfo, o: KubeObject): void {
    const errs = this.api.admit(o);
    if (!errs.length) return;
    const nsMissing = errs.find((e) => e.type === "Not found" && formatPath(e.field) === "metadata.namespace");
    if (nsMissing) throw notFound("namespaces", "", o.metadata.namespace ?? "");
    const terminating = errs.find((e) => e.type === "Forbidden" && formatPath(e.field) === "metadata.namespace");
    if (terminating) throw new StatusError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: `${r.resource} "${o.metadata.name ?? ""}" is forbidden: ${terminating.detail ?? ""}`, reason: "Forbidden", details: { name: o.metadata.name ?? "", kind: r.resource }, code: 403 });
    throw invalidObject(r.kind, r.group, o.metadata.name ?? "", errs);
  }

  create(r: ResourceInfo, ns: string | undefined, body: unknown, opts: WriteOptions = {}): WriteResult {
    const warnings = this.validateFields(r, body as Record<string, unknown>, opts);
    const o = this.prepare(r, ns, body);
    delete o.metadata.resourceVersion;
    delete o.metadata.uid;
    if (!o.metadata.name && !o.metadata.generateName) throw invalidObject(r.kind, r.group, "", [{ type: "Required value", field: ["metadata", "name"], detail: "name or generateName is required" }]);
    if (o.metadata.name && this.api.get(r.kind, o.metadata.namespace, o.metadata.name)) throw alreadyExists(r.resource, r.group, o.metadata.name);
    this.admit(r, o);
    if (opts.dryRun) return { object: o as Stored<Kind>, warnings };
    return { object: this.api.create(this.client, o as ObjectOf<Kind>, { admitted: true }), warnings };
  }

  /** PUT: replace the object; a resourceVersion in the body must match the stored one. */
  update(r: ResourceInfo, ns: string | undefined, name: string, body: unknown, opts: WriteOptions & { verb?: string } = {}): WriteResult {
    const warnings = this.validateFields(r, body as Record<string, unknown>, opts);
    const o = this.prepare(r, ns, body);
    if (o.metadata.name && o.metadata.name !== name) throw badRequest("the name of the object (" + o.metadata.name + ") does not match the name on the URL (" + name + ")");
    o.metadata.name = name;
    const old = this.get(r, ns, name);
    if (o.metadata.resourceVersion && o.metadata.resourceVersion !== old.metadata.resourceVersion) throw conflict(r.resource, r.group, name);
    this.admit(r, o);
    if (opts.dryRun) return { object: { ...o, status: (old as { status?: unknown }).status } as Stored<Kind>, warnings };
    if (sameStored(o, old)) return { object: old, warnings };
    return { object: this.api.update(this.client, o as ObjectOf<Kind>, { admitted: true, verb: opts.verb ?? "update" }), warnings };
  }

  /** PATCH in any of the API's formats; an apply patch creates the object if it does not exist. */
  patch(r: ResourceInfo, ns: string | undefined, name: string, type: PatchType, patch: unknown, opts: WriteOptions & { force?: boolean } = {}): WriteResult {
    const old = this.api.get(r.kind, r.namespaced ? ns : undefined, name);
    if (!old) {
      if (type === "apply") return this.create(r, ns, { ...(patch as object), metadata: { ...((patch as { metadata?: object }).metadata ?? {}), name } }, opts);
      throw notFound(r.resource, r.group, name);
    }
    let next: unknown;
    if (type === "merge") next = mergePatch(old, patch);
    else if (type === "strategic" || type === "apply") next = strategicMerge(old, patch);
    else next = jsonPatch(old, patch);
    const warnings = type === "apply" || type === "strategic" || type === "merge" ? this.validateFields(r, withoutDirectives(patch) as Record<string, unknown>, opts) : [];
    const preconditionRV = (patch as { metadata?: { resourceVersion?: string } } | null)?.metadata?.resourceVersion;
    if (preconditionRV && preconditionRV !== old.metadata.resourceVersion) throw conflict(r.resource, r.group, name);
    const body = next as KubeObject;
    body.metadata.resourceVersion = old.metadata.resourceVersion!;
    const res = this.update(r, ns, name, body, { ...opts, fieldValidation: "Ignore", verb: "patch" });
    return { object: res.object, warnings: [...warnings, ...res.warnings] };
  }

  /** DELETE: returns the object as it was (a pod with a grace period comes back terminating). */
  delete(r: ResourceInfo, ns: string | undefined, name: string, opts: { gracePeriodSeconds?: number; dryRun?: boolean } = {}): Stored<Kind> {
    const old = this.get(r, ns, name);
    if (opts.dryRun) return old;
    this.api.delete(this.client, r.kind, r.namespaced ? ns : undefined, name, opts.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {});
    return this.api.get(r.kind, r.namespaced ? ns : undefined, name) ?? old;
  }

  /**
   * GET pods/NAME/log: the container's log lines (the kubelet's {@link containerLog}). The
   * simulated app is the first container; sidecars log nothing.
   */
  podLog(ns: string, name: string, opts: { container?: string; tailLines?: number } = {}): readonly string[] {
    const pod = this.get(resourceFor("pods")!, ns, name) as Stored<"Pod">;
    const containers = pod.spec.containers.map((c) => c.name);
    const c = opts.container ?? containers[0]!;
    if (!containers.includes(c)) throw badRequest(`container ${c} is not valid for pod ${name}`);
    const lines = c === containers[0] ? containerLog(this.api, `${ns}/${name}`) : [];
    const n = opts.tailLines ?? -1;
    return n >= 0 ? lines.slice(lines.length - Math.min(n, lines.length)) : lines;
  }

  /** GET …/scale */
  getScale(r: ResourceInfo, ns: string | undefined, name: string): Scale {
    if (!r.subresources.includes("scale")) throw notFound(r.resource, r.group, name);
    const o = this.get(r, ns, name) as Stored<"Deployment" | "ReplicaSet">;
    const sel = o.spec.selector.matchLabels ?? {};
    return {
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: { name, namespace: o.metadata.namespace ?? "", uid: o.metadata.uid!, resourceVersion: o.metadata.resourceVersion!, creationTimestamp: o.metadata.creationTimestamp! },
      spec: { replicas: o.spec.replicas ?? 1 },
      status: { replicas: o.status?.replicas ?? 0, selector: Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(",") },
    };
  }

  /** PUT/PATCH …/scale: set replicas (a patch in any format applies to the Scale object). */
  updateScale(r: ResourceInfo, ns: string | undefined, name: string, change: { type: PatchType | "update"; body: unknown }, opts: { dryRun?: boolean } = {}): Scale {
    const scale = this.getScale(r, ns, name);
    const next = (change.type === "update" ? change.body : change.type === "json" ? jsonPatch(scale, change.body) : mergePatch(scale, change.body)) as Scale;
    const rv = next.metadata?.resourceVersion;
    if (change.type === "update" && rv && rv !== scale.metadata.resourceVersion) throw conflict(r.resource, r.group, name);
    const replicas = next.spec?.replicas;
    if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0)
      throw invalidObject("Scale", "autoscaling", name, [{ type: "Invalid value", field: ["spec", "replicas"], value: replicas, detail: "must be greater than or equal to 0" }]);
    const o = structuredClone(this.get(r, ns, name)) as ObjectOf<"Deployment">;
    const before = o.spec.replicas ?? 1;
    o.spec.replicas = replicas;
    if (!opts.dryRun && before !== replicas) this.api.update(this.client, o, { admitted: true, verb: "scale", detail: `replicas ${before}→${replicas}` });
    return this.getScale(r, ns, name);
  }

  /**
   * Watch a resource: `send` gets every later change that matches (and, from `resourceVersion`,
   * the changes since then that the watch cache still holds). Returns a function that stops it.
   */
  watch(r: ResourceInfo, ns: string | undefined, opts: ListOptions & { resourceVersion?: string }, send: (e: WatchEvent) => void): () => void {
    const matches = this.matcher(opts);
    const sub: Subscriber = { ns: r.namespaced ? ns : undefined, matches, send };
    const w = this.kindWatch(r.kind);
    const from = Number(opts.resourceVersion ?? "");
    if (opts.resourceVersion && opts.resourceVersion !== "0" && Number.isFinite(from)) {
      for (const h of w.history) if (h.rv > from && this.selects(sub, h.event.object)) send(h.event);
    } else if (opts.resourceVersion === undefined || opts.resourceVersion === "" || opts.resourceVersion === "0") {
      // No resourceVersion: the current state as ADDED events first, as the API server does.
      for (const o of this.api.list(r.kind, sub.ns)) if (matches(o)) send({ type: "ADDED", object: o });
    }
    w.subscribers.add(sub);
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      w.subscribers.delete(sub);
      if (w.subscribers.size === 0 && !this.keepHistory) {
        this.api.unwatch(r.kind, w.handler);
        this.watches.delete(r.kind);
      }
    };
  }

  /** Serve mode: watch every kind from now on, so watches can resume from a list's resourceVersion. */
  startWatchCache(): void {
    this.keepHistory = true;
    for (const r of resources) this.kindWatch(r.kind);
  }

  private selects(sub: Subscriber, o: Stored<Kind>): boolean {
    return (sub.ns === undefined || o.metadata.namespace === sub.ns) && sub.matches(o);
  }

  private kindWatch(kind: Kind): KindWatch {
    let w = this.watches.get(kind);
    if (w) return w;
    const kw: KindWatch = {
      subscribers: new Set(),
      history: [],
      handler: (type, obj) => {
        if (!this.watches.has(kind)) return;
        // A deletion is its own revision; the object carries it as its resourceVersion.
        const object = type === "DELETED" ? ({ ...obj, metadata: { ...obj.metadata, resourceVersion: this.resourceVersion } } as Stored<Kind>) : obj;
        const event: WatchEvent = { type, object };
        if (this.keepHistory) {
          kw.history.push({ rv: Number(object.metadata.resourceVersion), event });
          if (kw.history.length > HISTORY) kw.history.splice(0, kw.history.length - HISTORY);
        }
        for (const s of [...kw.subscribers]) if (this.selects(s, object)) s.send(event);
      },
    };
    w = kw;
    this.watches.set(kind, w);
    this.api.watch(this.client, kind, w.handler);
    return w;
  }
}

/** Would storing `o` change nothing (same spec, labels, annotations)? A no-op update writes nothing. */
function sameStored(o: KubeObject, old: DeepReadonly<KubeObject>): boolean {
  const strip = (x: DeepReadonly<KubeObject> | KubeObject): string => {
    const { status: _s, metadata, ...rest } = x as KubeObject & { status?: unknown };
    void _s;
    return JSON.stringify(sortKeys({ ...rest, labels: metadata.labels ?? {}, annotations: metadata.annotations ?? {}, ownerReferences: metadata.ownerReferences ?? [], finalizers: metadata.finalizers ?? [] }));
  };
  return strip(o) === strip(old);
}

/** A strategic merge patch without its `$patch`/`$setElementOrder/…` directives (for field validation). */
function withoutDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => !(x && typeof x === "object" && (x as Record<string, unknown>)["$patch"] === "delete")).map(withoutDirectives);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).filter(([k, x]) => !k.startsWith("$") && x !== null).map(([k, x]) => [k, withoutDirectives(x)]));
  return v;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}
