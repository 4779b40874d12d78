import * as assert from "node:assert/strict";
import { servicePortsColumn } from "../../src/kubectl/printers/columns";
import { T0, deployment, getDeployments, getEndpointSlices, getNodes, getPods, getReplicaSets, getServices, node, pod, replicaSet, service, slice } from "../render/fixtures";

describe("kubectl/printers: get tables of fixture objects", () => {
  const now = T0 + 182_000;

  it("pods -o wide: columns, READY, STATUS, RESTARTS, AGE, IP, NODE, <none>", () => {
    const text = getPods(
      [
        pod("web-1", { node: "node-1", ip: "10.244.1.5", restarts: 2 }),
        pod("web-2", { node: "node-2", waiting: "ContainerCreating", created: 120_000 }),
        pod("web-3"),
      ],
      { now, wide: true },
    ).toString();
    const lines = text.split("\n");
    assert.match(lines[0]!, /^NAME +READY +STATUS +RESTARTS +AGE +IP +NODE +NOMINATED NODE +READINESS GATES$/);
    assert.match(lines[1]!, /^web-1 +1\/1 +Running +2 +3m2s +10\.244\.1\.5 +node-1 +<none> +<none>$/);
    assert.match(lines[2]!, /^web-2 +0\/1 +ContainerCreating +0 +62s +<none> +node-2 +<none> +<none>$/);
    assert.match(lines[3]!, /^web-3 +1\/1 +Running +0 +3m2s +<none> +<none> +<none> +<none>$/);
  });

  it("a pod being deleted shows Terminating", () => {
    const p = pod("web-1", { node: "node-1" });
    p.metadata.deletionTimestamp = "2024-05-01T12:01:00Z";
    assert.match(getPods([p], { now }).toString(), /Terminating/);
  });

  it("PORT(S) exactly as kubectl prints them", () => {
    assert.equal(servicePortsColumn([{ port: 80, nodePort: 30080, protocol: "TCP" }, { port: 443 }]), "80:30080/TCP,443/TCP");
    assert.equal(servicePortsColumn([{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }]), "53/UDP,53/TCP");
    assert.equal(servicePortsColumn([]), "<none>");
  });

  it("services: TYPE, CLUSTER-IP, EXTERNAL-IP <none>/<pending>/ips/externalName", () => {
    const text = getServices(
      [
        service("web", { type: "ClusterIP", clusterIP: "10.96.0.12", clusterIPs: ["10.96.0.12"], ports: [{ port: 80, targetPort: 8080 }] }),
        service("np", { type: "NodePort", clusterIP: "10.96.0.13", ports: [{ port: 80, nodePort: 30080, protocol: "TCP" }] }),
        service("lb", { type: "LoadBalancer", clusterIP: "10.96.0.14", ports: [{ port: 443, nodePort: 31443 }] }),
        service("lb2", { type: "LoadBalancer", clusterIP: "10.96.0.15", ports: [{ port: 80, nodePort: 30081 }] }, { loadBalancer: { ingress: [{ ip: "203.0.113.10" }] } }),
        service("ext", { type: "ExternalName", externalName: "db.example.com" }),
        service("headless", { clusterIP: "None", ports: [{ port: 80 }] }),
        service("eip", { clusterIP: "10.96.0.16", externalIPs: ["198.51.100.1", "198.51.100.2"], ports: [{ port: 80 }] }),
      ],
      { now },
    ).toString();
    const lines = text.split("\n");
    assert.match(lines[0]!, /^NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE$/);
    assert.match(lines[1]!, /^web +ClusterIP +10\.96\.0\.12 +<none> +80\/TCP +3m2s$/);
    assert.match(lines[2]!, /^np +NodePort +10\.96\.0\.13 +<none> +80:30080\/TCP +3m2s$/);
    assert.match(lines[3]!, /^lb +LoadBalancer +10\.96\.0\.14 +<pending> +443:31443\/TCP +3m2s$/);
    assert.match(lines[4]!, /^lb2 +LoadBalancer +10\.96\.0\.15 +203\.0\.113\.10 +80:30081\/TCP/);
    assert.match(lines[5]!, /^ext +ExternalName +<none> +db\.example\.com +<none> +3m2s$/);
    assert.match(lines[6]!, /^headless +ClusterIP +None +<none> +80\/TCP/);
    assert.match(lines[7]!, /^eip +ClusterIP +10\.96\.0\.16 +198\.51\.100\.1,198\.51\.100\.2 +80\/TCP/);
  });

  it("endpointslices: ADDRESSTYPE, PORTS, ENDPOINTS with + N more..., <unset>", () => {
    const s5 = slice("web-abc12", ["10.244.1.5", "10.244.2.6", "10.244.3.7", "10.244.1.8", "10.244.2.9"], [8080]);
    const empty = slice("web-empty", [], []);
    const lines = getEndpointSlices([s5, empty], { now }).toString().split("\n");
    assert.match(lines[0]!, /^NAME +ADDRESSTYPE +PORTS +ENDPOINTS +AGE$/);
    assert.match(lines[1]!, /^web-abc12 +IPv4 +8080 +10\.244\.1\.5,10\.244\.2\.6,10\.244\.3\.7 \+ 2 more\.\.\. +3m2s$/);
    assert.match(lines[2]!, /^web-empty +IPv4 +<unset> +<unset> +3m2s$/);
  });

  it("nodes -o wide: STATUS, ROLES, VERSION, INTERNAL-IP, OS-IMAGE …", () => {
    const lines = getNodes([node("control-plane", "172.18.0.2", true), node("node-1", "172.18.0.3")], { now, wide: true })
      .toString()
      .split("\n");
    assert.match(lines[0]!, /^NAME +STATUS +ROLES +AGE +VERSION +INTERNAL-IP +EXTERNAL-IP +OS-IMAGE +KERNEL-VERSION +CONTAINER-RUNTIME$/);
    assert.match(lines[1]!, /^control-plane +Ready +control-plane +3m2s +v1\.31\.0 +172\.18\.0\.2 +<none> +Debian GNU\/Linux 12 \(bookworm\) +6\.1\.0-26-amd64 +containerd:\/\/1\.7\.22$/);
    assert.match(lines[2]!, /^node-1 +Ready +<none> +3m2s/);
  });

  it("deployments and replicasets", () => {
    const d = getDeployments([deployment("web", 4, 3)], { now, wide: true }).toString().split("\n");
    assert.match(d[0]!, /^NAME +READY +UP-TO-DATE +AVAILABLE +AGE +CONTAINERS +IMAGES +SELECTOR$/);
    assert.match(d[1]!, /^web +3\/4 +4 +3 +3m2s +web +nginx +app=web$/);
    const r = getReplicaSets([replicaSet("web-7d4b9c8f5", 4, 2)], { now }).toString().split("\n");
    assert.match(r[0]!, /^NAME +DESIRED +CURRENT +READY +AGE$/);
    assert.match(r[1]!, /^web-7d4b9c8f5 +4 +4 +2 +3m2s$/);
  });

  it("-A adds a NAMESPACE column", () => {
    assert.match(getPods([pod("web-1")], { now, allNamespaces: true }).toString(), /^NAMESPACE +NAME/);
  });
});

