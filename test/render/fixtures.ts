/**
 * Synthetic simulation data shaped like the simulation's output, for renderer tests.
 * (Structural typing: the real simulation hands over its own objects of the same shape.)
 */
import type { TraceEvent } from "../../src/sim/trace";
import type { Pod, Service, EndpointSlice, Node, Deployment, ReplicaSet } from "../../src/api/types";
import type { TrafficChartData } from "../../src/render/chart";
import { kubectlTable } from "../../src/kubectl/printers/table";
import type { TableView } from "../../src/render/table";

export const T0 = Date.parse("2024-05-01T12:00:00Z");
export const iso = (ms: number): string => new Date(T0 + ms).toISOString();

const WATCHERS_OF: Record<string, string[]> = {
  deployment: ["deployment-controller"],
  replicaset: ["deployment-controller", "replicaset-controller", "garbage-collector"],
  pod: ["replicaset-controller", "endpointslice-controller", "endpoints-controller", "kube-scheduler"],
};

/** The control-loop trace of `kubectl apply` of a Deployment with `replicas` pods over `nodes` nodes. */
export function deploymentTrace(replicas: number, nodes = 3, name = "web"): TraceEvent[] {
  const ev: TraceEvent[] = [];
  let t = 0;
  const push = (from: string, to: string, verb: string, object: string, detail = "") => {
    ev.push({ seq: ev.length, t, from, to, verb, object, detail });
  };
  const write = (from: string, verb: string, object: string, kind: string, detail: string) => {
    push(from, "kube-apiserver", verb, object, detail);
    push("kube-apiserver", "etcd", "put", object);
    for (const w of WATCHERS_OF[kind] ?? []) push("kube-apiserver", w, "watch", object, detail === "" ? "ADDED" : "MODIFIED");
  };
  write("kubectl", "create", `deployment/default/${name}`, "deployment", "");
  t += 1;
  write("deployment-controller", "create", `replicaset/default/${name}-7d4b9c8f5`, "replicaset", "");
  for (let i = 0; i < replicas; i++) {
    t += 1;
    const pod = `pod/default/${name}-7d4b9c8f5-${String(i).padStart(5, "a")}`;
    const node = `node-${(i % nodes) + 1}`;
    write("replicaset-controller", "create", pod, "pod", "");
    t += 2;
    write("kube-scheduler", "bind", pod, "pod", node);
    push("kube-apiserver", `kubelet@${node}`, "watch", pod, "MODIFIED");
    t += 1;
    push(`kubelet@${node}`, `cri@${node}`, "RunPodSandbox", pod);
    push(`cri@${node}`, `cni@${node}`, "ADD", pod, `10.244.${i % nodes}.${10 + i}/24`);
    push(`cri@${node}`, `cri@${node}`, "PullImage", pod, "nginx");
    push(`kubelet@${node}`, `cri@${node}`, "CreateContainer", pod, "web");
    push(`kubelet@${node}`, `cri@${node}`, "StartContainer", pod, "web");
    t += 500;
    for (let k = 0; k < 3; k++) push(`kubelet@${node}`, `kubelet@${node}`, "probe", pod, "readiness ok");
    write(`kubelet@${node}`, "update-status", pod, "pod", "ready=true");
    t += 1;
    write("endpointslice-controller", "update", `endpointslice/default/${name}-abc12`, "endpointslice", `+10.244.${i % nodes}.${10 + i}`);
    for (let n = 1; n <= nodes; n++) push("kube-apiserver", `kube-proxy@node-${n}`, "watch", `endpointslice/default/${name}-abc12`, "MODIFIED");
    for (let n = 1; n <= nodes; n++) push(`kube-proxy@node-${n}`, `kube-proxy@node-${n}`, "sync", "", "iptables-restore");
  }
  return ev;
}

/** A trace of at least `n` events (the deployment trace grown until long enough, cut at n). */
export function longTrace(n: number): TraceEvent[] {
  let r = 4;
  let ev = deploymentTrace(r, 3);
  while (ev.length < n) ev = deploymentTrace(++r, 3);
  return ev.slice(0, n);
}

export function traffic(n: number, total = 10_000): TrafficChartData {
  const base = Math.floor(total / n);
  return {
    byEndpoint: Array.from({ length: n }, (_, i) => ({
      endpoint: `10.244.${i % 3}.${10 + i}:8080`,
      pod: `default/web-7d4b9c8f5-${String(i).padStart(5, "a")}`,
      node: `node-${(i % 3) + 1}`,
      count: base + (i % 2 === 0 ? 7 : -7),
      requests: base + (i % 2 === 0 ? 7 : -7),
      expectedShare: 1 / n,
    })),
    total,
    failures: [],
    rulesEvaluatedPerConnection: 4 + n / 2,
  };
}

