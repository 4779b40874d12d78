/**
 * The kubelet of one node: registers the Node, watches the pods bound to it, and runs each pod
 * through the container runtime (CRI) and network plugin (CNI), reporting status to the API
 * server: Pending (ContainerCreating) → Running with podIP and hostIP → Ready.
 *
 * The app inside each container is simulated too, so probes have something to probe: it starts
 * listening `kubelab.io/app-start-seconds` after the container starts (default 0), can be made to
 * hang or crash (`cluster.fail`) and to recover (`cluster.heal`), and exits
 * `kubelab.io/app-shutdown-seconds` after SIGTERM (default 1, bounded by the grace period). A hung
 * app is stuck: it ignores SIGTERM too, so a liveness kill waits out the whole grace period.
 *
 * Probes are evaluated at their real schedule (initialDelaySeconds, then every periodSeconds), but
 * only the probes whose result changes something are simulated, so a settled cluster is idle.
 *
 * @example
 * ```ts
 * const kubelet = new Kubelet(ctx, api, { name: "node-1", ip: "172.18.0.3", ... });
 * kubelet.start();
 * ```
 */
import type { ApiServer, Stored } from "../apiserver/apiserver";
import { Informer } from "../client/informer";
import { cacheKey, traceRef } from "../api/meta";
import type { Condition, ContainerStatus, DeepReadonly, Node, PodStatus, Probe, Taint } from "../api/types";
import { wellKnown } from "../api/types";
import type { SimContext } from "../sim/context";
import { CNI, type PodNetwork } from "./cni";
import { ContainerRuntime } from "./cri";
import { FNV32_OFFSET, fnv1a32, fnv1a32Byte } from "../util/hash";
import type { ApiClient } from "../client/client";

export const KUBERNETES_VERSION = "v1.31.0";

export interface NodeConfig {
  name: string;
  ip: string;
  controlPlane: boolean;
  cpu: string;
  memory: string;
  maxPods: number;
  labels?: Record<string, string>;
  taints?: Taint[];
}

/** How a simulated app misbehaves: `hang` stops answering (alive but stuck); `crash` exits. */
export type FailureMode = "hang" | "crash";

/** Runtime state of one container and the app in it. */
export interface RuntimeContainer {
  name: string;
  image: string;
  containerId?: string;
  state: "waiting" | "running" | "terminated";
  reason: string;
  startedAt?: number;
  restartCount: number;
  /** Virtual time the app starts answering (after startup). */
  appReadyAt?: number;
  hung: boolean;
  /** Crash again right after every restart (CrashLoopBackOff). */
  crashLoop: boolean;
  ready: boolean;
  lastExitCode?: number;
  lastTerminated?: { exitCode: number; reason: string; startedAt: number; finishedAt: number };
  /** Bumped on every state change, so scheduled probe results that are out of date are dropped. */
  epoch: number;
  /** SIGTERM sent (a liveness kill in progress): when the runtime sends SIGKILL; no probes until then. */
  stopping?: { killAt: number };
}

/** What the kubelet keeps per pod. */
export interface PodRuntime {
  key: string;
  ref: string;
  uid: string;
  pod: Stored<"Pod">;
  sandboxId?: string;
  network?: PodNetwork;
  ip?: string;
  containers: RuntimeContainer[];
  startedAt: number;
  terminating: boolean;
  conditionTimes: Map<string, { status: string; at: string }>;
  /** Signature of the last status sent (the status manager skips unchanged updates). */
  statusSig?: string;
}

export class Kubelet {
  readonly name: string;
  /** The kubelet's API client (its node's credentials: `kubelet@node`). */
  private readonly client: ApiClient;
  readonly cni: CNI;
  readonly cri: ContainerRuntime;
  readonly pods: Informer<"Pod">;
  readonly runtimes = new Map<string, PodRuntime>();

