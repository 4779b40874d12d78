/**
 * The mutation detector `npm test` runs under (test/setup.ts): stored objects are deep-frozen, so a
 * component that edits an object it read from the API server fails at the write.
 */
import "../setup";
import { strict as assert } from "node:assert";
import { helloWorld, newCluster } from "../core/helpers";

describe("API server mutation detector (as client-go's, on while tests run)", () => {
  it("objects read back are frozen to the leaves: editing one throws, and the store is unchanged", () => {
    const c = newCluster();
    c.apply(helloWorld(2));
    c.settle();
    const pod = c.pods({ selector: { app: "hello" } })[0]!;
    assert.ok(Object.isFrozen(pod) && Object.isFrozen(pod.metadata) && Object.isFrozen(pod.metadata.labels));
    assert.throws(() => {
      (pod.metadata.labels as Record<string, string>)["edited"] = "yes";
    }, TypeError);
    assert.equal(c.pods({ selector: { app: "hello" } })[0]!.metadata.labels!["edited"], undefined);
  });

  it("an update gets new metadata: the object it replaced keeps its resourceVersion", () => {
    const c = newCluster();
    c.apply(helloWorld(2));
    c.settle();
    const before = c.get<"Deployment">("deployment/default/hello-world");
    const rv = before.metadata.resourceVersion;
    c.scale("deployment/hello-world", 3).settle();
    assert.equal(before.metadata.resourceVersion, rv);
    assert.notEqual(c.get<"Deployment">("deployment/default/hello-world").metadata.resourceVersion, rv);
  });
});
