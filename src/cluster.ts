/**
 * The facade lessons use: a whole simulated cluster behind kubectl-like verbs.
 *
 * A new Cluster looks like a fresh kubeadm cluster: a control plane (etcd, kube-apiserver,
 * kube-controller-manager's controllers, kube-scheduler, a cloud controller), a tainted
 * `control-plane` node and worker nodes `node-1`…`node-N` with a kubelet, container runtime, CNI
 * and kube-proxy each, the `kubernetes` Service, and CoreDNS (Deployment `coredns`, Service
 * `kube-dns` at 10.96.0.10) in `kube-system`. Everything runs on one virtual clock: nothing
 * happens until you call {@link Cluster.settle} or {@link Cluster.advance}.
 *
 * @example
 * ```ts
 * import { Cluster } from "kubelab";
 * const cluster = new Cluster({ nodes: 3, seed: 42 });
 * cluster.apply("hello-world.yaml");
 * cluster.settle();
 * cluster.endpoints("hello-world");
 * ```
 */
import { NotFoundError } from "./api/errors";
import { loadManifestFile, loadManifests, looksLikePath, objectDocuments, type SourceDocument } from "./api/load";
import { cacheKey, kinds, lookupKind, parseRef } from "./api/meta";
import { wellKnown, type Kind, type KubeObject } from "./api/types";
import { ApiServer, type Stored } from "./apiserver/apiserver";
import { bootstrap } from "./bootstrap";
import { resolveConfig, type ClusterConfig, type ClusterOptions } from "./config";
import type { CoreDNS } from "./dns/component";
import { servedRequests } from "./kubelet/containerlog";
import type { FailureMode, Kubelet } from "./kubelet/kubelet";
import { applyAll, type ApplyResult } from "./kubectl/applyall";
import type { KubectlHost } from "./kubectl/cmd/context";
import { runKubectl, templateLine, type KubectlOutput } from "./kubectl/kubectl";
import { kubectlTable } from "./kubectl/printers/table";
import { Rest } from "./kubectl/rest";
import { deleteRef, getRef, listKind, scaleRef } from "./kubectl/verbs";
import { DataPathAdapter, type Source, type Target, type TrafficOptions } from "./network";
import type { KubeProxy } from "./proxy/kubeproxy";
import type { TableView } from "./render";
import { EPOCH_MS, SimContext } from "./sim/context";
import type { Trace, TraceView } from "./sim/trace";
import { ClusterDNS, NodeView, Packet, ServiceEndpoints, Traffic, installTraceDisplay } from "./views";

export type { ClusterConfig, ClusterOptions } from "./config";

/** A reference option: the namespace for names without one. */
export interface NamespaceOption {
  namespace?: string;
}

export class Cluster {
  readonly config: ClusterConfig;
  /** Shared simulation state (clock, trace, RNG). */
  readonly ctx: SimContext;
  readonly api: ApiServer;
  /** One kubelet per node (container runtime, CNI, probes). */
  readonly kubelets: ReadonlyMap<string, Kubelet>;
  /** Events of the bootstrap (kubeadm init + join), kept apart from {@link trace}. */
  readonly bootstrapTrace: TraceView;
  /** kube-proxy on every node (one shared informer; see proxy/kubeproxy.ts). */
  readonly kubeProxy: KubeProxy;
  /** CoreDNS's kubernetes plugin. */
  readonly coredns: CoreDNS;
  /** Ask CoreDNS, or resolve names as a pod would. */
  readonly dns: ClusterDNS;
  private readonly nodeIPs: ReadonlyMap<string, string>;
  private readonly dataPath: DataPathAdapter;
  /** Bumped by fail()/heal(): an app's state is not an API object, but the data path must see it. */
  private appStateGeneration = 0;