  constructor(
    private readonly ctx: SimContext,
    private readonly api: ApiServer,
    readonly config: NodeConfig,
  ) {
    this.name = `kubelet@${config.name}`;
    this.client = api.client(this.name);
    this.cni = new CNI(ctx, config.name);
    this.cri = new ContainerRuntime(ctx, config.name, this.cni);
    this.pods = new Informer(this.client, "Pod", { nodeName: config.name });
    this.pods.on({ add: (p) => this.podAdded(p), update: (p) => this.podUpdated(p), delete: (p) => this.podDeleted(p) });
  }

  /** Register the Node object, then watch for pods; learn the podCIDR when IPAM assigns it. */
  start(): void {
    this.client.create(this.nodeObject());
    this.client.watch(
      "Node",
      (_t, n) => {
        if (n.spec.podCIDR && this.cni.podCIDR !== n.spec.podCIDR) {
          this.cni.configure(n.spec.podCIDR);
          // Pods that arrived before the network was ready can start now.
          for (const rt of this.runtimes.values()) if (!rt.sandboxId) this.startPod(rt);
        }
      },
      { name: this.config.name },
    );
    this.pods.start();
  }

  private nodeObject(): Node {
    const c = this.config;
    const labels: Record<string, string> = {
      "beta.kubernetes.io/arch": "amd64",
      "beta.kubernetes.io/os": "linux",
      "kubernetes.io/arch": "amd64",
      [wellKnown.hostname]: c.name,
      "kubernetes.io/os": "linux",
      ...(c.controlPlane ? { [wellKnown.controlPlaneRole]: "", "node.kubernetes.io/exclude-from-external-load-balancers": "" } : {}),
      ...c.labels,
    };
    const now = this.ctx.timestamp();
    const capacity = { cpu: c.cpu, memory: c.memory, pods: String(c.maxPods), "ephemeral-storage": "100Gi" };
    return {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: c.name, labels, annotations: { "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/containerd/containerd.sock", "node.alpha.kubernetes.io/ttl": "0" } },
      spec: { ...(c.taints?.length ? { taints: c.taints } : {}) },
      status: {
        capacity,
        allocatable: capacity,
        addresses: [
          { type: "InternalIP", address: c.ip },
          { type: "Hostname", address: c.name },
        ],
        conditions: [
          { type: "MemoryPressure", status: "False", reason: "KubeletHasSufficientMemory", message: "kubelet has sufficient memory available", lastTransitionTime: now },
          { type: "DiskPressure", status: "False", reason: "KubeletHasNoDiskPressure", message: "kubelet has no disk pressure", lastTransitionTime: now },
          { type: "PIDPressure", status: "False", reason: "KubeletHasSufficientPID", message: "kubelet has sufficient PID available", lastTransitionTime: now },
          { type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status", lastTransitionTime: now },
        ],
        nodeInfo: {
          kubeletVersion: KUBERNETES_VERSION,
          kubeProxyVersion: KUBERNETES_VERSION,
          containerRuntimeVersion: "containerd://1.7.22",
          osImage: "Debian GNU/Linux 12 (bookworm)",
          kernelVersion: "6.1.0-26-amd64",
          architecture: "amd64",
          operatingSystem: "linux",
        },
      },
    };
  }

  // ------------------------------------------------------------------ pod lifecycle

  private podAdded(p: Stored<"Pod">): void {
    const key = cacheKey(p);
    if (this.runtimes.has(key)) return this.podUpdated(p);
    const rt: PodRuntime = {
      key,
      ref: traceRef(p),
      uid: p.metadata.uid!,
      pod: p,
      containers: p.spec.containers.map((c) => ({ name: c.name, image: c.image, state: "waiting", reason: "ContainerCreating", restartCount: 0, hung: false, crashLoop: false, ready: false, epoch: 0 })),
      startedAt: this.ctx.now,
      terminating: false,
      conditionTimes: new Map(),
    };
    this.runtimes.set(key, rt);
    this.reportStatus(rt);
    if (p.metadata.deletionTimestamp) return this.terminate(rt);
    this.startPod(rt);
  }

  private podUpdated(p: Stored<"Pod">): void {
    const rt = this.runtimes.get(cacheKey(p));
    if (!rt) return this.podAdded(p);
    rt.pod = p;
    if (p.metadata.deletionTimestamp && !rt.terminating) this.terminate(rt);
  }

