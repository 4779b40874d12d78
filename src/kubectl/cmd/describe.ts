/**
 * `kubectl describe service|endpoints|deployment|pod|node NAME`: kubectl's describers, reading
 * what they read (the object, its EndpointSlices by label, its events by involvedObject) and
 * laying the text out with Go's tabwriter.
 */
import { sortEvents } from "../printers/events";
import type { DeepReadonly, Deployment, EndpointSlice, Endpoints, Node, Pod, Service, Toleration } from "../../api/types";
import { wellKnown } from "../../api/types";
import { DescribeWriter } from "../printers/describe";
import { formatLabelSelector, formatLabels } from "../printers/columns";
import { resourceFor } from "../rest";
import { type CommandContext, CommandError } from "./context";
import { objectArgs } from "./mutate";
import { LAST_APPLIED } from "./apply";
import { age } from "../../render/duration";

type R<T> = DeepReadonly<T>;

function labelsBlock(w: DescribeWriter, title: string, labels: R<Record<string, string>> | undefined, sep = "=", level = 0): void {
  const keys = Object.keys(labels ?? {})
    .filter((k) => k !== LAST_APPLIED)
    .sort();
  if (!keys.length) {
    w.line(level, `${title}:`, "<none>");
    return;
  }
  // Go's printLabelsMultiline puts the indent in the title: continuation lines start at column 0.
  keys.forEach((k, i) => (i === 0 ? w.line(level, `${title}:`, `${k}${sep}${labels![k]}`) : w.line(0, "", `${k}${sep}${labels![k]}`)));
}

