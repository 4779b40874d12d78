/**
 * The protocol thread: owns the ZeroMQ sockets, verifies and signs every message, answers the heartbeat,
 * and handles the control channel itself (interrupt, shutdown, kernel_info) so that it works while the
 * engine thread is busy running a cell. Shell requests go to the engine thread in arrival order.
 *
 * Runs as a worker thread started by `main.ts`; messages that fail to decode are dropped and logged.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import { randomUUID } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";
import * as zmq from "zeromq";
import { decode, encode, makeHeader, type Header, type Message } from "./wire";
import type { Channel, ChannelsData, ParentRef, ToChannels, ToEngine } from "./threads";
import { IRQ_FLAG, IRQ_PHASE, IRQ_POLLING, PHASE_SIGNALLED, POLL_GRACE_MS, isWatched } from "./threads";

/** Writes to the process's real stderr (the Jupyter server log); the engine thread captures `process.stderr`. */
function log(text: string): void {
  try {
    fs.writeSync(2, `[kubelab kernel] ${text}\n`);
  } catch {
    // nowhere left to log to
  }
}

/** Serialises sends: a zeromq v6 socket allows one pending send at a time. */
class SendQueue {
  private tail: Promise<void> = Promise.resolve();
  constructor(private readonly socket: zmq.Router | zmq.Publisher) {}
  send(frames: (Buffer | string)[]): Promise<void> {
    this.tail = this.tail.then(
      () => this.socket.send(frames),
    ).catch((e: unknown) => log(`send failed: ${String(e)}`));
    return this.tail;
  }
}

/** A started libuv signal handle (from `process.binding("signal_wrap")`). */
interface SignalHandle {
  close(): void;
}

/**
 * Receives SIGINT in this thread. Node delivers signals to `process.on` in the main thread only, and not
 * while that thread is busy; libuv's signal handle works in any thread, so this thread reaches it through
 * `process.binding("signal_wrap")` (deprecated, without a replacement). Returns undefined where unavailable:
 * SIGINT then interrupts only through the engine thread (busy synchronous cell code, awaiting cells).
 *
 * libuv installs its process-wide handler only when the first handle starts; Node's breakOnSigint
 * watchdog replaces it during each cell and leaves its own exit handler behind. So the engine thread
 * tells this thread after each cell, and `rearm` closes and restarts the handle to install libuv's again.
 */
function relaySigint(onSignal: () => void): { rearm(): void } | undefined {
  const proc = process as unknown as { binding(name: string): { Signal: new () => SignalHandle & { onsignal: () => void; start(signum: number): number; unref(): void } }; noDeprecation?: boolean };
  if (process.env["KUBELAB_NO_SIGNAL_RELAY"]) return undefined; // to test the fallback
  const quiet = proc.noDeprecation;
  try {
    proc.noDeprecation = true; // the deprecation warning would reach the notebook as stderr
    const Signal = proc.binding("signal_wrap").Signal;
    const start = (): SignalHandle | undefined => {
      const handle = new Signal();
      handle.onsignal = onSignal;
      if (handle.start(os.constants.signals.SIGINT) !== 0) return undefined;
      handle.unref();
      return handle;
    };
    let handle = start();
    if (!handle) return undefined;
    return {
      rearm: () => {
        handle?.close();
        handle = start();
      },
    };
  } catch {
    return undefined;
  } finally {
    proc.noDeprecation = quiet;
  }
}

