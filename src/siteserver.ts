/**
 * Serves the JupyterLite site (`build/site`, from `npm run site`) as static files on loopback, with
 * the cross-origin-isolation headers that give the in-browser kernel SharedArrayBuffer (interrupts
 * without a restart). Node.js only; not part of the simulation.
 *
 * @example
 * ```ts
 * const s = await serveSite("build/site", { port: 0 });
 * s.url; // → "http://127.0.0.1:41234/"
 * await s.close();
 * ```
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import * as zlib from "node:zlib";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".ipynb": "application/json; charset=utf-8",
  ".yaml": "text/yaml; charset=utf-8",
  ".yml": "text/yaml; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".eot": "application/vnd.ms-fontobject",
  ".wasm": "application/wasm",
  ".map": "application/json; charset=utf-8",
};

/** A running site server. */
export interface SiteServer {
  url: string;
  /** Bytes sent (after compression) since the server started or the last {@link SiteServer.resetCounter}. */
  bytesSent(): number;
  resetCounter(): void;
  close(): Promise<void>;
}

/**
 * Serve `dir` on `host:port` (127.0.0.1, port 0 = any free port), gzip-compressing text as a static
 * host would.
 *
 * @example
 * ```ts
 * const s = await serveSite("build/site", { port: 8000 });
 * ```
 */
export function serveSite(dir: string, opts: { port?: number; host?: string } = {}): Promise<SiteServer> {
  const root = path.resolve(dir);
  if (!fs.existsSync(path.join(root, "lab", "index.html"))) {
    return Promise.reject(new Error(`${dir} holds no site: build it with \`npm run site\``));
  }
  let sent = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    let file = path.join(root, decodeURIComponent(url.pathname));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) {
      if (!url.pathname.endsWith("/")) {
        res.writeHead(301, { location: url.pathname + "/" + url.search }).end();
        return;
      }
      file = path.join(file, "index.html");
    }
    if (!fs.existsSync(file)) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    const type = TYPES[path.extname(file)] ?? "application/octet-stream";
    const headers: Record<string, string> = {
      "content-type": type,
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-embedder-policy": "require-corp",
      "cross-origin-resource-policy": "same-origin",
      "cache-control": "no-cache",
    };
    let body = fs.readFileSync(file);
    if (/gzip/.test(String(req.headers["accept-encoding"] ?? "")) && /text|json|javascript|svg|yaml/.test(type)) {
      body = zlib.gzipSync(body, { level: 6 });
      headers["content-encoding"] = "gzip";
    }
    headers["content-length"] = String(body.length);
    sent += body.length;
    res.writeHead(200, headers);
    res.end(req.method === "HEAD" ? undefined : body);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
      const a = server.address() as { port: number; address: string };
      resolve({
        url: `http://${a.address}:${a.port}/`,
        bytesSent: () => sent,
        resetCounter: () => {
          sent = 0;
        },
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}
