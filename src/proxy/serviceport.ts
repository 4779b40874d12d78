/**
 * What kube-proxy knows about a Service port and its endpoints, independent of the proxy mode.
 *
 * Mirrors kube-proxy's `pkg/proxy/serviceport.go` (BaseServicePortInfo), `pkg/proxy/endpoint.go`
 * (BaseEndpointInfo), `pkg/proxy/endpointslicecache.go` (merging EndpointSlices per service port)
 * and `pkg/proxy/topology.go` (CategorizeEndpoints). The iptables and IPVS proxiers and the data
 * path all build on these three functions, so the "which endpoints does this node use" decision
 * is made in exactly one place, as in kube-proxy.
 *
 * Only IPv4 is modelled (kube-proxy runs one proxier per IP family; this is the IPv4 one):
 * IPv6 addresses in externalIPs, source ranges, ingress IPs and slices are ignored, as the
 * IPv4 proxier ignores them.
 *
 * @example
 * ```ts
 * for (const sp of servicePorts(svc)) {
 *   const eps = endpointsFor(sp, slices, "node-1");
 *   const { clusterEndpoints } = categorizeEndpoints(eps, sp);
 * }
 * ```
 */
import type { DeepReadonly, EndpointSlice, Protocol, Service, ServiceType } from "../api/types";
import { isIPv4, isIPv4Cidr } from "../util/ip";

/** One port of one Service as kube-proxy sees it (kube-proxy's `ServicePort` interface). */
export interface ServicePortInfo {
  namespace: string;
  name: string;
  /** The Service port's name; "" for an unnamed port. */
  portName: string;
  /** `ns/name:portName`, or `ns/name` when unnamed (kube-proxy's `ServicePortName.String()`). */
  servicePortName: string;
  protocol: Protocol;
  port: number;
  targetPort?: number | string;
  type: ServiceType;
  clusterIP: string;
  /** 0 = none. */
  nodePort: number;
  externalIPs: string[];
  /** IPv4 `status.loadBalancer.ingress[].ip` values in VIP mode (ipMode Proxy is not programmed). */
  loadBalancerIPs: string[];
  loadBalancerSourceRanges: string[];
  /** 0 = no affinity; ClientIP defaults to 10800. */
  sessionAffinityTimeoutSeconds: number;
  /** externalTrafficPolicy Local on an externally accessible service. */
  externalPolicyLocal: boolean;
  internalPolicyLocal: boolean;
  /** Only for LoadBalancer services with externalTrafficPolicy Local; 0 otherwise. */
  healthCheckNodePort: number;
}

/** One endpoint of one service port (kube-proxy's `BaseEndpointInfo`). */
export interface EndpointInfo {
  ip: string;
  port: number;
  /** `ip:port`: the endpoint's identity, its sort key and part of its KUBE-SEP chain hash. */
  endpoint: string;
  /** The endpoint's nodeName is the node kube-proxy runs on. */
  isLocal: boolean;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  nodeName?: string;
  zone?: string;
  /** `ns/name` of the targetRef (normally the Pod). */
  podRef?: string;
}

const serviceNameLabel = "kubernetes.io/service-name";
const defaultStickySeconds = 10800;

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** kube-proxy's ServicePortName.String(): `ns/name:port`, or `ns/name` for an unnamed port. */
export function servicePortNameString(namespace: string, name: string, portName: string): string {
  return portName === "" ? `${namespace}/${name}` : `${namespace}/${name}:${portName}`;
}

/** True when traffic may come from outside the cluster: NodePort, LoadBalancer VIP or externalIP. */
export function externallyAccessible(sp: ServicePortInfo): boolean {
  return sp.nodePort !== 0 || sp.loadBalancerIPs.length !== 0 || sp.externalIPs.length !== 0;
}

/** kube-proxy's UsesClusterEndpoints: internal policy Cluster, or any external traffic (short-circuit). */
export function usesClusterEndpoints(sp: ServicePortInfo): boolean {
  return !sp.internalPolicyLocal || externallyAccessible(sp);
}

/** kube-proxy's UsesLocalEndpoints. */
export function usesLocalEndpoints(sp: ServicePortInfo): boolean {
  return sp.internalPolicyLocal || (sp.externalPolicyLocal && externallyAccessible(sp));
}

/**
 * Service ports kube-proxy programs (none for headless or ExternalName services).
 *
 * @example
 * ```ts
 * servicePorts(svc).map((sp) => sp.servicePortName)   // ["default/web:http"]
 * ```
 */
