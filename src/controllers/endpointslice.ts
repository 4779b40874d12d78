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
import { cacheKey } from "../api/meta";
import type { DeepReadonly, Endpoint, EndpointPort, EndpointSlice } from "../api/types";
import { wellKnown } from "../api/types";
import type { SimContext } from "../sim/context";
import { isPodReady, ownerRef, stableStringify } from "./controller";
import { SelectorIndex, managesEndpoints, resolvePorts, shouldPodBeInEndpoints } from "./endpointutil";

export const ENDPOINTSLICE_CONTROLLER = "endpointslice-controller";
export const MAX_ENDPOINTS_PER_SLICE = 100;
const ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";

export class EndpointSliceController {
  readonly services: Informer<"Service">;
  readonly pods: Informer<"Pod">;
  readonly slices: Informer<"EndpointSlice">;
  private readonly index = new SelectorIndex();
  private readonly queue: WorkQueue;
  /** Service key → keys of the slices this controller manages for it. */
  private readonly managed = new Map<string, Set<string>>();

  constructor(
    private readonly ctx: SimContext,
    private readonly api: ApiServer,
  ) {
    this.services = new Informer(api, ENDPOINTSLICE_CONTROLLER, "Service");
    this.pods = new Informer(api, ENDPOINTSLICE_CONTROLLER, "Pod");
    this.slices = new Informer(api, ENDPOINTSLICE_CONTROLLER, "EndpointSlice");
    this.queue = new WorkQueue(ctx, "endpointslice sync", (k) => this.sync(k));
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
        const relabelled = p.metadata.labels !== old.metadata.labels && stableStringify(p.metadata.labels) !== stableStringify(old.metadata.labels);
        if (relabelled || endpointRelevant(p) !== endpointRelevant(old)) podChanged(p, old);
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
    const publishNotReady = svc.spec.publishNotReadyAddresses ?? false;
    // Desired endpoints grouped by the ports they resolve to.
    const groups = new Map<string, { ports: EndpointPort[]; endpoints: Map<string, Endpoint> }>();
    for (const p of this.index.podsFor(svc)) {
      if (!shouldPodBeInEndpoints(p, true)) continue;
      const resolved = resolvePorts(svc, p);
      if (!resolved) continue;
      const ports: EndpointPort[] = resolved;
      const pk = portsKey(ports);
      let g = groups.get(pk);
      if (!g) groups.set(pk, (g = { ports, endpoints: new Map() }));
      const ready = isPodReady(p);
      const terminating = !!p.metadata.deletionTimestamp;
      const ep: Endpoint = {
        addresses: [p.status!.podIP!],
        conditions: { ready: publishNotReady || (ready && !terminating), serving: publishNotReady || ready, terminating },
        ...(p.spec.hostname && p.spec.subdomain === svc.metadata.name ? { hostname: p.spec.hostname } : {}),
        targetRef: { kind: "Pod", namespace: p.metadata.namespace!, name: p.metadata.name!, uid: p.metadata.uid! },
        ...(p.spec.nodeName ? { nodeName: p.spec.nodeName } : {}),
      };
      g.endpoints.set(p.status!.podIP!, ep);
    }

    const existing = [...(this.managed.get(key) ?? [])]
      .map((k) => this.slices.get(k))
      .filter((s): s is Stored<"EndpointSlice"> => !!s)
      .sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
    const used = new Set<string>();
    const writes: { slice: EndpointSlice; old?: Stored<"EndpointSlice"> }[] = [];
    for (const [pk, g] of groups) {
      const mine = existing.filter((s) => portsKey(s.ports ?? []) === pk && !used.has(s.metadata.name!));
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
      const fresh = [...g.endpoints.entries()].filter(([ip]) => !placed.has(ip)).map(([, e]) => e);
      for (const n of next) while (n.endpoints.length < MAX_ENDPOINTS_PER_SLICE && fresh.length) n.endpoints.push(fresh.shift()!);
      for (const n of next) {
        if (n.endpoints.length === 0) continue;
        writes.push({ slice: this.sliceFor(svc, g.ports, n.endpoints, n.old), old: n.old });
      }
      while (fresh.length) writes.push({ slice: this.sliceFor(svc, g.ports, fresh.splice(0, MAX_ENDPOINTS_PER_SLICE)) });
    }
    // A service that selects nothing keeps one empty placeholder slice.
    if (groups.size === 0) {
      const keep = existing.find((s) => s.endpoints.length === 0 && (s.ports ?? []).length === 0) ?? existing[0];
      if (keep) used.add(keep.metadata.name!);
      writes.push({ slice: this.sliceFor(svc, [], [], keep), ...(keep ? { old: keep } : {}) });
    }
    for (const w of writes) {
      if (!w.old) this.api.create(ENDPOINTSLICE_CONTROLLER, w.slice, { admitted: !this.api.admit(w.slice).length });
      else if (!sameEndpoints(w.old.endpoints, w.slice.endpoints) || portsKey(w.old.ports ?? []) !== portsKey(w.slice.ports ?? []) || stableStringify(w.old.metadata.labels) !== stableStringify(w.slice.metadata.labels))
        this.api.update(ENDPOINTSLICE_CONTROLLER, w.slice, { admitted: true, detail: `${w.slice.endpoints.length} endpoints` });
    }
    for (const s of existing) {
      if (!writes.some((w) => w.old === s)) this.api.delete(ENDPOINTSLICE_CONTROLLER, "EndpointSlice", s.metadata.namespace, s.metadata.name!);
    }
  }

  private sliceFor(svc: Stored<"Service">, ports: EndpointPort[], endpoints: Endpoint[], old?: Stored<"EndpointSlice">): EndpointSlice {
    const labels: Record<string, string> = {
      ...svc.metadata.labels,
      [wellKnown.serviceName]: svc.metadata.name!,
      [wellKnown.managedBy]: wellKnown.managedByController,
    };
    if (svc.spec.clusterIP === "None") labels[wellKnown.headless] = "";
    return {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        name: old?.metadata.name ?? `${svc.metadata.name}-${this.ctx.rng.string(5, ALPHANUMS)}`,
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

/** Do two endpoint lists say the same thing (order included)? Cheaper than serialising both. */
function sameEndpoints(a: readonly DeepReadonly<Endpoint>[], b: readonly Endpoint[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (
      x.addresses[0] !== y.addresses[0] ||
      x.addresses.length !== y.addresses.length ||
      x.conditions.ready !== y.conditions.ready ||
      x.conditions.serving !== y.conditions.serving ||
      x.conditions.terminating !== y.conditions.terminating ||
      x.hostname !== y.hostname ||
      x.nodeName !== y.nodeName ||
      x.targetRef?.uid !== y.targetRef?.uid
    )
      return false;
  }
  return true;
}

function portsKey(ports: readonly { name?: string; protocol?: string; port?: number; appProtocol?: string }[]): string {
  return ports.map((p) => `${p.name ?? ""}/${p.protocol ?? "TCP"}/${p.port ?? ""}/${p.appProtocol ?? ""}`).join(",");
}

/** The parts of a pod that change its endpoint: IP, readiness, termination, node, hostname. */
function endpointRelevant(p: Stored<"Pod">): string {
  return `${p.status?.podIP ?? ""}|${isPodReady(p)}|${!!p.metadata.deletionTimestamp}|${p.status?.phase}|${p.spec.nodeName ?? ""}|${p.spec.hostname ?? ""}|${p.spec.subdomain ?? ""}`;
}
