/**
 * The EndpointSliceMirroring controller (pkg/controller/endpointslicemirroring): a Service without a
 * selector gets no endpoints from the EndpointSlice controller; if the user writes an `Endpoints`
 * object by hand (the old way of pointing a Service at a database outside the cluster), this
 * controller mirrors it into EndpointSlices so that kube-proxy and CoreDNS, which read only
 * slices, see the addresses.
 *
 * As in kube-controller-manager:
 * - only Endpoints whose Service exists and has no selector are mirrored; the label
 *   `endpointslice.kubernetes.io/skip-mirror: "true"` (and the leader-election annotation) opts out;
 * - one slice per (address type, port set): subsets with the same ports share a slice, an IPv6
 *   address goes to an IPv6 slice; at most 1000 addresses of each subset are mirrored;
 * - `addresses` become endpoints with `conditions: { ready: true }`, `notReadyAddresses` with
 *   `ready: false` (serving and terminating stay unset); hostname, nodeName and targetRef carry over;
 * - slices are named `<endpoints>-<5 random>` (generateName), owned by the Endpoints object,
 *   labelled with the Endpoints' labels plus `kubernetes.io/service-name` and
 *   `endpointslice.kubernetes.io/managed-by: endpointslicemirroring-controller.k8s.io`, and carry
 *   its annotations except the last-change trigger time and kubectl's last-applied configuration;
 * - they are updated with their source and deleted when it goes, when the Service goes, or when
 *   the Service gains a selector (the EndpointSlice controller then takes over).
 *
 * @example
 * ```ts
 * new EndpointSliceMirroringController(ctx, api).start();
 * ```
 */
import { isIP } from "../util/ip";
import { randomSuffix } from "../util/names";
import type { ApiServer, Stored } from "../apiserver/apiserver";
import { Informer, WorkQueue } from "../client/informer";
import { CONTROLLER_MANAGER_LIMIT } from "../client/ratelimit";
import { cacheKey } from "../api/meta";
import type { DeepReadonly, Endpoint, EndpointAddress, EndpointPort, EndpointSlice, Endpoints } from "../api/types";
import { wellKnown } from "../api/types";
import type { SimContext } from "../sim/context";
import { stableStringify } from "./controller";
import { portsKey } from "./endpointutil";
import type { ApiClient } from "../client/client";

export const ENDPOINTSLICE_MIRRORING_CONTROLLER = "endpointslicemirroring-controller";
/** `--mirroring-max-endpoints-per-subset` (default 1000). */
export const MAX_MIRRORED_PER_SUBSET = 1000;
/** Annotations not copied to mirrored slices. */
const DROPPED_ANNOTATIONS = new Set(["endpoints.kubernetes.io/last-change-trigger-time", "kubectl.kubernetes.io/last-applied-configuration"]);
const LEADER_ANNOTATION = "control-plane.alpha.kubernetes.io/leader";

/** Should this Endpoints object be mirrored at all (skip-mirror label, leader-election record)? */
export function shouldMirror(ep: DeepReadonly<Endpoints> | undefined): ep is DeepReadonly<Endpoints> {
  return !!ep && ep.metadata.labels?.[wellKnown.skipMirror] !== "true" && ep.metadata.annotations?.[LEADER_ANNOTATION] === undefined;
}

/** One desired slice: its address type, ports and endpoints (keyed by address, later entries win). */
interface Group {
  addressType: "IPv4" | "IPv6";
  ports: EndpointPort[];
  endpoints: Map<string, Endpoint>;
}

export class EndpointSliceMirroringController {
  readonly endpoints: Informer<"Endpoints">;
  readonly services: Informer<"Service">;
  readonly slices: Informer<"EndpointSlice">;
  private readonly queue: WorkQueue;
  /** Endpoints key → keys of the slices this controller wrote for it (its EndpointSliceTracker). */
  private readonly mirrored = new Map<string, Set<string>>();