export function servicePorts(svc: DeepReadonly<Service>): ServicePortInfo[] {
  const spec = svc.spec;
  const type: ServiceType = spec.type ?? "ClusterIP";
  if (type === "ExternalName") return [];
  // GetClusterIPByFamily: the IPv4 one among clusterIPs, else clusterIP if it is IPv4.
  let clusterIP = "";
  if (spec.clusterIPs && spec.clusterIPs.length > 0) {
    clusterIP = spec.clusterIPs.find((ip) => ip !== "None" && isIPv4(ip)) ?? "";
  } else if (spec.clusterIP && spec.clusterIP !== "None" && isIPv4(spec.clusterIP)) {
    clusterIP = spec.clusterIP;
  }
  // ShouldSkipService: headless (no ClusterIP) services are not proxied.
  if (clusterIP === "" || clusterIP === "None") return [];
  const namespace = svc.metadata.namespace ?? "default";
  const name = svc.metadata.name ?? "";
  const externallyAccessibleSvc =
    type === "NodePort" || type === "LoadBalancer" || (spec.externalIPs?.length ?? 0) > 0;
  const externalPolicyLocal = externallyAccessibleSvc && spec.externalTrafficPolicy === "Local";
  const internalPolicyLocal = spec.internalTrafficPolicy === "Local";
  const sticky =
    spec.sessionAffinity === "ClientIP"
      ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? defaultStickySeconds)
      : 0;
  const externalIPs = (spec.externalIPs ?? []).filter(isIPv4);
  const sourceRanges = (spec.loadBalancerSourceRanges ?? []).map((r) => r.trim()).filter(isIPv4Cidr);
  const lbIPs: string[] = [];
  for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
    if (!ing.ip) continue;
    if (ing.ipMode === "Proxy") continue; // proxy-mode LBs are not programmed by kube-proxy
    if (isIPv4(ing.ip)) lbIPs.push(ing.ip);
  }
  const healthCheckNodePort =
    type === "LoadBalancer" && externalPolicyLocal ? (spec.healthCheckNodePort ?? 0) : 0;
  return (spec.ports ?? []).map((p) => {
    const portName = p.name ?? "";
    const info: ServicePortInfo = {
      namespace,
      name,
      portName,
      servicePortName: servicePortNameString(namespace, name, portName),
      protocol: p.protocol ?? "TCP",
      port: p.port,
      type,
      clusterIP,
      nodePort: p.nodePort ?? 0,
      externalIPs: externalIPs.slice(),
      loadBalancerIPs: lbIPs.slice(),
      loadBalancerSourceRanges: sourceRanges.slice(),
      sessionAffinityTimeoutSeconds: sticky,
      externalPolicyLocal,
      internalPolicyLocal,
      healthCheckNodePort,
    };
    if (p.targetPort !== undefined) info.targetPort = p.targetPort;
    return info;
  });
}

/**
 * Endpoints of one service port from its EndpointSlices (label kubernetes.io/service-name),
 * deduplicated, sorted by "ip:port" string like kube-proxy.
 *
 * As in EndpointSliceCache: a slice port matches by name and protocol; the endpoint's first
 * address is used; a duplicate "ip:port" keeps the first one seen unless a later one is local;
 * ready defaults to true, serving to true, terminating to false when unset.
 *
 * @example
 * ```ts
 * endpointsFor(sp, slices, "node-1").map((e) => e.endpoint)   // ["10.244.1.5:8080", "10.244.2.7:8080"]
 * ```
 */