  private podDeleted(p: Stored<"Pod">): void {
    const rt = this.runtimes.get(cacheKey(p));
    if (!rt) return;
    // Force-deleted while running: tear down without waiting.
    if (rt.sandboxId) this.cri.stopPodSandbox(this.name, rt.ref, rt.sandboxId);
    this.runtimes.delete(rt.key);
  }

  private startPod(rt: PodRuntime): void {
    if (!this.cni.podCIDR && !rt.pod.spec.hostNetwork) return; // network not ready yet
    if (rt.sandboxId || rt.terminating) return;
    rt.sandboxId = "pending";
    this.cri.runPodSandbox(this.name, rt.ref, !!rt.pod.spec.hostNetwork, (net, sandboxId) => {
      rt.sandboxId = sandboxId;
      if (net) rt.network = net;
      rt.ip = net?.ip ?? this.config.ip;
      if (rt.terminating) return this.finishTermination(rt);
      rt.pod.spec.containers.forEach((c, i) => this.startContainer(rt, i, c.imagePullPolicy ?? "IfNotPresent"));
    });
  }

  /** Reports an event about the pod, from this node's kubelet (what `kubectl describe pod` lists). */
  private event(rt: PodRuntime, type: "Normal" | "Warning", reason: string, message: string, fieldPath?: string): void {
    this.api.events.record({ component: "kubelet", host: this.config.name }, rt.pod, type, reason, message, fieldPath);
  }

  private startContainer(rt: PodRuntime, i: number, pullPolicy: string): void {
    const cs = rt.containers[i]!;
    const container = `spec.containers{${cs.name}}`;
    const present = this.cri.hasImage(cs.image) && pullPolicy !== "Always";
    if (!present) this.event(rt, "Normal", "Pulling", `Pulling image "${cs.image}"`, container);
    const pullStart = this.ctx.now;
    this.cri.pullImage(this.name, rt.ref, cs.image, pullPolicy, () => {
      if (rt.terminating) return;
      // The kubelet's message also gives the image size, which the simulation does not model.
      const took = goDuration(this.ctx.now - pullStart);
      this.event(rt, "Normal", "Pulled", present ? `Container image "${cs.image}" already present on machine` : `Successfully pulled image "${cs.image}" in ${took} (${took} including waiting)`, container);
      this.event(rt, "Normal", "Created", `Created container: ${cs.name}`, container);
      this.cri.startContainer(this.name, rt.ref, cs.name, (id) => {
        if (rt.terminating) return;
        this.event(rt, "Normal", "Started", `Started container ${cs.name}`, container);
        cs.containerId = `containerd://${id}`;
        cs.state = "running";
        cs.reason = "";
        cs.startedAt = this.ctx.now;
        cs.hung = false;
        cs.epoch++;
        cs.appReadyAt = this.ctx.now + Number(rt.pod.metadata.annotations?.[wellKnown.appStartSeconds] ?? 0) * 1000;
        const spec = rt.pod.spec.containers[i]!;
        cs.ready = !spec.readinessProbe; // without a probe, a running container counts as ready
        this.reportStatus(rt);
        if (spec.readinessProbe) this.scheduleReadiness(rt, cs, spec.readinessProbe);
        if (cs.crashLoop) this.ctx.loop.after(1000, "app crash", () => this.crash(rt, cs, "Error", 1));
      });
    });
  }

  /** Graceful termination: SIGTERM, wait for the app (≤ grace period), stop the sandbox, delete. */
  private terminate(rt: PodRuntime): void {
    if (rt.terminating) return;
    rt.terminating = true;
    const grace = rt.pod.metadata.deletionGracePeriodSeconds ?? rt.pod.spec.terminationGracePeriodSeconds ?? 30;
    const shutdown = Math.min(grace, Number(rt.pod.metadata.annotations?.[wellKnown.appShutdownSeconds] ?? 1));
    const running = rt.containers.filter((c) => c.state === "running");
    if (running.length === 0 || rt.sandboxId === "pending") {
      if (rt.sandboxId !== "pending") this.finishTermination(rt);
      return;
    }
    for (const c of running) this.cri.stopContainer(this.name, rt.ref, c.name, `SIGTERM, grace period ${grace}s`);
    this.ctx.loop.after(shutdown * 1000, "app shutdown", () => {
      for (const c of running) {
        c.epoch++;
        c.lastTerminated = { exitCode: 0, reason: "Completed", startedAt: c.startedAt ?? this.ctx.now, finishedAt: this.ctx.now };
        c.state = "terminated";
        c.reason = "Completed";
        c.ready = false;
      }
      this.reportStatus(rt);
      this.finishTermination(rt);
    });
  }

