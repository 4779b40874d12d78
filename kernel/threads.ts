/**
 * Messages between the kernel's two threads: the protocol thread (ZeroMQ sockets, signing, heartbeat,
 * interrupts) and the engine thread (compiling and running cells).
 */
import type { Header } from "./wire";

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
  | { kind: "close" };

/** Data the protocol thread starts with. */
export interface ChannelsData {
  connection: ConnectionInfo;
  /** The `kernel_info_reply` content, so that the control channel can answer while a cell runs. */
  kernelInfo: Record<string, unknown>;
  /** The interrupt flag: an `Int32Array` over this buffer, `[0] !== 0` while an interrupt is pending. */
  irq: SharedArrayBuffer;
}
