/**
 * client-go in miniature: informers (list + watch into a local cache, with event handlers) and
 * work queues (deduplicated keys processed one at a time) — the skeleton of every controller.
 *
 * @example
 * ```ts
 * const pods = new Informer(api.client("replicaset-controller"), "Pod");
 * pods.on({ add: (p) => queue.add(ownerKey(p)) });
 * pods.start();
 * ```
 */
import type { Stored, WatchEventType, WatchOptions } from "../apiserver/apiserver";
import { cacheKey } from "../api/meta";
import type { Kind } from "../api/types";
import type { SimContext } from "../sim/context";
import { type TokenBucket, traceThrottled } from "./ratelimit";
import type { ApiClient } from "./client";

export interface Handlers<K extends Kind> {
  add?(obj: Stored<K>): void;
  update?(obj: Stored<K>, old: Stored<K>): void;
  delete?(obj: Stored<K>): void;
}

export class Informer<K extends Kind> {
  /** Key → a slot holding the latest object: an update rewrites the slot (one map probe, not two). */
  private readonly store = new Map<string, { obj: Stored<K> }>();
  private readonly handlers: Handlers<K>[] = [];
  private started = false;

  constructor(
    /** The component's API client: the watch is traced as sent by it. */
    private readonly client: ApiClient,
    readonly kind: K,
    private readonly opts: WatchOptions = {},
  ) {}

  on(h: Handlers<K>): this {
    this.handlers.push(h);
    return this;
  }

  /** List, fill the cache (calling `add` for each), then watch. */
  start(): this {
    if (this.started) return this;
    this.started = true;
    const items = this.client.watch(this.kind, (t, o, old) => this.event(t, o, old), this.opts);
    for (const o of items) {
      this.store.set(cacheKey(o), { obj: o });
      for (const h of this.handlers) h.add?.(o);
    }
    return this;
  }

  private event(type: WatchEventType, obj: Stored<K>, old: Stored<K> | undefined): void {
    const key = cacheKey(obj);
    if (type === "DELETED") {
      this.store.delete(key);
      for (const h of this.handlers) h.delete?.(obj);
      return;
    }
    const slot = this.store.get(key);
    const prev = slot?.obj;
    if (slot) slot.obj = obj;
    else this.store.set(key, { obj });
    for (const h of this.handlers) {
      if (prev) h.update?.(obj, prev);
      else h.add?.(obj);
    }
    void old;
  }

  /** The cached object for `ns/name` (or `name`). */
  get(key: string): Stored<K> | undefined {
    return this.store.get(key)?.obj;
  }

  /** Every cached object (insertion order). */
  *list(): IterableIterator<Stored<K>> {
    for (const slot of this.store.values()) yield slot.obj;
  }

  get size(): number {
    return this.store.size;
  }
}

/** A client's rate limiter as a work queue sees it: its bucket and the client's trace name. */
export interface QueueLimiter {
  client: string;
  bucket: TokenBucket;
}

/**
 * A work queue of keys: a key added several times before it is processed is processed once (the
 * dedup that keeps controllers cheap under bursts of events).
 *
 * With a limiter, the queue's single worker waits while its client is throttled: keys wait in
 * FIFO order (still deduplicated) until the client's token bucket allows a request again.
 */
export class WorkQueue {
  private readonly queued = new Set<string>();
  private readonly delayed = new Map<string, number>();
  /** Keys that became due while the client was throttled, in order; `head` is the next one. */
  private waiting: string[] = [];
  private head = 0;
  private pumping = false;

  constructor(
    private readonly ctx: SimContext,
    readonly name: string,
    private readonly process: (key: string) => void,
    /** Virtual ms between an add and its processing: the controller's reaction time. */
    private readonly delayMs = 0,
    private readonly limiter?: QueueLimiter,
  ) {}

  add(key: string): void {
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.ctx.loop.after(this.delayMs, this.name, () => this.due(key));
  }

  private due(key: string): void {
    if (this.limiter && (this.head < this.waiting.length || this.limiter.bucket.readyAt(this.ctx.now) > this.ctx.now)) {
      this.waiting.push(key);
      this.schedulePump();
      return;
    }
    this.queued.delete(key);
    this.process(key);
  }

  private schedulePump(): void {
    if (this.pumping) return;
    this.pumping = true;
    const wait = this.limiter!.bucket.readyAt(this.ctx.now) - this.ctx.now;
    traceThrottled(this.ctx, this.limiter!.client, wait);
    this.ctx.loop.after(wait, this.name, () => this.pump());
  }

  /** Process waiting keys while the bucket allows, then wait again if some are left. */
  private pump(): void {
    this.pumping = false;
    const bucket = this.limiter!.bucket;
    while (this.head < this.waiting.length && bucket.readyAt(this.ctx.now) <= this.ctx.now) {
      const key = this.waiting[this.head++]!;
      this.queued.delete(key);
      this.process(key);
    }
    if (this.head < this.waiting.length) {
      // A controller that stays throttled never empties its queue: drop the processed prefix now and then.
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting = this.waiting.slice(this.head);
        this.head = 0;
      }
      this.schedulePump();
    } else {
      this.waiting = [];
      this.head = 0;
    }
  }

  /** Re-add a key after a delay (e.g. to re-check when minReadySeconds or a grace period passes). */
  addAfter(key: string, ms: number): void {
    const due = this.ctx.now + ms;
    const prev = this.delayed.get(key);
    if (prev !== undefined && prev <= due) return;
    this.delayed.set(key, due);
    this.ctx.loop.after(ms, this.name, () => {
      if (this.delayed.get(key) === due) this.delayed.delete(key);
      this.add(key);
    });
  }

  get length(): number {
    return this.queued.size;
  }
}
