/**
 * What the EndpointSlice and Endpoints controllers share (pkg/controller/util/endpoint): which
 * Services select a pod, which pods a Service selects, and which pods belong in endpoints.
 *
 * Both lookups are indexed by `namespace + label=value`, so a pod change costs a few map reads
 * instead of a scan over every Service — the difference between seconds and hours at 10,000 Services.
 *
 * @example
 * ```ts
 * const idx = new SelectorIndex();
 * idx.setService(svc); idx.setPod(pod);
 * idx.servicesFor(pod);  // ["default/web"]
 * ```
 */
import type { Stored } from "../apiserver/apiserver";
import { cacheKey } from "../api/meta";
import { matchesLabels } from "../api/labels";
import type { DeepReadonly, Pod, Protocol, Service } from "../api/types";
import { isPodReady, stableStringify } from "./controller";

export class SelectorIndex {
  private readonly services = new Map<string, Stored<"Service">>();
  /** Pod key → a slot holding the pod's latest version; the by-label sets share the slots. */
  private readonly pods = new Map<string, { pod: Stored<"Pod"> }>();
  /** `ns\0key=value` → service keys whose selector's first key is that pair. */
  private readonly svcByPair = new Map<string, Set<string>>();
  /** `ns\0key=value` → slots of the pods carrying that label. */
  private readonly podsByPair = new Map<string, Set<{ pod: Stored<"Pod"> }>>();

  setService(s: Stored<"Service">): void {
    this.version++;
    this.deleteService(cacheKey(s));
    this.services.set(cacheKey(s), s);
    const pair = firstPair(s);
    if (pair) addTo(this.svcByPair, `${s.metadata.namespace}\0${pair}`, cacheKey(s));
  }

  deleteService(key: string): void {
    const s = this.services.get(key);
    if (!s) return;
    this.version++;
    this.services.delete(key);
    const pair = firstPair(s);
    if (pair) this.svcByPair.get(`${s.metadata.namespace}\0${pair}`)?.delete(key);
  }

  setPod(p: Stored<"Pod">): void {
    const key = cacheKey(p);
    const prev = this.pods.get(key);
    // Status updates keep metadata.labels by reference: nothing to re-index.
    if (prev && prev.pod.metadata.labels === p.metadata.labels) {
      prev.pod = p;
      return;
    }
    this.deletePod(key);
    const slot = { pod: p };
    this.pods.set(key, slot);
    for (const [k, v] of Object.entries(p.metadata.labels ?? {})) addTo(this.podsByPair, `${p.metadata.namespace}\0${k}=${v}`, slot);
  }

  deletePod(key: string): void {
    const slot = this.pods.get(key);
    if (!slot) return;
    const p = slot.pod;
    this.pods.delete(key);
    for (const [k, v] of Object.entries(p.metadata.labels ?? {})) this.podsByPair.get(`${p.metadata.namespace}\0${k}=${v}`)?.delete(slot);
  }

  service(key: string): Stored<"Service"> | undefined {
    return this.services.get(key);
  }

  /** Keys of Services (with selectors) in the pod's namespace that select it. */
  servicesFor(p: DeepReadonly<Pod>): string[] {
    // Memoised per labels object until any Service changes (pods' labels rarely change).
    const labels = p.metadata.labels;
    if (labels) {
      const hit = this.selectedBy.get(labels);
      if (hit && hit.version === this.version && hit.namespace === p.metadata.namespace) return hit.keys;
    }
    const keys = this.computeServicesFor(p);
    if (labels) this.selectedBy.set(labels, { version: this.version, namespace: p.metadata.namespace ?? "", keys });
    return keys;
  }

  private readonly selectedBy = new WeakMap<object, { version: number; namespace: string; keys: string[] }>();
  private version = 0;

  private computeServicesFor(p: DeepReadonly<Pod>): string[] {
    const out: string[] = [];
    for (const [k, v] of Object.entries(p.metadata.labels ?? {})) {
      for (const sk of this.svcByPair.get(`${p.metadata.namespace}\0${k}=${v}`) ?? []) {
        const s = this.services.get(sk)!;
        if (matchesLabels(s.spec.selector, p.metadata.labels)) out.push(sk);
      }
    }
    return out;
  }

  /** Pods a Service's selector selects, in the order they were first seen. */
  podsFor(s: DeepReadonly<Service>): Stored<"Pod">[] {
    const sel = s.spec.selector;
    if (!sel || Object.keys(sel).length === 0) return [];
    let smallest: Set<{ pod: Stored<"Pod"> }> | undefined;
    for (const [k, v] of Object.entries(sel)) {
      const set = this.podsByPair.get(`${s.metadata.namespace}\0${k}=${v}`);
      if (!set) return [];
      if (!smallest || set.size < smallest.size) smallest = set;
    }
    const out: Stored<"Pod">[] = [];
    for (const slot of smallest ?? []) {
      const p = slot.pod;
      if (matchesLabels(sel, p.metadata.labels)) out.push(p);
    }
    // Insertion order (deterministic); the controllers keep existing endpoints in place anyway.
    return out;
  }
}

