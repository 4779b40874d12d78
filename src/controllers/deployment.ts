/**
 * The Deployment controller (pkg/controller/deployment): turns a Deployment into ReplicaSets.
 *
 * Each distinct pod template gets its own ReplicaSet named `<deployment>-<pod-template-hash>`.
 * Scaling changes the current ReplicaSet's replicas; a template change starts a rolling update
 * that scales the new ReplicaSet up and the old ones down within maxSurge / maxUnavailable
 * (25% / 25% by default), as `rolling.go` does.
 *
 * @example
 * ```ts
 * new DeploymentController(ctx, api).start();
 * ```
 */
import type { ApiServer, Stored } from "../apiserver/apiserver";
import { Informer, WorkQueue } from "../client/informer";
import { CONTROLLER_MANAGER_LIMIT } from "../client/ratelimit";
import { cacheKey } from "../api/meta";
import type { Deployment, ReplicaSet } from "../api/types";
import { wellKnown } from "../api/types";
import type { SimContext } from "../sim/context";
import { fnv1a32 } from "../util/hash";
import { safeEncode } from "../util/names";
import { clone, controllerOf, ownerRef, stableKey, stableStringify } from "./controller";
import type { ApiClient } from "../client/client";

export const DEPLOYMENT_CONTROLLER = "deployment-controller";

/**
 * The pod-template-hash: FNV-32a over the template (and collision count), printed in decimal and
 * mapped through `rand.SafeEncodeString`, which is why hashes look like `7d4b9c8f5`.
 */
export function podTemplateHash(template: unknown, collisionCount = 0): string {
  const s = stableStringify(template) + (collisionCount ? String(collisionCount) : "");
  return safeEncode(String(fnv1a32(s)));
}

/** maxSurge rounds up, maxUnavailable rounds down; both zero would stall, so unavailable becomes 1. */
const fenceposts = new WeakMap<object, { surge: number; unavailable: number }>();

export function resolveFenceposts(d: Stored<"Deployment">): { surge: number; unavailable: number } {
  // Memoised per spec object (a new spec object comes with every spec change).
  const hit = fenceposts.get(d.spec);
  if (hit) return hit;
  const v = computeFenceposts(d);
  fenceposts.set(d.spec, v);
  return v;
}

