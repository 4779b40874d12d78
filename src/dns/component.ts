/**
 * CoreDNS as a cluster component: its kubernetes plugin watches Namespaces, Services and
 * EndpointSlices through the API (each notification is in the trace, addressed to `coredns`) and
 * answers from the {@link KubernetesDns} record store. What `cluster.dns` offers on top of it (dig,
 * the resolver's walk, resolv.conf) is a view: `views/dns.ts`.
 *
 * @example
 * ```ts
 * const coredns = new CoreDNS(ctx, api, { zone: "cluster.local" });
 * coredns.store.query("kubernetes.default.svc.cluster.local", "A").answer;
 * ```
 */
import type { ApiServer } from "../apiserver/apiserver";
import { Informer } from "../client/informer";
import type { SimContext } from "../sim/context";
import { KubernetesDns } from "./coredns";
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
    const client = api.client(COREDNS);
    new Informer(client, "Namespace").on({ add: (n) => s.upsertNamespace(n), update: (n) => s.upsertNamespace(n), delete: (n) => s.deleteNamespace(n.metadata.name!) }).start();
    new Informer(client, "Service").on({ add: (x) => s.upsertService(x), update: (x) => s.upsertService(x), delete: (x) => s.deleteService(x.metadata.namespace!, x.metadata.name!) }).start();
    new Informer(client, "EndpointSlice")
      .on({ add: (x) => s.upsertEndpointSlice(x), update: (x) => s.upsertEndpointSlice(x), delete: (x) => s.deleteEndpointSlice(x.metadata.namespace!, x.metadata.name!) })
      .start();
  }
}
