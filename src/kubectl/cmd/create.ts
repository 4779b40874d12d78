/**
 * `kubectl create deployment|service|namespace|configmap` and `kubectl expose`: the objects
 * kubectl's generators build, sent to the API server (or printed with `--dry-run`/`-o`).
 */
import type { Deployment, KubeObject, Service, ServicePort } from "../../api/types";
import { listOf, toJSON, toYAML } from "../printers/output";
import { type ResourceInfo, kindName, resourceFor } from "../rest";
import { StatusError } from "../status";
import { type CommandContext, CommandError, flag } from "./context";

function mustResource(name: string): ResourceInfo {
  const r = resourceFor(name);
  if (!r) throw new CommandError(`the server doesn't have a resource type "${name}"`);
  return r;
}

/** Send (or, with `--dry-run`/`-o`, print) a generated object; prints `kind/name <verb>`. */
function submit(ctx: CommandContext, r: ResourceInfo, obj: KubeObject, verb: string, failure?: string): void {
  try {
    send(ctx, r, obj, verb);
  } catch (e) {
    // `create deployment|service|configmap` wrap the server's message (`failed to create deployment: …`).
    if (failure && e instanceof StatusError) throw new CommandError(`${failure}: ${e.status.message}`);
    throw e;
  }
}

function send(ctx: CommandContext, r: ResourceInfo, obj: KubeObject, verb: string): void {
  const dryRun = flag(ctx, "dry-run") ?? "none";
  if (!["none", "client", "server", "true", "false"].includes(dryRun)) throw new CommandError(`Invalid dry-run value (${dryRun}). Must be "none", "server", or "client".`);
  const output = flag(ctx, "output");
  let shown: unknown = withNullTimestamps(obj);
  if (dryRun !== "client" && dryRun !== "true") {
    shown = ctx.rest.create(r, ctx.namespace, obj, { dryRun: dryRun === "server", fieldValidation: "Strict" }).object;
  }
  if (output === "yaml") ctx.out.push(toYAML(shown).replace(/\n$/, ""));
  else if (output === "json") ctx.out.push(toJSON(shown).replace(/\n$/, ""));
  else if (output === "name") ctx.out.push(`${kindName(r)}/${obj.metadata.name}`);
  else if (output) throw new CommandError(`unable to match a printer suitable for the output format "${output}"`);
  else ctx.out.push(`${kindName(r)}/${obj.metadata.name} ${verb}${dryRun === "client" || dryRun === "true" ? " (dry run)" : dryRun === "server" ? " (server dry run)" : ""}`);
  void listOf;
}

/**
 * The object as kubectl's client-side printers show it: Go marshals the zero `creationTimestamp`
 * as `null` in the object's metadata and its pod template's (after the fields Go declares before it).
 */
function withNullTimestamps(obj: KubeObject): KubeObject {
  const stamp = (m: Record<string, unknown>): Record<string, unknown> => {
    const before = ["name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation"];
    const out: Record<string, unknown> = {};
    for (const k of before) if (k in m) out[k] = m[k];
    out["creationTimestamp"] = null;
    for (const k of Object.keys(m)) if (!before.includes(k) && k !== "creationTimestamp") out[k] = m[k];
    return out;
  };
  const o = structuredClone(obj) as unknown as { metadata: Record<string, unknown>; spec?: { template?: { metadata?: Record<string, unknown> } } };
  o.metadata = stamp(o.metadata);
  if (o.spec?.template?.metadata) o.spec.template.metadata = stamp(o.spec.template.metadata);
  return o as unknown as KubeObject;
}

function oneName(ctx: CommandContext, args: readonly string[]): string {
  if (args.length !== 1) throw new CommandError(`exactly one NAME is required, got ${args.length}`);
  return args[0]!;
}

/** The container name kubectl derives from an image: last path element, no tag or digest, `_` → `-`. */
export function containerNameFor(image: string): string {
  let name = image.split("/").pop()!;
  name = name.split(":")[0]!.split("@")[0]!;
  return name.replace(/_/g, "-");
}

