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
import { cacheKey } from "../api/meta";
import type { EndpointAddress, EndpointSubset, Endpoints } from "../api/types";
import type { SimContext } from "../sim/context";
import { isPodReady } from "./controller";
import type { DeepReadonly } from "../api/types";
import { SelectorIndex, managesEndpoints, resolvePorts, shouldPodBeInEndpoints } from "./endpointutil";

export const ENDPOINTS_CONTROLLER = "endpoints-controller";
const MAX_ADDRESSES = 1000;

export class EndpointsController {
  readonly services: Informer<"Service">;
  readonly pods: Informer<"Pod">;
  private readonly index = new SelectorIndex();
  private readonly queue: WorkQueue;

  constructor(
    ctx: SimContext,
    private readonly api: ApiServer,
  ) {
    this.services = new Informer(api, ENDPOINTS_CONTROLLER, "Service");
    this.pods = new Informer(api, ENDPOINTS_CONTROLLER, "Pod");
    this.queue = new WorkQueue(ctx, "endpoints sync", (k) => this.sync(k));
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
        if (this.api.get("Endpoints", s.metadata.namespace, s.metadata.name!)) this.api.delete(ENDPOINTS_CONTROLLER, "Endpoints", s.metadata.namespace, s.metadata.name!);
      },
    });
    const pod = (p: Stored<"Pod">, old?: Stored<"Pod">): void => {
      if (old) for (const k of this.index.servicesFor(old)) this.queue.add(k);
      this.index.setPod(p);
      for (const k of this.index.servicesFor(p)) this.queue.add(k);
    };
    this.pods.on({
      add: (p) => pod(p),
      update: (p, old) => pod(p, old),
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

  private sync(key: string): void {
    const svc = this.index.service(key);
    if (!managesEndpoints(svc)) return;
    const pub = svc.spec.publishNotReadyAddresses ?? false;
    const bySet = new Map<string, EndpointSubset>();
    let total = 0;
    for (const p of this.index.podsFor(svc)) {
      if (!shouldPodBeInEndpoints(p, pub)) continue;
      const resolved = resolvePorts(svc, p);
      if (!resolved && (svc.spec.ports ?? []).length) continue;
      const ports = (resolved ?? []).map((r) => ({ ...(r.name ? { name: r.name } : {}), port: r.port, protocol: r.protocol }));
      if (total >= MAX_ADDRESSES) {
        total++;
        continue;
      }
      total++;
      const k = ports.map((x) => `${x.name ?? ""}/${x.protocol}/${x.port}`).join(",");
      let sub = bySet.get(k);
      if (!sub) bySet.set(k, (sub = { ports }));
      const addr: EndpointAddress = {
        ip: p.status!.podIP!,
        ...(p.spec.hostname && p.spec.subdomain === svc.metadata.name ? { hostname: p.spec.hostname } : {}),
        ...(p.spec.nodeName ? { nodeName: p.spec.nodeName } : {}),
        targetRef: { kind: "Pod", namespace: p.metadata.namespace!, name: p.metadata.name!, uid: p.metadata.uid! },
      };
      if (pub || isPodReady(p)) (sub.addresses ??= []).push(addr);
      else (sub.notReadyAddresses ??= []).push(addr);
    }
    const byIP = (a: EndpointAddress, b: EndpointAddress): number => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0);
    const subsets = [...bySet.values()].map((s) => {
      s.addresses?.sort(byIP);
      s.notReadyAddresses?.sort(byIP);
      return s;
    });
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
    if (!old) this.api.create(ENDPOINTS_CONTROLLER, ep, { admitted: !this.api.admit(ep).length });
    else if (subsetsKey(old.subsets ?? []) !== subsetsKey(ep.subsets ?? []) || (old.metadata.annotations?.["endpoints.kubernetes.io/over-capacity"] ?? "") !== (ep.metadata.annotations?.["endpoints.kubernetes.io/over-capacity"] ?? ""))
      this.api.update(ENDPOINTS_CONTROLLER, ep, { admitted: true });
  }
}

/** Everything of the subsets kube-proxy and DNS read, as one string (cheap equality). */
function subsetsKey(subsets: readonly DeepReadonly<EndpointSubset>[]): string {
  let k = "";
  for (const s of subsets) {
    for (const a of s.addresses ?? []) k += `${a.ip}|${a.hostname ?? ""}|${a.nodeName ?? ""}|${a.targetRef?.uid ?? ""};`;
    k += "!";
    for (const a of s.notReadyAddresses ?? []) k += `${a.ip}|${a.hostname ?? ""}|${a.nodeName ?? ""}|${a.targetRef?.uid ?? ""};`;
    k += "#";
    for (const p of s.ports ?? []) k += `${p.name ?? ""}/${p.port}/${p.protocol ?? "TCP"},`;
    k += "\n";
  }
  return k;
}
