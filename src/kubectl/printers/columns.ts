/**
 * Server-side printing: the `meta.k8s.io/v1` Table the real kube-apiserver returns for
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, kind by kind (k8s.io/kubernetes
 * pkg/printers/internalversion). The column names, priorities (1 = only with `-o wide`) and cell
 * formats are the API server's; ages are computed by the server, as there.
 *
 * One definition serves both the HTTP server's Table responses (`kubelab serve`, read by a real
 * kubectl) and the in-cell `cluster.kubectl("get …")`, which prints the same Table the same way.
 *
 * @example
 * ```ts
 * const t = serverTable("Pod", cluster.api.list("Pod", "default"), EPOCH_MS + cluster.now);
 * t.columnDefinitions.map((c) => c.name); // ["Name", "Ready", "Status", "Restarts", "Age", "IP", …]
 * ```
 */
import type { DeepReadonly, Deployment, EndpointSlice, Endpoints, KubeObject, LabelSelector, Namespace, Node, Pod, ReplicaSet, Service, ServicePort } from "../../api/types";
import { age } from "../../render/duration";

type R<T> = DeepReadonly<T>;

const NONE = "<none>";

/**
 * kubectl's STATUS column for a pod (printPod): phase, overridden by container reasons and deletion.
 *
 * @example
 * ```ts
 * podStatusReason(pendingPodWithWaitingContainer); // "ContainerCreating"
 * ```
 */
export function podStatusReason(pod: R<Pod>): string {
  let reason: string = pod.status?.reason || pod.status?.phase || "Pending";
  const statuses = pod.status?.containerStatuses ?? [];
  let hasRunning = false;
  for (let i = statuses.length - 1; i >= 0; i--) {
    const c = statuses[i]!;
    if (c.state.waiting?.reason) reason = c.state.waiting.reason;
    else if (c.state.terminated?.reason) reason = c.state.terminated.reason;
    else if (c.state.terminated) reason = `ExitCode:${c.state.terminated.exitCode}`;
    else if (c.ready && c.state.running) hasRunning = true;
  }
  if (reason === "Completed" && hasRunning) {
    const ready = pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    reason = ready ? "Running" : "NotReady";
  }
  const phase = pod.status?.phase;
  if (pod.metadata.deletionTimestamp) {
    if (pod.status?.reason === "NodeLost") reason = "Unknown";
    else if (phase !== "Succeeded" && phase !== "Failed") reason = "Terminating";
  }
  return reason;
}

/**
 * kubectl's PORT(S) cell: `port/PROTO`, or `port:nodePort/PROTO` when a node port is allocated.
 *
 * @example
 * ```ts
 * servicePortsColumn([{ port: 80, nodePort: 30080, protocol: "TCP" }, { port: 443 }]); // "80:30080/TCP,443/TCP"
 * ```
 */
export function servicePortsColumn(ports: readonly R<ServicePort>[] | undefined): string {
  const s = (ports ?? [])
    .map((p) => (p.nodePort && p.nodePort > 0 ? `${p.port}:${p.nodePort}` : `${p.port}`) + `/${p.protocol ?? "TCP"}`)
    .join(",");
  return s || NONE;
}

/** kubectl truncates load-balancer addresses wider than 16 characters unless `-o wide`. */
const LOAD_BALANCER_WIDTH = 16;

/**
 * kubectl's EXTERNAL-IP cell: external IPs, load-balancer ingress (`<pending>` until assigned),
 * the external name of an ExternalName service, or `<none>`.
 *
 * @example
 * ```ts
 * serviceExternalIP({ apiVersion: "v1", kind: "Service", metadata: {}, spec: { type: "LoadBalancer" } }); // "<pending>"
 * ```
 */
