import { strict as assert } from "node:assert";
import { SnapshotList } from "../../src/proxy/snapshot";

describe("SnapshotList (kube-proxy's O(1) sync snapshots)", () => {
  it("reads back the entries as they were at the snapshot, in Map order", () => {
    const l = new SnapshotList<string>();
    l.set("a", "A1");
    l.set("b", "B1");
    l.set("c", "C1");
    const read = l.snapshot();
    l.set("a", "A2"); // changed after: the snapshot still shows A1
    l.delete("b"); // deleted after: still there, in place
    l.set("d", "D1"); // added after: absent
    l.set("a", "A3");
    assert.deepEqual(read(), ["A1", "B1", "C1"]);
    const next = l.snapshot();
    assert.deepEqual(next(), ["A3", "C1", "D1"]);
    l.set("b", "B2"); // re-added: goes to the end, like a Map
    assert.deepEqual(l.snapshot()(), ["A3", "C1", "D1", "B2"]);
  });

  it("refuses to read a snapshot older than the latest", () => {
    const l = new SnapshotList<number>();
    l.set("x", 1);
    const old = l.snapshot();
    l.snapshot();
    assert.throws(() => old(), /only the latest snapshot/);
  });

  it("matches a copied Map through many random changes, compaction included", () => {
    const l = new SnapshotList<number>();
    const m = new Map<string, number>();
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
    for (let round = 0; round < 200; round++) {
      const copy = [...m.values()];
      const read = l.snapshot();
      for (let i = 0; i < 50; i++) {
        const k = `k${rnd(40)}`;
        if (rnd(3) === 0) {
          m.delete(k);
          l.delete(k);
        } else {
          const v = rnd(1000);
          m.set(k, v);
          l.set(k, v);
        }
      }
      assert.deepEqual(read(), copy, `round ${round}`);
    }
  });
});