  private finishTermination(rt: PodRuntime): void {
    if (rt.sandboxId && rt.sandboxId !== "pending") this.cri.stopPodSandbox(this.name, rt.ref, rt.sandboxId);
    rt.sandboxId = undefined;
    const p = this.api.get("Pod", rt.pod.metadata.namespace, rt.pod.metadata.name!);
    if (p && p.metadata.uid === rt.uid) this.client.delete("Pod", rt.pod.metadata.namespace, rt.pod.metadata.name!, { gracePeriodSeconds: 0 });
    this.runtimes.delete(rt.key);
  }

  // ------------------------------------------------------------------ the app and its probes

  /** Is the app in this pod answering on its ports right now? (The data path asks this.) */
  serving(key: string): boolean {
    const rt = this.runtimes.get(key);
    if (!rt || rt.terminating && rt.containers.every((c) => c.state !== "running")) return false;
    return rt.containers.some((c) => c.state === "running" && !c.hung && this.ctx.now >= (c.appReadyAt ?? Infinity));
  }

  /** Is the app hung (accepts nothing, connections time out) rather than down (connections refused)? */
  hung(key: string): boolean {
    const rt = this.runtimes.get(key);
    return !!rt && rt.containers.some((c) => c.state === "running" && c.hung);
  }

  /** Make the app in a pod misbehave (see {@link FailureMode}). */
  fail(key: string, mode: FailureMode, persistent: boolean): void {
    const rt = this.mustRuntime(key);
    for (const cs of rt.containers) {
      if (cs.state !== "running") continue;
      if (mode === "crash") {
        cs.crashLoop = persistent;
        this.crash(rt, cs, "Error", 1);
      } else {
        if (cs.stopping) continue; // already being killed
        cs.hung = true;
        cs.epoch++;
        this.ctx.record(this.name, this.name, "app-hang", rt.ref, `${cs.name} stops answering`);
        const spec = rt.pod.spec.containers.find((c) => c.name === cs.name)!;
        if (spec.readinessProbe) this.scheduleReadiness(rt, cs, spec.readinessProbe);
        if (spec.livenessProbe) this.scheduleLiveness(rt, cs, spec.livenessProbe);
      }
    }
  }

  /** Let the app answer again (and stop a crash loop). */
  heal(key: string): void {
    const rt = this.mustRuntime(key);
    for (const cs of rt.containers) {
      cs.crashLoop = false;
      if (!cs.hung) continue;
      cs.hung = false;
      if (cs.stopping) {
        // SIGTERM is pending: the recovered app now handles it.
        this.ctx.record(this.name, this.name, "app-recover", rt.ref, `${cs.name} answers again`);
        this.exitOnSigterm(rt, cs);
        continue;
      }
      cs.epoch++;
      this.ctx.record(this.name, this.name, "app-recover", rt.ref, `${cs.name} answers again`);
      const spec = rt.pod.spec.containers.find((c) => c.name === cs.name)!;
      if (spec.readinessProbe) this.scheduleReadiness(rt, cs, spec.readinessProbe);
    }
  }

  private mustRuntime(key: string): PodRuntime {
    const rt = this.runtimes.get(key);
    if (!rt) throw new Error(`pod ${key} is not running on ${this.config.name}`);
    return rt;
  }

