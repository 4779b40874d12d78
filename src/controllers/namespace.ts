/**
 * The namespace controller: empties a namespace marked for deletion (every object in it is
 * deleted, pods gracefully), then removes the Namespace itself.
 *
 * @example
 * ```ts
 * new NamespaceController(ctx, api).start();
 * ```
 */
import type { ApiServer, Stored } from "../apiserver/apiserver";
import { Informer, WorkQueue } from "../client/informer";
import { CONTROLLER_MANAGER_LIMIT } from "../client/ratelimit";
import { kinds } from "../api/meta";
import type { SimContext } from "../sim/context";
import type { ApiClient } from "../client/client";

export const NAMESPACE_CONTROLLER = "namespace-controller";

export class NamespaceController {
  readonly namespaces: Informer<"Namespace">;
  private readonly queue: WorkQueue;

  /** This component's API client: its name in the trace and its rate limiter. */
  private readonly client: ApiClient;
  constructor(
    ctx: SimContext,
    private readonly api: ApiServer,
  ) {
    this.client = api.client(NAMESPACE_CONTROLLER, CONTROLLER_MANAGER_LIMIT);
    this.namespaces = new Informer(this.client, "Namespace");
    this.queue = new WorkQueue(ctx, "namespace sync", (k) => this.sync(k), 0, { client: NAMESPACE_CONTROLLER, bucket: this.client.limiter! });
    const ev = (n: Stored<"Namespace">): void => {
      if (n.metadata.deletionTimestamp) this.queue.add(n.metadata.name!);
    };
    this.namespaces.on({ add: ev, update: ev });
  }

  start(): void {
    this.namespaces.start();
  }

  private sync(name: string): void {
    const ns = this.namespaces.get(name);
    if (!ns?.metadata.deletionTimestamp) return;
    let remaining = 0;
    for (const k of kinds) {
      if (!k.namespaced) continue;
      for (const o of this.api.list(k.kind, name)) {
        remaining++;
        if (!o.metadata.deletionTimestamp) this.client.delete(k.kind, name, o.metadata.name!);
      }
    }
    // Pods take their grace period to go away: look again in a second.
    if (remaining > 0) this.queue.addAfter(name, 1000);
    else this.client.delete("Namespace", undefined, name);
  }
}
