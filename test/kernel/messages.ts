/**
 * Reading the IOPub messages a request caused, for the kernel tests (the client itself is
 * `tools/course/jupyter-client.ts`).
 */
import type { Message } from "../../kernel/wire";

/**
 * Concatenated text of stream messages named `name`.
 *
 * @example
 * ```ts
 * streamText((await k.execute('console.log("hi")')).iopub); // → "hi\n"
 * ```
 */
export function streamText(msgs: Message[], name = "stdout"): string {
  return msgs.filter((m) => m.header.msg_type === "stream" && m.content["name"] === name).map((m) => String(m.content["text"])).join("");
}

/**
 * The first message of a type, or throws listing what arrived.
 *
 * @example
 * ```ts
 * first((await k.execute("40 + 2")).iopub, "execute_result").content["data"]; // → { "text/plain": "42" }
 * ```
 */
export function first(msgs: Message[], type: string): Message {
  const m = msgs.find((x) => x.header.msg_type === type);
  if (!m) throw new Error(`no ${type} among ${msgs.map((x) => x.header.msg_type).join(", ")}`);
  return m;
}
