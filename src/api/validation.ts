/**
 * Validation as the API server does it (k8s.io/kubernetes/pkg/apis/core/validation and pkg/apis/apps/validation), on defaulted
 * objects. Messages follow the real ones so a learner can search for them.
 *
 * @example
 * ```ts
 * validateObject(svc).map(formatFieldError);
 * // ['spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535']
 * ```
 */
import { isIP } from "../util/ip";
import type { FieldError, FieldPath } from "./errors";
import { duplicate, forbidden, invalid, notSupported, required } from "./errors";
import {
  dns1035LabelErrors,
  dns1123LabelErrors,
  dns1123SubdomainErrors,
  labelValueErrors,
  matchesSelector,
  qualifiedNameErrors,
} from "./labels";
import { base64Error, decodedLength } from "./base64";
import { parseQuantity } from "./quantity";
import type {
  ConfigMap,
  Container,
  DeepReadonly,
  Deployment,
  EndpointSlice,
  Endpoints,
  KubeObject,
  LabelSelector,
  ObjectMeta,
  PodSpec,
  Probe,
  ReplicaSet,
  Secret,
  Service,
} from "./types";

type R<T> = DeepReadonly<T>;
const protocols = ["SCTP", "TCP", "UDP"] as const;

/** Validate a (defaulted) object; `old` is the stored version on update (for immutable fields). */
export function validateObject(o: R<KubeObject>, old?: R<KubeObject>): FieldError[] {
  const errs: FieldError[] = [];
  const nameCheck =
    o.kind === "Service" ? dns1035LabelErrors : o.kind === "Namespace" ? dns1123LabelErrors : dns1123SubdomainErrors;
  validateMeta(o.metadata, nameCheck, o.kind !== "Namespace" && o.kind !== "Node", errs);
  switch (o.kind) {
    case "Service":
      validateService(o, old?.kind === "Service" ? old : undefined, errs);
      break;
    case "Deployment":
    case "ReplicaSet":
      validateWorkload(o, old?.kind === o.kind ? (old as R<Deployment | ReplicaSet>) : undefined, errs);
      break;
    case "Pod":
      validatePodSpec(o.spec, ["spec"], errs);
      if (old?.kind === "Pod" && old.spec.nodeName && o.spec.nodeName !== old.spec.nodeName)
        errs.push(forbidden(["spec", "nodeName"], "pod updates may not change fields other than `spec.containers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing tolerations) or `spec.terminationGracePeriodSeconds`"));
      break;
    case "EndpointSlice":
      validateEndpointSlice(o, errs);
      break;
    case "Endpoints":
      validateEndpoints(o, errs);
      break;
    case "Node":
      for (const [i, t] of (o.spec.taints ?? []).entries()) {
        for (const e of qualifiedNameErrors(t.key)) errs.push(invalid(["spec", "taints", i, "key"], t.key, e));
        if (!["NoSchedule", "PreferNoSchedule", "NoExecute"].includes(t.effect))
          errs.push(notSupported(["spec", "taints", i, "effect"], t.effect, ["NoExecute", "NoSchedule", "PreferNoSchedule"]));
      }
      break;
    case "Namespace":
      break;
    case "ConfigMap":
      validateConfigMap(o, old?.kind === "ConfigMap" ? old : undefined, errs);
      break;
    case "Secret":
      validateSecret(o, old?.kind === "Secret" ? old : undefined, errs);
      break;
  }
  return errs;
}

/** core.MaxSecretSize: the most a ConfigMap's or Secret's data may hold. */
export const MAX_DATA_SIZE = 1024 * 1024;