  /** The app exits: the container terminates and, with restartPolicy Always, is restarted with back-off. */
  private crash(rt: PodRuntime, cs: RuntimeContainer, reason: string, exitCode: number): void {
    if (cs.state !== "running" || rt.terminating) return;
    cs.epoch++;
    cs.lastTerminated = { exitCode, reason, startedAt: cs.startedAt ?? this.ctx.now, finishedAt: this.ctx.now };
    cs.state = "terminated";
    cs.reason = reason;
    cs.ready = false;
    this.ctx.record(this.name, this.name, "container-exit", rt.ref, `${cs.name} exited with code ${exitCode} (${reason})`);
    this.reportStatus(rt);
    this.restart(rt, cs);
  }

  private restart(rt: PodRuntime, cs: RuntimeContainer): void {
    // CrashLoopBackOff: 0 s for the first restart, then 10 s doubling to 5 minutes.
    const delay = cs.restartCount === 0 ? 0 : Math.min(10_000 * 2 ** (cs.restartCount - 1), 300_000);
    if (delay > 0) {
      cs.state = "waiting";
      cs.reason = "CrashLoopBackOff";
      this.event(rt, "Warning", "BackOff", `Back-off restarting failed container ${cs.name} in pod ${rt.pod.metadata.name}_${rt.pod.metadata.namespace}(${rt.pod.metadata.uid})`, `spec.containers{${cs.name}}`);
      this.reportStatus(rt);
    }
    const epoch = cs.epoch;
    this.ctx.loop.after(delay, "container restart", () => {
      if (cs.epoch !== epoch || rt.terminating) return;
      cs.restartCount++;
      const i = rt.containers.indexOf(cs);
      this.startContainer(rt, i, "IfNotPresent");
    });
  }

  private nextProbe(cs: RuntimeContainer, p: DeepReadonly<Probe>, after: number): number {
    const first = (cs.startedAt ?? 0) + (p.initialDelaySeconds ?? 0) * 1000;
    const period = (p.periodSeconds ?? 10) * 1000;
    if (after <= first) return first;
    return first + Math.ceil((after - first) / period) * period;
  }

  private probeTarget(p: DeepReadonly<Probe>, ip: string): string {
    if (p.httpGet) return `Get "http://${ip}:${p.httpGet.port}${p.httpGet.path ?? "/"}"`;
    if (p.tcpSocket) return `dial tcp ${ip}:${p.tcpSocket.port}`;
    if (p.grpc) return `grpc ${ip}:${p.grpc.port}`;
    return `exec ${(p.exec?.command ?? []).join(" ")}`;
  }

  /** Schedule the readiness probes that will flip this container's readiness, if any. */
  private scheduleReadiness(rt: PodRuntime, cs: RuntimeContainer, p: DeepReadonly<Probe>): void {
    const epoch = cs.epoch;
    const period = (p.periodSeconds ?? 10) * 1000;
    const up = !cs.hung;
    if (up && !cs.ready) {
      const first = this.nextProbe(cs, p, Math.max(this.ctx.now, cs.appReadyAt ?? this.ctx.now));
      const at = first + ((p.successThreshold ?? 1) - 1) * period;
      this.ctx.loop.after(at - this.ctx.now, "readiness probe", () => {
        if (cs.epoch !== epoch || cs.state !== "running") return;
        cs.ready = true;
        this.ctx.record(this.name, this.name, "probe", rt.ref, `readiness ${this.probeTarget(p, rt.ip ?? "")}: succeeded`);
        this.reportStatus(rt);
      });
    } else if (!up && cs.ready) {
      const first = this.nextProbe(cs, p, this.ctx.now + 1);
      const threshold = p.failureThreshold ?? 3;
      for (let k = 0; k < threshold; k++) {
        this.ctx.loop.after(first + k * period - this.ctx.now, "readiness probe", () => {
          if (cs.epoch !== epoch || cs.state !== "running") return;
          this.ctx.record(this.name, this.name, "probe", rt.ref, `Readiness probe failed (${k + 1}/${threshold}): ${this.probeTarget(p, rt.ip ?? "")}: context deadline exceeded`);
          this.event(rt, "Warning", "Unhealthy", `Readiness probe failed: ${this.probeTarget(p, rt.ip ?? "")}: context deadline exceeded`, `spec.containers{${cs.name}}`);
          if (k + 1 === threshold) {
            cs.ready = false;
            this.reportStatus(rt);
          }
        });
      }
    }
  }