/** RFC 1123 with a numeric zone, as kubectl prints CreationTimestamp (`Wed, 01 Jan 2025 00:00:00 +0000`). */
function rfc1123z(ts: string | undefined): string {
  if (!ts) return "<unset>";
  const d = new Date(ts);
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const p = (n: number): string => String(n).padStart(2, "0");
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** `ip:port` of a Service port's endpoints from its slices, three at most (formatEndpointSlices). */
function sliceEndpoints(slices: readonly R<EndpointSlice>[], portName: string | undefined): string {
  if (!slices.length) return "<none>";
  const list: string[] = [];
  let count = 0;
  for (const s of slices) {
    if (!s.ports?.length) {
      for (const e of s.endpoints) {
        if (list.length < 3) list.push(e.addresses[0]!);
        count++;
      }
      continue;
    }
    for (const p of s.ports) {
      if ((p.name ?? "") !== (portName ?? "")) continue;
      for (const e of s.endpoints) {
        if (list.length < 3) list.push(`${e.addresses[0]}:${p.port}`);
        count++;
      }
    }
  }
  return count > 3 ? `${list.join(",")} + ${count - 3} more...` : list.join(",");
}

/** formatEndpoints (clients before 1.31 read the Endpoints object): ready `ip:port` of a named port, three at most. */
function legacyEndpoints(e: R<Endpoints> | undefined, portName: string | undefined): string {
  const list: string[] = [];
  let count = 0;
  for (const ss of e?.subsets ?? []) {
    for (const p of ss.ports ?? []) {
      if ((p.name ?? "") !== (portName ?? "")) continue;
      for (const a of ss.addresses ?? []) {
        if (list.length < 3) list.push(`${a.ip}:${p.port}`);
        count++;
      }
    }
  }
  const s = count > 3 ? `${list.join(",")} + ${count - 3} more...` : list.join(",");
  return s || "<none>";
}

function describeService(ctx: CommandContext, s: R<Service>): string {
  const w = new DescribeWriter();
  const minor = ctx.host.clientMinor ?? 32;
  const slices = ctx.rest.list(resourceFor("endpointslices")!, s.metadata.namespace, { labelSelector: `${wellKnown.serviceName}=${s.metadata.name}` }).items as R<EndpointSlice>[];
  const endpoints = minor < 31 ? (ctx.rest.api.get("Endpoints", s.metadata.namespace, s.metadata.name ?? "") as R<Endpoints> | undefined) : undefined;
  w.line(0, "Name:", s.metadata.name ?? "");
  w.line(0, "Namespace:", s.metadata.namespace ?? "");
  labelsBlock(w, "Labels", s.metadata.labels);
  labelsBlock(w, "Annotations", s.metadata.annotations, ": ");
  w.line(0, "Selector:", formatLabels(s.spec.selector));
  w.line(0, "Type:", s.spec.type ?? "ClusterIP");
  if (s.spec.ipFamilyPolicy) w.line(0, "IP Family Policy:", s.spec.ipFamilyPolicy);
  w.line(0, "IP Families:", s.spec.ipFamilies?.length ? s.spec.ipFamilies.join(",") : "<none>");
  w.line(0, "IP:", s.spec.clusterIP ?? "");
  if (s.spec.clusterIPs?.length) w.line(0, "IPs:", s.spec.clusterIPs.join(","));
  if (s.spec.externalIPs?.length) w.line(0, "External IPs:", s.spec.externalIPs.join(","));
  if (s.spec.loadBalancerIP) w.line(0, "IP:", s.spec.loadBalancerIP);
  if (s.spec.externalName) w.line(0, "External Name:", s.spec.externalName);
  const ingress = s.status?.loadBalancer?.ingress ?? [];
  if (ingress.length) w.line(0, "LoadBalancer Ingress:", ingress.map((i) => i.ip || i.hostname || "").join(", "));
  for (const p of s.spec.ports ?? []) {
    const name = p.name || "<unset>";
    const proto = p.protocol ?? "TCP";
    w.line(0, "Port:", name, `${p.port}/${proto}`);
    w.line(0, "TargetPort:", `${p.targetPort ?? p.port}/${proto}`);
    if (p.nodePort) w.line(0, "NodePort:", name, `${p.nodePort}/${proto}`);
    w.line(0, "Endpoints:", minor < 31 ? legacyEndpoints(endpoints, p.name) : sliceEndpoints(slices, p.name));
  }
  w.line(0, "Session Affinity:", s.spec.sessionAffinity ?? "None");
  if (s.spec.externalTrafficPolicy) w.line(0, "External Traffic Policy:", s.spec.externalTrafficPolicy);
  if (s.spec.internalTrafficPolicy && minor >= 22) w.line(0, "Internal Traffic Policy:", s.spec.internalTrafficPolicy);
  if (s.spec.healthCheckNodePort) w.line(0, "HealthCheck NodePort:", String(s.spec.healthCheckNodePort));
  if (s.spec.loadBalancerSourceRanges?.length) w.line(0, "LoadBalancer Source Ranges:", s.spec.loadBalancerSourceRanges.join(","));
  eventsBlock(w, ctx, s);
  return w.text();
}

function describeEndpoints(ctx: CommandContext, e: R<Endpoints>): string {
  const w = new DescribeWriter();
  w.line(0, "Name:", e.metadata.name ?? "");
  w.line(0, "Namespace:", e.metadata.namespace ?? "");
  labelsBlock(w, "Labels", e.metadata.labels);
  labelsBlock(w, "Annotations", e.metadata.annotations, ": ");
  w.line(0, "Subsets:");
  for (const ss of e.subsets ?? []) {
    w.line(1, "Addresses:", (ss.addresses ?? []).map((a) => a.ip).join(",") || "<none>");
    w.line(1, "NotReadyAddresses:", (ss.notReadyAddresses ?? []).map((a) => a.ip).join(",") || "<none>");
    if (ss.ports?.length) {
      w.line(1, "Ports:");
      w.line(2, "Name", "Port", "Protocol");
      w.line(2, "----", "----", "--------");
      for (const p of ss.ports) w.line(2, p.name || "<unset>", String(p.port), p.protocol ?? "TCP");
    }
    w.line(0, "");
  }
  eventsBlock(w, ctx, e);
  return w.text();
}

function describeDeployment(ctx: CommandContext, d: R<Deployment>): string {
  const w = new DescribeWriter();
  const st = d.status ?? {};
  w.line(0, "Name:", d.metadata.name ?? "");
  w.line(0, "Namespace:", d.metadata.namespace ?? "");
  w.line(0, "CreationTimestamp:", rfc1123z(d.metadata.creationTimestamp));
  labelsBlock(w, "Labels", d.metadata.labels);
  labelsBlock(w, "Annotations", d.metadata.annotations, ": ");
  w.line(0, "Selector:", formatLabelSelector(d.spec.selector));
  w.line(0, "Replicas:", `${d.spec.replicas ?? 1} desired | ${st.updatedReplicas ?? 0} updated | ${st.replicas ?? 0} total | ${st.availableReplicas ?? 0} available | ${st.unavailableReplicas ?? 0} unavailable`);
  const strategy = d.spec.strategy?.type ?? "RollingUpdate";
  w.line(0, "StrategyType:", strategy);
  w.line(0, "MinReadySeconds:", String(d.spec.minReadySeconds ?? 0));
  if (strategy === "RollingUpdate") {
    const ru = d.spec.strategy?.rollingUpdate;
    w.line(0, "RollingUpdateStrategy:", `${ru?.maxUnavailable ?? "25%"} max unavailable, ${ru?.maxSurge ?? "25%"} max surge`);
  }
  podTemplate(w, d.spec.template, ctx.host.clientMinor ?? 32);
  if (st.conditions?.length) {
    w.line(0, "Conditions:");
    w.line(1, "Type", "Status", "Reason");
    w.line(1, "----", "------", "------");
    for (const c of st.conditions) w.line(1, c.type, c.status, c.reason ?? "");
  }
  const rss = ctx.rest.list(resourceFor("replicasets")!, d.metadata.namespace).items.filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === d.metadata.uid)) as R<import("../../api/types").ReplicaSet>[];
  const hash = (rs: (typeof rss)[number]): boolean => JSON.stringify(withoutHash(rs.spec.template)) === JSON.stringify(withoutHash(d.spec.template));
  const current = rss.find(hash);
  // kubectl ≥ 1.27 lists every old ReplicaSet (those scaled to zero too) and prints neither line
  // when there is none; before, only old ReplicaSets with replicas, and both lines always.
  const minor = ctx.host.clientMinor ?? 32;
  const old = rss.filter((rs) => rs !== current && (minor >= 27 || (rs.spec.replicas ?? 0) > 0));
  if (minor < 27 || old.length || current) {
    w.line(0, "OldReplicaSets:", old.length ? old.map((rs) => `${rs.metadata.name} (${rs.status?.replicas ?? 0}/${rs.spec.replicas ?? 0} replicas created)`).join(", ") : "<none>");
    w.line(0, "NewReplicaSet:", current ? `${current.metadata.name} (${current.status?.replicas ?? 0}/${current.spec.replicas ?? 0} replicas created)` : "<none>");
  }
  eventsBlock(w, ctx, d);
  return w.text();
}

