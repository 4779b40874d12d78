/**
 * Request bodies in Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`): the
 * `k8s\0` magic, a runtime.Unknown envelope (type meta + raw bytes), and the raw message of the
 * kind. kubectl ≥ 1.32 sends `create deployment|service|namespace|configmap` and `expose` this
 * way and does not fall back to JSON, so the server must read them.
 *
 * The message definitions are those of k8s.io/api's generated.proto (field numbers as there),
 * for the fields of the kinds kubectl creates; protobufjs decodes them and the result is the
 * object's JSON form (IntOrString, Quantity and Time folded back into their JSON values).
 *
 * @example
 * ```ts
 * const obj = decodeKubernetesProtobuf(body); // { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, … }
 * ```
 */
import protobuf from "protobufjs";

const PROTO = `
syntax = "proto2";
package k8s;

message TypeMeta { optional string apiVersion = 1; optional string kind = 2; }
message Unknown { optional TypeMeta typeMeta = 1; optional bytes raw = 2; optional string contentEncoding = 3; optional string contentType = 4; }

message Time { optional int64 seconds = 1; optional int32 nanos = 2; }
message IntOrString { optional int64 type = 1; optional int32 intVal = 2; optional string strVal = 3; }
message Quantity { optional string string = 1; }

message OwnerReference { optional string kind = 1; optional string name = 3; optional string uid = 4; optional string apiVersion = 5; optional bool controller = 6; optional bool blockOwnerDeletion = 7; }
message ObjectMeta {
  optional string name = 1; optional string generateName = 2; optional string namespace = 3; optional string selfLink = 4;
  optional string uid = 5; optional string resourceVersion = 6; optional int64 generation = 7;
  optional Time creationTimestamp = 8; optional Time deletionTimestamp = 9; optional int64 deletionGracePeriodSeconds = 10;
  map<string, string> labels = 11; map<string, string> annotations = 12;
  repeated OwnerReference ownerReferences = 13; repeated string finalizers = 14;
}
message LabelSelectorRequirement { optional string key = 1; optional string operator = 2; repeated string values = 3; }
message LabelSelector { map<string, string> matchLabels = 1; repeated LabelSelectorRequirement matchExpressions = 2; }

message ContainerPort { optional string name = 1; optional int32 hostPort = 2; optional int32 containerPort = 3; optional string protocol = 4; optional string hostIP = 5; }
message EnvVar { optional string name = 1; optional string value = 2; }
message ResourceRequirements { map<string, Quantity> limits = 1; map<string, Quantity> requests = 2; }
message Container {
  optional string name = 1; optional string image = 2; repeated string command = 3; repeated string args = 4; optional string workingDir = 5;
  repeated ContainerPort ports = 6; repeated EnvVar env = 7; optional ResourceRequirements resources = 8;
  optional string terminationMessagePath = 13; optional string imagePullPolicy = 14; optional string terminationMessagePolicy = 20;
}
message PodSpec {
  repeated Container containers = 2; optional string restartPolicy = 3; optional int64 terminationGracePeriodSeconds = 4;
  optional string dnsPolicy = 6; map<string, string> nodeSelector = 7; optional string serviceAccountName = 8; optional string nodeName = 10;
  optional bool hostNetwork = 11; optional string hostname = 16; optional string subdomain = 17; optional string schedulerName = 19;
  repeated Container initContainers = 20;
}
message PodTemplateSpec { optional ObjectMeta metadata = 1; optional PodSpec spec = 2; }
message RollingUpdateDeployment { optional IntOrString maxUnavailable = 1; optional IntOrString maxSurge = 2; }
message DeploymentStrategy { optional string type = 1; optional RollingUpdateDeployment rollingUpdate = 2; }
message DeploymentSpec {
  optional int32 replicas = 1; optional LabelSelector selector = 2; optional PodTemplateSpec template = 3; optional DeploymentStrategy strategy = 4;
  optional int32 minReadySeconds = 5; optional int32 revisionHistoryLimit = 6; optional bool paused = 7; optional int32 progressDeadlineSeconds = 9;
}
message DeploymentStatus { optional int64 observedGeneration = 1; optional int32 replicas = 2; }
message Deployment { optional ObjectMeta metadata = 1; optional DeploymentSpec spec = 2; optional DeploymentStatus status = 3; }

message ServicePort { optional string name = 1; optional string protocol = 2; optional int32 port = 3; optional IntOrString targetPort = 4; optional int32 nodePort = 5; optional string appProtocol = 6; }
message ServiceSpec {
  repeated ServicePort ports = 1; map<string, string> selector = 2; optional string clusterIP = 3; optional string type = 4; repeated string externalIPs = 5;
  optional string sessionAffinity = 7; optional string loadBalancerIP = 8; repeated string loadBalancerSourceRanges = 9; optional string externalName = 10;
  optional string externalTrafficPolicy = 11; optional int32 healthCheckNodePort = 12; optional bool publishNotReadyAddresses = 13;
  optional string ipFamilyPolicy = 17; repeated string clusterIPs = 18; repeated string ipFamilies = 19; optional bool allocateLoadBalancerNodePorts = 20;
  optional string loadBalancerClass = 21; optional string internalTrafficPolicy = 22;
}
message LoadBalancerIngress { optional string ip = 1; optional string hostname = 2; }
message LoadBalancerStatus { repeated LoadBalancerIngress ingress = 1; }
message ServiceStatus { optional LoadBalancerStatus loadBalancer = 1; }
message Service { optional ObjectMeta metadata = 1; optional ServiceSpec spec = 2; optional ServiceStatus status = 3; }

message NamespaceSpec { repeated string finalizers = 1; }
message NamespaceStatus { optional string phase = 1; }
message Namespace { optional ObjectMeta metadata = 1; optional NamespaceSpec spec = 2; optional NamespaceStatus status = 3; }

message ConfigMap { optional ObjectMeta metadata = 1; map<string, string> data = 2; map<string, bytes> binaryData = 3; optional bool immutable = 4; }
`;