  constructor(opts: ClusterOptions = {}) {
    const { config, nodes } = resolveConfig(opts);
    this.config = config;
    this.ctx = new SimContext(config.seed);
    this.ctx.trace.enabled = opts.trace ?? true;
    this.api = new ApiServer(this.ctx, { serviceCIDR: config.serviceCIDR });
    installTraceDisplay();
    const started = bootstrap(this.ctx, this.api, config, nodes);
    ({ kubelets: this.kubelets, nodeIPs: this.nodeIPs, kubeProxy: this.kubeProxy, coredns: this.coredns } = started);
    this.dns = new ClusterDNS(
      this.coredns,
      (ref, ns) => this.get<"Pod">(ref.includes("/") ? ref : `pod/${ref}`, ns ? { namespace: ns } : {}),
      config.dnsIP,
      config.clusterDomain,
      config.nodeResolvConf,
    );
    this.dataPath = new DataPathAdapter({
      seed: config.seed,
      kubeProxy: this.kubeProxy,
      kubelets: this.kubelets,
      nodeIP: (n) => this.nodeIP(n),
      pods: () => this.api.list("Pod"),
      services: () => this.api.list("Service"),
      service: (name, ns) => this.get<"Service">(`service/${ns}/${name}`),
      pod: (name, ns) => this.get<"Pod">(`pod/${ns}/${name}`),
      nodes: () => this.api.list("Node"),
      stateVersion: () => `${this.api.etcd.revision}/${this.now}/${this.appStateGeneration}`,
      served: (pod, src, n) => servedRequests(this.api, pod, src, n, EPOCH_MS + this.now),
    });
    this.settle();
    this.bootstrapTrace = this.ctx.trace.splitOff();
  }

  // ------------------------------------------------------------------ time

  /** The trace of everything since the cluster was built (bootstrap is in {@link bootstrapTrace}). */
  get trace(): Trace {
    return this.ctx.trace;
  }

  /** Virtual milliseconds since the cluster started. */
  get now(): number {
    return this.ctx.now;
  }

  /**
   * Run every control loop until nothing is pending (virtual time moves as needed).
   * Throws a LivelockError if work never runs out.
   * @example cluster.scale("deployment/web", 5); cluster.settle();
   */
  settle(): this {
    this.ctx.loop.settle();
    return this;
  }

  /**
   * Move virtual time forward by `ms`, running what falls due — to watch a rollout or a probe
   * mid-way.
   * @example cluster.advance(5_000);
   */
  advance(ms: number): this {
    this.ctx.loop.advance(ms);
    return this;
  }

  // ------------------------------------------------------------------ kubectl

  /**
   * `kubectl apply`: YAML text (one or more documents), a manifest path (relative paths are also
   * looked up under `datasets/`), or objects. Atomic: every document is validated first; if any
   * is invalid an {@link ApplyError} names each problem (document, line, field) and nothing changes.
   * @example cluster.apply(`apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}`)
   */
  apply(input: string | object | readonly object[], opts: NamespaceOption = {}): ApplyResult {
    const docs: SourceDocument[] =
      typeof input === "string" ? (looksLikePath(input) ? loadManifestFile(input) : loadManifests(input)) : objectDocuments(Array.isArray(input) ? input : [input]);
    return applyAll(this.api, docs, opts);
  }

  /**
   * Run a kubectl command line against this cluster and return what kubectl prints (a table for
   * `get`). Also a tagged template. Virtual time moves only where kubectl waits: `rollout status`,
   * `get -w` (until the cluster is idle or `--request-timeout`) and `delete` (until the object is gone).
   * @example cluster.kubectl("create deployment hello-world --image=nginx --replicas=3")
   * @example cluster.kubectl`scale deployment/hello-world --replicas=${n}`
   */
  kubectl(line: string | TemplateStringsArray, ...values: unknown[]): KubectlOutput {
    return runKubectl(this.kubectlHost, typeof line === "string" ? line : templateLine(line, values));
  }

  /**
   * Node only: serve this cluster's API over HTTP on loopback for a real kubectl (see
   * `kubelab serve`); virtual time follows wall time until `close()`.
   * @example const s = await cluster.serve({ port: 0 }); fs.writeFileSync("kubeconfig", s.kubeconfig());
   */
  async serve(opts: { port?: number; host?: string; speed?: number } = {}): Promise<{ url: string; port: number; kubeconfig(): string; close(): Promise<void> }> {
    // A computed specifier keeps the HTTP server (node:http) out of the simulation's import graph.
    const mod = "./serve/http";
    const { serveCluster } = (await import(mod)) as { serveCluster: (c: Cluster, o: object) => ReturnType<Cluster["serve"]> };
    return serveCluster(this, opts);
  }

