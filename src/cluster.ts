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
import { type Cidr, formatIPv4, parseCidr } from "./util/ipv4";
import type { FieldError, ObjectErrors } from "./api/errors";
import { ApplyError, NotFoundError } from "./api/errors";
import { type SourceDocument, loadManifestFile, loadManifests, looksLikePath, objectDocuments } from "./api/load";
import { cacheKey, describe, kindInfo, kinds, lookupKind, parseRef } from "./api/meta";
import { schemaErrors } from "./api/schema";
import type { DeepReadonly, Deployment, EndpointSlice, Kind, KubeObject, ObjectOf, OwnerReference, Taint } from "./api/types";
import { wellKnown } from "./api/types";
import { ApiServer, type BatchReservations, type Stored } from "./apiserver/apiserver";
import { CloudServiceController } from "./controllers/cloud";
import { clone, stableStringify } from "./controllers/controller";
import { DeploymentController } from "./controllers/deployment";
import { EndpointSliceController } from "./controllers/endpointslice";
import { EndpointsController } from "./controllers/endpoints";
import { EndpointSliceMirroringController } from "./controllers/endpointslicemirroring";
import { GarbageCollector } from "./controllers/garbagecollector";
import { NamespaceController } from "./controllers/namespace";
import { NodeIpamController } from "./controllers/nodeipam";
import { ReplicaSetController } from "./controllers/replicaset";
import { type FailureMode, Kubelet } from "./kubelet/kubelet";
import { servedRequests } from "./kubelet/containerlog";
import { Scheduler } from "./scheduler/scheduler";
import { SimContext } from "./sim/context";
import { Rng } from "./sim/rng";
import { type Trace, TraceView } from "./sim/trace";
import { coreDNSObjects } from "./addons/coredns";
import { KubeProxy } from "./proxy/kubeproxy";
import { CoreDNS } from "./dns/component";
import type { UpstreamRecords } from "./dns/upstream";
import { DataPathAdapter, type Source, type Target, type TrafficOptions } from "./network";
import type { IpvsScheduler } from "./net/ipvs";
import type { ProxyMode } from "./proxy/kubeproxy";
import { EPOCH_MS } from "./sim/context";
import { ClusterDNS, NodeView, Packet, ServiceEndpoints, Traffic } from "./views";
import { type KubectlOutput, runKubectl, templateLine } from "./kubectl/kubectl";
import type { KubectlHost } from "./kubectl/cmd/context";
import { Rest } from "./kubectl/rest";
import { installRenderers, type TableView } from "./render";
import { kubectlTable } from "./kubectl/printers/table";

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

/** A reference option: the namespace for names without one. */
export interface NamespaceOption {
  namespace?: string;
}

/** What `apply` did to each object, in kubectl's words (`deployment.apps/web created`). */
export class ApplyResult {
  constructor(readonly lines: readonly { ref: string; action: "created" | "configured" | "unchanged" }[]) {}
  toString(): string {
    return this.lines.map((l) => `${l.ref} ${l.action}`).join("\n");
  }
  [Symbol.for("Jupyter.display")](): Record<string, unknown> {
    return { "text/plain": this.toString() };
  }
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
}

export class Cluster {
  readonly config: ClusterConfig;
  /** Shared simulation state (clock, trace, RNG). */
  readonly ctx: SimContext;
  readonly api: ApiServer;
  readonly kubelets = new Map<string, Kubelet>();
  /** Events of the bootstrap (kubeadm init + join), kept apart from {@link trace}. */
  readonly bootstrapTrace: TraceView;
  /** kube-proxy on every node (one shared informer; see proxy/kubeproxy.ts). */
  readonly kubeProxy: KubeProxy;
  /** CoreDNS's kubernetes plugin. */
  readonly coredns: CoreDNS;
  /** Ask CoreDNS, or resolve names as a pod would. */
  readonly dns: ClusterDNS;
  private readonly nodeIPs = new Map<string, string>();
  private nodeNames: string[] | undefined;

