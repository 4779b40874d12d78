/**
 * A Jupyter client for one kernel process, as jupyter_client's KernelManager + BlockingKernelClient do it:
 * write a connection file (free loopback ports, random HMAC key), spawn the kernel in the notebook's
 * directory, speak the wire protocol over ZeroMQ (DEALER for shell and control, SUB for IOPub), and always
 * shut the process down.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as zmq from "zeromq";
import type { ConnectionInfo } from "../../kernel/threads";
import { decode, encode, makeHeader, type Message } from "../../kernel/wire";

/** The kernel's entry point, next to this module in both `dist/` and a private build directory. */
export const KERNEL_MAIN = path.resolve(__dirname, "../../kernel/main.js");

/** How to start a kernel. */
export interface KernelSessionOptions {
  /** The kernel's working directory (a notebook's directory). */
  cwd: string;
  /** The kernel command line; `{connection_file}` is replaced. Default: this node on kubelab's kernel. */
  argv?: string[];
  /** Environment of the kernel process. Default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the first kernel_info_reply. Default 60 s. */
  startupTimeoutMs?: number;
}

/** What one `execute_request` produced. */
export interface ExecuteOutcome {
  /** The `execute_reply` content (`status` is "ok", "error" or "aborted"). */
  reply: Record<string, unknown>;
  /** True when the cell ran past its timeout and was interrupted. */
  timedOut: boolean;
}

/**
 * The kernel process could not start, died, or stopped answering.
 *
 * @example
 * ```ts
 * try { await KernelSession.start({ cwd: "." }); } catch (e) { if (e instanceof KernelDiedError) console.error(e.message); }
 * ```
 */
export class KernelDiedError extends Error {
  override name = "KernelDiedError";
}

/** A connection file's content (the kernel's own shape, as this runner always writes it). */
export type ConnectionFile = ConnectionInfo & { transport: "tcp"; signature_scheme: "hmac-sha256"; kernel_name: string };

/** A free TCP port on 127.0.0.1 (the kernel and its clients share this helper). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A fresh connection: five distinct free loopback ports and a random key.
 *
 * @example
 * ```ts
 * const c = await newConnection(); // → { transport: "tcp", ip: "127.0.0.1", shell_port: 40123, …, key: "9f…" }
 * ```
 */
export async function newConnection(kernelName = "kubelab"): Promise<ConnectionFile> {
  const ports: number[] = [];
  while (ports.length < 5) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  const [shell_port, iopub_port, stdin_port, control_port, hb_port] = ports as [number, number, number, number, number];
  return { transport: "tcp", ip: "127.0.0.1", shell_port, iopub_port, stdin_port, control_port, hb_port, key: randomBytes(32).toString("hex"), signature_scheme: "hmac-sha256", kernel_name: kernelName };
}

/** Kernels this process started and has not shut down: killed if the process exits first. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(proc: ChildProcess): void {
  live.add(proc);
  proc.once("exit", () => live.delete(proc));
  proc.once("error", () => live.delete(proc));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const p of live) p.kill("SIGKILL");
  });
}

/**
 * How many kernel processes this process started that are still running (0 after every run: the runner
 * always shuts its kernel down).
 *
 * @example
 * ```ts
 * liveKernels(); // → 0
 * ```
 */
