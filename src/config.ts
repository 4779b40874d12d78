/**
 * A cluster's configuration: the options a learner may set ({@link ClusterOptions}, each
 * defaulting to what a kubeadm cluster would have) and the resolved, checked values
 * ({@link ClusterConfig}) every component is built from.
 *
 * @example
 * ```ts
 * const { config, nodes } = resolveConfig({ nodes: 2 });
 * config.dnsIP; // "10.96.0.10"
 * nodes;        // ["control-plane", "node-1", "node-2"]
 * ```
 */
import type { IpvsScheduler } from "./net/ipvs";
import type { ProxyMode } from "./proxy/kubeproxy";
import type { UpstreamRecords } from "./dns/upstream";
import { formatIPv4, parseCidr } from "./util/ipv4";

/** Options for {@link Cluster}. Every field has the default a kubeadm cluster would have. */
export interface ClusterOptions {
  /** Worker nodes: a count (`node-1`…`node-N`) or a list of names. Default 3. */
  nodes?: number | string[];
  /** Seed of every random choice (names, IPs, scheduling ties, load balancing). Default 1. */
  seed?: number;
  /** Pod network; each node gets a `/nodeCIDRMaskSize` of it. Default `10.244.0.0/16`. */
  clusterCIDR?: string;
  nodeCIDRMaskSize?: number;
  /** ClusterIP range. Default `10.96.0.0/12` (`10.96.0.1` kubernetes, `10.96.0.10` kube-dns). */
  serviceCIDR?: string;
  clusterDomain?: string;
  /** Node addresses: the control plane gets the first usable+1 (`172.18.0.2`), workers the next ones. */
  nodeCIDR?: string;
  /** Include a tainted `control-plane` node (as kubeadm does). Default true. */
  controlPlane?: boolean;
  /** Allocatable resources of every node. Default 4 CPUs, 16Gi, 110 pods. */
  nodeResources?: { cpu?: string; memory?: string; pods?: number };
  /** Where the simulated cloud takes LoadBalancer addresses from. Default `203.0.113.0/24`. */
  loadBalancerCIDR?: string;
  /** kube-proxy's mode. Default `iptables`. */
  proxyMode?: ProxyMode;
  /** kube-proxy configuration. */
  kubeProxy?: { masqueradeAll?: boolean; minSyncPeriodSeconds?: number; ipvsScheduler?: IpvsScheduler };
  /** Keep trace events (true) or only count them (false, for very large benchmarks). Default true. */
  trace?: boolean;
  /** Records the simulated upstream DNS (outside the cluster) knows, e.g. `{ "google.com": { A: ["142.250.74.46"] } }`. */
  upstreamDNS?: UpstreamRecords;
  /** The nodes' own /etc/resolv.conf (its search domains are appended to pods'). Default `nameserver 172.18.0.1`. */
  nodeResolvConf?: string;
}

/** Resolved cluster configuration (defaults applied). */
export interface ClusterConfig {
  seed: number;
  clusterCIDR: string;
  nodeCIDRMaskSize: number;
  serviceCIDR: string;
  clusterDomain: string;
  nodeCIDR: string;
  controlPlane: boolean;
  loadBalancerCIDR: string;
  proxyMode: ProxyMode;
  masqueradeAll: boolean;
  minSyncPeriodSeconds: number;
  /** The kube-dns ClusterIP: the 10th address of the service CIDR. */
  dnsIP: string;
  /** The kubernetes service ClusterIP: the first address of the service CIDR. */
  apiServerServiceIP: string;
  /** The API server's address (the control plane node). */
  apiServerIP: string;
  /** The nodes' /etc/resolv.conf. */
  nodeResolvConf: string;
  upstreamDNS: UpstreamRecords;
  nodeResources: { cpu: string; memory: string; pods: number };
  ipvsScheduler?: IpvsScheduler;
}

/**
 * Apply the defaults and check that the networks fit the nodes (as kubeadm and the node IPAM
 * controller would refuse). Returns the configuration and every node's name, control plane first.
 * @throws Error naming the option to change.
 */
export function resolveConfig(opts: ClusterOptions): { config: ClusterConfig; nodes: string[] } {
  const serviceCIDR = parseCidr(opts.serviceCIDR ?? "10.96.0.0/12");
  const nodeCIDR = parseCidr(opts.nodeCIDR ?? "172.18.0.0/16");
  const config: ClusterConfig = {
    seed: opts.seed ?? 1,
    clusterCIDR: parseCidr(opts.clusterCIDR ?? "10.244.0.0/16").text,
    nodeCIDRMaskSize: opts.nodeCIDRMaskSize ?? 24,
    serviceCIDR: serviceCIDR.text,
    clusterDomain: opts.clusterDomain ?? "cluster.local",
    nodeCIDR: nodeCIDR.text,
    controlPlane: opts.controlPlane ?? true,
    loadBalancerCIDR: parseCidr(opts.loadBalancerCIDR ?? "203.0.113.0/24").text,
    proxyMode: opts.proxyMode ?? "iptables",
    masqueradeAll: opts.kubeProxy?.masqueradeAll ?? false,
    minSyncPeriodSeconds: opts.kubeProxy?.minSyncPeriodSeconds ?? 1,
    dnsIP: formatIPv4(serviceCIDR.base + 10),
    apiServerServiceIP: formatIPv4(serviceCIDR.base + 1),
    apiServerIP: formatIPv4(nodeCIDR.base + 2),
    nodeResolvConf: opts.nodeResolvConf ?? `nameserver ${formatIPv4(nodeCIDR.base + 1)}\n`,
    upstreamDNS: opts.upstreamDNS ?? DEFAULT_UPSTREAM,
    nodeResources: { cpu: opts.nodeResources?.cpu ?? "4", memory: opts.nodeResources?.memory ?? "16Gi", pods: opts.nodeResources?.pods ?? 110 },
    ...(opts.kubeProxy?.ipvsScheduler ? { ipvsScheduler: opts.kubeProxy.ipvsScheduler } : {}),
  };
  const names = typeof opts.nodes === "object" ? [...opts.nodes] : Array.from({ length: opts.nodes ?? 3 }, (_, i) => `node-${i + 1}`);
  const all = config.controlPlane ? ["control-plane", ...names] : names;
  const clusterCIDR = parseCidr(config.clusterCIDR);
  const capacity = 2 ** (config.nodeCIDRMaskSize - clusterCIDR.prefix);
  if (all.length > capacity)
    throw new Error(
      `clusterCIDR ${clusterCIDR.text} with /${config.nodeCIDRMaskSize} per node fits only ${capacity} nodes, but the cluster has ${all.length}: ` +
        `use a larger clusterCIDR (e.g. clusterCIDR: "10.0.0.0/8"), as a real cluster of this size would`,
    );
  if (all.length + 2 > nodeCIDR.size) throw new Error(`nodeCIDR ${nodeCIDR.text} has no room for ${all.length} node addresses`);
  if (new Set(all).size !== all.length) throw new Error(`node names must be unique: ${all.join(", ")}`);
  return { config, nodes: all };
}

/** Names outside the cluster that lessons resolve (the simulated upstream resolver). */
const DEFAULT_UPSTREAM: UpstreamRecords = {
  "google.com": { A: ["142.250.74.46"], AAAA: ["2a00:1450:4001:82b::200e"] },
  "example.com": { A: ["93.184.215.14"] },
  "api.example.com": { A: ["93.184.215.15"] },
  "registry.k8s.io": { A: ["34.96.108.209"] },
};
