/**
 * A simulated cloud provider's service controller (cloud-controller-manager): provisions a load
 * balancer for every `type: LoadBalancer` Service and writes its address to
 * `status.loadBalancer.ingress`. Provisioning takes a few virtual seconds, during which kubectl
 * shows EXTERNAL-IP `<pending>`, as on a real cloud.
 *
 * @example
 * ```ts
 * new CloudServiceController(ctx, api, parseCidr("203.0.113.0/24")).start();
 * ```
 */
import type { ApiServer, Stored } from "../apiserver/apiserver";
import { Informer, WorkQueue } from "../client/informer";
import { type Cidr, formatIPv4, cidrContains } from "../util/ipv4";
import { cacheKey } from "../api/meta";
import type { SimContext } from "../sim/context";
import type { ApiClient } from "../client/client";

export const CLOUD_CONTROLLER = "cloud-controller-manager";
/** Virtual time the simulated cloud needs to provision a load balancer. */
export const LB_PROVISION_MS = 3000;

export class CloudServiceController {
  readonly services: Informer<"Service">;
  private readonly queue: WorkQueue;
  private readonly assigned = new Map<string, string>();
  private readonly used = new Set<string>();

  /** This component's API client: its name in the trace. */
  private readonly client: ApiClient;
  constructor(
    ctx: SimContext,
    api: ApiServer,
    private readonly pool: Cidr,
  ) {
    this.client = api.client(CLOUD_CONTROLLER);
    this.services = new Informer(this.client, "Service");
    this.queue = new WorkQueue(ctx, "cloud load balancer", (k) => this.sync(k), LB_PROVISION_MS);
    const ev = (s: Stored<"Service">): void => {
      if (s.spec.type === "LoadBalancer" && !s.spec.loadBalancerClass && !s.status?.loadBalancer?.ingress?.length) this.queue.add(cacheKey(s));
      if (s.spec.type !== "LoadBalancer" && this.assigned.has(cacheKey(s))) this.queue.add(cacheKey(s));
    };
    this.services.on({ add: ev, update: ev, delete: (s) => this.release(cacheKey(s)) });
  }

  start(): void {
    this.services.start();
  }

  private release(key: string): void {
    const ip = this.assigned.get(key);
    if (ip) this.used.delete(ip);
    this.assigned.delete(key);
  }

  private sync(key: string): void {
    const s = this.services.get(key);
    if (!s) return;
    if (s.spec.type !== "LoadBalancer") {
      this.release(key);
      if (s.status?.loadBalancer?.ingress?.length) this.client.updateStatus("Service", s.metadata.namespace, s.metadata.name!, { loadBalancer: {} }, "load balancer deleted");
      return;
    }
    if (s.status?.loadBalancer?.ingress?.length) return;
    let ip = s.spec.loadBalancerIP && cidrContains(this.pool, s.spec.loadBalancerIP) && !this.used.has(s.spec.loadBalancerIP) ? s.spec.loadBalancerIP : undefined;
    for (let i = 1; !ip && i < this.pool.size - 1; i++) {
      const cand = formatIPv4(this.pool.base + i);
      if (!this.used.has(cand)) ip = cand;
    }
    if (!ip) return; // pool exhausted: the Service stays <pending>, as with a real cloud quota
    this.used.add(ip);
    this.assigned.set(key, ip);
    this.client.updateStatus("Service", s.metadata.namespace, s.metadata.name!, { loadBalancer: { ingress: [{ ip, ipMode: "VIP" }] } }, `ingress ${ip}`);
  }
}
