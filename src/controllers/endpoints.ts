/**
 * The Endpoints controller (pkg/controller/endpoint): the legacy v1 Endpoints object, one per
 * Service with a selector, named like the Service. Ready pods go to `addresses`, others to
 * `notReadyAddresses`; terminating pods are left out unless `publishNotReadyAddresses` is set.
 * Subsets are grouped by port set and sorted by IP (RepackSubsets). Capped at 1000 addresses,
 * with the `endpoints.kubernetes.io/over-capacity: truncated` annotation, as in Kubernetes ≥ 1.22.
 *
 * @example
 * ```ts
 * new EndpointsController(ctx, api).start();
 * ```
 */
import type { ApiServer, Stored } from "../apiserver/apiserver";
import { Informer, WorkQueue } from "../client/informer";
import { CONTROLLER_MANAGER_LIMIT } from "../client/ratelimit";
import { cacheKey } from "../api/meta";
import type { EndpointAddress, EndpointSubset, Endpoints } from "../api/types";
import type { SimContext } from "../sim/context";
import { isPodReady } from "./controller";
import type { DeepReadonly } from "../api/types";
import { PodServiceMemo, SelectorIndex, managesEndpoints, podEndpointsChanged, portsKey, resolvePorts, shouldPodBeInEndpoints } from "./endpointutil";
import type { ApiClient } from "../client/client";

export const ENDPOINTS_CONTROLLER = "endpoints-controller";
const MAX_ADDRESSES = 1000;

export class EndpointsController {
  readonly services: Informer<"Service">;
  readonly pods: Informer<"Pod">;
  private readonly index = new SelectorIndex();
  private readonly queue: WorkQueue;

  /** This component's API client: its name in the trace and its rate limiter. */
  private readonly client: ApiClient;
  constructor(
    ctx: SimContext,
    private readonly api: ApiServer,
  ) {
    this.client = api.client(ENDPOINTS_CONTROLLER, CONTROLLER_MANAGER_LIMIT);
    this.services = new Informer(this.client, "Service");
    this.pods = new Informer(this.client, "Pod");
    this.queue = new WorkQueue(ctx, "endpoints sync", (k) => this.sync(k), 0, { client: ENDPOINTS_CONTROLLER, bucket: this.client.limiter! });
    const svc = (s: Stored<"Service">): void => {
      this.index.setService(s);
      this.queue.add(cacheKey(s));
    };
    this.services.on({
      add: svc,
      update: svc,
      delete: (s) => {
        // v1 Endpoints carry no ownerReference: the controller itself removes them with their Service.
        this.index.deleteService(cacheKey(s));
        if (this.api.get("Endpoints", s.metadata.namespace, s.metadata.name!)) this.client.delete("Endpoints", s.metadata.namespace, s.metadata.name!);
      },
    });
    const pod = (p: Stored<"Pod">, old?: Stored<"Pod">): void => {
      if (old) for (const k of this.index.servicesFor(old)) this.queue.add(k);
      this.index.setPod(p);
      for (const k of this.index.servicesFor(p)) this.queue.add(k);
    };
    this.pods.on({
      add: (p) => pod(p),
      update: (p, old) => {
        if (podEndpointsChanged(old, p)) pod(p, old);
        else this.index.setPod(p);
      },
      delete: (p) => {
        const keys = this.index.servicesFor(p);
        this.index.deletePod(cacheKey(p));
        for (const k of keys) this.queue.add(k);
      },
    });
  }

  start(): void {
    this.services.start();
    this.pods.start();
  }