export function serviceExternalIP(svc: R<Service>, wide = false): string {
  const type = svc.spec.type ?? "ClusterIP";
  const externalIPs = svc.spec.externalIPs ?? [];
  switch (type) {
    case "ClusterIP":
    case "NodePort":
      return externalIPs.length > 0 ? externalIPs.join(",") : NONE;
    case "LoadBalancer": {
      let lb = (svc.status?.loadBalancer?.ingress ?? [])
        .map((i) => i.ip || i.hostname || "")
        .filter((s) => s !== "")
        .join(",");
      if (!wide && lb.length > LOAD_BALANCER_WIDTH) lb = lb.slice(0, LOAD_BALANCER_WIDTH - 3) + "...";
      if (externalIPs.length > 0) return [...(lb ? lb.split(",") : []), ...externalIPs].join(",");
      return lb || "<pending>";
    }
    case "ExternalName":
      return svc.spec.externalName ?? "";
  }
  return "<unknown>";
}


/** metav1.TableColumnDefinition */
export interface TableColumnDefinition {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  format: string;
  description: string;
  priority: number;
}

/** A Table cell as JSON carries it. */
export type TableCell = string | number | boolean | null;

/** metav1.PartialObjectMetadata: what a row carries for `includeObject=Metadata` (the default). */
export interface PartialObjectMetadata {
  kind: "PartialObjectMetadata";
  apiVersion: "meta.k8s.io/v1";
  metadata: R<KubeObject["metadata"]>;
}

/** metav1.TableRow */
export interface TableRow {
  cells: TableCell[];
  object?: PartialObjectMetadata | R<KubeObject>;
}

/** metav1.Table */
export interface MetaTable {
  kind: "Table";
  apiVersion: "meta.k8s.io/v1";
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}


function column(name: string, type: TableColumnDefinition["type"], description: string, priority = 0, format = ""): TableColumnDefinition {
  return { name, type, format, description, priority };
}

const NAME = column("Name", "string", "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names", 0, "name");
const AGE = column("Age", "string", "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata");

/** One kind's printer: its columns and the cells of one object. */
interface Printer<T> {
  columns: TableColumnDefinition[];
  cells(obj: R<T>, now: number): TableCell[];
}

function ageOf(o: { metadata: { creationTimestamp?: string } }, now: number): string {
  return age(o.metadata.creationTimestamp, now);
}

/** `metav1.FormatLabelSelector`: `app=web,tier in (a,b)`, `<none>` when empty. */
export function formatLabelSelector(sel: R<LabelSelector> | undefined): string {
  if (!sel) return NONE;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) parts.push(`${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    const values = [...(e.values ?? [])];
    if (e.operator === "Exists") parts.push(e.key);
    else if (e.operator === "DoesNotExist") parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator === "In" ? "in" : "notin"} (${values.join(",")})`);
  }
  const s = parts.join(",");
  return s === "" ? NONE : s;
}

