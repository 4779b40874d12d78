/**
 * Typed Kubernetes objects, shaped like the real API (`apiVersion`, `kind`, `metadata`, `spec`, `status`).
 *
 * Only the fields the simulation models are declared; names, nesting and optionality follow
 * k8s.io/api so a manifest copied from a real cluster type-checks here.
 *
 * Objects handed out by the API server are shared, never copied: treat them as read-only
 * (see {@link DeepReadonly}). Every change goes through the API server.
 *
 * @example
 * ```ts
 * const svc: Service = {
 *   apiVersion: "v1", kind: "Service",
 *   metadata: { name: "web" },
 *   spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] },
 * };
 * ```
 */

export type Protocol = "TCP" | "UDP" | "SCTP";

/** A read-only view of an object tree: what informers and `cluster.get` hand out. */
export type DeepReadonly<T> = T extends (infer E)[]
  ? ReadonlyArray<DeepReadonly<E>>
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

export interface LabelSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

// ---------------------------------------------------------------- core/v1

export interface Namespace {
  apiVersion: "v1";
  kind: "Namespace";
  metadata: ObjectMeta;
  spec?: { finalizers?: string[] };
  status?: { phase?: "Active" | "Terminating" };
}

export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

export interface Toleration {
  key?: string;
  operator?: "Exists" | "Equal";
  value?: string;
  effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  tolerationSeconds?: number;
}

/** Resource quantities as strings, e.g. `{ cpu: "500m", memory: "128Mi" }`. */
export type ResourceList = Record<string, string>;

export interface NodeAddress {
  type: "InternalIP" | "ExternalIP" | "Hostname";
  address: string;
}

export interface Node {
  apiVersion: "v1";
  kind: "Node";
  metadata: ObjectMeta;
  spec: {
    podCIDR?: string;
    podCIDRs?: string[];
    taints?: Taint[];
    unschedulable?: boolean;
    providerID?: string;
  };
  status?: {
    capacity?: ResourceList;
    allocatable?: ResourceList;
    addresses?: NodeAddress[];
    conditions?: Condition[];
    nodeInfo?: {
      kubeletVersion: string;
      containerRuntimeVersion: string;
      kubeProxyVersion?: string;
      osImage: string;
      kernelVersion: string;
      architecture: string;
      operatingSystem: string;
    };
  };
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: Protocol;
  hostPort?: number;
}

export interface ProbeHandler {
  httpGet?: { path?: string; port: number | string; scheme?: "HTTP" | "HTTPS" };
  tcpSocket?: { port: number | string };
  exec?: { command: string[] };
  grpc?: { port: number; service?: string };
}

export interface Probe extends ProbeHandler {
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  /** Grace period for a kill after a failed liveness probe; overrides the pod's terminationGracePeriodSeconds. */
  terminationGracePeriodSeconds?: number;
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: ContainerPort[];
  env?: { name: string; value?: string }[];
  resources?: { requests?: ResourceList; limits?: ResourceList };
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  imagePullPolicy?: "Always" | "IfNotPresent" | "Never";
}

export type DNSPolicy = "ClusterFirst" | "ClusterFirstWithHostNet" | "Default" | "None";

export interface PodDNSConfig {
  nameservers?: string[];
  searches?: string[];
  options?: { name: string; value?: string }[];
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  hostname?: string;
  subdomain?: string;
  hostNetwork?: boolean;
  dnsPolicy?: DNSPolicy;
  dnsConfig?: PodDNSConfig;
  restartPolicy?: "Always" | "OnFailure" | "Never";
  terminationGracePeriodSeconds?: number;
  schedulerName?: string;
  priority?: number;
  setHostnameAsFQDN?: boolean;
}

export interface ContainerState {
  waiting?: { reason: string; message?: string };
  running?: { startedAt: string };
  terminated?: { exitCode: number; reason?: string; startedAt?: string; finishedAt?: string };
}

export interface ContainerStatus {
  name: string;
  image: string;
  imageID?: string;
  containerID?: string;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  state: ContainerState;
  lastState?: ContainerState;
}

export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";

export interface PodStatus {
  phase?: PodPhase;
  conditions?: Condition[];
  hostIP?: string;
  hostIPs?: { ip: string }[];
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime?: string;
  containerStatuses?: ContainerStatus[];
  reason?: string;
  message?: string;
}

export interface Pod {
  apiVersion: "v1";
  kind: "Pod";
  metadata: ObjectMeta;
  spec: PodSpec;
  status?: PodStatus;
}

export interface PodTemplateSpec {
  metadata?: ObjectMeta;
  spec: PodSpec;
}

export type ServiceType = "ClusterIP" | "NodePort" | "LoadBalancer" | "ExternalName";

export interface ServicePort {
  name?: string;
  protocol?: Protocol;
  appProtocol?: string;
  port: number;
  targetPort?: number | string;
  nodePort?: number;
}

export interface ServiceSpec {
  type?: ServiceType;
  selector?: Record<string, string>;
  ports?: ServicePort[];
  clusterIP?: string;
  clusterIPs?: string[];
  ipFamilies?: ("IPv4" | "IPv6")[];
  ipFamilyPolicy?: "SingleStack" | "PreferDualStack" | "RequireDualStack";
  externalIPs?: string[];
  externalName?: string;
  sessionAffinity?: "None" | "ClientIP";
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
  externalTrafficPolicy?: "Cluster" | "Local";
  internalTrafficPolicy?: "Cluster" | "Local";
  healthCheckNodePort?: number;
  loadBalancerIP?: string;
  loadBalancerSourceRanges?: string[];
  loadBalancerClass?: string;
  allocateLoadBalancerNodePorts?: boolean;
  publishNotReadyAddresses?: boolean;
  trafficDistribution?: string;
}

