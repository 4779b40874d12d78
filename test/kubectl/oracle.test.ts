/**
 * The real kubectl is the oracle: the seed's workflow runs through a real kubectl against
 * `kubelab serve` and through `cluster.kubectl(...)` on an identical cluster, and both must print
 * the same (ages and timestamps normalised; `rollout status` compared by its final line, since how
 * many "Waiting for…" lines a real client sees depends on wall-clock timing).
 *
 * `kubectl events` is compared for the 1.32 client only (the verb arrived in kubectl 1.26), on the
 * served cluster itself, so both sides sort the same events.
 *
 * Clients: the `kubectl` on PATH (a dispatcher that runs the client matching the server's 1.32)
 * and Debian's `kubernetes-client` 1.20, unpacked by `.ci/run` into build/kubernetes-client.
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { Cluster } from "../../src/cluster";
import { serveCluster } from "../../src/serve/http";

const run = promisify(execFile);
const REPO = path.resolve(__dirname, "../../..");

interface Client {
  label: string;
  bin: string;
  /** The minor version `cluster.kubectl` prints as for this client. */
  minor: number;
  /** Extra flags for `apply` (1.20 validates with OpenAPI v2 protobuf, which kubelab does not serve). */
  applyFlags: string[];
}

function clients(): Client[] {
  const onPath = "kubectl";
  const deb = process.env["KUBECTL_1_20"] ?? path.join(REPO, "build/kubernetes-client/usr/bin/kubectl");
  return [
    { label: "kubectl on PATH (1.32 for a 1.32 server)", bin: onPath, minor: 32, applyFlags: [] },
    { label: "Debian kubernetes-client 1.20", bin: deb, minor: 20, applyFlags: ["--validate=false"] },
  ];
}

async function clientVersion(bin: string, kubeconfig: string): Promise<string> {
  try {
    const { stdout } = await run(bin, ["--kubeconfig", kubeconfig, "version", "-o", "json"], { timeout: 30_000 });
    const v = JSON.parse(stdout) as { clientVersion: { gitVersion: string } };
    return v.clientVersion.gitVersion;
  } catch (e) {
    throw new Error(
      `${bin} is not runnable (${(e as Error).message.split("\n")[0]}): install kubectl (Debian package kubectl) and Debian's kubernetes-client ` +
        `(apt-get download kubernetes-client && dpkg-deb -x kubernetes-client_*.deb build/kubernetes-client, as .ci/run does)`,
    );
  }
}

/** Ages (`5s`, `2m10s`, `<invalid>`), RFC 3339 timestamps and RFC 1123 dates vary with wall time. */
function normalise(text: string): string {
  return text
    .replace(/\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000/g, "<time>")
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, "<time>")
    .replace(/[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d \+0000/g, "<time>")
    .replace(/(?<=^|\s)(\d+[smhdy])+(?=\s|$)/gm, "<age>")
    .replace(/ +$/gm, "")
    .replace(/\s+$/, "");
}

/** Runs of spaces as one: for tables whose middle column holds ages that differ between the two clusters. */
const squeeze = (s: string): string => s.replace(/ {2,}/g, "  ");

async function idle(cluster: Cluster, quietMs = 300): Promise<void> {
  // The served cluster runs on wall time: wait until nothing is pending.
  const deadline = Date.now() + 60_000;
  let since = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    if (cluster.ctx.loop.peekTime() !== undefined) since = Date.now();
    else if (Date.now() - since >= quietMs) return;
  }
  throw new Error("served cluster never went idle");
}