const root = protobuf.parse(PROTO, { keepCase: true }).root;
const unknownType = root.lookupType("k8s.Unknown");

/** The protobuf magic that starts every Kubernetes protobuf body. */
const MAGIC = [0x6b, 0x38, 0x73, 0x00];

/** Kinds whose protobuf bodies this server reads. */
export const PROTOBUF_KINDS = ["Deployment", "Service", "Namespace", "ConfigMap"] as const;

/**
 * Go writes every non-pointer proto2 field, set or not; JSON would have omitted the empty ones
 * (`omitempty`). Pointer fields, where zero means something, keep their zero.
 */
const POINTER_FIELDS = new Set(["replicas", "revisionHistoryLimit", "progressDeadlineSeconds", "terminationGracePeriodSeconds", "deletionGracePeriodSeconds", "allocateLoadBalancerNodePorts", "controller", "blockOwnerDeletion", "publishNotReadyAddresses"]);

function omitEmpty(key: string, v: unknown): boolean {
  if (POINTER_FIELDS.has(key)) return false;
  return v === "" || v === false || v === 0;
}

/** Fold protobuf-only shapes (Time, IntOrString, Quantity) back into their JSON forms. */
function toJSONShape(v: unknown, typeName: string | undefined): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map((x) => toJSONShape(x, typeName));
  const o = v as Record<string, unknown>;
  if (typeName === "k8s.Time") return null;
  if (typeName === "k8s.IntOrString") return Number(o["type"] ?? 0) === 1 ? String(o["strVal"] ?? "") : Number(o["intVal"] ?? 0);
  if (typeName === "k8s.Quantity") return String(o["string"] ?? "");
  const type = typeName ? root.lookupType(typeName) : undefined;
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(o)) {
    if (omitEmpty(k, val)) continue;
    const field = type?.fields[k];
    const fieldType = field?.resolvedType ? field.resolvedType.fullName.replace(/^\./, "") : undefined;
    if (field?.map) {
      const m: Record<string, unknown> = {};
      for (const [mk, mv] of Object.entries(val as Record<string, unknown>)) m[mk] = toJSONShape(mv, fieldType);
      out[k] = m;
    } else {
      const v = toJSONShape(val, fieldType);
      // A zero Time is JSON's `null`, which the API server drops on decode.
      if (v !== null) out[k] = v;
    }
  }
  return out;
}

/**
 * Decode a `application/vnd.kubernetes.protobuf` request body into the object's JSON form.
 * Throws with a message naming the problem (no magic, unknown kind) for the 415/400 answer.
 */
export function decodeKubernetesProtobuf(body: Uint8Array): Record<string, unknown> {
  if (body.length < 4 || MAGIC.some((b, i) => body[i] !== b)) throw new Error("provided object is not a Kubernetes protobuf message (no k8s magic)");
  const envelope = unknownType.toObject(unknownType.decode(body.subarray(4)), { longs: Number, bytes: Buffer }) as { typeMeta?: { apiVersion?: string; kind?: string }; raw?: Uint8Array };
  const kind = envelope.typeMeta?.kind ?? "";
  if (!(PROTOBUF_KINDS as readonly string[]).includes(kind)) throw new Error(`no protobuf definition for kind "${kind}"`);
  const type = root.lookupType(`k8s.${kind}`);
  const msg = type.toObject(type.decode(envelope.raw ?? new Uint8Array()), { longs: Number, bytes: String, defaults: false, arrays: false, objects: false });
  const obj = toJSONShape(msg, `k8s.${kind}`) as Record<string, unknown>;
  return { apiVersion: envelope.typeMeta?.apiVersion ?? "", kind, ...obj };
}
