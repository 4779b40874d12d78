/**
 * The container runtime behind the CRI (containerd, in a kubeadm cluster): pod sandboxes, image
 * pulls and containers on one node, each call taking virtual time like the real RPCs.
 *
 * @example
 * ```ts
 * const cri = new ContainerRuntime(ctx, "node-1", cni);
 * cri.runPodSandbox("kubelet@node-1", "pod/default/web-x2x7q", (net) => ...);
 * ```
 */
import type { SimContext } from "../sim/context";
import type { CNI, PodNetwork } from "./cni";

/** Virtual durations of CRI calls, in milliseconds. */
export const criLatency = {
  runPodSandbox: 150,
  cniAdd: 50,
  createContainer: 50,
  startContainer: 100,
  stopContainer: 50,
  /** An image not on the node: pulled in 1–4 s (seeded); a cached one is checked in 100 ms. */
  pullMin: 1000,
  pullSpread: 3000,
  pullCached: 100,
} as const;

export class ContainerRuntime {
  readonly name: string;
  readonly images = new Set<string>();

  constructor(
    private readonly ctx: SimContext,
    readonly node: string,
    readonly cni: CNI,
  ) {
    this.name = `cri@${node}`;
  }

  private id(): string {
    return this.ctx.rng.hex(8);
  }

  /** RunPodSandbox: the pause container, its network namespace (via CNI ADD). */
  runPodSandbox(caller: string, object: string, hostNetwork: boolean, done: (net: PodNetwork | undefined, sandboxId: string) => void): void {
    const sandboxId = this.id();
    this.ctx.record(caller, this.name, "RunPodSandbox", object, hostNetwork ? "hostNetwork: no CNI" : "");
    this.ctx.loop.after(criLatency.runPodSandbox, "cri sandbox", () => {
      if (hostNetwork) return done(undefined, sandboxId);
      let net: PodNetwork;
      try {
        net = this.cni.add(this.name, object, sandboxId);
      } catch (e) {
        this.ctx.record(this.name, caller, "error", object, (e as Error).message);
        return;
      }
      this.ctx.loop.after(criLatency.cniAdd, "cni add", () => done(net, sandboxId));
    });
  }

  /** Whether the node has the image already (no pull for IfNotPresent). */
  hasImage(image: string): boolean {
    return this.images.has(image);
  }

  /** PullImage, honouring the pull policy; `done` gets the image reference. */
  pullImage(caller: string, object: string, image: string, policy: string, done: () => void): void {
    const present = this.images.has(image);
    if (present && policy !== "Always") {
      this.ctx.record(caller, caller, "image-present", object, `Container image "${image}" already present on machine`);
      return done();
    }
    this.ctx.record(caller, this.name, "PullImage", object, image);
    const ms = present ? criLatency.pullCached : criLatency.pullMin + this.ctx.rng.int(criLatency.pullSpread);
    this.ctx.loop.after(ms, "cri pull", () => {
      this.images.add(image);
      done();
    });
  }

  /** CreateContainer + StartContainer; returns the container id. */
  startContainer(caller: string, object: string, container: string, done: (containerId: string) => void): void {
    const id = this.id();
    this.ctx.record(caller, this.name, "CreateContainer", object, container);
    this.ctx.loop.after(criLatency.createContainer, "cri create", () => {
      this.ctx.record(caller, this.name, "StartContainer", object, container);
      this.ctx.loop.after(criLatency.startContainer, "cri start", () => done(id));
    });
  }

  stopContainer(caller: string, object: string, container: string, detail: string): void {
    this.ctx.record(caller, this.name, "StopContainer", object, `${container}: ${detail}`);
  }

  /** The stop timeout ran out with the container still running: SIGKILL. */
  killContainer(object: string, container: string, graceSeconds: number): void {
    this.ctx.record(this.name, this.name, "SIGKILL", object, `${container}: still running ${graceSeconds}s after SIGTERM`);
  }

  stopPodSandbox(caller: string, object: string, sandboxId: string): void {
    this.ctx.record(caller, this.name, "StopPodSandbox", object, "");
    this.cni.del(this.name, object, sandboxId);
  }
}
