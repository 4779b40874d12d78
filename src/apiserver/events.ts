/**
 * Events: what components report about an object (`Scheduled`, `Pulled`, `SuccessfulCreate`,
 * `ScalingReplicaSet`, …), which `kubectl describe` lists under `Events:` and `kubectl get events`
 * prints. They live in a store of their own, as large clusters keep them in a separate etcd
 * (`--etcd-servers-overrides=/events#…`): recording one neither advances the main etcd revision nor
 * wakes a watcher, so the control plane's story (and its trace) is the same with or without them.
 *
 * Like client-go's event correlator, a repeat of the same report about the same object (same
 * source, reason and message) raises the first event's `count` and `lastTimestamp` instead of
 * adding one. Events expire after an hour of virtual time (the API server's default `--event-ttl`),
 * and at most {@link MAX_EVENTS} are kept.
 */
import { EPOCH_MS } from "../sim/context";

/** A core/v1 Event, as `kubectl get events -o yaml` shows it. */
export interface CoreEvent {
  readonly apiVersion: "v1";
  readonly kind: "Event";
  readonly metadata: { readonly name: string; readonly namespace: string; readonly uid: string; readonly resourceVersion: string; readonly creationTimestamp: string };
  readonly involvedObject: {
    readonly kind: string;
    readonly namespace?: string;
    readonly name: string;
    readonly uid?: string;
    readonly apiVersion: string;
    readonly resourceVersion?: string;
    readonly fieldPath?: string;
  };
  readonly reason: string;
  readonly message: string;
  readonly source: { readonly component: string; readonly host?: string };
  readonly firstTimestamp: string;
  readonly lastTimestamp: string;
  readonly count: number;
  readonly type: "Normal" | "Warning";
  readonly eventTime: null;
  readonly reportingComponent: string;
  readonly reportingInstance: string;
}

/** The object an event is about (any stored object qualifies). */
export interface EventSubject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name?: string; readonly namespace?: string; readonly uid?: string; readonly resourceVersion?: string };
}

/** Who reports: the component, and the node for a kubelet. */
export interface EventSource {
  component: string;
  host?: string;
}

/** The API server's default `--event-ttl`. */
export const EVENT_TTL_MS = 60 * 60_000;
/** A bound on memory for very large simulated clusters: the oldest events go first. */
export const MAX_EVENTS = 20_000;

