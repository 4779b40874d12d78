/**
 * What lessons read off one node: the rules its kube-proxy wrote in each mode (iptables, IPVS,
 * nftables) and the node's own state (pods, CNI networks, images).
 *
 * @example
 * ```ts
 * const n = cluster.node("node-1");
 * console.log(n.iptables.grep(/hello-world/)); // an iptables-save excerpt
 * n.nftables.list();                            // nft list table ip kube-proxy
 * ```
 */
import type { ApiServer, Stored } from "../apiserver/apiserver";
import { isPodReady } from "../controllers/controller";
import type { PodNetwork } from "../kubelet/cni";
import type { Kubelet } from "../kubelet/kubelet";
import type { IptablesRuleset } from "../proxy/iptables";
import type { IpvsRuleset } from "../proxy/ipvs";
import type { KubeProxy } from "../proxy/kubeproxy";
import { nftRows, type NftablesRuleset } from "../proxy/nftables";
import { iptablesExcerpt, iptablesTable, ipvsTable, nftablesTable, packetOrder, type TableView } from "../render";

/** What a {@link NodeView} reads: the API (the Node object, pods by node) and kube-proxy's rules. */
export interface NodeViewHost {
  readonly api: ApiServer;
  readonly kubeProxy: KubeProxy;
}

/** A node's iptables, as its kube-proxy (and kubelet) last programmed them. */
export class NodeIptables {
  constructor(readonly rules: IptablesRuleset) {}
  /** What kube-proxy handed to `iptables-restore` (filter and nat tables). */
  restoreInput(): string {
    return this.rules.restoreInput();
  }
  /** What `iptables-save` prints on the node (no header or counters). */
  save(): string {
    return this.rules.save();
  }
  /**
   * The `iptables-save` lines that match, under their `*table` header with the declarations of
   * their chains and `COMMIT` — what a filtered excerpt of a real iptables-save must keep, so the
   * filter and nat tables never run together.
   * @example console.log(cluster.node("node-1").iptables.grep(/hello-world/))
   */
  grep(match: RegExp | string): string {
    return iptablesExcerpt(this.save(), match);
  }
  /** Table rows: chain, rule number, matches, target, probability and effective share. */
  rows(): ReturnType<IptablesRuleset["rows"]> {
    return this.rules.rows();
  }
  /** Only the nat table's kube-proxy chains (what lessons usually show). */
  table(opts: { chains?: RegExp } = {}): TableView {
    const re = opts.chains ?? /^KUBE-/;
    return iptablesTable(packetOrder(this.rows().filter((r) => r.table === "nat" && re.test(r.chain))), { title: `iptables -t nat on ${this.rules.nodeName}` });
  }
  toString(): string {
    return this.save();
  }
  [Symbol.for("Jupyter.display")](): Record<string, unknown> {
    return this.table().bundle();
  }
}

/** A node's IPVS state, as its kube-proxy (IPVS mode) last programmed it. */
export class NodeIpvs {
  constructor(readonly rules: IpvsRuleset) {}
  /** `ipvsadm -Ln` */
  ipvsadm(): string {
    return this.rules.ipvsadm();
  }
  /** What kube-proxy handed to iptables-restore (the ipset-based rules). */
  restoreInput(): string {
    return this.rules.restoreInput();
  }
  get virtualServers(): IpvsRuleset["virtualServers"] {
    return this.rules.virtualServers;
  }
  get ipsets(): IpvsRuleset["ipsets"] {
    return this.rules.ipsets;
  }
  toString(): string {
    return this.ipvsadm();
  }
  [Symbol.for("Jupyter.display")](): Record<string, unknown> {
    return { ...ipvsTable(this.rules.rows(), { title: `ipvsadm -Ln on ${this.rules.nodeName}` }).bundle(), "text/plain": this.ipvsadm() };
  }
}

/**
 * A node's `ip kube-proxy` nftables table, as its kube-proxy (nftables mode) last wrote it.
 *
 * @example
 * ```ts
 * const nft = cluster.node("node-1").nftables;
 * nft.ruleset();   // the text kube-proxy fed to `nft -f`
 * nft.list();      // what `nft list table ip kube-proxy` prints
 * nft.table({ service: "default/web" });   // that Service's map entries and chains
 * ```
 */
export class NodeNftables {
  constructor(readonly rules: NftablesRuleset) {}
  /** The transaction kube-proxy handed to `nft -f` (a full sync). */
  ruleset(): string {
    return this.rules.ruleset();
  }
  /** What `nft list table ip kube-proxy` prints on the node. */
  list(): string {
    return this.rules.list();
  }
  /**
   * Rows a packet meets: the dispatch chains, then map elements and chains; `service`
   * (`namespace/name`) keeps only that Service's elements and chains.
   */
  table(opts: { service?: string } = {}): TableView {
    return nftablesTable(nftRows(this.rules.table, opts), { title: `nft list table ip kube-proxy on ${this.rules.nodeName}` });
  }
  toString(): string {
    return this.list();
  }
  [Symbol.for("Jupyter.display")](): Record<string, unknown> {
    return { ...this.table().bundle(), "text/plain": this.list() };
  }
}

/** A node: its object, the kubelet's view, its pods and network. */
export class NodeView {
  constructor(
    private readonly host: NodeViewHost,
    readonly kubelet: Kubelet,
  ) {}

  get name(): string {
    return this.kubelet.config.name;
  }

  get ip(): string {
    return this.kubelet.config.ip;
  }

  get object(): Stored<"Node"> {
    return this.host.api.get("Node", undefined, this.name)!;
  }

  get podCIDR(): string | undefined {
    return this.object.spec.podCIDR;
  }

  /** Pods bound to this node (all namespaces). */
  get pods(): Stored<"Pod">[] {
    return this.host.api.podsOnNode(this.name);
  }

  /** The CNI plumbing of each pod sandbox on the node. */
  get networks(): PodNetwork[] {
    return [...this.kubelet.cni.networks.values()];
  }

  /** Images the container runtime has pulled. */
  get images(): string[] {
    return [...this.kubelet.cri.images].sort();
  }

  /** The node's iptables rules (kube-proxy's last sync, iptables mode). */
  get iptables(): NodeIptables {
    return new NodeIptables(this.host.kubeProxy.iptables(this.name));
  }

  /** IPVS mode: virtual servers (`ipvsadm -Ln`), kube-ipvs0 addresses, ipsets and iptables rules. */
  get ipvs(): NodeIpvs {
    return new NodeIpvs(this.host.kubeProxy.ipvs(this.name));
  }

  /** nftables mode: the `ip kube-proxy` table (`ruleset()`, `list()`, `table()`). */
  get nftables(): NodeNftables {
    return new NodeNftables(this.host.kubeProxy.nftables(this.name));
  }

  toString(): string {
    return `node ${this.name} ${this.ip} podCIDR ${this.podCIDR ?? "<none>"} pods ${this.pods.length} ready ${this.pods.filter(isPodReady).length}`;
  }
}
