/**
 * A small Jupyter client for the kernel tests: launches the kernel on a fresh connection file and speaks
 * the wire protocol over ZeroMQ (DEALER for shell/control, SUB for IOPub, REQ for the heartbeat).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { randomBytes, randomUUID } from "node:crypto";
import * as zmq from "zeromq";
import { decode, encode, makeHeader, type Message } from "../../kernel/wire";
import { freePort } from "../../src/lessons/session";

/** The kernel entry point, next to this file in both `.build/<area>/` and `dist/`. */
export const KERNEL_MAIN = path.resolve(__dirname, "../../kernel/main.js");


/** A connection file's content, with fresh ports and key. */
export async function makeConnection(): Promise<Record<string, string | number>> {
  const ports: number[] = [];
  while (ports.length < 5) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  const [shell_port, iopub_port, stdin_port, control_port, hb_port] = ports as [number, number, number, number, number];
  return { transport: "tcp", ip: "127.0.0.1", shell_port, iopub_port, stdin_port, control_port, hb_port, key: randomBytes(16).toString("hex"), signature_scheme: "hmac-sha256", kernel_name: "kubelab" };
}

/** The reply to a request and the IOPub messages it caused (between busy and idle). */
export interface Exchange {
  reply: Message;
  iopub: Message[];
}

/**
 * A running kernel with a connected client.
 *
 * @example
 * ```ts
 * const k = await KernelClient.start();
 * const { reply, iopub } = await k.execute("1 + 1");
 * await k.close();
 * ```
 */
export class KernelClient {
  readonly session = randomUUID();
  private readonly shell = new zmq.Dealer();
  private readonly control = new zmq.Dealer();
  private readonly iopubSock = new zmq.Subscriber();
  /** Every IOPub message received so far. */
  readonly iopub: Message[] = [];
  /** The same messages by parent msg_id (a long session would otherwise rescan them all per cell). */
  private readonly iopubByParent = new Map<string, Message[]>();
  private waiters: (() => void)[] = [];
  /** When each IOPub message and each reply arrived (`Date.now()`), to compare arrivals with each other. */
  readonly arrivedAt = new WeakMap<Message, number>();
  /** IOPub messages that could not be decoded (bad signature, malformed frames). */
  readonly iopubErrors: string[] = [];
  stderr = "";
  readonly startedAt: number;

  private constructor(readonly proc: ChildProcess, readonly conn: Record<string, string | number>, readonly dir: string) {
    this.startedAt = Date.now();
    proc.stderr?.on("data", (d: Buffer) => (this.stderr += d.toString()));
    const url = (k: string): string => `tcp://127.0.0.1:${conn[k]}`;
    this.shell.connect(url("shell_port"));
    this.control.connect(url("control_port"));
    this.iopubSock.connect(url("iopub_port"));
    this.iopubSock.subscribe();
    void (async () => {
      for await (const frames of this.iopubSock) {
        let m: Message;
        try {
          m = decode(frames, String(conn["key"]), "hmac-sha256");
        } catch (e) {
          // One undecodable message must not end the reader (every later wait would time out).
          this.iopubErrors.push(`${(e as Error).message}: ${frames.map((f) => f.toString("utf8").slice(0, 200)).join(" | ")}`);
          continue;
        }
        this.arrivedAt.set(m, Date.now());
        this.iopub.push(m);
        const parent = (m.parent_header as { msg_id?: string }).msg_id ?? "";
        let list = this.iopubByParent.get(parent);
        if (!list) this.iopubByParent.set(parent, (list = []));
        list.push(m);
        for (const w of this.waiters.splice(0)) w();
      }
    })().catch(() => {});
  }

