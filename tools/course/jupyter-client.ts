/**
 * A Jupyter client for one kernel process, as jupyter_client's KernelManager + KernelClient do it:
 * write a connection file (free loopback ports, random HMAC key), spawn the kernel, speak the wire
 * protocol over ZeroMQ (DEALER for shell and control, SUB for IOPub), and always shut the process down.
 *
 * Two levels, one implementation: the protocol calls (`request`, `execute`, raw frames) that the kernel
 * tests pin the kernel with, and `runCell`, built on them, which the lesson runner uses (a cell timeout
 * that interrupts the kernel, outputs as they arrive).
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
export interface KernelClientOptions {
  /** The kernel's working directory (a notebook's directory). Default: the client's own temporary directory. */
  cwd?: string;
  /** The kernel command line; `{connection_file}` is replaced. Default: this node on kubelab's kernel. */
  argv?: string[];
  /** Environment of the kernel process. Default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the first kernel_info_reply. Default 60 s. */
  startupTimeoutMs?: number;
}

/** The reply to a request and the IOPub messages it caused, up to and including its idle status. */
export interface Exchange {
  reply: Message;
  iopub: Message[];
}

/** What {@link KernelClient.runCell} produced. */
export interface CellRun extends Exchange {
  /** True when the cell ran past its timeout and was interrupted. */
  timedOut: boolean;
}

/** A shell or control channel: the two that answer requests. */
export type Channel = "shell" | "control";

/**
 * The kernel process could not start, died, or stopped answering.
 *
 * @example
 * ```ts
 * try { await KernelClient.start({ cwd: "." }); } catch (e) { if (e instanceof KernelDiedError) console.error(e.message); }
 * ```
 */
export class KernelDiedError extends Error {
  override name = "KernelDiedError";
}

/** A connection file's content (the kernel's own shape, as this client always writes it). */
export type ConnectionFile = ConnectionInfo & { transport: "tcp"; signature_scheme: "hmac-sha256"; kernel_name: string };

/**
 * A free TCP port on 127.0.0.1.
 *
 * @example
 * ```ts
 * const port = await freePort(); // → 40123
 * ```
 */
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
 * How many kernel processes this process started that are still running (0 after every lesson run:
 * the runner always shuts its kernel down).
 *
 * @example
 * ```ts
 * liveKernels(); // → 0
 * ```
 */
export function liveKernels(): number {
  return live.size;
}

/** The content of an execute_request with the defaults a notebook front end sends. */
const EXECUTE = { silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true };
/** The last this many characters of the kernel's stderr are kept (its log: tests search it). */
const STDERR_KEPT = 1 << 20;
/** How much of that log an error quotes when the kernel dies or never answers. */
const STDERR_QUOTED = 16_384;
/** A kernel that replies and then exits (shutdown) may be seen to exit before its reply is read. */
const REPLY_GRACE_MS = 500;

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

function parentId(m: Message): string {
  return (m.parent_header as { msg_id?: string }).msg_id ?? "";
}

/** The IOPub messages one request caused, and when the kernel went idle after it. */
interface IopubLog {
  msgs: Message[];
  idle: Promise<void>;
  settle: () => void;
  /** Called with each message as it arrives (the runner's outputs). */
  watch?: ((m: Message) => void) | undefined;
}

/**
 * One running kernel and the client connected to it.
 *
 * @example
 * ```ts
 * const k = await KernelClient.start({ cwd: "notebooks" });
 * try {
 *   const { reply, iopub } = await k.execute("1 + 1");             // protocol level: every IOPub message
 *   const cell = await k.runCell("console.log(1)", 120_000, (m) => outputs.push(m)); // runner level
 * } finally {
 *   await k.shutdown();
 * }
 * ```
 */
