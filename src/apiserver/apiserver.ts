/**
 * kube-apiserver: the only component that reads and writes etcd.
 *
 * Every other component is a client: it sends requests (create, update, bind, delete) that are
 * defaulted, validated and admitted here, persisted to etcd, and then fanned out to watchers —
 * the informers of controllers, the scheduler, kubelets, kube-proxy and CoreDNS. Each request,
 * etcd write and watch notification is a trace event.
 *
 * @example
 * ```ts
 * const api = new ApiServer(ctx, { serviceCIDR: "10.96.0.0/12" });
 * api.watch("replicaset-controller", "Pod", (type, pod) => console.log(type, pod.metadata.name));
 * api.create("kubectl", { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } });
 * ```
 */
import { EventStore } from "./events";
import { type Cidr, parseCidr } from "../util/ipv4";
import { randomSuffix } from "../util/names";
import type { FieldError } from "../api/errors";
import { ApplyError, NotFoundError, invalid } from "../api/errors";
import { cacheKey, etcdKey, etcdKeyOf, kindInfo, traceRef } from "../api/meta";
import { validateObject } from "../api/validation";
import type { DeepReadonly, Kind, KubeObject, ObjectOf, Pod, Service } from "../api/types";
import { Etcd } from "../etcd/store";
import type { SimContext } from "../sim/context";
import { applyDefaults } from "./defaults";
import { IPAllocator, PortAllocator } from "./allocators";
import { type ClientRateLimit, TokenBucket } from "../client/ratelimit";
import { ApiClient, type Caller } from "../client/client";


/**
 * client-go's cache mutation detector, for tests (`KUBELAB_MUTATION_DETECTOR=1`, set by the test
 * setup): every stored object is deep-frozen, so code that edits an object it read from the API
 * server — which the identity memos of informers, kube-proxy and the views rely on never happening —
 * throws at the write instead of corrupting the cache silently.
 */
function mutationDetectorOn(): boolean {
  return typeof process !== "undefined" && process.env?.["KUBELAB_MUTATION_DETECTOR"] === "1";
}

