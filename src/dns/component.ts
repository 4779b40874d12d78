/**
 * CoreDNS as a cluster component: its kubernetes plugin watches Namespaces, Services and
 * EndpointSlices through the API (each notification is in the trace, addressed to `coredns`) and
 * answers from the {@link KubernetesDns} record store. `ClusterDNS` is what `cluster.dns` offers:
 * dig-style queries, the pod resolver's walk through the search list, and resolv.conf.
 *
 * @example
 * ```ts
 * cluster.dns.query("kubernetes.default.svc.cluster.local", "A").toString(); // dig output
 * cluster.dns.resolve("hello-world", { from: "pod/client" });             // the queries glibc sends
 * ```
 */
import type { ApiServer } from "../apiserver/apiserver";
import { Informer } from "../client/informer";
import type { SimContext } from "../sim/context";
import { KubernetesDns } from "./coredns";
import { dnsAnswerToDig } from "./dig";
import { resolvConf, type PodResolvConf } from "./resolvconf";
import { resolve, type ResolveResult } from "./resolver";
import type { DnsAnswer, QType } from "./types";
import { rrText } from "./types";
import type { UpstreamRecords } from "./upstream";

export const COREDNS = "coredns";

/** The kubernetes plugin's view of the cluster, kept current by watches. */
export class CoreDNS {
  readonly store: KubernetesDns;

  constructor(ctx: SimContext, api: ApiServer, opts: { zone: string; upstream?: UpstreamRecords }) {
    this.store = new KubernetesDns({
      zone: opts.zone,
      ...(opts.upstream ? { upstream: opts.upstream } : {}),
      namespaces: [],
      now: () => 1735689600 + Math.floor(ctx.now / 1000),
      // The answering CoreDNS pod's address. Every replica backs kube-dns, so any one gives the
      // same NS answer; read from the API server's cache (CoreDNS itself only asks its interfaces).
      localIPs: () => {
        const pod = api.list("Pod", "kube-system").find((p) => p.metadata.labels?.["k8s-app"] === "kube-dns" && p.status?.podIP && !p.metadata.deletionTimestamp);
        return pod ? [pod.status!.podIP!] : [];
      },
    });
    const s = this.store;
    new Informer(api, COREDNS, "Namespace").on({ add: (n) => s.upsertNamespace(n), update: (n) => s.upsertNamespace(n), delete: (n) => s.deleteNamespace(n.metadata.name!) }).start();
    new Informer(api, COREDNS, "Service").on({ add: (x) => s.upsertService(x), update: (x) => s.upsertService(x), delete: (x) => s.deleteService(x.metadata.namespace!, x.metadata.name!) }).start();
    new Informer(api, COREDNS, "EndpointSlice")
      .on({ add: (x) => s.upsertEndpointSlice(x), update: (x) => s.upsertEndpointSlice(x), delete: (x) => s.deleteEndpointSlice(x.metadata.namespace!, x.metadata.name!) })
      .start();
  }
}

/** A DNS answer that prints itself the way dig does. */
export class DigAnswer {
  constructor(readonly answer: DnsAnswer) {}
  get rcode(): string {
    return this.answer.rcode;
  }
  /** Answer records in presentation form. */
  get records(): string[] {
    return this.answer.answer.map(rrText);
  }
  toString(): string {
    return dnsAnswerToDig(this.answer);
  }
  [Symbol.for("Jupyter.display")](): Record<string, unknown> {
    return dnsDisplay.dig(this);
  }
}

