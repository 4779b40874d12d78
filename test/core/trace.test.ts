import { strict as assert } from "node:assert";
import { Trace } from "../../src/sim/trace";

describe("the trace's columnar storage", () => {
  it("gives back every field as recorded, details in any script, across buffer growth and splitOff", () => {
    const tr = new Trace();
    const details = ["", "rev=1", "phase=Running podIP=10.244.1.7 ready=true", "→ ünïcödé 🚀", "x".repeat(100_000), ""];
    const want = [];
    for (let i = 0; i < 5000; i++) {
      const d = details[i % details.length]!;
      tr.record(i, `from-${i % 7}`, "kube-apiserver", i % 2 ? "watch" : "create", `pod/default/p-${i % 13}`, d);
      want.push({ seq: i, t: i, from: `from-${i % 7}`, to: "kube-apiserver", verb: i % 2 ? "watch" : "create", object: `pod/default/p-${i % 13}`, detail: d });
    }
    assert.deepEqual(tr.events, want);
    const mark = tr.mark();
    const before = tr.splitOff();
    assert.deepEqual(before.events, want);
    tr.record(1, "a", "b", "c", "d", "ünï");
    assert.deepEqual(tr.since(mark).events, [{ seq: 5000, t: 1, from: "a", to: "b", verb: "c", object: "d", detail: "ünï" }]);
  });
});
