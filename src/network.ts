/**
 * The cluster's data path as lessons use it: `cluster.traffic(...)` and `cluster.packet(...)`.
 *
 * It presents the simulated cluster to the netfilter/IPVS model in `net/` — every node's rules as
 * its kube-proxy last wrote them, every pod's address and whether its app answers, the cloud load
 * balancers in front of LoadBalancer Services — and turns kubectl-style names ("hello-world:80",
 * "pod/client") into addresses.
 *
 * @example
 * ```ts
 * cluster.traffic({ from: "pod/client", to: "hello-world:80", connections: 10_000 }); // chart per endpoint
 * cluster.packet({ from: "pod/client", to: "hello-world:80" });                      // every rule one packet meets
 * ```
 */
import type { Stored } from "./apiserver/apiserver";
import { cacheKey } from "./api/meta";
import { wellKnown, type Protocol } from "./api/types";
import type { Kubelet } from "./kubelet/kubelet";
import type { KubeProxy } from "./proxy/kubeproxy";
import { simulateTraffic, type TrafficResult } from "./net/traffic";
import { tracePacket, type PacketTrace } from "./net/datapath";
import type { NetDestination, NetLoadBalancer, NetNode, NetPod, NetSource, NetWorld } from "./net/world";
import { Rng } from "./sim/rng";
// Types only: the adapter returns data, which views/traffic.ts shows through render/.
import type { LoadBalancerView, PacketContext } from "./render";

/** How traffic reaches a Service: its ClusterIP (default), a node's NodePort, the cloud load balancer, or an externalIP. */
export type ServiceEntry = "clusterIP" | "nodePort" | "loadBalancer" | "externalIP";

/** A destination: `"name:port"`/`"name"` (a Service's ClusterIP), `"IP:PORT"`, or an object. */
export type Target =
  | string
  | { service: string; port?: number | string; via?: ServiceEntry; node?: string; namespace?: string; protocol?: Protocol };

/** A source: `"pod/name"` (or a bare pod name), `"node/name"`, `"external"`, or `{ external: ip, via?: node }`. */
export type Source = string | { pod: string; namespace?: string } | { node: string } | { external: string; via?: string };

export interface TrafficOptions {
  from: Source;
  to: Target;
  /** New connections to open (default 10,000). */
  connections?: number;
  /** Requests on each connection (keep-alive; default 1). */
  requestsPerConnection?: number;
  namespace?: string;
}

/** One `traffic()` run: how the caller named the ends, and the counts. */
export interface TrafficRun {
  from: string;
  to: string;
  result: TrafficResult;
}

/** One `packet()` walk and the context the trace does not carry. */
export interface PacketRun {
  trace: PacketTrace;
  context: PacketContext;
}

/** What the data-path view needs from the Cluster. */
export interface DataPathHost {
  readonly seed: number;
  readonly kubeProxy: KubeProxy;
  readonly kubelets: ReadonlyMap<string, Kubelet>;
  nodeIP(name: string): string;
  pods(): Stored<"Pod">[];
  services(): Stored<"Service">[];
  service(name: string, namespace: string): Stored<"Service">;
  pod(name: string, namespace: string): Stored<"Pod">;
  nodes(): Stored<"Node">[];
  /**
   * Changes whenever what the data path sees may have changed: an API write, virtual time moving
   * (kube-proxy syncs, probes), or an app failing or healing. Same value → the same world.
   */
  stateVersion(): string;
  /** The app in pod `namespace/name` answered `requests` requests from `srcIp` (its access log). */
  served(pod: string, srcIp: string, requests: number): void;
}

/** Where a connection from outside comes from unless told otherwise (TEST-NET-2). */
export const DEFAULT_EXTERNAL_CLIENT = "198.51.100.7";

/**
 * One long-lived view of the cluster for the data path. The world (and with it the compiled rules
 * and the kernel state `packet()` keeps: conntrack, affinity lists) is reused until
 * {@link DataPathHost.stateVersion} changes; each node's {@link NetNode} object lives as long as the
 * node's address and podCIDR, so the data path's per-node compiled-rules cache survives a rebuild
 * and recompiles only the nodes whose rules text changed.
 */
