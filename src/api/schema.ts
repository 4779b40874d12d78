/**
 * The shape of each kind, for strict decoding: unknown fields (a typo like `replica:`) and wrong
 * types (`replicas: "three"`) are errors, as with kubectl's default strict field validation.
 *
 * @example
 * ```ts
 * schemaErrors("Deployment", { apiVersion: "apps/v1", kind: "Deployment", spec: { replica: 3 } });
 * // [{ type: "Unknown field", field: ["spec", "replica"] }]
 * ```
 */
import type { FieldError, FieldPath } from "./errors";
import { invalid } from "./errors";
import type { Kind } from "./types";

type Schema =
  | "string"
  | "int"
  | "bool"
  | "intOrString"
  | "stringMap"
  | "any"
  | { readonly obj: Readonly<Record<string, Schema>> }
  | { readonly list: Schema };

const obj = (fields: Record<string, Schema>): Schema => ({ obj: fields });
const list = (of: Schema): Schema => ({ list: of });

const objectMeta = obj({
  name: "string", generateName: "string", namespace: "string", uid: "string", resourceVersion: "string",
  generation: "int", creationTimestamp: "any", deletionTimestamp: "any", deletionGracePeriodSeconds: "int",
  labels: "stringMap", annotations: "stringMap", finalizers: list("string"), managedFields: "any", selfLink: "string",
  ownerReferences: list(obj({ apiVersion: "string", kind: "string", name: "string", uid: "string", controller: "bool", blockOwnerDeletion: "bool" })),
});
const labelSelector = obj({
  matchLabels: "stringMap",
  matchExpressions: list(obj({ key: "string", operator: "string", values: list("string") })),
});
const resources = obj({ requests: "stringMap", limits: "stringMap", claims: "any" });
const probe = obj({
  httpGet: obj({ path: "string", port: "intOrString", host: "string", scheme: "string", httpHeaders: "any" }),
  tcpSocket: obj({ port: "intOrString", host: "string" }),
  exec: obj({ command: list("string") }),
  grpc: obj({ port: "int", service: "string" }),
  initialDelaySeconds: "int", periodSeconds: "int", timeoutSeconds: "int", successThreshold: "int", failureThreshold: "int",
  terminationGracePeriodSeconds: "int",
});
const container = obj({
  name: "string", image: "string", command: list("string"), args: list("string"), workingDir: "string",
  ports: list(obj({ name: "string", containerPort: "int", protocol: "string", hostPort: "int", hostIP: "string" })),
  env: list(obj({ name: "string", value: "string", valueFrom: "any" })), envFrom: "any",
  resources, readinessProbe: probe, livenessProbe: probe, startupProbe: probe, lifecycle: "any",
  imagePullPolicy: "string", volumeMounts: "any", securityContext: "any", terminationMessagePath: "string",
  terminationMessagePolicy: "string", stdin: "bool", tty: "bool", restartPolicy: "string",
});
const podSpec = obj({
  containers: list(container), initContainers: list(container), nodeName: "string", nodeSelector: "stringMap",
  tolerations: list(obj({ key: "string", operator: "string", value: "string", effect: "string", tolerationSeconds: "int" })),
  hostname: "string", subdomain: "string", hostNetwork: "bool", dnsPolicy: "string",
  dnsConfig: obj({ nameservers: list("string"), searches: list("string"), options: list(obj({ name: "string", value: "string" })) }),
  restartPolicy: "string", terminationGracePeriodSeconds: "int", schedulerName: "string", priority: "int",
  priorityClassName: "string", setHostnameAsFQDN: "bool", serviceAccountName: "string", serviceAccount: "string",
  volumes: "any", affinity: "any", securityContext: "any", imagePullSecrets: "any", automountServiceAccountToken: "bool",
  topologySpreadConstraints: "any", enableServiceLinks: "bool", shareProcessNamespace: "bool", hostAliases: "any",
  readinessGates: "any", activeDeadlineSeconds: "int", runtimeClassName: "string", preemptionPolicy: "string", overhead: "any",
});
const podTemplate = obj({ metadata: objectMeta, spec: podSpec });
const anyStatus: Schema = "any";

