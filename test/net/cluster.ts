/**
 * A two-node cluster with many Services, built from API objects through the real proxiers
 * (iptables mode: src/proxy/iptables, IPVS mode: src/proxy/ipvs), for scaling tests and the
 * data-path benchmark. Every Service selects the same three pods (Services may share pods), so
 * the rule count grows with Services while the pods stay put.
 */
import type { EndpointSlice, Service } from "../../src/api/types";
import type { IpvsScheduler } from "../../src/net/ipvs";
import type { NetPod, NetWorld } from "../../src/net/world";
import { syncIptables } from "../../src/proxy/iptables";
import { syncIpvs } from "../../src/proxy/ipvs";
import { syncNftables } from "../../src/proxy/nftables";

const EMPTY_IPTABLES = "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n";

export const NODES = [
  { name: "node-1", ips: ["192.168.0.11"], podCIDR: "10.244.1.0/24" },
  { name: "node-2", ips: ["192.168.0.12"], podCIDR: "10.244.2.0/24" },
];

export const WEB_PODS: { ref: string; ip: string; node: string }[] = [
  { ref: "default/web-1", ip: "10.244.1.5", node: "node-1" },
  { ref: "default/web-2", ip: "10.244.2.6", node: "node-2" },
  { ref: "default/web-3", ip: "10.244.2.7", node: "node-2" },
];

/** ClusterIP of the i-th generated Service (i ≥ 0): 10.96.0.10, 10.96.0.11, … */
export function clusterIPOf(i: number): string {
  const n = i + 10;
  return `10.96.${(n >> 8) & 255}.${n & 255}`;
}

export interface ServiceSpecOptions {
  sessionAffinity?: boolean;
  nodePort?: number;
  externalTrafficPolicyLocal?: boolean;
}

/** `count` Services `svc-0…` (port 80 → 8080) over the three web pods, with their EndpointSlices. */
export function manyServices(count: number, opts: ServiceSpecOptions = {}): { services: Service[]; slices: EndpointSlice[] } {
  const services: Service[] = [];
  const slices: EndpointSlice[] = [];
  for (let i = 0; i < count; i++) {
    const name = `svc-${i}`;
    const svc: Service = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: "default" },
      spec: {
        type: opts.nodePort ? "NodePort" : "ClusterIP",
        clusterIP: clusterIPOf(i),
        ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP", ...(opts.nodePort ? { nodePort: opts.nodePort + i } : {}) }],
        ...(opts.sessionAffinity ? { sessionAffinity: "ClientIP" as const } : {}),
        ...(opts.externalTrafficPolicyLocal ? { externalTrafficPolicy: "Local" as const } : {}),
      },
    };
    services.push(svc);
    slices.push({
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: `${name}-abcde`, namespace: "default", labels: { "kubernetes.io/service-name": name } },
      addressType: "IPv4",
      ports: [{ name: "http", port: 8080, protocol: "TCP" }],
      endpoints: WEB_PODS.map((p) => ({
        addresses: [p.ip],
        conditions: { ready: true, serving: true, terminating: false },
        nodeName: p.node,
        targetRef: { kind: "Pod", namespace: "default", name: p.ref.split("/")[1]! },
      })),
    });
  }
  return { services, slices };
}

function pods(hung: ReadonlySet<string>): NetPod[] {
  const out: NetPod[] = WEB_PODS.map((p) => ({
    ...p,
    hostNetwork: false,
    hung: hung.has(p.ref),
    listening: (port: number) => port === 8080,
  }));
  out.push({ ref: "default/client", ip: "10.244.1.2", node: "node-1", hostNetwork: false, listening: () => false });
  out.push({ ref: "default/client-b", ip: "10.244.2.3", node: "node-2", hostNetwork: false, listening: () => false });
  return out;
}

/** A world whose nodes run kube-proxy in the given mode over these objects. */
export function proxiedWorld(
  mode: "iptables" | "ipvs" | "nftables",
  objs: { services: Service[]; slices: EndpointSlice[] },
  opts: { scheduler?: IpvsScheduler; hung?: string[] } = {},
): NetWorld {
  const hung = new Set(opts.hung ?? []);
  return {
    nodes: NODES.map((n) => {
      if (mode === "iptables") {
        const text = syncIptables({ node: { name: n.name, ips: n.ips }, services: objs.services, endpointSlices: objs.slices, config: { clusterCIDR: "10.244.0.0/16" } }).save();
        return { name: n.name, ips: n.ips, podCIDR: n.podCIDR, iptablesSave: () => text };
      }
      if (mode === "nftables") {
        const text = syncNftables({ node: { name: n.name, ips: n.ips }, services: objs.services, endpointSlices: objs.slices, config: { clusterCIDR: "10.244.0.0/16", serviceCIDRs: "10.96.0.0/12" } }).ruleset();
        return { name: n.name, ips: n.ips, podCIDR: n.podCIDR, iptablesSave: () => EMPTY_IPTABLES, nftables: () => text };
      }
      const rs = syncIpvs({
        node: { name: n.name, ips: n.ips },
        services: objs.services,
        endpointSlices: objs.slices,
        config: { clusterCIDR: "10.244.0.0/16", ...(opts.scheduler ? { scheduler: opts.scheduler } : {}) },
      });
      const text = rs.rulesetText();
      const state = rs.kernelState();
      return { name: n.name, ips: n.ips, podCIDR: n.podCIDR, iptablesSave: () => text, ipvs: () => state };
    }),
    pods: pods(hung),
  };
}