export function liveKernels(): number {
  return live.size;
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits for `p` at most `ms`; the timer does not keep the process alive once `p` settles. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One running kernel and the client connected to it.
 *
 * @example
 * ```ts
 * const k = await KernelSession.start({ cwd: "notebooks" });
 * try {
 *   const { reply } = await k.execute("1 + 1", (msg) => console.log(msg.header.msg_type), 120_000);
 * } finally {
 *   await k.shutdown();
 * }
 * ```
 */
export class KernelSession {
  private readonly session = randomUUID();
  // linger 0: messages still queued for a dead kernel must not keep this process alive at exit.
  private readonly shell = new zmq.Dealer({ linger: 0 });
  private readonly control = new zmq.Dealer({ linger: 0 });
  private readonly iopub = new zmq.Subscriber({ linger: 0 });
  private spawnError: Error | undefined;
  private readonly replies = new Map<string, (m: Message) => void>();
  private readonly iopubHandlers = new Map<string, (m: Message) => void>();
  private stderrTail = "";
  private exited: Promise<void>;
  private closed = false;
  /** The kernel_info_reply content. */
  kernelInfo: Record<string, unknown> = {};

  private constructor(
    private readonly proc: ChildProcess,
    private readonly conn: ConnectionFile,
    private readonly dir: string,
    private readonly argv0: string,
  ) {
    this.exited = new Promise((r) => {
      proc.once("exit", () => r());
      // A command that cannot be spawned emits "error" and maybe never "exit".
      proc.once("error", (e) => {
        this.spawnError = e;
        r();
      });
    });
    proc.stderr?.on("data", (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-16_384);
    });
    proc.stdout?.resume();
    const url = (port: number): string => `tcp://${conn.ip}:${port}`;
    this.shell.connect(url(conn.shell_port));
    this.control.connect(url(conn.control_port));
    this.iopub.connect(url(conn.iopub_port));
    this.iopub.subscribe();
    this.read(this.shell);
    this.read(this.control);
    void (async () => {
      for await (const frames of this.iopub) {
        const m = this.decode(frames);
        if (m) this.iopubHandlers.get(parentId(m))?.(m);
      }
    })().catch(() => {});
  }

  /**
   * Starts the kernel and waits until it answers kernel_info on shell *and* its IOPub messages reach us
   * (a SUB socket drops what is published before its subscription is in place).
   *
   * @example
   * ```ts
   * const k = await KernelSession.start({ cwd: path.dirname(notebookPath) });
   * ```
   */
  static async start(opts: KernelSessionOptions): Promise<KernelSession> {
    const conn = await newConnection();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-lessons-"));
    const file = path.join(dir, "kernel.json");
    fs.writeFileSync(file, JSON.stringify(conn), { mode: 0o600 });
    const argv = (opts.argv ?? [process.execPath, KERNEL_MAIN, "{connection_file}"]).map((a) => a.replace("{connection_file}", file));
    const proc = spawn(argv[0]!, argv.slice(1), { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    track(proc);
    const k = new KernelSession(proc, conn, dir, argv[0]!);
    try {
      await k.waitReady(opts.startupTimeoutMs ?? 60_000);
    } catch (e) {
      await k.shutdown();
      throw e;
    }
    return k;
  }

  /** The last 16 kB the kernel wrote to its stderr (its log). */
  get stderr(): string {
    return this.stderrTail;
  }

  private decode(frames: Buffer[]): Message | undefined {
    try {
      return decode(frames, this.conn.key, this.conn.signature_scheme);
    } catch {
      return undefined; // a bad signature is not ours to act on
    }
  }

  private read(sock: zmq.Dealer): void {
    void (async () => {
      for await (const frames of sock) {
        const m = this.decode(frames);
        if (m) this.replies.get(parentId(m))?.(m);
      }
    })().catch(() => {});
  }

  private died(): KernelDiedError | undefined {
    if (this.spawnError) return new KernelDiedError(`cannot start the kernel (${this.argv0}): ${this.spawnError.message}`);
    if (this.proc.exitCode === null && this.proc.signalCode === null) return undefined;
    const how = this.proc.signalCode ?? `code ${this.proc.exitCode}`;
    return new KernelDiedError(`the kernel exited (${how})${this.stderrTail ? `; its log:\n${this.stderrTail.trimEnd()}` : ""}`);
  }

  private async send(channel: "shell" | "control", msgType: string, content: Record<string, unknown>): Promise<string> {
    const header = makeHeader(msgType, this.session, "kubelab-lessons");
    const frames = encode({ identities: [], header, parent_header: {}, metadata: {}, content }, this.conn.key, this.conn.signature_scheme);
    await (channel === "shell" ? this.shell : this.control).send(frames);
    return header.msg_id;
  }

  /** Sends a request and resolves with its reply, or rejects after `timeoutMs` or when the kernel dies. */
  private request(channel: "shell" | "control", msgType: string, content: Record<string, unknown>, timeoutMs: number, onId?: (id: string) => void): Promise<Message> {
    return new Promise<Message>((resolve, reject) => {
      let id = "";
      const done = (): void => {
        clearTimeout(timer);
        this.replies.delete(id);
      };
      const timer = setTimeout(() => {
        done();
        reject(this.died() ?? new Error(`no ${msgType.replace("_request", "_reply")} within ${timeoutMs} ms`));
      }, timeoutMs);
      void this.exited.then(() => {
        done();
        reject(this.died() ?? new KernelDiedError("the kernel exited"));
      });
      this.send(channel, msgType, content).then(
        (msgId) => {
          id = msgId;
          onId?.(msgId);
          this.replies.set(msgId, (m) => {
            done();
            resolve(m);
          });
        },
        (e: unknown) => {
          done();
          reject(e);
        },
      );
    });
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const dead = this.died();
      if (dead) throw dead;
      let seen = false;
      let msgId = "";
      try {
        const reply = await this.request("shell", "kernel_info_request", {}, 1000, (id) => {
          msgId = id;
          this.iopubHandlers.set(id, () => (seen = true));
        });
        this.kernelInfo = reply.content;
        // The kernel publishes busy/idle around kernel_info: once we see those, IOPub is connected.
        for (let i = 0; i < 20 && !seen; i++) await delay(25);
        if (seen) return;
      } catch (e) {
        if (e instanceof KernelDiedError) throw e;
      } finally {
        this.iopubHandlers.delete(msgId);
      }
      if (Date.now() > deadline) throw new KernelDiedError(`the kernel did not answer kernel_info within ${timeoutMs} ms${this.stderrTail ? `; its log:\n${this.stderrTail.trimEnd()}` : ""}`);
    }
  }

  /**
   * Runs code (store_history on, stop_on_error on) and calls `onOutput` with each IOPub message it
   * causes; resolves when both the execute_reply and the final idle status arrived. After `timeoutMs`
   * the kernel is sent an interrupt_request (it has `interrupt_mode: "message"`) and the outcome says
   * `timedOut`.
   *
   * @example
   * ```ts
   * const { reply, timedOut } = await k.execute("console.log(1)", (m) => outputs.push(m), 120_000);
   * ```
   */
  async execute(code: string, onOutput: (msg: Message) => void, timeoutMs: number): Promise<ExecuteOutcome> {
    let idle = false;
    let idleWait: () => void = () => {};
    const idleSeen = new Promise<void>((r) => (idleWait = r));
    let msgId = "";
    let timedOut = false;
    const replyP = this.request("shell", "execute_request", { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true }, 2 ** 31 - 1, (id) => {
      msgId = id;
      this.iopubHandlers.set(id, (m) => {
        if (m.header.msg_type === "status") {
          if (m.content["execution_state"] === "idle") {
            idle = true;
            idleWait();
          }
          return;
        }
        onOutput(m);
      });
    });
    replyP.catch(() => {}); // awaited below; a rejection after a timeout must not go unhandled
    try {
      let first = await within(replyP, timeoutMs);
      if (first === "timeout") {
        timedOut = true;
        await this.interrupt();
        // An interrupted cell replies promptly; a kernel that ignores the interrupt gets 10 s more.
        first = await within(replyP, 10_000);
        if (first === "timeout") throw new KernelDiedError(`the cell did not stop within 10 s of an interrupt after its ${timeoutMs} ms timeout`);
      }
      // IOPub and shell are separate sockets: outputs may still be on the way when the reply arrives.
      if (!idle) await within(idleSeen, 10_000);
      return { reply: first.content, timedOut };
    } finally {
      this.iopubHandlers.delete(msgId);
    }
  }

  /**
   * Sends interrupt_request on the control channel and waits for the reply (5 s at most).
   *
   * @example
   * ```ts
   * await k.interrupt();
   * ```
   */
  async interrupt(): Promise<void> {
    try {
      await this.request("control", "interrupt_request", {}, 5000);
    } catch (e) {
      if (e instanceof KernelDiedError) throw e;
      // No reply: fall back to the signal, as jupyter_client does for interrupt_mode "signal".
      this.proc.kill("SIGINT");
    }
  }

  /**
   * Shuts the kernel down: shutdown_request on control, then SIGKILL if it has not exited after 5 s.
   * Idempotent; never throws.
   *
   * @example
   * ```ts
   * await k.shutdown();
   * ```
   */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.died() === undefined) {
      try {
        await this.request("control", "shutdown_request", { restart: false }, 5000);
      } catch {
        // already gone, or wedged: the kill below handles both
      }
      const killer = setTimeout(() => this.proc.kill("SIGKILL"), 5000);
      await this.exited;
      clearTimeout(killer);
    }
    for (const s of [this.shell, this.control, this.iopub]) s.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function parentId(m: Message): string {
  return (m.parent_header as { msg_id?: string }).msg_id ?? "";
}