/** `kubectl create …` */
export function create(ctx: CommandContext): number {
  const [what, ...args] = ctx.args;
  switch (what) {
    case "deployment":
    case "deploy": {
      const name = oneName(ctx, args);
      const images = ctx.flags.get("image");
      if (!images || images === true) throw new CommandError(`required flag(s) "image" not set`);
      const replicas = Number(flag(ctx, "replicas", "1"));
      const port = flag(ctx, "port");
      const labels = { app: name };
      const d: Deployment = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { labels, name },
        spec: {
          replicas,
          selector: { matchLabels: { app: name } },
          strategy: {},
          template: {
            metadata: { labels: { app: name } },
            spec: {
              containers: images.split(",").map((image) => ({
                image,
                name: containerNameFor(image),
                ...(port ? { ports: [{ containerPort: Number(port) }] } : {}),
                resources: {},
              })),
            },
          },
        },
        status: {},
      };
      submit(ctx, mustResource("deployments"), d, "created", "failed to create deployment");
      return 0;
    }
    case "service":
    case "svc": {
      const [type, ...rest] = args;
      const kinds: Record<string, Service["spec"]["type"]> = { clusterip: "ClusterIP", nodeport: "NodePort", loadbalancer: "LoadBalancer" };
      const svcType = kinds[type ?? ""];
      if (!svcType) throw new CommandError(`unknown service type "${type ?? ""}": use clusterip, nodeport or loadbalancer`);
      const name = oneName(ctx, rest);
      const tcp = flag(ctx, "tcp");
      if (!tcp && !(svcType === "ClusterIP" && flag(ctx, "clusterip") === "None")) throw new CommandError("at least one tcp port specifier must be provided");
      const nodePort = flag(ctx, "node-port");
      const ports: ServicePort[] = (tcp ?? "").split(",").filter(Boolean).map((spec) => {
        const [p, t] = spec.split(":") as [string, string | undefined];
        const port: ServicePort = { name: spec.replace(/:/g, "-"), port: Number(p), protocol: "TCP", targetPort: t === undefined ? Number(p) : /^\d+$/.test(t) ? Number(t) : t };
        if (nodePort && svcType === "NodePort") port.nodePort = Number(nodePort);
        return port;
      });
      const s: Service = {
        apiVersion: "v1",
        kind: "Service",
        metadata: { labels: { app: name }, name },
        spec: { ports, selector: { app: name }, type: svcType, ...(flag(ctx, "clusterip") ? { clusterIP: flag(ctx, "clusterip")! } : {}) },
        status: { loadBalancer: {} },
      };
      submit(ctx, mustResource("services"), s, "created", `failed to create ${svcType} service`);
      return 0;
    }
    case "namespace":
    case "ns": {
      const name = oneName(ctx, args);
      submit(ctx, mustResource("namespaces"), { apiVersion: "v1", kind: "Namespace", metadata: { name }, spec: {}, status: {} } as KubeObject, "created");
      return 0;
    }
    case "configmap":
    case "cm": {
      const name = oneName(ctx, args);
      const data: Record<string, string> = {};
      const literal = ctx.flags.get("from-literal");
      for (const kv of typeof literal === "string" ? literal.split("\u0000") : []) {
        const i = kv.indexOf("=");
        if (i <= 0) throw new CommandError(`invalid literal source ${kv}, expected key=value`);
        data[kv.slice(0, i)] = kv.slice(i + 1);
      }
      const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, ...(Object.keys(data).length ? { data } : {}) } as unknown as KubeObject;
      // kubectl 1.20 printed the server's error as is (the wrap came with 1.21).
      submit(ctx, mustResource("configmaps"), cm, "created", (ctx.host.clientMinor ?? 32) >= 21 ? "failed to create configmap" : undefined);
      return 0;
    }
    default:
      throw new CommandError(what ? `unknown command "${what}" for "kubectl create"` : "Unexpected args: []");
  }
}

/** `kubectl expose deployment NAME --port=80 [--target-port=8080] [--type=NodePort] [--name=svc]` */
export function expose(ctx: CommandContext): number {
  const [a0, a1] = ctx.args;
  let type: string;
  let name: string;
  if (a0?.includes("/")) [type, name] = a0.split("/", 2) as [string, string];
  else if (a0 && a1) [type, name] = [a0, a1];
  else throw new CommandError("You must provide one or more resources by argument or filename.");
  const r = mustResource(type);
  const obj = ctx.rest.get(r, ctx.namespace, name);
  let selector: Record<string, string> | undefined;
  let containerPorts: { containerPort: number; protocol?: string }[] = [];
  if (obj.kind === "Deployment" || obj.kind === "ReplicaSet") {
    const sel = obj.spec.selector;
    if (sel.matchExpressions?.length) throw new CommandError(`couldn't retrieve selectors via --selector flag or introspection: ${kindName(r)} ${name} has a selector with matchExpressions that kubectl expose cannot use`);
    selector = { ...(sel.matchLabels ?? {}) };
    containerPorts = obj.spec.template.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => ({ containerPort: p.containerPort, protocol: p.protocol ?? "TCP" })));
  } else if (obj.kind === "Pod") {
    selector = { ...(obj.metadata.labels ?? {}) };
    containerPorts = obj.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => ({ containerPort: p.containerPort, protocol: p.protocol ?? "TCP" })));
  } else if (obj.kind === "Service") {
    selector = { ...(obj.spec.selector ?? {}) };
    containerPorts = (obj.spec.ports ?? []).map((p) => ({ containerPort: p.port, protocol: p.protocol ?? "TCP" }));
  } else throw new CommandError(`cannot expose a ${obj.kind}`);
  const portFlag = flag(ctx, "port");
  const protocol = (flag(ctx, "protocol") ?? "") as ServicePort["protocol"] | "";
  const targetPort = flag(ctx, "target-port");
  let ports: ServicePort[];
  if (portFlag) ports = [{ port: Number(portFlag), protocol: protocol || "TCP", targetPort: targetPort ? (/^\d+$/.test(targetPort) ? Number(targetPort) : targetPort) : Number(portFlag) }];
  else {
    if (!containerPorts.length) throw new CommandError("couldn't find port via --port flag or introspection");
    ports = containerPorts.map((p, i) => ({
      ...(containerPorts.length > 1 ? { name: `port-${i + 1}` } : {}),
      port: p.containerPort,
      protocol: (protocol || p.protocol || "TCP") as ServicePort["protocol"],
      targetPort: targetPort ? (/^\d+$/.test(targetPort) ? Number(targetPort) : targetPort) : p.containerPort,
    }));
  }
  const svcName = flag(ctx, "name") ?? name;
  const svcType = flag(ctx, "type");
  const labels = obj.metadata.labels ? { ...obj.metadata.labels } : undefined;
  const s: Service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { ...(labels ? { labels } : {}), name: svcName },
    spec: { ports, selector: selector ?? {}, ...(svcType ? { type: svcType as Service["spec"]["type"] } : {}) },
    status: { loadBalancer: {} },
  };
  submit(ctx, mustResource("services"), s, "exposed");
  return 0;
}