  /** The REST layer kubectl and `kubelab serve` use (one per cluster). */
  get rest(): Rest {
    return (this.restLayer ??= new Rest(this.api, this.ctx));
  }
  private restLayer: Rest | undefined;

  /** The kubectl minor version `kubectl(...)` prints as: 32 (default) or 20 (Debian's kubernetes-client). */
  kubectlClientMinor = 32;

  private get kubectlHost(): KubectlHost {
    return {
      clientMinor: this.kubectlClientMinor,
      rest: this.rest,
      advance: (ms) => this.advance(ms),
      nextTaskTime: () => this.ctx.loop.peekTime(),
      readManifests: (src) => (looksLikePath(src) ? loadManifestFile(src) : loadManifests(src)),
    };
  }

  /**
   * `kubectl delete`: `kind/name` (or `ns/kind/name`); pods terminate gracefully, owners cascade.
   * @example cluster.delete("pod/web-7d4b9c8f5-x2x7q"); cluster.settle();
   */
  delete(ref: string, opts: NamespaceOption & { gracePeriodSeconds?: number } = {}): string {
    return deleteRef(this.rest, ref, opts);
  }



  /**
   * `kubectl scale`: set a Deployment's or ReplicaSet's replicas.
   * @example cluster.scale("deployment/web", 5).settle();
   */
  scale(ref: string, replicas: number, opts: NamespaceOption = {}): this {
    scaleRef(this.rest, ref, replicas, opts);
    return this;
  }



  /**
   * Read one object: `kind/name`, `kind/ns/name`, or `name` with a kind-less ref meaning a pod.
   * @example cluster.get("service/kube-dns", { namespace: "kube-system" }).spec.clusterIP // "10.96.0.10"
   */
  get<K extends Kind = Kind>(ref: string, opts: NamespaceOption = {}): Stored<K> {
    return getRef(this.api, ref, opts) as Stored<K>;
  }


  /** Every object of a kind (`"pods"`, `"svc"`, `"Deployment"`, …), in one namespace or all. */
  list<K extends Kind = Kind>(kind: string, opts: NamespaceOption & { allNamespaces?: boolean } = {}): Stored<K>[] {
    return listKind(this.api, kind, opts) as Stored<K>[];
  }


  /** Pods (in `default` unless a namespace is given), optionally only those a label selector picks. */
  pods(opts: NamespaceOption & { allNamespaces?: boolean; selector?: Record<string, string> } = {}): Stored<"Pod">[] {
    return this.list<"Pod">("pods", opts).filter((p) => !opts.selector || Object.entries(opts.selector).every(([k, v]) => p.metadata.labels?.[k] === v));
  }

  services(opts: NamespaceOption & { allNamespaces?: boolean } = {}): Stored<"Service">[] {
    return this.list<"Service">("services", opts);
  }

  nodes(): Stored<"Node">[] {
    return this.list<"Node">("nodes");
  }

  /**
   * The endpoints of a Service, from all of its EndpointSlices, as kube-proxy sees them.
   * @example cluster.endpoints("hello-world").ready.length // 4
   */
  endpoints(service: string, opts: NamespaceOption = {}): ServiceEndpoints {
    const r = parseRef(service, { ...(opts.namespace ? { namespace: opts.namespace } : {}), defaultKind: "Service" });
    const svc = this.get<"Service">(`service/${r.namespace}/${r.name}`);
    const slices = this.api.list("EndpointSlice", r.namespace).filter((s) => s.metadata.labels?.[wellKnown.serviceName] === r.name);
    return new ServiceEndpoints(svc, slices);
  }

  /**
   * Open many connections and count where they land (each walks the nodes' rules with the seeded RNG).
   * `to`: `"hello-world:80"` (ClusterIP), `"10.96.0.1:443"`, or `{ service, port, via: "nodePort" | "loadBalancer", node }`.
   * `from`: `"pod/client"`, `"node/node-1"`, `"external"` or `{ external: ip, via: node }`.
   * @example cluster.traffic({ from: "pod/client", to: "hello-world:80", connections: 10_000 })
   */
  traffic(opts: TrafficOptions): Traffic {
    const run = this.dataPath.traffic(opts);
    return new Traffic(run.from, run.to, run.result);
  }

