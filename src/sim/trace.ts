/**
 * The trace: every message between components, on the one virtual clock.
 *
 * A trace event says who talked to whom, with which verb, about which object. Components
 * are named like their processes (`kube-apiserver`, `etcd`, `kubelet@node-1`, …), objects
 * like kubectl refers to them (`pod/default/web-7d4b9c8f5-x2x7q`).
 *
 * @example
 * ```ts
 * const mark = cluster.trace.mark();
 * cluster.scale("deployment/web", 5);
 * cluster.settle();
 * cluster.trace.since(mark).for("pod/default/web-7d4b9c8f5-x2x7q").events;
 * ```
 */

import { etcdKey, lookupKind } from "../api/meta";

/** One message on the virtual clock. */
export interface TraceEvent {
  /** Position in the whole trace (0-based, unique, increasing). */
  readonly seq: number;
  /** Virtual time in milliseconds since the cluster started. */
  readonly t: number;
  /** The component that acted or sent the message. */
  readonly from: string;
  /** The component that received it (equal to `from` for a component's own action). */
  readonly to: string;
  /** What happened: `create`, `update`, `bind`, `watch`, `put`, `RunPodSandbox`, … */
  readonly verb: string;
  /** The object concerned, `kind/namespace/name` (or `kind/name` when cluster-scoped); "" if none. */
  readonly object: string;
  /** Free text, e.g. `ADDED`, `phase=Running`, `10.244.1.5/24`. */
  readonly detail: string;
}

/** A filter over trace events. Every given field must match. */
export interface TraceFilter {
  /** A component name; matches `from` or `to`. A name without `@node` matches every node's instance. */
  component?: string;
  /** An object ref `kind/ns/name`, `kind/name` (namespace default), or a prefix ending in `/`. */
  object?: string;
  verb?: string;
}

/** A sequence of trace events with filtering; the cluster's {@link Trace} is the growing one. */
export class TraceView {
  constructor(private readonly list: readonly TraceEvent[]) {}

  /** The events, in order. */
  get events(): readonly TraceEvent[] {
    return this.list;
  }

  get length(): number {
    return this.events.length;
  }

  /**
   * Only events concerning one object, e.g. `trace.for("pod/web-abc12")`; given several objects, the
   * events of any of them including their etcd writes (one pod's story from its Deployment on).
   * @example `cluster.trace.for("deployment/web")`, `cluster.trace.for("deployment/web", "replicaset/web-5d4c8b7f9", "pod/web-5d4c8b7f9-x2x7q")`
   */
  for(...objects: string[]): TraceView {
    if (objects.length === 1) return this.filter({ object: objects[0]! });
    // Several objects: their events, and their etcd writes (`/registry/...` keys), in order.
    const want = new Set<string>();
    for (const o of objects) {
      const ref = normalizeObjectRef(o);
      want.add(ref);
      const [kind, ns, name] = ref.split("/");
      const info = kind ? lookupKind(kind) : undefined;
      if (info && name !== undefined) want.add(etcdKey(info.kind, info.namespaced ? ns : undefined, name));
      else if (info && ns !== undefined) want.add(etcdKey(info.kind, undefined, ns));
    }
    return new TraceView(this.events.filter((e) => want.has(e.object)));
  }

  /** Only events a component sent or received, e.g. `trace.by("kube-scheduler")`. */
  by(component: string): TraceView {
    return this.filter({ component });
  }

  /** Events matching every field of the filter. */
  filter(f: TraceFilter): TraceView {
    const obj = f.object === undefined ? undefined : normalizeObjectRef(f.object);
    const comp = f.component;
    return new TraceView(
      this.events.filter((e) => {
        if (f.verb !== undefined && e.verb !== f.verb) return false;
        if (comp !== undefined && !componentMatches(e.from, comp) && !componentMatches(e.to, comp)) return false;
        if (obj !== undefined) {
          if (obj.endsWith("/") ? !e.object.startsWith(obj) : e.object !== obj) return false;
        }
        return true;
      }),
    );
  }

