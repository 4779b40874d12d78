import { strict as assert } from "node:assert";
import { TokenBucket, throttledMessage } from "../../src/client/ratelimit";
import { helloWorld, newCluster } from "./helpers";

describe("client-side rate limiting (client-go token bucket)", () => {
  it("lets a burst through, then one request per 1/qps seconds, lending to a sync that overdraws", () => {
    const b = new TokenBucket(20, 30);
    for (let i = 0; i < 30; i++) b.take(0);
    assert.equal(b.readyAt(0), 50, "empty bucket: the next token in 1/20 s");
    for (let i = 0; i < 10; i++) b.take(0);
    assert.equal(b.readyAt(0), 550, "10 owed + 1 needed at 20 per second");
    assert.equal(b.readyAt(550), 550);
    assert.equal(b.readyAt(10_000_000), 10_000_000, "refills, but never beyond the burst");
    for (let i = 0; i < 30; i++) b.take(10_000_000);
    assert.equal(b.readyAt(10_000_000), 10_000_050);
  });

  it("prints klog's message", () => {
    assert.equal(throttledMessage(1050), "Waited for 1.05s due to client-side throttling, not priority and fairness");
  });

  it("a Deployment of 200 replicas fills up at the ReplicaSet controller's 20 QPS after its burst of 30", () => {
    const c = newCluster({ nodes: 4, nodeResources: { pods: 110, cpu: "32", memory: "128Gi" } });
    const mark = c.trace.mark();
    c.apply(helloWorld(200));
    c.settle();
    const creates = c.trace.since(mark).filter({ component: "replicaset-controller", verb: "create" }).events;
    assert.equal(creates.length, 200);
    const throttled = c.trace.since(mark).filter({ component: "replicaset-controller", verb: "throttled" }).events;
    assert.ok(throttled.length > 0, "the controller waited at least once");
    assert.match(throttled[0]!.detail, /^Waited for [\d.]+s due to client-side throttling, not priority and fairness$/);
    // 200 creates (plus status updates) from one client: at least (200 - 30) / 20 = 8.5 s from first to last.
    const span = creates[creates.length - 1]!.t - creates[0]!.t;
    assert.ok(span >= 8500, `creates spread over ${span} ms`);
    assert.equal(c.pods({ selector: { app: "hello" } }).filter((p) => p.status?.phase === "Running").length, 200);
    // The scheduler's own client (50 QPS, burst 100) throttles its binds too.
    const binds = c.trace.since(mark).filter({ component: "kube-scheduler", verb: "bind" }).events;
    assert.equal(binds.length, 200);
  });

  it("a small Deployment is never throttled: lessons see the control loop at full speed", () => {
    const c = newCluster();
    const mark = c.trace.mark();
    c.apply(helloWorld(10));
    c.settle();
    assert.equal(c.trace.since(mark).filter({ verb: "throttled" }).events.length, 0);
  });
});