const stamp = (ms: number): string => new Date(EPOCH_MS + ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * @example
 * ```ts
 * api.events.record({ component: "default-scheduler" }, pod, "Normal", "Scheduled", "Successfully assigned default/web-1 to node-1");
 * api.events.forObject(pod).map((e) => e.reason);   // ["Scheduled"]
 * ```
 */
export class EventStore {
  /** By `namespace/name`, in insertion order (oldest first). */
  private readonly byName = new Map<string, CoreEvent>();
  /** Correlation key → name of the event a repeat updates. */
  private readonly byReport = new Map<string, string>();
  /** Event key → its correlation key (to forget it when the event goes). */
  private readonly reportOf = new Map<string, string>();
  private revision = 0;
  private uids = 0;
  /** Event watchers (`kubectl events -w`): told of each report, outside etcd and the trace. */
  private readonly listeners = new Set<(type: "ADDED" | "MODIFIED", event: CoreEvent) => void>();

  constructor(private readonly now: () => number) {}

  /** Records (or counts again) a report about `obj`; `fieldPath` names a container, e.g. `spec.containers{web}`. */
  record(source: EventSource, obj: EventSubject, type: "Normal" | "Warning", reason: string, message: string, fieldPath?: string): void {
    const now = this.now();
    this.expire(now);
    const ns = obj.metadata.namespace ?? "default";
    const report = [source.component, source.host ?? "", obj.kind, ns, obj.metadata.name ?? "", fieldPath ?? "", type, reason, message].join("\u0000");
    const at = stamp(now);
    const rv = String(++this.revision);
    const existing = this.byReport.get(report);
    const old = existing === undefined ? undefined : this.byName.get(existing);
    if (old) {
      this.byName.delete(existing!);
      const again: CoreEvent = { ...old, metadata: { ...old.metadata, resourceVersion: rv }, count: old.count + 1, lastTimestamp: at };
      this.byName.set(existing!, again);
      for (const l of [...this.listeners]) l("MODIFIED", again);
      return;
    }
    // client-go names an event after its object and the time in nanoseconds, in hex.
    const name = `${obj.metadata.name}.${(BigInt(EPOCH_MS + now) * 1_000_000n + BigInt(this.uids % 1_000_000)).toString(16)}`;
    const key = `${ns}/${name}`;
    const event: CoreEvent = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace: ns, uid: `00000000-0000-4000-8000-${(++this.uids).toString(16).padStart(12, "0")}`, resourceVersion: rv, creationTimestamp: at },
      involvedObject: {
        kind: obj.kind,
        ...(obj.metadata.namespace !== undefined ? { namespace: obj.metadata.namespace } : {}),
        name: obj.metadata.name ?? "",
        ...(obj.metadata.uid !== undefined ? { uid: obj.metadata.uid } : {}),
        apiVersion: obj.apiVersion,
        ...(obj.metadata.resourceVersion !== undefined ? { resourceVersion: obj.metadata.resourceVersion } : {}),
        ...(fieldPath !== undefined ? { fieldPath } : {}),
      },
      reason,
      message,
      source: { component: source.component, ...(source.host !== undefined ? { host: source.host } : {}) },
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: source.component,
      reportingInstance: source.host ?? "",
    };
    this.byName.set(key, event);
    this.byReport.set(report, key);
    this.reportOf.set(key, report);
    while (this.byName.size > MAX_EVENTS) this.drop(this.byName.keys().next().value!);
    for (const l of [...this.listeners]) l("ADDED", event);
  }

  /**
   * Be told of every event recorded (ADDED) or counted again (MODIFIED) from now on; returns a
   * function that stops it. Expiry is not reported: `kubectl events -w` ignores deletions.
   *
   * @example
   * ```ts
   * const stop = api.events.subscribe((type, e) => console.log(type, e.reason));
   * ```
   */
  subscribe(listener: (type: "ADDED" | "MODIFIED", event: CoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Events in `namespace` (every namespace without one), ordered by name as the API lists them. */
  list(namespace?: string): CoreEvent[] {
    this.expire(this.now());
    const out = [...this.byName.values()].filter((e) => namespace === undefined || e.metadata.namespace === namespace);
    return out.sort((a, b) => (a.metadata.namespace + "/" + a.metadata.name < b.metadata.namespace + "/" + b.metadata.name ? -1 : 1));
  }

  /** The events about one object (matched by kind, namespace, name and uid), oldest last-seen first, as describe sorts them. */
  forObject(obj: Omit<EventSubject, "apiVersion">): CoreEvent[] {
    const ns = obj.metadata.namespace;
    return this.list(ns)
      .filter((e) => e.involvedObject.kind === obj.kind && e.involvedObject.name === obj.metadata.name && (obj.metadata.uid === undefined || e.involvedObject.uid === obj.metadata.uid))
      .sort((a, b) => Date.parse(a.lastTimestamp) - Date.parse(b.lastTimestamp));
  }

  /** The store's own revision (a resourceVersion for event lists). */
  get resourceVersion(): string {
    return String(this.revision);
  }

  private expire(now: number): void {
    for (const [key, e] of this.byName) {
      if (now - (Date.parse(e.lastTimestamp) - EPOCH_MS) <= EVENT_TTL_MS) break;
      this.drop(key);
    }
  }

  private drop(key: string): void {
    this.byName.delete(key);
    const report = this.reportOf.get(key);
    this.reportOf.delete(key);
    if (report !== undefined) this.byReport.delete(report);
  }
}
