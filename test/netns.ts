/**
 * Shared plumbing for the tests that run against the real Linux network stack: a node namespace
 * reaching an isolated sink namespace through a veth pair (so it has an address and a default
 * route, yet nothing leaves the machine), and one namespace per pod, Calico-style (a /32 on the
 * pod's eth0, 169.254.1.1 as its gateway on the host side).
 *
 * @example
 * ```ts
 * needTool("ip", "iproute2");
 * deleteNamespaces("klp-");
 * buildNodeTopology({ prefix: "klp", nodeNs: "klp-node", nodeIP: "192.168.0.2", pods: [{ ns: "klp-p1", ip: "10.244.1.11" }] });
 * ```
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** Fail with the Debian package to install when a tool is missing (never skip). */
export function needTool(tool: string, pkg: string): void {
  const r = spawnSync(tool, ["--version"], { stdio: "ignore" });
  if (r.error) throw new Error(`"${tool}" not found: install the Debian package "${pkg}" (apt-get install -y ${pkg})`);
}

/** Run a command; a failure throws with its stderr. */
export function run(cmd: string, args: string[], input?: string): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} failed: ${err.stderr || err.message}`);
  }
}

export const ip = (...args: string[]): string => run("ip", args);
export const inNs = (ns: string, cmd: string, args: string[], input?: string): string => run("ip", ["netns", "exec", ns, cmd, ...args], input);

/** Delete every network namespace whose name starts with `prefix` (idempotent; safe on leftovers). */
export function deleteNamespaces(prefix: string): void {
  const list = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout ?? "";
  for (const line of list.split("\n")) {
    const name = line.split(" ")[0];
    if (name && name.startsWith(prefix)) spawnSync("ip", ["netns", "del", name], { stdio: "ignore" });
  }
}

/** A pod namespace wired to the node namespace by a veth pair (`hostIf` on the node side). */
export function addPodNamespace(nodeNs: string, ns: string, podIP: string, hostIf: string): void {
  ip("netns", "add", ns);
  ip("-n", nodeNs, "link", "add", hostIf, "type", "veth", "peer", "name", "eth0", "netns", ns);
  ip("-n", ns, "link", "set", "lo", "up");
  ip("-n", ns, "addr", "add", `${podIP}/32`, "dev", "eth0");
  ip("-n", ns, "link", "set", "eth0", "up");
  ip("-n", ns, "route", "add", "169.254.1.1", "dev", "eth0", "scope", "link");
  ip("-n", ns, "route", "add", "default", "via", "169.254.1.1", "dev", "eth0");
  // MASQUERADE needs an IPv4 address on the egress interface.
  ip("-n", nodeNs, "addr", "add", "169.254.1.1/32", "dev", hostIf);
  ip("-n", nodeNs, "link", "set", hostIf, "up");
  ip("-n", nodeNs, "route", "add", `${podIP}/32`, "dev", hostIf);
}

/**
 * The node namespace (`nodeIP/24`, default route to an isolated `<prefix>-sink`), IP forwarding
 * on, and one namespace per pod (host-side veths `<prefix>v1`, `<prefix>v2`, …, `<prefix>vc` for
 * the last one when `clientLast`).
 */
export function buildNodeTopology(o: { prefix: string; nodeNs: string; nodeIP: string; pods: readonly { ns: string; ip: string }[]; clientLast?: boolean }): void {
  const sink = `${o.prefix}-sink`;
  ip("netns", "add", sink);
  ip("netns", "add", o.nodeNs);
  ip("-n", o.nodeNs, "link", "set", "lo", "up");
  ip("-n", o.nodeNs, "link", "add", `${o.prefix}-up`, "type", "veth", "peer", "name", `${o.prefix}-dn`, "netns", sink);
  ip("-n", o.nodeNs, "addr", "add", `${o.nodeIP}/24`, "dev", `${o.prefix}-up`);
  ip("-n", sink, "addr", "add", "192.168.0.1/24", "dev", `${o.prefix}-dn`);
  ip("-n", o.nodeNs, "link", "set", `${o.prefix}-up`, "up");
  ip("-n", sink, "link", "set", `${o.prefix}-dn`, "up");
  ip("-n", o.nodeNs, "route", "add", "default", "via", "192.168.0.1");
  inNs(o.nodeNs, "sysctl", ["-q", "-w", "net.ipv4.ip_forward=1"]);
  o.pods.forEach((p, i) => addPodNamespace(o.nodeNs, p.ns, p.ip, o.clientLast && i === o.pods.length - 1 ? `${o.prefix}vc` : `${o.prefix}v${i + 1}`));
}

/** A tiny TCP server for pod namespaces: answers every connection on :8080 with its pod name. */
const POD_SERVER_JS = `
const net = require("net");
net.createServer((s) => { s.on("error", () => {}); s.end(process.argv[2] + "\\n"); })
  .listen(8080, "0.0.0.0", () => process.stdout.write("ready\\n"));
`;

/**
 * Start the pod server in each pod's namespace and wait until all listen. Children are pushed to
 * `servers` as they start, so the caller can kill them even if a later one fails.
 */
export async function startPodServers(dir: string, pods: readonly { ns: string; name: string }[], servers: ChildProcess[]): Promise<void> {
  const script = path.join(dir, "pod-server.js");
  fs.writeFileSync(script, POD_SERVER_JS);
  await Promise.all(
    pods.map(
      (p) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn("ip", ["netns", "exec", p.ns, process.execPath, script, p.name], { stdio: ["ignore", "pipe", "pipe"] });
          servers.push(child);
          const timer = setTimeout(() => reject(new Error(`server in ${p.ns} did not start`)), 10_000);
          child.stdout!.on("data", (d: Buffer) => {
            if (d.toString().includes("ready")) {
              clearTimeout(timer);
              resolve();
            }
          });
          child.on("exit", (code) => reject(new Error(`server in ${p.ns} exited with ${code}`)));
        }),
    ),
  );
}
