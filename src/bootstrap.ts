/**
 * kubeadm init and join, in order: the API server's own objects (namespaces, the `kubernetes`
 * Service and its endpoints), the control loops of kube-controller-manager, kube-scheduler and the
 * cloud controller manager, one kubelet per node registering its Node, kube-proxy, and the CoreDNS
 * addon. Nothing runs until the event loop does (the Cluster settles right after).
 *
 * @example
 * ```ts
 * const { kubelets, kubeProxy, coredns } = bootstrap(ctx, api, config, ["control-plane", "node-1"]);
 * ctx.loop.settle();
 * ```
 */
import { coreDNSObjects } from "./addons/coredns";
import { wellKnown, type EndpointSlice, type Taint } from "./api/types";
import type { ApiServer } from "./apiserver/apiserver";
import type { ClusterConfig } from "./config";
import { CloudServiceController } from "./controllers/cloud";
import { DeploymentController } from "./controllers/deployment";
import { EndpointSliceController } from "./controllers/endpointslice";
import { EndpointsController } from "./controllers/endpoints";
import { EndpointSliceMirroringController } from "./controllers/endpointslicemirroring";
import { GarbageCollector } from "./controllers/garbagecollector";
import { NamespaceController } from "./controllers/namespace";
import { NodeIpamController } from "./controllers/nodeipam";
import { ReplicaSetController } from "./controllers/replicaset";
import { Kubelet } from "./kubelet/kubelet";
import { KubeProxy } from "./proxy/kubeproxy";
import { CoreDNS } from "./dns/component";
import { Scheduler } from "./scheduler/scheduler";
import type { SimContext } from "./sim/context";
import { Rng } from "./sim/rng";
import { formatIPv4, parseCidr } from "./util/ipv4";

/** The node-level components the bootstrap started, for the facade to reach. */
export interface Bootstrapped {
  /** One kubelet per node, in join order. */
  kubelets: Map<string, Kubelet>;
  /** Each node's InternalIP. */
  nodeIPs: Map<string, string>;
  /** kube-proxy on every node (one shared informer; see proxy/kubeproxy.ts). */
  kubeProxy: KubeProxy;
  /** CoreDNS's kubernetes plugin. */
  coredns: CoreDNS;
}

/** Build the cluster `config` describes on `nodes` (control plane first when it has one). */
export function bootstrap(ctx: SimContext, api: ApiServer, config: ClusterConfig, nodes: readonly string[]): Bootstrapped {
  const kubelets = new Map<string, Kubelet>();
  const nodeIPs = new Map<string, string>();
  // kube-proxy and CoreDNS watch from the start (their informers register before any object exists).
  let names: string[] = [];
  const kubeProxy = new KubeProxy(
    ctx,
    api,
    {
      clusterCIDR: config.clusterCIDR,
      masqueradeAll: config.masqueradeAll,
      minSyncPeriodSeconds: config.minSyncPeriodSeconds,
      mode: config.proxyMode,
      serviceCIDR: config.serviceCIDR,
      ...(config.ipvsScheduler ? { ipvsScheduler: config.ipvsScheduler } : {}),
    },
    // Cached: kube-proxy asks on every watch notification.
    () => (names.length === kubelets.size ? names : (names = [...kubelets.keys()])),
    (n) => [nodeIPs.get(n)!],
  );
  const coredns = new CoreDNS(ctx, api, { zone: config.clusterDomain, upstream: config.upstreamDNS });
  const self = "kube-apiserver";
  for (const ns of ["default", "kube-node-lease", "kube-public", "kube-system"]) api.create(self, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  // The API server publishes itself as the `kubernetes` Service (its endpoint reconciler).
  api.create(self, {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "kubernetes", namespace: "default", labels: { component: "apiserver", provider: "kubernetes" } },
    spec: { clusterIP: config.apiServerServiceIP, ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }] },
  });
  const epSlice: EndpointSlice = {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: "kubernetes", namespace: "default", labels: { [wellKnown.serviceName]: "kubernetes" } },
    addressType: "IPv4",
    endpoints: [{ addresses: [config.apiServerIP], conditions: { ready: true } }],
    ports: [{ name: "https", port: 6443, protocol: "TCP" }],
  };
  api.create(self, epSlice);
  api.create(self, {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name: "kubernetes", namespace: "default", labels: { [wellKnown.skipMirror]: "true" } },
    subsets: [{ addresses: [{ ip: config.apiServerIP }], ports: [{ name: "https", port: 6443, protocol: "TCP" }] }],
  });

  // kube-controller-manager, kube-scheduler, cloud-controller-manager.
  new NodeIpamController(ctx, api, parseCidr(config.clusterCIDR), config.nodeCIDRMaskSize).start();
  new DeploymentController(ctx, api).start();
  new ReplicaSetController(ctx, api).start();
  new EndpointSliceController(ctx, api).start();
  new EndpointsController(ctx, api).start();
  new EndpointSliceMirroringController(ctx, api).start();
  new GarbageCollector(ctx, api).start();
  new NamespaceController(ctx, api).start();
  new CloudServiceController(ctx, api, parseCidr(config.loadBalancerCIDR)).start();
  new Scheduler(ctx, api).start();

  // Nodes join: each kubelet registers its Node.
  const nodeBase = parseCidr(config.nodeCIDR).base;
  nodes.forEach((name, i) => {
    const ip = formatIPv4(nodeBase + 2 + (config.controlPlane ? i : i + 1));
    nodeIPs.set(name, ip);
    const controlPlane = config.controlPlane && i === 0;
    const taints: Taint[] = controlPlane ? [{ key: wellKnown.controlPlaneRole, effect: "NoSchedule" }] : [];
    const k = new Kubelet(ctx, api, {
      name,
      ip,
      controlPlane,
      cpu: config.nodeResources.cpu,
      memory: config.nodeResources.memory,
      maxPods: config.nodeResources.pods,
      taints,
    });
    kubelets.set(name, k);
    k.start();
  });

  kubeProxy.start();
  // kubeadm's CoreDNS addon.
  // The ConfigMap's uid comes from a stream of its own: taking it from the shared one would
  // shift every later random name and address, which lessons and tests quote.
  const configUID = new Rng(config.seed + 0x636f7265).uuid();
  for (const o of coreDNSObjects(config.dnsIP, config.clusterDomain)) api.create("kubeadm", o, o.kind === "ConfigMap" ? { uid: configUID } : {});
  return { kubelets, nodeIPs, kubeProxy, coredns };
}
