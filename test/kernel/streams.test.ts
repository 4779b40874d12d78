/**
 * stdout and stderr as a learner sees them: output of a synchronous loop arrives while the loop runs, and
 * UTF-8 split across writes stays whole.
 */
import * as assert from "node:assert/strict";
import { KernelClient } from "../../tools/course/jupyter-client";
import { streamText } from "./messages";

describe("kubelab kernel: output streams", function () {
  this.timeout(120_000);
  let k: KernelClient;
  before(async () => {
    k = await KernelClient.start();
  });
  after(async () => {
    await k?.shutdown();
  });

  it("each line of a synchronous loop arrives while the loop still runs", async () => {
    const code = "for (let i = 0; i < 4; i++) {\n  console.log(`line ${i}`);\n  const until = Date.now() + 700;\n  while (Date.now() < until) {}\n}";
    const { reply, iopub } = await k.execute(code);
    assert.equal(reply.content["status"], "ok");
    const streams = iopub.filter((m) => m.header.msg_type === "stream");
    assert.equal(streamText(streams), "line 0\nline 1\nline 2\nline 3\n");
    // One message per line: each was sent before the next was written.
    assert.deepEqual(streams.map((m) => m.content["text"]), ["line 0\n", "line 1\n", "line 2\n", "line 3\n"]);
    const at = (m: (typeof streams)[number]): number => k.arrivedAt.get(m)!;
    assert.ok(at(streams[0]!) < at(streams[3]!), "the first line arrived before the last");
    assert.ok(at(streams[0]!) < k.arrivedAt.get(reply)!, "the first line arrived before the reply");
  });

  it("decodes UTF-8 across writes: a character split over two Buffers prints whole", async () => {
    const { reply, iopub } = await k.execute("process.stdout.write(Buffer.from([0xe2, 0x82]));\nprocess.stdout.write(Buffer.from([0xac, 0x0a]));\nprocess.stderr.write(Buffer.from([0xf0, 0x9f]));\nprocess.stderr.write(Buffer.from([0x98, 0x80]));");
    assert.equal(reply.content["status"], "ok");
    assert.equal(streamText(iopub, "stdout"), "€\n");
    assert.equal(streamText(iopub, "stderr"), "😀");
  });
});
