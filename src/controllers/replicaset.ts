/**
 * The ReplicaSet controller (pkg/controller/replicaset): keeps the number of active pods that a
 * ReplicaSet owns equal to `spec.replicas`, creating pods from the template (named
 * `<replicaset>-<5 random characters>`) or deleting the least valuable ones.
 *
 * Like the real one it uses *expectations*: after creating or deleting pods it waits until its
 * informer has seen those changes before acting on the ReplicaSet again, so a slow watch never
 * leads to creating twice.
 *
 * @example
 * ```ts
 * new ReplicaSetController(ctx, api).start();
 * ```
 */
import type { ApiServer, Stored } from "../apiserver/apiserver";
import { Informer, WorkQueue } from "../client/informer";
import { CONTROLLER_MANAGER_LIMIT, type TokenBucket } from "../client/ratelimit";
import { cacheKey } from "../api/meta";
import { matchesSelector } from "../api/labels";
import type { OwnerReference, Pod, ReplicaSet } from "../api/types";
import type { SimContext } from "../sim/context";
import { virtualTime } from "../sim/context";
import { clone, controllerOf, isPodActive, isPodReady, ownerRef } from "./controller";
import { randomSuffix } from "../util/names";
import type { ApiClient } from "../client/client";

export const RS_CONTROLLER = "replicaset-controller";
/** Most pods created or deleted in one sync (the controller's burstReplicas). */
export const BURST_REPLICAS = 500;

export class ReplicaSetController {
  readonly rs: Informer<"ReplicaSet">;
  readonly pods: Informer<"Pod">;
  private readonly queue: WorkQueue;
  /** ReplicaSet uid → keys of pods it controls. */
  private readonly owned = new Map<string, Set<string>>();
  private readonly expectations = new Map<string, { adds: number; dels: number }>();
  private readonly limiter: TokenBucket;
  private readonly prototypes = new Map<string, { key: string; labels: Record<string, string>; annotations: Record<string, string> | undefined; ownerReferences: OwnerReference[]; spec: Pod["spec"]; valid: boolean }>();

  /** This component's API client: its name in the trace and its rate limiter. */
  private readonly client: ApiClient;
  constructor(
    private readonly ctx: SimContext,
    private readonly api: ApiServer,
  ) {
    this.client = api.client(RS_CONTROLLER, CONTROLLER_MANAGER_LIMIT);
    this.rs = new Informer(this.client, "ReplicaSet");
    this.pods = new Informer(this.client, "Pod");
    this.limiter = this.client.limiter!;
    this.queue = new WorkQueue(ctx, "replicaset sync", (k) => this.sync(k), 0, { client: RS_CONTROLLER, bucket: this.limiter });
    this.rs.on({ add: (r) => this.queue.add(cacheKey(r)), update: (r) => this.queue.add(cacheKey(r)), delete: (r) => this.prototypes.delete(r.metadata.uid!) });
    this.pods.on({
      add: (p) => this.podEvent(p, undefined, "add"),
      update: (p, old) => this.podEvent(p, old, "update"),
      delete: (p) => this.podEvent(p, undefined, "delete"),
    });
  }

  start(): void {
    this.rs.start();
    this.pods.start();
  }

  private podEvent(p: Stored<"Pod">, old: Stored<"Pod"> | undefined, what: "add" | "update" | "delete"): void {
    const ref = controllerOf(p);
    const prevRef = old ? controllerOf(old) : undefined;
    if (prevRef && prevRef.kind === "ReplicaSet" && prevRef.uid !== ref?.uid) {
      this.owned.get(prevRef.uid)?.delete(cacheKey(p));
      this.queue.add(`${p.metadata.namespace}/${prevRef.name}`);
    }
    if (!ref || ref.kind !== "ReplicaSet") return;
    const key = cacheKey(p);
    let set = this.owned.get(ref.uid);
    if (!set) this.owned.set(ref.uid, (set = new Set()));
    const rsKey = `${p.metadata.namespace}/${ref.name}`;
    const exp = this.expectations.get(rsKey);
    if (what === "delete") {
      set.delete(key);
      if (exp && !p.metadata.deletionTimestamp) exp.dels = Math.max(0, exp.dels - 1);
    } else {
      set.add(key);
      if (what === "add" && exp) exp.adds = Math.max(0, exp.adds - 1);
      if (what === "update" && exp && p.metadata.deletionTimestamp && !old?.metadata.deletionTimestamp) exp.dels = Math.max(0, exp.dels - 1);
    }
    // Only changes that matter to the ReplicaSet's decisions or status wake it up.
    if (what !== "update" || old === undefined || p.metadata.labels !== old.metadata.labels || isPodReady(p) !== isPodReady(old) || !!p.metadata.deletionTimestamp !== !!old.metadata.deletionTimestamp || p.status?.phase !== old.status?.phase)
      this.queue.add(rsKey);
  }