  /** Node names (cached: kube-proxy asks on every watch notification). */
  private nodeNameList(): string[] {
    if (!this.nodeNames || this.nodeNames.length !== this.kubelets.size) this.nodeNames = [...this.kubelets.keys()];
    return this.nodeNames;
  }
  private readonly dataPath: DataPathAdapter;
  /** Bumped by fail()/heal(): an app's state is not an API object, but the data path must see it. */
  private appStateGeneration = 0;

  constructor(opts: ClusterOptions = {}) {
    const serviceCIDR = parseCidr(opts.serviceCIDR ?? "10.96.0.0/12");
    const nodeCIDR = parseCidr(opts.nodeCIDR ?? "172.18.0.0/16");
    this.config = {
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
    };
    const names = typeof opts.nodes === "object" ? [...opts.nodes] : Array.from({ length: opts.nodes ?? 3 }, (_, i) => `node-${i + 1}`);
    const all = this.config.controlPlane ? ["control-plane", ...names] : names;
    const clusterCIDR = parseCidr(this.config.clusterCIDR);
    const capacity = 2 ** (this.config.nodeCIDRMaskSize - clusterCIDR.prefix);
    if (all.length > capacity)
      throw new Error(
        `clusterCIDR ${clusterCIDR.text} with /${this.config.nodeCIDRMaskSize} per node fits only ${capacity} nodes, but the cluster has ${all.length}: ` +
          `use a larger clusterCIDR (e.g. clusterCIDR: "10.0.0.0/8"), as a real cluster of this size would`,
      );
    if (all.length + 2 > nodeCIDR.size) throw new Error(`nodeCIDR ${nodeCIDR.text} has no room for ${all.length} node addresses`);
    if (new Set(all).size !== all.length) throw new Error(`node names must be unique: ${all.join(", ")}`);

    this.ctx = new SimContext(this.config.seed);
    this.ctx.trace.enabled = opts.trace ?? true;
    this.api = new ApiServer(this.ctx, { serviceCIDR: this.config.serviceCIDR });
    installRenderers();
    this.kubeProxy = new KubeProxy(
      this.ctx,
      this.api,
      {
        clusterCIDR: this.config.clusterCIDR,
        masqueradeAll: this.config.masqueradeAll,
        minSyncPeriodSeconds: this.config.minSyncPeriodSeconds,
        mode: this.config.proxyMode,
        serviceCIDR: this.config.serviceCIDR,
        ...(opts.kubeProxy?.ipvsScheduler ? { ipvsScheduler: opts.kubeProxy.ipvsScheduler } : {}),
      },
      () => this.nodeNameList(),
      (n) => [this.nodeIP(n)],
    );
    this.coredns = new CoreDNS(this.ctx, this.api, { zone: this.config.clusterDomain, ...(opts.upstreamDNS ? { upstream: opts.upstreamDNS } : { upstream: DEFAULT_UPSTREAM }) });
    this.dns = new ClusterDNS(
      this.coredns,
      (ref, ns) => this.get<"Pod">(ref.includes("/") ? ref : `pod/${ref}`, ns ? { namespace: ns } : {}),
      this.config.dnsIP,
      this.config.clusterDomain,
      opts.nodeResolvConf ?? `nameserver ${formatIPv4(nodeCIDR.base + 1)}\n`,
    );
    this.dataPath = new DataPathAdapter({
      seed: this.config.seed,
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
    this.bootstrap(all, clusterCIDR, opts);
    this.settle();
    this.bootstrapTrace = this.ctx.trace.splitOff();
  }

  private bootstrap(nodes: string[], clusterCIDR: Cidr, opts: ClusterOptions): void {
    const api = this.api;
    const self = "kube-apiserver";
    for (const ns of ["default", "kube-node-lease", "kube-public", "kube-system"]) api.create(self, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    // The API server publishes itself as the `kubernetes` Service (its endpoint reconciler).
    api.create(self, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "kubernetes", namespace: "default", labels: { component: "apiserver", provider: "kubernetes" } },
      spec: { clusterIP: this.config.apiServerServiceIP, ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }] },
    });
    const epSlice: EndpointSlice = {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: "kubernetes", namespace: "default", labels: { [wellKnown.serviceName]: "kubernetes" } },
      addressType: "IPv4",
      endpoints: [{ addresses: [this.config.apiServerIP], conditions: { ready: true } }],
      ports: [{ name: "https", port: 6443, protocol: "TCP" }],
    };
    api.create(self, epSlice);
    api.create(self, {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: "kubernetes", namespace: "default", labels: { [wellKnown.skipMirror]: "true" } },
      subsets: [{ addresses: [{ ip: this.config.apiServerIP }], ports: [{ name: "https", port: 6443, protocol: "TCP" }] }],
    });

    // kube-controller-manager, kube-scheduler, cloud-controller-manager.
    new NodeIpamController(this.ctx, api, clusterCIDR, this.config.nodeCIDRMaskSize).start();
    new DeploymentController(this.ctx, api).start();
    new ReplicaSetController(this.ctx, api).start();
    new EndpointSliceController(this.ctx, api).start();
    new EndpointsController(this.ctx, api).start();
    new EndpointSliceMirroringController(this.ctx, api).start();
    new GarbageCollector(this.ctx, api).start();
    new NamespaceController(this.ctx, api).start();
    new CloudServiceController(this.ctx, api, parseCidr(this.config.loadBalancerCIDR)).start();
    new Scheduler(this.ctx, api).start();

    // Nodes join: each kubelet registers its Node.
    const nodeBase = parseCidr(this.config.nodeCIDR).base;
    nodes.forEach((name, i) => {
      const ip = formatIPv4(nodeBase + 2 + (this.config.controlPlane ? i : i + 1));
      this.nodeIPs.set(name, ip);
      const controlPlane = this.config.controlPlane && i === 0;
      const taints: Taint[] = controlPlane ? [{ key: wellKnown.controlPlaneRole, effect: "NoSchedule" }] : [];
      const k = new Kubelet(this.ctx, api, {
        name,
        ip,
        controlPlane,
        cpu: opts.nodeResources?.cpu ?? "4",
        memory: opts.nodeResources?.memory ?? "16Gi",
        maxPods: opts.nodeResources?.pods ?? 110,
        taints,
      });
      this.kubelets.set(name, k);
      k.start();
    });

    this.kubeProxy.start();
    // kubeadm's CoreDNS addon.
    // The ConfigMap's uid comes from a stream of its own: taking it from the shared one would
    // shift every later random name and address, which lessons and tests quote.
    const configUID = new Rng(this.config.seed + 0x636f7265).uuid();
    for (const o of coreDNSObjects(this.config.dnsIP, this.config.clusterDomain)) api.create("kubeadm", o, o.kind === "ConfigMap" ? { uid: configUID } : {});
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
    const objectErrors: ObjectErrors[] = [];
    const other: string[] = [];
    const batch: BatchReservations = { ips: new Set(), ports: new Set(), namespaces: new Set() };
    const admitted: KubeObject[] = [];
    const seen = new Set<string>();
    for (const doc of expandLists(docs)) {
      const o = doc.object;
      const where = (errs: FieldError[]): FieldError[] => errs.map((e) => ({ ...e, location: doc.locate(e.field) }));
      const at = doc.locate([]);
      const atText = `${doc.file ? `${doc.file}, ` : ""}document ${doc.index}${at.line ? `, line ${at.line}` : ""}`;
      const apiVersion = o["apiVersion"];
      const kindName = o["kind"];
      if (typeof kindName !== "string" || !kindName) {
        other.push(`error validating data: kind not set (${atText})`);
        continue;
      }
      if (typeof apiVersion !== "string" || !apiVersion) {
        other.push(`error validating data: apiVersion not set (${atText})`);
        continue;
      }
      const info = lookupKind(kindName);
      if (!info || info.kind !== kindName || info.apiVersion !== apiVersion) {
        other.push(`no matches for kind "${kindName}" in version "${apiVersion}" (${atText})`);
        continue;
      }
      const name = String((o["metadata"] as { name?: unknown } | undefined)?.name ?? "");
      const label = describe({ kind: info.kind, metadata: { name } });
      const schema = schemaErrors(info.kind, o);
      if (schema.length) {
        objectErrors.push({ object: label, errors: where(schema) });
        continue;
      }
      const obj = o as unknown as KubeObject;
      obj.metadata ??= {};
      if (info.namespaced) {
        if (opts.namespace && obj.metadata.namespace && obj.metadata.namespace !== opts.namespace) {
          other.push(`the namespace from the provided object "${obj.metadata.namespace}" does not match the namespace "${opts.namespace}". You must pass '--namespace=${obj.metadata.namespace}' to perform this operation. (${atText})`);
          continue;
        }
        obj.metadata.namespace ||= opts.namespace ?? "default";
      }
      const id = `${info.kind}/${obj.metadata.namespace ?? ""}/${obj.metadata.name ?? ""}`;
      if (obj.metadata.name && seen.has(id)) {
        other.push(`${label} appears twice in the input (${atText})`);
        continue;
      }
      seen.add(id);
      const existing = obj.metadata.name ? this.api.get(info.kind, obj.metadata.namespace, obj.metadata.name) : undefined;
      if (existing) keepServerFields(obj, existing as DeepReadonly<KubeObject>);
      const errs = this.api.admit(obj, batch);
      if (errs.length) objectErrors.push({ object: label, errors: where(errs) });
      else admitted.push(obj);
    }
    if (objectErrors.length || other.length) throw new ApplyError(objectErrors, other);

    const lines: { ref: string; action: "created" | "configured" | "unchanged" }[] = [];
    for (const obj of admitted) {
      const info = kindInfo(obj.kind);
      const ref = `${info.resource.replace(/s$/, "") === "endpoint" ? "endpoints" : singular(info.resource)}${info.apiVersion.includes("/") ? "." + info.apiVersion.split("/")[0] : ""}/${obj.metadata.name}`;
      const old = this.api.get(obj.kind, obj.metadata.namespace, obj.metadata.name!);
      if (!old) {
        this.api.create("kubectl", obj as ObjectOf<Kind>, { admitted: true });
        lines.push({ ref, action: "created" });
      } else if (sameDesiredState(obj, old as DeepReadonly<KubeObject>)) {
        lines.push({ ref, action: "unchanged" });
      } else {
        this.api.update("kubectl", obj as ObjectOf<Kind>, { admitted: true, verb: "patch" });
        lines.push({ ref, action: "configured" });
      }
    }
    return new ApplyResult(lines);
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
    const r = parseRef(ref, { ...(opts.namespace ? { namespace: opts.namespace } : {}) });
    if (!this.api.get(r.kind, r.namespace, r.name)) throw new NotFoundError(kindInfo(r.kind).resource, r.name, r.namespace || undefined);
    this.api.delete("kubectl", r.kind, r.namespace || undefined, r.name, opts.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {});
    const info = kindInfo(r.kind);
    return `${singular(info.resource)}${info.apiVersion.includes("/") ? "." + info.apiVersion.split("/")[0] : ""} "${r.name}" deleted`;
  }

  /**
   * `kubectl scale`: set a Deployment's or ReplicaSet's replicas.
   * @example cluster.scale("deployment/web", 5).settle();
   */
  scale(ref: string, replicas: number, opts: NamespaceOption = {}): this {
    const r = parseRef(ref, { ...(opts.namespace ? { namespace: opts.namespace } : {}), defaultKind: "Deployment" });
    if (r.kind !== "Deployment" && r.kind !== "ReplicaSet") throw new Error(`cannot scale ${kindInfo(r.kind).resource}: only deployments and replicasets have replicas`);
    if (!Number.isInteger(replicas) || replicas < 0) throw new Error(`replicas must be a non-negative integer, got ${replicas}`);
    const o = this.get(`${r.kind}/${r.namespace}/${r.name}`) as Stored<"Deployment" | "ReplicaSet">;
    const next = clone<Deployment>(o as DeepReadonly<Deployment>);
    next.spec.replicas = replicas;
    this.api.update("kubectl", next, { admitted: true, verb: "scale", detail: `replicas ${o.spec.replicas}→${replicas}` });
    return this;
  }

  /**
   * Read one object: `kind/name`, `kind/ns/name`, or `name` with a kind-less ref meaning a pod.
   * @example cluster.get("service/kube-dns", { namespace: "kube-system" }).spec.clusterIP // "10.96.0.10"
   */
  get<K extends Kind = Kind>(ref: string, opts: NamespaceOption = {}): Stored<K> {
    const r = parseRef(ref, { ...(opts.namespace ? { namespace: opts.namespace } : {}), defaultKind: "Pod" });
    const o = this.api.get(r.kind, r.namespace || undefined, r.name);
    if (!o) throw new NotFoundError(kindInfo(r.kind).resource, r.name, r.namespace || undefined);
    return o as unknown as Stored<K>;
  }

  /** Every object of a kind (`"pods"`, `"svc"`, `"Deployment"`, …), in one namespace or all. */
  list<K extends Kind = Kind>(kind: string, opts: NamespaceOption & { allNamespaces?: boolean } = {}): Stored<K>[] {
    const info = lookupKind(kind);
    if (!info) throw new Error(`the server doesn't have a resource type "${kind}"`);
    const ns = info.namespaced && !opts.allNamespaces ? opts.namespace ?? "default" : undefined;
    return this.api.list(info.kind, ns) as unknown as Stored<K>[];
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

/** Names outside the cluster that lessons resolve (the simulated upstream resolver). */
const DEFAULT_UPSTREAM: UpstreamRecords = {
  "google.com": { A: ["142.250.74.46"], AAAA: ["2a00:1450:4001:82b::200e"] },
  "example.com": { A: ["93.184.215.14"] },
  "api.example.com": { A: ["93.184.215.15"] },
  "registry.k8s.io": { A: ["34.96.108.209"] },
};

/**
 * kubectl apply merges: fields the manifest does not mention keep the values the cluster set
 * (the scheduler's nodeName, controllers' ownerReferences, finalizers). Re-applying a manifest
 * is therefore harmless.
 */
function keepServerFields(obj: KubeObject, old: DeepReadonly<KubeObject>): void {
  if (!obj.metadata.ownerReferences && old.metadata.ownerReferences) obj.metadata.ownerReferences = clone<OwnerReference[]>(old.metadata.ownerReferences);
  if (!obj.metadata.finalizers && old.metadata.finalizers) obj.metadata.finalizers = [...old.metadata.finalizers];
  if (obj.kind === "Pod" && old.kind === "Pod" && obj.spec && !obj.spec.nodeName && old.spec.nodeName) obj.spec.nodeName = old.spec.nodeName;
  // Controller-owned annotations (the Deployment's deployment.kubernetes.io/revision): kubectl apply's
  // three-way merge never removes what it did not write.
  const owned = Object.entries(old.metadata.annotations ?? {}).filter(([k]) => k.startsWith("deployment.kubernetes.io/") && obj.metadata.annotations?.[k] === undefined);
  if (owned.length) obj.metadata.annotations = { ...obj.metadata.annotations, ...Object.fromEntries(owned) };
}

/** Do an admitted object and the stored one describe the same desired state (kubectl's "unchanged")? */
function sameDesiredState(obj: KubeObject, old: DeepReadonly<KubeObject>): boolean {
  const desired = (o: DeepReadonly<KubeObject>): unknown => {
    const { status: _s, metadata, ...rest } = o as DeepReadonly<KubeObject> & { status?: unknown };
    void _s;
    return { ...rest, labels: metadata.labels ?? {}, annotations: metadata.annotations ?? {} };
  };
  return stableStringify(desired(obj as DeepReadonly<KubeObject>)) === stableStringify(desired(old));
}

function expandLists(docs: SourceDocument[]): SourceDocument[] {
  const out: SourceDocument[] = [];
  for (const d of docs) {
    if (d.object["kind"] === "List" && Array.isArray(d.object["items"])) {
      (d.object["items"] as Record<string, unknown>[]).forEach((item, i) =>
        out.push({ ...d, object: item, locate: (p) => d.locate(["items", i, ...p]) }),
      );
    } else out.push(d);
  }
  return out;
}

function singular(resource: string): string {
  if (resource === "endpoints") return "endpoints";
  return resource.endsWith("ses") ? resource.slice(0, -2) : resource.replace(/s$/, "");
}