function firstPair(s: DeepReadonly<Service>): string | undefined {
  const sel = s.spec.selector;
  if (!sel) return undefined;
  const k = Object.keys(sel).sort()[0];
  return k === undefined ? undefined : `${k}=${sel[k]}`;
}

function addTo<V>(m: Map<string, Set<V>>, k: string, v: V): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}

/**
 * podEndpointsChanged (GetServicesToUpdateOnPodChange): does a pod update matter to endpoints?
 * Labels, hostname/subdomain, termination, readiness, IP — plus phase, which the simulation can
 * change alone (a pod that finished). Not the node: it is set once, before the pod has an IP.
 * Status updates keep labels by reference, so the label comparison is usually one identity check.
 *
 * @example
 * ```ts
 * podEndpointsChanged(oldPod, newPod); // true when the pod became ready
 * ```
 */
export function podEndpointsChanged(old: DeepReadonly<Pod>, p: DeepReadonly<Pod>): boolean {
  if (p.metadata.labels !== old.metadata.labels && stableStringify(p.metadata.labels) !== stableStringify(old.metadata.labels)) return true;
  if (p.spec.hostname !== old.spec.hostname || p.spec.subdomain !== old.spec.subdomain) return true;
  if (p.metadata.deletionTimestamp !== old.metadata.deletionTimestamp) return true;
  if (p.status?.podIP !== old.status?.podIP || p.status?.phase !== old.status?.phase) return true;
  return isPodReady(p) !== isPodReady(old);
}

/**
 * ShouldPodBeInEndpoints: a pod with an IP that has not finished. Terminating pods are kept only
 * when asked (EndpointSlices keep them with `terminating: true`; v1 Endpoints drop them).
 */
export function shouldPodBeInEndpoints(p: DeepReadonly<Pod>, includeTerminating: boolean): boolean {
  if (!p.status?.podIP) return false;
  if (p.status.phase === "Succeeded" || p.status.phase === "Failed") return false;
  if (!includeTerminating && p.metadata.deletionTimestamp) return false;
  return true;
}

/**
 * The port a Service port targets on this pod: a number, or a named container port looked up in
 * the pod's containers. Undefined when the pod has no port of that name.
 */
export function resolveTargetPort(p: DeepReadonly<Pod>, target: number | string | undefined, fallback: number, protocol: string): number | undefined {
  if (target === undefined) return fallback;
  if (typeof target === "number") return target;
  for (const c of p.spec.containers) for (const cp of c.ports ?? []) if (cp.name === target && (cp.protocol ?? "TCP") === protocol) return cp.containerPort;
  return undefined;
}

/** Does the endpoint controllers' work apply to this Service (a selector, and not ExternalName)? */
export function managesEndpoints(svc: DeepReadonly<Service> | undefined): svc is DeepReadonly<Service> {
  return !!svc && !!svc.spec.selector && Object.keys(svc.spec.selector).length > 0 && svc.spec.type !== "ExternalName";
}

/** A Service port resolved for one pod: the port the pod actually listens on. */
export interface ResolvedPort {
  name: string;
  protocol: Protocol;
  port: number;
  appProtocol?: string;
}

/**
 * Each Service port resolved against a pod's containers, or undefined when a named targetPort
 * doesn't exist on the pod (the pod is then left out of that Service's endpoints).
 */
export function resolvePorts(svc: DeepReadonly<Service>, p: DeepReadonly<Pod>): ResolvedPort[] | undefined {
  const out: ResolvedPort[] = [];
  for (const sp of svc.spec.ports ?? []) {
    const protocol = sp.protocol ?? "TCP";
    const port = resolveTargetPort(p, sp.targetPort, sp.port, protocol);
    if (port === undefined) return undefined;
    out.push({ name: sp.name ?? "", protocol, port, ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
  }
  return out;
}

/**
 * Ports as one string (name, protocol, port, appProtocol): endpoints with equal keys share a subset
 * or a slice, and equal keys mean equal ports.
 *
 * @example
 * ```ts
 * portsKey([{ name: "http", protocol: "TCP", port: 8080 }]); // "http/TCP/8080/"
 * ```
 */
export function portsKey(ports: readonly { name?: string; protocol?: string; port?: number; appProtocol?: string }[]): string {
  return ports.map((p) => `${p.name ?? ""}/${p.protocol ?? "TCP"}/${p.port ?? ""}/${p.appProtocol ?? ""}`).join(",");
}

/**
 * A value derived from a pod for one Service (its endpoint, its address), built once per version of
 * both: stored objects never change, so a sync that sees mostly unchanged pods reuses their values,
 * and equal values are the very same objects.
 *
 * @example
 * ```ts
 * const memo = new PodServiceMemo<string>();
 * memo.get(svc, pod, () => pod.status!.podIP!); // built once, then returned for the same svc and pod objects
 * ```
 */
export class PodServiceMemo<V> {
  private readonly memo = new WeakMap<object, { svc: object; value: V }>();

  get(svc: Stored<"Service">, pod: Stored<"Pod">, build: () => V): V {
    const hit = this.memo.get(pod);
    if (hit && hit.svc === svc) return hit.value;
    const value = build();
    this.memo.set(pod, { svc, value });
    return value;
  }
}
