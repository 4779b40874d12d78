/**
 * The EndpointSlice controller (pkg/controller/endpointslice): for every Service with a selector,
 * keeps EndpointSlices listing the selected pods' IPs, ports and conditions.
 *
 * - One endpoint per pod with an IP; `ready` (pod Ready and not terminating), `serving` (pod
 *   Ready), `terminating` (pod has a deletionTimestamp) — so proxies can fall back to
 *   serving-terminating endpoints during a rollout.
 * - Pods whose target ports resolve differently (named targetPort) go to different slices.
 * - At most 100 endpoints per slice (`--max-endpoints-per-slice`); existing slices are updated
 *   in place and filled before new ones are created, to keep churn (and kube-proxy work) low.
 * - A Service that selects nothing gets one empty placeholder slice.
 * - Services without a selector are left alone: their slices are the user's.
 *
 * @example
 * ```ts
 * new EndpointSliceController(ctx, api).start();
 * ```
 */
import type { ApiServer, Stored } from "../apiserver/apiserver";
import { Informer, WorkQueue } from "../client/informer";
import { CONTROLLER_MANAGER_LIMIT } from "../client/ratelimit";
import { cacheKey } from "../api/meta";
import type { DeepReadonly, Endpoint, EndpointPort, EndpointSlice } from "../api/types";
import { wellKnown } from "../api/types";
import type { SimContext } from "../sim/context";
import { isPodReady, ownerRef, stableStringify } from "./controller";
import { PodServiceMemo, SelectorIndex, managesEndpoints, podEndpointsChanged, portsKey, resolvePorts, shouldPodBeInEndpoints } from "./endpointutil";
import { randomSuffix } from "../util/names";
import type { ApiClient } from "../client/client";

export const ENDPOINTSLICE_CONTROLLER = "endpointslice-controller";
export const MAX_ENDPOINTS_PER_SLICE = 100;

export class EndpointSliceController {
  readonly services: Informer<"Service">;
  readonly pods: Informer<"Pod">;
  readonly slices: Informer<"EndpointSlice">;
  private readonly index = new SelectorIndex();
  private readonly queue: WorkQueue;
  /** Service key → keys of the slices this controller manages for it. */
  private readonly managed = new Map<string, Set<string>>();

  /** This component's API client: its name in the trace and its rate limiter. */
  private readonly client: ApiClient;
  constructor(
    private readonly ctx: SimContext,
    private readonly api: ApiServer,
  ) {
    this.client = api.client(ENDPOINTSLICE_CONTROLLER, CONTROLLER_MANAGER_LIMIT);
    this.services = new Informer(this.client, "Service");
    this.pods = new Informer(this.client, "Pod");
    this.slices = new Informer(this.client, "EndpointSlice");
    this.queue = new WorkQueue(ctx, "endpointslice sync", (k) => this.sync(k), 0, { client: ENDPOINTSLICE_CONTROLLER, bucket: this.client.limiter! });
    this.services.on({
      add: (s) => {
        this.index.setService(s);
        this.queue.add(cacheKey(s));
      },
      update: (s) => {
        this.index.setService(s);
        this.queue.add(cacheKey(s));
      },
      delete: (s) => this.index.deleteService(cacheKey(s)),
    });
    const podChanged = (p: Stored<"Pod">, old?: Stored<"Pod">): void => {
      const before = old ? this.index.servicesFor(old) : [];
      this.index.setPod(p);
      for (const k of new Set([...before, ...this.index.servicesFor(p)])) this.queue.add(k);
    };
    this.pods.on({
      add: (p) => podChanged(p),
      update: (p, old) => {
        if (podEndpointsChanged(old, p)) podChanged(p, old);
        else this.index.setPod(p);
      },
      delete: (p) => {
        const svcs = this.index.servicesFor(p);
        this.index.deletePod(cacheKey(p));
        for (const k of svcs) this.queue.add(k);
      },
    });
    const sliceEvent = (s: Stored<"EndpointSlice">, deleted: boolean): void => {
      if (s.metadata.labels?.[wellKnown.managedBy] !== wellKnown.managedByController) return;
      const svc = `${s.metadata.namespace}/${s.metadata.labels?.[wellKnown.serviceName] ?? ""}`;
      let set = this.managed.get(svc);
      if (!set) this.managed.set(svc, (set = new Set()));
      if (deleted) set.delete(cacheKey(s));
      else set.add(cacheKey(s));
    };
    this.slices.on({ add: (s) => sliceEvent(s, false), update: (s) => sliceEvent(s, false), delete: (s) => sliceEvent(s, true) });
  }

