/**
 * The garbage collector (pkg/controller/garbagecollector): when an owner is deleted, its
 * dependents (objects whose ownerReferences name it) are deleted too — background cascading
 * deletion, which is how deleting a Deployment removes its ReplicaSets and then their pods.
 *
 * @example
 * ```ts
 * new GarbageCollector(ctx, api).start();
 * ```
 */
import type { ApiServer } from "../apiserver/apiserver";
import { Informer } from "../client/informer";
import type { Kind } from "../api/types";
import type { SimContext } from "../sim/context";
import type { ApiClient } from "../client/client";

export const GARBAGE_COLLECTOR = "garbage-collector";

/** Kinds that own other objects in this simulation. */
const ownerKinds: Kind[] = ["Deployment", "ReplicaSet", "Service"];

export class GarbageCollector {
  private readonly informers: Informer<Kind>[];

  /** This component's API client: its name in the trace. */
  private readonly client: ApiClient;
  constructor(
    private readonly ctx: SimContext,
    private readonly api: ApiServer,
  ) {
    this.client = api.client(GARBAGE_COLLECTOR);
    this.informers = ownerKinds.map((k) =>
      new Informer<Kind>(this.client, k).on({ delete: (o) => this.ctx.loop.soon("garbage collect", () => this.collect(o.metadata.uid!)) }),
    );
  }

  start(): void {
    for (const i of this.informers) i.start();
  }

  private collect(uid: string): void {
    for (const d of this.api.dependentsOf(uid)) {
      if (d.metadata.deletionTimestamp) continue;
      // Only delete when no other live owner remains (an object may have several owners).
      const others = (d.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
      if (others.length > 0) continue;
      this.client.delete(d.kind, d.metadata.namespace, d.metadata.name!);
    }
  }
}
