/**
 * `kubectl get` views of API objects, column for column as kubectl's printers print them
 * (k8s.io/kubernetes pkg/printers/internalversion): the same headers, the same cell formats
 * (`1/1`, `80:30080/TCP`, `<pending>`, `+ 2 more...`) and AGE from the virtual clock.
 */
import type {
  DeepReadonly,
  Deployment,
  EndpointSlice,
  Node,
  Pod,
  ReplicaSet,
  Service,
  ServicePort,
  LabelSelector,
} from "../api/types";
import { age } from "./duration";
import { NONE, TableView, type Cell, type Column, type Table } from "./table";

/** Options shared by the kubectl views. */
export interface GetOptions {
  /** The virtual clock, ms since the Unix epoch (same clock as `creationTimestamp`). */
  now: number;
  /** `-o wide`: the extra columns. */
  wide?: boolean;
  /** Prefix a NAMESPACE column (`kubectl get -A`). */
  allNamespaces?: boolean;
  /** A heading for the HTML view. */
  title?: string;
}

type R<T> = DeepReadonly<T>;

function col(key: string, header: string, align?: Column["align"]): Column {
  return align ? { key, header, align } : { key, header };
}

function withNamespace(columns: Column[], opts: GetOptions): Column[] {
  return opts.allNamespaces ? [col("namespace", "Namespace"), ...columns] : columns;
}

function view(columns: Column[], rows: Record<string, Cell>[], opts: GetOptions): TableView {
  const table: Table = { columns: withNamespace(columns, opts), rows };
  if (opts.title) table.title = opts.title;
  return new TableView(table);
}

// ---------------------------------------------------------------- pods

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
 * `kubectl get pods [-o wide]`: NAME READY STATUS RESTARTS AGE [IP NODE NOMINATED NODE READINESS GATES].
 *
 * @example
 * ```ts
 * getPods(cluster.pods(), { now: cluster.now(), wide: true });
 * ```
 */
export function getPods(pods: readonly R<Pod>[], opts: GetOptions): TableView {
  const columns = [
    col("name", "Name"),
    col("ready", "Ready"),
    col("status", "Status"),
    col("restarts", "Restarts", "right"),
    col("age", "Age"),
  ];
  if (opts.wide) {
    columns.push(col("ip", "IP"), col("node", "Node"), col("nominated", "Nominated Node"), col("gates", "Readiness Gates"));
  }
  const rows = pods.map((p) => {
    const statuses = p.status?.containerStatuses ?? [];
    const ready = statuses.filter((c) => c.ready && c.state.running).length;
    const row: Record<string, Cell> = {
      namespace: p.metadata.namespace ?? "default",
      name: p.metadata.name ?? "",
      ready: `${ready}/${p.spec.containers.length}`,
      status: podStatusReason(p),
      restarts: statuses.reduce((n, c) => n + c.restartCount, 0),
      age: age(p.metadata.creationTimestamp, opts.now),
    };
    if (opts.wide) {
      row["ip"] = p.status?.podIPs?.[0]?.ip || p.status?.podIP || NONE;
      row["node"] = p.spec.nodeName || NONE;
      row["nominated"] = NONE;
      row["gates"] = NONE;
    }
    return row;
  });
  return view(columns, rows, opts);
}

// ---------------------------------------------------------------- services

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