export const EVIL = "<script>alert(1)</script>";
export const EVIL_IMG = "<img src=x onerror=alert(1)>";

export function pod(name: string, opts: Partial<{ node: string; ip: string; ready: boolean; created: number; image: string; annotations: Record<string, string>; restarts: number; waiting: string }> = {}): Pod {
  const ready = opts.ready ?? true;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", creationTimestamp: iso(opts.created ?? 0), annotations: opts.annotations ?? {}, labels: { app: "web" } },
    spec: { containers: [{ name: "web", image: opts.image ?? "nginx" }], ...(opts.node ? { nodeName: opts.node } : {}) },
    status: {
      phase: opts.waiting ? "Pending" : "Running",
      ...(opts.ip ? { podIP: opts.ip, podIPs: [{ ip: opts.ip }] } : {}),
      containerStatuses: [
        {
          name: "web",
          image: opts.image ?? "nginx",
          ready: ready && !opts.waiting,
          restartCount: opts.restarts ?? 0,
          state: opts.waiting ? { waiting: { reason: opts.waiting } } : { running: { startedAt: iso(1000) } },
        },
      ],
    },
  };
}

export function service(name: string, spec: Service["spec"], status?: Service["status"]): Service {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default", creationTimestamp: iso(0) }, spec, ...(status ? { status } : {}) };
}

export function slice(name: string, ips: string[], ports: number[]): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name, namespace: "default", creationTimestamp: iso(0), labels: { "kubernetes.io/service-name": "web" } },
    addressType: "IPv4",
    endpoints: ips.map((ip, i) => ({
      addresses: [ip],
      conditions: { ready: i !== 1, serving: true, terminating: false },
      nodeName: `node-${(i % 3) + 1}`,
      targetRef: { kind: "Pod", namespace: "default", name: `web-${i}` },
    })),
    ports: ports.map((p, i) => ({ name: i === 0 ? "http" : `p${i}`, port: p, protocol: "TCP" as const })),
  };
}

export function node(name: string, ip: string, controlPlane = false): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, creationTimestamp: iso(0), labels: controlPlane ? { "node-role.kubernetes.io/control-plane": "" } : {} },
    spec: { podCIDR: "10.244.0.0/24" },
    status: {
      addresses: [{ type: "InternalIP", address: ip }, { type: "Hostname", address: name }],
      conditions: [{ type: "Ready", status: "True" }],
      nodeInfo: {
        kubeletVersion: "v1.31.0",
        containerRuntimeVersion: "containerd://1.7.22",
        osImage: "Debian GNU/Linux 12 (bookworm)",
        kernelVersion: "6.1.0-26-amd64",
        architecture: "amd64",
        operatingSystem: "linux",
      },
    },
  };
}

export function deployment(name: string, replicas: number, ready: number, image = "nginx"): Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default", creationTimestamp: iso(0) },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "web", image }] } },
    },
    status: { replicas, readyReplicas: ready, updatedReplicas: replicas, availableReplicas: ready },
  };
}

export function replicaSet(name: string, replicas: number, ready: number): ReplicaSet {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name, namespace: "default", creationTimestamp: iso(0) },
    spec: {
      replicas,
      selector: { matchLabels: { app: "web", "pod-template-hash": "7d4b9c8f5" } },
      template: { spec: { containers: [{ name: "web", image: "nginx" }] } },
    },
    status: { replicas, readyReplicas: ready },
  };
}

/** `kubectl get KIND` tables of fixture objects, printed as kubectl prints them (kubectl/printers). */
export interface GetOptions {
  now: number;
  wide?: boolean;
  allNamespaces?: boolean;
}
function getView(kind: string): (items: readonly object[], o: GetOptions) => TableView {
  return (items, o) => kubectlTable(kind, items as never, o.now, { ...(o.wide ? { wide: true } : {}), ...(o.allNamespaces ? { withNamespace: true } : {}) });
}
export const getPods = getView("Pod");
export const getServices = getView("Service");
export const getEndpointSlices = getView("EndpointSlice");
export const getNodes = getView("Node");
export const getDeployments = getView("Deployment");
export const getReplicaSets = getView("ReplicaSet");
