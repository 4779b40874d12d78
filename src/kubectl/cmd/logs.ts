/**
 * `kubectl logs POD`: the pod's access log — one line per request the simulation served to it
 * (recorded by the data path through {@link accessLogs}), nginx's combined format.
 */
import { resourceFor } from "../rest";
import { type CommandContext, CommandError } from "./context";

/** Access log lines per pod (`namespace/name`), appended as the data path serves requests. */
export const accessLogs = new WeakMap<object, Map<string, string[]>>();

/** `kubectl logs POD [--tail=N]` */
export function logs(ctx: CommandContext): number {
  const [target] = ctx.args;
  if (!target) throw new CommandError("expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command");
  const name = target.startsWith("pod/") ? target.slice(4) : target;
  const pod = ctx.rest.get(resourceFor("pods")!, ctx.namespace, name);
  const lines = accessLogs.get(ctx.rest.api)?.get(`${pod.metadata.namespace}/${pod.metadata.name}`) ?? [];
  const tail = ctx.flags.get("tail");
  const shown = typeof tail === "string" && Number(tail) >= 0 ? lines.slice(-Number(tail) || lines.length) : lines;
  if (shown.length) ctx.out.push(shown.join("\n"));
  return 0;
}
