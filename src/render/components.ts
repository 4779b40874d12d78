/**
 * The canonical order of components across a sequence diagram: the client, the API server and its
 * store, the controllers, the scheduler, then each node's agents grouped per node (kubelet, CRI,
 * CNI, kube-proxy), then cluster add-ons. Reading left to right follows a request's path.
 */

const FIXED: readonly string[] = [
  "kubectl",
  "kube-apiserver",
  "etcd",
  "deployment-controller",
  "replicaset-controller",
  "endpointslice-controller",
  "endpoints-controller",
  "garbage-collector",
];

/** Per-node agents, in the order a pod start flows through them. */
const NODE_AGENTS: readonly string[] = ["kubelet", "cri", "cni", "kube-proxy"];

/** Numbers inside names compare numerically, so node-2 sorts before node-10. */
function naturalCompare(a: string, b: string): number {
  const re = /(\d+)|(\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny) && nx !== ny) return nx - ny;
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** [group, node, position-in-group, name] — compared in that order. */
function sortKey(name: string): [number, string, number] {
  const fixed = FIXED.indexOf(name);
  if (fixed >= 0) return [0, "", fixed];
  if (name.endsWith("-controller") || name === "cloud-controller-manager" || name === "kube-controller-manager") {
    return [1, "", name === "cloud-controller-manager" ? 1 : 0];
  }
  if (name === "kube-scheduler") return [2, "", 0];
  const at = name.indexOf("@");
  if (at > 0) {
    const agent = NODE_AGENTS.indexOf(name.slice(0, at));
    return [3, name.slice(at + 1), agent >= 0 ? agent : NODE_AGENTS.length];
  }
  if (name === "coredns") return [4, "", 0];
  return [5, "", 0];
}

/**
 * Compare two component names in canonical diagram order.
 *
 * @example
 * ```ts
 * ["kubelet@node-1", "etcd", "kubectl"].sort(compareComponents); // ["kubectl", "etcd", "kubelet@node-1"]
 * ```
 */
export function compareComponents(a: string, b: string): number {
  const ka = sortKey(a);
  const kb = sortKey(b);
  if (ka[0] !== kb[0]) return ka[0] - kb[0];
  if (ka[1] !== kb[1]) return naturalCompare(ka[1], kb[1]);
  if (ka[2] !== kb[2]) return ka[2] - kb[2];
  return naturalCompare(a, b);
}

/**
 * The distinct components of some events, in canonical order.
 *
 * @example
 * ```ts
 * orderComponents(["cri@node-1", "kube-apiserver", "kubelet@node-1"]); // ["kube-apiserver", "kubelet@node-1", "cri@node-1"]
 * ```
 */
export function orderComponents(names: Iterable<string>): string[] {
  return [...new Set(names)].sort(compareComponents);
}