/** IsConfigMapKey: the keys of ConfigMap and Secret data (they become file names in volumes). */
function configKeyErrors(k: string): string[] {
  const errs: string[] = [];
  if (k.length > 253) errs.push("must be no more than 253 characters");
  if (!/^[-._a-zA-Z0-9]+$/.test(k))
    errs.push("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
  if (k === ".") errs.push("must not be '.'");
  else if (k === "..") errs.push("must not be '..'");
  else if (k.startsWith("..")) errs.push("must not start with '..'");
  return errs;
}

function validateImmutable(
  o: R<{ immutable?: boolean }>,
  old: R<{ immutable?: boolean }> | undefined,
  fields: [string, unknown, unknown][],
  errs: FieldError[],
): void {
  if (!old?.immutable) return;
  if (!o.immutable) errs.push(forbidden(["immutable"], "field is immutable when `immutable` is set"));
  for (const [f, now, before] of fields)
    if (stableJSON(now) !== stableJSON(before)) errs.push(forbidden([f], "field is immutable when `immutable` is set"));
}

function stableJSON(v: unknown): string {
  return JSON.stringify(v ?? {}, (_k, x: unknown) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x));
}

function validateConfigMap(c: R<ConfigMap>, old: R<ConfigMap> | undefined, errs: FieldError[]): void {
  let size = 0;
  for (const [k, v] of Object.entries(c.data ?? {})) {
    for (const e of configKeyErrors(k)) errs.push(invalid(["data"], k, e));
    size += k.length + utf8Length(v);
  }
  for (const [k, v] of Object.entries(c.binaryData ?? {})) {
    for (const e of configKeyErrors(k)) errs.push(invalid(["binaryData"], k, e));
    if (c.data && k in c.data) errs.push(invalid(["data"], k, "duplicate of key present in binaryData"));
    const bad = base64Error(v);
    if (bad) errs.push(invalid(["binaryData", { key: k }], v, bad));
    else size += k.length + decodedLength(v);
  }
  if (size > MAX_DATA_SIZE) errs.push({ type: "Too long", field: [], detail: `must have at most ${MAX_DATA_SIZE} bytes` });
  validateImmutable(c, old, [["data", c.data, old?.data], ["binaryData", c.binaryData, old?.binaryData]], errs);
}

/** Keys each built-in Secret type requires in its data. */
const requiredSecretKeys: Record<string, string[]> = {
  "kubernetes.io/dockercfg": [".dockercfg"],
  "kubernetes.io/dockerconfigjson": [".dockerconfigjson"],
  "kubernetes.io/ssh-auth": ["ssh-privatekey"],
  "kubernetes.io/tls": ["tls.crt", "tls.key"],
};

function validateSecret(s: R<Secret>, old: R<Secret> | undefined, errs: FieldError[]): void {
  let size = 0;
  for (const [k, v] of Object.entries(s.data ?? {})) {
    for (const e of configKeyErrors(k)) errs.push(invalid(["data"], k, e));
    const bad = base64Error(v);
    if (bad) errs.push(invalid(["data", { key: k }], v, bad));
    else size += decodedLength(v);
  }
  if (size > MAX_DATA_SIZE) errs.push({ type: "Too long", field: ["data"], detail: `must have at most ${MAX_DATA_SIZE} bytes` });
  const type = s.type ?? "Opaque";
  for (const k of requiredSecretKeys[type] ?? []) if (!(k in (s.data ?? {}))) errs.push(required(["data", { key: k }]));
  if (type === "kubernetes.io/basic-auth" && !("username" in (s.data ?? {})) && !("password" in (s.data ?? {})))
    errs.push(required(["data", { key: "username" }], "either `username` or `password` is required"));
  if (type === "kubernetes.io/service-account-token" && !s.metadata.annotations?.["kubernetes.io/service-account.name"])
    errs.push(required(["metadata", "annotations", { key: "kubernetes.io/service-account.name" }]));
  if (old && (old.type ?? "Opaque") !== type) errs.push(invalid(["type"], type, "field is immutable"));
  validateImmutable(s, old, [["data", s.data, old?.data]], errs);
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

function validateMeta(m: R<ObjectMeta> | undefined, nameCheck: (s: string) => string[], namespaced: boolean, errs: FieldError[]): void {
  if (!m) {
    errs.push(required(["metadata"]));
    return;
  }
  if (!m.name && !m.generateName) errs.push(required(["metadata", "name"], "name or generateName is required"));
  if (m.name) for (const e of nameCheck(m.name)) errs.push(invalid(["metadata", "name"], m.name, e));
  if (namespaced && m.namespace) for (const e of dns1123LabelErrors(m.namespace)) errs.push(invalid(["metadata", "namespace"], m.namespace, e));
  validateLabels(m.labels, ["metadata", "labels"], errs);
  for (const k of Object.keys(m.annotations ?? {})) for (const e of qualifiedNameErrors(k)) errs.push(invalid(["metadata", "annotations"], k, e));
  const annSize = Object.entries(m.annotations ?? {}).reduce((n, [k, v]) => n + k.length + v.length, 0);
  if (annSize > 256 * 1024) errs.push({ type: "Too long", field: ["metadata", "annotations"], detail: "must have at most 262144 bytes" });
}

function validateLabels(labels: R<Record<string, string>> | undefined, at: FieldPath, errs: FieldError[]): void {
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const e of qualifiedNameErrors(k)) errs.push(invalid(at, k, e));
    for (const e of labelValueErrors(v)) errs.push(invalid([...at, { key: k }], v, e));
  }
}

