import { strict as assert } from "node:assert";
import { clone } from "../../src/controllers/controller";
import { helloWorld, newCluster } from "./helpers";

describe("controllers", () => {
  describe("scaling", () => {
    const cases: [number, number][] = [
      [4, 6],
      [4, 1],
      [3, 0],
      [0, 2],
    ];
    for (const [from, to] of cases) {
      it(`scales ${from} → ${to} and the EndpointSlices follow`, () => {
        const c = newCluster();
        c.apply(helloWorld(from));
        c.settle();
        assert.equal(c.endpoints("hello-world").ready.length, from);
        c.scale("deployment/hello-world", to).settle();
        assert.equal(c.pods({ selector: { app: "hello" } }).length, to);
        const eps = c.endpoints("hello-world");
        assert.equal(eps.ready.length, to);
        assert.equal(eps.rows.length, to, "no terminating endpoints left after settle");
        const d = c.get<"Deployment">("deployment/hello-world");
        assert.equal(d.status?.readyReplicas, to);
        assert.equal(d.status?.availableReplicas, to);
      });
    }

    it("shows terminating endpoints (ready=false, serving=true) while pods shut down", () => {
      const c = newCluster();
      c.apply(helloWorld(3, {}).replace("metadata: { labels: { app: hello } }", 'metadata: { labels: { app: hello }, annotations: { kubelab.io/app-shutdown-seconds: "5" } }'));
      c.settle();
      c.scale("deployment/hello-world", 1);
      c.advance(2000);
      const rows = c.endpoints("hello-world").rows;
      const terminating = rows.filter((r) => r.terminating);
      assert.equal(terminating.length, 2);
      assert.ok(terminating.every((r) => !r.ready && r.serving));
      c.settle();
      assert.equal(c.endpoints("hello-world").rows.length, 1);
    });

    it("keeps a placeholder slice for a Service that selects nothing, and ≤100 endpoints per slice", () => {
      const c = newCluster({ nodes: 5 });
      c.apply(helloWorld(0));
      c.settle();
      const empty = c.endpoints("hello-world");
      assert.equal(empty.slices.length, 1);
      assert.equal(empty.rows.length, 0);
      c.scale("deployment/hello-world", 250).settle();
      const eps = c.endpoints("hello-world");
      assert.equal(eps.rows.length, 250);
      assert.equal(eps.slices.length, 3);
      assert.ok(eps.slices.every((s) => s.endpoints.length <= 100));
      // The legacy Endpoints object mirrors them.
      const legacy = c.get<"Endpoints">("endpoints/hello-world");
      assert.equal(legacy.subsets?.[0]?.addresses?.length, 250);
    });
  });

  describe("rolling update", () => {
    it("replaces every pod within maxSurge/maxUnavailable (25%) and keeps the old ReplicaSet at 0", () => {
      const c = newCluster({ nodes: 4 });
      c.apply(helloWorld(8));
      c.settle();
      const oldRS = c.list<"ReplicaSet">("rs")[0]!.metadata.name!;
      c.apply(helloWorld(8, { image: "nginx:1.28" }));
      let maxTotal = 0;
      let minAvailable = Infinity;
      for (let i = 0; i < 400 && c.ctx.loop.pending > 0; i++) {
        c.advance(100);
        const pods = c.pods({ selector: { app: "hello" } }).filter((p) => !p.metadata.deletionTimestamp);
        maxTotal = Math.max(maxTotal, pods.length);
        const ready = pods.filter((p) => p.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True")).length;
        minAvailable = Math.min(minAvailable, ready);
      }
      c.settle();
      assert.ok(maxTotal <= 8 + 2, `at most replicas + maxSurge(2) pods, saw ${maxTotal}`);
      assert.ok(minAvailable >= 8 - 2, `at least replicas - maxUnavailable(2) ready, saw ${minAvailable}`);
      const rss = c.list<"ReplicaSet">("rs");
      assert.equal(rss.length, 2);
      const old = rss.find((r) => r.metadata.name === oldRS)!;
      const fresh = rss.find((r) => r.metadata.name !== oldRS)!;
      assert.equal(old.spec.replicas, 0);
      assert.equal(fresh.spec.replicas, 8);
      assert.equal(fresh.metadata.annotations?.["deployment.kubernetes.io/revision"], "2");
      const pods = c.pods({ selector: { app: "hello" } });
      assert.equal(pods.length, 8);
      assert.ok(pods.every((p) => p.spec.containers[0]!.image === "nginx:1.28"));
      assert.ok(pods.every((p) => p.metadata.name!.startsWith(fresh.metadata.name! + "-")));
    });

    it("names ReplicaSets <deployment>-<pod-template-hash> and pods <replicaset>-<5 chars>", () => {
      const c = newCluster();
      c.apply(helloWorld(2));
      c.settle();
      const rs = c.list<"ReplicaSet">("rs")[0]!;
      assert.match(rs.metadata.name!, /^hello-world-[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
      assert.equal(rs.metadata.labels?.["pod-template-hash"], rs.metadata.name!.slice("hello-world-".length));
      for (const p of c.pods()) assert.match(p.metadata.name!, new RegExp(`^${rs.metadata.name}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
    });
  });

  describe("probes and failures", () => {
    it("without probes a hung pod stays Ready and in the endpoints (but does not answer)", () => {
      const c = newCluster();
      c.apply(helloWorld(3));
      c.settle();
      const pod = c.pods()[0]!.metadata.name!;
      c.fail(`pod/${pod}`).advance(60_000).settle();
      assert.equal(c.isServing(`pod/${pod}`), false);
      assert.equal(c.endpoints("hello-world").ready.length, 3);
    });

    it("a readiness probe takes a hung pod out of the endpoints and puts it back when it recovers", () => {
      const c = newCluster();
      c.apply(helloWorld(3, { readinessProbe: true }));
      c.settle();
      assert.equal(c.endpoints("hello-world").ready.length, 3);
      const pod = c.pods()[0]!;
      c.fail(`pod/${pod.metadata.name}`);
      c.advance(4_000);
      assert.equal(c.endpoints("hello-world").ready.length, 3, "not yet: failureThreshold × periodSeconds");
      c.settle();
      const row = c.endpoints("hello-world").rows.find((r) => r.pod === pod.metadata.name)!;
      assert.equal(row.ready, false);
      assert.equal(c.endpoints("hello-world").ready.length, 2);
      assert.equal(c.trace.filter({ verb: "probe" }).events.filter((e) => e.detail.startsWith("Readiness probe failed")).length, 3);
      c.heal(`pod/${pod.metadata.name}`).settle();
      assert.equal(c.endpoints("hello-world").ready.length, 3);
    });

    it("a liveness probe restarts a hung container", () => {
      const c = newCluster();
      c.apply(helloWorld(1, { livenessProbe: true }));
      c.settle();
      const pod = c.pods()[0]!.metadata.name!;
      c.fail(`pod/${pod}`).settle();
      const p = c.get<"Pod">(`pod/${pod}`);
      assert.equal(p.status?.containerStatuses?.[0]?.restartCount, 1);
      assert.equal(p.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode, 137);
      assert.equal(c.isServing(`pod/${pod}`), true, "the restart cured the hang");
    });

    // The kubelet's killContainer: SIGTERM with the grace period (probe's, else the pod's, else 30 s),
    // SIGKILL and exit 137 only if the container is still running when it runs out.
    const kills: { name: string; pod?: number; probe?: number; healAfter?: number; killed: boolean; waited: number }[] = [
      { name: "a hung app ignores SIGTERM: SIGKILL after the default 30 s", killed: true, waited: 30 },
      { name: "the pod's terminationGracePeriodSeconds", pod: 10, killed: true, waited: 10 },
      { name: "the probe's terminationGracePeriodSeconds overrides the pod's", pod: 60, probe: 5, killed: true, waited: 5 },
      { name: "an app that recovers during the grace period exits on SIGTERM (code 0, no SIGKILL)", healAfter: 2, killed: false, waited: 1 },
    ];
    for (const k of kills)
      it(`liveness kill: ${k.name}`, () => {
        const c = newCluster();
        const probe = `livenessProbe: { httpGet: { path: /, port: 8080 }, periodSeconds: 5${k.probe ? `, terminationGracePeriodSeconds: ${k.probe}` : ""} }`;
        const yaml = helloWorld(1, { livenessProbe: true }).replace(/livenessProbe: .*$/m, probe).replace("      containers:", `${k.pod ? `      terminationGracePeriodSeconds: ${k.pod}\n` : ""}      containers:`);
        c.apply(yaml);
        c.settle();
        const pod = c.pods()[0]!.metadata.name!;
        const ref = `pod/default/${pod}`;
        const mark = c.trace.mark();
        c.fail(`pod/${pod}`);
        if (k.healAfter !== undefined) {
          while (!c.trace.since(mark).filter({ verb: "StopContainer" }).events.length) c.advance(1_000);
          c.advance(k.healAfter * 1000 - 1000);
          c.heal(`pod/${pod}`);
        }
        c.settle();
        const ev = c.trace.since(mark).filter({ object: ref }).events;
        const term = ev.find((e) => e.verb === "StopContainer")!;
        const grace = k.probe ?? k.pod ?? 30;
        assert.equal(term.detail, `web: failed liveness probe, will be restarted: SIGTERM, grace period ${grace}s`);
        const kill = ev.find((e) => e.verb === "SIGKILL");
        const exit = ev.find((e) => e.verb === "container-exit")!;
        assert.equal(!!kill, k.killed, "SIGKILL only when the grace period ran out");
        // Killed: the grace period after SIGTERM. Recovered: its 1 s shutdown after it answers again.
        const from = k.killed ? term : ev.find((e) => e.verb === "app-recover")!;
        assert.ok(from.t > term.t - 1 && exit.t - from.t === k.waited * 1000, `exit at ${exit.t}, ${k.waited} s after ${from.verb} at ${from.t}`);
        assert.equal(exit.detail, k.killed ? "web exited with code 137 (Error)" : "web exited with code 0 (Completed)");
        const st = c.get<"Pod">(`pod/${pod}`).status!.containerStatuses![0]!;
        assert.equal(st.restartCount, 1);
        assert.equal(st.lastState?.terminated?.exitCode, k.killed ? 137 : 0);
        assert.equal(c.isServing(`pod/${pod}`), true);
      });

    it("a persistent crash ends in CrashLoopBackOff with growing back-off", () => {
      const c = newCluster();
      c.apply(helloWorld(1));
      c.settle();
      const pod = c.pods()[0]!.metadata.name!;
      c.fail(`pod/${pod}`, { mode: "crash", persistent: true });
      c.advance(60_000);
      const st = c.get<"Pod">(`pod/${pod}`).status!.containerStatuses![0]!;
      assert.ok(st.restartCount >= 3 && st.restartCount <= 5, `restarts after 60 s: ${st.restartCount}`);
      c.heal(`pod/${pod}`).settle();
      assert.equal(c.isServing(`pod/${pod}`), true);
    });
  });

  describe("deletion", () => {
    it("cascades from a Deployment to its ReplicaSets and pods (garbage collector)", () => {
      const c = newCluster();
      c.apply(helloWorld(3));
      c.settle();
      assert.equal(c.delete("deployment/hello-world"), 'deployment.apps "hello-world" deleted');
      c.settle();
      assert.equal(c.list("rs").length, 0);
      assert.equal(c.pods().length, 0);
      assert.equal(c.endpoints("hello-world").rows.length, 0);
    });

    it("a deleted pod is replaced by the ReplicaSet", () => {
      const c = newCluster();
      c.apply(helloWorld(2));
      c.settle();
      const victim = c.pods()[0]!.metadata.name!;
      c.delete(`pod/${victim}`);
      c.settle();
      const names = c.pods().map((p) => p.metadata.name);
      assert.equal(names.length, 2);
      assert.ok(!names.includes(victim));
    });

    it("deleting a namespace removes everything in it", () => {
      const c = newCluster();
      c.apply("apiVersion: v1\nkind: Namespace\nmetadata: { name: shop }\n");
      c.apply(helloWorld(2), { namespace: "shop" });
      c.settle();
      assert.equal(c.pods({ namespace: "shop" }).length, 2);
      c.delete("namespace/shop");
      c.settle();
      assert.equal(c.pods({ namespace: "shop" }).length, 0);
      assert.ok(!c.list("ns").some((n) => n.metadata.name === "shop"));
    });
  });

  describe("scheduler", () => {
    it("honours nodeSelector, and reports why a pod cannot be scheduled", () => {
      const c = newCluster();
      c.apply(`apiVersion: v1
kind: Pod
metadata: { name: picky }
spec:
  nodeSelector: { disk: ssd }
  containers: [{ name: c, image: busybox:1.36 }]
---
apiVersion: v1
kind: Pod
metadata: { name: greedy }
spec:
  containers: [{ name: c, image: busybox:1.36, resources: { requests: { cpu: "64" } } }]
---
apiVersion: v1
kind: Pod
metadata: { name: pinned }
spec:
  nodeSelector: { kubernetes.io/hostname: node-2 }
  containers: [{ name: c, image: busybox:1.36 }]
`);
      c.settle();
      const picky = c.get<"Pod">("pod/picky");
      assert.equal(picky.status?.phase, "Pending");
      const cond = picky.status?.conditions?.find((x) => x.type === "PodScheduled");
      assert.equal(cond?.reason, "Unschedulable");
      assert.equal(cond?.message, "0/4 nodes are available: 3 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }.");
      assert.match(c.get<"Pod">("pod/greedy").status!.conditions![0]!.message!, /3 Insufficient cpu/);
      assert.equal(c.get<"Pod">("pod/pinned").spec.nodeName, "node-2");
    });
  });

  describe("services", () => {
    it("allocates ClusterIPs from the service CIDR and NodePorts from 30000–32767, and a LoadBalancer address", () => {
      const c = newCluster();
      c.apply(`apiVersion: v1
kind: Service
metadata: { name: np }
spec: { type: NodePort, selector: { app: x }, ports: [{ port: 80 }] }
---
apiVersion: v1
kind: Service
metadata: { name: lb }
spec: { type: LoadBalancer, externalTrafficPolicy: Local, selector: { app: x }, ports: [{ port: 80 }] }
---
apiVersion: v1
kind: Service
metadata: { name: headless }
spec: { clusterIP: None, selector: { app: x }, ports: [{ port: 80 }] }
---
apiVersion: v1
kind: Service
metadata: { name: ext }
spec: { type: ExternalName, externalName: example.com }
`);
      const np = c.get<"Service">("svc/np");
      assert.match(np.spec.clusterIP!, /^10\.(9[6-9]|10[0-9]|11[01])\./);
      assert.ok(np.spec.ports![0]!.nodePort! >= 30000 && np.spec.ports![0]!.nodePort! <= 32767);
      assert.equal(np.spec.ports![0]!.targetPort, 80);
      const lb = c.get<"Service">("svc/lb");
      assert.ok(lb.spec.healthCheckNodePort! >= 30000);
      assert.equal(lb.status?.loadBalancer?.ingress, undefined, "<pending> until the cloud provisions it");
      c.settle();
      assert.equal(c.get<"Service">("svc/lb").status?.loadBalancer?.ingress?.[0]?.ip, "203.0.113.1");
      assert.equal(c.get<"Service">("svc/headless").spec.clusterIP, "None");
      assert.equal(c.get<"Service">("svc/ext").spec.clusterIP, undefined);
      // Re-applying keeps the allocated ClusterIP and NodePort: kubectl says unchanged.
      const again = c.apply(`apiVersion: v1
kind: Service
metadata: { name: np }
spec: { type: NodePort, selector: { app: x }, ports: [{ port: 80 }] }
`);
      assert.equal(again.toString(), "service/np unchanged");
      assert.equal(c.get<"Service">("svc/np").spec.clusterIP, np.spec.clusterIP);
    });

    it("leaves a selector-less Service's user-created EndpointSlice alone", () => {
      const c = newCluster();
      c.apply(`apiVersion: v1
kind: Service
metadata: { name: legacy-db }
spec: { ports: [{ name: pg, port: 5432 }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: legacy-db-1, labels: { kubernetes.io/service-name: legacy-db } }
addressType: IPv4
ports: [{ name: pg, port: 5432, protocol: TCP }]
endpoints:
  - addresses: ["192.0.2.10"]
    conditions: { ready: true }
`);
      c.settle();
      const eps = c.endpoints("legacy-db");
      assert.deepEqual(eps.rows.map((r) => r.ip), ["192.0.2.10"]);
      assert.equal(eps.slices.length, 1);
    });
  });
});

describe("ReplicaSet ownership", () => {
  it("releases a pod whose labels stop matching, and replaces it", () => {
    const c = newCluster();
    c.apply(helloWorld(3));
    c.settle();
    const pod = c.pods({ selector: { app: "hello" } })[0]!;
    // Like `kubectl label pod X app=quarantined --overwrite`: only the labels change.
    c.apply({ apiVersion: "v1", kind: "Pod", metadata: { name: pod.metadata.name, labels: { app: "quarantined" } }, spec: { containers: clone(pod.spec.containers) } });
    c.settle();
    const released = c.get<"Pod">(`pod/${pod.metadata.name}`);
    assert.equal(released.metadata.ownerReferences, undefined, "ownerReference removed");
    assert.equal(c.pods({ selector: { app: "hello" } }).length, 3, "a replacement was created");
    assert.ok(!c.endpoints("hello-world").rows.some((r) => r.pod === pod.metadata.name), "no longer an endpoint");
  });

  it("re-applying the same manifests changes nothing (kubectl: unchanged)", () => {
    const c = newCluster();
    const pod = "apiVersion: v1\nkind: Pod\nmetadata: { name: client }\nspec: { containers: [{ name: c, image: busybox:1.36 }] }\n";
    c.apply(helloWorld(2) + "---\n" + pod);
    c.settle();
    const rev = c.api.etcd.revision;
    assert.equal(c.apply(helloWorld(2) + "---\n" + pod).toString(), "deployment.apps/hello-world unchanged\nservice/hello-world unchanged\npod/client unchanged");
    assert.equal(c.api.etcd.revision, rev);
  });
});

describe("scale-down ranking", () => {
  it("deletes pods that are doubled up on a node first", () => {
    const c = newCluster({ seed: 11 });
    c.apply(helloWorld(4));
    c.settle();
    const before = new Map<string, number>();
    for (const p of c.pods()) before.set(p.spec.nodeName!, (before.get(p.spec.nodeName!) ?? 0) + 1);
    assert.ok([...before.values()].some((n) => n === 2), "4 pods on 3 nodes: one node has two");
    c.scale("deployment/hello-world", 3).settle();
    assert.deepEqual(new Set(c.pods().map((p) => p.spec.nodeName)).size, 3, "one pod per node after scaling to 3");
  });
});
