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
import { SCHEDULER_LIMIT, type TokenBucket, traceThrottled } from "../client/ratelimit";
import { cacheKey } from "../api/meta";
import { parseQuantity } from "../api/quantity";
import type { DeepReadonly, Taint, Toleration } from "../api/types";
import type { SimContext } from "../sim/context";
import { controllerOf } from "../controllers/controller";
import type { ApiClient } from "../client/client";

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
  hostPorts: Set<string>;
  /** A number unique to this node: its row in the scheduler's {@link NodeNumbers}. */
  idx: number;
}

// Columns of a node's row in NodeNumbers: its numbers share one cache line, and scanning 500
// candidate nodes per pod reads rows of one array instead of 500 scattered objects.
const CPU = 0; // allocatable, millicores
const MEM = 1; // allocatable, bytes
const MAX_PODS = 2;
const REQ_CPU = 3; // requested, with the non-zero defaults (for scoring)
const REQ_MEM = 4;
const EX_CPU = 5; // requested exactly as asked (for fitting)
const EX_MEM = 6;
const PODS = 7;
const COLUMNS = 8;

/** The numbers the filters and scores read, one row of {@link COLUMNS} per node. */
class NodeNumbers {
  v = new Float64Array(COLUMNS * 64);
  /** 1 when the node passes every filter but the resource ones for a pod without constraints. */
  plain = new Uint8Array(64);
  preferNoSchedule = new Uint8Array(64);

  ensure(rows: number): void {
    if (rows <= this.plain.length) return;
    const n = Math.max(rows, this.plain.length * 2);
    const v = new Float64Array(COLUMNS * n);
    v.set(this.v);
    this.v = v;
    const plain = new Uint8Array(n);
    plain.set(this.plain);
    this.plain = plain;
    const prefer = new Uint8Array(n);
    prefer.set(this.preferNoSchedule);
    this.preferNoSchedule = prefer;
  }
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
  /** `nodeOrder` as node rows, and node infos by row: the scan reads only typed arrays. */
  private orderIdx = new Int32Array(0);
  private readonly byIdx: NodeInfo[] = [];
  /** Scratch for one cycle's feasible rows, owned counts and best rows. */
  private feasibleIdx = new Int32Array(0);
  private ownedScratch = new Int32Array(0);
  private bestScratch = new Int32Array(0);
  private readonly queue: string[] = [];
  /** Index of the next pod in `queue` (the queue is emptied when fully drained). */
  private head = 0;
  private readonly limiter: TokenBucket;
  private readonly queued = new Set<string>();
  private readonly unschedulable = new Set<string>();
  /** Pods whose resources are counted on a node (assumed at bind time, like the scheduler cache). */
  private readonly accounted = new Map<string, { node: string; cpu: number; mem: number; exCpu: number; exMem: number; ports: string[]; owner?: string }>();
  private nextStart = 0;
  /** controller uid → node idx → number of its pods there (for spreading). */
  private readonly ownerNodes = new Map<string, Map<number, number>>();
  private nodeCount = 0;
  private readonly num = new NodeNumbers();
  private epoch = 0;
  private mark = new Uint32Array(0);
  private count = new Int32Array(0);
  private draining = false;

