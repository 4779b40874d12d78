/**
 * The kubelab Jupyter kernel: `node dist/kernel/main.js <connection_file>`.
 *
 * Two threads: the protocol thread (`channels.ts`: ZeroMQ, HMAC, heartbeat, control channel) and this
 * engine thread, which compiles cells with TypeScript 5.9 (`typescript.ts`) and runs them. User code runs here,
 * in the main thread, so that the protocol thread stays responsive while a cell runs. Interrupts (an
 * `interrupt_request`, or SIGINT, which the protocol thread receives too) stop the synchronous part of a
 * cell through Node's breakOnSigint watchdog, and set a flag shared by both threads that compiled cell code
 * checks (see `executor.ts`, `interrupt.ts`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { StringDecoder } from "node:string_decoder";
import { CellError, Executor, type ErrorContent } from "./executor";
import { TypeScriptEngine, TYPESCRIPT_VERSION } from "./typescript";
import { rawBundle, renderBundle, type MimeBundle } from "./display";
import { History, type HistoryRequest } from "./history";
import { findPackageRoot, kubelabEntry } from "./paths";
import { PROTOCOL_VERSION } from "./wire";
import { IRQ_FLAG, IRQ_SLOTS, type Channel, type ChannelsData, type ConnectionInfo, type ParentRef, type Request, type ToChannels, type ToEngine } from "./threads";

/** Options of `display()` in cells. */
export interface DisplayOptions {
  raw?: boolean;
  id?: string;
  update?: boolean;
}

/**
 * The `kernel_info_reply` content of this kernel.
 *
 * @example
 * ```ts
 * kernelInfo().language_info; // → { name: "typescript", version: "5.9.3", file_extension: ".ts", ... }
 * ```
 */
export function kernelInfo(root: string = findPackageRoot(__dirname)): Record<string, unknown> & { language_info: Record<string, unknown> } {
  const pj = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { version?: string; homepage?: string };
  const version = pj.version ?? "0.0.0";
  return {
    status: "ok",
    protocol_version: PROTOCOL_VERSION,
    implementation: "kubelab",
    implementation_version: version,
    language_info: {
      name: "typescript",
      version: TYPESCRIPT_VERSION,
      mimetype: "text/typescript",
      file_extension: ".ts",
      pygments_lexer: "typescript",
      codemirror_mode: { name: "javascript", typescript: true },
      nbconvert_exporter: "script",
    },
    banner: `kubelab ${version}: TypeScript ${TYPESCRIPT_VERSION} on Node.js ${process.version}`,
    help_links: [
      { text: "kubelab documentation", url: pj.homepage ?? `file://${path.join(root, "README.md")}` },
      { text: "TypeScript handbook", url: "https://www.typescriptlang.org/docs/handbook/intro.html" },
      { text: "Node.js API", url: `https://nodejs.org/docs/${process.version}/api/` },
    ],
    debugger: false,
  };
}

/** Converts a cursor position in Unicode code points (Jupyter ≥ 5.2) to a UTF-16 offset, and back. */
function codePointsToUtf16(text: string, cp: number): number {
  let offset = 0;
  for (let i = 0; i < cp && offset < text.length; i++) offset += (text.codePointAt(offset) ?? 0) > 0xffff ? 2 : 1;
  return offset;
}
function utf16ToCodePoints(text: string, offset: number): number {
  return [...text.slice(0, offset)].length;
}

/**
 * Starts the kernel on a connection file and resolves when it shuts down (the process then exits).
 *
 * @example
 * ```ts
 * await runKernel("/run/user/0/jupyter/kernel-1234.json");
 * ```
 */
/** Thrown in a cell that calls `process.exit()`: the kernel refuses rather than die under the notebook. */
export class ProcessExitError extends Error {
  override name = "ProcessExitError";
}

/** The real `process.exit`, for the kernel's own shutdown (user code sees a guarded one). */
const exitProcess: (code?: number) => never = process.exit.bind(process);

/**
 * User code runs in the kernel's own process, so `process.exit()` in a cell would end the kernel
 * (and, with the protocol thread still running, abort it). Refuse, with a way out.
 */