function withoutHash(t: unknown): unknown {
  const c = structuredClone(t) as { metadata?: { labels?: Record<string, string> } };
  delete c.metadata?.labels?.[wellKnown.podTemplateHash];
  return c;
}

/**
 * DescribePodTemplate: `describe deployment` and `rollout history --revision=N` print it.
 *
 * @example
 * ```ts
 * const w = new DescribeWriter();
 * podTemplate(w, deployment.spec.template, 32);
 * w.text(); // "Pod Template:\n  Labels:  app=web\n  Containers:\n   nginx:\n    Image: …"
 * ```
 */
export function podTemplate(w: DescribeWriter, t: R<Deployment["spec"]["template"]>, clientMinor: number): void {
  w.line(0, "Pod Template:");
  labelsBlock(w, "Labels", t.metadata?.labels, "=", 1);
  const annotations = Object.keys(t.metadata?.annotations ?? {}).length ? t.metadata?.annotations : undefined;
  if (annotations) labelsBlock(w, "Annotations", annotations, ": ", 1);
  containers(w, t.spec.containers, undefined, true);
  w.line(1, "Volumes:", "<none>");
  // Pod templates gained these two lines in later kubectl (absent in 1.20, present in 1.32; gated at 1.27).
  if (clientMinor >= 27) {
    w.line(1, "Node-Selectors:", "<none>");
    w.line(1, "Tolerations:", "<none>");
  }
}

/**
 * describeContainers: a pod's at the left margin; a template's heading indented, its names one
 * space further in (Go's `nameIndent`), its fields at the same depth as a pod's.
 */