  start(): void {
    this.services.start();
    this.pods.start();
    this.slices.start();
  }

  private sync(key: string): void {
    const svc = this.index.service(key);
    if (!managesEndpoints(svc)) return;
    // Desired endpoints grouped by the ports they resolve to.
    const groups = new Map<string, { ports: EndpointPort[]; endpoints: Map<string, Endpoint> }>();
    for (const p of this.index.podsFor(svc)) {
      if (!shouldPodBeInEndpoints(p, true)) continue;
      const e = this.endpointOf(svc, p);
      if (!e) continue;
      let g = groups.get(e.portsKey);
      if (!g) groups.set(e.portsKey, (g = { ports: e.ports, endpoints: new Map() }));
      g.endpoints.set(p.status!.podIP!, e.endpoint);
    }

    // The API server's cache, not the informer's: a slice the garbage collector just deleted (its
    // Service was deleted and created again) must not be updated. Slices owned by an earlier
    // Service of the same name are deleted, as the reconciler's ownedBy check does.
    const existing: Stored<"EndpointSlice">[] = [];
    for (const k of this.managed.get(key) ?? []) {
      const cached = this.slices.get(k);
      const s = cached && this.api.get("EndpointSlice", cached.metadata.namespace, cached.metadata.name!);
      if (!s) continue;
      if (s.metadata.ownerReferences?.some((r) => r.uid === svc.metadata.uid)) existing.push(s);
      else this.client.delete("EndpointSlice", s.metadata.namespace, s.metadata.name!);
    }
    existing.sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
    const used = new Set<string>();
    const writes: { ports: EndpointPort[]; endpoints: Endpoint[]; old?: Stored<"EndpointSlice"> }[] = [];
    for (const [pk, g] of groups) {
      const mine = existing.filter((s) => this.portsKeyOf(s) === pk && !used.has(s.metadata.name!));
      const placed = new Set<string>();
      const next: { old: Stored<"EndpointSlice">; endpoints: Endpoint[] }[] = [];
      // Keep endpoints in the slice they are already in (less churn for every kube-proxy).
      for (const s of mine) {
        used.add(s.metadata.name!);
        const eps: Endpoint[] = [];
        for (const e of s.endpoints) {
          const want = g.endpoints.get(e.addresses[0]!);
          if (want && !placed.has(e.addresses[0]!)) {
            eps.push(want);
            placed.add(e.addresses[0]!);
          }
        }
        next.push({ old: s, endpoints: eps });
      }
      const fresh: Endpoint[] = [];
      for (const [ip, e] of g.endpoints) if (!placed.has(ip)) fresh.push(e);
      let f = 0;
      for (const n of next) while (n.endpoints.length < MAX_ENDPOINTS_PER_SLICE && f < fresh.length) n.endpoints.push(fresh[f++]!);
      for (const n of next) if (n.endpoints.length > 0) writes.push({ ports: g.ports, endpoints: n.endpoints, old: n.old });
      for (; f < fresh.length; f += MAX_ENDPOINTS_PER_SLICE) writes.push({ ports: g.ports, endpoints: fresh.slice(f, f + MAX_ENDPOINTS_PER_SLICE) });
    }
    // A service that selects nothing keeps one empty placeholder slice.
    if (groups.size === 0) {
      const keep = existing.find((s) => s.endpoints.length === 0 && (s.ports ?? []).length === 0) ?? existing[0];
      if (keep) used.add(keep.metadata.name!);
      writes.push({ ports: [], endpoints: [], ...(keep ? { old: keep } : {}) });
    }
    const labels = this.labelsFor(svc);
    for (const w of writes) {
      if (!w.old) {
        const slice = this.sliceFor(svc, labels, w.ports, w.endpoints);
        this.client.create(slice);
      } else if (
        !sameEndpoints(w.old.endpoints, w.endpoints) ||
        this.portsKeyOf(w.old) !== portsKey(w.ports) ||
        (w.old.metadata.labels !== labels && stableStringify(w.old.metadata.labels) !== stableStringify(labels))
      ) {
        this.client.update(this.sliceFor(svc, labels, w.ports, w.endpoints, w.old), { admitted: true, detail: `${w.endpoints.length} endpoints` });
      }
    }
    for (const s of existing) {
      if (!writes.some((w) => w.old === s)) this.client.delete("EndpointSlice", s.metadata.namespace, s.metadata.name!);
    }
  }

