/**
 * kubelab: a typed simulation of Kubernetes networking for teaching.
 *
 * @example
 * ```ts
 * import { Cluster } from "kubelab";
 * const cluster = new Cluster({ nodes: 3, seed: 42 });
 * ```
 */
export * from "./api/types";
export * from "./sim/trace";
