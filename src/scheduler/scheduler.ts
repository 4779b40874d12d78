/**
 * kube-scheduler: takes pods without a node from its queue, filters the nodes that can run them,
 * scores the rest and binds the pod to the best one (pkg/scheduler).
 *
 * Filter plugins: NodeUnschedulable, node Ready, TaintToleration (NoSchedule/NoExecute),
 * NodeAffinity (nodeSelector), NodeResourcesFit (requests vs allocatable, and the pod count),
 * NodePorts (hostPort clashes). Score plugins: NodeResourcesFit (LeastAllocated, weight 1),
 * NodeResourcesBalancedAllocation (weight 1), PodTopologySpread's default spreading of a
 * controller's pods over nodes (weight 2), TaintToleration for PreferNoSchedule (weight 3).
 * Ties are broken at random (seeded), and in large clusters only a share of the nodes is
 * examined per pod (`percentageOfNodesToScore`'s adaptive default), as the real one does.
 *
 * @example
 * ```ts
 * new Scheduler(ctx, api).start();
 * ```
 */
import type { ApiServer, Stored } from "../apiserver/apiserver";
import { Informer } from "../client/informer";
import { cacheKey } from "../api/meta";
import { parseQuantity } from "../api/quantity";
import type { DeepReadonly, Taint, Toleration } from "../api/types";
import type { SimContext } from "../sim/context";
import { controllerOf } from "../controllers/controller";

export const SCHEDULER = "kube-scheduler";

interface NodeInfo {
  name: string;
  node: Stored<"Node">;
  // Facts about the node the filters read, computed once per Node update rather than per pod.
  ready: boolean;
  unschedulable: boolean;
  hardTaints: DeepReadonly<Taint>[];
  preferNoSchedule: boolean;
  labels: DeepReadonly<Record<string, string>>;
  cpu: number; // allocatable, millicores
  mem: number; // allocatable, bytes
  maxPods: number;
  /** Requested resources with the non-zero defaults (for scoring). */
  reqCpu: number;
  reqMem: number;
  /** Requested resources exactly as asked (for fitting). */
  exCpu: number;
  exMem: number;
  pods: number;
  hostPorts: Set<string>;
  /** controller uid → number of its pods here (for spreading). */
  owners: Map<string, number>;
}

/** What the filters need from the pod, computed once per scheduling cycle. */
interface PodFacts {
  ex: { cpu: number; mem: number };
  ports: string[];
  selector: [string, string][];
  tolerations: DeepReadonly<Toleration[]> | undefined;
}

/** The scheduler's defaults for a container without requests (non-zero requests used for scoring). */
const DEFAULT_CPU_REQUEST = 100; // millicores
const DEFAULT_MEM_REQUEST = 200 * 1024 * 1024;

export class Scheduler {
  readonly pods: Informer<"Pod">;
  readonly nodes: Informer<"Node">;
  private readonly infos = new Map<string, NodeInfo>();
  private nodeOrder: NodeInfo[] = [];
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly unschedulable = new Set<string>();
  /** Pods whose resources are counted on a node (assumed at bind time, like the scheduler cache). */
  private readonly accounted = new Map<string, { node: string; cpu: number; mem: number; exCpu: number; exMem: number; ports: string[]; owner?: string }>();
  private nextStart = 0;
  private draining = false;

  constructor(
    private readonly ctx: SimContext,
    private readonly api: ApiServer,
  ) {
    this.nodes = new Informer(api, SCHEDULER, "Node");
    this.pods = new Informer(api, SCHEDULER, "Pod");
    this.nodes.on({
      add: (n) => this.setNode(n),
      update: (n) => this.setNode(n),
      delete: (n) => {
        this.infos.delete(n.metadata.name!);
        this.nodeOrder = this.nodeOrder.filter((x) => x.name !== n.metadata.name);
      },
    });
    this.pods.on({ add: (p) => this.podEvent(p), update: (p) => this.podEvent(p), delete: (p) => this.forget(cacheKey(p), true) });
  }

  start(): void {
    this.nodes.start();
    this.pods.start();
  }

  private setNode(n: Stored<"Node">): void {
    const name = n.metadata.name!;
    const prev = this.infos.get(name);
    const alloc = n.status?.allocatable ?? {};
    const info: NodeInfo = prev ?? { name, node: n, ready: true, unschedulable: false, hardTaints: [], preferNoSchedule: false, labels: {}, cpu: 0, mem: 0, maxPods: 110, reqCpu: 0, reqMem: 0, exCpu: 0, exMem: 0, pods: 0, hostPorts: new Set(), owners: new Map() };
    info.node = n;
    info.ready = (n.status?.conditions?.find((c) => c.type === "Ready")?.status ?? "True") === "True";
    info.unschedulable = !!n.spec.unschedulable;
    info.hardTaints = (n.spec.taints ?? []).filter((t) => t.effect !== "PreferNoSchedule");
    info.preferNoSchedule = (n.spec.taints ?? []).some((t) => t.effect === "PreferNoSchedule");
    info.labels = n.metadata.labels ?? {};
    info.cpu = parseQuantity(alloc["cpu"] ?? "0") * 1000;
    info.mem = parseQuantity(alloc["memory"] ?? "0");
    info.maxPods = parseQuantity(alloc["pods"] ?? "110");
    if (!prev) {
      this.infos.set(name, info);
      this.nodeOrder.push(info);
    }
    this.retryUnschedulable();
  }

