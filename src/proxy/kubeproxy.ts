/**
 * kube-proxy, one per node (a DaemonSet): watches Services and EndpointSlices through the API
 * and programs the node's rules, at most once per `minSyncPeriod` (1 s) after a change.
 *
 * Every node's kube-proxy watches the same objects, so the simulation keeps one shared cache and
 * records the notification to each instance in the trace (one `kube-proxy@*` event above 50
 * nodes). Each sync freezes a snapshot of Services and EndpointSlices; a node's rules are computed
 * from the snapshot of its last sync when someone looks at them, so 5,000 nodes cost nothing until
 * inspected, yet what you see is what that node's kube-proxy last wrote.
 *
 * @example
 * ```ts
 * const proxy = new KubeProxy(ctx, api, { clusterCIDR: "10.244.0.0/16" }, () => ["node-1"], ip);
 * proxy.start();
 * proxy.iptables("node-1").restoreInput();
 * ```
 */
import type { ApiServer, Stored } from "../apiserver/apiserver";
import { TRACE_FANOUT_LIMIT } from "../apiserver/apiserver";
import { Informer } from "../client/informer";
import { SnapshotList } from "./snapshot";
import { cacheKey } from "../api/meta";
import { wellKnown } from "../api/types";
import type { SimContext } from "../sim/context";
import { syncIptables, type IptablesRuleset, type KubeProxyConfig } from "./iptables";
import { syncIpvs, type IpvsRuleset } from "./ipvs";
import type { IpvsScheduler } from "../net/ipvs";
import { syncNftables, type NftablesRuleset } from "./nftables";
import type { ApiClient } from "../client/client";

/** kube-proxy's `--proxy-mode`. */
export type ProxyMode = "iptables" | "ipvs" | "nftables";

export const KUBE_PROXY = "kube-proxy";

/** iptables-save of a node where nothing wrote iptables rules (nftables mode). */
const EMPTY_IPTABLES = "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n";

/** What one sync saw: shared by every node that synced at that moment. */
export interface ProxySnapshot {
  readonly version: number;
  readonly t: number;
  readonly services: readonly Stored<"Service">[];
  readonly endpointSlices: readonly Stored<"EndpointSlice">[];
}

export class KubeProxy {
  readonly services: Informer<"Service">;
  readonly slices: Informer<"EndpointSlice">;
  private version = 0;
  private snapshot: ProxySnapshot = { version: 0, t: 0, services: [], endpointSlices: [] };
  private readonly serviceList = new SnapshotList<Stored<"Service">>();
  private readonly sliceList = new SnapshotList<Stored<"EndpointSlice">>();
  private lastSync = -Infinity;
  private pending = false;
  private readonly cache = new Map<string, { version: number; rules: IptablesRuleset }>();
  private readonly ipvsCache = new Map<string, { version: number; rules: IpvsRuleset }>();
  private readonly nftCache = new Map<string, { version: number; rules: NftablesRuleset }>();

  /** This component's API client: its name in the trace. */
  private readonly client: ApiClient;
  constructor(
    private readonly ctx: SimContext,
    api: ApiServer,
    readonly config: KubeProxyConfig & { minSyncPeriodSeconds?: number; mode?: ProxyMode; ipvsScheduler?: IpvsScheduler; serviceCIDR?: string },
    private readonly nodeNames: () => readonly string[],
    private readonly nodeIPs: (node: string) => string[],
  ) {
    this.client = api.client(KUBE_PROXY);
    // One kube-proxy per node; the list is rebuilt only when nodes join or leave.
    let memo: { nodes: readonly string[]; names: string[] } | undefined;
    const instances = (): string[] => {
      const nodes = this.nodeNames();
      if (!memo || memo.nodes.length !== nodes.length) memo = { nodes, names: nodes.map((n) => `${KUBE_PROXY}@${n}`) };
      return memo.names;
    };
    this.services = new Informer(this.client, "Service", { instances });
    this.slices = new Informer(this.client, "EndpointSlice", { instances });
    const track = <T extends Stored<"Service"> | Stored<"EndpointSlice">>(list: SnapshotList<T>) => ({
      add: (o: T) => {
        list.set(cacheKey(o), o);
        this.requestSync();
      },
      update: (o: T) => {
        list.set(cacheKey(o), o);
        this.requestSync();
      },
      delete: (o: T) => {
        list.delete(cacheKey(o));
        this.requestSync();
      },
    });
    this.services.on(track(this.serviceList));
    this.slices.on(track(this.sliceList));
  }

  start(): void {
    this.services.start();
    this.slices.start();
  }

  /** Sync now if the last one is older than minSyncPeriod, else when it has passed (the BoundedFrequencyRunner). */
  private requestSync(): void {
    if (this.pending) return;
    this.pending = true;
    const min = (this.config.minSyncPeriodSeconds ?? 1) * 1000;
    const wait = Math.max(0, this.lastSync + min - this.ctx.now);
    this.ctx.loop.after(wait, "kube-proxy sync", () => this.sync());
  }

