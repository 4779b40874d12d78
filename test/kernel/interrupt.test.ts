/**
 * A learner can always stop a cell: an interrupt (`interrupt_request`, as the kernelspec declares, or
 * SIGINT) stops any synchronous JavaScript a cell runs — its own loops, package code, `.mjs` imports,
 * regular expressions, kubelab's long calls — and the variables of earlier cells survive; an interrupted
 * `settle()` or `advance()` leaves a cluster that resumes as if it had never been stopped.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KernelClient } from "../../tools/course/jupyter-client";
import { first } from "./messages";

const EXECUTE = { silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true };
/** No reply this long after an interrupt means the interrupt did not stop the cell. */
const REPLY_BOUND_MS = 20_000;

type Interrupter = (k: KernelClient) => Promise<void>;
const interrupters: [string, Interrupter][] = [
  ["interrupt_request", async (k) => assert.equal((await k.request("control", "interrupt_request", {})).content["status"], "ok")],
  ["SIGINT", async (k) => void k.proc.kill("SIGINT")],
];

/** A cluster whose settle() takes seconds: 20 nodes start 2,000 pods (about 32,000 tasks). */
const BIG_CLUSTER = 'const big = new Cluster({ nodes: 20, clusterCIDR: "10.0.0.0/8" });\nbig.kubectl("create deployment web --image=nginx --replicas=2000");';

/** Busy cells, each with a cell run first that prepares it (imports, a cluster). */
const cases: { name: string; setup: string; busy: string }[] = [
  { name: "a busy loop in the cell", setup: "", busy: "for (;;) {}" },
  { name: "a busy loop in an npm package", setup: 'import { spin } from "busy-loop";', busy: "spin();" },
  { name: "a busy loop in a local .mjs import", setup: 'import { spinMjs } from "./spin.mjs";', busy: "spinMjs();" },
  { name: "a busy loop in a local .js import", setup: 'import { spinJs } from "./spin.js";', busy: "spinJs();" },
  { name: "a catastrophic regular expression", setup: "const evil = /^(a+)+$/;", busy: 'evil.test("a".repeat(64) + "b");' },
  {
    // 60,000 nodes take about 10 s to bootstrap (a million would be refused at once: no pod CIDRs for them).
    name: "kubelab: new Cluster(...) with 60,000 nodes",
    setup: 'import { Cluster } from "kubelab";',
    busy: 'const huge = new Cluster({ nodes: 60_000, clusterCIDR: "10.0.0.0/8" });',
  },
  {
    name: "kubelab: cluster.settle() of a 2,000-pod Deployment",
    setup: `import { Cluster } from "kubelab";\n${BIG_CLUSTER}`,
    busy: "big.settle();",
  },
  {
    name: "kubelab: cluster.advance(ms) over a 2,000-pod Deployment's start",
    setup: `import { Cluster } from "kubelab";\n${BIG_CLUSTER}`,
    busy: "big.advance(3_600_000);",
  },
  {
    name: "kubelab: a huge traffic()",
    setup: 'import { Cluster } from "kubelab";\nconst small = new Cluster({ nodes: 1 }).settle();',
    busy: 'small.traffic({ from: "node/node-1", to: "10.96.0.1:443", connections: 1e12 });',
  },
];

