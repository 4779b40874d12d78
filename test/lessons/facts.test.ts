/**
 * The facts the lessons teach, pinned against the simulation with the lessons' own datasets — and the
 * lesson text that states them: kube-proxy's chain-name hash input, the Local-policy drop on a node
 * without local endpoints, the ten steps of the pod-creation workflow in lesson 1's story, and the
 * EndpointSlice mirrored from a hand-written Endpoints.
 */
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as path from "node:path";
import { Cluster } from "../../src/cluster";
import { joinText, readNotebook } from "../../tools/course/notebook";
import { repoRoot } from "./tools";

/** RFC 4648 base32 (no padding), written here independently of kube-proxy's model. */
function base32(bytes: Buffer): string {
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += abc[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}
const hash16 = (s: string): string => base32(createHash("sha256").update(s).digest()).slice(0, 16);

const lesson = (prefix: string): string => {
  const nb = readNotebook(path.join(repoRoot(), "notebooks", `${prefix}.ipynb`));
  return nb.cells.map((c) => joinText(c.source)).join("\n");
};

describe("lessons: the facts they teach", () => {
  it("lesson 3: KUBE-SVC = base32(sha256(namespace/name:portName + lowercase protocol)); KUBE-SEP also hashes the endpoint", () => {
    const c = new Cluster({ nodes: 3, seed: 3 });
    c.apply("hello-world.yaml");
    c.settle();
    const save = c.node("node-1").iptables.save();
    const svc = `KUBE-SVC-${hash16("default/hello-world:http" + "tcp")}`;
    assert.ok(save.includes(`-A KUBE-SERVICES -d ${c.get<"Service">("service/hello-world").spec.clusterIP}/32 -p tcp -m comment --comment "default/hello-world:http cluster IP" -m tcp --dport 80 -j ${svc}`), save);
    for (const e of c.endpoints("hello-world").rows) {
      const sep = `KUBE-SEP-${hash16("default/hello-world:http" + "tcp" + `${e.ip}:80`)}`;
      assert.ok(save.includes(`-A ${sep} -p tcp -m comment --comment \"default/hello-world:http\" -m tcp -j DNAT --to-destination ${e.ip}:80`), `${sep} DNATs to ${e.ip}:80`);
      assert.ok(save.includes(`-j ${sep}`), `${svc} jumps to ${sep}`);
    }
    const text = lesson("03-kube-proxy-iptables");
    assert.ok(text.includes("base32(sha256(servicePortName + protocol))") && text.includes("`namespace/name:portName`") && text.includes("`default/hello-world:http`"));
    assert.ok(text.includes("base32(sha256(servicePortName + protocol + `podIP:port`))"));
  });

  it("lesson 4: a node without local endpoints has no KUBE-SVL chain; the filter table drops with \"has no local endpoints\"", () => {
    const c = new Cluster({ nodes: 3, seed: 11 });
    c.apply("hello-world.yaml");
    c.apply("service-types.yaml");
    c.settle();
    c.scale("deployment/hello-world", 2).settle();
    const podNodes = new Set(c.pods({ selector: { app: "hello" } }).map((p) => p.spec.nodeName));
    const empty = ["node-1", "node-2", "node-3"].filter((n) => !podNodes.has(n));
    assert.equal(empty.length, 1, "lesson 4's demo: 2 replicas leave one node without a pod");
    const svc = c.get<"Service">("service/hello-lb-local");
    const nodePort = svc.spec.ports![0]!.nodePort!;
    const lbIP = svc.status!.loadBalancer!.ingress![0]!.ip!;
    const svl = `KUBE-SVL-${hash16("default/hello-lb-local:http" + "tcp")}`;
    for (const node of ["node-1", "node-2", "node-3"]) {
      const save = c.node(node).iptables.save();
      const filter = save.slice(save.indexOf("*filter"), save.indexOf("COMMIT", save.indexOf("*filter")));
      const drops = [
        `-A KUBE-EXTERNAL-SERVICES -d ${lbIP}/32 -p tcp -m comment --comment "default/hello-lb-local:http has no local endpoints" -m tcp --dport 80 -j DROP`,
        `-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "default/hello-lb-local:http has no local endpoints" -m addrtype --dst-type LOCAL -m tcp --dport ${nodePort} -j DROP`,
      ];
      const isEmpty = empty.includes(node);
      for (const d of drops) assert.equal(filter.includes(d), isEmpty, `${node}: ${d}`);
      assert.equal(save.includes(`:${svl} `), !isEmpty, `${node}: KUBE-SVL chain ${isEmpty ? "absent" : "present"}`);
    }
    const t = c.traffic({ from: "external", to: { service: "hello-lb-local", via: "nodePort", node: empty[0]! }, connections: 100 });
    assert.equal(t.failed, 100, "every connection to the empty node's node port is dropped");
    const text = lesson("04-service-types");
    assert.ok(text.includes("no KUBE-SVL chain") && text.includes("`KUBE-EXTERNAL-SERVICES … has no local endpoints -j DROP`"));
    assert.ok(!/drops the packet if there are none/.test(text));
  });

  it("lesson 1: begins as the seed does (kubectl create deployment after the mark), and the story of one pod has the ten steps, kubectl to Running, in order", () => {
    const text = lesson("01-control-plane");
    const command = "create deployment hello-world --image=nginx:1.27 --replicas=4";
    assert.ok(text.includes(`const mark = cluster.trace.mark();\ncluster.kubectl("${command}")`), "the mark, then kubectl create deployment");
    const c = new Cluster({ nodes: 3, seed: 42 });
    const mark = c.trace.mark();
    assert.equal(String(c.kubectl(command)).trim(), "deployment.apps/hello-world created");
    c.settle();
    const pod = c.pods()[0]!;
    const rs = pod.metadata.ownerReferences![0]!.name;
    const podRef = `pod/default/${pod.metadata.name}`;
    const node = pod.spec.nodeName!;
    const story = c.trace.since(mark).for("deployment/hello-world", `replicaset/${rs}`, `pod/${pod.metadata.name}`).events;
    const steps: [string, (e: (typeof story)[number]) => boolean][] = [
      ["1 kubectl → API server", (e) => e.from === "kubectl" && e.to === "kube-apiserver" && e.verb === "create" && e.object === "deployment/default/hello-world"],
      ["2 API server → etcd", (e) => e.to === "etcd" && e.verb === "put" && e.object === "/registry/deployments/default/hello-world"],
      ["3 Deployment controller notified", (e) => e.to === "deployment-controller" && e.verb === "watch" && e.object === "deployment/default/hello-world"],
      ["4 ReplicaSet created", (e) => e.from === "deployment-controller" && e.verb === "create" && e.object === `replicaset/default/${rs}`],
      ["5 Pod created", (e) => e.from === "replicaset-controller" && e.verb === "create" && e.object === podRef],
      ["6 scheduler binds", (e) => e.from === "kube-scheduler" && e.verb === "bind" && e.object === podRef],
      ["7 kubelet notified", (e) => e.to === `kubelet@${node}` && e.verb === "watch" && e.object === podRef],
      ["8 CRI sandbox", (e) => e.to === `cri@${node}` && e.verb === "RunPodSandbox" && e.object === podRef],
      ["9 CNI ADD", (e) => e.to === `cni@${node}` && e.verb === "ADD" && e.object === podRef],
      ["10 Running", (e) => e.from === `kubelet@${node}` && e.verb === "update-status" && e.object === podRef && e.detail.startsWith("phase=Running")],
    ];
    let at = -1;
    for (const [what, pred] of steps) {
      const i = story.findIndex((e, k) => k > at && pred(e));
      assert.ok(i > at, `step ${what} missing from lesson 1's story`);
      at = i;
    }
    assert.ok(story.some((e) => e.to === "etcd"), "etcd is drawn");
  });

  it("lesson 5: a hand-written Endpoints is mirrored into an EndpointSlice, and traffic reaches the external addresses", () => {
    const c = new Cluster({ nodes: 3, seed: 5 });
    c.apply("external-services.yaml");
    c.apply("client.yaml");
    c.settle();
    assert.equal(c.get<"Endpoints">("endpoints/legacy-db").subsets![0]!.addresses!.length, 2);
    const slices = c.list<"EndpointSlice">("endpointslices").filter((s) => s.metadata.labels?.["kubernetes.io/service-name"] === "legacy-db");
    assert.equal(slices.length, 1);
    assert.equal(slices[0]!.metadata.labels?.["endpointslice.kubernetes.io/managed-by"], "endpointslicemirroring-controller.k8s.io");
    assert.deepEqual(slices[0]!.endpoints.map((e) => e.addresses[0]).sort(), ["192.0.2.10", "192.0.2.11"]);
    const t = c.traffic({ from: "pod/client", to: "legacy-db:5432", connections: 2_000 });
    assert.equal(t.failed, 0);
    assert.deepEqual(t.result.byEndpoint.map((e) => e.endpoint), ["192.0.2.10:5432", "192.0.2.11:5432"]);
    assert.match(lesson("05-headless-selectorless-externalname"), /kind: Endpoints/);
  });
});
