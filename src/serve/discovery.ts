/**
 * What a client learns before it sends a request: `/version`, discovery (aggregated
 * `apidiscovery.k8s.io/v2` and the legacy `/api`, `/apis`, `/api/v1`, `/apis/<group>/<version>`
 * lists) and a minimal OpenAPI v3 — each PATCH operation tagged with its kind and taking a
 * `fieldValidation` query parameter, which tells kubectl the server validates fields itself.
 *
 * @example
 * ```ts
 * aggregatedDiscovery("apis").items.map((g) => g.metadata.name); // ["apps", "discovery.k8s.io"]
 * ```
 */
import { type ResourceInfo, resources } from "../kubectl/rest";

/** The Kubernetes version kubelab's API server reports (kubectl's dispatcher picks its client by it). */
export const SERVER_VERSION = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.0",
  gitCommit: "70d3cc986aa8221cd1dfb1121852688902d3bf53",
  gitTreeState: "clean",
  buildDate: "2024-12-11T17:59:15Z",
  goVersion: "go1.23.3",
  compiler: "gc",
  platform: "linux/amd64",
};

/** The aggregated discovery media type kubectl asks for and expects back verbatim. */
export const AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/** Core events exist in discovery (describe and `get events` read them); the simulation records none. */
export const EVENTS = { resource: "events", kind: "Event", singular: "event", shortNames: ["ev"] };

function groupsOf(): Map<string, ResourceInfo[]> {
  const m = new Map<string, ResourceInfo[]>();
  for (const r of resources) {
    const list = m.get(r.group) ?? [];
    list.push(r);
    m.set(r.group, list);
  }
  return m;
}

function discoveryResource(r: ResourceInfo): Record<string, unknown> {
  return {
    resource: r.resource,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? "Namespaced" : "Cluster",
    singularResource: r.singular,
    verbs: r.verbs,
    ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
    ...(r.categories.length ? { categories: r.categories } : {}),
    ...(r.subresources.length
      ? {
          subresources: r.subresources.map((s) => ({
            subresource: s,
            responseKind: s === "scale" ? { group: "autoscaling", version: "v1", kind: "Scale" } : { group: r.group, version: r.version, kind: r.kind },
            verbs: ["get", "patch", "update"],
          })),
        }
      : {}),
  };
}

const eventsDiscovery = {
  resource: "events",
  responseKind: { group: "", version: "v1", kind: "Event" },
  scope: "Namespaced",
  singularResource: "event",
  verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
  shortNames: ["ev"],
};

/** `GET /api` or `/apis` with the aggregated Accept: an APIGroupDiscoveryList. */
export function aggregatedDiscovery(root: "api" | "apis"): { kind: string; apiVersion: string; metadata: object; items: Record<string, unknown>[] } {
  const items: Record<string, unknown>[] = [];
  for (const [group, rs] of groupsOf()) {
    if ((root === "api") !== (group === "")) continue;
    const list = rs.map(discoveryResource);
    if (group === "") list.push(eventsDiscovery);
    items.push({ metadata: group ? { name: group, creationTimestamp: null } : { creationTimestamp: null }, versions: [{ version: rs[0]!.version, resources: list, freshness: "Current" }] });
  }
  return { kind: "APIGroupDiscoveryList", apiVersion: "apidiscovery.k8s.io/v2", metadata: {}, items };
}

/** Legacy `GET /api`. */
export function apiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

/** Legacy `GET /apis`. */
export function apiGroupList(): Record<string, unknown> {
  const groups = [...groupsOf()]
    .filter(([g]) => g !== "")
    .map(([name, rs]) => {
      const gv = { groupVersion: `${name}/${rs[0]!.version}`, version: rs[0]!.version };
      return { name, versions: [gv], preferredVersion: gv };
    });
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

/** Legacy `GET /api/v1` or `/apis/<group>/<version>`; undefined for a group version not served. */
export function apiResourceList(group: string, version: string): Record<string, unknown> | undefined {
  const rs = resources.filter((r) => r.group === group && r.version === version);
  if (!rs.length) return undefined;
  const list: Record<string, unknown>[] = [];
  for (const r of rs) {
    list.push({ name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs, ...(r.shortNames.length ? { shortNames: r.shortNames } : {}), ...(r.categories.length ? { categories: r.categories } : {}) });
    for (const s of r.subresources)
      list.push({ name: `${r.resource}/${s}`, singularName: "", namespaced: r.namespaced, ...(s === "scale" ? { group: "autoscaling", version: "v1", kind: "Scale" } : { kind: r.kind }), verbs: ["get", "patch", "update"] });
  }
  if (group === "") list.push({ name: "events", singularName: "event", namespaced: true, kind: "Event", verbs: eventsDiscovery.verbs, shortNames: ["ev"] });
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: group ? `${group}/${version}` : version, resources: list };
}

/** `GET /openapi/v3`: the index of per-group-version documents. */
export function openAPIIndex(): Record<string, unknown> {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [group, rs] of groupsOf()) {
    const p = group ? `apis/${group}/${rs[0]!.version}` : "api/v1";
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=kubelab${group || "core"}` };
  }
  return { paths };
}

/**
 * `GET /openapi/v3/api/v1` etc.: for each kind, its object path with a PATCH operation tagged
 * `x-kubernetes-group-version-kind` that takes `fieldValidation` (server-side validation), and
 * accepts merge, JSON and apply patches. Strategic merge is not listed, so kubectl builds its
 * apply patches from its compiled-in types, which know every merge key.
 */
export function openAPIDocument(path: string): Record<string, unknown> | undefined {
  const rs = resources.filter((r) => (r.group ? `apis/${r.group}/${r.version}` : "api/v1") === path);
  if (!rs.length) return undefined;
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (const r of rs) {
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    const base = r.group ? `/apis/${r.group}/${r.version}` : "/api/v1";
    const url = r.namespaced ? `${base}/namespaces/{namespace}/${r.resource}/{name}` : `${base}/${r.resource}/{name}`;
    const schemaName = `io.k8s.api.${r.group ? r.group.split(".")[0] : "core"}.${r.version}.${r.kind}`;
    const content = Object.fromEntries(["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"].map((t) => [t, { schema: { type: "object" } }]));
    paths[url] = {
      patch: {
        operationId: `patch${r.group ? r.group.split(".")[0]![0]!.toUpperCase() + r.group.split(".")[0]!.slice(1) : "Core"}${r.version.toUpperCase()}${r.namespaced ? "Namespaced" : ""}${r.kind}`,
        parameters: [
          { name: "dryRun", in: "query", schema: { type: "string", uniqueItems: true } },
          { name: "fieldManager", in: "query", schema: { type: "string", uniqueItems: true } },
          { name: "fieldValidation", in: "query", schema: { type: "string", uniqueItems: true } },
          { name: "force", in: "query", schema: { type: "boolean", uniqueItems: true } },
        ],
        requestBody: { content, required: true },
        responses: { "200": { description: "OK", content: { "application/json": { schema: { $ref: `#/components/schemas/${schemaName}` } } } } },
        "x-kubernetes-action": "patch",
        "x-kubernetes-group-version-kind": gvk,
      },
    };
    schemas[schemaName] = { type: "object", "x-kubernetes-group-version-kind": [gvk] };
  }
  return { openapi: "3.0.0", info: { title: "Kubernetes", version: SERVER_VERSION.gitVersion }, paths, components: { schemas } };
}
