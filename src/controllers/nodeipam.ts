/**
 * The node IPAM controller (kube-controller-manager `--allocate-node-cidrs`): gives every new Node
 * a podCIDR carved from the clusterCIDR — `/24`s from `10.244.0.0/16` by default — which the
 * node's CNI plugin then hands out to pods.
 *
 * @example
 * ```ts
 * new NodeIpamController(ctx, api, parseCidr("10.244.0.0/16"), 24).start();
 * ```
 */
import type { ApiServer, Stored } from "../apiserver/apiserver";
import { Informer } from "../client/informer";
import { type Cidr, subnet } from "../util/ipv4";
import type { Node } from "../api/types";
import type { SimContext } from "../sim/context";
import { clone } from "./controller";
import type { ApiClient } from "../client/client";

export const NODE_IPAM_CONTROLLER = "node-ipam-controller";

export class NodeIpamController {
  readonly nodes: Informer<"Node">;
  private next = 0;
  private readonly used = new Set<string>();

  /** This component's API client: its name in the trace. */
  private readonly client: ApiClient;
  constructor(
    ctx: SimContext,
    private readonly api: ApiServer,
    private readonly clusterCIDR: Cidr,
    private readonly maskSize: number,
  ) {
    this.client = api.client(NODE_IPAM_CONTROLLER);
    this.nodes = new Informer(this.client, "Node");
    const ev = (n: Stored<"Node">): void => {
      if (n.spec.podCIDR) this.used.add(n.spec.podCIDR);
      else ctx.loop.soon("allocate podCIDR", () => this.allocate(n.metadata.name!));
    };
    this.nodes.on({ add: ev, update: ev, delete: (n) => n.spec.podCIDR && this.used.delete(n.spec.podCIDR) });
  }

  start(): void {
    this.nodes.start();
  }

  /** How many nodes the clusterCIDR can hold. */
  get capacity(): number {
    return 2 ** (this.maskSize - this.clusterCIDR.prefix);
  }

  private allocate(name: string): void {
    const n = this.api.get("Node", undefined, name);
    if (!n || n.spec.podCIDR) return;
    for (let tries = 0; tries < this.capacity; tries++) {
      const c = subnet(this.clusterCIDR, this.maskSize, this.next);
      this.next = (this.next + 1) % this.capacity;
      if (this.used.has(c.text)) continue;
      this.used.add(c.text);
      const next = clone<Node>(n);
      next.spec.podCIDR = c.text;
      next.spec.podCIDRs = [c.text];
      this.client.update(next, { admitted: true, verb: "patch", detail: `podCIDR=${c.text}` });
      return;
    }
    throw new Error(`node ${name}: no podCIDR left in clusterCIDR ${this.clusterCIDR.text} (/${this.maskSize} per node fits ${this.capacity} nodes)`);
  }
}