describe("real kubectl against kubelab serve = cluster.kubectl (the oracle)", function () {
  this.timeout(300_000);
  for (const client of clients()) {
    it(`seed workflow: ${client.label}`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-kubectl-"));
      const served = new Cluster({ nodes: 2, seed: 7 });
      const cell = new Cluster({ nodes: 2, seed: 7 });
      cell.kubectlClientMinor = client.minor;
      const server = await serveCluster(served, { port: 0 });
      const kubeconfig = path.join(dir, "kubeconfig");
      fs.writeFileSync(kubeconfig, server.kubeconfig());
      try {
        const version = await clientVersion(client.bin, kubeconfig);
        console.log(`      kubectl client ${version} (${client.bin}) against kubelab serve ${server.url}`);
        const manifest = path.join(dir, "web.yaml");
        fs.writeFileSync(manifest, "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: hello-world\n  ports:\n  - port: 8080\n");
        const invalid = path.join(dir, "bad.yaml");
        fs.writeFileSync(invalid, "apiVersion: v1\nkind: Service\nmetadata:\n  name: bad\nspec:\n  ports:\n  - port: 70000\n");
        const real = async (args: string[]): Promise<string> => {
          const r = await run(client.bin, ["--kubeconfig", kubeconfig, ...args], { timeout: 120_000 }).catch((e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? "", stderr: e.stderr ?? "" }));
          return [r.stdout.replace(/\n$/, ""), r.stderr.replace(/\n$/, "")].filter(Boolean).join("\n");
        };
        const firstPod = (): string => cell.pods()[0]!.metadata.name!;
        const steps: { args: () => string[]; before?: (c: Cluster) => void; cellLine?: () => string; compare?: (s: string) => string }[] = [
          // Client-side: Go prints the zero creationTimestamp as null, in the template too.
          { args: () => ["create", "deployment", "hello-world", "--image=nginx", "--replicas=3", "--dry-run=client", "-o", "yaml"] },
          { args: () => ["create", "namespace", "lab", "--dry-run=client", "-o", "yaml"] },
          { args: () => ["create", "service", "nodeport", "np", "--tcp=80,443:8443", "--dry-run=client", "-o", "yaml"] },
          { args: () => ["create", "deployment", "hello-world", "--image=nginx", "--replicas=3"] },
          { args: () => ["expose", "deployment", "hello-world", "--port=80", "--target-port=8080"] },
          { args: () => ["rollout", "status", "deployment/hello-world"], compare: (s) => s.split("\n").filter((l) => !l.startsWith("Waiting for")).join("\n") },
          { args: () => ["get", "pods", "-o", "wide"] },
          { args: () => ["scale", "deployment", "hello-world", "--replicas=5"] },
          { args: () => ["get", "endpointslices", "-o", "yaml"] },
          { args: () => ["describe", "svc", "hello-world"] },
          // Events: the scheduler's, the kubelet's and the controllers' reports, read by involvedObject
          // field selector (ages differ between the wall-clock server and the cell: columns squeezed).
          { args: () => ["describe", "deployment", "hello-world"], compare: squeeze },
          { args: () => ["describe", "pod", firstPod()], compare: squeeze },
          { args: () => ["apply", ...client.applyFlags, "-f", manifest], cellLine: () => `apply -f ${manifest}` },
          { args: () => ["apply", ...client.applyFlags, "-f", manifest], cellLine: () => `apply -f ${manifest}` },
          { args: () => ["get", "svc", "web", "-o", "yaml"] },
          { args: () => ["delete", "pod", firstPod()] },
          { args: () => ["get", "pods"] },
          // Requests from a node straight to one pod: its access log, through the pods/log subresource.
          {
            before: (c) => {
              const p = c.pods().find((q) => q.metadata.name === firstPod())!;
              c.traffic({ from: `node/${c.nodes()[1]!.metadata.name}`, to: `${p.status!.podIP}:8080`, connections: 4 });
            },
            args: () => ["logs", `pod/${firstPod()}`, "--tail=3"],
            compare: (s) => {
              assert.equal(s.split("\n").filter((l) => l.includes('"GET / HTTP/1.1" 200 615')).length, 3, `three access-log lines:\n${s}`);
              return s;
            },
          },
          { args: () => ["get", "pods", "nope"] },
          { args: () => ["apply", ...client.applyFlags, "-f", invalid], cellLine: () => `apply -f ${invalid}` },
          { args: () => ["get", "all"] },
          { args: () => ["get", "events"], compare: squeeze },
          // The rest of the verbs: a rollout and its history (one revision's pod template is
          // printed with raw tabs: compared exactly), labels and annotations with and without
          // conflicts (kubectl 1.20 refuses even an equal value), jsonpath, configmaps.
          { args: () => ["set", "image", "deployment/hello-world", "nginx=nginx:1.27"] },
          { args: () => ["rollout", "status", "deployment/hello-world"], compare: (s) => s.split("\n").filter((l) => !l.startsWith("Waiting for")).join("\n") },
          { args: () => ["rollout", "history", "deployment/hello-world"] },
          { args: () => ["rollout", "history", "deployment/hello-world", "--revision=1"] },
          { args: () => ["rollout", "history", "deployment/hello-world", "--revision=3"] },
          { args: () => ["describe", "deployment", "hello-world"], compare: squeeze },
          // kubectl's rollback patch replaces /metadata/annotations: the Deployment must carry its revision.
          { args: () => ["rollout", "undo", "deployment/hello-world"] },
          { args: () => ["rollout", "status", "deployment/hello-world"], compare: (s) => s.split("\n").filter((l) => !l.startsWith("Waiting for")).join("\n") },
          { args: () => ["rollout", "history", "deployment/hello-world"] },
          { args: () => ["rollout", "undo", "deployment/hello-world", "--to-revision=3"] },
          { args: () => ["label", "deployment", "hello-world", "tier=frontend"] },
          { args: () => ["label", "deployment", "hello-world", "tier=frontend"] },
          { args: () => ["label", "deployment", "hello-world", "tier=backend"] },
          { args: () => ["label", "deployment", "hello-world", "tier-"] },
          { args: () => ["annotate", "deployment", "hello-world", "owner=alice"] },
          { args: () => ["annotate", "deployment", "hello-world", "owner=alice"] },
          { args: () => ["annotate", "deployment", "hello-world", "owner=bob"] },
          { args: () => ["get", "deployments", "--show-labels"] },
          {
            args: () => ["get", "pods", "-o", 'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.spec.containers[0].image}{"\\n"}{end}'],
            cellLine: () => `get pods -o 'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.spec.containers[0].image}{"\\n"}{end}'`,
          },
          { args: () => ["create", "configmap", "cfg", "--from-literal=a=1", "--from-literal=b=two"] },
          { args: () => ["create", "configmap", "cfg", "--from-literal=a=1"] },
          { args: () => ["get", "configmaps"] },
        ];
        const mismatches: string[] = [];
        for (const step of steps) {
          const args = step.args();
          step.before?.(served);
          step.before?.(cell);
          const realOut = await real(args);
          await idle(served);
          const cellOut = cell.kubectl(step.cellLine?.() ?? args.join(" ")).toString();
          cell.settle();
          const cmp = step.compare ?? ((s: string) => s);
          const a = normalise(cmp(realOut));
          const b = normalise(cmp(cellOut));
          if (a !== b) mismatches.push(`$ kubectl ${args.join(" ")}\n--- real ${version}\n${a}\n--- cluster.kubectl\n${b}`);
        }
        assert.equal(mismatches.length, 0, `${mismatches.length} command(s) printed differently:\n\n${mismatches.join("\n\n")}`);
      } finally {
        await server.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  // kubectl events (k8s.io/kubectl pkg/cmd/events) arrived in kubectl 1.26: Debian's 1.20 client
  // has no such command, so only the 1.32 client is the oracle here. Both sides read the same
  // served cluster (idle first), so the events — and the ties in their second-precision
  // timestamps, which kubectl's unstable Go sort reorders — are the same.
  it("kubectl events (kubectl 1.32 only: 1.20 has no events command) = cluster.kubectl", async () => {
    const served = new Cluster({ nodes: 2, seed: 5 });
    const server = await serveCluster(served, { port: 0 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-kubectl-"));
    const kubeconfig = path.join(dir, "kubeconfig");
    fs.writeFileSync(kubeconfig, server.kubeconfig());
    const real = async (args: string[]): Promise<string> => {
      const r = await run("kubectl", ["--kubeconfig", kubeconfig, ...args], { timeout: 120_000 }).catch((e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? "", stderr: e.stderr ?? "" }));
      return [r.stdout.replace(/\n$/, ""), r.stderr.replace(/\n$/, "")].filter(Boolean).join("\n");
    };
    try {
      const version = await clientVersion("kubectl", kubeconfig);
      console.log(`      kubectl client ${version} against kubelab serve ${server.url} (Debian's kubectl 1.20 has no \`kubectl events\`: not compared)`);
      await real(["create", "deployment", "web", "--image=nginx", "--replicas=5"]);
      await real(["rollout", "status", "deployment/web"]);
      await real(["scale", "deployment", "web", "--replicas=2"]);
      await idle(served);
      const commands = [
        ["events"],
        ["events", "-A"],
        ["events", "--for", "deployment/web"],
        ["events", "--for=rs/" + served.api.list("ReplicaSet", "default")[0]!.metadata.name!, "--types=Normal"],
        ["events", "-n", "kube-system", "--no-headers"],
        ["events", "--types=Warning"],
        ["events", "-A", "--types=Warning"],
        ["events", "-n", "lab"],
        ["events", "--for", "deployment/web", "-o", "yaml"],
        ["events", "--for", "deployment/web", "-o", "json"],
        ["events", "-o", "name"],
        ["events", "-o", "wide"],
        ["events", "--for", "web"],
        ["events", "--for", "widget/web"],
        ["events", "--types=Info"],
        ["events", "ignored-argument", "--types", "Normal,Warning"],
      ];
      const mismatches: string[] = [];
      for (const args of commands) {
        const a = squeeze(normalise(await real(args)));
        const b = squeeze(normalise(served.kubectl(args.join(" ")).toString()));
        if (a !== b) mismatches.push(`$ kubectl ${args.join(" ")}\n--- real ${version}\n${a}\n--- cluster.kubectl\n${b}`);
      }
      assert.equal(mismatches.length, 0, `${mismatches.length} command(s) printed differently:\n\n${mismatches.join("\n\n")}`);
      assert.ok(served.kubectl("events").stdout.split("\n").length > 13, "more than 12 events: Go's sort moves ties beyond that");

      // -w: the current events, then each one recorded after kubectl scale (kubelab serve streams them).
      const watch = spawn("kubectl", ["--kubeconfig", kubeconfig, "events", "-w", "--for", "deployment/web"], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      watch.stdout.on("data", (d: Buffer) => (out += d.toString()));
      try {
        const until = async (what: string, ok: () => boolean): Promise<void> => {
          for (const deadline = Date.now() + 60_000; !ok(); await new Promise((r) => setTimeout(r, 20))) if (Date.now() > deadline) throw new Error(`kubectl events -w never showed ${what}:\n${out}`);
        };
        await until("the listed events", () => out.includes("from 5 to 2"));
        await real(["scale", "deployment", "web", "--replicas=3"]);
        await until("the scale-up", () => out.includes("from 2 to 3"));
        const rows = out.trim().split("\n").map((l) => l.split(/\s{2,}/));
        assert.deepEqual(rows[0], ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]);
        assert.deepEqual(
          rows.slice(1).map((r) => r.slice(1)),
          [
            ["Normal", "ScalingReplicaSet", "Deployment/web", "Scaled up replica set " + served.api.list("ReplicaSet", "default")[0]!.metadata.name! + " from 0 to 5"],
            ["Normal", "ScalingReplicaSet", "Deployment/web", "Scaled down replica set " + served.api.list("ReplicaSet", "default")[0]!.metadata.name! + " from 5 to 2"],
            ["Normal", "ScalingReplicaSet", "Deployment/web", "Scaled up replica set " + served.api.list("ReplicaSet", "default")[0]!.metadata.name! + " from 2 to 3"],
          ],
          out,
        );
      } finally {
        watch.kill();
      }
    } finally {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  // Behaviour only: how soon the rows appear in wall time is measured by bench/kubectl.ts.
  it("kubectl get pods -w shows the pods kubectl scale adds, in lifecycle order, in the table's columns", async () => {
    const served = new Cluster({ nodes: 2, seed: 11 });
    served.kubectl("create deployment web --image=nginx --replicas=1");
    served.settle();
    const server = await serveCluster(served, { port: 0 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-kubectl-"));
    const kubeconfig = path.join(dir, "kubeconfig");
    fs.writeFileSync(kubeconfig, server.kubeconfig());
    const watch = spawn("kubectl", ["--kubeconfig", kubeconfig, "get", "pods", "-w"], { stdio: ["ignore", "pipe", "pipe"] });
    const first = served.pods()[0]!.metadata.name!;
    let out = "";
    watch.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const rows = (): string[][] => out.split("\n").filter(Boolean).map((l) => l.trim().split(/\s+/));
    /** Waits for what the stream shows (a liveness bound, not a latency check: that is bench/kubectl.ts). */
    const until = async (what: string, ok: () => boolean): Promise<void> => {
      for (const deadline = Date.now() + 60_000; !ok(); await new Promise((r) => setTimeout(r, 20))) {
        if (Date.now() > deadline) throw new Error(`kubectl get pods -w never showed ${what}; output:\n${out}`);
      }
    };
    try {
      await until("the current pod", () => rows().some((r) => r[0] === first));
      await run("kubectl", ["--kubeconfig", kubeconfig, "scale", "deployment", "web", "--replicas=3"], { timeout: 60_000 });
      const added = (): string[] => [...new Set(rows().map((r) => r[0]!).filter((n) => n.startsWith("web-") && n !== first))];
      const running = (n: string): boolean => rows().some((r) => r[0] === n && r[1] === "1/1" && r[2] === "Running");
      await until("two new pods Running", () => added().length === 2 && added().every(running));

      const [header, ...body] = rows();
      assert.deepEqual(header, ["NAME", "READY", "STATUS", "RESTARTS", "AGE"], `the header:\n${out}`);
      assert.deepEqual(body[0]!.slice(0, 4), [first, "1/1", "Running", "0"], `the listed pod comes first:\n${out}`);
      for (const r of body) assert.equal(r.length, 5, `every row has the five columns:\n${out}`);
      // Each new pod goes Pending → ContainerCreating → Running, never back.
      const phases = ["Pending", "ContainerCreating", "Running"];
      for (const name of added()) {
        const seen = body.filter((r) => r[0] === name).map((r) => phases.indexOf(r[2]!));
        assert.ok(seen.every((p) => p >= 0), `${name}: only Pending, ContainerCreating, Running:\n${out}`);
        assert.deepEqual(seen, [...seen].sort((a, b) => a - b), `${name}: statuses in lifecycle order:\n${out}`);
        assert.equal(seen[0], 0, `${name}: first seen Pending:\n${out}`);
        assert.deepEqual(body.filter((r) => r[0] === name && r[2] === "Running").at(-1)!.slice(1, 4), ["1/1", "Running", "0"]);
      }
      assert.deepEqual(served.pods().map((p) => p.metadata.name).sort(), [first, ...added()].sort(), "the stream names the cluster's pods");
    } finally {
      watch.kill();
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
