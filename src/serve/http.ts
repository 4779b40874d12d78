/**
 * `kubelab serve`: the simulated cluster's API over HTTP, for a real kubectl (Node only; the
 * simulation never imports this module). Requests map onto the same REST layer `cluster.kubectl`
 * uses; responses are what kube-apiserver sends: discovery, objects and lists, Tables for
 * `Accept: …;as=Table`, JSON watch streams, metav1.Status errors, `Warning` headers.
 *
 * While it serves, virtual time follows wall time (times `speed`), so `kubectl rollout status`
 * and `kubectl get -w` see the cluster change as a real one would.
 *
 * @example
 * ```ts
 * const server = await serveCluster(cluster, { port: 0 });
 * // kubectl --kubeconfig <(server.kubeconfig()) get pods
 * await server.close();
 * ```
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { parse as parseYAML } from "yaml";
import type { Kind } from "../api/types";
import type { Stored } from "../apiserver/apiserver";
import { serverTable } from "../kubectl/printers/columns";
import { type PatchType, type Rest, type ResourceInfo, resources } from "../kubectl/rest";
import { StatusError, badRequest, methodNotAllowed, notFound, unsupportedMediaType, type Status } from "../kubectl/status";
import { AGGREGATED_V2, SERVER_VERSION, aggregatedDiscovery, apiGroupList, apiResourceList, apiVersions, openAPIDocument, openAPIIndex } from "./discovery";
import { decodeKubernetesProtobuf } from "./protobuf";

/** What the server needs of a cluster: its REST layer and its clock. */
export interface ServedCluster {
  readonly rest: Rest;
  advance(ms: number): unknown;
}

export interface ServeOptions {
  /** Port (0: any free one). */
  port?: number;
  /** Address; loopback unless told otherwise. */
  host?: string;
  /** Virtual milliseconds per wall millisecond. Default 1. */
  speed?: number;
  /** How often virtual time catches up with wall time, ms. Default 20. */
  tickMs?: number;
  /** Log each request (method, path, status) here. */
  log?: (line: string) => void;
}

/** A running server. */
export interface ClusterServer {
  readonly url: string;
  readonly port: number;
  /** A kubeconfig that points kubectl at this server. */
  kubeconfig(): string;
  close(): Promise<void>;
}

const TABLE_ACCEPT = /as=Table/;

function sendJSON(res: http.ServerResponse, code: number, body: unknown, contentType = "application/json", warnings: string[] = []): void {
  const text = JSON.stringify(body);
  const headers: http.OutgoingHttpHeaders = { "Content-Type": contentType, "Content-Length": Buffer.byteLength(text), "Cache-Control": "no-cache, private" };
  if (warnings.length) headers["Warning"] = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(text);
}