const schemas: Record<Kind, Schema> = {
  Namespace: obj({ spec: obj({ finalizers: list("string") }), status: anyStatus }),
  Node: obj({
    spec: obj({ podCIDR: "string", podCIDRs: list("string"), taints: list(obj({ key: "string", value: "string", effect: "string", timeAdded: "any" })), unschedulable: "bool", providerID: "string" }),
    status: anyStatus,
  }),
  Pod: obj({ spec: podSpec, status: anyStatus }),
  Service: obj({
    spec: obj({
      type: "string", selector: "stringMap", clusterIP: "string", clusterIPs: list("string"), ipFamilies: list("string"),
      ipFamilyPolicy: "string", externalIPs: list("string"), externalName: "string", sessionAffinity: "string",
      sessionAffinityConfig: obj({ clientIP: obj({ timeoutSeconds: "int" }) }), externalTrafficPolicy: "string",
      internalTrafficPolicy: "string", healthCheckNodePort: "int", loadBalancerIP: "string",
      loadBalancerSourceRanges: list("string"), loadBalancerClass: "string", allocateLoadBalancerNodePorts: "bool",
      publishNotReadyAddresses: "bool", trafficDistribution: "string",
      ports: list(obj({ name: "string", protocol: "string", appProtocol: "string", port: "int", targetPort: "intOrString", nodePort: "int" })),
    }),
    status: anyStatus,
  }),
  Endpoints: obj({
    subsets: list(obj({
      addresses: list(obj({ ip: "string", hostname: "string", nodeName: "string", targetRef: "any" })),
      notReadyAddresses: list(obj({ ip: "string", hostname: "string", nodeName: "string", targetRef: "any" })),
      ports: list(obj({ name: "string", port: "int", protocol: "string", appProtocol: "string" })),
    })),
  }),
  EndpointSlice: obj({
    addressType: "string",
    endpoints: list(obj({
      addresses: list("string"), conditions: obj({ ready: "bool", serving: "bool", terminating: "bool" }),
      hostname: "string", targetRef: obj({ kind: "string", namespace: "string", name: "string", uid: "string", apiVersion: "string", resourceVersion: "string", fieldPath: "string" }),
      nodeName: "string", zone: "string", hints: "any", deprecatedTopology: "stringMap",
    })),
    ports: list(obj({ name: "string", protocol: "string", port: "int", appProtocol: "string" })),
  }),
  Deployment: obj({
    spec: obj({
      replicas: "int", selector: labelSelector, template: podTemplate,
      strategy: obj({ type: "string", rollingUpdate: obj({ maxSurge: "intOrString", maxUnavailable: "intOrString" }) }),
      minReadySeconds: "int", revisionHistoryLimit: "int", paused: "bool", progressDeadlineSeconds: "int",
    }),
    status: anyStatus,
  }),
  ReplicaSet: obj({
    spec: obj({ replicas: "int", selector: labelSelector, template: podTemplate, minReadySeconds: "int" }),
    status: anyStatus,
  }),
  ConfigMap: obj({ data: "stringMap", binaryData: "stringMap", immutable: "bool" }),
  Secret: obj({ type: "string", data: "stringMap", stringData: "stringMap", immutable: "bool" }),
};

/** Unknown fields and type mismatches in a document of a known kind. */
export function schemaErrors(kind: Kind, doc: Record<string, unknown>): FieldError[] {
  const root = schemas[kind] as { obj: Record<string, Schema> };
  const full: Schema = obj({ apiVersion: "string", kind: "string", metadata: objectMeta, ...root.obj });
  const errs: FieldError[] = [];
  walk(full, doc, [], errs);
  return errs;
}

function walk(s: Schema, v: unknown, at: FieldPath, errs: FieldError[]): void {
  if (v === null || v === undefined || s === "any") return;
  switch (s) {
    case "string":
      if (typeof v !== "string") errs.push(invalid(at, v, "must be a string"));
      return;
    case "int":
      if (typeof v !== "number" || !Number.isInteger(v)) errs.push(invalid(at, v, "must be an integer"));
      return;
    case "bool":
      if (typeof v !== "boolean") errs.push(invalid(at, v, "must be a boolean (true or false)"));
      return;
    case "intOrString":
      if (typeof v !== "string" && !(typeof v === "number" && Number.isInteger(v))) errs.push(invalid(at, v, "must be an integer or a string"));
      return;
    case "stringMap":
      if (typeof v !== "object" || Array.isArray(v)) errs.push(invalid(at, v, "must be a map of string keys to string values"));
      else for (const [k, x] of Object.entries(v)) if (typeof x !== "string") errs.push(invalid([...at, { key: k }], x, "must be a string (quote numbers and booleans in YAML)"));
      return;
  }
  if ("list" in s) {
    if (!Array.isArray(v)) errs.push(invalid(at, v, "must be a list"));
    else v.forEach((x, i) => walk(s.list, x, [...at, i], errs));
    return;
  }
  if (typeof v !== "object" || Array.isArray(v)) {
    errs.push(invalid(at, v, "must be an object"));
    return;
  }
  for (const [k, x] of Object.entries(v)) {
    const sub = s.obj[k];
    if (sub === undefined) errs.push({ type: "Unknown field", field: [...at, k] });
    else walk(sub, x, [...at, k], errs);
  }
}