function containers(w: DescribeWriter, cs: R<Pod["spec"]["containers"]>, statuses: R<NonNullable<Pod["status"]>["containerStatuses"]> | undefined, inTemplate: boolean): void {
  w.line(inTemplate ? 1 : 0, "Containers:");
  for (const c of cs) {
    w.line(1, `${inTemplate ? " " : ""}${c.name}:`);
    const s = statuses?.find((x) => x.name === c.name);
    if (s?.containerID) w.line(2, "Container ID:", s.containerID);
    w.line(2, "Image:", c.image);
    if (s) w.line(2, "Image ID:", s.imageID ?? "");
    const ports = c.ports ?? [];
    w.line(2, "Port:", ports.length ? ports.map((p) => `${p.containerPort}/${p.protocol ?? "TCP"}`).join(", ") : "<none>");
    w.line(2, "Host Port:", ports.length ? ports.map((p) => `${p.hostPort ?? 0}/${p.protocol ?? "TCP"}`).join(", ") : "<none>");
    if (s) {
      const state = s.state.running ? "Running" : s.state.waiting ? "Waiting" : "Terminated";
      w.line(2, "State:", state);
      if (s.state.running) w.line(3, "Started:", rfc1123z(s.state.running.startedAt));
      if (s.state.waiting) w.line(3, "Reason:", s.state.waiting.reason);
      w.line(2, "Ready:", s.ready ? "True" : "False");
      w.line(2, "Restart Count:", String(s.restartCount));
    }
    w.line(2, "Environment:", c.env?.length ? "" : "<none>");
    for (const e of c.env ?? []) w.line(3, `${e.name}:`, e.value ?? "");
    w.line(2, "Mounts:", "<none>");
  }
}

function describePod(ctx: CommandContext, p: R<Pod>): string {
  const w = new DescribeWriter();
  w.line(0, "Name:", p.metadata.name ?? "");
  w.line(0, "Namespace:", p.metadata.namespace ?? "");
  // As kubectl: printed only when set (the Priority admission plugin sets it; the simulation has no
  // such plugin, nor ServiceAccounts, so neither line appears).
  if (p.spec.priority !== undefined) w.line(0, "Priority:", String(p.spec.priority));
  w.line(0, "Node:", p.spec.nodeName ? `${p.spec.nodeName}/${p.status?.hostIP ?? ""}` : "<none>");
  if (p.status?.startTime) w.line(0, "Start Time:", rfc1123z(p.status.startTime));
  labelsBlock(w, "Labels", p.metadata.labels);
  labelsBlock(w, "Annotations", p.metadata.annotations, ": ");
  w.line(0, "Status:", p.metadata.deletionTimestamp ? "Terminating" : (p.status?.phase ?? "Pending"));
  w.line(0, "IP:", p.status?.podIP ?? "");
  w.line(0, "IPs:", p.status?.podIPs?.length ? "" : "<none>");
  for (const ip of p.status?.podIPs ?? []) w.line(1, "IP:", ip.ip);
  const owner = p.metadata.ownerReferences?.find((o) => o.controller);
  if (owner) w.line(0, "Controlled By:", `${owner.kind}/${owner.name}`);
  containers(w, p.spec.containers, p.status?.containerStatuses, false);
  if (p.status?.conditions?.length) {
    w.line(0, "Conditions:");
    w.line(1, "Type", "Status");
    for (const c of p.status.conditions) w.line(1, c.type, c.status);
  }
  w.line(0, "Volumes:", "<none>");
  w.line(0, "QoS Class:", "BestEffort");
  w.line(0, "Node-Selectors:", formatLabels(p.spec.nodeSelector));
  tolerationsBlock(w, p.spec.tolerations ?? []);
  eventsBlock(w, ctx, p);
  return w.text();
}