  /**
   * A pod's endpoint in a Service's slices, built once per (pod, Service) version: stored objects
   * never change, so unchanged pods give the very same Endpoint objects sync after sync.
   */
  private endpointOf(svc: Stored<"Service">, p: Stored<"Pod">): PodEndpoint | undefined {
    return this.endpoints.get(svc, p, () => {
      const resolved = resolvePorts(svc, p);
      if (!resolved) return undefined;
      const publishNotReady = svc.spec.publishNotReadyAddresses ?? false;
      const ready = isPodReady(p);
      const terminating = !!p.metadata.deletionTimestamp;
      const endpoint: Endpoint = {
        addresses: [p.status!.podIP!],
        conditions: { ready: publishNotReady || (ready && !terminating), serving: publishNotReady || ready, terminating },
        ...(p.spec.hostname && p.spec.subdomain === svc.metadata.name ? { hostname: p.spec.hostname } : {}),
        targetRef: { kind: "Pod", namespace: p.metadata.namespace!, name: p.metadata.name!, uid: p.metadata.uid! },
        ...(p.spec.nodeName ? { nodeName: p.spec.nodeName } : {}),
      };
      return { endpoint, ports: resolved, portsKey: portsKey(resolved) };
    });
  }

  private readonly endpoints = new PodServiceMemo<PodEndpoint | undefined>();
  private readonly portsKeys = new WeakMap<object, string>();
  private readonly labels = new WeakMap<object, Record<string, string>>();

  private portsKeyOf(s: Stored<"EndpointSlice">): string {
    let k = this.portsKeys.get(s);
    if (k === undefined) this.portsKeys.set(s, (k = portsKey(s.ports ?? [])));
    return k;
  }

  /** The labels of a Service's slices: its own plus the controller's, one object per Service version. */
  private labelsFor(svc: Stored<"Service">): Record<string, string> {
    let labels = this.labels.get(svc);
    if (!labels) {
      labels = { ...svc.metadata.labels, [wellKnown.serviceName]: svc.metadata.name!, [wellKnown.managedBy]: wellKnown.managedByController };
      if (svc.spec.clusterIP === "None") labels[wellKnown.headless] = "";
      this.labels.set(svc, labels);
    }
    return labels;
  }

  private sliceFor(svc: Stored<"Service">, labels: Record<string, string>, ports: EndpointPort[], endpoints: Endpoint[], old?: Stored<"EndpointSlice">): EndpointSlice {
    return {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        name: old?.metadata.name ?? `${svc.metadata.name}-${randomSuffix(this.ctx.rng)}`,
        generateName: `${svc.metadata.name}-`,
        namespace: svc.metadata.namespace!,
        labels,
        annotations: { "endpoints.kubernetes.io/last-change-trigger-time": this.ctx.timestamp() },
        ownerReferences: [ownerRef(svc)],
      },
      addressType: "IPv4",
      endpoints,
      ports,
    };
  }
}

/** A pod's endpoint in a Service's slices, with the ports it resolved to. */
interface PodEndpoint {
  endpoint: Endpoint;
  ports: EndpointPort[];
  portsKey: string;
}

/** Do two endpoint lists say the same thing (order included)? Cheaper than serialising both. */
function sameEndpoints(a: readonly DeepReadonly<Endpoint>[], b: readonly Endpoint[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (
      x.addresses[0] !== y.addresses[0] ||
      x.addresses.length !== y.addresses.length ||
      x.conditions?.ready !== y.conditions?.ready ||
      x.conditions?.serving !== y.conditions?.serving ||
      x.conditions?.terminating !== y.conditions?.terminating ||
      x.hostname !== y.hostname ||
      x.nodeName !== y.nodeName ||
      x.targetRef?.uid !== y.targetRef?.uid
    )
      return false;
  }
  return true;
}
