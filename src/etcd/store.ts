/**
 * etcd in miniature: a versioned key-value store with one global revision, as the API server sees it.
 *
 * Every write bumps the revision; the stored object's `metadata.resourceVersion` is the revision
 * of its last write (mod revision), exactly how Kubernetes derives resourceVersion from etcd.
 *
 * @example
 * ```ts
 * const etcd = new Etcd();
 * etcd.put("/registry/pods/default/web", pod); // revision 1
 * etcd.get("/registry/pods/default/web")?.modRevision; // 1
 * ```
 */
/** A key's current record (live: a later write to the key updates it). */
export interface KeyValue<V> {
  key: string;
  value: V;
  createRevision: number;
  modRevision: number;
  /** Number of writes since creation (etcd's `version`). */
  version: number;
}

export class Etcd<V = unknown> {
  private data = new Map<string, KeyValue<V>>();
  /** The store's current revision (0 before any write). */
  revision = 0;

  get(key: string): KeyValue<V> | undefined {
    return this.data.get(key);
  }

  /** Write a value; returns the new revision. The key's record is updated in place (one map probe per write). */
  put(key: string, value: V): number {
    const rev = ++this.revision;
    const kv = this.data.get(key);
    if (kv) {
      kv.value = value;
      kv.modRevision = rev;
      kv.version++;
    } else this.data.set(key, { key, value, createRevision: rev, modRevision: rev, version: 1 });
    return rev;
  }

  /** Delete a key; returns the new revision, or undefined if it did not exist. */
  delete(key: string): number | undefined {
    if (!this.data.delete(key)) return undefined;
    return ++this.revision;
  }

  /** Every key-value under a prefix, in key order (etcd range reads are sorted). */
  range(prefix: string): KeyValue<V>[] {
    const out: KeyValue<V>[] = [];
    for (const kv of this.data.values()) if (kv.key.startsWith(prefix)) out.push(kv);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  get size(): number {
    return this.data.size;
  }
}
