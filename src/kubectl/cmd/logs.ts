/**
 * `kubectl logs POD`: the pod's access log — one line per request the simulation served to it
 * (the kubelet's container log, through the API's pods/log like a real kubectl).
 */
import type { Pod } from "../../api/types";
import { matchesSelector } from "../../api/labels";
import { resourceFor } from "../rest";
import { type CommandContext, CommandError } from "./context";

/** `kubectl logs (POD | pod/NAME | deployment/NAME) [-c CONTAINER] [--tail=N]` */
export function logs(ctx: CommandContext): number {
  const [target] = ctx.args;
  if (!target) throw new CommandError("expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command");
  const pod = podFor(ctx, target);
  const c = ctx.flags.get("c") ?? ctx.flags.get("container");
  const tail = ctx.flags.get("tail");
  const shown = ctx.rest.podLog(pod.metadata.namespace, pod.metadata.name, {
    ...(typeof c === "string" ? { container: c } : {}),
    ...(typeof tail === "string" ? { tailLines: Number(tail) } : {}),
  });
  if (shown.length) ctx.out.push(shown.join("\n"));
  return 0;
}

/** The pod a logs target names: a pod, or (as kubectl does) the first pod of a workload's selector. */
function podFor(ctx: CommandContext, target: string): Pod & { metadata: { name: string; namespace: string } } {
  const slash = target.indexOf("/");
  const kind = slash < 0 ? "pods" : target.slice(0, slash);
  const name = slash < 0 ? target : target.slice(slash + 1);
  const r = resourceFor(kind);
  if (!r) throw new CommandError(`the server doesn't have a resource type "${kind}"`);
  if (r.kind === "Pod") return ctx.rest.get(r, ctx.namespace, name) as never;
  if (!["Deployment", "ReplicaSet", "Service"].includes(r.kind)) throw new CommandError(`cannot get the logs from ${r.kind.toLowerCase()}`);
  const owner = ctx.rest.get(r, ctx.namespace, name) as { spec: { selector?: unknown } };
  const sel = r.kind === "Service" ? { matchLabels: owner.spec.selector as Record<string, string> } : owner.spec.selector;
  const pods = ctx.rest.list(resourceFor("pods")!, ctx.namespace).items as (Pod & { metadata: { name: string; namespace: string } })[];
  // kubectl's ByLogging order among equally running, ready pods: the oldest first.
  const matching = pods
    .filter((p) => matchesSelector(sel as never, p.metadata.labels))
    .sort((a, b) => (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""));
  if (!matching.length) throw new CommandError(`timed out waiting for the condition`);
  if (matching.length > 1) ctx.err.push(`Found ${matching.length} pods, using pod/${matching[0]!.metadata.name}`);
  return matching[0]!;
}
