/** Messages between the kernel (page side) and its Web Worker. */
export type MimeBundle = Record<string, unknown>;

export type ToWorker =
  | { type: "init"; irq: SharedArrayBuffer | null }
  | { type: "execute"; id: number; code: string; count: number }
  | { type: "complete"; id: number; code: string; cursor: number }
  | { type: "inspect"; id: number; code: string; cursor: number };

export interface ErrorContent {
  ename: string;
  evalue: string;
  traceback: string[];
}

export type FromWorker =
  | { type: "ready"; banner: string }
  | { type: "stream"; id: number; name: "stdout" | "stderr"; text: string }
  | { type: "display"; id: number; bundle: MimeBundle; displayId?: string; update: boolean }
  | { type: "clear"; id: number; wait: boolean }
  | { type: "result"; id: number; bundle: MimeBundle }
  | { type: "error"; id: number; error: ErrorContent }
  | { type: "done"; id: number; ok: boolean; error?: ErrorContent }
  | { type: "completed"; id: number; matches: string[]; start: number; end: number }
  | { type: "inspected"; id: number; found: boolean; text: string };