export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
  ipMode?: "VIP" | "Proxy";
}

export interface Service {
  apiVersion: "v1";
  kind: "Service";
  metadata: ObjectMeta;
  spec: ServiceSpec;
  status?: { loadBalancer?: { ingress?: LoadBalancerIngress[] }; conditions?: Condition[] };
}

export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
}

/** The legacy v1 Endpoints object, mirrored from Services by the endpoints controller. */
export interface Endpoints {
  apiVersion: "v1";
  kind: "Endpoints";
  metadata: ObjectMeta;
  subsets?: EndpointSubset[];
}

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: ObjectReference;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: { name?: string; port: number; protocol?: Protocol; appProtocol?: string }[];
}

/** Configuration for pods: string values in `data`, base64 bytes in `binaryData` (1 MiB in all). */
export interface ConfigMap {
  apiVersion: "v1";
  kind: "ConfigMap";
  metadata: ObjectMeta;
  data?: Record<string, string>;
  /** Values are base64-encoded bytes. */
  binaryData?: Record<string, string>;
  /** Once true, data and binaryData can no longer change (and immutable cannot be unset). */
  immutable?: boolean;
}

/**
 * A Secret: base64 values in `data`. `stringData` is write-only: the API server encodes it into
 * `data` (overriding keys of the same name) and never stores it.
 */
export interface Secret {
  apiVersion: "v1";
  kind: "Secret";
  metadata: ObjectMeta;
  /** Default `Opaque`; e.g. `kubernetes.io/tls` requires `tls.crt` and `tls.key`. */
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  immutable?: boolean;
}

// ---------------------------------------------------------------- discovery.k8s.io/v1

export interface EndpointConditions {
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

export interface Endpoint {
  addresses: string[];
  /** Optional in discovery.k8s.io/v1: nil `ready` and `serving` mean true, nil `terminating` false. */
  conditions?: EndpointConditions;
  hostname?: string;
  targetRef?: ObjectReference;
  nodeName?: string;
  zone?: string;
  hints?: { forZones?: { name: string }[] };
}

export interface EndpointPort {
  name?: string;
  protocol?: Protocol;
  port?: number;
  appProtocol?: string;
}

export interface EndpointSlice {
  apiVersion: "discovery.k8s.io/v1";
  kind: "EndpointSlice";
  metadata: ObjectMeta;
  addressType: "IPv4" | "IPv6" | "FQDN";
  endpoints: Endpoint[];
  ports?: EndpointPort[];
}

// ---------------------------------------------------------------- apps/v1

export interface DeploymentStrategy {
  type?: "RollingUpdate" | "Recreate";
  rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string };
}

export interface Deployment {
  apiVersion: "apps/v1";
  kind: "Deployment";
  metadata: ObjectMeta;
  spec: {
    replicas?: number;
    selector: LabelSelector;
    template: PodTemplateSpec;
    strategy?: DeploymentStrategy;
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    paused?: boolean;
    progressDeadlineSeconds?: number;
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: Condition[];
    collisionCount?: number;
  };
}

export interface ReplicaSet {
  apiVersion: "apps/v1";
  kind: "ReplicaSet";
  metadata: ObjectMeta;
  spec: {
    replicas?: number;
    selector: LabelSelector;
    template: PodTemplateSpec;
    minReadySeconds?: number;
  };
  status?: {
    replicas: number;
    fullyLabeledReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    observedGeneration?: number;
  };
}

/** Every kind the simulation knows. */
export type KubeObject =
  | Namespace
  | Node
  | Pod
  | Service
  | Endpoints
  | EndpointSlice
  | Deployment
  | ReplicaSet
  | ConfigMap
  | Secret;

export type Kind = KubeObject["kind"];

/** The object type for a kind name, e.g. `ObjectOf<"Pod">` is {@link Pod}. */
export type ObjectOf<K extends Kind> = Extract<KubeObject, { kind: K }>;

/** Annotation and label keys the simulation itself uses. */
export const wellKnown = {
  /** Marks the EndpointSlice controller as owner of a slice (vs. user-created slices). */
  managedBy: "endpointslice.kubernetes.io/managed-by",
  managedByController: "endpointslice-controller.k8s.io",
  /** The EndpointSliceMirroring controller's value of {@link wellKnown.managedBy}. */
  managedByMirroring: "endpointslicemirroring-controller.k8s.io",
  /** On an Endpoints object, `"true"` keeps the EndpointSliceMirroring controller away from it. */
  skipMirror: "endpointslice.kubernetes.io/skip-mirror",
  serviceName: "kubernetes.io/service-name",
  podTemplateHash: "pod-template-hash",
  revision: "deployment.kubernetes.io/revision",
  hostname: "kubernetes.io/hostname",
  headless: "service.kubernetes.io/headless",
  controlPlaneRole: "node-role.kubernetes.io/control-plane",
  /** Simulation knobs for a pod's app, set on the pod template: seconds the app needs to start. */
  appStartSeconds: "kubelab.io/app-start-seconds",
  /** Seconds the app takes to exit after SIGTERM (bounded by terminationGracePeriodSeconds). */
  appShutdownSeconds: "kubelab.io/app-shutdown-seconds",
} as const;
