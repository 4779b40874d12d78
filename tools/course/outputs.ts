/**
 * Turning IOPub messages into nbformat outputs, with the semantics Jupyter front ends give them
 * (what nbclient's `output_from_msg` and `clear_output` handling do):
 * consecutive stream text of the same name is one output; `update_display_data` replaces the data of
 * every output shown with that `display_id`, in any cell; `clear_output(wait=true)` clears when the next
 * output arrives.
 */
import type { Message } from "../../kernel/wire";
import type { MimeData, Output } from "./notebook";

/**
 * Collects the outputs of the cells of one notebook. One instance per notebook run: display ids
 * are notebook-wide.
 *
 * @example
 * ```ts
 * const sink = new OutputCollector();
 * const outputs: Output[] = [];
 * await kernel.execute(code, (m) => sink.add(outputs, m), 120_000);
 * ```
 */
export class OutputCollector {
  /** display_id → the outputs showing it (objects inside cells' `outputs` lists, updated in place). */
  private readonly displays = new Map<string, Output[]>();
  private clearPending = false;
  private current: Output[] | undefined;

  /** The execution_count the kernel announced (execute_input), if any. */
  executionCount: number | null = null;

  /**
   * Applies one IOPub message to the outputs of the running cell (`outputs`, changed in place).
   *
   * @example
   * ```ts
   * sink.add(outputs, msg);
   * ```
   */
  add(outputs: Output[], msg: Message): void {
    if (this.current !== outputs) {
      this.current = outputs;
      this.clearPending = false;
    }
    const c = msg.content;
    const type = msg.header.msg_type;
    switch (type) {
      case "execute_input":
        if (typeof c["execution_count"] === "number") this.executionCount = c["execution_count"];
        return;
      case "clear_output":
        if (c["wait"] === true) this.clearPending = true;
        else this.clear(outputs);
        return;
      case "update_display_data": {
        const id = displayId(c);
        if (id === undefined) return;
        for (const o of this.displays.get(id) ?? []) {
          if (o.output_type === "display_data" || o.output_type === "execute_result") {
            o.data = mimeData(c["data"]);
            o.metadata = record(c["metadata"]);
          }
        }
        return;
      }
      case "stream":
      case "display_data":
      case "execute_result":
      case "error":
        break;
      default:
        return; // comm messages, execute_reply echoes, … carry no output
    }
    if (this.clearPending) {
      this.clear(outputs);
      this.clearPending = false;
    }
    if (type === "stream") {
      const name = c["name"] === "stderr" ? "stderr" : "stdout";
      const text = String(c["text"] ?? "");
      const last = outputs[outputs.length - 1];
      if (last?.output_type === "stream" && last.name === name) last.text = String(last.text) + text;
      else outputs.push({ output_type: "stream", name, text });
      return;
    }
    if (type === "error") {
      outputs.push({ output_type: "error", ename: String(c["ename"] ?? "Error"), evalue: String(c["evalue"] ?? ""), traceback: Array.isArray(c["traceback"]) ? c["traceback"].map(String) : [] });
      return;
    }
    const out: Output =
      type === "execute_result"
        ? { output_type: "execute_result", execution_count: typeof c["execution_count"] === "number" ? c["execution_count"] : this.executionCount, data: mimeData(c["data"]), metadata: record(c["metadata"]) }
        : { output_type: "display_data", data: mimeData(c["data"]), metadata: record(c["metadata"]) };
    outputs.push(out);
    const id = displayId(c);
    if (id !== undefined) {
      const list = this.displays.get(id) ?? [];
      list.push(out);
      this.displays.set(id, list);
    }
  }

  private clear(outputs: Output[]): void {
    const gone = new Set(outputs.splice(0));
    for (const [id, list] of this.displays) {
      const kept = list.filter((o) => !gone.has(o));
      if (kept.length) this.displays.set(id, kept);
      else this.displays.delete(id);
    }
  }
}

function record(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function mimeData(v: unknown): MimeData {
  return record(v);
}

function displayId(content: Record<string, unknown>): string | undefined {
  const id = record(content["transient"])["display_id"];
  return typeof id === "string" ? id : undefined;
}