/** `labels.FormatLabels`: sorted `k=v` pairs, `<none>` when empty. */
export function formatLabels(labels: R<Record<string, string>> | undefined): string {
  const s = Object.entries(labels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  return s === "" ? NONE : s;
}

/** At most three items, then ` + N more...`; empty is `empty` (`<unset>` for slices, `<none>` for Endpoints). */
function listWithMore(items: readonly string[], empty: string, max = 3): string {
  if (items.length > max) return `${items.slice(0, max).join(",")} + ${items.length - max} more...`;
  return items.length ? items.join(",") : empty;
}

const podPrinter: Printer<Pod> = {
  columns: [
    NAME,
    column("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
    column("Status", "string", "The aggregate status of the containers in this pod."),
    column("Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
    AGE,
    column("IP", "string", "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", 1),
    column("Node", "string", "NodeName indicates in which node this pod is scheduled.", 1),
    column("Nominated Node", "string", "nominatedNodeName is set only when this pod preempts other pods on the node.", 1),
    column("Readiness Gates", "string", "If specified, all readiness gates will be evaluated for pod readiness.", 1),
  ],
  cells(p, now) {
    const statuses = p.status?.containerStatuses ?? [];
    let ready = 0;
    let restarts = 0;
    let lastRestart = 0;
    for (const c of statuses) {
      if (c.ready && c.state.running) ready++;
      restarts += c.restartCount;
      const finished = c.lastState?.terminated?.finishedAt;
      if (finished) lastRestart = Math.max(lastRestart, Date.parse(finished));
    }
    // printPod: `1 (5s ago)` once a container has restarted and its last termination is known.
    const restartCell = restarts !== 0 && lastRestart ? `${restarts} (${age(new Date(lastRestart).toISOString(), now)} ago)` : String(restarts);
    return [
      p.metadata.name ?? "",
      `${ready}/${p.spec.containers.length}`,
      podStatusReason(p),
      restartCell,
      ageOf(p, now),
      p.status?.podIPs?.[0]?.ip || p.status?.podIP || NONE,
      p.spec.nodeName || NONE,
      NONE,
      NONE,
    ];
  },
};

function templateCells(spec: R<Deployment["spec"]> | R<ReplicaSet["spec"]>): TableCell[] {
  const cs = spec.template.spec.containers;
  return [cs.map((c) => c.name).join(","), cs.map((c) => c.image).join(","), formatLabelSelector(spec.selector)];
}

const WIDE_TEMPLATE = [
  column("Containers", "string", "Names of each container in the template.", 1),
  column("Images", "string", "Images referenced by each container in the template.", 1),
  column("Selector", "string", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.", 1),
];

const deploymentPrinter: Printer<Deployment> = {
  columns: [
    NAME,
    column("Ready", "string", "Number of the pod with ready state"),
    column("Up-to-date", "integer", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
    column("Available", "integer", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
    AGE,
    ...WIDE_TEMPLATE,
  ],
  cells: (d, now) => [
    d.metadata.name ?? "",
    `${d.status?.readyReplicas ?? 0}/${d.spec.replicas ?? 1}`,
    d.status?.updatedReplicas ?? 0,
    d.status?.availableReplicas ?? 0,
    ageOf(d, now),
    ...templateCells(d.spec),
  ],
};

const replicaSetPrinter: Printer<ReplicaSet> = {
  columns: [
    NAME,
    column("Desired", "integer", "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#what-is-a-replicaset"),
    column("Current", "integer", "Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#what-is-a-replicaset"),
    column("Ready", "integer", "readyReplicas is the number of pods targeted by this ReplicaSet with a Ready Condition."),
    AGE,
    ...WIDE_TEMPLATE,
  ],
  cells: (r, now) => [r.metadata.name ?? "", r.spec.replicas ?? 1, r.status?.replicas ?? 0, r.status?.readyReplicas ?? 0, ageOf(r, now), ...templateCells(r.spec)],
};

const servicePrinter: Printer<Service> = {
  columns: [
    NAME,
    column("Type", "string", "type determines how the Service is exposed."),
    column("Cluster-IP", "string", "clusterIP is the IP address of the service and is usually assigned randomly."),
    column("External-IP", "string", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
    column("Port(s)", "string", "The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies"),
    AGE,
    column("Selector", "string", "Route service traffic to pods with label keys and values matching this selector.", 1),
  ],
  cells: (s, now) => [
    s.metadata.name ?? "",
    s.spec.type ?? "ClusterIP",
    s.spec.clusterIPs?.[0] || s.spec.clusterIP || NONE,
    // The server prints wide (the client drops priority-1 columns), so addresses are never shortened.
    serviceExternalIP(s, true),
    servicePortsColumn(s.spec.ports),
    ageOf(s, now),
    formatLabels(s.spec.selector),
  ],
};

const endpointsPrinter: Printer<Endpoints> = {
  columns: [NAME, column("Endpoints", "string", "Endpoints of this service"), AGE],
  cells(e, now) {
    // formatEndpoints: ready addresses only, ip:port per port of each subset.
    const list: string[] = [];
    for (const ss of e.subsets ?? []) {
      const addrs = ss.addresses ?? [];
      if (!ss.ports?.length) for (const a of addrs) list.push(a.ip);
      else for (const p of ss.ports) for (const a of addrs) list.push(`${a.ip}:${p.port}`);
    }
    return [e.metadata.name ?? "", listWithMore(list, NONE), ageOf(e, now)];
  },
};

const endpointSlicePrinter: Printer<EndpointSlice> = {
  columns: [
    NAME,
    column("AddressType", "string", "addressType specifies the type of address carried by this EndpointSlice."),
    column("Ports", "string", "ports specifies the list of network ports exposed by each endpoint in this slice."),
    column("Endpoints", "string", "endpoints is a list of unique endpoints in this slice."),
    AGE,
  ],
  cells: (s, now) => [
    s.metadata.name ?? "",
    s.addressType,
    listWithMore(
      (s.ports ?? []).map((p) => (p.port !== undefined ? String(p.port) : (p.name ?? "*"))),
      "<unset>",
    ),
    listWithMore(
      s.endpoints.flatMap((e) => [...e.addresses]),
      "<unset>",
    ),
    ageOf(s, now),
  ],
};

function nodeRoles(n: R<Node>): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(n.metadata.labels ?? {})) {
    if (k.startsWith("node-role.kubernetes.io/")) {
      const role = k.slice("node-role.kubernetes.io/".length);
      if (role) roles.add(role);
    } else if (k === "kubernetes.io/role" && v) roles.add(v);
  }
  return roles.size ? [...roles].sort().join(",") : NONE;
}

const nodePrinter: Printer<Node> = {
  columns: [
    NAME,
    column("Status", "string", "The status of the node"),
    column("Roles", "string", "The roles of the node"),
    AGE,
    column("Version", "string", "Kubelet Version reported by the node."),
    column("Internal-IP", "string", "List of addresses reachable to the node. Queried from cloud provider, if available.", 1),
    column("External-IP", "string", "List of addresses reachable to the node. Queried from cloud provider, if available.", 1),
    column("OS-Image", "string", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", 1),
    column("Kernel-Version", "string", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
    column("Container-Runtime", "string", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", 1),
  ],
  cells(n, now) {
    const ready = n.status?.conditions?.find((c) => c.type === "Ready");
    const status = [!ready ? "Unknown" : ready.status === "True" ? "Ready" : "NotReady"];
    if (n.spec.unschedulable) status.push("SchedulingDisabled");
    const addr = (t: string): string => n.status?.addresses?.find((a) => a.type === t)?.address ?? NONE;
    const info = n.status?.nodeInfo;
    return [
      n.metadata.name ?? "",
      status.join(","),
      nodeRoles(n),
      ageOf(n, now),
      info?.kubeletVersion ?? "",
      addr("InternalIP"),
      addr("ExternalIP"),
      info?.osImage || "<unknown>",
      info?.kernelVersion || "<unknown>",
      info?.containerRuntimeVersion || "<unknown>",
    ];
  },
};

const namespacePrinter: Printer<Namespace> = {
  columns: [NAME, column("Status", "string", "The status of the namespace"), AGE],
  cells: (n, now) => [n.metadata.name ?? "", n.status?.phase ?? "", ageOf(n, now)],
};

/** ConfigMap-shaped objects (the kind arrives with the fidelity work; the printer is ready for it). */
interface DataObject {
  metadata: KubeObject["metadata"];
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}
const configMapPrinter: Printer<DataObject> = {
  columns: [NAME, column("Data", "integer", "Data contains the configuration data."), AGE],
  cells: (c, now) => [c.metadata.name ?? "", Object.keys(c.data ?? {}).length + Object.keys(c.binaryData ?? {}).length, ageOf(c, now)],
};

/** Event-shaped objects (core/v1 Event). */
interface EventObject {
  metadata: KubeObject["metadata"];
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  involvedObject: { kind?: string; name?: string; fieldPath?: string };
  source?: { component?: string; host?: string };
}
const eventPrinter: Printer<EventObject> = {
  columns: [
    column("Last Seen", "string", "Time when this Event was last seen"),
    column("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future."),
    column("Reason", "string", "This should be a short, machine understandable string that gives the reason for this event being generated."),
    column("Object", "string", "The object this Event is about"),
    column("Subobject", "string", "The subobject this Event is about", 1),
    column("Source", "string", "The component reporting this event. Should be a short machine understandable string.", 1),
    column("Message", "string", "A human-readable description of the status of this operation."),
    column("First Seen", "string", "Time when this Event was first seen", 1),
    column("Count", "string", "The number of times this event has occurred.", 1),
    { ...NAME, priority: 1 },
  ],
  cells(e, now) {
    const first = e.firstTimestamp ?? e.eventTime;
    const last = e.lastTimestamp ?? first;
    const count = e.count ?? 1;
    const lastSeen = count > 1 ? `${age(last, now)} (x${count} over ${age(first, now)})` : age(last, now);
    const src = [e.source?.component, e.source?.host].filter(Boolean).join(", ");
    return [
      lastSeen,
      e.type ?? "",
      e.reason ?? "",
      `${(e.involvedObject.kind ?? "").toLowerCase()}/${e.involvedObject.name ?? ""}`,
      e.involvedObject.fieldPath ?? "",
      src,
      (e.message ?? "").trim(),
      age(first, now),
      String(count),
      e.metadata.name ?? "",
    ];
  },
};

const printers: Record<string, Printer<never>> = {
  Pod: podPrinter,
  Deployment: deploymentPrinter,
  ReplicaSet: replicaSetPrinter,
  Service: servicePrinter,
  Endpoints: endpointsPrinter,
  EndpointSlice: endpointSlicePrinter,
  Node: nodePrinter,
  Namespace: namespacePrinter,
  ConfigMap: configMapPrinter,
  Event: eventPrinter,
} as Record<string, Printer<never>>;

/** The server's default printer for kinds without one: NAME and AGE (`NAME  AGE` in kubectl). */
const defaultPrinter: Printer<KubeObject> = { columns: [NAME, { ...AGE, description: "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" }], cells: (o, now) => [o.metadata.name ?? "", ageOf(o, now)] };

/** The column definitions the API server returns for a kind. */
export function tableColumns(kind: string): TableColumnDefinition[] {
  return (printers[kind] ?? defaultPrinter).columns;
}

/**
 * The Table for a list (or one object) of one kind, as kube-apiserver converts it. Each row carries
 * the object's metadata (`includeObject=Metadata`), or the whole object with `includeObject: "Object"`.
 *
 * @example
 * ```ts
 * serverTable("Service", [svc], Date.parse("2025-01-01T00:01:00Z")).rows[0].cells;
 * // ["web", "ClusterIP", "10.96.0.12", "<none>", "80/TCP", "60s", "app=web"]
 * ```
 */
export function serverTable(
  kind: string,
  objects: readonly R<{ metadata: KubeObject["metadata"] }>[],
  now: number,
  opts: { resourceVersion?: string; includeObject?: "None" | "Metadata" | "Object" } = {},
): MetaTable {
  const p = (printers[kind] ?? defaultPrinter) as unknown as Printer<{ metadata: KubeObject["metadata"] }>;
  const include = opts.includeObject ?? "Metadata";
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: opts.resourceVersion !== undefined ? { resourceVersion: opts.resourceVersion } : {},
    columnDefinitions: p.columns,
    rows: objects.map((o) => {
      const row: TableRow = { cells: p.cells(o, now) };
      if (include === "Metadata") row.object = { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata };
      else if (include === "Object") row.object = o as R<KubeObject>;
      return row;
    }),
  };
}