export function endpointsFor(
  sp: ServicePortInfo,
  slices: readonly DeepReadonly<EndpointSlice>[],
  nodeName: string,
): EndpointInfo[] {
  const mine = slices.filter(
    (s) =>
      s.addressType === "IPv4" &&
      (s.metadata.namespace ?? "default") === sp.namespace &&
      s.metadata.labels?.[serviceNameLabel] === sp.name,
  );
  // kube-proxy walks slices in map order; sort by name so ties resolve deterministically.
  if (mine.length > 1) mine.sort((a, b) => cmp(a.metadata.name ?? "", b.metadata.name ?? ""));
  const byKey = new Map<string, EndpointInfo>();
  for (const slice of mine) {
    for (const port of slice.ports ?? []) {
      if ((port.name ?? "") !== sp.portName || (port.protocol ?? "TCP") !== sp.protocol) continue;
      const portNum = port.port ?? 0;
      if (portNum === 0) continue; // "Ignoring invalid endpoint port"
      for (const ep of slice.endpoints) {
        const ip = ep.addresses[0];
        if (ip === undefined || !isIPv4(ip)) continue;
        const isLocal = nodeName !== "" && ep.nodeName === nodeName;
        const key = `${ip}:${portNum}`;
        if (byKey.has(key) && !isLocal) continue;
        const ready = ep.conditions?.ready ?? true;
        const info: EndpointInfo = {
          ip,
          port: portNum,
          endpoint: key,
          isLocal,
          ready,
          serving: ep.conditions?.serving ?? true,
          terminating: ep.conditions?.terminating ?? false,
        };
        if (ep.nodeName !== undefined) info.nodeName = ep.nodeName;
        if (ep.zone !== undefined) info.zone = ep.zone;
        if (ep.targetRef?.name !== undefined) {
          info.podRef = `${ep.targetRef.namespace ?? slice.metadata.namespace ?? "default"}/${ep.targetRef.name}`;
        }
        byKey.set(key, info);
      }
    }
  }
  return [...byKey.values()].sort((a, b) => cmp(a.endpoint, b.endpoint));
}

/**
 * pkg/proxy/topology.go CategorizeEndpoints: ready first, else serving-terminating fallback;
 * local subsets for Local policies.
 *
 * `clusterEndpoints` is null when the port never uses Cluster policy, `localEndpoints` null when
 * it never uses Local policy. Topology hints are not modelled (no zone labels on nodes), which is
 * kube-proxy's behaviour when the node has no zone. Unlike kube-proxy (which merges through a Go
 * map, in random order) `allReachableEndpoints` is always sorted by "ip:port".
 *
 * @example
 * ```ts
 * const { clusterEndpoints, localEndpoints } = categorizeEndpoints(eps, sp);
 * ```
 */
export function categorizeEndpoints(
  eps: readonly EndpointInfo[],
  sp: ServicePortInfo,
): {
  clusterEndpoints: EndpointInfo[] | null;
  localEndpoints: EndpointInfo[] | null;
  allReachableEndpoints: EndpointInfo[];
  hasAnyEndpoints: boolean;
} {
  if (eps.length === 0) {
    return { clusterEndpoints: null, localEndpoints: null, allReachableEndpoints: [], hasAnyEndpoints: false };
  }
  let clusterEndpoints: EndpointInfo[] | null = null;
  let localEndpoints: EndpointInfo[] | null = null;
  let hasAnyEndpoints = false;
  let useServingTerminating = false;
  if (usesClusterEndpoints(sp)) {
    clusterEndpoints = eps.filter((e) => e.ready);
    if (clusterEndpoints.length === 0) clusterEndpoints = eps.filter((e) => e.serving && e.terminating);
    if (clusterEndpoints.length > 0) hasAnyEndpoints = true;
  }
  if (!usesLocalEndpoints(sp)) {
    return { clusterEndpoints, localEndpoints, allReachableEndpoints: clusterEndpoints ?? [], hasAnyEndpoints };
  }
  let hasLocalReady = false;
  let hasLocalServingTerminating = false;
  for (const e of eps) {
    if (e.ready) {
      hasAnyEndpoints = true;
      if (e.isLocal) hasLocalReady = true;
    } else if (e.serving && e.terminating) {
      hasAnyEndpoints = true;
      if (e.isLocal) hasLocalServingTerminating = true;
    }
  }
  if (hasLocalReady) {
    localEndpoints = eps.filter((e) => e.isLocal && e.ready);
  } else if (hasLocalServingTerminating) {
    useServingTerminating = true;
    localEndpoints = eps.filter((e) => e.isLocal && e.serving && e.terminating);
  }
  if (clusterEndpoints === null) {
    return { clusterEndpoints, localEndpoints, allReachableEndpoints: localEndpoints ?? [], hasAnyEndpoints };
  }
  if (!useServingTerminating) {
    // localEndpoints ⊆ clusterEndpoints (both ready-only), so the union is clusterEndpoints.
    return { clusterEndpoints, localEndpoints, allReachableEndpoints: clusterEndpoints, hasAnyEndpoints };
  }
  const merged = new Map<string, EndpointInfo>();
  for (const e of clusterEndpoints) merged.set(e.endpoint, e);
  for (const e of localEndpoints ?? []) merged.set(e.endpoint, e);
  const all = [...merged.values()].sort((a, b) => cmp(a.endpoint, b.endpoint));
  return { clusterEndpoints, localEndpoints, allReachableEndpoints: all, hasAnyEndpoints };
}
