/**
 * A component's connection to the API server, as client-go's clientset is for one component of
 * kube-controller-manager or the kubelet: it carries the component's name (what the trace shows
 * as the sender) and owns its rate limiter, so the server keeps no per-caller state.
 *
 * @example
 * ```ts
 * const client = api.client(RS_CONTROLLER, CONTROLLER_MANAGER_LIMIT);
 * client.create(pod);                 // traced as replicaset-controller -> kube-apiserver create pod/…
 * client.limiter!.readyAt(ctx.now);   // when its work queue may send again
 * ```
 */
import type { ApiServer, Stored, WatchHandler, WatchOptions } from "../apiserver/apiserver";
import type { Kind, ObjectOf } from "../api/types";
import type { TokenBucket } from "./ratelimit";

/** Who sends a request: a client, or a bare name for unthrottled callers (tests, the API server itself). */
export type Caller = string | { readonly name: string; readonly limiter?: TokenBucket | undefined };

export class ApiClient {
  constructor(
    private readonly server: ApiServer,
    /** The component's name in the trace (`replicaset-controller`, `kubelet@node-1`). */
    readonly name: string,
    /** Throttles this client's writes; undefined for an unthrottled client. */
    readonly limiter?: TokenBucket,
  ) {}

  get<K extends Kind>(kind: K, namespace: string | undefined, name: string): Stored<K> | undefined {
    return this.server.get(kind, namespace, name);
  }
  list<K extends Kind>(kind: K, namespace?: string): Stored<K>[] {
    return this.server.list(kind, namespace);
  }
  /** List, then watch: the items now, and `handler` for every later change. */
  watch<K extends Kind>(kind: K, handler: WatchHandler<K>, opts: WatchOptions = {}): Stored<K>[] {
    return this.server.watch(this.name, kind, handler, opts);
  }
  create<K extends Kind>(obj: ObjectOf<K>, opts: { admitted?: boolean; uid?: string } = {}): Stored<K> {
    return this.server.create(this, obj, opts);
  }
  update<K extends Kind>(obj: ObjectOf<K>, opts: { admitted?: boolean; verb?: string; detail?: string } = {}): Stored<K> {
    return this.server.update(this, obj, opts);
  }
  /** Write the status subresource (and, as the status strategies allow, annotations). */
  updateStatus<K extends Kind>(
    kind: K,
    namespace: string | undefined,
    name: string,
    status: NonNullable<ObjectOf<K> extends { status?: infer S } ? S : never>,
    detail = "",
    annotations?: Readonly<Record<string, string>>,
  ): Stored<K> {
    return this.server.updateStatus(this, kind, namespace, name, status, detail, annotations);
  }
  bind(namespace: string, name: string, nodeName: string): Stored<"Pod"> {
    return this.server.bind(this, namespace, name, nodeName);
  }
  delete(kind: Kind, namespace: string | undefined, name: string, opts: { gracePeriodSeconds?: number } = {}): void {
    this.server.delete(this, kind, namespace, name, opts);
  }
}