  /** The distinct components in order of first appearance. */
  components(): string[] {
    const seen = new Set<string>();
    for (const e of this.events) {
      seen.add(e.from);
      seen.add(e.to);
    }
    return [...seen];
  }

  /** One line per event: `t=12ms kube-scheduler -> kube-apiserver bind pod/default/x node-1`. */
  toString(): string {
    return this.events.map(formatEvent).join("\n");
  }

  toJSON(): readonly TraceEvent[] {
    return this.events;
  }

  /** Rendered by the kernel; the renderer issue replaces this with a sequence diagram bundle. */
  [Symbol.for("Jupyter.display")](): Record<string, unknown> {
    return traceDisplay(this);
  }
}

/**
 * Hook the renderer installs so that `sim/` never imports `render/` (simulation stays free of
 * formatting). Until one is installed a trace shows as plain text.
 */
let traceDisplay: (view: TraceView) => Record<string, unknown> = (v) => ({ "text/plain": v.toString() });

/** Install the MIME-bundle renderer for traces (called by `render/`). */
export function setTraceRenderer(fn: (view: TraceView) => Record<string, unknown>): void {
  traceDisplay = fn;
}

/**
 * The cluster's trace: append-only, with marks to cut out one cell's effect.
 *
 * Stored in columns with interned names (about 40 bytes an event instead of an object of ~200),
 * because a large cluster records tens of millions of events; event objects are made only for
 * the parts a view asks for.
 */
/** Slots of the trace's recent-names cache (a power of two). */
const RECENT = 16384;
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

export class Trace extends TraceView {
  /** When false, events are counted but not stored (large benchmarks). */
  enabled = true;
  private count = 0;
  /** Index of the first stored event (events before it were split off). */
  private base = 0;
  private size = 0;
  private t = new Float64Array(1024);
  private ids = new Uint32Array(4 * 1024); // from, to, verb, object
  // Details are mostly unique text ("rev=4711", "phase=Running podIP=…"): kept as UTF-8 in one
  // growing byte buffer (event i's bytes start at detailStart[i]) rather than as millions of
  // strings on the heap, which the garbage collector would copy and scan again and again.
  private detailBytes = new Uint8Array(64 * 1024);
  private detailStart = new Uint32Array(1024);
  private detailUsed = 0;
  private readonly names: string[] = [];
  private readonly nameIds = new Map<string, number>();
  private cache: { size: number; base: number; events: TraceEvent[] } | undefined;

  constructor() {
    super([]);
  }

  /** Every stored event (materialised on demand). */
  override get events(): readonly TraceEvent[] {
    if (!this.cache || this.cache.size !== this.size || this.cache.base !== this.base) this.cache = { size: this.size, base: this.base, events: this.slice(0, this.size) };
    return this.cache.events;
  }

  // A small direct-mapped cache in front of the name map: the names of one write (the object's
  // ref, its etcd key, the components) recur in the next few events, and a hit here avoids a
  // probe into a map of millions of names, which misses the CPU cache.
  private readonly recentNames: (string | undefined)[] = new Array<string | undefined>(RECENT).fill(undefined);
  private readonly recentIds = new Int32Array(RECENT);

  private internAt(s: string): number {
    const n = s.length;
    const slot = n === 0 ? 0 : (n * 31 + s.charCodeAt(n - 1) * 7 + s.charCodeAt(n - 2) * 131 + s.charCodeAt(n >> 1)) & (RECENT - 1);
    if (this.recentNames[slot] === s) return this.recentIds[slot]!;
    const id = this.intern(s);
    this.recentNames[slot] = s;
    this.recentIds[slot] = id;
    return id;
  }

