/**
 * The in-browser kubelab kernel: registered with JupyterLite's kernel specs under the Node kernel's
 * name and display name (a notebook opens on either), running cells in a Web Worker.
 *
 * Interrupts: where the page is cross-origin isolated, a SharedArrayBuffer flag that the checks
 * compiled into the cell's loops and functions read; elsewhere the worker is restarted, and the cell
 * says so.
 */
import type { JupyterFrontEndPlugin } from "@jupyterlab/application";
import { PageConfig, URLExt } from "@jupyterlab/coreutils";
import type { KernelMessage } from "@jupyterlab/services";
import { BaseKernel, IKernelClient, IKernelSpecs, type IKernel } from "@jupyterlite/services";
import type { ErrorContent, FromWorker, MimeBundle, ToWorker } from "./protocol";

export const KERNEL_NAME = "kubelab";
export const DISPLAY_NAME = "kubelab (TypeScript)";

interface Pending {
  onMessage: (m: FromWorker) => void;
}

/** A started worker: its interrupt flag, and the banner it sends once it has loaded. */
interface LaunchedWorker {
  worker: Worker;
  irq: Int32Array | null;
  ready: Promise<string>;
  /** Where the worker's other messages go (set by the kernel that adopts it). */
  route: (m: Exclude<FromWorker, { type: "ready" }>) => void;
}

function launchWorker(): LaunchedWorker {
  const worker = new Worker(URLExt.join(PageConfig.getOption("fullStaticUrl"), "kubelab-kernel.js"));
  const irq = globalThis.crossOriginIsolated ? new Int32Array(new SharedArrayBuffer(4)) : null;
  const launched: LaunchedWorker = { worker, irq, ready: Promise.resolve(""), route: () => {} };
  launched.ready = new Promise((resolve, reject) => {
    worker.onerror = (ev) => reject(new Error(`the kubelab kernel worker failed to start: ${ev.message}`));
    worker.onmessage = (ev: MessageEvent<FromWorker>) => {
      if (ev.data.type === "ready") resolve(ev.data.banner);
      else launched.route(ev.data);
    };
  });
  launched.ready.catch(() => {}); // a spare nobody adopts must not report an unhandled rejection
  const init: ToWorker = { type: "init", irq: irq ? (irq.buffer as SharedArrayBuffer) : null };
  worker.postMessage(init);
  return launched;
}

/**
 * A worker started while JupyterLab is still loading, so the first kernel does not wait for the
 * worker's 6 MB script (TypeScript and the simulation) to download and compile.
 */
let spare: LaunchedWorker | undefined;

export class KubelabKernel extends BaseKernel {
  private worker!: Worker;
  private irq: Int32Array | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private banner = "";
  private workerReady!: Promise<void>;
  private running: { id: number; stop: (e: ErrorContent) => void } | undefined;

  constructor(options: IKernel.IOptions) {
    super(options);
    this.startWorker();
  }

  private startWorker(): void {
    const launched = spare ?? launchWorker();
    spare = undefined;
    this.worker = launched.worker;
    this.irq = launched.irq;
    launched.route = (m) => this.pending.get(m.id)?.onMessage(m);
    this.workerReady = launched.ready.then((banner) => {
      this.banner = banner;
    });
  }