describe("kubelab kernel: an interrupt stops any synchronous code and keeps the state", function () {
  this.timeout(300_000);
  let k: KernelClient;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-interrupt-"));
    fs.mkdirSync(path.join(dir, "node_modules", "busy-loop"), { recursive: true });
    fs.writeFileSync(path.join(dir, "node_modules", "busy-loop", "package.json"), JSON.stringify({ name: "busy-loop", version: "1.0.0", main: "index.js" }));
    fs.writeFileSync(path.join(dir, "node_modules", "busy-loop", "index.js"), "exports.spin = function spin() { for (;;) {} };\n");
    fs.writeFileSync(path.join(dir, "spin.mjs"), "export function spinMjs() { for (;;) {} }\n");
    fs.writeFileSync(path.join(dir, "spin.js"), "export function spinJs() { for (;;) {} }\n");
    k = await KernelClient.start({ cwd: dir });
  });
  after(async () => {
    await k?.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  let n = 0;
  for (const [how, interrupt] of interrupters) {
    for (const c of cases) {
      it(`${how} stops ${c.name}`, async () => {
        const name = `kept${++n}`;
        const setup = await k.execute(`${c.setup}\nconst ${name} = ${n};`);
        assert.equal(setup.reply.content["status"], "ok", JSON.stringify(setup.reply.content));
        const busy = k.request("shell", "execute_request", { ...EXECUTE, code: c.busy }, REPLY_BOUND_MS + 2000);
        await new Promise((r) => setTimeout(r, 500));
        await interrupt(k);
        const reply = await busy;
        assert.equal(reply.content["status"], "error");
        assert.equal(reply.content["ename"], "KeyboardInterrupt");
        const after = await k.execute(`${name} * 10`);
        assert.equal((first(after.iopub, "execute_result").content["data"] as Record<string, string>)["text/plain"], String(n * 10));
      });
    }
  }

  // A SIGINT from outside reaches Node's watchdog, which stops the call wherever it is; interrupt_request
  // lets kubelab's event loop stop between two tasks, where the simulation is consistent.
  for (const call of ["big.settle();", "big.advance(3_600_000);"]) {
    it(`interrupt_request stops ${call} between two tasks: resumed, the cluster ends exactly as if never interrupted`, async () => {
      assert.equal((await k.execute(`import { Cluster } from "kubelab";\n${BIG_CLUSTER}`)).reply.content["status"], "ok");
      const busy = k.request("shell", "execute_request", { ...EXECUTE, code: call }, REPLY_BOUND_MS + 2000);
      await new Promise((r) => setTimeout(r, 500));
      await interrupters[0]![1](k);
      const reply = await busy;
      assert.equal(reply.content["ename"], "KeyboardInterrupt", JSON.stringify(reply.content));
      const resumed = await k.execute(
        [
          "big.settle();",
          "const ref = new Cluster({ nodes: 20, clusterCIDR: \"10.0.0.0/8\" });",
          'ref.kubectl("create deployment web --image=nginx --replicas=2000");',
          "ref.settle();",
          "[big.now === ref.now, JSON.stringify(big.snapshot()) === JSON.stringify(ref.snapshot()), big.pods().filter((p) => p.status?.phase === \"Running\").length]",
        ].join("\n"),
      );
      assert.equal((first(resumed.iopub, "execute_result").content["data"] as Record<string, string>)["text/plain"], "[ true, true, 2000 ]", JSON.stringify(resumed.reply.content));
      // The event loop stopped itself (a SIGINT's traceback has no frame): the traceback names the cell's line, not the loop's internals.
      assert.deepEqual((reply.content["traceback"] as string[]).filter((l) => /^\s+at /.test(l)).map((l) => l.replace(/In\[\d+\]/, "In[n]")), ["    at In[n]:1:5"]);
    });
  }

  it("an interrupted cell that awaited timers prints nothing into the cells after it", async () => {
    const busy = k.request("shell", "execute_request", { ...EXECUTE, code: 'setInterval(() => console.log("tick"), 100);\nawait new Promise((r) => setTimeout(r, 60_000));' }, REPLY_BOUND_MS);
    await new Promise((r) => setTimeout(r, 500));
    await interrupters[0]![1](k);
    assert.equal((await busy).content["ename"], "KeyboardInterrupt");
    const next = await k.execute('await new Promise((r) => setTimeout(r, 1500));\n"quiet"');
    const streams = next.iopub.filter((m) => m.header.msg_type === "stream").map((m) => String(m.content["text"]));
    assert.deepEqual(streams, [], "no tick from the interrupted cell");
    assert.equal((first(next.iopub, "execute_result").content["data"] as Record<string, string>)["text/plain"], "'quiet'");
  });

  it("an interrupt while idle stops the intervals finished cells left running", async () => {
    assert.equal((await k.execute('setInterval(() => console.log("background"), 50);\nsetTimeout(function again() { console.log("chain"); setTimeout(again, 50); }, 50);')).reply.content["status"], "ok");
    await new Promise((r) => setTimeout(r, 300));
    await interrupters[0]![1](k);
    await new Promise((r) => setTimeout(r, 200));
    const next = await k.execute('await new Promise((r) => setTimeout(r, 800));\n"still"');
    const streams = next.iopub.filter((m) => m.header.msg_type === "stream").map((m) => String(m.content["text"]));
    assert.deepEqual(streams.filter((t) => /background|chain/.test(t)), [], "the interval and the timer chain stopped");
    assert.equal(next.reply.content["status"], "ok");
  });

  it("a SIGINT while idle, after cells ran, interrupts nothing and does not end the kernel", async () => {
    assert.equal((await k.execute("const idle = 1;")).reply.content["status"], "ok");
    k.proc.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(k.proc.exitCode, null, k.stderr);
    const after = await k.execute("idle + 1");
    assert.equal(after.reply.content["status"], "ok");
    assert.equal((first(after.iopub, "execute_result").content["data"] as Record<string, string>)["text/plain"], "2");
  });
});
