/**
 * Build the data path's {@link NetWorld} from API objects: Nodes (podCIDR, addresses), Pods
 * (IP, node, hostNetwork, declared ports, phase), Services and EndpointSlices (cloud load
 * balancers and kube-proxy's healthCheckNodePort answers), plus each node's programmed rules.
 * This is the adapter the `Cluster` facade uses; rules and app behaviour come from callbacks so
 * the data path never reaches into other components.
 *
 * @example
 * ```ts
 * const world = worldFromObjects({
 *   nodes, pods, services, endpointSlices,
 *   rules: (node) => kubeProxy.iptables(node).save(),
 * });
 * simulateTraffic(world, { from: { pod: "default/client" }, to: { ip: "10.96.0.10", port: 80 }, connections: 1000, rng });
 * ```
 */
import type { DeepReadonly, EndpointSlice, Node, Pod, Protocol, Service } from "../api/types";
import { categorizeEndpoints, endpointsFor, servicePorts } from "../proxy/serviceport";
import type { IpvsKernelState } from "./ipvs";
import type { NetLoadBalancer, NetNode, NetPod, NetWorld } from "./world";

/** How a pod's application behaves (the kubelet/CRI model decides). */
export type AppState = "serving" | "hung" | "down";

export interface WorldObjects {
  nodes: readonly DeepReadonly<Node>[];
  pods: readonly DeepReadonly<Pod>[];
  services: readonly DeepReadonly<Service>[];
  endpointSlices: readonly DeepReadonly<EndpointSlice>[];
  /** The node's full rule set in iptables-save format. */
  rules(nodeName: string): string;
  /** IPVS-mode nodes: the kernel IPVS state kube-proxy programmed. */
  ipvs?(nodeName: string): IpvsKernelState | undefined;
  /** nftables-mode nodes: the text kube-proxy fed to `nft -f`. */
  nftables?(nodeName: string): string | undefined;
  /**
   * The pod's app: "serving" answers on its ports, "hung" accepts nothing (connections time
   * out), "down" has no listening socket (refused). Default: "serving" when the pod is Running.
   */
  app?(pod: DeepReadonly<Pod>): AppState;
}

function nodeIPs(n: DeepReadonly<Node>): string[] {
  const addrs = n.status?.addresses ?? [];
  const internal = addrs.filter((a) => a.type === "InternalIP").map((a) => a.address);
  const external = addrs.filter((a) => a.type === "ExternalIP").map((a) => a.address);
  return [...internal, ...external].filter((a) => a.indexOf(":") < 0);
}

/** A pod listens on a port when a container declares it, or when no container declares any port. */
function declares(pod: DeepReadonly<Pod>, port: number, protocol: Protocol): boolean {
  const ports = pod.spec.containers.flatMap((c) => c.ports ?? []);
  if (ports.length === 0) return true;
  return ports.some((p) => p.containerPort === port && (p.protocol ?? "TCP") === protocol);
}

/**
 * Assemble a world from API objects.
 *
 * @example
 * ```ts
 * const world = worldFromObjects({ nodes, pods, services, endpointSlices, rules: (n) => saves.get(n)! });
 * world.loadBalancers;   // one per LoadBalancer ingress IP
 * ```
 */
export function worldFromObjects(o: WorldObjects): NetWorld {
  const nodes: NetNode[] = [];
  // healthCheckNodePort → the service port(s) it reports for (kube-proxy's service health server).
  const hcPorts = new Map<number, ReturnType<typeof servicePorts>>();
  for (const svc of o.services) {
    for (const sp of servicePorts(svc)) {
      if (sp.healthCheckNodePort === 0) continue;
      const l = hcPorts.get(sp.healthCheckNodePort) ?? [];
      l.push(sp);
      hcPorts.set(sp.healthCheckNodePort, l);
    }
  }
  for (const n of o.nodes) {
    const name = n.metadata.name ?? "";
    const ips = nodeIPs(n);
    if (ips.length === 0 || !n.spec.podCIDR) continue; // not yet registered / no IPAM: unreachable
    const node: NetNode = {
      name,
      ips,
      podCIDR: n.spec.podCIDR,
      iptablesSave: () => o.rules(name),
      healthCheck: (port) => {
        const sps = hcPorts.get(port);
        if (!sps) return undefined;
        // LocalReadyEndpoints: ready endpoints on this node, per service (max over its ports).
        let local = 0;
        for (const sp of sps) {
          const eps = endpointsFor(sp, o.endpointSlices, name);
          const { localEndpoints } = categorizeEndpoints(eps, sp);
          local = Math.max(local, (localEndpoints ?? []).filter((e) => e.ready).length);
        }
        return { localEndpoints: local };
      },
    };
    if (o.ipvs) {
      const ipvsFn = o.ipvs;
      const state = ipvsFn(name);
      if (state) node.ipvs = () => state;
    }
    if (o.nftables) {
      const text = o.nftables(name);
      if (text !== undefined) node.nftables = () => text;
    }
    nodes.push(node);
  }
  const known = new Set(nodes.map((n) => n.name));
  const pods: NetPod[] = [];
  for (const p of o.pods) {
    const nodeName = p.spec.nodeName;
    const ip = p.status?.podIP;
    if (!nodeName || !known.has(nodeName) || !ip || ip.indexOf(":") >= 0) continue;
    const app: AppState = o.app ? o.app(p) : p.status?.phase === "Running" ? "serving" : "down";
    pods.push({
      ref: `${p.metadata.namespace ?? "default"}/${p.metadata.name ?? ""}`,
      ip,
      node: nodeName,
      hostNetwork: p.spec.hostNetwork === true,
      hung: app === "hung",
      listening: (port, protocol) => app !== "down" && declares(p, port, protocol),
    });
  }
  const loadBalancers: NetLoadBalancer[] = [];
  for (const svc of o.services) {
    if (svc.spec.type !== "LoadBalancer") continue;
    const hc = svc.spec.externalTrafficPolicy === "Local" ? (svc.spec.healthCheckNodePort ?? 0) : 0;
    for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
      if (ing.ip && ing.ip.indexOf(":") < 0 && ing.ipMode !== "Proxy") loadBalancers.push({ ip: ing.ip, healthCheckNodePort: hc });
    }
  }
  return { nodes, pods, loadBalancers };
}