  /** This component's API client: its name in the trace and its rate limiter. */
  private readonly client: ApiClient;
  constructor(
    private readonly ctx: SimContext,
    private readonly api: ApiServer,
  ) {
    this.client = api.client(ENDPOINTSLICE_MIRRORING_CONTROLLER, CONTROLLER_MANAGER_LIMIT);
    const me = ENDPOINTSLICE_MIRRORING_CONTROLLER;
    this.endpoints = new Informer(this.client, "Endpoints");
    this.services = new Informer(this.client, "Service");
    this.slices = new Informer(this.client, "EndpointSlice");
    this.queue = new WorkQueue(ctx, "endpointslicemirroring sync", (k) => this.sync(k), 0, { client: me, bucket: this.client.limiter! });
    const enqueue = (o: { metadata: DeepReadonly<EndpointSlice["metadata"]> }): void => this.queue.add(cacheKey(o));
    this.endpoints.on({ add: enqueue, update: enqueue, delete: enqueue });
    // Only a selector change matters: it decides who owns the Service's slices.
    this.services.on({
      add: enqueue,
      update: (s, old) => {
        if (hasSelector(s.spec.selector) !== hasSelector(old.spec.selector)) enqueue(s);
      },
      delete: enqueue,
    });
    const slice = (s: Stored<"EndpointSlice">, deleted: boolean): void => {
      if (s.metadata.labels?.[wellKnown.managedBy] !== wellKnown.managedByMirroring) return;
      const key = `${s.metadata.namespace}/${s.metadata.labels?.[wellKnown.serviceName] ?? ""}`;
      let set = this.mirrored.get(key);
      if (!set) this.mirrored.set(key, (set = new Set()));
      if (deleted) set.delete(cacheKey(s));
      else set.add(cacheKey(s));
      // A mirrored slice someone else changed or deleted is put back.
      this.queue.add(key);
    };
    this.slices.on({ add: (s) => slice(s, false), update: (s) => slice(s, false), delete: (s) => slice(s, true) });
  }

  start(): void {
    this.services.start();
    this.endpoints.start();
    this.slices.start();
  }

