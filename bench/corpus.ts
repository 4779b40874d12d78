/**
 * The long corpus run: at least 10,000 generated objects (fast-check) applied in random orders to
 * fresh clusters, settled and read. Reports objects, orders (runs), refusals and any crash,
 * shrunk to its smallest case.
 *
 *   npm run corpus -- [--objects 10000] [--seed 1]
 */
import fc from "fast-check";
import { corpusRun, runCorpus } from "../test/corpus/generate";

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const target = arg("--objects", 10_000);
const seed = arg("--seed", 1);
let objects = 0;
let runs = 0;
let applied = 0;
let refused = 0;
let deleted = 0;
let reads = 0;
const kinds = new Map<string, number>();
const start = Date.now();
const result = fc.check(
  fc.property(corpusRun(10, 40), (run) => {
    if (objects >= target) return; // target reached: the remaining runs are no-ops
    runs++;
    objects += run.steps.length;
    for (const s of run.steps) kinds.set(String(s.object["kind"]), (kinds.get(String(s.object["kind"])) ?? 0) + 1);
    const st = runCorpus(run, runs);
    applied += st.applied;
    refused += st.refused;
    deleted += st.deleted;
    reads += st.reads;
    if (runs % 25 === 0) console.error(`… ${runs} runs, ${objects} objects, ${((Date.now() - start) / 1000).toFixed(0)} s`);
  }),
  // Every run has at least 10 objects, so this many runs always reach the target.
  { seed, numRuns: Math.ceil(target / 10), endOnFailure: true },
);
console.log(`corpus: seed ${seed}, ${runs} runs (orders), ${objects} objects (${[...kinds].sort().map(([k, n]) => `${k} ${n}`).join(", ")})`);
console.log(`applied ${applied}, refused by validation ${refused}, deleted ${deleted}, reads ${reads}, ${((Date.now() - start) / 1000).toFixed(0)} s`);
if (result.failed) {
  console.log(`CRASH (shrunk): ${fc.stringify(result.counterexample)}\n${String(result.errorInstance)}`);
  process.exitCode = 1;
} else console.log("no crash");