export class KernelClient {
  /** This client's session id (every header it sends carries it). */
  readonly session = randomUUID();
  // linger 0: messages still queued for a dead kernel must not keep this process alive at exit.
  private readonly shell = new zmq.Dealer({ linger: 0 });
  private readonly control = new zmq.Dealer({ linger: 0 });
  private readonly iopubSocket = new zmq.Subscriber({ linger: 0 });
  /** Every IOPub message received so far, in arrival order. */
  readonly iopub: Message[] = [];
  /** When each IOPub message and each reply arrived (`Date.now()`), to compare arrivals with each other. */
  readonly arrivedAt = new WeakMap<Message, number>();
  /** The kernel_info_reply content. */
  kernelInfo: Record<string, unknown> = {};
  /** IOPub messages by parent msg_id (a long session would otherwise rescan them all per request). */
  private readonly byParent = new Map<string, IopubLog>();
  private readonly pending = new Map<string, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  private stderrTail = "";
  private spawnError: Error | undefined;
  /** Set once the process is gone and replies it sent had time to arrive. */
  private ended = false;
  private readonly exited: Promise<void>;
  private closed = false;

  private constructor(
    /** The kernel process. */
    readonly proc: ChildProcess,
    private readonly conn: ConnectionFile,
    /** The client's temporary directory: the connection file, and the kernel's cwd unless one was given. */
    readonly dir: string,
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
    void this.exited
      .then(() => delay(REPLY_GRACE_MS))
      .then(() => {
        this.ended = true;
        const e = this.died() ?? new KernelDiedError("the kernel exited");
        for (const p of [...this.pending.values()]) p.reject(e);
      });
    proc.stderr?.on("data", (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-STDERR_KEPT);
    });
    proc.stdout?.resume();
    const url = (port: number): string => `tcp://${conn.ip}:${port}`;
    this.shell.connect(url(conn.shell_port));
    this.control.connect(url(conn.control_port));
    this.iopubSocket.connect(url(conn.iopub_port));
    this.iopubSocket.subscribe();
    for (const sock of [this.shell, this.control]) this.read(sock, (m) => this.pending.get(parentId(m))?.resolve(m));
    this.read(this.iopubSocket, (m) => {
      this.iopub.push(m);
      const log = this.log(parentId(m));
      log.msgs.push(m);
      log.watch?.(m);
      if (m.header.msg_type === "status" && m.content["execution_state"] === "idle") log.settle();
    });
  }

  /**
   * Starts the kernel and waits until it answers kernel_info on shell *and* its IOPub messages reach us
   * (a SUB socket drops what is published before its subscription is in place). A kernel that does not
   * get that far is shut down and the promise rejects with a {@link KernelDiedError}.
   *
   * @example
   * ```ts
   * const k = await KernelClient.start({ cwd: path.dirname(notebookPath) });
   * ```
   */
  static async start(opts: KernelClientOptions = {}): Promise<KernelClient> {
    const conn = await newConnection();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-kernel-"));
    const file = path.join(dir, "kernel.json");
    fs.writeFileSync(file, JSON.stringify(conn), { mode: 0o600 });
    const argv = (opts.argv ?? [process.execPath, KERNEL_MAIN, "{connection_file}"]).map((a) => a.replace("{connection_file}", file));
    const proc = spawn(argv[0]!, argv.slice(1), { cwd: opts.cwd ?? dir, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    track(proc);
    const k = new KernelClient(proc, conn, dir, argv[0]!);
    try {
      await k.waitReady(opts.startupTimeoutMs ?? 60_000);
    } catch (e) {
      await k.shutdown();
      throw e;
    }
    return k;
  }

  /** The last megabyte the kernel wrote to its stderr (its log). */
  get stderr(): string {
    return this.stderrTail;
  }

  /** Reads a socket until it closes; a message that does not decode (bad signature) is not ours to act on. */
  private read(sock: zmq.Dealer | zmq.Subscriber, onMessage: (m: Message) => void): void {
    void (async () => {
      for await (const frames of sock) {
        let m: Message;
        try {
          m = decode(frames, this.conn.key, this.conn.signature_scheme);
        } catch {
          continue;
        }
        this.arrivedAt.set(m, Date.now());
        onMessage(m);
      }
    })().catch(() => {});
  }

  private log(msgId: string): IopubLog {
    let log = this.byParent.get(msgId);
    if (!log) {
      let settle: () => void = () => {};
      const idle = new Promise<void>((r) => (settle = r));
      this.byParent.set(msgId, (log = { msgs: [], idle, settle }));
    }
    return log;
  }

  private died(): KernelDiedError | undefined {
    if (this.spawnError) return new KernelDiedError(`cannot start the kernel (${this.argv0}): ${this.spawnError.message}`);
    if (this.proc.exitCode === null && this.proc.signalCode === null) return undefined;
    const how = this.proc.signalCode ?? `code ${this.proc.exitCode}`;
    return new KernelDiedError(`the kernel exited (${how})${this.stderrTail ? `; its log:\n${this.stderrTail.slice(-STDERR_QUOTED).trimEnd()}` : ""}`);
  }

  /**
   * Builds the signed frames of a request; `key` overrides the signing key (to send a forged message).
   *
   * @example
   * ```ts
   * const { id, frames } = k.frames("execute_request", { code: "1" }, "not-the-key");
   * ```
   */
  frames(msgType: string, content: Record<string, unknown>, key = this.conn.key): { id: string; frames: (Buffer | string)[] } {
    const header = makeHeader(msgType, this.session, "kubelab");
    return { id: header.msg_id, frames: encode({ identities: [], header, parent_header: {}, metadata: {}, content }, key, this.conn.signature_scheme) };
  }

  /**
   * Sends frames as they are on a channel (for malformed-message tests).
   *
   * @example
   * ```ts
   * await k.sendRaw("shell", ["no delimiter"]);
   * ```
   */
  async sendRaw(channel: Channel, frames: (Buffer | string)[]): Promise<void> {
    await (channel === "shell" ? this.shell : this.control).send(frames);
  }

  /** Sends a request; its msg_id at once, its reply when it comes (see {@link request}). */
  private post(channel: Channel, msgType: string, content: Record<string, unknown>, timeoutMs: number): { id: string; reply: Promise<Message> } {
    const { id, frames } = this.frames(msgType, content);
    const reply = new Promise<Message>((resolve, reject) => {
      const timer = Number.isFinite(timeoutMs)
        ? setTimeout(() => settle(() => reject(this.died() ?? new Error(`no ${msgType.replace("_request", "_reply")} within ${timeoutMs} ms`))), timeoutMs)
        : undefined;
      const settle = (then: () => void): void => {
        clearTimeout(timer);
        this.pending.delete(id);
        then();
      };
      this.pending.set(id, { resolve: (m) => settle(() => resolve(m)), reject: (e) => settle(() => reject(e)) });
    });
    if (this.ended) this.pending.get(id)?.reject(this.died() ?? new KernelDiedError("the kernel exited"));
    else this.sendRaw(channel, frames).catch((e: unknown) => this.pending.get(id)?.reject(e as Error));
    return { id, reply };
  }

  /**
   * Sends a request and resolves with its reply. Rejects after `timeoutMs` (`Infinity`: never), or with a
   * {@link KernelDiedError} when the kernel is gone.
   *
   * @example
   * ```ts
   * const reply = await k.request("shell", "complete_request", { code: "[1].fla", cursor_pos: 7 });
   * reply.content["matches"]; // → ["flat", "flatMap"]
   * ```
   */
  request(channel: Channel, msgType: string, content: Record<string, unknown>, timeoutMs = 60_000): Promise<Message> {
    return this.post(channel, msgType, content, timeoutMs).reply;
  }

  /**
   * The IOPub messages whose parent is `msgId`, once the kernel reported idle for it.
   *
   * @example
   * ```ts
   * const { id, frames } = k.frames("comm_info_request", {});
   * await k.sendRaw("shell", frames);
   * const iopub = await k.iopubFor(id); // status busy, status idle
   * ```
   */
  async iopubFor(msgId: string, timeoutMs = 60_000): Promise<Message[]> {
    const log = this.log(msgId);
    if ((await within(log.idle, timeoutMs)) === "timeout") throw new Error(`no idle status for ${msgId} within ${timeoutMs} ms`);
    return [...log.msgs];
  }

  /**
   * Sends a request and collects its reply and IOPub traffic.
   *
   * @example
   * ```ts
   * const { reply, iopub } = await k.exchange("shell", "kernel_info_request", {});
   * ```
   */
  async exchange(channel: Channel, msgType: string, content: Record<string, unknown>): Promise<Exchange> {
    const reply = await this.request(channel, msgType, content);
    return { reply, iopub: await this.iopubFor(parentId(reply)) };
  }

  /**
   * Executes code (store_history on, stop_on_error on; `extra` overrides the content) and collects every
   * IOPub message it caused, status messages included.
   *
   * @example
   * ```ts
   * const { reply, iopub } = await k.execute("40 + 2"); // iopub: status busy, execute_input, execute_result, status idle
   * ```
   */
  execute(code: string, extra: Record<string, unknown> = {}): Promise<Exchange> {
    return this.exchange("shell", "execute_request", { ...EXECUTE, code, ...extra });
  }

  /**
   * Runs a notebook cell as nbclient does: calls `onOutput` with each IOPub message it causes (status
   * messages aside) as it arrives, and resolves once both the execute_reply and the idle status came.
   * After `timeoutMs` the kernel is sent an interrupt (it has `interrupt_mode: "message"`) and the run
   * says `timedOut`; a kernel that dies, or ignores the interrupt, rejects with a {@link KernelDiedError}.
   *
   * @example
   * ```ts
   * const { reply, timedOut } = await k.runCell("console.log(1)", 120_000, (m) => outputs.push(m));
   * reply.content["status"]; // → "ok"
   * ```
   */
  async runCell(code: string, timeoutMs: number, onOutput: (msg: Message) => void = () => {}): Promise<CellRun> {
    // No request timeout: the cell's own timeout interrupts it, and a dead kernel rejects the reply.
    const { id, reply } = this.post("shell", "execute_request", { ...EXECUTE, code }, Infinity);
    reply.catch(() => {}); // awaited below; a rejection after a timeout must not go unhandled
    // Set before any IOPub message of this request can be read (the reader runs in a later turn).
    const log = this.log(id);
    log.watch = (m) => {
      if (m.header.msg_type !== "status") onOutput(m);
    };
    try {
      let got = await within(reply, timeoutMs);
      let timedOut = false;
      if (got === "timeout") {
        timedOut = true;
        await this.interrupt();
        // An interrupted cell replies promptly; a kernel that ignores the interrupt gets 10 s more.
        got = await within(reply, 10_000);
        if (got === "timeout") throw new KernelDiedError(`the cell did not stop within 10 s of an interrupt after its ${timeoutMs} ms timeout`);
      }
      // IOPub and shell are separate sockets: outputs may still be on the way when the reply arrives.
      await within(log.idle, 10_000);
      return { reply: got, iopub: [...log.msgs], timedOut };
    } finally {
      log.watch = undefined;
    }
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const dead = this.died();
      if (dead) throw dead;
      try {
        // The first request may be lost while the sockets connect: ask again until one is answered.
        const reply = await this.request("shell", "kernel_info_request", {}, 1000);
        // The kernel publishes busy/idle around kernel_info: once those arrive, IOPub is connected.
        await this.iopubFor(parentId(reply), 500);
        this.kernelInfo = reply.content;
        return;
      } catch (e) {
        if (e instanceof KernelDiedError) throw e;
      }
      if (Date.now() > deadline) throw new KernelDiedError(`the kernel did not answer kernel_info within ${timeoutMs} ms${this.stderrTail ? `; its log:\n${this.stderrTail.slice(-STDERR_QUOTED).trimEnd()}` : ""}`);
    }
  }

  /**
   * Sends interrupt_request on the control channel and waits for the reply (5 s at most); without a
   * reply, sends SIGINT.
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
   * Shuts the kernel down: shutdown_request on control, then SIGKILL if it has not exited after 5 s;
   * closes the sockets and removes the temporary directory. Idempotent; never throws.
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
    for (const s of [this.shell, this.control, this.iopubSocket]) s.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