  private intern(s: string): number {
    let id = this.nameIds.get(s);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(s);
      this.nameIds.set(s, id);
    }
    return id;
  }

  /** Append an event (components call this through their context). */
  record(t: number, from: string, to: string, verb: string, object: string, detail = ""): void {
    this.count++;
    if (!this.enabled) return;
    const i = this.size++;
    if (i >= this.t.length) {
      const t = new Float64Array(this.t.length * 2);
      t.set(this.t);
      this.t = t;
      const ids = new Uint32Array(this.ids.length * 2);
      ids.set(this.ids);
      this.ids = ids;
      const starts = new Uint32Array(this.detailStart.length * 2);
      starts.set(this.detailStart);
      this.detailStart = starts;
    }
    this.t[i] = t;
    const j = 4 * i;
    this.ids[j] = this.internAt(from);
    this.ids[j + 1] = this.internAt(to);
    this.ids[j + 2] = this.internAt(verb);
    this.ids[j + 3] = this.internAt(object);
    this.detailStart[i] = this.detailUsed;
    if (detail.length > 0) this.appendDetail(detail);
  }

  private appendDetail(detail: string): void {
    const n = detail.length;
    if (this.detailUsed + 3 * n > this.detailBytes.length) {
      const bytes = new Uint8Array(Math.max(this.detailBytes.length * 2, this.detailUsed + 3 * n));
      bytes.set(this.detailBytes.subarray(0, this.detailUsed));
      this.detailBytes = bytes;
    }
    const b = this.detailBytes;
    let at = this.detailUsed;
    for (let k = 0; k < n; k++) {
      const c = detail.charCodeAt(k);
      if (c > 127) {
        // Not ASCII: encode the whole detail properly instead.
        at = this.detailUsed + utf8.encodeInto(detail, b.subarray(this.detailUsed)).written;
        break;
      }
      b[at++] = c;
    }
    this.detailUsed = at;
  }

  private detailAt(i: number): string {
    const start = this.detailStart[i]!;
    const end = i + 1 < this.size ? this.detailStart[i + 1]! : this.detailUsed;
    return start === end ? "" : utf8Decoder.decode(this.detailBytes.subarray(start, end));
  }

  /** Stored events [from, to) as objects. */
  private slice(from: number, to: number): TraceEvent[] {
    const out: TraceEvent[] = [];
    const n = this.names;
    for (let i = from; i < to; i++) {
      const j = 4 * i;
      out.push({ seq: this.base + i, t: this.t[i]!, from: n[this.ids[j]!]!, to: n[this.ids[j + 1]!]!, verb: n[this.ids[j + 2]!]!, object: n[this.ids[j + 3]!]!, detail: this.detailAt(i) });
    }
    return out;
  }

  /** Total events recorded, stored or not. */
  get recorded(): number {
    return this.count;
  }

  override get length(): number {
    return this.size;
  }

  /**
   * Move every stored event into a separate view and start afresh (sequence numbers continue).
   * The cluster uses it to keep its bootstrap apart from what lessons do.
   */
  splitOff(): TraceView {
    const view = new TraceView(this.slice(0, this.size));
    this.base += this.size;
    this.size = 0;
    this.t = new Float64Array(1024);
    this.ids = new Uint32Array(4 * 1024);
    this.detailBytes = new Uint8Array(64 * 1024);
    this.detailStart = new Uint32Array(1024);
    this.detailUsed = 0;
    this.cache = undefined;
    return view;
  }

  /** A position to pass to {@link since}. */
  mark(): number {
    return this.base + this.size;
  }

  /** Events recorded after `mark`. */
  since(mark: number): TraceView {
    return new TraceView(this.slice(Math.max(0, mark - this.base), this.size));
  }
}

export function formatEvent(e: TraceEvent): string {
  const arrow = e.from === e.to ? e.from : `${e.from} -> ${e.to}`;
  const parts = [`t=${e.t}ms`, arrow, e.verb];
  if (e.object) parts.push(e.object);
  if (e.detail) parts.push(e.detail);
  return parts.join(" ");
}

function componentMatches(name: string, want: string): boolean {
  return name === want || (!want.includes("@") && name.startsWith(want + "@"));
}

/** `pod/x` → `pod/default/x`; `node/n` and prefixes ending in "/" stay as they are. */
export function normalizeObjectRef(ref: string): string {
  if (ref.endsWith("/")) return ref;
  const parts = ref.split("/");
  if (parts.length === 2 && !clusterScoped.has(parts[0]!)) return `${parts[0]}/default/${parts[1]}`;
  return ref;
}

const clusterScoped = new Set(["node", "namespace"]);