function describeNode(ctx: CommandContext, n: R<Node>): string {
  const w = new DescribeWriter();
  w.line(0, "Name:", n.metadata.name ?? "");
  const roles = Object.keys(n.metadata.labels ?? {}).filter((k) => k.startsWith("node-role.kubernetes.io/")).map((k) => k.slice(24));
  w.line(0, "Roles:", roles.length ? roles.join(",") : "<none>");
  labelsBlock(w, "Labels", n.metadata.labels);
  labelsBlock(w, "Annotations", n.metadata.annotations, ": ");
  w.line(0, "CreationTimestamp:", rfc1123z(n.metadata.creationTimestamp));
  w.line(0, "Taints:", n.spec.taints?.length ? n.spec.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}`).join("\n") : "<none>");
  w.line(0, "Unschedulable:", String(n.spec.unschedulable ?? false));
  w.line(0, "Conditions:");
  w.line(1, "Type", "Status", "Reason", "Message");
  w.line(1, "----", "------", "------", "-------");
  for (const c of n.status?.conditions ?? []) w.line(1, c.type, c.status, c.reason ?? "", c.message ?? "");
  w.line(0, "Addresses:");
  for (const a of n.status?.addresses ?? []) w.line(1, `${a.type}:`, a.address);
  w.line(0, "PodCIDR:", n.spec.podCIDR ?? "");
  w.line(0, "PodCIDRs:", (n.spec.podCIDRs ?? []).join(","));
  eventsBlock(w, ctx, n);
  return w.text();
}

/** printTolerationsMultiline: one toleration a line, sorted by key (`key=value:Effect op=Exists for 300s`). */
function tolerationsBlock(w: DescribeWriter, tolerations: readonly R<Toleration>[]): void {
  if (!tolerations.length) {
    w.line(0, "Tolerations:", "<none>");
    return;
  }
  [...tolerations]
    .sort((a, b) => ((a.key ?? "") < (b.key ?? "") ? -1 : (a.key ?? "") > (b.key ?? "") ? 1 : 0))
    .forEach((t, i) => {
      let text = `${t.key ?? ""}${t.value ? `=${t.value}` : ""}${t.effect ? `:${t.effect}` : ""}`;
      if (t.operator === "Exists" && !t.value) text += t.key || t.effect ? " op=Exists" : "op=Exists";
      if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null) text += ` for ${t.tolerationSeconds}s`;
      w.line(0, i === 0 ? "Tolerations:" : "", text);
    });
}

/**
 * The `Events:` table (DescribeEvents): the object's events by involvedObject field selector, oldest
 * last-seen first; `<none>` without any. A repeated event reads `5s (x3 over 2m)`.
 */
function eventsBlock(w: DescribeWriter, ctx: CommandContext, o: { kind: string; metadata: { name?: string; namespace?: string; uid?: string } }): void {
  const selector = [`involvedObject.kind=${o.kind}`, `involvedObject.name=${o.metadata.name ?? ""}`, ...(o.metadata.namespace ? [`involvedObject.namespace=${o.metadata.namespace}`] : []), ...(o.metadata.uid ? [`involvedObject.uid=${o.metadata.uid}`] : [])].join(",");
  // Sorted as kubectl does (Go's unstable sort.Sort by last seen): ties beyond 12 events move.
  const events = sortEvents(ctx.rest.events(o.metadata.namespace, selector).items);
  if (!events.length) {
    w.line(0, "Events:", "<none>");
    return;
  }
  const now = ctx.rest.now();
  w.line(0, "Events:");
  w.line(1, "Type", "Reason", "Age", "From", "Message");
  w.line(1, "----", "------", "----", "----", "-------");
  for (const e of events) {
    const first = age(e.firstTimestamp, now);
    const interval = e.count > 1 ? `${age(e.lastTimestamp, now)} (x${e.count} over ${first})` : first;
    w.line(1, e.type, e.reason, interval, e.source.component || e.reportingComponent, e.message.trim());
  }
}

/** `kubectl describe TYPE NAME` */
export function describe(ctx: CommandContext): number {
  const { resource, names } = objectArgs(ctx.args);
  const parts: string[] = [];
  for (const name of names) {
    const o = ctx.rest.get(resource, ctx.namespace, name);
    switch (o.kind) {
      case "Service":
        parts.push(describeService(ctx, o));
        break;
      case "Endpoints":
        parts.push(describeEndpoints(ctx, o));
        break;
      case "Deployment":
        parts.push(describeDeployment(ctx, o));
        break;
      case "Pod":
        parts.push(describePod(ctx, o));
        break;
      case "Node":
        parts.push(describeNode(ctx, o));
        break;
      default:
        throw new CommandError(`describe is not implemented for ${resource.resource} in kubelab`);
    }
  }
  ctx.out.push(parts.join("\n\n").replace(/\n$/, ""));
  return 0;
}
