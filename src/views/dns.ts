/**
 * What `cluster.dns` shows: CoreDNS's answers as dig prints them, the walk a pod's resolver makes
 * through its search list, and the resolv.conf the kubelet wrote — as text and as tables built by
 * `render/`. The DNS simulation (`dns/`) only answers; formatting lives here.
 *
 * @example
 * ```ts
 * cluster.dns.query("kubernetes.default.svc.cluster.local", "A").toString(); // dig output
 * cluster.dns.resolve("hello-world", { from: "pod/client" });             // the queries glibc sends
 * ```
 */
import type { Stored } from "../apiserver/apiserver";
import type { CoreDNS } from "../dns/component";
import type { KubernetesDns } from "../dns/coredns";
import { dnsAnswerToDig } from "../dns/dig";
import { resolvConf, type PodResolvConf } from "../dns/resolvconf";
import { resolve, type ResolveResult } from "../dns/resolver";
import type { DnsAnswer, QType } from "../dns/types";
import { rrText } from "../dns/types";
import { preBundle, resolvConfBundle, resolverBundle } from "../render";

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
    return preBundle(this.toString(), `dig ${this.answer.question.name} ${this.answer.question.type}`);
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
    return resolverBundle(
      {
        name: this.name,
        from: this.from,
        search: this.conf.search,
        nameservers: this.conf.nameservers,
        options: this.conf.options,
        queries: this.queries.map((q) => ({ step: q.step, name: q.name, type: q.type, rcode: q.rcode, answers: q.answers.map((r) => ("address" in r ? r.address : "target" in r ? `${r.type} ${r.target}` : r.type)) })),
        ...(this.addresses ? { addresses: this.addresses } : { error: "error" in this.result.result ? this.result.result.error : "not found" }),
      },
      this.toString(),
    );
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
    return { ...resolvConfBundle(this.text, this.pod), "text/plain": this.text };
  }
}

/** `cluster.dns`: ask CoreDNS directly, or resolve as a pod's C library would. */
export class ClusterDNS {
  constructor(
    private readonly coredns: CoreDNS,
    private readonly pod: (ref: string, namespace?: string) => Stored<"Pod">,
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
