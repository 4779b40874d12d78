/**
 * The node's CNI plugin (a bridge + host-local IPAM setup, like the reference plugins kubeadm
 * clusters start with): for each pod sandbox it creates a network namespace, a veth pair
 * (`eth0` in the pod, `vethXXXXXXXX` on the host, attached to the `cni0` bridge), assigns the next
 * free IP of the node's podCIDR (the bridge keeps `.1` as the pods' gateway) and a default route.
 *
 * @example
 * ```ts
 * const cni = new CNI(ctx, "node-1");
 * cni.configure("10.244.1.0/24");
 * cni.add("cri@node-1", "pod/default/web-x2x7q", "sandbox-id").ip; // "10.244.1.2"
 * ```
 */
import { type Cidr, formatIPv4, parseCidr } from "../util/ipv4";
import type { SimContext } from "../sim/context";

/** What CNI ADD created for one pod sandbox. */
export interface PodNetwork {
  sandboxId: string;
  netns: string;
  hostVeth: string;
  ifName: "eth0";
  ip: string;
  prefix: number;
  gateway: string;
}

export class CNI {
  readonly name: string;
  private cidr: Cidr | undefined;
  private readonly used = new Set<number>();
  private last = -1;
  readonly networks = new Map<string, PodNetwork>();

  constructor(
    private readonly ctx: SimContext,
    readonly node: string,
  ) {
    this.name = `cni@${node}`;
  }

  configure(podCIDR: string): void {
    this.cidr = parseCidr(podCIDR);
  }

  get podCIDR(): string | undefined {
    return this.cidr?.text;
  }

  /** CNI ADD: netns, veth, IP, route. Throws when the podCIDR is exhausted or not yet known. */
  add(caller: string, object: string, sandboxId: string): PodNetwork {
    const c = this.cidr;
    if (!c) throw new Error(`${this.name}: no podCIDR yet (network plugin not ready)`);
    // host-local hands out addresses round-robin after the last one it reserved.
    const n = c.size - 3; // minus network, gateway (.1) and broadcast
    let ip: number | undefined;
    for (let i = 1; i <= n; i++) {
      const off = ((this.last + i) % n + n) % n;
      const cand = c.base + 2 + off;
      if (!this.used.has(cand)) {
        ip = cand;
        this.last = off;
        break;
      }
    }
    if (ip === undefined) throw new Error(`${this.name}: failed to allocate for range 0: no IP addresses available in range set: ${c.text}`);
    this.used.add(ip);
    const hex = (): string => this.ctx.rng.u32().toString(16).padStart(8, "0");
    const net: PodNetwork = {
      sandboxId,
      netns: `/var/run/netns/cni-${this.ctx.rng.uuid()}`,
      hostVeth: `veth${hex()}`,
      ifName: "eth0",
      ip: formatIPv4(ip),
      prefix: c.prefix,
      gateway: formatIPv4(c.base + 1),
    };
    this.networks.set(sandboxId, net);
    this.ctx.record(caller, this.name, "ADD", object, `netns ${net.netns}; ${net.hostVeth}<->eth0 on cni0; ${net.ip}/${net.prefix}; default via ${net.gateway}`);
    return net;
  }

  /** CNI DEL: remove the veth and netns, release the IP. */
  del(caller: string, object: string, sandboxId: string): void {
    const net = this.networks.get(sandboxId);
    if (!net) return;
    this.networks.delete(sandboxId);
    this.used.delete(parseCidr(`${net.ip}/32`).base);
    this.ctx.record(caller, this.name, "DEL", object, `${net.ip} released; ${net.hostVeth} and netns removed`);
  }
}