function deepFreeze(v: unknown): void {
  if (v === null || typeof v !== "object" || Object.isFrozen(v)) return;
  Object.freeze(v);
  for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";
/** An object as stored: shared and read-only. */
export type Stored<K extends Kind> = DeepReadonly<ObjectOf<K>>;
export type WatchHandler<K extends Kind> = (type: WatchEventType, obj: Stored<K>, old: Stored<K> | undefined) => void;

export interface WatchOptions {
  /** Field selector `spec.nodeName=<node>` (kubelets watch only their own pods). */
  nodeName?: string;
  /** Field selector `metadata.name=<name>` (a kubelet watches only its own Node). */
  name?: string;
  /**
   * Trace names of the component instances this watch stands for. A DaemonSet's instances all
   * watch the same objects; the simulation shares one cache and records a notification per node.
   * Defaults to the client name.
   */
  instances?: () => readonly string[];
}

interface Watcher {
  client: string;
  kind: Kind;
  handler: WatchHandler<Kind>;
  opts: WatchOptions;
}

export interface ApiServerOptions {
  serviceCIDR: string;
  nodePortRange?: [number, number];
}

/** Reservations made while validating a batch, so two documents can't claim the same IP or port. */
export interface BatchReservations {
  ips: Set<string>;
  ports: Set<number>;
  namespaces: Set<string>;
}

/** Milliseconds between an etcd write and its watch notifications reaching clients. */
export const WATCH_LATENCY_MS = 1;
/** Kinds whose registry strategy sets metadata.generation (apps/v1 workloads and EndpointSlices, in Kubernetes 1.32). */
const HAS_GENERATION: ReadonlySet<string> = new Set(["Deployment", "ReplicaSet", "EndpointSlice"]);

/** Above this many instances, a fan-out is traced as one event to `name@*` (see WatchOptions.instances). */
export const TRACE_FANOUT_LIMIT = 50;


export class ApiServer {
  readonly etcd = new Etcd<KubeObject>();
  /** Events components report (kept apart from etcd's revisions: see events.ts). */
  readonly events: EventStore;
  readonly serviceCIDR: Cidr;
  readonly clusterIPs: IPAllocator;
  readonly nodePorts: PortAllocator;
  private readonly cache = new Map<Kind, Map<string, KubeObject>>();
  private readonly watchers = new Map<Kind, Watcher[]>();
  private readonly podWatchersByNode = new Map<string, Watcher[]>();
  /** Watches of one object by name, per kind (`metadata.name=` field selectors). */
  private readonly watchersByName = new Map<string, Watcher[]>();
  /** owner uid → dependents' `Kind/ns/name` (the garbage collector's graph, kept by the watch cache). */
  private readonly dependents = new Map<string, Set<string>>();
  private readonly podsByNode = new Map<string, Set<string>>();
  /** The mutation detector (see {@link mutationDetectorOn}), read once per API server. */
  private readonly freezeStored = mutationDetectorOn();
  readonly name = "kube-apiserver";

  constructor(
    private readonly ctx: SimContext,
    opts: ApiServerOptions,
  ) {
    this.events = new EventStore(() => ctx.now);
    this.serviceCIDR = parseCidr(opts.serviceCIDR);
    this.clusterIPs = new IPAllocator(this.serviceCIDR, ctx.rng.fork());
    const [lo, hi] = opts.nodePortRange ?? [30000, 32767];
    this.nodePorts = new PortAllocator(lo, hi, ctx.rng.fork());
  }

  /**
   * A component's client of this server: its name in the trace and, with `limit`, its own token
   * bucket (client-go's `rest.Config` QPS/Burst), debited by each of its requests.
   * @example const client = api.client("replicaset-controller", CONTROLLER_MANAGER_LIMIT);
   */
  client(name: string, limit?: ClientRateLimit): ApiClient {
    return new ApiClient(this, name, limit ? new TokenBucket(limit.qps, limit.burst, this.ctx.now) : undefined);
  }

  private request(caller: Caller, verb: string, ref: string, detail: string): void {
    if (typeof caller === "string") this.ctx.record(caller, this.name, verb, ref, detail);
    else {
      caller.limiter?.take(this.ctx.now);
      this.ctx.record(caller.name, this.name, verb, ref, detail);
    }
  }

  // ------------------------------------------------------------------ reads (watch cache)

  get<K extends Kind>(kind: K, namespace: string | undefined, name: string): Stored<K> | undefined {
    return this.cache.get(kind)?.get(namespace && kindInfo(kind).namespaced ? `${namespace}/${name}` : name) as Stored<K> | undefined;
  }

  /** Objects of a kind, optionally in one namespace, in key order. */
  list<K extends Kind>(kind: K, namespace?: string): Stored<K>[] {
    const m = this.cache.get(kind);
    if (!m) return [];
    const out: Stored<K>[] = [];
    for (const o of m.values()) if (namespace === undefined || o.metadata.namespace === namespace) out.push(o as Stored<K>);
    return out.sort((a, b) => cmp(cacheKey(a), cacheKey(b)));
  }

  count(kind: Kind): number {
    return this.cache.get(kind)?.size ?? 0;
  }

  /** Pods bound to a node (the kubelet's and scheduler's view, via a field-selector index). */
  podsOnNode(node: string): Stored<"Pod">[] {
    const out: Stored<"Pod">[] = [];
    for (const k of this.podsByNode.get(node) ?? []) {
      const p = this.cache.get("Pod")?.get(k);
      if (p) out.push(p as Stored<"Pod">);
    }
    return out;
  }

  /** Objects whose ownerReferences name this uid. */
  dependentsOf(uid: string): Stored<Kind>[] {
    const out: Stored<Kind>[] = [];
    for (const ref of this.dependents.get(uid) ?? []) {
      const [kind, key] = splitOnce(ref);
      const o = this.cache.get(kind as Kind)?.get(key);
      if (o) out.push(o as Stored<Kind>);
    }
    return out;
  }

  // ------------------------------------------------------------------ watches

  /**
   * List and watch a kind: returns the current objects (the informer's initial list) and delivers
   * later changes to `handler`, one virtual millisecond after each write.
   */
  watch<K extends Kind>(client: string, kind: K, handler: WatchHandler<K>, opts: WatchOptions = {}): Stored<K>[] {
    const w: Watcher = { client, kind, handler: handler as unknown as WatchHandler<Kind>, opts };
    if (kind === "Pod" && opts.nodeName !== undefined) {
      const list = this.podWatchersByNode.get(opts.nodeName) ?? [];
      list.push(w);
      this.podWatchersByNode.set(opts.nodeName, list);
    } else if (opts.name !== undefined) {
      const k = `${kind}/${opts.name}`;
      const list = this.watchersByName.get(k) ?? [];
      list.push(w);
      this.watchersByName.set(k, list);
    } else {
      const list = this.watchers.get(kind) ?? [];
      list.push(w);
      this.watchers.set(kind, list);
    }
    const one = opts.name !== undefined ? this.cache.get(kind)?.get(opts.name) : undefined;
    const items = opts.nodeName !== undefined ? (this.podsOnNode(opts.nodeName) as Stored<K>[]) : opts.name !== undefined ? (one ? [one as Stored<K>] : []) : this.list(kind);
    this.ctx.record(client, this.name, "list", kindInfo(kind).resource, opts.nodeName ? `spec.nodeName=${opts.nodeName}` : opts.name ? `metadata.name=${opts.name}` : `${items.length} items`);
    return items;
  }

  /** Stop a watch started with {@link watch} (the same handler); a no-op if it already stopped. */
  unwatch<K extends Kind>(kind: K, handler: WatchHandler<K>): void {
    const h = handler as unknown as WatchHandler<Kind>;
    const drop = (m: Map<string, Watcher[]>, key: string): void => {
      const list = m.get(key);
      if (!list) return;
      const rest = list.filter((w) => w.handler !== h);
      if (rest.length) m.set(key, rest);
      else m.delete(key);
    };
    drop(this.watchers as Map<string, Watcher[]>, kind);
    for (const k of [...this.podWatchersByNode.keys()]) if (kind === "Pod") drop(this.podWatchersByNode, k);
    for (const k of [...this.watchersByName.keys()]) if (k.startsWith(`${kind}/`)) drop(this.watchersByName, k);
  }

  private notify(type: WatchEventType, obj: KubeObject, old: KubeObject | undefined): void {
    // Watchers and the event type each sees, side by side (no pair arrays: a write has ~5 targets).
    const watchers: Watcher[] = [];
    const types: WatchEventType[] = [];
    for (const w of this.watchers.get(obj.kind) ?? NO_WATCHERS) {
      watchers.push(w);
      types.push(type);
    }
    if (!kindInfo(obj.kind).namespaced) {
      for (const w of this.watchersByName.get(`${obj.kind}/${obj.metadata.name}`) ?? NO_WATCHERS) {
        watchers.push(w);
        types.push(type);
      }
    }
    if (obj.kind === "Pod") {
      const oldNode = (old as Pod | undefined)?.spec.nodeName;
      const newNode = type === "DELETED" ? undefined : obj.spec.nodeName;
      // Field-selector semantics: entering the selection is ADDED, leaving it is DELETED.
      if (oldNode && oldNode !== newNode) {
        for (const w of this.podWatchersByNode.get(oldNode) ?? NO_WATCHERS) {
          watchers.push(w);
          types.push("DELETED");
        }
      }
      if (newNode) {
        for (const w of this.podWatchersByNode.get(newNode) ?? NO_WATCHERS) {
          watchers.push(w);
          types.push(oldNode === newNode ? type : "ADDED");
        }
      }
    }
    if (watchers.length === 0) return;
    const ref = traceRef(obj);
    this.ctx.loop.after(WATCH_LATENCY_MS, (WATCH_LABELS[obj.kind] ??= `watch ${obj.kind}`), () => {
      for (let i = 0; i < watchers.length; i++) {
        const w = watchers[i]!;
        const t = types[i]!;
        const instances = w.opts.instances?.();
        if (!instances) this.ctx.record(this.name, w.client, "watch", ref, t);
        else if (instances.length <= TRACE_FANOUT_LIMIT) for (const inst of instances) this.ctx.record(this.name, inst, "watch", ref, t);
        else this.ctx.record(this.name, `${w.client}@*`, "watch", ref, `${t} (${instances.length} instances)`);
        w.handler(t, obj as Stored<Kind>, old as Stored<Kind> | undefined);
      }
    });
  }

  // ------------------------------------------------------------------ admission

  /**
   * Default, validate and admit an object without writing it (the dry run behind atomic apply).
   * Returns the errors; on success `obj` is defaulted in place and its IPs/ports reserved in `batch`.
   */
  admit(obj: KubeObject, batch?: BatchReservations): FieldError[] {
    const info = kindInfo(obj.kind);
    if (info.namespaced) obj.metadata.namespace ||= "default";
    else delete obj.metadata.namespace;
    if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = obj.metadata.generateName + randomSuffix(this.ctx.rng);
    applyDefaults(obj);
    const old = this.get(obj.kind, obj.metadata.namespace, obj.metadata.name ?? "");
    if (obj.kind === "Service" && old) inheritAllocations(obj, old as Stored<"Service">);
    const errs = validateObject(obj as DeepReadonly<KubeObject>, old as DeepReadonly<KubeObject> | undefined);
    if (errs.length) return errs;
    if (info.namespaced) {
      const ns = obj.metadata.namespace!;
      if (!this.get("Namespace", undefined, ns) && !batch?.namespaces.has(ns))
        return [{ type: "Not found", field: ["metadata", "namespace"], detail: `namespaces "${ns}" not found` }];
      const nsObj = this.get("Namespace", undefined, ns);
      if (nsObj?.metadata.deletionTimestamp)
        return [{ type: "Forbidden", field: ["metadata", "namespace"], detail: `unable to create new content in namespace ${ns} because it is being terminated` }];
    }
    if (obj.kind === "Namespace") batch?.namespaces.add(obj.metadata.name!);
    if (obj.kind === "Service") return this.checkServiceAllocations(obj, old as Stored<"Service"> | undefined, batch);
    return [];
  }

  private checkServiceAllocations(s: Service, old: Stored<"Service"> | undefined, batch?: BatchReservations): FieldError[] {
    const errs: FieldError[] = [];
    const ip = s.spec.clusterIP;
    if (ip && ip !== "None" && ip !== old?.spec.clusterIP) {
      const msg = this.clusterIPs.check(ip) ?? (batch?.ips.has(ip) ? `failed to allocate IP ${ip}: provided IP is already allocated` : undefined);
      if (msg) errs.push(invalid(["spec", "clusterIPs"], [ip], msg));
      batch?.ips.add(ip);
    }
    const oldPorts = new Set((old?.spec.ports ?? []).map((p) => p.nodePort).filter((n): n is number => !!n));
    if (old?.spec.healthCheckNodePort) oldPorts.add(old.spec.healthCheckNodePort);
    const mine = new Set<number>();
    (s.spec.ports ?? []).forEach((p, i) => {
      // The same nodePort on two ports of this Service (TCP and UDP) is one allocation.
      if (!p.nodePort || oldPorts.has(p.nodePort) || mine.has(p.nodePort)) return;
      mine.add(p.nodePort);
      const msg = this.nodePorts.check(p.nodePort) ?? (batch?.ports.has(p.nodePort) ? "provided port is already allocated" : undefined);
      if (msg) errs.push(invalid(["spec", "ports", i, "nodePort"], p.nodePort, msg));
      batch?.ports.add(p.nodePort);
    });
    const hc = s.spec.healthCheckNodePort;
    if (hc && !oldPorts.has(hc)) {
      const msg = this.nodePorts.check(hc) ?? (batch?.ports.has(hc) ? "provided port is already allocated" : undefined);
      if (msg) errs.push(invalid(["spec", "healthCheckNodePort"], hc, msg));
      batch?.ports.add(hc);
    }
    return errs;
  }

  /** Allocate what a Service still lacks (ClusterIP, node ports) and free what it no longer uses. */
  private allocateService(s: Service, old: Stored<"Service"> | undefined): void {
    const spec = s.spec;
    const type = spec.type ?? "ClusterIP";
    if (type === "ExternalName") {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    } else if (spec.clusterIP === "None") {
      spec.clusterIPs = ["None"];
    } else {
      if (!spec.clusterIP) spec.clusterIP = this.clusterIPs.allocateNext();
      else if (spec.clusterIP !== old?.spec.clusterIP) this.clusterIPs.allocate(spec.clusterIP);
      spec.clusterIPs = [spec.clusterIP];
    }
    if (old?.spec.clusterIP && old.spec.clusterIP !== "None" && old.spec.clusterIP !== spec.clusterIP) this.clusterIPs.release(old.spec.clusterIP);
    const wantsNodePorts = type === "NodePort" || (type === "LoadBalancer" && spec.allocateLoadBalancerNodePorts !== false);
    const keep = new Set<number>();
    const ports = spec.ports ?? [];
    // initNodePorts: ports with the same number (TCP and UDP of one service) share a nodePort,
    // the one the user asked for on any of them, else one allocated for the first.
    const byPort = new Map<number, number>();
    for (const p of ports) {
      if (!wantsNodePorts && !(type === "LoadBalancer" && p.nodePort)) {
        delete p.nodePort;
        continue;
      }
      const shared = byPort.get(p.port);
      if (!p.nodePort) p.nodePort = shared ?? ports.find((q) => q.port === p.port && q.nodePort)?.nodePort ?? this.nodePorts.allocateNext();
      if (!keep.has(p.nodePort) && !(old?.spec.ports ?? []).some((o) => o.nodePort === p.nodePort) && this.nodePorts.check(p.nodePort) === undefined) this.nodePorts.allocate(p.nodePort);
      if (shared === undefined) byPort.set(p.port, p.nodePort);
      keep.add(p.nodePort);
    }
    const needsHealthCheck = type === "LoadBalancer" && spec.externalTrafficPolicy === "Local";
    if (needsHealthCheck) {
      if (!spec.healthCheckNodePort) spec.healthCheckNodePort = this.nodePorts.allocateNext();
      else if (spec.healthCheckNodePort !== old?.spec.healthCheckNodePort) this.nodePorts.allocate(spec.healthCheckNodePort);
      keep.add(spec.healthCheckNodePort);
    } else delete spec.healthCheckNodePort;
    for (const p of old?.spec.ports ?? []) if (p.nodePort && !keep.has(p.nodePort)) this.nodePorts.release(p.nodePort);
    if (old?.spec.healthCheckNodePort && !keep.has(old.spec.healthCheckNodePort)) this.nodePorts.release(old.spec.healthCheckNodePort);
  }

  private releaseService(s: Stored<"Service">): void {
    if (s.spec.clusterIP && s.spec.clusterIP !== "None") this.clusterIPs.release(s.spec.clusterIP);
    for (const p of s.spec.ports ?? []) if (p.nodePort) this.nodePorts.release(p.nodePort);
    if (s.spec.healthCheckNodePort) this.nodePorts.release(s.spec.healthCheckNodePort);
  }

  // ------------------------------------------------------------------ writes

  /**
   * Create an object. Controllers call this with objects they built; user input goes through
   * `admit` first (Cluster.apply does that for every document before writing any).
   */
  create<K extends Kind>(client: Caller, input: ObjectOf<K>, opts: { admitted?: boolean; uid?: string } = {}): Stored<K> {
    const obj = input as KubeObject;
    this.request(client, "create", traceRef(ensureNamed(obj, this.ctx.rng)), "");
    if (!opts.admitted) this.admitOrThrow(obj);
    if (this.get(obj.kind, obj.metadata.namespace, obj.metadata.name!))
      throw new Error(`${kindInfo(obj.kind).resource} "${obj.metadata.name}" already exists`);
    if (obj.kind === "Service") this.allocateService(obj, undefined);
    const m = obj.metadata;
    m.uid = opts.uid ?? this.ctx.rng.uuid();
    m.creationTimestamp = this.ctx.timestamp();
    // Only the registries whose strategy tracks desired state set a generation (a Service, a
    // ConfigMap or, before 1.33, a Pod has none in kubectl get -o yaml).
    if (HAS_GENERATION.has(obj.kind)) m.generation = 1;
    else delete m.generation;
    // The registries' PrepareForCreate: status is the system's, whatever the request carried.
    if (obj.kind === "Namespace") obj.status = { phase: "Active" };
    if (obj.kind === "Pod") obj.status = { phase: "Pending" };
    if (obj.kind === "Service") obj.status = { loadBalancer: {} };
    if (obj.kind === "Deployment" || obj.kind === "ReplicaSet") delete obj.status;
    this.persist(obj, undefined);
    return obj as Stored<K>;
  }

  /** Replace an object's spec (and metadata labels/annotations/ownerReferences); status is kept. */
  update<K extends Kind>(client: Caller, input: ObjectOf<K>, opts: { admitted?: boolean; verb?: string; detail?: string } = {}): Stored<K> {
    const obj = input as KubeObject;
    const old = this.mustGet(obj.kind, obj.metadata.namespace, obj.metadata.name!);
    this.request(client, opts.verb ?? "update", traceRef(obj), opts.detail ?? "");
    if (!opts.admitted) this.admitOrThrow(obj);
    if (obj.kind === "Service") this.allocateService(obj, old as Stored<"Service">);
    const m = obj.metadata;
    m.uid = old.metadata.uid!;
    m.creationTimestamp = old.metadata.creationTimestamp!;
    if (old.metadata.deletionTimestamp) m.deletionTimestamp = old.metadata.deletionTimestamp;
    if (old.metadata.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
    // Generation counts changes of desired state. An EndpointSlice has no spec: its controller
    // writes only when something changed, so every write is a new generation.
    const changed = obj.kind === "EndpointSlice" || JSON.stringify((obj as { spec?: unknown }).spec) !== JSON.stringify((old as { spec?: unknown }).spec);
    if (HAS_GENERATION.has(obj.kind)) m.generation = (old.metadata.generation ?? 1) + (changed ? 1 : 0);
    else delete m.generation;
    // Status belongs to the status subresource: a spec update never changes it.
    const oldStatus = (old as { status?: unknown }).status;
    if (oldStatus !== undefined) (obj as { status?: unknown }).status = oldStatus;
    this.persist(obj, old as KubeObject);
    return obj as Stored<K>;
  }

  /**
   * Write only the status subresource (`PUT …/status`); never bumps generation. Annotations may
   * change with it, as the real status strategies allow (the Deployment controller records
   * `deployment.kubernetes.io/revision` this way).
   */
  updateStatus<K extends Kind>(
    client: Caller,
    kind: K,
    namespace: string | undefined,
    name: string,
    status: NonNullable<ObjectOf<K> extends { status?: infer S } ? S : never>,
    detail = "",
    annotations?: Readonly<Record<string, string>>,
  ): Stored<K> {
    const old = this.mustGet(kind, namespace, name);
    const obj = { ...(old as KubeObject), ...(annotations ? { metadata: { ...(old as KubeObject).metadata, annotations: { ...annotations } } } : {}), status } as KubeObject;
    this.request(client, "update-status", traceRef(obj), detail);
    this.persist(obj, old as KubeObject);
    return obj as Stored<K>;
  }

  /** The pods/binding subresource: the scheduler's decision. */
  bind(client: Caller, namespace: string, name: string, nodeName: string): Stored<"Pod"> {
    const old = this.mustGet("Pod", namespace, name);
    this.request(client, "bind", traceRef(old), nodeName);
    if (old.spec.nodeName) throw new Error(`pod ${name} is already assigned to node "${old.spec.nodeName}"`);
    const conditions = [
      ...(old.status?.conditions ?? []).filter((c) => c.type !== "PodScheduled"),
      { type: "PodScheduled", status: "True" as const, lastTransitionTime: this.ctx.timestamp() },
    ];
    const pod = { ...old, spec: { ...old.spec, nodeName }, status: { ...old.status, conditions } } as Pod;
    this.persist(pod, old as Pod);
    return pod as Stored<"Pod">;
  }

  /**
   * Delete an object. Pods on a node are deleted gracefully: the API sets deletionTimestamp and the
   * kubelet finishes the deletion once the containers stopped (it calls delete again with grace 0).
   */
  delete(client: Caller, kind: Kind, namespace: string | undefined, name: string, opts: { gracePeriodSeconds?: number } = {}): void {
    const old = this.mustGet(kind, namespace, name) as KubeObject;
    this.request(client, "delete", traceRef(old), opts.gracePeriodSeconds !== undefined ? `gracePeriodSeconds=${opts.gracePeriodSeconds}` : "");
    if (old.kind === "Pod" && old.spec.nodeName && old.status?.phase !== "Succeeded" && old.status?.phase !== "Failed") {
      const grace = opts.gracePeriodSeconds ?? old.metadata.deletionGracePeriodSeconds ?? old.spec.terminationGracePeriodSeconds ?? 30;
      if (grace > 0 && !(old.metadata.deletionTimestamp && grace >= (old.metadata.deletionGracePeriodSeconds ?? 0))) {
        const pod: Pod = {
          ...old,
          metadata: { ...old.metadata, deletionTimestamp: this.ctx.timestamp(this.ctx.now + grace * 1000), deletionGracePeriodSeconds: grace },
        };
        this.persist(pod, old);
        return;
      }
    }
    if (old.kind === "Namespace" && !old.metadata.deletionTimestamp) {
      // The namespace controller empties a terminating namespace, then removes it.
      const ns: KubeObject = { ...old, metadata: { ...old.metadata, deletionTimestamp: this.ctx.timestamp() }, status: { phase: "Terminating" } };
      this.persist(ns, old);
      return;
    }
    if (old.kind === "Service") this.releaseService(old as Stored<"Service">);
    const key = etcdKey(old.kind, old.metadata.namespace, old.metadata.name!);
    this.etcd.delete(key);
    this.ctx.record(this.name, "etcd", "delete", key);
    this.cache.get(old.kind)!.delete(cacheKey(old));
    this.index(old, undefined);
    this.notify("DELETED", old, old);
  }

  private persist(obj: KubeObject, old: KubeObject | undefined): void {
    const key = etcdKeyOf(obj);
    // resourceVersion is the revision this write will get. The metadata is copied: an update built by
    // spreading the stored object shares the old object's metadata, which must not change.
    obj.metadata = { ...obj.metadata, resourceVersion: String(this.etcd.revision + 1) };
    this.etcd.put(key, obj);
    this.ctx.record(this.name, "etcd", "put", key, `rev=${this.etcd.revision}`);
    let m = this.cache.get(obj.kind);
    if (!m) this.cache.set(obj.kind, (m = new Map()));
    m.set(cacheKey(obj), obj);
    if (this.freezeStored) deepFreeze(obj);
    this.index(old, obj);
    this.notify(old ? "MODIFIED" : "ADDED", obj, old);
  }

  private index(old: KubeObject | undefined, obj: KubeObject | undefined): void {
    const o = obj ?? old!;
    const oldOwners = old?.metadata.ownerReferences ?? NO_OWNERS;
    const newOwners = obj?.metadata.ownerReferences ?? NO_OWNERS;
    if (oldOwners !== newOwners && !sameOwners(oldOwners, newOwners)) {
      const ref = `${o.kind}\u0000${cacheKey(o)}`;
      for (const r of oldOwners) this.dependents.get(r.uid)?.delete(ref);
      for (const r of newOwners) {
        let s = this.dependents.get(r.uid);
        if (!s) this.dependents.set(r.uid, (s = new Set()));
        s.add(ref);
      }
    }
    if (o.kind === "Pod") {
      const oldNode = (old as Pod | undefined)?.spec.nodeName;
      const newNode = (obj as Pod | undefined)?.spec.nodeName;
      if (oldNode !== newNode) {
        if (oldNode) this.podsByNode.get(oldNode)?.delete(cacheKey(o));
        if (newNode) {
          let s = this.podsByNode.get(newNode);
          if (!s) this.podsByNode.set(newNode, (s = new Set()));
          s.add(cacheKey(o));
        }
      }
    }
  }

  private admitOrThrow(obj: KubeObject): void {
    const errs = this.admit(obj);
    if (errs.length) throw new ApplyError([{ object: `${obj.kind} "${obj.metadata.name ?? ""}"`, errors: errs }]);
  }

  private mustGet<K extends Kind>(kind: K, namespace: string | undefined, name: string): Stored<K> {
    const o = this.get(kind, namespace, name);
    if (!o) throw new NotFoundError(kindInfo(kind).resource, name, kindInfo(kind).namespaced ? namespace : undefined);
    return o;
  }
}

/** On update, a Service keeps the ClusterIP and node ports it was given unless the request names others. */
function inheritAllocations(s: Service, old: Stored<"Service">): void {
  const type = s.spec.type ?? "ClusterIP";
  if (type !== "ExternalName" && (old.spec.type ?? "ClusterIP") !== "ExternalName") {
    if (!s.spec.clusterIP && old.spec.clusterIP) s.spec.clusterIP = old.spec.clusterIP;
    if (!s.spec.clusterIPs && s.spec.clusterIP === old.spec.clusterIP && old.spec.clusterIPs) s.spec.clusterIPs = [...old.spec.clusterIPs];
  }
  if (type === "NodePort" || type === "LoadBalancer") {
    for (const p of s.spec.ports ?? []) {
      if (p.nodePort) continue;
      const prev = (old.spec.ports ?? []).find((o) => o.port === p.port && (o.protocol ?? "TCP") === (p.protocol ?? "TCP"));
      if (prev?.nodePort) p.nodePort = prev.nodePort;
    }
    if (!s.spec.healthCheckNodePort && old.spec.healthCheckNodePort && s.spec.externalTrafficPolicy === "Local")
      s.spec.healthCheckNodePort = old.spec.healthCheckNodePort;
  }
}

function ensureNamed(obj: KubeObject, rng: { string(n: number, a: string): string }): KubeObject {
  if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = obj.metadata.generateName + randomSuffix(rng);
  return obj;
}

const NO_OWNERS: readonly never[] = [];

/** Same owner uids in the same order (controllers rebuild ownerReferences on every write)? */
function sameOwners(a: readonly { uid: string }[], b: readonly { uid: string }[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.uid !== b[i]!.uid) return false;
  return true;
}
const NO_WATCHERS: readonly Watcher[] = [];
/** Task labels of watch notifications, one string per kind. */
const WATCH_LABELS: Partial<Record<string, string>> = {};

function splitOnce(s: string): [string, string] {
  const i = s.indexOf("\u0000");
  return [s.slice(0, i), s.slice(i + 1)];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