  private sync(key: string): void {
    const rs = this.rs.get(key);
    if (!rs || rs.metadata.deletionTimestamp) return;
    const exp = this.expectations.get(key);
    if (exp && (exp.adds > 0 || exp.dels > 0)) return; // wait to observe our own writes
    const owned = [...(this.owned.get(rs.metadata.uid!) ?? [])].map((k) => this.pods.get(k)).filter((p): p is Stored<"Pod"> => !!p);
    // ControllerRefManager: a pod whose labels no longer match the selector is released (its
    // ownerReference removed) and stops counting, so the ReplicaSet makes a replacement.
    const pods: Stored<"Pod">[] = [];
    for (const p of owned) {
      if (matchesSelector(rs.spec.selector, p.metadata.labels)) pods.push(p);
      else if (!p.metadata.deletionTimestamp) this.release(p);
    }
    const active = pods.filter(isPodActive);
    const want = rs.spec.replicas ?? 1;
    // At most burstReplicas per sync, and no more than the client's rate limiter lets out now: the
    // real controller blocks in the limiter between requests, so its creates trickle out at 20/s.
    // The pods it observes wake it up again for the next batch.
    const batch = (n: number): number => Math.min(n, BURST_REPLICAS, Math.max(1, this.limiter.available(this.ctx.now)));
    const diff = active.length - want;
    if (diff < 0) {
      const n = batch(-diff);
      this.expectations.set(key, { adds: n, dels: 0 });
      for (let i = 0; i < n; i++) {
        const pod = this.newPod(rs);
        const created = this.client.create(pod, { admitted: this.prototypes.get(rs.metadata.uid!)!.valid });
        this.api.events.record({ component: RS_CONTROLLER }, rs, "Normal", "SuccessfulCreate", `Created pod: ${created.metadata.name}`);
      }
    } else if (diff > 0) {
      const n = batch(diff);
      this.expectations.set(key, { adds: 0, dels: n });
      for (const p of rankForDeletion(active).slice(0, n)) {
        this.client.delete("Pod", p.metadata.namespace, p.metadata.name!);
        this.api.events.record({ component: RS_CONTROLLER }, rs, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name}`);
      }
    }
    this.updateStatus(rs, active);
  }

  private release(p: Stored<"Pod">): void {
    const next = clone<Pod>(p);
    next.metadata.ownerReferences = (next.metadata.ownerReferences ?? []).filter((r) => !r.controller);
    if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
    this.client.update(next, { admitted: true, verb: "patch", detail: "release: labels no longer match the selector" });
  }

  /**
   * A new pod from the template. The defaulted, validated spec, labels and ownerReference are
   * built once per ReplicaSet generation and shared by its pods: stored objects are never
   * mutated, so sharing is safe, and 150,000 pods don't need 150,000 copies of one template.
   */
  private newPod(rs: Stored<"ReplicaSet">): Pod {
    const key = `${rs.metadata.uid}/${rs.metadata.generation ?? 1}`;
    let proto = this.prototypes.get(rs.metadata.uid!);
    if (!proto || proto.key !== key) {
      const t = clone<ReplicaSet["spec"]["template"]>(rs.spec.template);
      const sample: Pod = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: `${rs.metadata.name}-xxxxx`, namespace: rs.metadata.namespace!, labels: { ...t.metadata?.labels }, ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}) },
        spec: t.spec,
      };
      // Pod-level defaults (tolerations) are added at admission, as for any pod.
      const errs = this.api.admit(sample);
      proto = { key, labels: sample.metadata.labels!, annotations: sample.metadata.annotations, ownerReferences: [ownerRef(rs)], spec: sample.spec, valid: errs.length === 0 };
      this.prototypes.set(rs.metadata.uid!, proto);
    }
    return {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: `${rs.metadata.name}-${randomSuffix(this.ctx.rng)}`,
        generateName: `${rs.metadata.name}-`,
        namespace: rs.metadata.namespace!,
        labels: proto.labels,
        ...(proto.annotations ? { annotations: proto.annotations } : {}),
        ownerReferences: proto.ownerReferences,
      },
      spec: proto.spec,
      status: { phase: "Pending" },
    };
  }

  private updateStatus(rs: Stored<"ReplicaSet">, active: Stored<"Pod">[]): void {
    const minReady = (rs.spec.minReadySeconds ?? 0) * 1000;
    let ready = 0;
    let available = 0;
    let nextAvailableCheck = Infinity;
    for (const p of active) {
      if (!isPodReady(p)) continue;
      ready++;
      if (minReady === 0) {
        available++;
        continue;
      }
      const since = virtualTime(p.status?.conditions?.find((c) => c.type === "Ready")?.lastTransitionTime);
      if (this.ctx.now - since >= minReady) available++;
      else nextAvailableCheck = Math.min(nextAvailableCheck, since + minReady - this.ctx.now);
    }
    if (nextAvailableCheck !== Infinity) this.queue.addAfter(cacheKey(rs), nextAvailableCheck);
    const labeled = active.length;
    const s = rs.status;
    if (s && s.replicas === active.length && s.readyReplicas === ready && s.availableReplicas === available && s.observedGeneration === rs.metadata.generation) return;
    this.client.updateStatus("ReplicaSet",
      rs.metadata.namespace,
      rs.metadata.name!,
      { replicas: active.length, fullyLabeledReplicas: labeled, readyReplicas: ready, availableReplicas: available, observedGeneration: rs.metadata.generation ?? 1 },
      `replicas=${active.length} ready=${ready} available=${available}`,
    );
  }
}

/**
 * Which pods to delete first when scaling down (controller.ActivePodsWithRanks ordering):
 * unscheduled before scheduled, pending before running, not ready before ready, pods sharing a
 * node with more of their siblings first, more restarts first, newer first.
 */
export function rankForDeletion(pods: Stored<"Pod">[]): Stored<"Pod">[] {
  // Pods doubled up on a node go first (ActivePodsWithRanks: rank = active pods on the same node).
  const perNode = new Map<string, number>();
  for (const p of pods) if (p.spec.nodeName) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
  const colocated = (p: Stored<"Pod">): number => (p.spec.nodeName ? perNode.get(p.spec.nodeName)! : 0);
  const phaseRank = (p: Stored<"Pod">): number => (p.status?.phase === "Pending" ? 0 : p.status?.phase === "Unknown" ? 1 : 2);
  const restarts = (p: Stored<"Pod">): number => (p.status?.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0);
  return [...pods].sort((a, b) => {
    const sa = a.spec.nodeName ? 1 : 0;
    const sb = b.spec.nodeName ? 1 : 0;
    if (sa !== sb) return sa - sb;
    if (phaseRank(a) !== phaseRank(b)) return phaseRank(a) - phaseRank(b);
    const ra = isPodReady(a) ? 1 : 0;
    const rb = isPodReady(b) ? 1 : 0;
    if (ra !== rb) return ra - rb;
    if (colocated(a) !== colocated(b)) return colocated(b) - colocated(a);
    if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
    const ta = virtualTime(a.metadata.creationTimestamp);
    const tb = virtualTime(b.metadata.creationTimestamp);
    if (ta !== tb) return tb - ta;
    return a.metadata.name! < b.metadata.name! ? 1 : -1;
  });
}
