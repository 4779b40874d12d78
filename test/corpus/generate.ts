/**
 * A generated corpus of valid Kubernetes objects for the simulator (fast-check arbitraries), and
 * the run that applies them in random order, settles, and reads everything a lesson can read:
 * kube-proxy's rules (iptables-save or ipvsadm), DNS answers, endpoints, tables and traffic.
 *
 * Objects follow the API's optional fields and defaults: omitted names, protocols, conditions and
 * target ports; named target ports; several ports; headless, ExternalName and selector-less
 * Services; external IPs, session affinity, traffic policies; terminating endpoints.
 * Names come from small pools so objects meet: Services select the pods, Endpoints and
 * EndpointSlices name the Services.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(corpusRun(), (run) => { runCorpus(run); }), { seed: 1, numRuns: 10 });
 * ```
 */
import fc from "fast-check";
import { ApplyError } from "../../src/api/errors";
import { Cluster } from "../../src/cluster";

type Obj = Record<string, unknown>;

const NAMESPACES = ["default", "ns1"];
const APPS = ["web", "db", "dns"];
const SERVICES = ["web", "db", "dns", "legacy"];
const PORT_NAMES = ["http", "dns", "metrics"];
const podIPs = fc.tuple(fc.constantFrom(1, 2, 3), fc.integer({ min: 2, max: 12 })).map(([n, h]) => `10.244.${n}.${h}`);
const outsideIPs = fc.integer({ min: 1, max: 6 }).map((h) => `192.0.2.${h}`);
const ipv4 = fc.oneof(podIPs, outsideIPs);
const ipv6 = fc.integer({ min: 1, max: 4 }).map((h) => `2001:db8::${h}`);
const protocol = fc.option(fc.constantFrom("TCP", "UDP", "SCTP"), { nil: undefined });
const ns = fc.option(fc.constantFrom(...NAMESPACES), { nil: undefined });