  private podEvent(p: Stored<"Pod">): void {
    const key = cacheKey(p);
    if (p.spec.nodeName) {
      this.unschedulable.delete(key);
      if (!this.accounted.has(key) && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed") this.account(key, p, p.spec.nodeName);
      if (p.status?.phase === "Succeeded" || p.status?.phase === "Failed") this.forget(key, true);
      return;
    }
    if (p.metadata.deletionTimestamp || (p.spec.schedulerName ?? "default-scheduler") !== "default-scheduler") return;
    if (this.unschedulable.has(key)) return;
    this.enqueue(key);
  }

  private enqueue(key: string): void {
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    if (!this.draining) {
      this.draining = true;
      this.ctx.loop.soon("schedule", () => this.drain());
    }
  }

  /** One scheduling cycle per queued pod, in queue order. */
  private drain(): void {
    this.draining = false;
    const batch = this.queue.splice(0);
    for (const key of batch) {
      this.queued.delete(key);
      const p = this.pods.get(key);
      if (p && !p.spec.nodeName && !p.metadata.deletionTimestamp) this.scheduleOne(p);
    }
  }

  private retryUnschedulable(): void {
    if (this.unschedulable.size === 0) return;
    const keys = [...this.unschedulable];
    this.unschedulable.clear();
    for (const k of keys) this.enqueue(k);
  }

  private forget(key: string, retry: boolean): void {
    const a = this.accounted.get(key);
    this.unschedulable.delete(key);
    if (!a) return;
    this.accounted.delete(key);
    const info = this.infos.get(a.node);
    if (info) {
      info.reqCpu -= a.cpu;
      info.reqMem -= a.mem;
      info.exCpu -= a.exCpu;
      info.exMem -= a.exMem;
      info.pods--;
      for (const hp of a.ports) info.hostPorts.delete(hp);
      if (a.owner) info.owners.set(a.owner, (info.owners.get(a.owner) ?? 1) - 1);
    }
    if (retry) this.retryUnschedulable();
  }

  private account(key: string, p: Stored<"Pod">, node: string): void {
    const info = this.infos.get(node);
    if (!info) return;
    const r = requests(p);
    const ex = exactRequests(p);
    const ports = hostPorts(p);
    const owner = controllerOf(p)?.uid;
    info.reqCpu += r.cpu;
    info.reqMem += r.mem;
    info.exCpu += ex.cpu;
    info.exMem += ex.mem;
    info.pods++;
    for (const hp of ports) info.hostPorts.add(hp);
    if (owner) info.owners.set(owner, (info.owners.get(owner) ?? 0) + 1);
    this.accounted.set(key, { node, cpu: r.cpu, mem: r.mem, exCpu: ex.cpu, exMem: ex.mem, ports, ...(owner ? { owner } : {}) });
  }

  /** How many feasible nodes to find before scoring (numFeasibleNodesToFind, adaptive default). */
  static nodesToFind(all: number): number {
    if (all < 100) return all;
    const pct = Math.max(5, 50 - Math.floor(all / 125));
    return Math.max(100, Math.floor((all * pct) / 100));
  }

  private scheduleOne(p: Stored<"Pod">): void {
    const total = this.nodeOrder.length;
    const want = Scheduler.nodesToFind(total);
    const r = requests(p);
    const facts: PodFacts = { ex: exactRequests(p), ports: hostPorts(p), selector: Object.entries(p.spec.nodeSelector ?? {}), tolerations: p.spec.tolerations };
    const reasons = new Map<string, number>();
    const feasible: NodeInfo[] = [];
    let examined = 0;
    for (; examined < total && feasible.length < want; examined++) {
      const info = this.nodeOrder[(this.nextStart + examined) % total]!;
      const why = this.filter(facts, info);
      if (why) reasons.set(why, (reasons.get(why) ?? 0) + 1);
      else feasible.push(info);
    }
    this.nextStart = total ? (this.nextStart + examined) % total : 0;
    const key = cacheKey(p);
    if (feasible.length === 0) {
      const detail = [...reasons].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([w, n]) => `${n} ${w}`).join(", ");
      const message = `0/${total} nodes are available: ${detail}.`;
      this.unschedulable.add(key);
      const prev = p.status?.conditions?.find((c) => c.type === "PodScheduled");
      if (prev?.message !== message) {
        this.api.updateStatus(SCHEDULER, "Pod", p.metadata.namespace, p.metadata.name!, {
          ...p.status,
          phase: "Pending",
          conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message, lastTransitionTime: this.ctx.timestamp() }],
        } as never, "Unschedulable");
      }
      return;
    }
    const owner = controllerOf(p)?.uid;
    let best: NodeInfo[] = [];
    let bestScore = -Infinity;
    const owned = new Array<number>(feasible.length);
    let maxOwned = 0;
    let minOwned = owner ? Infinity : 0;
    for (let i = 0; i < feasible.length; i++) {
      const c = owner ? feasible[i]!.owners.get(owner) ?? 0 : 0;
      owned[i] = c;
      if (c > maxOwned) maxOwned = c;
      if (c < minOwned) minOwned = c;
    }
    for (let i = 0; i < feasible.length; i++) {
      const n = feasible[i]!;
      const s = this.score(n, r, owned[i]!, minOwned, maxOwned);
      if (s > bestScore) {
        bestScore = s;
        best = [n];
      } else if (s === bestScore) best.push(n);
    }
    // selectHost: a uniformly random pick among the top scores.
    const chosen = best.length === 1 ? best[0]! : best[this.ctx.rng.int(best.length)]!;
    this.account(key, p, chosen.name);
    this.api.bind(SCHEDULER, p.metadata.namespace!, p.metadata.name!, chosen.name);
  }

  private filter(f: PodFacts, n: NodeInfo): string | undefined {
    if (n.unschedulable && !tolerates(f.tolerations, { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" })) return "node(s) were unschedulable";
    if (!n.ready) return "node(s) had untolerated taint {node.kubernetes.io/not-ready: }";
    for (const t of n.hardTaints) if (!tolerates(f.tolerations, t)) return `node(s) had untolerated taint {${t.key}: ${t.value ?? ""}}`;
    for (const [k, v] of f.selector) if (n.labels[k] !== v) return "node(s) didn't match Pod's node affinity/selector";
    if (n.pods + 1 > n.maxPods) return "Too many pods";
    if (f.ex.cpu > 0 && n.exCpu + f.ex.cpu > n.cpu) return "Insufficient cpu";
    if (f.ex.mem > 0 && n.exMem + f.ex.mem > n.mem) return "Insufficient memory";
    for (const hp of f.ports) if (n.hostPorts.has(hp)) return "node(s) didn't have free ports for the requested pod ports";
    return undefined;
  }

  private score(n: NodeInfo, r: { cpu: number; mem: number }, owned: number, minOwned: number, maxOwned: number): number {
    const cpuFree = n.cpu > 0 ? Math.max(0, (n.cpu - n.reqCpu - r.cpu) / n.cpu) : 0;
    const memFree = n.mem > 0 ? Math.max(0, (n.mem - n.reqMem - r.mem) / n.mem) : 0;
    const leastAllocated = Math.floor(((cpuFree + memFree) / 2) * 100);
    const balanced = Math.floor((1 - Math.abs(cpuFree - memFree) / 2) * 100);
    const spread = maxOwned === minOwned ? 100 : Math.floor((100 * (maxOwned - owned)) / (maxOwned - minOwned));
    const prefer = n.preferNoSchedule ? 0 : 100;
    return leastAllocated + balanced + 2 * spread + 3 * prefer;
  }
}

/** Requests used for scoring: containers without requests count the scheduler's non-zero defaults. */
function requests(p: Stored<"Pod">): { cpu: number; mem: number } {
  let cpu = 0;
  let mem = 0;
  for (const c of p.spec.containers) {
    const rq = c.resources?.requests ?? {};
    cpu += rq["cpu"] !== undefined ? parseQuantity(rq["cpu"]) * 1000 : DEFAULT_CPU_REQUEST;
    mem += rq["memory"] !== undefined ? parseQuantity(rq["memory"]) : DEFAULT_MEM_REQUEST;
  }
  return { cpu, mem };
}

/** Requests used for fitting: only what the pod asks for. */
function exactRequests(p: Stored<"Pod">): { cpu: number; mem: number } {
  let cpu = 0;
  let mem = 0;
  for (const c of p.spec.containers) {
    const rq = c.resources?.requests ?? {};
    if (rq["cpu"] !== undefined) cpu += parseQuantity(rq["cpu"]) * 1000;
    if (rq["memory"] !== undefined) mem += parseQuantity(rq["memory"]);
  }
  return { cpu, mem };
}

function hostPorts(p: Stored<"Pod">): string[] {
  const out: string[] = [];
  for (const c of p.spec.containers) for (const cp of c.ports ?? []) if (cp.hostPort) out.push(`${cp.protocol ?? "TCP"}/${cp.hostPort}`);
  return out;
}

/** Does any toleration tolerate the taint (v1helper.TolerationsTolerateTaint)? */
export function tolerates(tols: DeepReadonly<Toleration[]> | undefined, t: DeepReadonly<Pick<Taint, "key" | "effect"> & { value?: string }>): boolean {
  for (const tol of tols ?? []) {
    if (tol.effect && tol.effect !== t.effect) continue;
    if (tol.key && tol.key !== t.key) continue;
    if (!tol.key && tol.operator !== "Exists") continue;
    if ((tol.operator ?? "Equal") === "Exists") return true;
    if ((tol.value ?? "") === (t.value ?? "")) return true;
  }
  return false;
}