function validatePort(p: unknown, at: FieldPath, errs: FieldError[]): void {
  if (typeof p !== "number" || !Number.isInteger(p) || p < 1 || p > 65535) errs.push(invalid(at, p, "must be between 1 and 65535"));
}

/** IANA_SVC_NAME: a named port (`http`, `dns-tcp`). */
function portNameErrors(n: string): string[] {
  const errs: string[] = [];
  if (n.length > 15) errs.push("must be no more than 15 characters");
  if (!/^[-a-z0-9]+$/.test(n)) errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (!/[a-z]/.test(n)) errs.push("must contain at least one letter (a-z)");
  if (n.includes("--")) errs.push("must not contain consecutive hyphens");
  if (/^-|-$/.test(n)) errs.push("must not begin or end with a hyphen");
  return errs;
}

function validateIntOrPortName(v: number | string, at: FieldPath, errs: FieldError[]): void {
  if (typeof v === "number") validatePort(v, at, errs);
  else for (const e of portNameErrors(v)) errs.push(invalid(at, v, e));
}

function validateService(s: R<Service>, old: R<Service> | undefined, errs: FieldError[]): void {
  const spec = s.spec;
  const type = spec.type ?? "ClusterIP";
  const types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
  if (!types.includes(type)) errs.push(notSupported(["spec", "type"], type, types));
  const headless = spec.clusterIP === "None";
  const ports = spec.ports ?? [];
  if (type !== "ExternalName" && !headless && ports.length === 0) errs.push(required(["spec", "ports"]));
  if (type === "ExternalName") {
    if (!spec.externalName) errs.push(required(["spec", "externalName"]));
    else for (const e of dns1123SubdomainErrors(spec.externalName.replace(/\.$/, ""))) errs.push(invalid(["spec", "externalName"], spec.externalName, e));
  }
  if (headless && (type === "NodePort" || type === "LoadBalancer"))
    errs.push(invalid(["spec", "clusterIPs", 0], "None", `may not be set to 'None' for ${type} services`));
  if (spec.clusterIP && spec.clusterIP !== "None" && !isIP(spec.clusterIP))
    errs.push(invalid(["spec", "clusterIPs", 0], spec.clusterIP, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
  const names = new Set<string>();
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const at: FieldPath = ["spec", "ports", i];
    if (ports.length > 1 && !p.name) errs.push(required([...at, "name"]));
    if (p.name) {
      for (const e of dns1123LabelErrors(p.name)) errs.push(invalid([...at, "name"], p.name, e));
      if (names.has(p.name)) errs.push(duplicate([...at, "name"], p.name));
      names.add(p.name);
    }
    validatePort(p.port, [...at, "port"], errs);
    const proto = p.protocol ?? "TCP";
    if (!protocols.includes(proto as "TCP")) errs.push(notSupported([...at, "protocol"], proto, protocols));
    // A defaulted targetPort (= port) would only repeat the port's error.
    if (p.targetPort !== undefined && p.targetPort !== p.port) validateIntOrPortName(p.targetPort, [...at, "targetPort"], errs);
    const key = `${p.port}/${proto}`;
    if (seen.has(key)) errs.push(duplicate(at, { port: p.port, protocol: proto }));
    seen.add(key);
    if (p.nodePort !== undefined && p.nodePort !== 0) {
      if (type === "ClusterIP" || type === "ExternalName")
        errs.push(forbidden([...at, "nodePort"], `may not be used when \`type\` is '${type}'`));
      else validatePort(p.nodePort, [...at, "nodePort"], errs);
    }
  });
  // A nodePort is unique per protocol: TCP and UDP may share one (the allocator even prefers it).
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    if (!p.nodePort) return;
    const key = `${p.nodePort}/${p.protocol ?? "TCP"}`;
    if (nodePorts.has(key)) errs.push(duplicate(["spec", "ports", i, "nodePort"], p.nodePort));
    nodePorts.add(key);
  });
  if (spec.healthCheckNodePort && !(type === "LoadBalancer" && spec.externalTrafficPolicy === "Local"))
    errs.push(invalid(["spec", "healthCheckNodePort"], spec.healthCheckNodePort, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
  validateLabels(spec.selector, ["spec", "selector"], errs);
  const aff = spec.sessionAffinity ?? "None";
  if (aff !== "None" && aff !== "ClientIP") errs.push(notSupported(["spec", "sessionAffinity"], aff, ["ClientIP", "None"]));
  const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
  if (timeout !== undefined) {
    if (aff !== "ClientIP") errs.push(forbidden(["spec", "sessionAffinityConfig"], `must not be set when session affinity is ${aff}`));
    else if (timeout < 1 || timeout > 86400) errs.push(invalid(["spec", "sessionAffinityConfig", "clientIP", "timeoutSeconds"], timeout, "must be greater than 0 and less than 86400"));
  }
  for (const [field, v] of [["externalTrafficPolicy", spec.externalTrafficPolicy], ["internalTrafficPolicy", spec.internalTrafficPolicy]] as const) {
    if (v !== undefined && v !== "Cluster" && v !== "Local") errs.push(notSupported(["spec", field], v, ["Cluster", "Local"]));
  }
  if (spec.externalTrafficPolicy !== undefined && type !== "NodePort" && type !== "LoadBalancer" && (spec.externalIPs ?? []).length === 0)
    errs.push(invalid(["spec", "externalTrafficPolicy"], spec.externalTrafficPolicy, "may only be set for externally-accessible services"));
  (spec.externalIPs ?? []).forEach((ip, i) => {
    if (!isIP(ip)) errs.push(invalid(["spec", "externalIPs", i], ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
  });
  (spec.loadBalancerSourceRanges ?? []).forEach((r, i) => {
    if (!isCIDR(r)) errs.push(invalid(["spec", "loadBalancerSourceRanges", i], r, "must be a valid IP address or CIDR, e.g. 10.0.0.0/8"));
  });
  if (spec.loadBalancerSourceRanges?.length && type !== "LoadBalancer")
    errs.push(forbidden(["spec", "loadBalancerSourceRanges"], "may only be used when `type` is 'LoadBalancer'"));
  if (old) {
    const oldIP = old.spec.clusterIP;
    if (oldIP && spec.clusterIP !== undefined && spec.clusterIP !== oldIP && (old.spec.type ?? "ClusterIP") !== "ExternalName" && type !== "ExternalName")
      errs.push(invalid(["spec", "clusterIPs", 0], spec.clusterIP, "may not change once set"));
  }
}

function isCIDR(s: string): boolean {
  const [ip, len, extra] = s.split("/");
  if (extra !== undefined || !ip || !isIP(ip)) return false;
  if (len === undefined) return true;
  const n = Number(len);
  return Number.isInteger(n) && n >= 0 && n <= (isIP(ip) === 4 ? 32 : 128);
}

function validateSelector(sel: R<LabelSelector> | undefined, at: FieldPath, errs: FieldError[]): boolean {
  if (!sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)) {
    errs.push(required(at));
    return false;
  }
  validateLabels(sel.matchLabels, [...at, "matchLabels"], errs);
  (sel.matchExpressions ?? []).forEach((r, i) => {
    const ops = ["DoesNotExist", "Exists", "In", "NotIn"];
    if (!ops.includes(r.operator)) errs.push(notSupported([...at, "matchExpressions", i, "operator"], r.operator, ops));
    const needsValues = r.operator === "In" || r.operator === "NotIn";
    if (needsValues && !(r.values ?? []).length) errs.push(required([...at, "matchExpressions", i, "values"], "must be specified when `operator` is 'In' or 'NotIn'"));
    if (!needsValues && (r.values ?? []).length) errs.push(forbidden([...at, "matchExpressions", i, "values"], "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
  });
  return true;
}

function validateWorkload(w: R<Deployment | ReplicaSet>, old: R<Deployment | ReplicaSet> | undefined, errs: FieldError[]): void {
  const spec = w.spec;
  if (spec.replicas !== undefined && spec.replicas < 0) errs.push(invalid(["spec", "replicas"], spec.replicas, "must be greater than or equal to 0"));
  const selOk = validateSelector(spec.selector, ["spec", "selector"], errs);
  if (!spec.template) {
    errs.push(required(["spec", "template"]));
    return;
  }
  const labels = spec.template.metadata?.labels;
  validateLabels(labels, ["spec", "template", "metadata", "labels"], errs);
  if (selOk && !matchesSelector(spec.selector, labels))
    errs.push(invalid(["spec", "template", "metadata", "labels"], labels ?? {}, "`selector` does not match template `labels`"));
  validatePodSpec(spec.template.spec, ["spec", "template", "spec"], errs);
  if (spec.template.spec?.restartPolicy && spec.template.spec.restartPolicy !== "Always")
    errs.push(notSupported(["spec", "template", "spec", "restartPolicy"], spec.template.spec.restartPolicy, ["Always"]));
  if (w.kind === "Deployment") {
    const ru = w.spec.strategy?.rollingUpdate;
    const type = w.spec.strategy?.type ?? "RollingUpdate";
    if (type !== "RollingUpdate" && type !== "Recreate") errs.push(notSupported(["spec", "strategy", "type"], type, ["Recreate", "RollingUpdate"]));
    if (ru) {
      for (const f of ["maxSurge", "maxUnavailable"] as const) {
        const v = ru[f];
        if (v === undefined) continue;
        const ok = typeof v === "number" ? v >= 0 : /^\d+%$/.test(v) && Number(v.slice(0, -1)) <= (f === "maxUnavailable" ? 100 : Infinity);
        if (!ok) errs.push(invalid(["spec", "strategy", "rollingUpdate", f], v, "must be a non-negative integer or a percentage like '25%'"));
      }
      if (isZero(ru.maxSurge) && isZero(ru.maxUnavailable))
        errs.push(invalid(["spec", "strategy", "rollingUpdate", "maxUnavailable"], ru.maxUnavailable ?? 0, "may not be 0 when `maxSurge` is 0"));
    }
  }
  if (old && JSON.stringify(old.spec.selector) !== JSON.stringify(spec.selector))
    errs.push(invalid(["spec", "selector"], spec.selector, "field is immutable"));
}

function isZero(v: number | string | undefined): boolean {
  return v === 0 || v === "0%" || v === "0";
}

function validatePodSpec(spec: R<PodSpec> | undefined, at: FieldPath, errs: FieldError[]): void {
  if (!spec) {
    errs.push(required(at));
    return;
  }
  if (!spec.containers || spec.containers.length === 0) errs.push(required([...at, "containers"]));
  const names = new Set<string>();
  (spec.containers ?? []).forEach((c, i) => validateContainer(c, [...at, "containers", i], names, errs));
  (spec.initContainers ?? []).forEach((c, i) => validateContainer(c, [...at, "initContainers", i], names, errs));
  const rp = spec.restartPolicy;
  if (rp !== undefined && !["Always", "OnFailure", "Never"].includes(rp)) errs.push(notSupported([...at, "restartPolicy"], rp, ["Always", "Never", "OnFailure"]));
  const dp = spec.dnsPolicy;
  const policies = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"];
  if (dp !== undefined && !policies.includes(dp)) errs.push(notSupported([...at, "dnsPolicy"], dp, policies));
  const dc = spec.dnsConfig;
  if (dp === "None" && !(dc?.nameservers ?? []).length)
    errs.push(required([...at, "dnsConfig", "nameservers"], "must provide at least one DNS nameserver when `dnsPolicy` is None"));
  if (dc) {
    if ((dc.nameservers ?? []).length > 3) errs.push(invalid([...at, "dnsConfig", "nameservers"], dc.nameservers, "must not have more than 3 nameservers"));
    (dc.nameservers ?? []).forEach((n, i) => {
      if (!isIP(n)) errs.push(invalid([...at, "dnsConfig", "nameservers", i], n, "must be valid IP address"));
    });
    if ((dc.searches ?? []).length > 32) errs.push(invalid([...at, "dnsConfig", "searches"], dc.searches, "must not have more than 32 search paths"));
    if ((dc.searches ?? []).join(" ").length > 2048) errs.push(invalid([...at, "dnsConfig", "searches"], dc.searches, "must not have more than 2048 characters (including spaces) in the search list"));
    (dc.searches ?? []).forEach((s, i) => {
      for (const e of dns1123SubdomainErrors(s.replace(/\.$/, ""))) errs.push(invalid([...at, "dnsConfig", "searches", i], s, e));
    });
    (dc.options ?? []).forEach((o, i) => {
      if (!o.name) errs.push(required([...at, "dnsConfig", "options", i, "name"]));
    });
  }
  if (spec.hostname) for (const e of dns1123LabelErrors(spec.hostname)) errs.push(invalid([...at, "hostname"], spec.hostname, e));
  if (spec.subdomain) for (const e of dns1123LabelErrors(spec.subdomain)) errs.push(invalid([...at, "subdomain"], spec.subdomain, e));
  validateLabels(spec.nodeSelector, [...at, "nodeSelector"], errs);
  (spec.tolerations ?? []).forEach((t, i) => {
    const op = t.operator ?? "Equal";
    if (op !== "Equal" && op !== "Exists") errs.push(notSupported([...at, "tolerations", i, "operator"], op, ["Equal", "Exists"]));
    if (op === "Exists" && t.value) errs.push(invalid([...at, "tolerations", i, "operator"], t.value, "value must be empty when `operator` is 'Exists'"));
    if (!t.key && op !== "Exists") errs.push(invalid([...at, "tolerations", i, "operator"], op, "operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
  });
  if (spec.terminationGracePeriodSeconds !== undefined && spec.terminationGracePeriodSeconds < 0)
    errs.push(invalid([...at, "terminationGracePeriodSeconds"], spec.terminationGracePeriodSeconds, "must be greater than or equal to 0"));
}

function validateContainer(c: R<Container>, at: FieldPath, names: Set<string>, errs: FieldError[]): void {
  if (!c.name) errs.push(required([...at, "name"]));
  else {
    for (const e of dns1123LabelErrors(c.name)) errs.push(invalid([...at, "name"], c.name, e));
    if (names.has(c.name)) errs.push(duplicate([...at, "name"], c.name));
    names.add(c.name);
  }
  if (!c.image) errs.push(required([...at, "image"]));
  const portNames = new Set<string>();
  (c.ports ?? []).forEach((p, i) => {
    validatePort(p.containerPort, [...at, "ports", i, "containerPort"], errs);
    const proto = p.protocol ?? "TCP";
    if (!protocols.includes(proto as "TCP")) errs.push(notSupported([...at, "ports", i, "protocol"], proto, protocols));
    if (p.name) {
      for (const e of portNameErrors(p.name)) errs.push(invalid([...at, "ports", i, "name"], p.name, e));
      if (portNames.has(p.name)) errs.push(duplicate([...at, "ports", i, "name"], p.name));
      portNames.add(p.name);
    }
    if (p.hostPort !== undefined) validatePort(p.hostPort, [...at, "ports", i, "hostPort"], errs);
  });
  for (const [kind, probe] of [["readinessProbe", c.readinessProbe], ["livenessProbe", c.livenessProbe], ["startupProbe", c.startupProbe]] as const) {
    if (probe) validateProbe(probe, [...at, kind], kind, errs);
  }
  for (const list of ["requests", "limits"] as const) {
    for (const [k, v] of Object.entries(c.resources?.[list] ?? {})) {
      const q = parseQuantity(v);
      if (Number.isNaN(q)) errs.push(invalid([...at, "resources", list, k], v, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
      else if (q < 0) errs.push(invalid([...at, "resources", list, k], v, "must be greater than or equal to 0"));
    }
  }
}

function validateProbe(p: R<Probe>, at: FieldPath, kind: string, errs: FieldError[]): void {
  const handlers = [p.httpGet, p.tcpSocket, p.exec, p.grpc].filter((h) => h !== undefined).length;
  if (handlers === 0) errs.push(required(at, "must specify a handler type"));
  if (handlers > 1) errs.push(forbidden(at, "may not specify more than 1 handler type"));
  if (p.httpGet) validateIntOrPortName(p.httpGet.port, [...at, "httpGet", "port"], errs);
  if (p.tcpSocket) validateIntOrPortName(p.tcpSocket.port, [...at, "tcpSocket", "port"], errs);
  for (const f of ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"] as const) {
    const v = p[f];
    if (v === undefined) continue;
    const min = f === "initialDelaySeconds" ? 0 : 1;
    if (v < min) errs.push(invalid([...at, f], v, `must be greater than or equal to ${min}`));
  }
  if ((kind === "livenessProbe" || kind === "startupProbe") && p.successThreshold !== undefined && p.successThreshold !== 1)
    errs.push(invalid([...at, "successThreshold"], p.successThreshold, "must be 1"));
}

function validateEndpointSlice(s: R<EndpointSlice>, errs: FieldError[]): void {
  const types = ["FQDN", "IPv4", "IPv6"];
  if (!s.addressType) errs.push(required(["addressType"]));
  else if (!types.includes(s.addressType)) errs.push(notSupported(["addressType"], s.addressType, types));
  if ((s.endpoints ?? []).length > 1000) errs.push({ type: "Too many", field: ["endpoints"], detail: "must have at most 1000 items" });
  (s.endpoints ?? []).forEach((e, i) => {
    const at: FieldPath = ["endpoints", i];
    if (!e.addresses || e.addresses.length === 0) errs.push(required([...at, "addresses"], "must contain at least 1 address"));
    else if (e.addresses.length > 100) errs.push({ type: "Too many", field: [...at, "addresses"], detail: "must have at most 100 items" });
    (e.addresses ?? []).forEach((a, j) => {
      const fam = isIP(a);
      if (s.addressType === "IPv4" && fam !== 4) errs.push(invalid([...at, "addresses", j], a, "must be a valid IPv4 address"));
      if (s.addressType === "IPv6" && fam !== 6) errs.push(invalid([...at, "addresses", j], a, "must be a valid IPv6 address"));
      if (s.addressType === "FQDN") for (const m of dns1123SubdomainErrors(a)) errs.push(invalid([...at, "addresses", j], a, m));
    });
    if (e.hostname) for (const m of dns1123LabelErrors(e.hostname)) errs.push(invalid([...at, "hostname"], e.hostname, m));
  });
  const names = new Set<string>();
  (s.ports ?? []).forEach((p, i) => {
    const n = p.name ?? "";
    if (n) for (const m of dns1123LabelErrors(n)) errs.push(invalid(["ports", i, "name"], n, m));
    if (names.has(n)) errs.push(duplicate(["ports", i, "name"], n));
    names.add(n);
    if (p.port !== undefined) validatePort(p.port, ["ports", i, "port"], errs);
    const proto = p.protocol ?? "TCP";
    if (!protocols.includes(proto as "TCP")) errs.push(notSupported(["ports", i, "protocol"], proto, protocols));
  });
}

function validateEndpoints(e: R<Endpoints>, errs: FieldError[]): void {
  (e.subsets ?? []).forEach((s, i) => {
    for (const list of ["addresses", "notReadyAddresses"] as const) {
      (s[list] ?? []).forEach((a, j) => {
        if (!isIP(a.ip)) errs.push(invalid(["subsets", i, list, j, "ip"], a.ip, "must be a valid IP address"));
      });
    }
    (s.ports ?? []).forEach((p, j) => validatePort(p.port, ["subsets", i, "ports", j, "port"], errs));
  });
}