/** The walk a pod's resolver makes for one name. */
export class ResolverWalk {
  constructor(
    readonly name: string,
    readonly from: string,
    readonly conf: PodResolvConf,
    readonly result: ResolveResult,
  ) {}
  /** The addresses found, or undefined if the name did not resolve. */
  get addresses(): string[] | undefined {
    return "addresses" in this.result.result ? this.result.result.addresses : undefined;
  }
  get queries(): ResolveResult["queries"] {
    return this.result.queries;
  }
  toString(): string {
    const lines = this.result.queries.map((q, i) => `${String(i + 1).padStart(2)}  ${q.type.padEnd(4)} ${q.name.padEnd(48)} ${q.rcode}${q.answers.length ? "  " + q.answers.map(rrText).join(", ") : ""}`);
    const end = "addresses" in this.result.result ? `=> ${this.result.result.addresses.join(", ")}` : `=> ${this.result.result.error}`;
    return [`getaddrinfo("${this.name}") from ${this.from}`, ...lines, end].join("\n");
  }
  [Symbol.for("Jupyter.display")](): Record<string, unknown> {
    return dnsDisplay.walk(this);
  }
}

/** A pod's /etc/resolv.conf as the kubelet wrote it. */
export class ResolvConfView {
  constructor(
    readonly pod: string,
    readonly conf: PodResolvConf,
  ) {}
  get text(): string {
    return this.conf.text;
  }
  get search(): string[] {
    return this.conf.search;
  }
  get nameservers(): string[] {
    return this.conf.nameservers;
  }
  get options(): string[] {
    return this.conf.options;
  }
  toString(): string {
    return this.conf.text;
  }
  [Symbol.for("Jupyter.display")](): Record<string, unknown> {
    return dnsDisplay.resolvConf(this);
  }
}

/** Renderer hooks (installed by render/), so dns/ never formats HTML. */
export const dnsDisplay = {
  dig: (a: DigAnswer): Record<string, unknown> => ({ "text/plain": a.toString() }),
  walk: (w: ResolverWalk): Record<string, unknown> => ({ "text/plain": w.toString() }),
  resolvConf: (r: ResolvConfView): Record<string, unknown> => ({ "text/plain": r.text }),
};

/** `cluster.dns`: ask CoreDNS directly, or resolve as a pod's C library would. */
export class ClusterDNS {
  constructor(
    private readonly coredns: CoreDNS,
    private readonly pod: (ref: string, namespace?: string) => import("../apiserver/apiserver").Stored<"Pod">,
    private readonly clusterDNS: string,
    private readonly clusterDomain: string,
    private readonly nodeResolvConf: string,
  ) {}

  /**
   * `dig NAME TYPE @10.96.0.10`: CoreDNS's answer.
   * @example cluster.dns.query("kube-dns.kube-system.svc.cluster.local").records // ["kube-dns.kube-system.svc.cluster.local. 30 IN A 10.96.0.10"]
   */
  query(name: string, type: QType = "A"): DigAnswer {
    return new DigAnswer(this.coredns.store.query(name, type));
  }

  /**
   * The resolv.conf the kubelet writes for a pod.
   * @example cluster.dns.resolvConf("pod/client").search // ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"]
   */
  resolvConf(from: string, opts: { namespace?: string } = {}): ResolvConfView {
    const pod = this.pod(from, opts.namespace);
    const conf = resolvConf({ pod, clusterDNS: [this.clusterDNS], clusterDomain: this.clusterDomain, hostResolvConf: this.nodeResolvConf });
    return new ResolvConfView(`pod/${pod.metadata.namespace}/${pod.metadata.name}`, conf);
  }

  /**
   * `getent ahosts NAME` inside a pod: every query glibc sends (search list, ndots), in order, and the result.
   * @example cluster.dns.resolve("hello-world", { from: "pod/client" }).queries.length
   */
  resolve(name: string, opts: { from: string; namespace?: string; libc?: "glibc" | "musl" }): ResolverWalk {
    const conf = this.resolvConf(opts.from, opts).conf;
    const result = resolve(name, conf, (n, t) => this.coredns.store.query(n, t), { addrConfig: { ipv4: true, ipv6: false }, ...(opts.libc ? { libc: opts.libc } : {}) });
    return new ResolverWalk(name, opts.from, conf, result);
  }

  /** Every record CoreDNS serves, as rows. */
  records(): ReturnType<KubernetesDns["records"]> {
    return this.coredns.store.records();
  }
}
