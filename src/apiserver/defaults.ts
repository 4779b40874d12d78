/**
 * Defaulting, as the API server applies it before validation (pkg/apis/core/v1/defaults.go, pkg/apis/apps/v1/defaults.go and the
 * DefaultTolerationSeconds admission plugin). Mutates a private copy of the request.
 *
 * @example
 * ```ts
 * const svc = { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { ports: [{ port: 80 }] } };
 * applyDefaults(svc);
 * svc.spec.type;                 // "ClusterIP"
 * svc.spec.ports[0].targetPort;  // 80
 * ```
 */
import { encodeBase64 } from "../api/base64";
import type { Container, KubeObject, PodSpec, Probe } from "../api/types";

export function applyDefaults(o: KubeObject): void {
  o.metadata ??= {};
  switch (o.kind) {
    case "Namespace":
      o.spec ??= {};
      o.spec.finalizers ??= ["kubernetes"];
      o.metadata.labels = { ...o.metadata.labels, "kubernetes.io/metadata.name": o.metadata.name ?? "" };
      break;
    case "Service": {
      const s = o.spec ?? (o.spec = {});
      s.type ??= "ClusterIP";
      if (s.type !== "ExternalName") {
        s.sessionAffinity ??= "None";
        if (s.sessionAffinity === "ClientIP") {
          s.sessionAffinityConfig ??= {};
          s.sessionAffinityConfig.clientIP ??= {};
          s.sessionAffinityConfig.clientIP.timeoutSeconds ??= 10800;
        }
        s.internalTrafficPolicy ??= "Cluster";
        s.ipFamilies ??= ["IPv4"];
        s.ipFamilyPolicy ??= "SingleStack";
        if (s.type === "NodePort" || s.type === "LoadBalancer" || (s.externalIPs ?? []).length > 0) s.externalTrafficPolicy ??= "Cluster";
        if (s.type === "LoadBalancer") s.allocateLoadBalancerNodePorts ??= true;
      } else {
        s.sessionAffinity ??= "None";
      }
      for (const p of s.ports ?? []) {
        p.protocol ??= "TCP";
        if (s.type !== "ExternalName") p.targetPort ??= p.port;
      }
      break;
    }
    case "Pod":
      defaultPodSpec(o.spec);
      break;
    case "Deployment":
      o.spec.replicas ??= 1;
      o.spec.strategy ??= {};
      o.spec.strategy.type ??= "RollingUpdate";
      if (o.spec.strategy.type === "RollingUpdate") {
        o.spec.strategy.rollingUpdate ??= {};
        o.spec.strategy.rollingUpdate.maxSurge ??= "25%";
        o.spec.strategy.rollingUpdate.maxUnavailable ??= "25%";
      }
      o.spec.revisionHistoryLimit ??= 10;
      o.spec.progressDeadlineSeconds ??= 600;
      if (o.spec.template?.spec) defaultPodSpec(o.spec.template.spec, false);
      break;
    case "ReplicaSet":
      o.spec.replicas ??= 1;
      if (o.spec.template?.spec) defaultPodSpec(o.spec.template.spec, false);
      break;
    case "EndpointSlice":
      for (const p of o.ports ?? []) p.protocol ??= "TCP";
      o.endpoints ??= [];
      break;
    case "Endpoints":
      for (const s of o.subsets ?? []) for (const p of s.ports ?? []) p.protocol ??= "TCP";
      break;
    case "Node":
      o.spec ??= {};
      break;
    case "Secret":
      o.type ||= "Opaque";
      // Convert_v1_Secret_To_core_Secret: stringData is merged into data, then dropped.
      if (o.stringData) {
        o.data = { ...o.data };
        for (const [k, v] of Object.entries(o.stringData)) o.data[k] = encodeBase64(typeof v === "string" ? v : String(v));
        delete o.stringData;
      }
      break;
  }
}

function defaultPodSpec(spec: PodSpec, isPod = true): void {
  if (!spec) return;
  spec.restartPolicy ??= "Always";
  spec.dnsPolicy ??= "ClusterFirst";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ??= "default-scheduler";
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) defaultContainer(c);
  if (isPod) {
    // DefaultTolerationSeconds admission: every pod tolerates a NotReady/Unreachable node for 5 minutes.
    const tol = (spec.tolerations ??= []);
    for (const key of ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]) {
      if (!tol.some((t) => t.key === key && t.effect === "NoExecute"))
        tol.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 });
    }
  }
}

function defaultContainer(c: Container): void {
  if (!c || typeof c !== "object") return;
  const image = c.image ?? "";
  const tag = image.includes("@") ? "digest" : /:[^/]+$/.exec(image)?.[0].slice(1);
  c.imagePullPolicy ??= tag === undefined || tag === "latest" ? "Always" : "IfNotPresent";
  for (const p of c.ports ?? []) p.protocol ??= "TCP";
  for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) if (probe) defaultProbe(probe);
}

function defaultProbe(p: Probe): void {
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  p.initialDelaySeconds ??= 0;
  if (p.httpGet) {
    p.httpGet.path ??= "/";
    p.httpGet.scheme ??= "HTTP";
  }
}