export class DataPathAdapter {
  private calls = 0;
  private cached: { version: string; world: NetWorld } | undefined;
  private readonly netNodes = new Map<string, NetNode>();
  constructor(private readonly host: DataPathHost) {}

  /** The cluster as the network model sees it, right now. */
  world(): NetWorld {
    const version = this.host.stateVersion();
    if (this.cached?.version !== version) this.cached = { version, world: this.buildWorld() };
    return this.cached.world;
  }

  /** Forget the kernel state of every node (the next call builds a fresh world; compiled rules stay cached). */
  flush(): void {
    this.cached = undefined;
  }

  private netNode(name: string, ip: string, podCIDR: string): NetNode {
    const old = this.netNodes.get(name);
    if (old && old.ips[0] === ip && old.podCIDR === podCIDR) return old;
    const proxy = this.host.kubeProxy;
    const node: NetNode = {
      name,
      ips: [ip],
      podCIDR,
      iptablesSave: () => proxy.rulesetText(name),
      ...(proxy.mode === "ipvs" ? { ipvs: () => proxy.ipvs(name).kernelState() } : {}),
      ...(proxy.mode === "nftables" ? { nftables: () => proxy.nftables(name).ruleset() } : {}),
      healthCheck: (port: number) => proxy.healthCheck(name, port),
    };
    this.netNodes.set(name, node);
    return node;
  }

  private buildWorld(): NetWorld {
    const h = this.host;
    const nodes: NetNode[] = h.nodes().map((n) => this.netNode(n.metadata.name!, h.nodeIP(n.metadata.name!), n.spec.podCIDR ?? "0.0.0.0/32"));
    const pods: NetPod[] = [];
    for (const p of h.pods()) {
      if (!p.status?.podIP || !p.spec.nodeName || p.status.phase !== "Running") continue;
      const kubelet = h.kubelets.get(p.spec.nodeName);
      const key = cacheKey(p);
      const declared = p.spec.containers.flatMap((c) => (c.ports ?? []).map((cp) => `${cp.containerPort}/${cp.protocol ?? "TCP"}`));
      pods.push({
        ref: key,
        ip: p.status.podIP,
        node: p.spec.nodeName,
        hostNetwork: !!p.spec.hostNetwork,
        // The simulated app listens on its declared container ports (any port if it declares none).
        listening: (port, protocol) => !!kubelet?.serving(key) && (declared.length === 0 || declared.includes(`${port}/${protocol}`)),
        hung: kubelet?.hung(key) ?? false,
      });
    }
    const lbNodes = h
      .nodes()
      .filter((n) => n.metadata.labels?.["node.kubernetes.io/exclude-from-external-load-balancers"] === undefined)
      .map((n) => n.metadata.name!);
    const loadBalancers: NetLoadBalancer[] = [];
    for (const s of h.services()) {
      for (const ing of s.status?.loadBalancer?.ingress ?? []) {
        if (ing.ip) loadBalancers.push({ ip: ing.ip, healthCheckNodePort: s.spec.healthCheckNodePort ?? 0, nodes: lbNodes });
      }
    }
    return { nodes, pods, loadBalancers };
  }

