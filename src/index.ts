/**
 * kubelab: a typed simulation of Kubernetes networking for teaching.
 *
 * @example
 * ```ts
 * import { Cluster } from "kubelab";
 * const cluster = new Cluster({ nodes: 3, seed: 42 });
 * cluster.apply("hello-world.yaml");
 * cluster.settle();
 * cluster.endpoints("hello-world");
 * ```
 */
export * from "./api/types";
export { ApplyError, NotFoundError, type FieldError, type ObjectErrors } from "./api/errors";
export { ManifestSyntaxError } from "./api/load";
export { LivelockError } from "./sim/loop";
export * from "./sim/trace";
export { type Source, type Target, type TrafficOptions, type ServiceEntry } from "./network";
export { ApplyResult } from "./kubectl/applyall";
export { Cluster, type ClusterOptions, type ClusterConfig, type NamespaceOption } from "./cluster";
export { ClusterDNS, DigAnswer, NodeIptables, NodeIpvs, NodeView, Packet, ResolverWalk, ServiceEndpoints, Traffic, type EndpointRow } from "./views";
export { Check, check, checks } from "./exercises";
export * as render from "./render";
export { KubectlOutput } from "./kubectl/kubectl";
export { StatusError, type Status } from "./kubectl/status";