/** Drop undefined fields (the object as a manifest would omit them). */
function compact(o: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

function meta(name: string, namespace: string | undefined, labels?: Record<string, string>): Obj {
  return compact({ name, namespace, labels });
}

const containerPort = fc.record(
  { name: fc.option(fc.constantFrom(...PORT_NAMES), { nil: undefined }), containerPort: fc.constantFrom(53, 80, 8080, 9153), protocol },
  { requiredKeys: ["containerPort"] },
);

const container = fc
  .record({
    ports: fc.option(fc.uniqueArray(containerPort, { maxLength: 3, selector: (p) => `${p.name ?? `#${p.containerPort}/${p.protocol ?? "TCP"}`}` }), { nil: undefined }),
    readiness: fc.boolean(),
  })
  .map(({ ports, readiness }) =>
    compact({
      name: "app",
      image: "nginx:1.27",
      ports: ports?.map((p) => compact(p)),
      readinessProbe: readiness ? { tcpSocket: { port: 8080 }, periodSeconds: 5 } : undefined,
    }),
  );

const podSpec = fc.record({ c: container, hostname: fc.option(fc.constantFrom("h0", "h1"), { nil: undefined }), subdomain: fc.option(fc.constantFrom(...SERVICES), { nil: undefined }) }).map(({ c, hostname, subdomain }) =>
  compact({ containers: [c], hostname, subdomain, terminationGracePeriodSeconds: 5 }),
);

const app = fc.constantFrom(...APPS);

const pod = fc.record({ name: fc.constantFrom("p0", "p1", "p2"), ns, app, spec: podSpec }).map(({ name, ns: n, app: a, spec }) => ({ apiVersion: "v1", kind: "Pod", metadata: meta(name, n, { app: a }), spec }));

const workload = (kind: "Deployment" | "ReplicaSet"): fc.Arbitrary<Obj> =>
  fc.record({ name: fc.constantFrom("w0", "w1"), ns, app, replicas: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }), spec: podSpec }).map(({ name, ns: n, app: a, replicas, spec }) => ({
    apiVersion: "apps/v1",
    kind,
    metadata: meta(`${kind === "Deployment" ? "d" : "rs"}-${name}`, n),
    spec: compact({ replicas, selector: { matchLabels: { app: a } }, template: { metadata: { labels: { app: a } }, spec } }),
  }));

const servicePort = fc.record(
  {
    name: fc.constantFrom(...PORT_NAMES),
    port: fc.constantFrom(53, 80, 443, 9153),
    protocol,
    targetPort: fc.option(fc.oneof(fc.constantFrom(53, 8080), fc.constantFrom(...PORT_NAMES)), { nil: undefined }),
  },
  { requiredKeys: ["name", "port"] },
);

const service = fc
  .record({
    name: fc.constantFrom(...SERVICES),
    ns,
    kind: fc.constantFrom("ClusterIP", "NodePort", "LoadBalancer", "ExternalName", "headless", "selectorless", "implicit"),
    app,
    ports: fc.uniqueArray(servicePort, { minLength: 1, maxLength: 3, selector: (p) => p.name }),
    externalIPs: fc.option(fc.uniqueArray(outsideIPs, { minLength: 1, maxLength: 2 }), { nil: undefined }),
    affinity: fc.option(fc.record({ timeout: fc.option(fc.integer({ min: 1, max: 86400 }), { nil: undefined }) }), { nil: undefined }),
    etp: fc.option(fc.constantFrom("Cluster", "Local"), { nil: undefined }),
    itp: fc.option(fc.constantFrom("Cluster", "Local"), { nil: undefined }),
    publishNotReady: fc.option(fc.boolean(), { nil: undefined }),
  })
  .map((s) => {
    // Unique (port, protocol) pairs, as validation demands.
    const seen = new Set<string>();
    const ports = s.ports.filter((p) => !seen.has(`${p.port}/${p.protocol ?? "TCP"}`) && seen.add(`${p.port}/${p.protocol ?? "TCP"}`));
    const one = ports.length === 1 && s.name !== "dns";
    const portList = ports.map((p) => compact({ ...p, name: one ? undefined : p.name }));
    if (s.kind === "ExternalName") return { apiVersion: "v1", kind: "Service", metadata: meta(s.name, s.ns), spec: { type: "ExternalName", externalName: "db.example.com" } };
    const external = s.kind === "NodePort" || s.kind === "LoadBalancer";
    const type = external ? s.kind : s.kind === "implicit" ? undefined : "ClusterIP";
    return {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta(s.name, s.ns),
      spec: compact({
        type,
        selector: s.kind === "selectorless" ? undefined : { app: s.app },
        clusterIP: s.kind === "headless" ? "None" : undefined,
        ports: portList,
        externalIPs: s.kind === "headless" ? undefined : s.externalIPs,
        sessionAffinity: s.affinity ? "ClientIP" : undefined,
        sessionAffinityConfig: s.affinity?.timeout ? { clientIP: { timeoutSeconds: s.affinity.timeout } } : undefined,
        externalTrafficPolicy: external || (s.externalIPs && s.kind !== "headless") ? s.etp : undefined,
        internalTrafficPolicy: s.itp,
        publishNotReadyAddresses: s.publishNotReady,
      }),
    };
  });

const endpointAddress = fc.record({ ip: ipv4, hostname: fc.option(fc.constantFrom("h0", "h1"), { nil: undefined }), nodeName: fc.option(fc.constantFrom("node-1", "node-2"), { nil: undefined }) }, { requiredKeys: ["ip"] }).map(compact);

const endpoints = fc
  .record({
    name: fc.constantFrom(...SERVICES),
    ns,
    skip: fc.boolean(),
    subsets: fc.array(
      fc.record({
        addresses: fc.option(fc.array(endpointAddress, { maxLength: 3 }), { nil: undefined }),
        notReadyAddresses: fc.option(fc.array(endpointAddress, { maxLength: 2 }), { nil: undefined }),
        ports: fc.option(fc.uniqueArray(fc.record({ name: fc.option(fc.constantFrom(...PORT_NAMES), { nil: undefined }), port: fc.constantFrom(53, 8080), protocol }).map(compact), { maxLength: 2, selector: (p) => String(p["name"] ?? "") }), { nil: undefined }),
      }).map(compact),
      { maxLength: 2 },
    ),
  })
  .map((e) => ({
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: meta(e.name, e.ns, e.skip ? { "endpointslice.kubernetes.io/skip-mirror": "true" } : undefined),
    subsets: e.subsets,
  }));

const conditions = fc.option(
  fc.record({ ready: fc.boolean(), serving: fc.boolean(), terminating: fc.boolean() }, { requiredKeys: [] }),
  { nil: undefined },
);

const endpointSlice = fc
  .record({
    svc: fc.constantFrom(...SERVICES),
    suffix: fc.constantFrom("a", "b"),
    ns,
    addressType: fc.constantFrom("IPv4", "IPv4", "IPv4", "IPv6", "FQDN"),
    endpoints: fc.array(
      fc.record({ v4: ipv4, v6: ipv6, conditions, hostname: fc.option(fc.constantFrom("h0", "h1"), { nil: undefined }), nodeName: fc.option(fc.constantFrom("node-1", "node-2", "node-9"), { nil: undefined }), zone: fc.option(fc.constant("zone-a"), { nil: undefined }) }),
      { maxLength: 4 },
    ),
    ports: fc.option(
      fc.uniqueArray(fc.record({ name: fc.option(fc.constantFrom(...PORT_NAMES), { nil: undefined }), port: fc.option(fc.constantFrom(53, 8080), { nil: undefined }), protocol }).map(compact), { maxLength: 2, selector: (p) => String(p["name"] ?? "") }),
      { nil: undefined },
    ),
  })
  .map((s) => ({
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: meta(`${s.svc}-${s.suffix}`, s.ns, { "kubernetes.io/service-name": s.svc }),
    addressType: s.addressType,
    endpoints: s.endpoints.map((e) => compact({ addresses: [s.addressType === "IPv4" ? e.v4 : s.addressType === "IPv6" ? e.v6 : "db.example.com"], conditions: e.conditions, hostname: e.hostname, nodeName: e.nodeName, zone: e.zone })),
    ...(s.ports ? { ports: s.ports } : {}),
  }));

const namespace = fc.constantFrom("ns1", "ns2").map((name) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } }));