  private sync(key: string): void {
    const [ns, name] = splitKey(key);
    const svc = this.services.get(key);
    const ep = this.endpoints.get(key);
    // Read through the API server's cache, not the informer: a slice written a moment ago counts.
    const existing = [...(this.mirrored.get(key) ?? [])]
      .map((k) => this.api.get("EndpointSlice", ns, splitKey(k)[1]))
      .filter((s): s is Stored<"EndpointSlice"> => !!s && s.metadata.labels?.[wellKnown.managedBy] === wellKnown.managedByMirroring)
      .sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0));
    if (!svc || hasSelector(svc.spec.selector) || !shouldMirror(ep)) {
      for (const s of existing) this.remove(key, s);
      return;
    }
    void name;
    const desired = this.desired(ep);
    const toCreate: EndpointSlice[] = [];
    const toUpdate: EndpointSlice[] = [];
    const toDelete: Stored<"EndpointSlice">[] = [];
    const byKey = new Map<string, Stored<"EndpointSlice">[]>();
    for (const s of existing) {
      const k = groupKey(s.addressType, s.ports ?? []);
      const list = byKey.get(k) ?? [];
      list.push(s);
      byKey.set(k, list);
    }
    for (const [k, g] of desired) {
      const mine = byKey.get(k) ?? [];
      byKey.delete(k);
      if (g.endpoints.size === 0) {
        toDelete.push(...mine);
        continue;
      }
      // Keep the first slice of the group, delete the rest (one slice per port set and family).
      toDelete.push(...mine.slice(1));
      const next = this.sliceFor(ep, g, mine[0]?.metadata.name);
      if (!mine[0]) toCreate.push(next);
      else if (!sameSlice(mine[0], next)) toUpdate.push(next);
    }
    for (const rest of byKey.values()) toDelete.push(...rest);
    // recycleSlices: a slice about to be deleted is reused for one about to be created.
    while (toCreate.length && toDelete.length) {
      const create = toCreate.shift()!;
      const old = toDelete.shift()!;
      create.metadata.name = old.metadata.name!;
      toUpdate.push(create);
    }
    if (!ep.metadata.deletionTimestamp) {
      for (const s of toCreate) {
        s.metadata.name = `${s.metadata.generateName}${randomSuffix(this.ctx.rng)}`;
        const errs = this.api.admit(s);
        if (errs.length) continue; // what the real one logs as a failed create; nothing to mirror
        const created = this.client.create(s, { admitted: true });
        this.track(key, cacheKey(created));
      }
    }
    for (const s of toUpdate) {
      if (this.api.admit(s).length) continue;
      this.client.update(s, { admitted: true, detail: `${s.endpoints.length} endpoints` });
      this.track(key, cacheKey(s));
    }
    for (const s of toDelete) this.remove(key, s);
  }

  /** The desired slices of an Endpoints object, grouped by address type and port set, in subset order. */
  private desired(ep: DeepReadonly<Endpoints>): Map<string, Group> {
    const groups = new Map<string, Group>();
    for (const subset of ep.subsets ?? []) {
      const ports: EndpointPort[] = (subset.ports ?? []).map((p) => ({
        name: p.name ?? "",
        port: p.port,
        protocol: p.protocol ?? "TCP",
        ...(p.appProtocol !== undefined ? { appProtocol: p.appProtocol } : {}),
      }));
      let added = 0;
      const add = (a: DeepReadonly<EndpointAddress>, ready: boolean): void => {
        if (added >= MAX_MIRRORED_PER_SUBSET) return;
        const family = isIP(a.ip);
        if (family === 0) return; // an invalid IP is skipped (the real one records an event)
        added++;
        const addressType = family === 4 ? "IPv4" : "IPv6";
        const k = groupKey(addressType, ports);
        let g = groups.get(k);
        if (!g) groups.set(k, (g = { addressType, ports, endpoints: new Map() }));
        const e: Endpoint = { addresses: [a.ip], conditions: { ready } };
        if (a.hostname) e.hostname = a.hostname;
        if (a.nodeName) e.nodeName = a.nodeName;
        if (a.targetRef) e.targetRef = { ...a.targetRef };
        g.endpoints.set(`${a.ip}|${a.hostname ?? ""}`, e);
      };
      for (const a of subset.addresses ?? []) add(a, true);
      for (const a of subset.notReadyAddresses ?? []) add(a, false);
    }
    return groups;
  }

  private sliceFor(ep: DeepReadonly<Endpoints>, g: Group, name: string | undefined): EndpointSlice {
    const labels: Record<string, string> = { ...ep.metadata.labels, [wellKnown.serviceName]: ep.metadata.name!, [wellKnown.managedBy]: wellKnown.managedByMirroring };
    const annotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(ep.metadata.annotations ?? {})) if (!DROPPED_ANNOTATIONS.has(k)) annotations[k] = v;
    return {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        ...(name ? { name } : {}),
        generateName: `${ep.metadata.name}-`,
        namespace: ep.metadata.namespace!,
        labels,
        ...(Object.keys(annotations).length ? { annotations } : {}),
        ownerReferences: [{ apiVersion: "v1", kind: "Endpoints", name: ep.metadata.name!, uid: ep.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      addressType: g.addressType,
      endpoints: [...g.endpoints.values()],
      ports: g.ports,
    };
  }

  private track(key: string, sliceKey: string): void {
    let set = this.mirrored.get(key);
    if (!set) this.mirrored.set(key, (set = new Set()));
    set.add(sliceKey);
  }

  private remove(key: string, s: Stored<"EndpointSlice">): void {
    this.mirrored.get(key)?.delete(cacheKey(s));
    if (this.api.get("EndpointSlice", s.metadata.namespace, s.metadata.name!)) this.client.delete("EndpointSlice", s.metadata.namespace, s.metadata.name!);
  }
}

/** `selector: {}` selects nothing, as a nil selector: the Service is still selector-less. */
function hasSelector(sel: DeepReadonly<Record<string, string>> | undefined): boolean {
  return !!sel && Object.keys(sel).length > 0;
}

function groupKey(addressType: string, ports: readonly DeepReadonly<EndpointPort>[]): string {
  return `${addressType}|${portsKey(ports.map((p) => ({ name: p.name ?? "", protocol: p.protocol ?? "TCP", ...(p.port !== undefined ? { port: p.port } : {}), ...(p.appProtocol !== undefined ? { appProtocol: p.appProtocol } : {}) })))}`;
}

/** Does a stored slice already say what the desired one says (endpoints, ports, labels, annotations, owner)? */
function sameSlice(old: Stored<"EndpointSlice">, next: EndpointSlice): boolean {
  const view = (s: DeepReadonly<EndpointSlice>): string =>
    stableStringify({
      endpoints: s.endpoints,
      ports: s.ports ?? [],
      labels: s.metadata.labels ?? {},
      annotations: s.metadata.annotations ?? {},
      owner: s.metadata.ownerReferences?.map((r) => r.uid) ?? [],
    });
  return view(old) === view(next);
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
}