  private sync(): void {
    this.pending = false;
    this.lastSync = this.ctx.now;
    // O(1): the lists are rebuilt only if this sync's rules are looked at (see SnapshotList).
    const services = this.serviceList.snapshot();
    const slices = this.sliceList.snapshot();
    this.snapshot = {
      version: ++this.version,
      t: this.ctx.now,
      get services() {
        return services();
      },
      get endpointSlices() {
        return slices();
      },
    };
    const nodes = this.nodeNames();
    const detail = `${this.services.size} services, ${this.slices.size} endpointslices`;
    const what = this.mode === "ipvs" ? "ipvs + ipset + iptables-restore" : this.mode === "nftables" ? "nft -f (table ip kube-proxy)" : "iptables-restore";
    if (nodes.length <= TRACE_FANOUT_LIMIT) for (const n of nodes) this.ctx.record(`${KUBE_PROXY}@${n}`, `${KUBE_PROXY}@${n}`, "sync", "", `${what}: ${detail}`);
    else this.ctx.record(`${KUBE_PROXY}@*`, `${KUBE_PROXY}@*`, "sync", "", `${what} on ${nodes.length} nodes: ${detail}`);
  }

  /** The Services and EndpointSlices of the last sync. */
  get synced(): ProxySnapshot {
    return this.snapshot;
  }

  /**
   * kube-proxy's service health server on `node` (what a cloud load balancer probes on a Service's
   * `healthCheckNodePort`, for `externalTrafficPolicy: Local`): the node's ready endpoints of that
   * Service, as of the last sync; undefined when no Service has that health check port.
   *
   * @example
   * ```ts
   * proxy.healthCheck("node-1", 32000)?.localEndpoints;   // 0 → the load balancer skips node-1
   * ```
   */
  healthCheck(node: string, port: number): { localEndpoints: number } | undefined {
    const snap = this.snapshot;
    const svc = snap.services.find((s) => s.spec.healthCheckNodePort === port);
    if (!svc) return undefined;
    let n = 0;
    for (const sl of snap.endpointSlices) {
      if (sl.metadata.namespace !== svc.metadata.namespace || sl.metadata.labels?.[wellKnown.serviceName] !== svc.metadata.name) continue;
      for (const e of sl.endpoints) if (e.nodeName === node && (e.conditions?.ready ?? true)) n++;
    }
    return { localEndpoints: n };
  }

  get mode(): ProxyMode {
    return this.config.mode ?? "iptables";
  }

  /** IPVS mode: the virtual servers, ipsets and iptables rules this node's kube-proxy set up at its last sync. */
  ipvs(node: string): IpvsRuleset {
    if (this.mode !== "ipvs") throw new Error(`kube-proxy runs in ${this.mode} mode; create the cluster with proxyMode: "ipvs"`);
    return this.cached(this.ipvsCache, node, (input) =>
      syncIpvs({ ...input, config: { clusterCIDR: this.config.clusterCIDR, ...(this.config.ipvsScheduler ? { scheduler: this.config.ipvsScheduler } : {}), ...(this.config.masqueradeAll ? { masqueradeAll: true } : {}) } }),
    );
  }

  /**
   * nftables mode: the `ip kube-proxy` table this node's kube-proxy wrote at its last sync.
   *
   * @example
   * ```ts
   * proxy.nftables("node-1").list();   // what `nft list table ip kube-proxy` prints
   * ```
   */
  nftables(node: string): NftablesRuleset {
    if (this.mode !== "nftables") throw new Error(`kube-proxy runs in ${this.mode} mode; create the cluster with proxyMode: "nftables"`);
    return this.cached(this.nftCache, node, (input) =>
      syncNftables({ ...input, config: { clusterCIDR: this.config.clusterCIDR, ...(this.config.serviceCIDR ? { serviceCIDRs: this.config.serviceCIDR } : {}), ...(this.config.masqueradeAll ? { masqueradeAll: true } : {}) } }),
    );
  }

  /**
   * The node's whole IPv4 iptables rule set as the kernel holds it (what the data path
   * evaluates); in nftables mode kube-proxy writes no iptables rules, so only the built-in chains.
   */
  rulesetText(node: string): string {
    if (this.mode === "nftables") return EMPTY_IPTABLES;
    return this.mode === "ipvs" ? this.ipvs(node).rulesetText() : this.iptables(node).save();
  }

  /** The rules this node's kube-proxy wrote at its last sync. */
  iptables(node: string): IptablesRuleset {
    if (this.mode !== "iptables") throw new Error(`kube-proxy runs in ${this.mode} mode: see node(...).${this.mode}${this.mode === "ipvs" ? " (its iptables rules are in ipvs.restoreInput())" : ""}`);
    return this.cached(this.cache, node, (input) => syncIptables({ ...input, config: this.config }));
  }

  /** A node's rules from the last sync's snapshot, computed once per sync. */
  private cached<R>(
    cache: Map<string, { version: number; rules: R }>,
    node: string,
    sync: (input: { node: { name: string; ips: string[] }; services: ProxySnapshot["services"]; endpointSlices: ProxySnapshot["endpointSlices"] }) => R,
  ): R {
    const hit = cache.get(node);
    if (hit && hit.version === this.snapshot.version) return hit.rules;
    const rules = sync({ node: { name: node, ips: this.nodeIPs(node) }, services: this.snapshot.services, endpointSlices: this.snapshot.endpointSlices });
    cache.set(node, { version: this.snapshot.version, rules });
    return rules;
  }
}