function computeFenceposts(d: Stored<"Deployment">): { surge: number; unavailable: number } {
  const replicas = d.spec.replicas ?? 1;
  const ru = d.spec.strategy?.rollingUpdate;
  const val = (v: number | string | undefined, def: string, up: boolean): number => {
    const x = v ?? def;
    if (typeof x === "number") return x;
    const pct = Number(x.replace("%", "")) / 100;
    return up ? Math.ceil(pct * replicas) : Math.floor(pct * replicas);
  };
  const surge = val(ru?.maxSurge, "25%", true);
  let unavailable = val(ru?.maxUnavailable, "25%", false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export class DeploymentController {
  readonly deployments: Informer<"Deployment">;
  readonly replicaSets: Informer<"ReplicaSet">;
  private readonly queue: WorkQueue;
  /** Deployment uid → keys of its ReplicaSets. */
  private readonly owned = new Map<string, Set<string>>();

  /** This component's API client: its name in the trace and its rate limiter. */
  private readonly client: ApiClient;
  constructor(
    private readonly ctx: SimContext,
    private readonly api: ApiServer,
  ) {
    this.client = api.client(DEPLOYMENT_CONTROLLER, CONTROLLER_MANAGER_LIMIT);
    this.deployments = new Informer(this.client, "Deployment");
    this.replicaSets = new Informer(this.client, "ReplicaSet");
    this.queue = new WorkQueue(ctx, "deployment sync", (k) => this.sync(k), 0, { client: DEPLOYMENT_CONTROLLER, bucket: this.client.limiter! });
    const enqueueD = (d: Stored<"Deployment">): void => this.queue.add(cacheKey(d));
    this.deployments.on({ add: enqueueD, update: enqueueD });
    const rsEvent = (rs: Stored<"ReplicaSet">, deleted = false): void => {
      const ref = controllerOf(rs);
      if (!ref || ref.kind !== "Deployment") return;
      let set = this.owned.get(ref.uid);
      if (!set) this.owned.set(ref.uid, (set = new Set()));
      if (deleted) set.delete(cacheKey(rs));
      else set.add(cacheKey(rs));
      this.queue.add(`${rs.metadata.namespace}/${ref.name}`);
    };
    this.replicaSets.on({ add: (r) => rsEvent(r), update: (r) => rsEvent(r), delete: (r) => rsEvent(r, true) });
  }

  start(): void {
    this.deployments.start();
    this.replicaSets.start();
  }

  private sync(key: string): void {
    const d = this.deployments.get(key);
    if (!d || d.metadata.deletionTimestamp) return;
    const all = [...(this.owned.get(d.metadata.uid!) ?? [])]
      .map((k) => this.replicaSets.get(k))
      .filter((r): r is Stored<"ReplicaSet"> => !!r)
      .sort((a, b) => (a.metadata.creationTimestamp! < b.metadata.creationTimestamp! ? -1 : a.metadata.creationTimestamp! > b.metadata.creationTimestamp! ? 1 : a.metadata.name! < b.metadata.name! ? -1 : 1));
    const want = stableKey(d.spec.template);
    let newRS = all.find((rs) => templateKey(rs) === want);
    if (newRS) {
      const synced = this.syncRevision(d, newRS, all);
      all[all.indexOf(newRS)] = synced;
      newRS = synced;
    }
    const old = all.filter((rs) => rs !== newRS);
    if (d.spec.paused) return this.syncStatus(d, newRS, all);
    const replicas = d.spec.replicas ?? 1;

    if (d.spec.strategy?.type === "Recreate") {
      const oldRunning = old.filter((rs) => (rs.spec.replicas ?? 0) > 0 || (rs.status?.replicas ?? 0) > 0);
      for (const rs of old) if ((rs.spec.replicas ?? 0) > 0) this.scaleRS(rs, 0);
      if (oldRunning.length === 0) {
        if (!newRS) newRS = this.createRS(d, all, replicas);
        else if ((newRS.spec.replicas ?? 0) !== replicas) this.scaleRS(newRS, replicas);
      }
      return this.syncStatus(d, newRS, all);
    }

    const { surge, unavailable } = resolveFenceposts(d);
    const activeOld = old.filter((rs) => (rs.spec.replicas ?? 0) > 0);
    if (!newRS) {
      const current = all.reduce((n, rs) => n + (rs.spec.replicas ?? 0), 0);
      const initial = activeOld.length === 0 ? replicas : Math.max(0, Math.min(replicas + surge - current, replicas));
      newRS = this.createRS(d, all, initial);
      return this.syncStatus(d, newRS, [...all, newRS]);
    }
    if (activeOld.length === 0) {
      // Not rolling out: a scaling event sets the one active ReplicaSet directly.
      if ((newRS.spec.replicas ?? 0) !== replicas) newRS = this.scaleRS(newRS, replicas);
      this.cleanup(d, old);
      return this.syncStatus(d, newRS, all);
    }
    // Rolling update step 1: scale the new ReplicaSet up, keeping total ≤ replicas + maxSurge.
    const total = all.reduce((n, rs) => n + (rs.spec.replicas ?? 0), 0);
    const newReplicas = newRS.spec.replicas ?? 0;
    if (newReplicas > replicas) newRS = this.scaleRS(newRS, replicas);
    else if (newReplicas < replicas) {
      const up = Math.min(replicas + surge - total, replicas - newReplicas);
      if (up > 0) newRS = this.scaleRS(newRS, newReplicas + up);
    }
    // Step 2: scale old ReplicaSets down while keeping ≥ replicas − maxUnavailable available.
    const minAvailable = replicas - unavailable;
    const allPods = all.reduce((n, rs) => n + (rs === newRS ? newRS.spec.replicas ?? 0 : rs.spec.replicas ?? 0), 0);
    const newUnavailable = (newRS.spec.replicas ?? 0) - (newRS.status?.availableReplicas ?? 0);
    let maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown > 0) {
      // First drop old replicas that are not available anyway (cleanupUnhealthyReplicas).
      for (const rs of activeOld) {
        if (maxScaledDown <= 0) break;
        const unhealthy = (rs.spec.replicas ?? 0) - (rs.status?.availableReplicas ?? 0);
        const n = Math.min(unhealthy, maxScaledDown);
        if (n > 0) {
          this.scaleRS(rs, (rs.spec.replicas ?? 0) - n);
          maxScaledDown -= n;
        }
      }
      const available = all.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
      let canDown = Math.min(available - minAvailable, maxScaledDown);
      for (const rs of activeOld) {
        if (canDown <= 0) break;
        const cur = this.replicaSets.get(cacheKey(rs))?.spec.replicas ?? 0;
        const latest = Math.min(cur, rs.spec.replicas ?? 0);
        const n = Math.min(latest, canDown);
        if (n > 0) {
          this.scaleRS(rs, latest - n);
          canDown -= n;
        }
      }
    }
    this.syncStatus(d, newRS, all);
  }

  /**
   * SetNewReplicaSetAnnotations for a ReplicaSet that already exists: the Deployment's annotations
   * (e.g. `kubernetes.io/change-cause`) are copied onto it, and its revision becomes the newest —
   * one past every old ReplicaSet's — when it is behind, as after `kubectl rollout undo` (the
   * revision it had is kept in `deployment.kubernetes.io/revision-history`).
   */
  private syncRevision(d: Stored<"Deployment">, rs: Stored<"ReplicaSet">, all: readonly Stored<"ReplicaSet">[]): Stored<"ReplicaSet"> {
    const newRevision = 1 + all.filter((x) => x !== rs).reduce((m, x) => Math.max(m, revisionOf(x)), 0);
    const annotations: Record<string, string> = { ...rs.metadata.annotations };
    let changed = false;
    for (const [k, v] of Object.entries(copiedAnnotations(d))) {
      if (annotations[k] !== v) {
        annotations[k] = v;
        changed = true;
      }
    }
    const current = rs.metadata.annotations?.[wellKnown.revision];
    if (revisionOf(rs) < newRevision) {
      annotations[wellKnown.revision] = String(newRevision);
      if (current !== undefined) annotations[REVISION_HISTORY] = annotations[REVISION_HISTORY] ? `${annotations[REVISION_HISTORY]},${current}` : current;
      changed = true;
    }
    if (!changed) return rs;
    const next: ReplicaSet = { ...clone<ReplicaSet>(rs), metadata: { ...clone<ReplicaSet["metadata"]>(rs.metadata), annotations } };
    return this.client.update(next, { admitted: true, detail: `revision ${current ?? "none"}→${annotations[wellKnown.revision]}` });
  }

  private createRS(d: Stored<"Deployment">, all: Stored<"ReplicaSet">[], replicas: number): Stored<"ReplicaSet"> {
    const template = clone<Deployment["spec"]["template"]>(d.spec.template);
    const hash = podTemplateHash(template, d.status?.collisionCount ?? 0);
    const revision = 1 + all.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
    const labels = { ...template.metadata?.labels, [wellKnown.podTemplateHash]: hash };
    template.metadata = { ...template.metadata, labels };
    const rs: ReplicaSet = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace!,
        labels,
        annotations: {
          ...copiedAnnotations(d),
          "deployment.kubernetes.io/desired-replicas": String(d.spec.replicas ?? 1),
          "deployment.kubernetes.io/max-replicas": String((d.spec.replicas ?? 1) + resolveFenceposts(d).surge),
          [wellKnown.revision]: String(revision),
        },
        ownerReferences: [ownerRef(d)],
      },
      spec: {
        replicas,
        selector: { ...clone<Deployment["spec"]["selector"]>(d.spec.selector), matchLabels: { ...d.spec.selector.matchLabels, [wellKnown.podTemplateHash]: hash } },
        template,
        ...(d.spec.minReadySeconds ? { minReadySeconds: d.spec.minReadySeconds } : {}),
      },
    };
    const created = this.client.create(rs);
    if (replicas > 0) this.api.events.record({ component: DEPLOYMENT_CONTROLLER }, d, "Normal", "ScalingReplicaSet", `Scaled up replica set ${created.metadata.name} from 0 to ${replicas}`);
    return created;
  }

  private scaleRS(rs: Stored<"ReplicaSet">, replicas: number): Stored<"ReplicaSet"> {
    const from = rs.spec.replicas ?? 0;
    const next = { ...clone<ReplicaSet>(rs), spec: { ...clone<ReplicaSet["spec"]>(rs.spec), replicas } };
    const owner = rs.metadata.ownerReferences?.find((o) => o.kind === "Deployment");
    if (owner && from !== replicas) {
      const d = { apiVersion: owner.apiVersion, kind: "Deployment" as const, metadata: { name: owner.name, namespace: rs.metadata.namespace, uid: owner.uid } };
      this.api.events.record({ component: DEPLOYMENT_CONTROLLER }, d, "Normal", "ScalingReplicaSet", `Scaled ${replicas > from ? "up" : "down"} replica set ${rs.metadata.name} from ${from} to ${replicas}`);
    }
    return this.client.update(next, { admitted: true, verb: "scale", detail: `replicas ${from}→${replicas}` });
  }

  /** Keep at most revisionHistoryLimit old, scaled-down ReplicaSets. */
  private cleanup(d: Stored<"Deployment">, old: Stored<"ReplicaSet">[]): void {
    const limit = d.spec.revisionHistoryLimit ?? 10;
    const idle = old.filter((rs) => (rs.spec.replicas ?? 0) === 0 && (rs.status?.replicas ?? 0) === 0);
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) this.client.delete("ReplicaSet", rs.metadata.namespace, rs.metadata.name!);
  }

  private syncStatus(d: Stored<"Deployment">, newRS: Stored<"ReplicaSet"> | undefined, all: Stored<"ReplicaSet">[]): void {
    const latest = all.map((rs) => this.replicaSets.get(cacheKey(rs)) ?? rs);
    const sum = (f: (rs: Stored<"ReplicaSet">) => number): number => latest.reduce((n, rs) => n + f(rs), 0);
    const replicas = sum((rs) => rs.status?.replicas ?? 0);
    const updated = newRS ? (this.replicaSets.get(cacheKey(newRS)) ?? newRS).status?.replicas ?? 0 : 0;
    const ready = sum((rs) => rs.status?.readyReplicas ?? 0);
    const available = sum((rs) => rs.status?.availableReplicas ?? 0);
    const want = d.spec.replicas ?? 1;
    const minAvailable = want - resolveFenceposts(d).unavailable;
    const complete = updated === want && replicas === want && available >= want;
    const now = this.ctx.timestamp();
    const prevCond = (t: string) => d.status?.conditions?.find((c) => c.type === t);
    const cond = (type: string, ok: boolean, reason: string, message: string) => {
      const status = ok ? ("True" as const) : ("False" as const);
      const prev = prevCond(type);
      return { type, status, reason, message, lastTransitionTime: prev?.status === status ? prev.lastTransitionTime! : now };
    };
    const status: NonNullable<Deployment["status"]> = {
      observedGeneration: d.metadata.generation ?? 1,
      replicas,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: available,
      unavailableReplicas: Math.max(0, want - available),
      conditions: [
        cond("Available", available >= minAvailable, available >= minAvailable ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable", available >= minAvailable ? "Deployment has minimum availability." : "Deployment does not have minimum availability."),
        cond("Progressing", true, complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated", `ReplicaSet "${newRS?.metadata.name ?? ""}" ${complete ? "has successfully progressed." : "is progressing."}`),
      ],
    };
    const s = d.status;
    const same =
      s &&
      s.observedGeneration === status.observedGeneration &&
      s.replicas === status.replicas &&
      s.updatedReplicas === status.updatedReplicas &&
      s.readyReplicas === status.readyReplicas &&
      s.availableReplicas === status.availableReplicas &&
      s.unavailableReplicas === status.unavailableReplicas &&
      (s.conditions ?? []).length === status.conditions!.length &&
      status.conditions!.every((c, i) => s.conditions![i]!.status === c.status && s.conditions![i]!.reason === c.reason && s.conditions![i]!.message === c.message);
    // SetDeploymentRevision: the Deployment carries its newest ReplicaSet's revision (kubectl rollout
    // undo patches /metadata/annotations, which must exist), written with the status.
    const revision = newRS?.metadata.annotations?.[wellKnown.revision];
    const annotations = revision !== undefined && d.metadata.annotations?.[wellKnown.revision] !== revision ? { ...d.metadata.annotations, [wellKnown.revision]: revision } : undefined;
    if (same && !annotations) return;
    this.client.updateStatus("Deployment", d.metadata.namespace, d.metadata.name!, status, `ready=${ready}/${want} updated=${updated}`, annotations);
  }
}

const REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
/** Annotations a Deployment does not pass on to its ReplicaSets (deployment/util annotationsToSkip). */
const NOT_COPIED = new Set(["kubectl.kubernetes.io/last-applied-configuration", wellKnown.revision, REVISION_HISTORY, "deployment.kubernetes.io/desired-replicas", "deployment.kubernetes.io/max-replicas", "deprecated.deployment.rollback.to"]);

/** The Deployment's annotations its ReplicaSets carry too (change-cause, a user's own). */
export function copiedAnnotations(d: { metadata: { annotations?: Readonly<Record<string, string>> } }): Record<string, string> {
  return Object.fromEntries(Object.entries(d.metadata.annotations ?? {}).filter(([k]) => !NOT_COPIED.has(k)));
}

function revisionOf(rs: Stored<"ReplicaSet">): number {
  return Number(rs.metadata.annotations?.[wellKnown.revision] ?? 0);
}

const templateKeys = new WeakMap<object, string>();

/** A ReplicaSet's template without the pod-template-hash label (memoised), to compare with its Deployment's. */
function templateKey(rs: Stored<"ReplicaSet">): string {
  let k = templateKeys.get(rs.spec.template);
  if (k === undefined) {
    const t = clone<ReplicaSet["spec"]["template"]>(rs.spec.template);
    if (t.metadata?.labels) delete t.metadata.labels[wellKnown.podTemplateHash];
    templateKeys.set(rs.spec.template, (k = stableStringify(t)));
  }
  return k;
}
