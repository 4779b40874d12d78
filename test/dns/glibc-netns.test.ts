/**
 * The real glibc resolver decides: in a network namespace whose /etc/resolv.conf is the simulated pod's,
 * `getent ahosts NAME` must send our server exactly the queries `resolve()` predicts, in order.
 */
import * as assert from "node:assert/strict";
import { ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { resolve, ResolveOptions } from "../../src/dns/resolver";
import { resolvConf } from "../../src/dns/resolvconf";
import { fixtureDns } from "./fixtures";
import { requireTool } from "./tools";

const run = promisify(execFile);
const NS = "kld-glibc";
const PREFIX = "kld-";
const HOST_RESOLV = "nameserver 10.255.255.53\nsearch lab.example\n";
const HOSTS = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";

function ip(...args: string[]): void {
  execFileSync("ip", args, { stdio: "pipe" });
}

/** Remove every namespace and /etc/netns directory with our prefix (idempotent). */
function cleanup(): void {
  let list = "";
  try {
    list = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
  } catch {
    return;
  }
  for (const line of list.split("\n")) {
    const name = line.split(" ")[0] ?? "";
    if (name.startsWith(PREFIX)) {
      try { ip("netns", "del", name); } catch { /* already gone */ }
    }
  }
  if (fs.existsSync("/etc/netns")) {
    for (const d of fs.readdirSync("/etc/netns")) if (d.startsWith(PREFIX)) fs.rmSync(path.join("/etc/netns", d), { recursive: true, force: true });
  }
}

interface Logged { name: string; type: string }

describe("dns/glibc: getent ahosts in a network namespace sends the predicted queries", function () {
  this.timeout(120_000);
  let server: ChildProcess | undefined;
  const log: Logged[] = [];
  const dns = fixtureDns();
  const etc = `/etc/netns/${NS}`;

  before(async () => {
    requireTool("ip", "iproute2");
    requireTool("getent", "libc-bin");
    cleanup();
    ip("netns", "add", NS);
    ip("-n", NS, "link", "set", "lo", "up");
    ip("-n", NS, "addr", "add", "10.96.0.10/32", "dev", "lo");
    // A global IPv6 address too, so AI_ADDRCONFIG (set by getent ahosts) keeps AAAA queries.
    ip("-n", NS, "addr", "add", "fd00:96::10/128", "dev", "lo", "nodad");
    fs.mkdirSync(etc, { recursive: true });
    // ip netns exec bind-mounts these over /etc/*: a fixed hosts file and `hosts: files dns` keep getent
    // independent of the machine's own configuration.
    fs.writeFileSync(`${etc}/hosts`, HOSTS);
    fs.writeFileSync(`${etc}/nsswitch.conf`, "hosts: files dns\n");
    const script = path.join(__dirname, "serve-fixture.js");
    server = spawn("ip", ["netns", "exec", NS, process.execPath, script, "10.96.0.10", "53"], { stdio: ["ignore", "pipe", "pipe"] });
    let buf = "";
    let stderr = "";
    server.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`DNS server did not start: ${stderr}`)), 15_000);
      server?.on("exit", (code) => fail(new Error(`DNS server exited (${code}): ${stderr}`)));
      server?.stdout?.on("data", (d: Buffer) => {
        buf += d.toString();
        let i: number;
        while ((i = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.startsWith("ready")) {
            clearTimeout(timer);
            ok();
          } else if (line.startsWith("{")) log.push(JSON.parse(line) as Logged);
        }
      });
    });
  });

  after(() => {
    server?.removeAllListeners("exit");
    server?.kill("SIGTERM");
    cleanup();
  });

  async function getent(name: string): Promise<{ code: number; out: string }> {
    try {
      const r = await run("ip", ["netns", "exec", NS, "getent", "ahosts", name], { timeout: 30_000 });
      return { code: 0, out: r.stdout };
    } catch (e) {
      const err = e as { code?: number; stdout?: string };
      return { code: typeof err.code === "number" ? err.code : -1, out: err.stdout ?? "" };
    }
  }

  const cases: { name: string; from: string; found: boolean; opts?: ResolveOptions }[] = [
    { name: "hello-world", from: "default", found: true },
    { name: "hello-world", from: "other", found: false },
    { name: "hello-world.default", from: "other", found: true },
    { name: "google.com", from: "default", found: true },
    { name: "google.com.", from: "default", found: true },
    { name: "kubernetes.default.svc.cluster.local", from: "other", found: true },
    { name: "kubernetes.default.svc.cluster.local.", from: "other", found: true },
    { name: "kube-dns.kube-system", from: "default", found: true },
    { name: "db", from: "default", found: true },
    { name: "search", from: "default", found: true },
    { name: "default", from: "default", found: false },
  ];
  for (const c of cases) {
    it(`${c.name} from namespace ${c.from}`, async () => {
      const conf = resolvConf({ pod: { metadata: { namespace: c.from }, spec: {} }, hostResolvConf: HOST_RESOLV });
      fs.writeFileSync(`${etc}/resolv.conf`, conf.text);
      const predicted = resolve(c.name, conf, (n, t) => dns.query(n, t), { addrConfig: { ipv4: true, ipv6: true }, hosts: HOSTS });
      const mark = log.length;
      const r = await getent(c.name);
      await new Promise((ok) => setTimeout(ok, 200)); // let the last log lines arrive
      const seen = log.slice(mark).map((q) => `${q.name} ${q.type}`);
      assert.deepEqual(seen, predicted.queries.map((q) => `${q.name} ${q.type}`));
      assert.equal(r.code === 0, c.found, `getent exit code ${r.code}`);
      if ("addresses" in predicted.result) {
        const got = new Set(r.out.split("\n").filter((l) => l).map((l) => l.split(/\s+/)[0]));
        assert.deepEqual([...got].sort(), [...predicted.result.addresses].sort());
      } else assert.equal(c.found, false);
    });
  }

  it("without a global IPv6 address, AI_ADDRCONFIG limits getent ahosts to A queries", async () => {
    ip("-n", NS, "addr", "del", "fd00:96::10/128", "dev", "lo");
    try {
      const conf = resolvConf({ pod: { metadata: { namespace: "other" }, spec: {} }, hostResolvConf: HOST_RESOLV });
      fs.writeFileSync(`${etc}/resolv.conf`, conf.text);
      const predicted = resolve("hello-world.default", conf, (n, t) => dns.query(n, t), { addrConfig: { ipv4: true, ipv6: false } });
      const mark = log.length;
      await getent("hello-world.default");
      await new Promise((ok) => setTimeout(ok, 200));
      assert.deepEqual(log.slice(mark).map((q) => `${q.name} ${q.type}`), predicted.queries.map((q) => `${q.name} ${q.type}`));
      assert.ok(predicted.queries.every((q) => q.type === "A"));
    } finally {
      ip("-n", NS, "addr", "add", "fd00:96::10/128", "dev", "lo", "nodad");
    }
  });
});