  private scheduleLiveness(rt: PodRuntime, cs: RuntimeContainer, p: DeepReadonly<Probe>): void {
    const epoch = cs.epoch;
    const period = (p.periodSeconds ?? 10) * 1000;
    const first = this.nextProbe(cs, p, this.ctx.now + 1);
    const threshold = p.failureThreshold ?? 3;
    for (let k = 0; k < threshold; k++) {
      this.ctx.loop.after(first + k * period - this.ctx.now, "liveness probe", () => {
        if (cs.epoch !== epoch || cs.state !== "running" || cs.stopping) return;
        this.ctx.record(this.name, this.name, "probe", rt.ref, `Liveness probe failed (${k + 1}/${threshold}): ${this.probeTarget(p, rt.ip ?? "")}: context deadline exceeded`);
        this.event(rt, "Warning", "Unhealthy", `Liveness probe failed: ${this.probeTarget(p, rt.ip ?? "")}: context deadline exceeded`, `spec.containers{${cs.name}}`);
        if (k + 1 === threshold) this.killContainer(rt, cs, p);
      });
    }
  }

  /**
   * The kubelet's killContainer after a failed liveness probe: StopContainer with the grace period,
   * so the runtime sends SIGTERM, waits up to that long for the app to exit, then sends SIGKILL (exit
   * code 137 only then). The probe's terminationGracePeriodSeconds overrides the pod's (default 30 s).
   */
  private killContainer(rt: PodRuntime, cs: RuntimeContainer, p: DeepReadonly<Probe>): void {
    const grace = p.terminationGracePeriodSeconds ?? rt.pod.spec.terminationGracePeriodSeconds ?? 30;
    cs.crashLoop = false;
    cs.stopping = { killAt: this.ctx.now + grace * 1000 };
    const epoch = ++cs.epoch;
    this.cri.stopContainer(this.name, rt.ref, cs.name, `failed liveness probe, will be restarted: SIGTERM, grace period ${grace}s`);
    this.event(rt, "Normal", "Killing", `Container ${cs.name} failed liveness probe, will be restarted`, `spec.containers{${cs.name}}`);
    if (!cs.hung) this.exitOnSigterm(rt, cs);
    this.ctx.loop.after(grace * 1000, "stop timeout", () => {
      if (cs.epoch !== epoch) return;
      this.cri.killContainer(rt.ref, cs.name, grace);
      cs.stopping = undefined;
      this.crash(rt, cs, "Error", 137);
    });
  }

  /** An app that answers handles SIGTERM: it exits (code 0) after its shutdown time, if that is within the grace period. */
  private exitOnSigterm(rt: PodRuntime, cs: RuntimeContainer): void {
    const at = this.ctx.now + Number(rt.pod.metadata.annotations?.[wellKnown.appShutdownSeconds] ?? 1) * 1000;
    if (!cs.stopping || at >= cs.stopping.killAt) return;
    const epoch = cs.epoch;
    this.ctx.loop.after(at - this.ctx.now, "app shutdown", () => {
      if (cs.epoch !== epoch) return;
      cs.stopping = undefined;
      this.crash(rt, cs, "Completed", 0);
    });
  }

  // ------------------------------------------------------------------ status

