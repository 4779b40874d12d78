/**
 * The kubelab kernel over the wire: a real kernel process, spoken to by a small ZeroMQ client, pinning each
 * message kind of the Jupyter messaging protocol the kernel implements.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KernelClient } from "../../tools/course/jupyter-client";
import { first, streamText } from "./messages";
import type { Message } from "../../kernel/wire";

const types = (msgs: Message[]): string[] => msgs.map((m) => m.header.msg_type).filter((t) => t !== "status");

describe("kubelab kernel protocol", function () {
  this.timeout(120_000);
  let k: KernelClient;
  before(async () => {
    k = await KernelClient.start();
  });
  after(async () => {
    await k?.shutdown();
  });

  it("kernel_info_reply carries status, protocol version and the engine's real TypeScript version", async () => {
    const reply = await k.request("shell", "kernel_info_request", {});
    const c = reply.content;
    assert.equal(reply.header.msg_type, "kernel_info_reply");
    assert.equal(c["status"], "ok");
    assert.match(String(c["protocol_version"]), /^5\.(3|[4-9])/);
    // The `typescript` package checks cells (not tslab's TypeScript 5.0 fork).
    const tsVersion = (require("typescript/package.json") as { version: string }).version;
    assert.match(tsVersion, /^5\.9\./);
    assert.deepEqual(c["language_info"], {
      name: "typescript",
      version: tsVersion,
      mimetype: "text/typescript",
      file_extension: ".ts",
      pygments_lexer: "typescript",
      codemirror_mode: { name: "javascript", typescript: true },
      nbconvert_exporter: "script",
    });
    assert.ok(Array.isArray(c["help_links"]) && (c["help_links"] as unknown[]).length > 0);
    // The control channel answers too (it is served by the protocol thread).
    assert.equal((await k.request("control", "kernel_info_request", {})).content["status"], "ok");
  });

  it("execute: execute_input, stream and execute_result with the reply's execution_count", async () => {
    const { reply, iopub } = await k.execute('console.log("to stdout"); console.error("to stderr"); 40 + 2');
    assert.equal(reply.content["status"], "ok");
    const count = reply.content["execution_count"];
    assert.deepEqual(types(iopub), ["execute_input", "stream", "stream", "execute_result"]);
    assert.equal(first(iopub, "execute_input").content["execution_count"], count);
    assert.equal(streamText(iopub, "stdout"), "to stdout\n");
    assert.equal(streamText(iopub, "stderr"), "to stderr\n");
    assert.deepEqual(first(iopub, "execute_result").content, { execution_count: count, data: { "text/plain": "42" }, metadata: {} });
  });

  it("user_expressions: each evaluated after the cell, a rich bundle or its own error", async () => {
    const { reply } = await k.execute("const answerBase = 41;", {
      user_expressions: { sum: "answerBase + 1", table: '({ [Symbol.for("Jupyter.display")]() { return { "text/html": "<i>x</i>", "text/plain": "x" }; } })', bad: "notDefinedAnywhere" },
    });
    assert.equal(reply.content["status"], "ok");
    const ue = reply.content["user_expressions"] as Record<string, Record<string, unknown>>;
    assert.deepEqual(ue["sum"], { status: "ok", data: { "text/plain": "42" }, metadata: {} });
    assert.deepEqual(ue["table"]!["data"], { "text/html": "<i>x</i>", "text/plain": "x" });
    assert.equal(ue["bad"]!["status"], "error");
    assert.equal(ue["bad"]!["ename"], "TSError");
    assert.match(String(ue["bad"]!["evalue"]), /Cannot find name 'notDefinedAnywhere'/);
    // The expressions neither count as executions nor leave output in the notebook.
    const next = await k.execute("1");
    assert.equal(next.reply.content["execution_count"], (reply.content["execution_count"] as number) + 1);
  });

  it("renders the last value through Symbol.for('Jupyter.display'), sync and async", async () => {
    const sync = await k.execute('({ [Symbol.for("Jupyter.display")]() { return { "text/html": "<b>t</b>", "text/plain": "t" }; } })');
    assert.deepEqual(first(sync.iopub, "execute_result").content["data"], { "text/html": "<b>t</b>", "text/plain": "t" });
    const asyncR = await k.execute('({ async [Symbol.for("Jupyter.display")]() { return { "application/vnd.vegalite.v5+json": { mark: "bar" }, "text/plain": "chart" }; } })');
    assert.deepEqual(first(asyncR.iopub, "execute_result").content["data"], { "application/vnd.vegalite.v5+json": { mark: "bar" }, "text/plain": "chart" });
    const plain = await k.execute("new Map([[1, { a: [1, 2] }]])");
    assert.equal(first(plain.iopub, "execute_result").content["data"] && (first(plain.iopub, "execute_result").content["data"] as Record<string, string>)["text/plain"], "Map(1) { 1 => { a: [ 1, 2 ] } }");
    const none = await k.execute("undefined");
    assert.deepEqual(types(none.iopub), ["execute_input"]);
  });

  it("an anonymous function or class as the last value shows as in Node's REPL, a named one by its name", async () => {
    const text = async (code: string): Promise<string> => (first((await k.execute(code)).iopub, "execute_result").content["data"] as Record<string, string>)["text/plain"]!;
    assert.equal(await text("() => 1"), "[Function (anonymous)]");
    assert.equal(await text("(function () {})"), "[Function (anonymous)]");
    assert.equal(await text("(function named() {})"), "[Function: named]");
    assert.equal(await text("(class {})"), "[class (anonymous)]");
  });

  it("a top-level `using` is disposed when the cell ends, and the cell still shows its last value", async () => {
    const sync = await k.execute('using conn = { port: 3, [Symbol.dispose]() { console.log("closed", this.port); } };\nconst base = 5;\nbase + conn.port');
    assert.equal(sync.reply.content["status"], "ok", JSON.stringify(sync.reply.content));
    assert.deepEqual(types(sync.iopub), ["execute_input", "stream", "execute_result"]);
    assert.equal(streamText(sync.iopub), "closed 3\n");
    assert.equal((first(sync.iopub, "execute_result").content["data"] as Record<string, string>)["text/plain"], "8");
    const later = await k.execute("base * 2");
    assert.equal((first(later.iopub, "execute_result").content["data"] as Record<string, string>)["text/plain"], "10");
    const async = await k.execute('await using lease = { async [Symbol.asyncDispose]() { console.log("released"); } };\nawait Promise.resolve("held")');
    assert.deepEqual(types(async.iopub), ["execute_input", "stream", "execute_result"]);
    assert.equal(streamText(async.iopub), "released\n");
    assert.equal((first(async.iopub, "execute_result").content["data"] as Record<string, string>)["text/plain"], "'held'");
  });

  it("display(), update_display_data with display_id, and clearOutput()", async () => {
    const { reply, iopub } = await k.execute(
      'display({ x: 1 });\ndisplay({ "text/markdown": "**a**" }, { raw: true, id: "slot" });\ndisplay({ "text/plain": "b" }, { raw: true, id: "slot", update: true });\nclearOutput(true);',
    );
    assert.equal(reply.content["status"], "ok");
    assert.deepEqual(types(iopub), ["execute_input", "display_data", "display_data", "update_display_data", "clear_output"]);
    const [d1, d2, up, clear] = iopub.filter((m) => !["status", "execute_input"].includes(m.header.msg_type));
    assert.deepEqual(d1!.content, { data: { "text/plain": "{ x: 1 }" }, metadata: {}, transient: {} });
    assert.deepEqual(d2!.content, { data: { "text/markdown": "**a**", "text/plain": "**a**" }, metadata: {}, transient: { display_id: "slot" } });
    assert.deepEqual(up!.content, { data: { "text/plain": "b" }, metadata: {}, transient: { display_id: "slot" } });
    assert.deepEqual(clear!.content, { wait: true });
  });

  it("a runtime error gives ename/evalue and a traceback with the cell's own line numbers", async () => {
    const code = ["interface Pod {", "  name: string;", "  ip: string;", "}", "const pods: Pod[] = [];", "function boom(): never {", '  throw new RangeError("no pods");', "}", "boom();"].join("\n");
    const { reply, iopub } = await k.execute(code);
    assert.equal(reply.content["status"], "error");
    assert.equal(reply.content["ename"], "RangeError");
    assert.equal(reply.content["evalue"], "no pods");
    const err = first(iopub, "error").content;
    const n = reply.content["execution_count"];
    const tb = (err["traceback"] as string[]).join("\n");
    assert.match(tb, new RegExp(`at boom \\(In\\[${n}\\]:7:9\\)`));
    assert.match(tb, new RegExp(`In\\[${n}\\]:9:1`));
    assert.match(tb, /> 7 \|   throw new RangeError\("no pods"\);\n {4}\| {9}\^/);
    // What the cell defined before it failed is still there.
    const next = await k.execute("pods.length");
    assert.equal((first(next.iopub, "execute_result").content["data"] as Record<string, string>)["text/plain"], "0");
  });

  it("a type error shows the line and a caret, and stops the cell before it runs", async () => {
    const { reply, iopub } = await k.execute('let ran = 0;\nconst port: number = "80";\nran = 1;');
    assert.equal(reply.content["status"], "error");
    assert.equal(reply.content["ename"], "TSError");
    const tb = first(iopub, "error").content["traceback"] as string[];
    assert.match(tb[0]!, /:2:7 - error TS2322: Type 'string' is not assignable to type 'number'\./);
    assert.equal(tb[1], '> 2 | const port: number = "80";');
    assert.equal(tb[2], "    |       ^^^^");
    assert.equal(types(iopub).filter((t) => t === "error").length, 1);
  });

  it("an unhandled rejection and a throwing timer are reported in the cell, not fatal", async () => {
    await k.execute("const kept = 7;");
    const rej = await k.execute('Promise.reject(new Error("nobody caught me")); undefined');
    assert.equal(rej.reply.content["status"], "error");
    assert.equal(first(rej.iopub, "error").content["evalue"], "nobody caught me");
    const timer = await k.execute('setTimeout(() => { throw new TypeError("late"); }, 0);\nawait new Promise((r) => setTimeout(r, 50));');
    assert.equal(timer.reply.content["status"], "error");
    assert.equal(first(timer.iopub, "error").content["ename"], "TypeError");
    const awaited = await k.execute('await Promise.reject(new Error("awaited"))');
    assert.equal(awaited.reply.content["evalue"], "awaited");
    const after = await k.execute("kept * 6");
    assert.equal((first(after.iopub, "execute_result").content["data"] as Record<string, string>)["text/plain"], "42");
  });

  it("process.exit() in a cell is an error, not the end of the kernel", async () => {
    await k.execute("const survivor = 41;");
    const r = await k.execute("process.exit(7)");
    assert.equal(r.reply.content["status"], "error");
    assert.equal(r.reply.content["ename"], "ProcessExitError");
    assert.match(String(r.reply.content["evalue"]), /process\.exit\(7\) would stop the kernel/);
    const after = await k.execute("survivor + 1");
    assert.equal((first(after.iopub, "execute_result").content["data"] as Record<string, string>)["text/plain"], "42");
  });

  it("complete_request counts cursor positions in code points", async () => {
    await k.execute("const clusterName = 'k';");
    const code = 'const s = "😀😀"; clusterNa';
    const cursor = [...code].length; // 26 code points, 28 UTF-16 units
    const reply = await k.request("shell", "complete_request", { code, cursor_pos: cursor });
    assert.equal(reply.content["status"], "ok");
    assert.deepEqual(reply.content["matches"], ["clusterName"]);
    assert.equal(reply.content["cursor_end"], cursor);
    assert.equal(reply.content["cursor_start"], cursor - "clusterNa".length);
    const members = await k.request("shell", "complete_request", { code: "[1].fla", cursor_pos: 7 });
    assert.deepEqual(members.content["matches"], ["flat", "flatMap"]);
  });

  it("inspect_request returns the signature and the TSDoc of a symbol from an earlier cell", async () => {
    await k.execute("/**\n * Scales a deployment.\n * @param replicas how many pods\n */\nfunction scale(name: string, replicas: number): string { return name + replicas; }");
    const reply = await k.request("shell", "inspect_request", { code: "scale", cursor_pos: 5, detail_level: 0 });
    assert.equal(reply.content["found"], true);
    assert.equal((reply.content["data"] as Record<string, string>)["text/plain"], "function scale(name: string, replicas: number): string\n\nScales a deployment.\n@param replicas how many pods");
    const missing = await k.request("shell", "inspect_request", { code: "   ", cursor_pos: 1, detail_level: 0 });
    assert.deepEqual(missing.content, { status: "ok", found: false, data: {}, metadata: {} });
  });

  it("is_complete_request: complete, incomplete with indent, invalid", async () => {
    const ask = async (code: string): Promise<Record<string, unknown>> => (await k.request("shell", "is_complete_request", { code })).content;
    assert.deepEqual(await ask("const a = 1;"), { status: "complete" });
    assert.deepEqual(await ask("function f() {"), { status: "incomplete", indent: "  " });
    assert.deepEqual(await ask("const = 1;"), { status: "invalid" });
  });

  it("history_request: tail, range and search", async () => {
    await k.execute("const histA = 1;");
    await k.execute("const histB = 2;");
    const tail = (await k.request("shell", "history_request", { hist_access_type: "tail", n: 2, output: false, raw: true })).content["history"] as [number, number, string][];
    assert.deepEqual(tail.map((h) => h[2]), ["const histA = 1;", "const histB = 2;"]);
    const [session, line] = tail[1]!;
    const range = (await k.request("shell", "history_request", { hist_access_type: "range", session, start: line, stop: line + 1, output: true, raw: true })).content["history"];
    assert.deepEqual(range, [[session, line, ["const histB = 2;", null]]]);
    const search = (await k.request("shell", "history_request", { hist_access_type: "search", pattern: "const hist?*", n: 10, output: false, raw: true })).content["history"] as unknown[];
    assert.equal(search.length, 2);
  });

  it("comm_info_request gets a comm_info_reply", async () => {
    const reply = await k.request("shell", "comm_info_request", {});
    assert.equal(reply.header.msg_type, "comm_info_reply");
    assert.deepEqual(reply.content, { status: "ok", comms: {} });
  });

  it("interrupt_request stops `while (true) {}` within a second and keeps the state", async () => {
    await k.execute("const before = 41;");
    const running = k.request("shell", "execute_request", { code: "while (true) {}", silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true });
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    const ir = await k.request("control", "interrupt_request", {});
    assert.equal(ir.content["status"], "ok");
    const reply = await running;
    assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`);
    assert.equal(reply.content["status"], "error");
    assert.equal(reply.content["ename"], "KeyboardInterrupt");
    const after = await k.execute("before + 1");
    assert.equal((first(after.iopub, "execute_result").content["data"] as Record<string, string>)["text/plain"], "42");
  });

  it("SIGINT stops a busy loop too, and an interrupt cancels a cell awaiting forever", async () => {
    const busy = k.request("shell", "execute_request", { code: "for (;;) {}", silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true });
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    k.proc.kill("SIGINT");
    assert.equal((await busy).content["ename"], "KeyboardInterrupt");
    assert.ok(Date.now() - t0 < 1000);
    const waiting = k.request("shell", "execute_request", { code: "await new Promise(() => {});", silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true });
    await new Promise((r) => setTimeout(r, 300));
    await k.request("control", "interrupt_request", {});
    assert.equal((await waiting).content["ename"], "KeyboardInterrupt");
  });

  const interrupters: [string, (k: KernelClient) => Promise<void>][] = [
    ["interrupt_request", async (k) => assert.equal((await k.request("control", "interrupt_request", {})).content["status"], "ok")],
    ["SIGINT", async (k) => void k.proc.kill("SIGINT")],
  ];
  for (const [how, interrupt] of interrupters) {
    it(`${how} stops a busy loop after an await, in the cell that runs it, and keeps the state`, async () => {
      await k.execute("const kept = 'state';");
      const busy = k.request("shell", "execute_request", { code: "let spins = 0;\nawait new Promise((r) => setTimeout(r, 10));\nwhile (true) { spins++; }", silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true });
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      await interrupt(k);
      const reply = await busy;
      assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`);
      assert.equal(reply.content["ename"], "KeyboardInterrupt");
      assert.match((reply.content["traceback"] as string[]).join("\n"), new RegExp(`In\\[${reply.content["execution_count"]}\\]:3:`));
      const after = await k.execute("kept + (spins > 0 ? ' spun' : '')");
      assert.equal((first(after.iopub, "execute_result").content["data"] as Record<string, string>)["text/plain"], "'state spun'");
    });

    it(`${how} stops a busy loop in a timer callback after its cell finished; the next cell runs and says so`, async () => {
      const started = await k.execute("const survivor2 = 2;\nsetTimeout(() => { while (true) {} }, 0);");
      assert.equal(started.reply.content["status"], "ok");
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      await interrupt(k);
      const { reply, iopub } = await k.execute("survivor2 * 21");
      assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`);
      assert.equal(reply.content["status"], "ok");
      assert.match(streamText(iopub, "stderr"), /^KeyboardInterrupt: stopped code that ran after its cell had finished \(a timer or callback\)\n\s+at .*In\[\d+\]:2:/);
      assert.equal((first(iopub, "execute_result").content["data"] as Record<string, string>)["text/plain"], "42");
      // The interrupt is spent: a timer loop that ends by itself runs to its end.
      const later = await k.execute("let ticks = 0;\nawait new Promise<void>((r) => setTimeout(() => { for (let i = 0; i < 1000; i++) ticks++; r(); }, 0));\nticks");
      assert.equal((first(later.iopub, "execute_result").content["data"] as Record<string, string>)["text/plain"], "1000");
    });
  }

  it("an error aborts the execute requests queued behind it (stop_on_error)", async () => {
    const base = { silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true };
    const failing = k.request("shell", "execute_request", { ...base, code: "await new Promise((r) => setTimeout(r, 200)); throw new Error('first')" });
    const queued = k.request("shell", "execute_request", { ...base, code: "console.log('should not run')" });
    assert.equal((await failing).content["status"], "error");
    assert.equal((await queued).content["status"], "aborted");
    assert.equal((await k.execute("1")).reply.content["status"], "ok");
  });

  it("drops messages with a bad signature or broken frames, and keeps answering (1,000 of them)", async () => {
    const bad = k.frames("execute_request", { code: "globalThis.hacked = true" }, "not-the-key");
    const junk: (Buffer | string)[][] = [
      bad.frames,
      ["no delimiter"],
      ["<IDS|MSG>"],
      ["<IDS|MSG>", "sig", "{"],
      ["<IDS|MSG>", "", "not json", "{}", "{}", "{}"],
      [Buffer.from([0xff, 0xfe]), "<IDS|MSG>", "x", "[]", "{}", "{}", "{}"],
    ];
    for (let i = 0; i < 1000; i++) await k.sendRaw(i % 2 ? "shell" : "control", junk[i % junk.length]!);
    const { reply, iopub } = await k.execute("typeof (globalThis as any).hacked");
    assert.equal(reply.content["status"], "ok");
    assert.equal((first(iopub, "execute_result").content["data"] as Record<string, string>)["text/plain"], "'undefined'");
    assert.match(k.stderr, /dropped a message on shell: bad HMAC signature/);
    assert.match(k.stderr, /no <IDS\|MSG> delimiter/);
  });

  it("imports kubelab from a notebook outside the package", async () => {
    const { reply, iopub } = await k.execute('import { TraceView } from "kubelab";\ntypeof TraceView');
    assert.equal(reply.content["status"], "ok", JSON.stringify(reply.content));
    assert.equal((first(iopub, "execute_result").content["data"] as Record<string, string>)["text/plain"], "'function'");
    assert.ok(!k.dir.startsWith(path.resolve(__dirname, "../../..")));
  });

  it("constructs a Cluster imported from kubelab (passes once src/cluster.ts exports Cluster)", async () => {
    const { reply } = await k.execute('import { Cluster } from "kubelab";\nconst c = new Cluster({ nodes: 1, seed: 1 });\ntypeof c');
    assert.equal(reply.content["status"], "ok", JSON.stringify(reply.content));
  });
});

describe("kubelab kernel: files, shutdown", function () {
  this.timeout(120_000);

  it("imports TypeScript from outside the notebook's folder (tslab's rootDir bug)", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-kernel-import-"));
    fs.mkdirSync(path.join(tmp, "lessons", "one"), { recursive: true });
    fs.mkdirSync(path.join(tmp, "shared"));
    fs.writeFileSync(path.join(tmp, "shared", "helpers.ts"), 'import { TraceView } from "kubelab";\nexport function twice(n: number): number { return 2 * n; }\nexport const viewType = typeof TraceView;\n');
    const k = await KernelClient.start({ cwd: path.join(tmp, "lessons", "one") });
    try {
      const { reply, iopub } = await k.execute('import { twice, viewType } from "../../shared/helpers";\n[twice(21), viewType]');
      assert.equal(reply.content["status"], "ok", JSON.stringify(reply.content));
      assert.equal((first(iopub, "execute_result").content["data"] as Record<string, string>)["text/plain"], "[ 42, 'function' ]");
      const typed = await k.execute('twice("x")');
      assert.equal(typed.reply.content["ename"], "TSError");
    } finally {
      await k.shutdown();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("imports a local loosely typed .js file as Node runs it (no checkJs)", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-kernel-js-"));
    fs.writeFileSync(path.join(tmp, "loose.js"), 'let n = 1;\nn = "two";\nfunction late(x) { return x.missing ?? n; }\nmodule.exports = { n, late };\n');
    const k = await KernelClient.start({ cwd: tmp });
    try {
      const { reply, iopub } = await k.execute('import { n, late } from "./loose";\n[n, late({})]');
      assert.equal(reply.content["status"], "ok", JSON.stringify(reply.content));
      assert.equal((first(iopub, "execute_result").content["data"] as Record<string, string>)["text/plain"], "[ 'two', 'two' ]");
    } finally {
      await k.shutdown();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("an error thrown in an imported .ts file points at that file's own line, not at compiled .js", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-kernel-thrower-"));
    // Loops and functions get interrupt checks when compiled: the compiled line is not the written one.
    const thrower = [
      "export function checkAll(ports: number[]): void {",
      "  for (const p of ports) {",
      "    if (p > 65535) {",
      "      // a comment line",
      '      throw new RangeError(`port ${p} out of range`);',
      "    }",
      "  }",
      "}",
    ].join("\n");
    fs.writeFileSync(path.join(tmp, "thrower.ts"), thrower + "\n");
    const k = await KernelClient.start({ cwd: tmp });
    try {
      const { reply, iopub } = await k.execute('import { checkAll } from "./thrower";\ncheckAll([80, 70000]);');
      assert.equal(reply.content["ename"], "RangeError");
      const tb = (first(iopub, "error").content["traceback"] as string[]).join("\n");
      const n = reply.content["execution_count"];
      assert.ok(tb.includes(`at checkAll (${path.join(tmp, "thrower.ts")}:5:13)`), tb);
      assert.match(tb, new RegExp(`In\\[${n}\\]:2:1`));
      assert.doesNotMatch(tb, /thrower\.js/);
      assert.match(tb, /thrower\.ts:\n> 5 \|       throw new RangeError/);
    } finally {
      await k.shutdown();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("shutdown_request with restart replies on control and IOPub, then the process exits", async () => {
    const k = await KernelClient.start();
    const exited = new Promise<number | null>((r) => k.proc.once("exit", (code) => r(code)));
    const reply = await k.request("control", "shutdown_request", { restart: true });
    assert.deepEqual(reply.content, { status: "ok", restart: true });
    assert.equal(await exited, 0);
    assert.ok(k.iopub.some((m) => m.header.msg_type === "shutdown_reply" && m.content["restart"] === true));
    await k.shutdown();
  });
});