function guardProcessExit(): void {
  process.exit = ((code?: number | string | null) => {
    throw new ProcessExitError(`process.exit(${code ?? ""}) would stop the kernel and lose every variable: use the notebook's "Restart Kernel" instead`);
  }) as typeof process.exit;
}

export async function runKernel(connectionFile: string): Promise<void> {
  guardProcessExit();
  const connection = JSON.parse(fs.readFileSync(connectionFile, "utf8")) as ConnectionInfo;
  const root = findPackageRoot(__dirname);
  const entry = kubelabEntry(root);
  const info = kernelInfo(root);
  const irqBuffer = new SharedArrayBuffer(4 * IRQ_SLOTS);
  const worker = new Worker(path.join(__dirname, "channels.js"), { workerData: { connection, kernelInfo: info, irq: irqBuffer } satisfies ChannelsData, stdout: false, stderr: false });
  const post = (m: ToChannels): void => worker.postMessage(m);

  const engine = new TypeScriptEngine({ kubelabTypes: entry.types, kubelabRoot: root });
  const executor = new Executor(engine, { kubelabRoot: root, kubelabMain: entry.main, irq: new Int32Array(irqBuffer), leftWatchdog: () => post({ kind: "leftWatchdog" }) });
  const history = new History();
  let executionCount = 0;

  /** The request whose cell is running, or ran last: outputs from timers after the cell land there too. */
  let current: ParentRef | null = null;
  let running = false;
  const asyncErrors: unknown[] = [];
  const pendingDisplays: Promise<void>[] = [];

  // Each write goes to the protocol thread at once, which coalesces and sends it: output streams while a
  // synchronous loop keeps this thread busy. A decoder per stream keeps a UTF-8 character split across
  // two writes whole.
  const writeStream = (name: "stdout" | "stderr", text: string): void => {
    if (text !== "") post({ kind: "stream", name, text, parent: current });
  };
  const send = (channel: Channel, msgType: string, content: Record<string, unknown>, parent: ParentRef | null = current): void => {
    post({ kind: "send", channel, msgType, content, parent });
  };
  for (const name of ["stdout", "stderr"] as const) {
    const stream = process[name];
    const decoder = new StringDecoder("utf8");
    stream.write = ((chunk: string | Uint8Array, encodingOrCb?: unknown, cb?: unknown): boolean => {
      const encoding = typeof encodingOrCb === "string" && encodingOrCb !== "utf8" && encodingOrCb !== "utf-8" ? (encodingOrCb as BufferEncoding) : undefined;
      if (typeof chunk === "string" && encoding === undefined) writeStream(name, decoder.end() + chunk);
      else writeStream(name, decoder.write(typeof chunk === "string" ? Buffer.from(chunk, encoding) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
      const callback = typeof encodingOrCb === "function" ? encodingOrCb : cb;
      if (typeof callback === "function") queueMicrotask(callback as () => void);
      return true;
    }) as typeof stream.write;
  }

  const sendError = (err: ErrorContent, parent: ParentRef | null = current): void => send("iopub", "error", { ...err }, parent);
  /** Interrupted callbacks (a timer's busy loop) that ran while no cell did: told at the top of the next cell. */
  const idleInterrupts: string[] = [];
  const reportAsync = (e: unknown): void => {
    if (running) asyncErrors.push(e);
    else if (e instanceof Error && e.name === "KeyboardInterrupt") {
      // JupyterLab shows no output for a cell whose execution ended, so the next cell says what happened.
      const where = executor.errorContent(e).traceback.find((l) => /^\s+at /.test(l));
      idleInterrupts.push(`KeyboardInterrupt: stopped code that ran after its cell had finished (a timer or callback)${where ? `\n${where}` : ""}\n`);
    } else sendError(executor.errorContent(e));
  };

  const showBundle = (bundle: MimeBundle, opts: DisplayOptions): void => {
    send("iopub", opts.update ? "update_display_data" : "display_data", { data: bundle, metadata: {}, transient: opts.id !== undefined ? { display_id: opts.id } : {} });
  };
  const g = globalThis as Record<string, unknown>;
  g["display"] = (value: unknown, opts: DisplayOptions = {}): void => {
    if (opts.update && opts.id === undefined) throw new TypeError("display(value, { update: true }) needs the id of the output to update");
    const bundle = opts.raw ? rawBundle(value) : renderBundle(value);
    if (bundle instanceof Promise) {
      const target = current;
      const p = bundle.then((b) => send("iopub", opts.update ? "update_display_data" : "display_data", { data: b, metadata: {}, transient: opts.id !== undefined ? { display_id: opts.id } : {} }, target), reportAsync);
      pendingDisplays.push(p);
    } else showBundle(bundle, opts);
  };
  g["clearOutput"] = (wait = false): void => send("iopub", "clear_output", { wait: wait === true });

  // Without the protocol thread's relay, SIGINT reaches this thread only (once it is idle or awaiting).
  // With it, this thread must not listen: a second libuv handle would stop the relay from re-arming.
  const listenForSigint = (): void => {
    process.on("SIGINT", () => {
      Atomics.store(executor.irq, IRQ_FLAG, 1);
      executor.interrupt();
    });
  };
  process.on("uncaughtException", reportAsync);
  process.on("unhandledRejection", reportAsync);

  const reply = (req: Request, msgType: string, content: Record<string, unknown>): void => send(req.channel, msgType, content, req);

  let abortBefore = -1;
  let received = 0;

  const execute = async (req: Request, seq: number): Promise<void> => {
    const code = typeof req.content["code"] === "string" ? req.content["code"] : "";
    const silent = req.content["silent"] === true;
    const storeHistory = !silent && req.content["store_history"] !== false;
    const stopOnError = req.content["stop_on_error"] !== false;
    if (seq <= abortBefore) {
      reply(req, "execute_reply", { status: "aborted", execution_count: executionCount });
      return;
    }
    if (storeHistory) executionCount++;
    const count = executionCount;
    if (!silent) send("iopub", "execute_input", { code, execution_count: count });
    if (storeHistory) history.add(count, code);
    if (idleInterrupts.length > 0) {
      writeStream("stderr", idleInterrupts.splice(0).join(""));
    }
    running = true;
    asyncErrors.length = 0;
    let error: ErrorContent | undefined;
    try {
      const result = await executor.run(code, storeHistory ? `In[${count}]` : "<silent>");
      if (result.hasValue) {
        const bundle = await renderBundle(result.value);
        if (!silent) send("iopub", "execute_result", { execution_count: count, data: bundle, metadata: {} });
        if (storeHistory) history.setOutput(count, String(bundle["text/plain"] ?? ""));
      }
    } catch (e) {
      error = e instanceof CellError ? e.content : executor.errorContent(e);
    }
    // Let rejections the cell left unhandled surface now (Node reports them after the microtask queue drains).
    await new Promise((r) => setImmediate(r));
    await Promise.allSettled(pendingDisplays.splice(0));
    running = false;
    const late = asyncErrors.splice(0).map((e) => executor.errorContent(e));
    if (error) sendError(error);
    for (const l of late) sendError(l);
    error ??= late[0];
    if (error) {
      if (stopOnError) abortBefore = received;
      reply(req, "execute_reply", { status: "error", execution_count: count, ...error });
    } else {
      reply(req, "execute_reply", { status: "ok", execution_count: count, user_expressions: await userExpressions(req.content["user_expressions"]), payload: [] });
    }
  };

  /**
   * A front end's `user_expressions` (e.g. a variable inspector's), evaluated after a cell that
   * succeeded: each gets its own rich bundle or its own error, as ipykernel reports them.
   */
  const userExpressions = async (exprs: unknown): Promise<Record<string, unknown>> => {
    const out: Record<string, unknown> = {};
    if (exprs === null || typeof exprs !== "object") return out;
    for (const [name, expr] of Object.entries(exprs as Record<string, unknown>)) {
      if (typeof expr !== "string") continue;
      try {
        const r = await executor.run(expr, "<user_expression>");
        out[name] = { status: "ok", data: r.hasValue ? await renderBundle(r.value) : { "text/plain": "undefined" }, metadata: {} };
      } catch (e) {
        const c = e instanceof CellError ? e.content : executor.errorContent(e);
        out[name] = { status: "error", ...c };
      }
    }
    return out;
  };

  const handle = async (req: Request, seq: number): Promise<void> => {
    const type = req.header.msg_type;
    const parent: ParentRef = req;
    if (type === "execute_request") current = parent;
    send("iopub", "status", { execution_state: "busy" }, parent);
    try {
      const code = typeof req.content["code"] === "string" ? req.content["code"] : "";
      switch (type) {
        case "execute_request":
          await execute(req, seq);
          break;
        case "kernel_info_request":
          reply(req, "kernel_info_reply", info);
          break;
        case "complete_request": {
          const cp = typeof req.content["cursor_pos"] === "number" ? req.content["cursor_pos"] : [...code].length;
          const r = engine.complete(code, codePointsToUtf16(code, cp));
          reply(req, "complete_reply", { status: "ok", matches: r.matches, cursor_start: utf16ToCodePoints(code, r.start), cursor_end: utf16ToCodePoints(code, r.end), metadata: {} });
          break;
        }
        case "inspect_request": {
          const cp = typeof req.content["cursor_pos"] === "number" ? req.content["cursor_pos"] : [...code].length;
          const text = engine.inspect(code, codePointsToUtf16(code, cp));
          reply(req, "inspect_reply", { status: "ok", found: text !== undefined, data: text !== undefined ? { "text/plain": text } : {}, metadata: {} });
          break;
        }
        case "is_complete_request":
          reply(req, "is_complete_reply", engine.isComplete(code));
          break;
        case "history_request":
          reply(req, "history_reply", { status: "ok", history: history.query(req.content as HistoryRequest) });
          break;
        case "comm_info_request":
          reply(req, "comm_info_reply", { status: "ok", comms: {} });
          break;
        case "comm_open":
          // No comm targets: tell the front end the comm is closed, as ipykernel does.
          send("iopub", "comm_close", { comm_id: req.content["comm_id"], data: {} }, parent);
          break;
        case "comm_msg":
        case "comm_close":
          break;
        case "shutdown_request":
          reply(req, "shutdown_reply", { status: "ok", restart: req.content["restart"] === true });
          send("iopub", "status", { execution_state: "idle" }, parent);
          await shutdown();
          return;
        default:
          if (type.endsWith("_request")) {
            reply(req, type.replace(/_request$/, "_reply"), { status: "error", ename: "NotImplementedError", evalue: `kubelab does not implement ${type}`, traceback: [] });
          }
      }
    } catch (e) {
      const err = executor.errorContent(e);
      process.stderr.write(`kubelab kernel: ${type} failed: ${err.evalue}\n`);
      if (type.endsWith("_request") && type !== "execute_request") reply(req, type.replace(/_request$/, "_reply"), { status: "error", ...err });
    }
    send("iopub", "status", { execution_state: "idle" }, parent);
  };

  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  let shuttingDown = false;
  const shutdown = async (): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    engine.close();
    // Give the protocol thread a moment to deliver the last replies before closing the sockets.
    await new Promise((r) => setTimeout(r, 100));
    post({ kind: "close" });
    await new Promise((r) => setTimeout(r, 50));
    await worker.terminate();
    done();
  };

  let queue: Promise<void> = Promise.resolve();
  worker.on("message", (m: ToEngine) => {
    if (m.kind === "request") {
      const seq = ++received;
      queue = queue.then(() => handle(m.request, seq)).catch((e: unknown) => void fs.writeSync(2, `[kubelab kernel] ${String(e)}\n`));
    } else if (m.kind === "interrupt") {
      // A cell that started after the interrupt has cleared the flag: the interrupt was not for it.
      if (Atomics.load(executor.irq, IRQ_FLAG) !== 0) executor.interrupt();
    } else if (m.kind === "ready") {
      if (!m.signalRelay) listenForSigint();
    } else if (m.kind === "shutdown") {
      queue = queue.then(shutdown, shutdown);
      void shutdown();
    }
  });
  worker.on("error", (e) => {
    fs.writeSync(2, `[kubelab kernel] protocol thread crashed: ${e.stack ?? String(e)}\n`);
    exitProcess(1);
  });
  await finished;
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    fs.writeSync(2, "usage: node main.js <connection_file>\n");
    process.exit(2);
  }
  runKernel(file).then(
    () => exitProcess(0),
    (e: unknown) => {
      fs.writeSync(2, `[kubelab kernel] ${(e as Error).stack ?? String(e)}\n`);
      exitProcess(1);
    },
  );
}
