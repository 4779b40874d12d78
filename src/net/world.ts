/**
 * What the data path needs to know about the cluster: nodes (their addresses, pod CIDR, the rule
 * set kube-proxy and kubelet installed, IPVS state), pods (where they run, whether their app
 * answers) and the cloud load balancers in front of LoadBalancer Services. The `Cluster` facade
 * implements this from its API objects; tests build it by hand.
 *
 * @example
 * ```ts
 * const world: NetWorld = {
 *   nodes: [{ name: "node-1", ips: ["192.168.0.11"], podCIDR: "10.244.1.0/24", iptablesSave: () => rules }],
 *   pods: [{ ref: "default/web-1", ip: "10.244.1.5", node: "node-1", hostNetwork: false, listening: (p) => p === 8080 }],
 * };
 * ```
 */
import type { Protocol } from "../api/types";
import type { IpvsKernelState } from "./ipvs";

export interface NetNode {
  readonly name: string;
  /** Node addresses (InternalIP first); the first one is the source of traffic the node sends. */
  readonly ips: readonly string[];
  /** The node's pod CIDR: every other node routes it to this node's first IP. */
  readonly podCIDR: string;
  /**
   * The node's complete IPv4 rule set in iptables-restore format — what `iptables-save` prints:
   * built-in chains with the jump rules kube-proxy/kubelet installed, and kube-proxy's chains.
   */
  iptablesSave(): string;
  /** IPVS-mode nodes: virtual servers, kube-ipvs0 addresses and ipsets. */
  ipvs?(): IpvsKernelState;
  /** nftables-mode nodes: the text kube-proxy fed to `nft -f` (its `ip kube-proxy` table). */
  nftables?(): string;
  /**
   * kube-proxy's service health server on this node (`healthCheckNodePort`): the number of local
   * ready endpoints it reports (HTTP 200 when > 0, 503 otherwise), or undefined when no Service
   * uses that port.
   */
  healthCheck?(healthCheckNodePort: number): { localEndpoints: number } | undefined;
}

export interface NetPod {
  /** `namespace/name`. */
  readonly ref: string;
  readonly ip: string;
  readonly node: string;
  /** A hostNetwork pod shares its node's addresses and network stack. */
  readonly hostNetwork: boolean;
  /** Whether a process in the pod listens on the port (else the kernel answers RST: refused). */
  listening(port: number, protocol: Protocol): boolean;
  /** The app is hung: the socket exists but nothing answers, so connections time out. */
  readonly hung?: boolean;
  /** Host side of the pod's veth (default: derived from the pod's name, Calico-style `cali…`). */
  readonly hostIface?: string;
}

/** A cloud load balancer in front of a LoadBalancer Service (VIP mode: packets keep the LB IP as destination). */
export interface NetLoadBalancer {
  readonly ip: string;
  /** The Service's healthCheckNodePort (externalTrafficPolicy Local), 0 when none. */
  readonly healthCheckNodePort: number;
  /** Nodes in the LB's backend pool (default: every node). */
  readonly nodes?: readonly string[];
}

export interface NetWorld {
  readonly nodes: readonly NetNode[];
  readonly pods: readonly NetPod[];
  readonly loadBalancers?: readonly NetLoadBalancer[];
}

/** Where a packet starts: a pod, a node's own network stack, or a client outside the cluster. */
export type NetSource =
  | { pod: string }
  | { node: string }
  /** `via`: the node (name or IP) the packet reaches first; omitted for LB IPs and node IPs. */
  | { external: string; via?: string };

export interface NetDestination {
  ip: string;
  port: number;
  protocol?: Protocol;
}
