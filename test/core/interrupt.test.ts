/**
 * The simulation stops between two steps when a host (the kubelab kernel) asks, and resumes where it
 * stopped: the interrupt host contract of `src/sim/interrupt.ts`, without a kernel.
 */
import { strict as assert } from "node:assert";
import { EventLoop } from "../../src/sim/loop";
import { INTERRUPT_HOST, type InterruptHost } from "../../src/sim/interrupt";
import { helloWorld, newCluster } from "./helpers";

/** Installs a host whose poll throws on its `stopAt`-th call, and which counts how deep the polling sections are. */
function installHost(stopAt: number): { depth: () => number; remove: () => void } {
  let polls = 0;
  let depth = 0;
  const host: InterruptHost = {
    poll: () => {
      if (++polls === stopAt) throw Object.assign(new Error("Execution interrupted"), { name: "KeyboardInterrupt" });
    },
    enter: () => void depth++,
    leave: () => void depth--,
  };
  (globalThis as { [INTERRUPT_HOST]?: InterruptHost })[INTERRUPT_HOST] = host;
  return { depth: () => depth, remove: () => delete (globalThis as { [INTERRUPT_HOST]?: InterruptHost })[INTERRUPT_HOST] };
}

describe("interrupting the simulation between two steps", () => {
  const cases: { name: string; run: (loop: EventLoop) => void; clockAfterStop: number }[] = [
    { name: "settle()", run: (l) => l.settle(), clockAfterStop: 20 },
    // The clock stays at the last task run, not at now + ms: advance() did not get that far.
    { name: "advance(ms)", run: (l) => l.advance(1000), clockAfterStop: 20 },
  ];
  for (const c of cases) {
    it(`${c.name} stops before the task after the poll that throws, and runs every task exactly once when resumed`, () => {
      const loop = new EventLoop();
      const ran: number[] = [];
      for (let i = 1; i <= 5; i++) loop.after(10 * i, `task ${i}`, () => ran.push(i));
      const h = installHost(3);
      try {
        assert.throws(() => c.run(loop), { name: "KeyboardInterrupt" });
        assert.deepEqual(ran, [1, 2]);
        assert.equal(loop.now, c.clockAfterStop);
        assert.equal(h.depth(), 0, "the polling section was left");
        c.run(loop);
        assert.deepEqual(ran, [1, 2, 3, 4, 5]);
      } finally {
        h.remove();
      }
    });
  }

  it("a cluster settled in two halves ends exactly as one settled at once", () => {
    const whole = newCluster({ nodes: 2 });
    whole.apply(helloWorld(20));
    whole.settle();
    const halves = newCluster({ nodes: 2 });
    halves.apply(helloWorld(20));
    const h = installHost(200);
    try {
      assert.throws(() => halves.settle(), { name: "KeyboardInterrupt" });
    } finally {
      h.remove();
    }
    assert.ok(halves.now < whole.now, "stopped before the end");
    halves.settle();
    assert.equal(halves.now, whole.now);
    assert.deepEqual(halves.snapshot(), whole.snapshot());
  });
});