  private sync(svcKey: string): void {
    const svc = this.index.service(svcKey);
    if (!managesEndpoints(svc)) return;
    const pub = svc.spec.publishNotReadyAddresses ?? false;
    const bySet = new Map<string, { subset: EndpointSubset; portsKey: string; ready: PodAddress[]; notReady: PodAddress[] }>();
    let total = 0;
    for (const p of this.index.podsFor(svc)) {
      if (!shouldPodBeInEndpoints(p, pub)) continue;
      const a = this.address(svc, p);
      if (!a) continue;
      if (total >= MAX_ADDRESSES) {
        total++;
        continue;
      }
      total++;
      let sub = bySet.get(a.portsKey);
      if (!sub) bySet.set(a.portsKey, (sub = { subset: { ports: a.ports }, portsKey: a.portsKey, ready: [], notReady: [] }));
      (pub || isPodReady(p) ? sub.ready : sub.notReady).push(a);
    }
    const byIP = (a: PodAddress, b: PodAddress): number => (a.addr.ip < b.addr.ip ? -1 : a.addr.ip > b.addr.ip ? 1 : 0);
    const subsets: EndpointSubset[] = [];
    for (const { subset, ready, notReady } of bySet.values()) {
      ready.sort(byIP);
      notReady.sort(byIP);
      if (ready.length) subset.addresses = ready.map((a) => a.addr);
      if (notReady.length) subset.notReadyAddresses = notReady.map((a) => a.addr);
      subsets.push(subset);
    }
    const ep: Endpoints = {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: {
        name: svc.metadata.name!,
        namespace: svc.metadata.namespace!,
        labels: { ...svc.metadata.labels, ...(svc.spec.clusterIP === "None" ? { "service.kubernetes.io/headless": "" } : {}) },
        ...(total > MAX_ADDRESSES ? { annotations: { "endpoints.kubernetes.io/over-capacity": "truncated" } } : {}),
      },
      subsets,
    };
    const old = this.api.get("Endpoints", svc.metadata.namespace, svc.metadata.name!);
    const over = (e: DeepReadonly<Endpoints>): string => e.metadata.annotations?.["endpoints.kubernetes.io/over-capacity"] ?? "";
    if (!old) this.client.create(ep);
    else if (!sameSubsets(old.subsets ?? [], subsets) || over(old) !== over(ep)) this.client.update(ep, { admitted: true });
  }

  /**
   * A pod's address and ports for a Service, built once per (pod, Service) version: stored objects
   * never change, and most syncs see mostly pods that did not change since the last one.
   */
  private address(svc: Stored<"Service">, p: Stored<"Pod">): PodAddress | undefined {
    return this.addresses.get(svc, p, () => {
      const resolved = resolvePorts(svc, p);
      if (!resolved && (svc.spec.ports ?? []).length) return undefined;
      const ports = (resolved ?? []).map((r) => ({ ...(r.name ? { name: r.name } : {}), port: r.port, protocol: r.protocol }));
      const addr: EndpointAddress = {
        ip: p.status!.podIP!,
        ...(p.spec.hostname && p.spec.subdomain === svc.metadata.name ? { hostname: p.spec.hostname } : {}),
        ...(p.spec.nodeName ? { nodeName: p.spec.nodeName } : {}),
        targetRef: { kind: "Pod", namespace: p.metadata.namespace!, name: p.metadata.name!, uid: p.metadata.uid! },
      };
      return { addr, ports, portsKey: portsKey(ports) };
    });
  }

  private readonly addresses = new PodServiceMemo<PodAddress | undefined>();
}

/** One pod's address in a Service's Endpoints, with the keys used to compare subsets cheaply. */
interface PodAddress {
  addr: EndpointAddress;
  ports: NonNullable<EndpointSubset["ports"]>;
  portsKey: string;
}

function addressKey(a: DeepReadonly<EndpointAddress>): string {
  return `${a.ip}|${a.hostname ?? ""}|${a.nodeName ?? ""}|${a.targetRef?.uid ?? ""};`;
}

/**
 * Do two subset lists say the same to kube-proxy and DNS? Unchanged pods give the very same
 * address objects, so most elements compare by identity.
 */
function sameSubsets(a: readonly DeepReadonly<EndpointSubset>[], b: readonly EndpointSubset[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (!sameAddresses(x.addresses, y.addresses) || !sameAddresses(x.notReadyAddresses, y.notReadyAddresses)) return false;
    if (x.ports !== y.ports && portsKey(x.ports ?? []) !== portsKey(y.ports ?? [])) return false;
  }
  return true;
}

function sameAddresses(a: readonly DeepReadonly<EndpointAddress>[] | undefined, b: readonly EndpointAddress[] | undefined): boolean {
  if ((a?.length ?? 0) !== (b?.length ?? 0)) return false;
  for (let i = 0; i < (a?.length ?? 0); i++) if (a![i] !== b![i] && addressKey(a![i]!) !== addressKey(b![i]!)) return false;
  return true;
}
