/**
 * `cluster.apply(...)`: kubectl apply for a set of manifests, all or nothing. Every document is
 * checked first — kind and apiVersion known, schema, namespace, duplicates, the API server's
 * admission (with the batch's own IP and port reservations) — and if any fails an
 * {@link ApplyError} names each problem (file, document, line, field) and nothing is written. Then
 * each object is created, reported `unchanged`, or updated with the fields the cluster set kept.
 *
 * (`kubectl apply -f` in a cell — `cmd/apply.ts` — is the real client's per-document apply, with
 * its last-applied annotation and strategic merge patch; this is the TypeScript API's atomic one.)
 *
 * @example
 * ```ts
 * applyAll(cluster.api, loadManifests("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}"));
 * // ApplyResult: namespace/shop created
 * ```
 */
import type { FieldError, ObjectErrors } from "../api/errors";
import { ApplyError } from "../api/errors";
import type { SourceDocument } from "../api/load";
import { describe, lookupKind } from "../api/meta";
import { schemaErrors } from "../api/schema";
import type { DeepReadonly, Kind, KubeObject, ObjectOf, OwnerReference } from "../api/types";
import type { ApiServer, BatchReservations } from "../apiserver/apiserver";
import { clone, stableStringify } from "../controllers/controller";
import { kindName, resourceFor } from "./rest";

/** What `apply` did to each object, in kubectl's words (`deployment.apps/web created`). */
export class ApplyResult {
  constructor(readonly lines: readonly { ref: string; action: "created" | "configured" | "unchanged" }[]) {}
  toString(): string {
    return this.lines.map((l) => `${l.ref} ${l.action}`).join("\n");
  }
  [Symbol.for("Jupyter.display")](): Record<string, unknown> {
    return { "text/plain": this.toString() };
  }
}

/**
 * Apply `docs` (defaulting their namespace to `opts.namespace` or `default`) atomically.
 * @throws {@link ApplyError} listing every invalid document; nothing is changed then.
 */
export function applyAll(api: ApiServer, docs: SourceDocument[], opts: { namespace?: string } = {}): ApplyResult {
    const objectErrors: ObjectErrors[] = [];
    const other: string[] = [];
    const batch: BatchReservations = { ips: new Set(), ports: new Set(), namespaces: new Set() };
    const admitted: KubeObject[] = [];
    const seen = new Set<string>();
    for (const doc of expandLists(docs)) {
      const o = doc.object;
      const where = (errs: FieldError[]): FieldError[] => errs.map((e) => ({ ...e, location: doc.locate(e.field) }));
      const at = doc.locate([]);
      const atText = `${doc.file ? `${doc.file}, ` : ""}document ${doc.index}${at.line ? `, line ${at.line}` : ""}`;
      const apiVersion = o["apiVersion"];
      const kindName = o["kind"];
      if (typeof kindName !== "string" || !kindName) {
        other.push(`error validating data: kind not set (${atText})`);
        continue;
      }
      if (typeof apiVersion !== "string" || !apiVersion) {
        other.push(`error validating data: apiVersion not set (${atText})`);
        continue;
      }
      const info = lookupKind(kindName);
      if (!info || info.kind !== kindName || info.apiVersion !== apiVersion) {
        other.push(`no matches for kind "${kindName}" in version "${apiVersion}" (${atText})`);
        continue;
      }
      const name = String((o["metadata"] as { name?: unknown } | undefined)?.name ?? "");
      const label = describe({ kind: info.kind, metadata: { name } });
      const schema = schemaErrors(info.kind, o);
      if (schema.length) {
        objectErrors.push({ object: label, errors: where(schema) });
        continue;
      }
      const obj = o as unknown as KubeObject;
      obj.metadata ??= {};
      if (info.namespaced) {
        if (opts.namespace && obj.metadata.namespace && obj.metadata.namespace !== opts.namespace) {
          other.push(`the namespace from the provided object "${obj.metadata.namespace}" does not match the namespace "${opts.namespace}". You must pass '--namespace=${obj.metadata.namespace}' to perform this operation. (${atText})`);
          continue;
        }
        obj.metadata.namespace ||= opts.namespace ?? "default";
      }
      const id = `${info.kind}/${obj.metadata.namespace ?? ""}/${obj.metadata.name ?? ""}`;
      if (obj.metadata.name && seen.has(id)) {
        other.push(`${label} appears twice in the input (${atText})`);
        continue;
      }
      seen.add(id);
      const existing = obj.metadata.name ? api.get(info.kind, obj.metadata.namespace, obj.metadata.name) : undefined;
      if (existing) keepServerFields(obj, existing as DeepReadonly<KubeObject>);
      const errs = api.admit(obj, batch);
      if (errs.length) objectErrors.push({ object: label, errors: where(errs) });
      else admitted.push(obj);
    }
    if (objectErrors.length || other.length) throw new ApplyError(objectErrors, other);

    const lines: { ref: string; action: "created" | "configured" | "unchanged" }[] = [];
    for (const obj of admitted) {
      const ref = `${kindName(resourceFor(obj.kind)!)}/${obj.metadata.name}`;
      const old = api.get(obj.kind, obj.metadata.namespace, obj.metadata.name!);
      if (!old) {
        api.create("kubectl", obj as ObjectOf<Kind>, { admitted: true });
        lines.push({ ref, action: "created" });
      } else if (sameDesiredState(obj, old as DeepReadonly<KubeObject>)) {
        lines.push({ ref, action: "unchanged" });
      } else {
        api.update("kubectl", obj as ObjectOf<Kind>, { admitted: true, verb: "patch" });
        lines.push({ ref, action: "configured" });
      }
    }
    return new ApplyResult(lines);
}