  source(from: Source, namespace: string): NetSource {
    if (typeof from === "object") {
      if ("pod" in from) return { pod: cacheKey(this.host.pod(from.pod.replace(/^pods?\//, ""), from.namespace ?? namespace)) };
      return from;
    }
    if (from === "external") return { external: DEFAULT_EXTERNAL_CLIENT };
    const [kind, ...rest] = from.split("/");
    if (rest.length && (kind === "node" || kind === "nodes")) return { node: rest.join("/") };
    if (rest.length && kind === "external") return { external: rest.join("/") };
    const name = rest.length && (kind === "pod" || kind === "pods" || kind === "po") ? rest.join("/") : from;
    return { pod: cacheKey(this.host.pod(name, namespace)) };
  }

  destination(to: Target, namespace: string): NetDestination {
    if (typeof to === "string") {
      const m = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(to);
      if (m) return { ip: m[1]!, port: Number(m[2]) };
      const [svc, port] = to.replace(/^(service|svc)\//, "").split(":");
      return this.destination({ service: svc!, ...(port !== undefined ? { port: /^\d+$/.test(port) ? Number(port) : port } : {}) }, namespace);
    }
    const s = this.host.service(to.service, to.namespace ?? namespace);
    const ports = s.spec.ports ?? [];
    const sp = to.port === undefined ? ports[0] : ports.find((p) => p.port === to.port || p.name === to.port);
    if (!sp) throw new Error(`service "${to.service}" has no port ${to.port ?? ""}: it has ${ports.map((p) => `${p.name ? p.name + "=" : ""}${p.port}`).join(", ") || "none"}`);
    const protocol = sp.protocol ?? "TCP";
    switch (to.via ?? "clusterIP") {
      case "clusterIP":
        if (!s.spec.clusterIP || s.spec.clusterIP === "None") throw new Error(`service "${to.service}" has no ClusterIP (${s.spec.type === "ExternalName" ? "ExternalName" : "headless"}): resolve it with cluster.dns instead`);
        return { ip: s.spec.clusterIP, port: sp.port, protocol };
      case "nodePort": {
        if (!sp.nodePort) throw new Error(`service "${to.service}" has no nodePort (type ${s.spec.type})`);
        const node = to.node ?? this.host.nodes().find((n) => !n.metadata.labels?.[wellKnown.controlPlaneRole] && n.metadata.labels?.[wellKnown.controlPlaneRole] !== "")?.metadata.name ?? this.host.nodes()[0]!.metadata.name!;
        return { ip: this.host.nodeIP(node), port: sp.nodePort, protocol };
      }
      case "loadBalancer": {
        const ip = s.status?.loadBalancer?.ingress?.[0]?.ip;
        if (!ip) throw new Error(`service "${to.service}" has no load balancer address yet (EXTERNAL-IP <pending>): settle() first, and check it is type LoadBalancer`);
        return { ip, port: sp.port, protocol };
      }
      case "externalIP": {
        const ip = s.spec.externalIPs?.[0];
        if (!ip) throw new Error(`service "${to.service}" has no externalIPs`);
        return { ip, port: sp.port, protocol };
      }
    }
  }

  /** A fresh generator per call: deterministic, and independent of the control plane's draws. */
  private rng(): Rng {
    return new Rng((this.host.seed * 2654435761 + ++this.calls) >>> 0);
  }

  /** Open `connections` connections; who answered, as data (views/traffic.ts shows it). */
  traffic(opts: TrafficOptions): TrafficRun {
    const ns = opts.namespace ?? "default";
    const from = this.source(opts.from, ns);
    const to = this.destination(opts.to, ns);
    const result = simulateTraffic(this.world(), {
      from,
      to,
      connections: opts.connections ?? 10_000,
      ...(opts.requestsPerConnection ? { requestsPerConnection: opts.requestsPerConnection } : {}),
      rng: this.rng(),
      onServed: (pod, src, n) => this.host.served(pod, src, n),
    });
    this.addIdleEndpoints(opts.to, ns, result);
    return { from: describeSource(opts.from), to: `${to.ip}:${to.port}`, result };
  }

  /**
   * Ready endpoints of the target Service that got no connection are listed with 0, so a chart
   * shows the pods a scheduler (IPVS `sh`, session affinity) left idle instead of hiding them.
   */
  private addIdleEndpoints(to: Target, namespace: string, result: TrafficResult): void {
    const ref = typeof to === "string" ? (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(to) ? null : { service: to.replace(/^(service|svc)\//, "").split(":")[0]!, port: to.split(":")[1] }) : { service: to.service, port: to.port === undefined ? undefined : String(to.port) };
    if (!ref) return;
    const svcNs = typeof to === "object" && to.namespace ? to.namespace : namespace;
    const svc = this.host.services().find((s) => s.metadata.name === ref.service && (s.metadata.namespace ?? "default") === svcNs);
    const sp = ref.port === undefined ? svc?.spec.ports?.[0] : svc?.spec.ports?.find((p) => String(p.port) === ref.port || p.name === ref.port);
    if (!svc || !sp) return;
    const have = new Set(result.byEndpoint.map((e) => e.endpoint));
    const pods = new Map(this.host.pods().map((p) => [p.status?.podIP ?? "", p]));
    let added = false;
    for (const sl of this.host.kubeProxy.synced.endpointSlices) {
      if ((sl.metadata.namespace ?? "default") !== svcNs || sl.metadata.labels?.[wellKnown.serviceName] !== ref.service) continue;
      const port = (sl.ports ?? []).find((p) => (p.name ?? "") === (sp.name ?? ""))?.port;
      if (port === undefined) continue;
      for (const e of sl.endpoints) {
        if (e.conditions?.ready === false) continue;
        for (const ip of e.addresses) {
          const endpoint = `${ip}:${port}`;
          if (have.has(endpoint)) continue;
          have.add(endpoint);
          const pod = pods.get(ip);
          result.byEndpoint.push({ endpoint, pod: pod ? `${pod.metadata.namespace}/${pod.metadata.name}` : null, node: e.nodeName ?? pod?.spec.nodeName ?? null, count: 0, requests: 0, failed: 0, share: 0 });
          added = true;
        }
      }
    }
    if (added) result.byEndpoint.sort((a, b) => endpointKey(a.endpoint) - endpointKey(b.endpoint));
  }

  /** Follow one packet; its walk and how the caller named its ends, as data. */
  packet(opts: { from: Source; to: Target; namespace?: string; sport?: number }): PacketRun {
    const ns = opts.namespace ?? "default";
    const world = this.world();
    const from = this.source(opts.from, ns);
    const to = this.destination(opts.to, ns);
    const trace = tracePacket(world, { from, to, rng: this.rng(), ...(opts.sport ? { sport: opts.sport } : {}) });
    const ctx: PacketContext = { from: describeSource(opts.from), to: describeTarget(opts.to, to) };
    if ("external" in from) {
      ctx.clientIP = from.external;
      const lb = from.via === undefined ? world.loadBalancers?.find((l) => l.ip === to.ip) : undefined;
      if (lb) {
        const view: LoadBalancerView = {
          ip: lb.ip,
          healthCheckNodePort: lb.healthCheckNodePort,
          nodes: (lb.nodes ?? world.nodes.map((n) => n.name)).map((name) => ({
            name,
            localEndpoints: lb.healthCheckNodePort ? (world.nodes.find((n) => n.name === name)?.healthCheck?.(lb.healthCheckNodePort)?.localEndpoints ?? 0) : null,
          })),
        };
        ctx.loadBalancer = view;
      }
    } else if ("pod" in from) {
      const ip = world.pods.find((p) => p.ref === from.pod)?.ip;
      if (ip) ctx.clientIP = ip;
    }
    return { trace, context: ctx };
  }

}

function endpointKey(endpoint: string): number {
  const [ip, port] = endpoint.split(":");
  const p = (ip ?? "").split(".").map(Number);
  return (((p[0]! * 256 + p[1]!) * 256 + p[2]!) * 256 + p[3]!) * 65536 + Number(port);
}

function describeTarget(t: Target, d: NetDestination): string {
  const addr = `${d.ip}:${d.port}`;
  if (typeof t === "string") return t === addr ? addr : `${t} (${addr})`;
  return `${t.service}${t.port !== undefined ? `:${t.port}` : ""} via ${t.via ?? "clusterIP"} (${addr})`;
}

function describeSource(s: Source): string {
  if (typeof s === "string") return s;
  if ("pod" in s) return `pod/${s.pod}`;
  if ("node" in s) return `node/${s.node}`;
  return `external ${s.external}${s.via ? ` via ${s.via}` : ""}`;
}