const configMap = fc.record({ name: fc.constantFrom("cfg", "coredns-extra"), ns, data: fc.dictionary(fc.constantFrom("a", "b.conf", "KEY_1"), fc.string({ maxLength: 8 }), { maxKeys: 3 }), immutable: fc.option(fc.boolean(), { nil: undefined }) }).map((c) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: meta(c.name, c.ns),
  ...compact({ data: c.data, immutable: c.immutable }),
}));

const secret = fc.record({ name: fc.constantFrom("s0", "tls"), ns, stringData: fc.dictionary(fc.constantFrom("username", "password", "token"), fc.string({ maxLength: 8 }), { maxKeys: 3 }), type: fc.option(fc.constantFrom("Opaque", "kubernetes.io/basic-auth"), { nil: undefined }) }).map((s) => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: meta(s.name, s.ns),
  ...compact({ type: s.type, stringData: s.stringData }),
}));

/** Any object the simulator accepts (weighted towards the ones that interact). */
export const anyObject: fc.Arbitrary<Obj> = fc.oneof(
  { arbitrary: service, weight: 5 },
  { arbitrary: pod, weight: 3 },
  { arbitrary: workload("Deployment"), weight: 2 },
  { arbitrary: workload("ReplicaSet"), weight: 1 },
  { arbitrary: endpoints, weight: 3 },
  { arbitrary: endpointSlice, weight: 3 },
  { arbitrary: namespace, weight: 1 },
  { arbitrary: configMap, weight: 1 },
  { arbitrary: secret, weight: 1 },
);

/** One step: apply an object, then maybe settle, maybe delete it again. */
export interface Step {
  object: Obj;
  settle: boolean;
  deleteAfter: boolean;
}

export interface Run {
  proxyMode: "iptables" | "ipvs";
  steps: Step[];
}

/** A run of `min`–`max` steps on a fresh cluster. */
export function corpusRun(min = 5, max = 30): fc.Arbitrary<Run> {
  return fc.record({
    proxyMode: fc.constantFrom("iptables", "ipvs"),
    steps: fc.array(fc.record({ object: anyObject, settle: fc.boolean(), deleteAfter: fc.integer({ min: 0, max: 3 }).map((n) => n === 0) }), { minLength: min, maxLength: max }),
  });
}