async function start(data: ChannelsData): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error("channels.ts must run in a worker thread");
  const { connection: c, kernelInfo } = data;
  const key = c.key ?? "";
  const scheme = c.signature_scheme || "hmac-sha256";
  const session = randomUUID();
  const kernelId = randomUUID();
  const url = (p: number): string => (c.transport === "ipc" ? `ipc://${c.ip}-${p}` : `${c.transport}://${c.ip}:${p}`);

  const shell = new zmq.Router();
  const control = new zmq.Router();
  const stdin = new zmq.Router();
  const iopub = new zmq.Publisher();
  const hb = new zmq.Reply();
  await Promise.all([shell.bind(url(c.shell_port)), control.bind(url(c.control_port)), stdin.bind(url(c.stdin_port)), iopub.bind(url(c.iopub_port)), hb.bind(url(c.hb_port))]);
  const queues: Record<Channel, SendQueue> = { shell: new SendQueue(shell), control: new SendQueue(control), stdin: new SendQueue(stdin), iopub: new SendQueue(iopub) };

  const send = (channel: Channel, msgType: string, content: Record<string, unknown>, parent: ParentRef | null, metadata: Record<string, unknown> = {}): Promise<void> => {
    const identities = channel === "iopub" ? [Buffer.from(`kernel.${kernelId}.${msgType}`)] : (parent?.identities ?? []).map((b) => Buffer.from(b));
    return queues[channel].send(
      encode({ identities, header: makeHeader(msgType, session, parent?.header.username ?? "kernel"), parent_header: parent?.header ?? {}, metadata, content }, key, scheme),
    );
  };
  const toEngine = (m: ToEngine): void => port.postMessage(m);

  // Interrupts set the shared flag at once (the engine thread may be busy), stop the synchronous part of a
  // running cell with a SIGINT to Node's watchdog when the cell is inside it, then tell the engine thread.
  // Code that polls the flag between consistent steps (kubelab's settle, advance, traffic) gets a grace
  // period first: the signal would cut one of its steps in half.
  const irq = new Int32Array(data.irq);
  const signal = (phase: number): void => {
    if (isWatched(phase) && Atomics.compareExchange(irq, IRQ_PHASE, phase, PHASE_SIGNALLED) === phase) process.kill(process.pid, "SIGINT");
  };
  const interrupt = (): void => {
    Atomics.store(irq, IRQ_FLAG, 1);
    const phase = Atomics.load(irq, IRQ_PHASE);
    if (Atomics.load(irq, IRQ_POLLING) > 0) setTimeout(() => signal(phase), POLL_GRACE_MS);
    else signal(phase);
    toEngine({ kind: "interrupt" });
  };
  const relay = relaySigint(interrupt);
  const signalRelay = relay !== undefined;

  // Writes of one stream for one request are coalesced until this thread's event loop turns (or 64 kB),
  // and flushed before any other message, so outputs keep their order.
  let pending: { name: "stdout" | "stderr"; text: string; parent: ParentRef | null } | undefined;
  let flushScheduled = false;
  const flush = (): void => {
    flushScheduled = false;
    if (!pending) return;
    void send("iopub", "stream", { name: pending.name, text: pending.text }, pending.parent);
    pending = undefined;
  };
  port.on("message", (m: ToChannels) => {
    if (m.kind === "stream") {
      if (pending && (pending.name !== m.name || pending.parent?.header.msg_id !== m.parent?.header.msg_id)) flush();
      if (pending) pending.text += m.text;
      else pending = { name: m.name, text: m.text, parent: m.parent };
      if (pending.text.length > 65536) flush();
      else if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
      return;
    }
    flush();
    if (m.kind === "send") void send(m.channel, m.msgType, m.content, m.parent, m.metadata);
    else if (m.kind === "leftWatchdog") relay?.rearm();
    else if (m.kind === "close") {
      for (const s of [shell, control, stdin, iopub, hb]) s.close();
      port.close();
    }
  });

  void (async () => {
    for await (const [ping] of hb) await hb.send(ping ?? Buffer.alloc(0));
  })().catch((e: unknown) => log(`heartbeat stopped: ${String(e)}`));

  const receive = async (socket: zmq.Router, channel: "shell" | "control"): Promise<void> => {
    for await (const frames of socket) {
      let msg: Message;
      try {
        msg = decode(frames, key, scheme);
      } catch (e) {
        log(`dropped a message on ${channel}: ${(e as Error).message}`);
        continue;
      }
      const parent: ParentRef = { header: msg.header as Header, identities: msg.identities };
      if (channel === "control") {
        const type = msg.header.msg_type;
        if (type === "interrupt_request" || type === "shutdown_request" || type === "kernel_info_request") {
          await send("iopub", "status", { execution_state: "busy" }, parent);
          if (type === "interrupt_request") {
            interrupt();
            await send("control", "interrupt_reply", { status: "ok" }, parent);
          } else if (type === "kernel_info_request") {
            await send("control", "kernel_info_reply", kernelInfo, parent);
          } else {
            const restart = msg.content["restart"] === true;
            await send("control", "shutdown_reply", { status: "ok", restart }, parent);
            await send("iopub", "shutdown_reply", { status: "ok", restart }, parent);
            await send("iopub", "status", { execution_state: "idle" }, parent);
            toEngine({ kind: "shutdown", restart });
            continue;
          }
          await send("iopub", "status", { execution_state: "idle" }, parent);
          continue;
        }
      }
      toEngine({ kind: "request", request: { channel, header: msg.header as Header, identities: msg.identities, metadata: msg.metadata, content: msg.content } });
    }
  };
  void receive(shell, "shell").catch((e: unknown) => log(`shell stopped: ${String(e)}`));
  void receive(control, "control").catch((e: unknown) => log(`control stopped: ${String(e)}`));
  void (async () => {
    // Nothing asks for input (no input_request); drain so the socket never blocks.
    for await (const _ of stdin) void _;
  })().catch(() => {});
  // Jupyter expects a "starting" status on IOPub once the kernel is up.
  await send("iopub", "status", { execution_state: "starting" }, null);
  toEngine({ kind: "ready", signalRelay });
}

if (parentPort) {
  start(workerData as ChannelsData).catch((e: unknown) => {
    log(`protocol thread failed: ${(e as Error).stack ?? String(e)}`);
    process.exit(1);
  });
}
