/**
 * Messages between the kernel's two threads: the protocol thread (ZeroMQ sockets, signing, heartbeat,
 * interrupts) and the engine thread (compiling and running cells).
 */
import type { Header } from "./wire";

/** Slots of the shared interrupt array (an `Int32Array` over a `SharedArrayBuffer`). */
export const IRQ_SLOTS = 3;
/** Slot of the interrupt flag: non-zero while an interrupt is pending; the compiled checks read it. */
export const IRQ_FLAG = 0;
/**
 * Slot of the engine thread's phase, which tells the protocol thread whether a SIGINT is safe: only while a
 * cell runs under `vm` breakOnSigint (a {@link watchedPhase}) does Node's watchdog catch the signal; any other
 * time Node's default handler (or nothing) would end the process. The protocol thread moves the watched phase
 * to `PHASE_SIGNALLED` (compare-and-exchange) before it sends the signal, and the engine thread, leaving the
 * watchdog, waits for a committed signal to land (executor.ts).
 */
export const IRQ_PHASE = 1;
export const PHASE_IDLE = 0;
export const PHASE_WATCHED = 1;
export const PHASE_SIGNALLED = 2;
/**
 * Slot counting the sections of code running now that poll the flag at safe points (kubelab's event loop:
 * `src/sim/interrupt.ts`). While it is non-zero the protocol thread waits {@link POLL_GRACE_MS} for the
 * code to stop by itself before it sends the SIGINT that would stop it wherever it is.
 */
export const IRQ_POLLING = 2;
/** How long code that polls gets to stop by itself: half of the 100 ms a learner may wait for a stop. */
export const POLL_GRACE_MS = 50;

/**
 * The phase value of cell `cell` inside the watchdog: `PHASE_WATCHED` tagged with the cell, so that a SIGINT
 * the protocol thread sends late (after the grace) cannot hit a later cell (its compare-and-exchange fails).
 *
 * @example
 * ```ts
 * isWatched(watchedPhase(7)); // → true
 * ```
 */
export function watchedPhase(cell: number): number {
  return ((cell & 0x1fffffff) << 2) | PHASE_WATCHED;
}

/** Whether a phase value is some cell's {@link watchedPhase}. */
export function isWatched(phase: number): boolean {
  return (phase & 3) === PHASE_WATCHED;
}

/** A connection file's content (https://jupyter-client.readthedocs.io/en/latest/kernels.html#connection-files). */
export interface ConnectionInfo {
  transport: string;
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
  kernel_name?: string;
}

/** The channels a kernel sends on. */
export type Channel = "shell" | "control" | "iopub" | "stdin";

/** The parts of a request a reply needs: whom to route it to and which header it answers. */
export interface ParentRef {
  header: Header;
  identities: Uint8Array[];
}

/** A verified request, as the engine thread receives it. */
export interface Request extends ParentRef {
  channel: "shell" | "control";
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
}

/** Protocol thread → engine thread. */
export type ToEngine =
  | { kind: "request"; request: Request }
  /** `signalRelay`: the protocol thread receives SIGINT itself (else only the engine thread's handler does). */
  | { kind: "ready"; signalRelay: boolean }
  | { kind: "shutdown"; restart: boolean }
  /** An interrupt arrived (interrupt_request or SIGINT); the shared flag is already set. */
  | { kind: "interrupt" };

/** Engine thread → protocol thread. */
export type ToChannels =
  | { kind: "send"; channel: Channel; msgType: string; content: Record<string, unknown>; parent: ParentRef | null; metadata?: Record<string, unknown> }
  /** A write to stdout/stderr: the protocol thread coalesces writes into stream messages. */
  | { kind: "stream"; name: "stdout" | "stderr"; text: string; parent: ParentRef | null }
  /** A cell's breakOnSigint run ended: Node put its exit handler back on SIGINT (re-arm the relay). */
  | { kind: "leftWatchdog" }
  | { kind: "close" };

/** Data the protocol thread starts with. */
export interface ChannelsData {
  connection: ConnectionInfo;
  /** The `kernel_info_reply` content, so that the control channel can answer while a cell runs. */
  kernelInfo: Record<string, unknown>;
  /** The interrupt array: an `Int32Array` over this buffer, slots as `interrupt.ts` names them. */
  irq: SharedArrayBuffer;
}