  private post(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  override get ready(): Promise<void> {
    return Promise.all([super.ready, this.workerReady]).then(() => undefined);
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.worker.terminate();
    super.dispose();
  }

  /** Stops the running cell: the shared flag, or (not cross-origin isolated) a fresh worker. */
  interrupt(): void {
    if (this.irq) {
      Atomics.store(this.irq, 0, 1);
      return;
    }
    const running = this.running;
    this.worker.terminate();
    this.pending.clear();
    this.startWorker();
    running?.stop({
      ename: "KeyboardInterrupt",
      evalue: "Execution interrupted: the kernel was restarted",
      traceback: [
        "KeyboardInterrupt: Execution interrupted",
        "This page is not cross-origin isolated, so a running cell can only be stopped by restarting the kernel:",
        "every variable is gone; run the notebook's cells again.",
      ],
    });
  }

  async kernelInfoRequest(): Promise<KernelMessage.IInfoReplyMsg["content"]> {
    await this.workerReady;
    return {
      implementation: "kubelab",
      implementation_version: "0.1.0",
      language_info: {
        name: "typescript",
        version: "5.9",
        mimetype: "text/typescript",
        file_extension: ".ts",
        pygments_lexer: "typescript",
        codemirror_mode: { name: "javascript", typescript: true },
        nbconvert_exporter: "script",
      },
      protocol_version: "5.3",
      status: "ok",
      banner: this.banner,
      help_links: [{ text: "TypeScript handbook", url: "https://www.typescriptlang.org/docs/handbook/intro.html" }],
    };
  }

  async executeRequest(content: KernelMessage.IExecuteRequestMsg["content"]): Promise<KernelMessage.IExecuteReplyMsg["content"]> {
    await this.workerReady;
    const id = ++this.nextId;
    const count = this.executionCount;
    return new Promise((resolve) => {
      const finish = (error?: ErrorContent): void => {
        this.pending.delete(id);
        this.running = undefined;
        if (error) resolve({ status: "error", execution_count: count, ...error } as KernelMessage.IExecuteReplyMsg["content"]);
        else resolve({ status: "ok", execution_count: count, user_expressions: {} } as KernelMessage.IExecuteReplyMsg["content"]);
      };
      this.running = {
        id,
        stop: (e) => {
          this.publishExecuteError(e);
          finish(e);
        },
      };
      this.pending.set(id, {
        onMessage: (m) => {
          switch (m.type) {
            case "stream":
              this.stream({ name: m.name, text: m.text });
              break;
            case "display":
              if (m.update) this.updateDisplayData({ data: m.bundle as never, metadata: {}, transient: { display_id: m.displayId ?? "" } });
              else this.displayData({ data: m.bundle as never, metadata: {}, ...(m.displayId ? { transient: { display_id: m.displayId } } : {}) });
              break;
            case "clear":
              this.clearOutput({ wait: m.wait });
              break;
            case "result":
              this.publishExecuteResult({ execution_count: count, data: m.bundle as MimeBundle as never, metadata: {} });
              break;
            case "error":
              this.publishExecuteError(m.error);
              break;
            case "done":
              finish(m.ok ? undefined : m.error);
              break;
          }
        },
      });
      this.post({ type: "execute", id, code: content.code, count });
    });
  }

  private ask<T extends FromWorker["type"]>(m: ToWorker & { id: number }, type: T): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve) => {
      this.pending.set(m.id, {
        onMessage: (r) => {
          if (r.type !== type) return;
          this.pending.delete(m.id);
          resolve(r as Extract<FromWorker, { type: T }>);
        },
      });
      this.post(m);
    });
  }

  async completeRequest(content: KernelMessage.ICompleteRequestMsg["content"]): Promise<KernelMessage.ICompleteReplyMsg["content"]> {
    await this.workerReady;
    const r = await this.ask({ type: "complete", id: ++this.nextId, code: content.code, cursor: content.cursor_pos }, "completed");
    return { status: "ok", matches: r.matches, cursor_start: r.start, cursor_end: r.end, metadata: {} };
  }

  async inspectRequest(content: KernelMessage.IInspectRequestMsg["content"]): Promise<KernelMessage.IInspectReplyMsg["content"]> {
    await this.workerReady;
    const r = await this.ask({ type: "inspect", id: ++this.nextId, code: content.code, cursor: content.cursor_pos }, "inspected");
    return { status: "ok", found: r.found, data: r.found ? { "text/plain": r.text } : {}, metadata: {} };
  }

  async isCompleteRequest(): Promise<KernelMessage.IIsCompleteReplyMsg["content"]> {
    return { status: "complete" };
  }

  async commInfoRequest(): Promise<KernelMessage.ICommInfoReplyMsg["content"]> {
    return { status: "ok", comms: {} };
  }

  inputReply(): void {}
  async commOpen(): Promise<void> {}
  async commMsg(): Promise<void> {}
  async commClose(): Promise<void> {}
}

const kernels = new Map<string, KubelabKernel>();

const plugin: JupyterFrontEndPlugin<void> = {
  id: "@kubelab/site:kernel",
  description: "The kubelab TypeScript kernel, running in a Web Worker",
  autoStart: true,
  requires: [IKernelSpecs, IKernelClient],
  activate: (_app, specs: IKernelSpecs, client: IKernelClient) => {
    spare = launchWorker();
    const logo = URLExt.join(PageConfig.getOption("fullStaticUrl"), "kubelab-logo-64x64.png");
    specs.register({
      spec: {
        name: KERNEL_NAME,
        display_name: DISPLAY_NAME,
        language: "typescript",
        argv: [],
        resources: { "logo-32x32": logo.replace("64x64", "32x32"), "logo-64x64": logo },
      },
      create: async (options: IKernel.IOptions): Promise<IKernel> => {
        const kernel = new KubelabKernel(options);
        kernels.set(options.id, kernel);
        kernel.disposed.connect(() => kernels.delete(options.id));
        await kernel.ready;
        return kernel;
      },
    });
    // JupyterLite's interrupt only cancels queued cells; this also stops the running one.
    const interrupt = client.interrupt.bind(client);
    client.interrupt = async (id: string): Promise<void> => {
      kernels.get(id)?.interrupt();
      return interrupt(id);
    };
  },
};

export default plugin;