  /**
   * Follow one packet (and its reply) through every hook, chain and rule, with the NAT applied.
   * Connection tracking persists between calls while the cluster is unchanged, so the same 5-tuple
   * (`sport`) again rides its conntrack entry (ESTABLISHED); any change to the cluster, or
   * {@link Cluster.flushConntrack}, starts from empty tables.
   * @example cluster.packet({ from: "pod/client", to: "hello-world:80" }).hops
   */
  packet(opts: { from: Source; to: Target; namespace?: string; sport?: number }): Packet {
    const run = this.dataPath.packet(opts);
    return new Packet(run.trace, run.context);
  }
  /**
   * Empties every node's kernel connection state — conntrack entries, `-m recent` lists, IPVS
   * connections — as `conntrack -F` (and `ipvsadm -C`'s connection flush) on each node would.
   * @example cluster.flushConntrack().packet({ from: "pod/client", to: "web:80", sport: 40000 })   // NEW again
   */
  flushConntrack(): this {
    this.dataPath.flush();
    return this;
  }


  /** One node: its Node object, kubelet, pods, network plumbing. */
  node(name: string): NodeView {
    const k = this.kubelets.get(name);
    if (!k) throw new NotFoundError("nodes", name);
    return new NodeView(this, k);
  }

  /** The address of a node (InternalIP). */
  nodeIP(name: string): string {
    const ip = this.nodeIPs.get(name);
    if (!ip) throw new NotFoundError("nodes", name);
    return ip;
  }

  /**
   * Make the app in a pod misbehave: `hang` (default) stops it answering — only a liveness probe
   * notices, a readiness probe takes it out of endpoints; `crash` makes it exit (the kubelet
   * restarts it; `persistent: true` keeps it crashing into CrashLoopBackOff).
   * @example cluster.fail("pod/web-7d4b9c8f5-x2x7q"); cluster.advance(30_000);
   */
  fail(ref: string, opts: NamespaceOption & { mode?: FailureMode; persistent?: boolean } = {}): this {
    const { kubelet, key } = this.podRuntime(ref, opts);
    kubelet.fail(key, opts.mode ?? "hang", opts.persistent ?? false);
    this.appStateGeneration++;
    return this;
  }

  /** Let a failed pod's app answer again. */
  heal(ref: string, opts: NamespaceOption = {}): this {
    const { kubelet, key } = this.podRuntime(ref, opts);
    kubelet.heal(key);
    this.appStateGeneration++;
    return this;
  }

  /** Is the app in this pod answering right now? (What a connection to it would find.) */
  isServing(ref: string, opts: NamespaceOption = {}): boolean {
    const { kubelet, key } = this.podRuntime(ref, opts);
    return kubelet.serving(key);
  }

  private podRuntime(ref: string, opts: NamespaceOption): { kubelet: Kubelet; key: string } {
    const p = this.get<"Pod">(ref.includes("/") && lookupKind(ref.split("/")[0]!) ? ref : `pod/${ref}`, opts);
    if (!p.spec.nodeName) throw new Error(`pod "${p.metadata.name}" is not scheduled to a node yet`);
    return { kubelet: this.kubelets.get(p.spec.nodeName)!, key: cacheKey(p) };
  }

  /**
   * `kubectl get KIND` as a table (`-o wide` with `wide: true`).
   * @example cluster.table("pods", { wide: true })
   */
  table(kind: string, opts: NamespaceOption & { allNamespaces?: boolean; wide?: boolean } = {}): TableView {
    const info = lookupKind(kind);
    if (!info) throw new Error(`the server doesn't have a resource type "${kind}"`);
    const items = this.list(info.kind, opts);
    return kubectlTable(info.kind, items, EPOCH_MS + this.now, { ...(opts.wide ? { wide: true } : {}), ...(opts.allNamespaces ? { withNamespace: true } : {}) });
  }

  /** All objects, sorted: what determinism tests compare. */
  snapshot(): KubeObject[] {
    const out: KubeObject[] = [];
    for (const k of kinds) out.push(...(this.api.list(k.kind) as unknown as KubeObject[]));
    return out;
  }
}
