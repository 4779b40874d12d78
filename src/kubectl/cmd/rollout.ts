/**
 * `kubectl rollout status|history|undo` for Deployments: status watches the Deployment and
 * prints kubectl's status line on every change until the rollout is complete (virtual time runs
 * meanwhile); history lists the ReplicaSets' revisions; undo puts an older template back.
 */
import type { Deployment, ReplicaSet } from "../../api/types";
import { wellKnown } from "../../api/types";
import type { DeepReadonly } from "../../api/types";
import { TabWriter } from "../printers/table";
import { kindName, resourceFor } from "../rest";
import { type CommandContext, CommandError, flag } from "./context";
import { parseDuration } from "./wait";
import { copiedAnnotations } from "../../controllers/deployment";
import { podTemplate } from "./describe";
import { DescribeWriter } from "../printers/describe";
import { objectArgs } from "./mutate";

/** kubectl's DeploymentStatusViewer: the line printed for a Deployment's state, and whether it is done. */
export function deploymentStatus(d: DeepReadonly<Deployment>): { text: string; done: boolean } {
  const name = d.metadata.name ?? "";
  const s = d.status ?? {};
  if ((d.metadata.generation ?? 0) <= (s.observedGeneration ?? 0)) {
    const progressing = s.conditions?.find((c) => c.type === "Progressing");
    if (progressing?.reason === "ProgressDeadlineExceeded") throw new CommandError(`deployment "${name}" exceeded its progress deadline`);
    const replicas = d.spec.replicas ?? 1;
    const updated = s.updatedReplicas ?? 0;
    if (updated < replicas) return { text: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${replicas} new replicas have been updated...`, done: false };
    if ((s.replicas ?? 0) > updated) return { text: `Waiting for deployment "${name}" rollout to finish: ${(s.replicas ?? 0) - updated} old replicas are pending termination...`, done: false };
    if ((s.availableReplicas ?? 0) < updated) return { text: `Waiting for deployment "${name}" rollout to finish: ${s.availableReplicas ?? 0} of ${updated} updated replicas are available...`, done: false };
    return { text: `deployment "${name}" successfully rolled out`, done: true };
  }
  return { text: "Waiting for deployment spec update to be observed...", done: false };
}

const ROLLOUT_LIMIT_MS = 10 * 60_000;

export function rollout(ctx: CommandContext): number {
  const [sub, ...args] = ctx.args;
  const { resource, names } = objectArgs(args);
  if (resource.kind !== "Deployment") throw new CommandError(`no status viewer has been implemented for ${kindName(resource)}`);
  const name = names[0]!;
  switch (sub) {
    case "status": {
      ctx.rest.get(resource, ctx.namespace, name);
      let done = false;
      const stop = ctx.rest.watch(resource, ctx.namespace, { fieldSelector: `metadata.name=${name}` }, (e) => {
        if (done || (e.type !== "ADDED" && e.type !== "MODIFIED")) return;
        const st = deploymentStatus(e.object as DeepReadonly<Deployment>);
        ctx.out.push(st.text);
        done = st.done;
      });
      try {
        const limit = parseDuration(flag(ctx, "timeout") ?? "0") || ROLLOUT_LIMIT_MS;
        const end = ctx.rest.ctx.now + limit;
        while (!done) {
          const next = ctx.host.nextTaskTime();
          if (next === undefined || next > end) break;
          ctx.host.advance(Math.max(0, next - ctx.rest.ctx.now));
        }
        if (!done) throw new CommandError("timed out waiting for the condition");
      } finally {
        stop();
      }
      return 0;
    }
    case "history": {
      const revision = Number(flag(ctx, "revision") ?? "0");
      if (!Number.isInteger(revision) || revision < 0) throw new CommandError(`revision must be a positive integer: ${flag(ctx, "revision")}`);
      const d = ctx.rest.get(resource, ctx.namespace, name) as DeepReadonly<Deployment>;
      const rss = owned(ctx, d);
      if (revision > 0) {
        // One revision: its ReplicaSet's pod template, described, with tabs left unaligned (kubectl
        // writes it into a plain buffer) and the change-cause as its only annotation.
        const rs = rss.find((r) => rev(r) === revision);
        if (!rs) throw new CommandError("unable to find the specified revision");
        const cause = rs.metadata.annotations?.["kubernetes.io/change-cause"];
        const template = { ...rs.spec.template, metadata: { ...rs.spec.template.metadata, annotations: { ...rs.spec.template.metadata?.annotations, ...(cause ? { "kubernetes.io/change-cause": cause } : {}) } } };
        const w = new DescribeWriter();
        podTemplate(w, template, ctx.host.clientMinor ?? 32);
        ctx.out.push(`${kindName(resource)}/${name} with revision #${revision}`, w.raw());
        return 0;
      }
      const w = new TabWriter();
      ctx.out.push(`${kindName(resource)}/${name} `);
      const rows = rss
        .map((rs) => ({ rev: Number(rs.metadata.annotations?.[wellKnown.revision] ?? 0), cause: rs.metadata.annotations?.["kubernetes.io/change-cause"] ?? "<none>" }))
        .sort((a, b) => a.rev - b.rev);
      const lines = [["REVISION", "CHANGE-CAUSE"], ...rows.map((r) => [String(r.rev), r.cause])];
      const width = Math.max(...lines.map((l) => l[0]!.length)) + 2;
      void w;
      ctx.out.push(lines.map((l) => l[0]!.padEnd(width) + l[1]).join("\n") + "\n");
      return 0;
    }
    case "undo": {
      const d = ctx.rest.get(resource, ctx.namespace, name) as DeepReadonly<Deployment>;
      const rss = owned(ctx, d).sort((a, b) => rev(b) - rev(a));
      const current = rev(rss[0]);
      const toRevision = Number(flag(ctx, "to-revision") ?? "0");
      const target = toRevision ? rss.find((rs) => rev(rs) === toRevision) : rss.find((rs) => rev(rs) !== current);
      if (!target) throw new CommandError(toRevision ? `unable to find specified revision ${toRevision} in history` : "no rollout history found for deployment \"" + name + "\"");
      if (rev(target) === current) {
        ctx.out.push(`${kindName(resource)}/${name} skipped rollback (current template already matches revision ${toRevision})`);
        return 0;
      }
      const template = structuredClone(target.spec.template) as ReplicaSet["spec"]["template"];
      if (template.metadata?.labels) delete template.metadata.labels[wellKnown.podTemplateHash];
      const next = structuredClone(d) as Deployment;
      next.spec.template = template;
      // As kubectl's rollback patch: the Deployment keeps its own controller annotations and takes the
      // revision's others (its change-cause) in place of the rest.
      const copied = copiedAnnotations(d);
      const kept = Object.fromEntries(Object.entries(d.metadata.annotations ?? {}).filter(([k]) => !(k in copied)));
      next.metadata.annotations = { ...kept, ...copiedAnnotations(target) };
      ctx.rest.update(resource, ctx.namespace, name, next, { fieldValidation: "Ignore", verb: "patch" });
      ctx.out.push(`${kindName(resource)}/${name} rolled back`);
      return 0;
    }
    default:
      throw new CommandError(sub ? `unknown command "${sub}" for "kubectl rollout"` : "Unexpected args: []");
  }
}

function rev(rs: DeepReadonly<ReplicaSet> | undefined): number {
  return Number(rs?.metadata.annotations?.[wellKnown.revision] ?? 0);
}

function owned(ctx: CommandContext, d: DeepReadonly<Deployment>): DeepReadonly<ReplicaSet>[] {
  const rsResource = resourceFor("replicasets")!;
  return (ctx.rest.list(rsResource, d.metadata.namespace).items as DeepReadonly<ReplicaSet>[]).filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === d.metadata.uid));
}