/** What a run did, for the long run's report. */
export interface RunStats {
  applied: number;
  refused: number;
  deleted: number;
  reads: number;
}

/**
 * Apply the steps to a fresh cluster and read everything. Throws on anything but a validation
 * error (ApplyError) — that is the property.
 */
export function runCorpus(run: Run, seed = 1): RunStats {
  const c = new Cluster({ nodes: 2, seed, proxyMode: run.proxyMode });
  c.apply({ apiVersion: "v1", kind: "Pod", metadata: { name: "corpus-client" }, spec: { containers: [{ name: "c", image: "busybox:1.36" }] } });
  const stats: RunStats = { applied: 0, refused: 0, deleted: 0, reads: 0 };
  for (const step of run.steps) {
    const o = structuredClone(step.object);
    try {
      c.apply(o);
      stats.applied++;
    } catch (e) {
      if (!(e instanceof ApplyError)) throw e;
      stats.refused++;
      continue;
    }
    if (step.settle) c.settle();
    if (step.deleteAfter) {
      const m = o["metadata"] as { name: string; namespace?: string };
      const kind = String(o["kind"]);
      if (c.api.get(kind as never, kind === "Namespace" ? undefined : m.namespace ?? "default", m.name)) {
        c.delete(kind === "Namespace" ? `namespace/${m.name}` : `${kind}/${m.namespace ?? "default"}/${m.name}`);
        stats.deleted++;
      }
    }
  }
  c.settle();
  stats.reads += readEverything(c);
  return stats;
}

/** Read rules, DNS, endpoints, tables and traffic; returns how many reads it made. */
function readEverything(c: Cluster): number {
  let reads = 0;
  for (const n of c.nodes()) {
    const v = c.node(n.metadata.name!);
    if (c.config.proxyMode === "ipvs") void v.ipvs.ipvsadm();
    else void v.iptables.save();
    reads++;
  }
  for (const kind of ["pods", "services", "endpointslices", "nodes", "deployments", "replicasets"]) {
    void c.table(kind, { allNamespaces: true, wide: true }).toString();
    reads++;
  }
  void c.snapshot();
  for (const s of c.services({ allNamespaces: true })) {
    const ns = s.metadata.namespace!;
    const name = s.metadata.name!;
    for (const t of ["A", "AAAA", "SRV", "TXT"] as const) {
      void c.dns.query(`${name}.${ns}.svc.cluster.local`, t).toString();
      reads++;
    }
    for (const p of s.spec.ports ?? []) if (p.name) void c.dns.query(`_${p.name}._${(p.protocol ?? "TCP").toLowerCase()}.${name}.${ns}.svc.cluster.local`, "SRV").toString();
    void c.endpoints(`service/${ns}/${name}`).toString();
    if (ns === "default") void c.dns.resolve(name, { from: "pod/corpus-client" }).toString();
    reads += 2;
    const ip = s.spec.clusterIP;
    if (ip && ip !== "None") {
      void c.dns.query(`${ip.split(".").reverse().join(".")}.in-addr.arpa`, "PTR").toString();
      for (const p of s.spec.ports ?? []) {
        void c.traffic({ from: "pod/corpus-client", to: { service: name, namespace: ns, port: p.port, ...(p.protocol ? { protocol: p.protocol } : {}) }, connections: 8 }).result;
        if (p.nodePort) void c.traffic({ from: "external", to: { service: name, namespace: ns, port: p.port, via: "nodePort", node: "node-1", ...(p.protocol ? { protocol: p.protocol } : {}) }, connections: 4 }).result;
        reads++;
      }
      for (const ing of s.status?.loadBalancer?.ingress ?? []) if (ing.ip) void c.traffic({ from: "external", to: { service: name, namespace: ns, via: "loadBalancer" }, connections: 4 }).result;
    }
  }
  for (const q of ["cluster.local NS", "ns.dns.cluster.local A", "cluster.local SOA", "dns-version.cluster.local TXT"]) {
    const [name, t] = q.split(" ") as [string, "A"];
    void c.dns.query(name, t).toString();
    reads++;
  }
  return reads;
}