function sendStatus(res: http.ServerResponse, s: Status): void {
  sendJSON(res, s.code, s);
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Decode a request body by its Content-Type: JSON, YAML (apply patches) or Kubernetes protobuf. */
function decodeBody(contentType: string, body: Buffer): unknown {
  const type = contentType.split(";")[0]!.trim();
  if (type === "application/vnd.kubernetes.protobuf") {
    try {
      return decodeKubernetesProtobuf(body);
    } catch (e) {
      throw badRequest((e as Error).message);
    }
  }
  if (type === "application/apply-patch+yaml" || type === "application/yaml") {
    try {
      return parseYAML(body.toString("utf8"));
    } catch (e) {
      throw badRequest(`error decoding YAML: ${(e as Error).message}`);
    }
  }
  if (type === "application/json" || type.endsWith("+json") || type === "") {
    try {
      return JSON.parse(body.toString("utf8"));
    } catch (e) {
      throw badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
    }
  }
  throw unsupportedMediaType(contentType);
}

const PATCH_TYPES: Record<string, PatchType> = {
  "application/merge-patch+json": "merge",
  "application/strategic-merge-patch+json": "strategic",
  "application/json-patch+json": "json",
  "application/apply-patch+yaml": "apply",
};

interface Route {
  resource: ResourceInfo | "events";
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

/** `/api/v1/namespaces/ns/pods/name/status` → its parts; undefined if not a resource path. */
function route(parts: string[]): Route | undefined {
  let group = "";
  let version: string;
  let rest: string[];
  if (parts[0] === "api" && parts[1]) {
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === "apis" && parts[1] && parts[2]) {
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else return undefined;
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [res, name, sub] = rest;
  if (!res) return undefined;
  if (group === "" && version === "v1" && res === "events") return { resource: "events", namespace, name, subresource: sub };
  const r = resources.find((x) => x.group === group && x.version === version && x.resource === res);
  if (!r) {
    // `/api/v1/namespaces/<name>` is the namespace itself.
    if (res === undefined) return undefined;
    return undefined;
  }
  return { resource: r, namespace: r.namespaced ? namespace : undefined, name, subresource: sub };
}

/**
 * Serve a cluster's API over HTTP.
 *
 * @example
 * ```ts
 * const s = await serveCluster(cluster, { port: 0 });
 * console.log(s.url); // http://127.0.0.1:40123
 * ```
 */
export async function serveCluster(cluster: ServedCluster, opts: ServeOptions = {}): Promise<ClusterServer> {
  const rest = cluster.rest;
  rest.startWatchCache();
  const speed = opts.speed ?? 1;
  const streams = new Set<http.ServerResponse>();
  let address = "";

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const q = url.searchParams;
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const accept = String(req.headers["accept"] ?? "");
    const method = req.method ?? "GET";

    if (url.pathname === "/version") return sendJSON(res, 200, SERVER_VERSION);
    if (url.pathname === "/healthz" || url.pathname === "/readyz" || url.pathname === "/livez") {
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end("ok");
      return;
    }
    if (url.pathname === "/api" || url.pathname === "/apis") {
      const root = url.pathname.slice(1) as "api" | "apis";
      if (accept.includes("as=APIGroupDiscoveryList") && accept.includes("v=v2;")) return sendJSON(res, 200, aggregatedDiscovery(root), AGGREGATED_V2);
      return sendJSON(res, 200, root === "api" ? apiVersions(address) : apiGroupList());
    }
    if (parts[0] === "openapi" && parts[1] === "v3") {
      if (parts.length === 2) return sendJSON(res, 200, openAPIIndex());
      const doc = openAPIDocument(parts.slice(2).join("/"));
      if (doc) return sendJSON(res, 200, doc);
    }
    if ((parts[0] === "api" && parts.length === 2) || (parts[0] === "apis" && parts.length === 3)) {
      const list = parts[0] === "api" ? apiResourceList("", parts[1]!) : apiResourceList(parts[1]!, parts[2]!);
      if (list) return sendJSON(res, 200, list);
    }
    const r = route(parts);
    if (!r) {
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end("404 page not found\n");
      return;
    }
    const dryRun = q.getAll("dryRun").includes("All");
    const fieldValidation = (q.get("fieldValidation") ?? "Strict") as "Strict" | "Warn" | "Ignore";
    const asTable = TABLE_ACCEPT.test(accept);
    const includeObject = (q.get("includeObject") ?? "Metadata") as "None" | "Metadata" | "Object";

    if (r.resource === "events") {
      // Components record events; clients only read them (kubectl describe, get events).
      if (method !== "GET") throw methodNotAllowed("events are recorded by the simulated components; clients may only read them");
      const { items, resourceVersion } = rest.events(r.namespace, q.get("fieldSelector") ?? undefined);
      if (r.name) {
        const one = items.find((e) => e.metadata.name === r.name);
        if (!one) throw notFound("events", "", r.name);
        return sendJSON(res, 200, asTable ? serverTable("Event", [one], rest.now(), { resourceVersion: one.metadata.resourceVersion, includeObject }) : one);
      }
      if (q.get("watch") === "true" || q.get("watch") === "1") {
        const from = q.get("resourceVersion");
        return watchStream(
          res,
          (send) =>
            rest.watchEvents(r.namespace, { ...(q.get("fieldSelector") ? { fieldSelector: q.get("fieldSelector")! } : {}), ...(from !== null ? { resourceVersion: from } : {}) }, (type, e) =>
              send({ type, object: asTable ? serverTable("Event", [e], rest.now(), { resourceVersion: e.metadata.resourceVersion, includeObject }) : e }),
            ),
          q,
        );
      }
      if (asTable) return sendJSON(res, 200, serverTable("Event", items, rest.now(), { resourceVersion, includeObject }));
      return sendJSON(res, 200, { kind: "EventList", apiVersion: "v1", metadata: { resourceVersion }, items });
    }
    const resource = r.resource;
    const ns = r.namespace;
    const listOpts = { ...(q.get("labelSelector") ? { labelSelector: q.get("labelSelector")! } : {}), ...(q.get("fieldSelector") ? { fieldSelector: q.get("fieldSelector")! } : {}) };
    const one = (o: Stored<Kind>): unknown => (asTable ? serverTable(resource.kind, [o], rest.now(), { resourceVersion: o.metadata.resourceVersion ?? "", includeObject }) : o);

    if (r.subresource === "scale") {
      if (!r.name) throw notFound(resource.resource, resource.group, "");
      if (method === "GET") return sendJSON(res, 200, rest.getScale(resource, ns, r.name));
      const body = decodeBody(String(req.headers["content-type"] ?? ""), await readBody(req));
      const type = method === "PUT" ? "update" : PATCH_TYPES[String(req.headers["content-type"] ?? "").split(";")[0]!.trim()];
      if (!type) throw unsupportedMediaType(String(req.headers["content-type"] ?? ""));
      return sendJSON(res, 200, rest.updateScale(resource, ns, r.name, { type, body }, { dryRun }));
    }
    if (r.subresource === "log" && resource.kind === "Pod") {
      if (!r.name || method !== "GET") throw methodNotAllowed("pods/log supports GET only");
      const tail = q.get("tailLines");
      const lines = rest.podLog(ns ?? "default", r.name, { ...(q.get("container") ? { container: q.get("container")! } : {}), ...(tail !== null ? { tailLines: Number(tail) } : {}) });
      res.writeHead(200, { "Content-Type": "text/plain" });
      return void res.end(lines.map((l) => l + "\n").join(""));
    }
    if (r.subresource === "status") {
      if (!r.name) throw notFound(resource.resource, resource.group, "");
      if (method === "GET") return sendJSON(res, 200, rest.get(resource, ns, r.name));
      throw methodNotAllowed("status is written by the simulation's controllers");
    }
    if (r.subresource) throw notFound(resource.resource, resource.group, r.name ?? "");

    if (!r.name) {
      if (method === "GET") {
        if (q.get("watch") === "true" || q.get("watch") === "1") {
          return watchStream(
            res,
            (send) =>
              rest.watch(resource, ns, { ...listOpts, ...(q.get("resourceVersion") !== null ? { resourceVersion: q.get("resourceVersion")! } : {}) }, (e) =>
                send({ type: e.type, object: one(e.object) }),
              ),
            q,
          );
        }
        const list = rest.list(resource, ns, listOpts);
        if (asTable) return sendJSON(res, 200, serverTable(resource.kind, list.items, rest.now(), { resourceVersion: list.resourceVersion, includeObject }));
        return sendJSON(res, 200, { kind: `${resource.kind}List`, apiVersion: resource.apiVersion, metadata: { resourceVersion: list.resourceVersion }, items: list.items });
      }
      if (method === "POST") {
        const body = decodeBody(String(req.headers["content-type"] ?? ""), await readBody(req));
        const { object, warnings } = rest.create(resource, ns, body, { dryRun, fieldValidation, ...(q.get("fieldManager") ? { fieldManager: q.get("fieldManager")! } : {}) });
        return sendJSON(res, 201, object, "application/json", warnings);
      }
      throw methodNotAllowed(`the server does not allow this method on the requested resource`);
    }

    const name = r.name;
    switch (method) {
      case "GET": {
        if (q.get("watch") === "true") return watchStream(res, (send) => rest.watch(resource, ns, { fieldSelector: `metadata.name=${name}` }, (e) => send({ type: e.type, object: one(e.object) })), q);
        return sendJSON(res, 200, one(rest.get(resource, ns, name)));
      }
      case "PUT": {
        const body = decodeBody(String(req.headers["content-type"] ?? ""), await readBody(req));
        const { object, warnings } = rest.update(resource, ns, name, body, { dryRun, fieldValidation });
        return sendJSON(res, 200, object, "application/json", warnings);
      }
      case "PATCH": {
        const ct = String(req.headers["content-type"] ?? "").split(";")[0]!.trim();
        const type = PATCH_TYPES[ct];
        if (!type) throw unsupportedMediaType(ct);
        const body = decodeBody(ct, await readBody(req));
        const existed = !!rest.api.get(resource.kind, ns, name);
        const { object, warnings } = rest.patch(resource, ns, name, type, body, { dryRun, fieldValidation, force: q.get("force") === "true" });
        return sendJSON(res, existed ? 200 : 201, object, "application/json", warnings);
      }
      case "DELETE": {
        const raw = await readBody(req);
        let grace: number | undefined = q.get("gracePeriodSeconds") !== null ? Number(q.get("gracePeriodSeconds")) : undefined;
        if (raw.length) {
          const opts = decodeBody(String(req.headers["content-type"] ?? "application/json"), raw) as { gracePeriodSeconds?: number; dryRun?: string[] };
          if (opts.gracePeriodSeconds !== undefined) grace = opts.gracePeriodSeconds;
        }
        const object = rest.delete(resource, ns, name, { ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}), dryRun });
        return sendJSON(res, 200, object);
      }
      default:
        throw methodNotAllowed(`the server does not allow this method on the requested resource`);
    }
  };

  /** A watch: JSON events, one per line, until the client goes away or `timeoutSeconds` passes. */
  const watchStream = (res: http.ServerResponse, start: (send: (e: unknown) => void) => () => void, q: URLSearchParams): void => {
    res.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked", "Cache-Control": "no-cache, private" });
    res.flushHeaders();
    streams.add(res);
    const stop = start((e) => res.write(JSON.stringify(e) + "\n"));
    const timeout = Number(q.get("timeoutSeconds") ?? "0");
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    const done = (): void => {
      if (timer) clearTimeout(timer);
      stop();
      streams.delete(res);
    };
    res.on("close", done);
  };

  const server = http.createServer((req, res) => {
    handle(req, res)
      .then(() => opts.log?.(`${req.method} ${req.url} ${res.statusCode}`))
      .catch((e: unknown) => {
        opts.log?.(`${req.method} ${req.url} ${e instanceof StatusError ? e.status.code : 500}`);
        if (res.headersSent) return void res.end();
        if (e instanceof StatusError) return sendStatus(res, e.status);
        sendStatus(res, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: (e as Error).message ?? String(e), reason: "InternalError", code: 500 });
      });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const a = server.address() as AddressInfo;
  const host = a.family === "IPv6" ? `[${a.address}]` : a.address;
  address = `${host}:${a.port}`;
  const url = `http://${address}`;

  // Virtual time follows wall time while serving.
  let last = Date.now();
  const tick = setInterval(() => {
    const now = Date.now();
    const ms = (now - last) * speed;
    last = now;
    if (ms > 0) cluster.advance(ms);
  }, opts.tickMs ?? 20);

  return {
    url,
    port: a.port,
    kubeconfig: () =>
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- cluster:",
        `    server: ${url}`,
        "  name: kubelab",
        "contexts:",
        "- context:",
        "    cluster: kubelab",
        "    user: kubelab",
        "  name: kubelab",
        "current-context: kubelab",
        "preferences: {}",
        "users:",
        "- name: kubelab",
        "  user: {}",
        "",
      ].join("\n"),
    close: async () => {
      clearInterval(tick);
      for (const s of streams) s.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
