import { strict as assert } from "node:assert";
import { helloWorld, newCluster } from "./helpers";

describe("the pod-creation workflow", () => {
  it("runs the seed's steps in order: kubectl → API server → etcd → controllers → scheduler → kubelet → CRI → CNI → Running", () => {
    const c = newCluster();
    c.apply(helloWorld(1));
    c.settle();
    const pod = c.pods({ selector: { app: "hello" } })[0]!;
    const podRef = `pod/default/${pod.metadata.name}`;
    const rsName = pod.metadata.ownerReferences![0]!.name;
    const rsRef = `replicaset/default/${rsName}`;
    const ev = c.trace.events;
    const find = (what: string, pred: (e: (typeof ev)[number]) => boolean, after: number): number => {
      const i = ev.findIndex((e, k) => k > after && pred(e));
      assert.ok(i > after, `step "${what}" not found after event ${after}:\n${c.trace.toString()}`);
      return i;
    };
    // Table of the ten steps; each must come after the previous one.
    const steps: [string, (e: (typeof ev)[number]) => boolean][] = [
      ["kubectl creates the Deployment", (e) => e.from === "kubectl" && e.to === "kube-apiserver" && e.verb === "create" && e.object === "deployment/default/hello-world"],
      ["API server persists it in etcd", (e) => e.from === "kube-apiserver" && e.to === "etcd" && e.verb === "put" && e.object === "/registry/deployments/default/hello-world"],
      ["Deployment controller is notified", (e) => e.to === "deployment-controller" && e.verb === "watch" && e.object === "deployment/default/hello-world" && e.detail === "ADDED"],
      ["Deployment controller creates the ReplicaSet", (e) => e.from === "deployment-controller" && e.verb === "create" && e.object === rsRef],
      ["ReplicaSet controller is notified", (e) => e.to === "replicaset-controller" && e.verb === "watch" && e.object === rsRef],
      ["ReplicaSet controller creates the Pod", (e) => e.from === "replicaset-controller" && e.verb === "create" && e.object === podRef],
      ["scheduler binds the Pod", (e) => e.from === "kube-scheduler" && e.verb === "bind" && e.object === podRef],
      ["kubelet sees the Pod bound to its node", (e) => e.to === `kubelet@${pod.spec.nodeName}` && e.verb === "watch" && e.object === podRef && e.detail === "ADDED"],
      ["kubelet asks the CRI for a sandbox", (e) => e.from === `kubelet@${pod.spec.nodeName}` && e.to === `cri@${pod.spec.nodeName}` && e.verb === "RunPodSandbox" && e.object === podRef],
      ["CRI calls CNI ADD", (e) => e.from === `cri@${pod.spec.nodeName}` && e.to === `cni@${pod.spec.nodeName}` && e.verb === "ADD" && e.object === podRef],
      ["CRI starts the container", (e) => e.to === `cri@${pod.spec.nodeName}` && e.verb === "StartContainer" && e.object === podRef],
      ["kubelet reports Running", (e) => e.from === `kubelet@${pod.spec.nodeName}` && e.verb === "update-status" && e.object === podRef && e.detail.startsWith("phase=Running")],
    ];
    let at = -1;
    for (const [what, pred] of steps) at = find(what, pred, at);
    assert.equal(pod.status?.phase, "Running");
    assert.match(pod.status!.podIP!, /^10\.244\.\d+\.\d+$/);
    // The CNI gave the pod an address inside its node's podCIDR.
    const cidr = c.node(pod.spec.nodeName!).podCIDR!;
    assert.equal(pod.status!.podIP!.split(".").slice(0, 3).join("."), cidr.split(".").slice(0, 3).join("."));
  });

  it("looks like a kubeadm cluster after construction", () => {
    const c = newCluster();
    assert.deepEqual(c.nodes().map((n) => n.metadata.name), ["control-plane", "node-1", "node-2", "node-3"]);
    assert.deepEqual(c.nodes().map((n) => n.spec.podCIDR), ["10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24", "10.244.3.0/24"]);
    assert.equal(c.get<"Service">("service/kubernetes").spec.clusterIP, "10.96.0.1");
    assert.equal(c.get<"Service">("service/kube-dns", { namespace: "kube-system" }).spec.clusterIP, "10.96.0.10");
    const dns = c.pods({ namespace: "kube-system", selector: { "k8s-app": "kube-dns" } });
    assert.equal(dns.length, 2);
    assert.ok(dns.every((p) => p.status?.phase === "Running" && p.status.conditions?.some((x) => x.type === "Ready" && x.status === "True")));
    assert.equal(c.endpoints("kube-dns", { namespace: "kube-system" }).ready.length, 2);
    assert.deepEqual(c.list("namespaces").map((n) => n.metadata.name), ["default", "kube-node-lease", "kube-public", "kube-system"]);
    assert.ok(c.bootstrapTrace.length > 0);
    assert.equal(c.trace.length, 0, "lesson trace starts empty after bootstrap");
  });

  it("keeps ordinary pods off the tainted control-plane node", () => {
    const c = newCluster();
    c.apply(helloWorld(9)).toString();
    c.settle();
    const nodes = new Set(c.pods({ selector: { app: "hello" } }).map((p) => p.spec.nodeName));
    assert.ok(!nodes.has("control-plane"));
    assert.equal(nodes.size, 3, "9 pods spread over all 3 workers");
  });
});