/**
 * kubectl apply merges: fields the manifest does not mention keep the values the cluster set
 * (the scheduler's nodeName, controllers' ownerReferences, finalizers). Re-applying a manifest
 * is therefore harmless.
 */
function keepServerFields(obj: KubeObject, old: DeepReadonly<KubeObject>): void {
  if (!obj.metadata.ownerReferences && old.metadata.ownerReferences) obj.metadata.ownerReferences = clone<OwnerReference[]>(old.metadata.ownerReferences);
  if (!obj.metadata.finalizers && old.metadata.finalizers) obj.metadata.finalizers = [...old.metadata.finalizers];
  if (obj.kind === "Pod" && old.kind === "Pod" && obj.spec && !obj.spec.nodeName && old.spec.nodeName) obj.spec.nodeName = old.spec.nodeName;
  // Controller-owned annotations (the Deployment's deployment.kubernetes.io/revision): kubectl apply's
  // three-way merge never removes what it did not write.
  const owned = Object.entries(old.metadata.annotations ?? {}).filter(([k]) => k.startsWith("deployment.kubernetes.io/") && obj.metadata.annotations?.[k] === undefined);
  if (owned.length) obj.metadata.annotations = { ...obj.metadata.annotations, ...Object.fromEntries(owned) };
}

/** Do an admitted object and the stored one describe the same desired state (kubectl's "unchanged")? */
function sameDesiredState(obj: KubeObject, old: DeepReadonly<KubeObject>): boolean {
  const desired = (o: DeepReadonly<KubeObject>): unknown => {
    const { status: _s, metadata, ...rest } = o as DeepReadonly<KubeObject> & { status?: unknown };
    void _s;
    return { ...rest, labels: metadata.labels ?? {}, annotations: metadata.annotations ?? {} };
  };
  return stableStringify(desired(obj as DeepReadonly<KubeObject>)) === stableStringify(desired(old));
}

function expandLists(docs: SourceDocument[]): SourceDocument[] {
  const out: SourceDocument[] = [];
  for (const d of docs) {
    if (d.object["kind"] === "List" && Array.isArray(d.object["items"])) {
      (d.object["items"] as Record<string, unknown>[]).forEach((item, i) =>
        out.push({ ...d, object: item, locate: (p) => d.locate(["items", i, ...p]) }),
      );
    } else out.push(d);
  }
  return out;
}

