import { strict as assert } from "node:assert";
import fc from "fast-check";
import { corpusRun, runCorpus } from "./generate";

/**
 * The generated corpus never crashes the simulation: valid objects of every kind, applied in
 * random order with settles and deletes in between, then every read (rules, DNS, endpoints,
 * tables, traffic). Only a validation error (ApplyError) may be thrown. Seeded, so the same
 * objects every run; the long run is `npm run corpus` (bench/corpus.ts).
 */
describe("generated corpus (fast-check, seeded)", () => {
  it("a few hundred objects in random orders: no exception but validation errors", function () {
    this.timeout(600_000);
    let objects = 0;
    fc.assert(
      fc.property(corpusRun(10, 30), (run) => {
        objects += run.steps.length;
        runCorpus(run);
      }),
      { seed: 20261204, numRuns: 16, endOnFailure: false },
    );
    assert.ok(objects >= 200, `only ${objects} objects generated`);
  });

  // Crashes the corpus found, shrunk by fast-check, kept as regressions.
  const svc = (spec: Record<string, unknown>): Record<string, unknown> => ({ apiVersion: "v1", kind: "Service", metadata: { name: "db" }, spec });
  const regressions: { name: string; run: Parameters<typeof runCorpus>[0] }[] = [
    {
      // The EndpointSlice controller updated the old Service's slice, already deleted by the garbage collector (NotFoundError).
      name: "a Service deleted and created again before its slices' deletion reached the EndpointSlice controller",
      run: {
        proxyMode: "iptables",
        steps: [
          { object: svc({ selector: { app: "web" }, clusterIP: "None", ports: [{ port: 53 }] }), settle: true, deleteAfter: true },
          { object: svc({ selector: { app: "web" }, ports: [{ port: 53 }] }), settle: false, deleteAfter: false },
        ],
      },
    },
  ];
  for (const r of regressions) it(`regression: ${r.name}`, () => void runCorpus(r.run));
});