  /** Launches `node <main> <connection file>` (or another command line) and waits for a kernel_info_reply. */
  static async start(opts: { argv?: string[]; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<KernelClient> {
    const conn = await makeConnection();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-kernel-test-"));
    const file = path.join(dir, "connection.json");
    fs.writeFileSync(file, JSON.stringify(conn));
    const argv = (opts.argv ?? [process.execPath, KERNEL_MAIN, "{connection_file}"]).map((a) => a.replace("{connection_file}", file));
    const proc = spawn(argv[0]!, argv.slice(1), { cwd: opts.cwd ?? dir, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    const client = new KernelClient(proc, conn, dir);
    await client.waitReady();
    return client;
  }

  /** Polls kernel_info until the kernel answers (the first message may be lost while sockets connect). */
  async waitReady(timeoutMs = 30_000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.proc.exitCode !== null) throw new Error(`kernel exited with ${this.proc.exitCode}: ${this.stderr}`);
      try {
        const reply = await this.request("shell", "kernel_info_request", {}, 250);
        // Ready means IOPub works too: PUB/SUB drops messages until the subscription has reached the kernel.
        await this.iopubFor((reply.parent_header as { msg_id: string }).msg_id, 500);
        return reply;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`kernel did not answer kernel_info within ${timeoutMs} ms: ${String(e)}\n${this.stderr}`);
      }
    }
  }

  private readonly pending = new Map<string, (m: Message) => void>();
  private readers = new Set<string>();

  private ensureReader(channel: "shell" | "control"): void {
    if (this.readers.has(channel)) return;
    this.readers.add(channel);
    const sock = channel === "shell" ? this.shell : this.control;
    void (async () => {
      for await (const frames of sock) {
        const m = decode(frames, String(this.conn["key"]), "hmac-sha256");
        this.arrivedAt.set(m, Date.now());
        const parentId = (m.parent_header as { msg_id?: string }).msg_id ?? "";
        this.pending.get(parentId)?.(m);
      }
    })().catch(() => {});
  }

  /** Sends raw frames on a channel (for malformed-message tests). */
  async sendRaw(channel: "shell" | "control", frames: (Buffer | string)[]): Promise<void> {
    await (channel === "shell" ? this.shell : this.control).send(frames);
  }

  /** Builds the signed frames of a request; `key` overrides the signing key. */
  frames(msgType: string, content: Record<string, unknown>, key = String(this.conn["key"])): { id: string; frames: (Buffer | string)[] } {
    const header = makeHeader(msgType, this.session, "test");
    return { id: header.msg_id, frames: encode({ identities: [], header, parent_header: {}, metadata: {}, content }, key, "hmac-sha256") };
  }

  /** Sends a request and resolves with its reply. */
  async request(channel: "shell" | "control", msgType: string, content: Record<string, unknown>, timeoutMs = 60_000): Promise<Message> {
    this.ensureReader(channel);
    const { id, frames } = this.frames(msgType, content);
    const got = new Promise<Message>((resolve, reject) => {
      const t = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no reply to ${msgType} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, (m) => {
        clearTimeout(t);
        this.pending.delete(id);
        resolve(m);
      });
    });
    await this.sendRaw(channel, frames);
    return got;
  }

  /** IOPub messages whose parent is `msgId`, once the kernel reported idle for it. */
  async iopubFor(msgId: string, timeoutMs = 60_000): Promise<Message[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const mine = [...(this.iopubByParent.get(msgId) ?? [])];
      if (mine.some((m) => m.header.msg_type === "status" && m.content["execution_state"] === "idle")) return mine;
      if (Date.now() > deadline) throw new Error(`no idle status for ${msgId}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }

  /** Runs a request and collects its IOPub traffic. */
  async exchange(channel: "shell" | "control", msgType: string, content: Record<string, unknown>): Promise<Exchange> {
    const reply = await this.request(channel, msgType, content);
    const iopub = await this.iopubFor((reply.parent_header as { msg_id: string }).msg_id);
    return { reply, iopub };
  }

  /** Executes code (store_history on) and collects outputs. */
  execute(code: string, extra: Record<string, unknown> = {}): Promise<Exchange> {
    return this.exchange("shell", "execute_request", { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true, ...extra });
  }

  /** Asks the kernel to shut down, then makes sure the process is gone and cleans up. */
  async close(): Promise<void> {
    if (this.proc.exitCode === null) {
      try {
        await this.request("control", "shutdown_request", { restart: false }, 5000);
      } catch {
        // already gone
      }
      const exited = new Promise<void>((r) => this.proc.once("exit", () => r()));
      const t = setTimeout(() => this.proc.kill("SIGKILL"), 5000);
      if (this.proc.exitCode === null) await exited;
      clearTimeout(t);
    }
    for (const s of [this.shell, this.control, this.iopubSock]) s.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Concatenated text of stream messages named `name`. */
export function streamText(msgs: Message[], name = "stdout"): string {
  return msgs.filter((m) => m.header.msg_type === "stream" && m.content["name"] === name).map((m) => String(m.content["text"])).join("");
}

/** The first message of a type, or throws listing what arrived. */
export function first(msgs: Message[], type: string): Message {
  const m = msgs.find((x) => x.header.msg_type === type);
  if (!m) throw new Error(`no ${type} among ${msgs.map((x) => x.header.msg_type).join(", ")}`);
  return m;
}