  /** This component's API client: its name in the trace and its rate limiter. */
  private readonly client: ApiClient;
  constructor(
    private readonly ctx: SimContext,
    private readonly api: ApiServer,
  ) {
    this.client = api.client(SCHEDULER, SCHEDULER_LIMIT);
    this.nodes = new Informer(this.client, "Node");
    this.pods = new Informer(this.client, "Pod");
    this.limiter = this.client.limiter!;
    this.nodes.on({
      add: (n) => this.setNode(n),
      update: (n) => this.setNode(n),
      delete: (n) => {
        this.infos.delete(n.metadata.name!);
        this.nodeOrder = this.nodeOrder.filter((x) => x.name !== n.metadata.name);
        this.nodeOrder.forEach((x, i) => (this.orderIdx[i] = x.idx));
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
    const info: NodeInfo = prev ?? { name, node: n, ready: true, unschedulable: false, hardTaints: [], preferNoSchedule: false, labels: {}, hostPorts: new Set(), idx: this.nodeCount++ };
    this.num.ensure(this.nodeCount);
    const row = COLUMNS * info.idx;
    info.node = n;
    info.ready = (n.status?.conditions?.find((c) => c.type === "Ready")?.status ?? "True") === "True";
    info.unschedulable = !!n.spec.unschedulable;
    info.hardTaints = (n.spec.taints ?? []).filter((t) => t.effect !== "PreferNoSchedule");
    info.preferNoSchedule = (n.spec.taints ?? []).some((t) => t.effect === "PreferNoSchedule");
    info.labels = n.metadata.labels ?? {};
    this.num.v[row + CPU] = parseQuantity(alloc["cpu"] ?? "0") * 1000;
    this.num.v[row + MEM] = parseQuantity(alloc["memory"] ?? "0");
    this.num.v[row + MAX_PODS] = parseQuantity(alloc["pods"] ?? "110");
    this.num.plain[info.idx] = info.ready && !info.unschedulable && info.hardTaints.length === 0 ? 1 : 0;
    this.num.preferNoSchedule[info.idx] = info.preferNoSchedule ? 1 : 0;
    if (!prev) {
      this.infos.set(name, info);
      this.nodeOrder.push(info);
      this.byIdx[info.idx] = info;
      if (this.orderIdx.length < this.nodeOrder.length) {
        const n = this.nodeOrder.length * 2;
        const order = new Int32Array(n);
        order.set(this.orderIdx);
        this.orderIdx = order;
        this.feasibleIdx = new Int32Array(n);
        this.ownedScratch = new Int32Array(n);
        this.bestScratch = new Int32Array(n);
      }
      this.orderIdx[this.nodeOrder.length - 1] = info.idx;
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

  /**
   * One scheduling cycle per queued pod, in queue order, for the pods queued when the drain
   * started. While the scheduler's client is throttled, the rest waits for its token bucket.
   */
  private drain(): void {
    this.draining = false;
    const end = this.queue.length;
    while (this.head < end) {
      const wait = this.limiter.readyAt(this.ctx.now) - this.ctx.now;
      if (wait > 0) {
        traceThrottled(this.ctx, SCHEDULER, wait);
        this.draining = true;
        this.ctx.loop.after(wait, "schedule", () => this.drain());
        return;
      }
      const key = this.queue[this.head++]!;
      this.queued.delete(key);
      const p = this.pods.get(key);
      if (p && !p.spec.nodeName && !p.metadata.deletionTimestamp) this.scheduleOne(p);
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
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
      const v = this.num.v;
      const row = COLUMNS * info.idx;
      v[row + REQ_CPU] -= a.cpu;
      v[row + REQ_MEM] -= a.mem;
      v[row + EX_CPU] -= a.exCpu;
      v[row + EX_MEM] -= a.exMem;
      v[row + PODS]--;
      for (const hp of a.ports) info.hostPorts.delete(hp);
      if (a.owner) {
        const m = this.ownerNodes.get(a.owner);
        const c = (m?.get(info.idx) ?? 1) - 1;
        if (c > 0) m?.set(info.idx, c);
        else m?.delete(info.idx);
        if (m?.size === 0) this.ownerNodes.delete(a.owner);
      }
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
    const v = this.num.v;
    const row = COLUMNS * info.idx;
    v[row + REQ_CPU] += r.cpu;
    v[row + REQ_MEM] += r.mem;
    v[row + EX_CPU] += ex.cpu;
    v[row + EX_MEM] += ex.mem;
    v[row + PODS]++;
    for (const hp of ports) info.hostPorts.add(hp);
    if (owner) {
      let m = this.ownerNodes.get(owner);
      if (!m) this.ownerNodes.set(owner, (m = new Map()));
      m.set(info.idx, (m.get(info.idx) ?? 0) + 1);
    }
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
    const feasible = this.feasibleIdx;
    let nf = 0;
    // A pod with no nodeSelector or host ports fits a plain node (ready, schedulable, untainted, so
    // tolerations don't matter) when its requests fit: that check is inlined, the rest run the filters.
    const simple = facts.selector.length === 0 && facts.ports.length === 0;
    const v = this.num.v;
    const plain = this.num.plain;
    const order = this.orderIdx;
    const exCpu = facts.ex.cpu;
    const exMem = facts.ex.mem;
    let examined = 0;
    let pos = total ? this.nextStart % total : 0;
    for (; examined < total && nf < want; examined++) {
      const idx = order[pos]!;
      if (++pos === total) pos = 0;
      const row = COLUMNS * idx;
      if (simple && plain[idx] === 1 && v[row + PODS]! + 1 <= v[row + MAX_PODS]! && (exCpu <= 0 || v[row + EX_CPU]! + exCpu <= v[row + CPU]!) && (exMem <= 0 || v[row + EX_MEM]! + exMem <= v[row + MEM]!)) {
        feasible[nf++] = idx;
        continue;
      }
      const why = this.filter(facts, this.byIdx[idx]!);
      if (why) reasons.set(why, (reasons.get(why) ?? 0) + 1);
      else feasible[nf++] = idx;
    }
    this.nextStart = total ? (this.nextStart + examined) % total : 0;
    const key = cacheKey(p);
    if (nf === 0) {
      const detail = [...reasons].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([w, n]) => `${n} ${w}`).join(", ");
      const message = `0/${total} nodes are available: ${detail}.`;
      this.unschedulable.add(key);
      const prev = p.status?.conditions?.find((c) => c.type === "PodScheduled");
      if (prev?.message !== message) {
        this.client.updateStatus("Pod", p.metadata.namespace, p.metadata.name!, {
          ...p.status,
          phase: "Pending",
          conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message, lastTransitionTime: this.ctx.timestamp() }],
        } as never, "Unschedulable");
      }
      return;
    }
    const owner = controllerOf(p)?.uid;
    // Pods of the same controller per node, marked into scratch arrays indexed by node: one small
    // map per controller is read instead of one map per candidate node (cache misses dominated).
    const epoch = ++this.epoch;
    if (this.mark.length < this.nodeCount) {
      this.mark = new Uint32Array(this.nodeCount * 2);
      this.count = new Int32Array(this.nodeCount * 2);
    }
    for (const [idx, c] of (owner && this.ownerNodes.get(owner)) || []) {
      this.mark[idx] = epoch;
      this.count[idx] = c;
    }
    const owned = this.ownedScratch;
    let maxOwned = 0;
    let minOwned = owner ? Infinity : 0;
    for (let i = 0; i < nf; i++) {
      const idx = feasible[i]!;
      const c = this.mark[idx] === epoch ? this.count[idx]! : 0;
      owned[i] = c;
      if (c > maxOwned) maxOwned = c;
      if (c < minOwned) minOwned = c;
    }
    const best = this.bestScratch;
    let nb = 0;
    let bestScore = -Infinity;
    for (let i = 0; i < nf; i++) {
      const s = this.score(feasible[i]!, r, owned[i]!, minOwned, maxOwned);
      if (s > bestScore) {
        bestScore = s;
        nb = 0;
        best[nb++] = feasible[i]!;
      } else if (s === bestScore) best[nb++] = feasible[i]!;
    }
    // selectHost: a uniformly random pick among the top scores.
    const chosen = this.byIdx[nb === 1 ? best[0]! : best[this.ctx.rng.int(nb)]!]!;
    this.account(key, p, chosen.name);
    this.client.bind(p.metadata.namespace!, p.metadata.name!, chosen.name);
    this.api.events.record({ component: "default-scheduler" }, p, "Normal", "Scheduled", `Successfully assigned ${p.metadata.namespace}/${p.metadata.name} to ${chosen.name}`);
  }

  private filter(f: PodFacts, n: NodeInfo): string | undefined {
    if (n.unschedulable && !tolerates(f.tolerations, { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" })) return "node(s) were unschedulable";
    if (!n.ready) return "node(s) had untolerated taint {node.kubernetes.io/not-ready: }";
    for (const t of n.hardTaints) if (!tolerates(f.tolerations, t)) return `node(s) had untolerated taint {${t.key}: ${t.value ?? ""}}`;
    for (const [k, v] of f.selector) if (n.labels[k] !== v) return "node(s) didn't match Pod's node affinity/selector";
    const v = this.num.v;
    const row = COLUMNS * n.idx;
    if (v[row + PODS]! + 1 > v[row + MAX_PODS]!) return "Too many pods";
    if (f.ex.cpu > 0 && v[row + EX_CPU]! + f.ex.cpu > v[row + CPU]!) return "Insufficient cpu";
    if (f.ex.mem > 0 && v[row + EX_MEM]! + f.ex.mem > v[row + MEM]!) return "Insufficient memory";
    for (const hp of f.ports) if (n.hostPorts.has(hp)) return "node(s) didn't have free ports for the requested pod ports";
    return undefined;
  }

  private score(idx: number, r: { cpu: number; mem: number }, owned: number, minOwned: number, maxOwned: number): number {
    const v = this.num.v;
    const row = COLUMNS * idx;
    const cpu = v[row + CPU]!;
    const mem = v[row + MEM]!;
    const cpuFree = cpu > 0 ? Math.max(0, (cpu - v[row + REQ_CPU]! - r.cpu) / cpu) : 0;
    const memFree = mem > 0 ? Math.max(0, (mem - v[row + REQ_MEM]! - r.mem) / mem) : 0;
    const leastAllocated = Math.floor(((cpuFree + memFree) / 2) * 100);
    const balanced = Math.floor((1 - Math.abs(cpuFree - memFree) / 2) * 100);
    const spread = maxOwned === minOwned ? 100 : Math.floor((100 * (maxOwned - owned)) / (maxOwned - minOwned));
    const prefer = this.num.preferNoSchedule[idx] ? 0 : 100;
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