function selectorString(sel: R<Record<string, string>> | undefined): string {
  const entries = Object.entries(sel ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(",") : NONE;
}

function labelSelectorString(sel: R<LabelSelector> | undefined): string {
  const parts: string[] = [];
  const ml = Object.entries(sel?.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [k, v] of ml) parts.push(`${k}=${v}`);
  for (const e of sel?.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(",");
    if (e.operator === "Exists") parts.push(e.key);
    else if (e.operator === "DoesNotExist") parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator.toLowerCase()} (${values})`);
  }
  return parts.length ? parts.join(",") : NONE;
}

/**
 * `kubectl get services [-o wide]`: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE [SELECTOR].
 *
 * @example
 * ```ts
 * getServices(cluster.services(), { now: cluster.now() });
 * ```
 */
export function getServices(services: readonly R<Service>[], opts: GetOptions): TableView {
  const columns = [
    col("name", "Name"),
    col("type", "Type"),
    col("clusterIP", "Cluster-IP"),
    col("externalIP", "External-IP"),
    col("ports", "Port(s)"),
    col("age", "Age"),
  ];
  if (opts.wide) columns.push(col("selector", "Selector"));
  const rows = services.map((s) => {
    const row: Record<string, Cell> = {
      namespace: s.metadata.namespace ?? "default",
      name: s.metadata.name ?? "",
      type: s.spec.type ?? "ClusterIP",
      clusterIP: s.spec.clusterIPs?.[0] || s.spec.clusterIP || NONE,
      externalIP: serviceExternalIP(s, opts.wide),
      ports: servicePortsColumn(s.spec.ports),
      age: age(s.metadata.creationTimestamp, opts.now),
    };
    if (opts.wide) row["selector"] = selectorString(s.spec.selector);
    return row;
  });
  return view(columns, rows, opts);
}

// ---------------------------------------------------------------- endpointslices

/** kubectl's `listWithMoreString`: at most three items, then ` + N more...`; empty is `<unset>`. */
function listWithMore(items: readonly string[], max = 3): string {
  if (items.length > max) return `${items.slice(0, max).join(",")} + ${items.length - max} more...`;
  return items.length ? items.join(",") : "<unset>";
}

/**
 * `kubectl get endpointslices`: NAME ADDRESSTYPE PORTS ENDPOINTS AGE.
 *
 * @example
 * ```ts
 * getEndpointSlices(cluster.get("endpointslices"), { now: cluster.now() });
 * ```
 */
export function getEndpointSlices(slices: readonly R<EndpointSlice>[], opts: GetOptions): TableView {
  const columns = [
    col("name", "Name"),
    col("addressType", "AddressType"),
    col("ports", "Ports"),
    col("endpoints", "Endpoints"),
    col("age", "Age"),
  ];
  const rows = slices.map((s) => ({
    namespace: s.metadata.namespace ?? "default",
    name: s.metadata.name ?? "",
    addressType: s.addressType,
    ports: listWithMore((s.ports ?? []).map((p) => (p.port !== undefined ? String(p.port) : (p.name ?? "*")))),
    endpoints: listWithMore(s.endpoints.flatMap((e) => [...e.addresses])),
    age: age(s.metadata.creationTimestamp, opts.now),
  }));
  return view(columns, rows, opts);
}

function condition(v: boolean | undefined): Cell {
  // An unset condition means "unknown", which kube-proxy treats as true for ready/serving.
  return v === undefined ? null : v;
}

/**
 * One row per endpoint address of one or more slices: IP, PORT(S), READY, SERVING, TERMINATING,
 * NODE, POD (the table `cluster.endpoints(svc)` shows).
 *
 * @example
 * ```ts
 * endpointsDetail(slicesOfService, { title: "endpoints of web" });
 * ```
 */
export function endpointsDetail(
  slices: readonly R<EndpointSlice>[],
  opts: { title?: string; showSlice?: boolean } = {},
): TableView {
  const columns = [
    col("ip", "IP"),
    col("ports", "Port(s)"),
    col("ready", "Ready"),
    col("serving", "Serving"),
    col("terminating", "Terminating"),
    col("node", "Node"),
    col("pod", "Pod"),
  ];
  if (opts.showSlice) columns.push(col("slice", "Slice"));
  const rows: Record<string, Cell>[] = [];
  for (const s of slices) {
    const ports = (s.ports ?? [])
      .map((p) => `${p.port ?? "*"}/${p.protocol ?? "TCP"}${p.name ? ` (${p.name})` : ""}`)
      .join(",");
    for (const e of s.endpoints) {
      const ref = e.targetRef;
      const pod = ref?.name ? (ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name) : null;
      for (const ip of e.addresses) {
        rows.push({
          ip,
          ports: ports || NONE,
          ready: condition(e.conditions?.ready),
          serving: condition(e.conditions?.serving),
          terminating: condition(e.conditions?.terminating),
          node: e.nodeName ?? null,
          pod,
          slice: s.metadata.name ?? "",
        });
      }
    }
  }
  const table: Table = { columns, rows, empty: "No endpoints." };
  if (opts.title) table.title = opts.title;
  return new TableView(table);
}

// ---------------------------------------------------------------- nodes

function nodeStatus(n: R<Node>): string {
  const ready = n.status?.conditions?.find((c) => c.type === "Ready");
  const parts = [!ready ? "Unknown" : ready.status === "True" ? "Ready" : "NotReady"];
  if (n.spec.unschedulable) parts.push("SchedulingDisabled");
  return parts.join(",");
}

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

/**
 * `kubectl get nodes [-o wide]`: NAME STATUS ROLES AGE VERSION [INTERNAL-IP EXTERNAL-IP OS-IMAGE
 * KERNEL-VERSION CONTAINER-RUNTIME].
 *
 * @example
 * ```ts
 * getNodes(cluster.get("nodes"), { now: cluster.now(), wide: true });
 * ```
 */
export function getNodes(nodes: readonly R<Node>[], opts: GetOptions): TableView {
  const columns = [col("name", "Name"), col("status", "Status"), col("roles", "Roles"), col("age", "Age"), col("version", "Version")];
  if (opts.wide) {
    columns.push(
      col("internalIP", "Internal-IP"),
      col("externalIP", "External-IP"),
      col("osImage", "OS-Image"),
      col("kernel", "Kernel-Version"),
      col("runtime", "Container-Runtime"),
    );
  }
  const rows = nodes.map((n) => {
    const info = n.status?.nodeInfo;
    const addr = (t: string) => n.status?.addresses?.find((a) => a.type === t)?.address ?? NONE;
    const row: Record<string, Cell> = {
      name: n.metadata.name ?? "",
      status: nodeStatus(n),
      roles: nodeRoles(n),
      age: age(n.metadata.creationTimestamp, opts.now),
      version: info?.kubeletVersion ?? "",
    };
    if (opts.wide) {
      row["internalIP"] = addr("InternalIP");
      row["externalIP"] = addr("ExternalIP");
      row["osImage"] = info?.osImage || "<unknown>";
      row["kernel"] = info?.kernelVersion || "<unknown>";
      row["runtime"] = info?.containerRuntimeVersion || "<unknown>";
    }
    return row;
  });
  return view(columns, rows, { ...opts, allNamespaces: false });
}

// ---------------------------------------------------------------- deployments & replicasets

function templateColumns(row: Record<string, Cell>, spec: R<Deployment["spec"]> | R<ReplicaSet["spec"]>): void {
  row["containers"] = spec.template.spec.containers.map((c) => c.name).join(",");
  row["images"] = spec.template.spec.containers.map((c) => c.image).join(",");
  row["selector"] = labelSelectorString(spec.selector);
}

/**
 * `kubectl get deployments [-o wide]`: NAME READY UP-TO-DATE AVAILABLE AGE [CONTAINERS IMAGES SELECTOR].
 *
 * @example
 * ```ts
 * getDeployments(cluster.get("deployments"), { now: cluster.now() });
 * ```
 */
export function getDeployments(deployments: readonly R<Deployment>[], opts: GetOptions): TableView {
  const columns = [
    col("name", "Name"),
    col("ready", "Ready"),
    col("upToDate", "Up-to-date", "right"),
    col("available", "Available", "right"),
    col("age", "Age"),
  ];
  if (opts.wide) columns.push(col("containers", "Containers"), col("images", "Images"), col("selector", "Selector"));
  const rows = deployments.map((d) => {
    const row: Record<string, Cell> = {
      namespace: d.metadata.namespace ?? "default",
      name: d.metadata.name ?? "",
      ready: `${d.status?.readyReplicas ?? 0}/${d.spec.replicas ?? 1}`,
      upToDate: d.status?.updatedReplicas ?? 0,
      available: d.status?.availableReplicas ?? 0,
      age: age(d.metadata.creationTimestamp, opts.now),
    };
    if (opts.wide) templateColumns(row, d.spec);
    return row;
  });
  return view(columns, rows, opts);
}

/**
 * `kubectl get replicasets [-o wide]`: NAME DESIRED CURRENT READY AGE [CONTAINERS IMAGES SELECTOR].
 *
 * @example
 * ```ts
 * getReplicaSets(cluster.get("replicasets"), { now: cluster.now() });
 * ```
 */
export function getReplicaSets(replicaSets: readonly R<ReplicaSet>[], opts: GetOptions): TableView {
  const columns = [
    col("name", "Name"),
    col("desired", "Desired", "right"),
    col("current", "Current", "right"),
    col("ready", "Ready", "right"),
    col("age", "Age"),
  ];
  if (opts.wide) columns.push(col("containers", "Containers"), col("images", "Images"), col("selector", "Selector"));
  const rows = replicaSets.map((r) => {
    const row: Record<string, Cell> = {
      namespace: r.metadata.namespace ?? "default",
      name: r.metadata.name ?? "",
      desired: r.spec.replicas ?? 1,
      current: r.status?.replicas ?? 0,
      ready: r.status?.readyReplicas ?? 0,
      age: age(r.metadata.creationTimestamp, opts.now),
    };
    if (opts.wide) templateColumns(row, r.spec);
    return row;
  });
  return view(columns, rows, opts);
}