  /** Build the pod status from runtime state and send it if it changed (the status manager). */
  private reportStatus(rt: PodRuntime): void {
    const p = this.api.get("Pod", rt.pod.metadata.namespace, rt.pod.metadata.name!);
    if (!p || p.metadata.uid !== rt.uid) return;
    const anyRunning = rt.containers.some((c) => c.state === "running");
    const allReady = rt.containers.every((c) => c.ready);
    const sandboxReady = !!rt.sandboxId && rt.sandboxId !== "pending";
    const scheduled = p.status?.conditions?.find((c) => c.type === "PodScheduled");
    const phase = anyRunning || rt.containers.some((c) => c.restartCount > 0) ? "Running" : "Pending";
    const summary = `phase=${phase}${rt.ip ? ` podIP=${rt.ip}` : ""} ready=${allReady && !!rt.ip}`;
    // Everything below derives from runtime state: its signature tells whether anything changed,
    // before the status is built (most calls change nothing). join() keeps it one flat string.
    const sig = [summary, sandboxReady, rt.containers.map((c) => `${c.state}/${c.reason}/${c.ready}/${c.restartCount}/${c.containerId ?? ""}`).join(","), scheduled?.status ?? "True"].join("|");
    if (rt.statusSig === sig && p.status?.phase) return;
    rt.statusSig = sig;
    const ts = (t: number | undefined): string => this.ctx.timestamp(t ?? this.ctx.now);
    const statuses: ContainerStatus[] = rt.containers.map((c) => ({
      name: c.name,
      image: c.image,
      imageID: c.containerId ? imageID(c.image) : "",
      ...(c.containerId ? { containerID: c.containerId } : {}),
      ready: c.ready,
      started: c.state === "running",
      restartCount: c.restartCount,
      state:
        c.state === "running"
          ? { running: { startedAt: ts(c.startedAt) } }
          : c.state === "terminated"
            ? { terminated: { exitCode: c.lastTerminated?.exitCode ?? 0, reason: c.reason, startedAt: ts(c.lastTerminated?.startedAt), finishedAt: ts(c.lastTerminated?.finishedAt) } }
            : { waiting: { reason: c.reason || "ContainerCreating" } },
      ...(c.lastTerminated && c.state !== "terminated"
        ? { lastState: { terminated: { exitCode: c.lastTerminated.exitCode, reason: c.lastTerminated.reason, startedAt: ts(c.lastTerminated.startedAt), finishedAt: ts(c.lastTerminated.finishedAt) } } }
        : {}),
    }));
    const cond = (type: string, ok: boolean): Condition => {
      const status = ok ? "True" : "False";
      const prev = rt.conditionTimes.get(type);
      if (!prev || prev.status !== status) rt.conditionTimes.set(type, { status, at: this.ctx.timestamp() });
      return { type, status, lastTransitionTime: rt.conditionTimes.get(type)!.at, ...(ok || type === "PodReadyToStartContainers" ? {} : { reason: "ContainersNotReady", message: `containers with unready status: [${rt.containers.filter((c) => !c.ready).map((c) => c.name).join(" ")}]` }) };
    };
    const status: PodStatus = {
      phase,
      conditions: [
        cond("PodReadyToStartContainers", sandboxReady),
        cond("Initialized", true),
        cond("Ready", allReady && !!rt.ip),
        cond("ContainersReady", allReady),
        (scheduled ?? { type: "PodScheduled", status: "True", lastTransitionTime: ts(rt.startedAt) }) as Condition,
      ],
      hostIP: this.config.ip,
      hostIPs: [{ ip: this.config.ip }],
      ...(rt.ip ? { podIP: rt.ip, podIPs: [{ ip: rt.ip }] } : {}),
      startTime: ts(rt.startedAt),
      containerStatuses: statuses,
    };
    this.client.updateStatus("Pod", p.metadata.namespace, p.metadata.name!, status, summary);
  }
}

const imageIDs = new Map<string, string>();

/** The imageID a container status shows for an image (one string per image, not per pod). */
function imageID(image: string): string {
  let id = imageIDs.get(image);
  if (id === undefined) imageIDs.set(image, (id = [`docker.io/library/${image}@sha256:`, hash64(image)].join("")));
  return id;
}

/** A stable 64-hex-digit digest for an image name (stands in for the registry digest). */
function hash64(s: string): string {
  let out = "";
  let h = FNV32_OFFSET;
  for (let round = 0; round < 8; round++) {
    h = fnv1a32Byte(fnv1a32(s, h), round);
    out += h.toString(16).padStart(8, "0");
  }
  return out;
}

/** A millisecond duration as Go's time.Duration prints it: `532ms`, `1.5s`, `2s`. */
function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  return `${(ms / 1000).toFixed(3).replace(/\.?0+$/, "")}s`;
}
