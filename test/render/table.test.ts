import * as assert from "node:assert/strict";
import {
  humanDuration,
  age,
  tableText,
  getPods,
  getServices,
  getEndpointSlices,
  endpointsDetail,
  getNodes,
  getDeployments,
  getReplicaSets,
  servicePortsColumn,
  iptablesTable,
  resolverWalkTable,
  resolvConfBundle,
  genericTable,
  ipvsTable,
  dnsRecordsTable,
} from "../../src/render";
import { T0, pod, service, slice, node, deployment, replicaSet } from "./fixtures";

describe("render/duration: kubectl's HumanDuration", () => {
  const cases: [number, string][] = [
    [0, "0s"],
    [-900, "0s"],
    [-2500, "<invalid>"],
    [45_000, "45s"],
    [119_999, "119s"],
    [120_000, "2m"],
    [182_000, "3m2s"],
    [599_000, "9m59s"],
    [600_000, "10m"],
    [179 * 60_000, "179m"],
    [3 * 3600_000, "3h"],
    [5 * 3600_000 + 30 * 60_000, "5h30m"],
    [5 * 3600_000, "5h"],
    [8 * 3600_000, "8h"],
    [47 * 3600_000, "47h"],
    [48 * 3600_000, "2d"],
    [51 * 3600_000, "2d3h"],
    [8 * 24 * 3600_000, "8d"],
    [400 * 24 * 3600_000, "400d"],
    [731 * 24 * 3600_000, "2y1d"],
    [9 * 365 * 24 * 3600_000, "9y"],
  ];
  for (const [ms, want] of cases) {
    it(`${ms}ms → ${want}`, () => assert.equal(humanDuration(ms), want));
  }
  it("ages from ISO timestamps on the virtual clock; missing → <unknown>", () => {
    assert.equal(age("2024-05-01T12:00:00Z", T0 + 45_000), "45s");
    assert.equal(age(undefined, T0), "<unknown>");
    assert.equal(age("not a date", T0), "<unknown>");
  });
});

describe("render/table: kubectl text alignment", () => {
  it("upper-cases headers, pads to widest+3 (min 6), leaves the last column unpadded, prints <none>", () => {
    const text = tableText({
      columns: [
        { key: "a", header: "a" },
        { key: "name", header: "Name" },
        { key: "ip", header: "IP" },
      ],
      rows: [
        { a: "x", name: "web-1", ip: "10.0.0.1" },
        { a: "y", name: "a-much-longer-name", ip: null },
      ],
    });
    assert.equal(
      text,
      ["A     NAME                 IP", "x     web-1                10.0.0.1", "y     a-much-longer-name   <none>"].join("\n"),
    );
  });
  it("says No resources found. for an empty list", () => {
    assert.equal(tableText({ columns: [{ key: "a", header: "a" }], rows: [] }), "No resources found.");
  });
  it("keeps a multi-line cell on one line", () => {
    assert.equal(genericTable([{ note: "a\nb" }]).toString(), "NOTE\na\\nb");
  });
});

describe("render/kubectl: get views", () => {
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

  it("endpoints detail: one row per address with conditions, node and pod", () => {
    const view = endpointsDetail([slice("web-abc12", ["10.244.1.5", "10.244.2.6"], [8080])]);
    const lines = view.toString().split("\n");
    assert.match(lines[0]!, /^IP +PORT\(S\) +READY +SERVING +TERMINATING +NODE +POD$/);
    assert.match(lines[1]!, /^10\.244\.1\.5 +8080\/TCP \(http\) +true +true +false +node-1 +default\/web-0$/);
    assert.match(lines[2]!, /^10\.244\.2\.6 +8080\/TCP \(http\) +false +true +false +node-2 +default\/web-1$/);
    assert.equal(view.rows.length, 2);
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

describe("render/network tables", () => {
  it("iptables chains: probability as %0.10f, share as a percentage", () => {
    const view = iptablesTable([
      { table: "nat", chain: "KUBE-SVC-ABC", ruleNumber: 1, matches: "-m statistic --mode random --probability 0.3333333333", target: "KUBE-SEP-1", comment: "default/web:http", probability: 1 / 3, effectiveShare: 1 / 3 },
      { table: "nat", chain: "KUBE-SVC-ABC", ruleNumber: 2, matches: "-m statistic --mode random --probability 0.5000000000", target: "KUBE-SEP-2", probability: 0.5, effectiveShare: 1 / 3 },
      { table: "nat", chain: "KUBE-SVC-ABC", ruleNumber: 3, matches: "", target: "KUBE-SEP-3", effectiveShare: 1 / 3 },
    ]);
    const lines = view.toString().split("\n");
    // The comment rides in the RULE cell, so the table fits the page with TARGET, PROBABILITY and SHARE in view.
    assert.match(lines[0]!, /^CHAIN +# +RULE +TARGET +PROBABILITY +SHARE$/);
    assert.match(lines[1]!, /--probability 0\.3333333333 \/\* default\/web:http \*\/ +KUBE-SEP-1 +0\.3333333333 +33\.3%$/);
    assert.match(lines[2]!, / 0\.5000000000 +33\.3%$/);
    assert.match(lines[3]!, /^KUBE-SVC-ABC +3 +<none> +KUBE-SEP-3 +<none> +33\.3%$/);
    const html = view.bundle()["text/html"];
    assert.match(html, /<th[^>]*>PROBABILITY<\/th>/);
    assert.match(html, /var\(--jp-ui-font-color1, #1f1f1f\)/);
  });

  it("resolver walk, DNS records, IPVS, resolv.conf", () => {
    const walk = resolverWalkTable([
      { query: "web.default.svc.cluster.local.", type: "A", server: "10.96.0.10", rcode: "NOERROR", answers: ["10.96.0.12"], note: "search 1/3" },
      { query: "web.svc.cluster.local.", type: "A", rcode: "NXDOMAIN" },
    ]).toString();
    assert.match(walk.split("\n")[2]!, /^2 +web\.svc\.cluster\.local\. +A +<none> +NXDOMAIN +<none> +<none>$/);
    assert.match(dnsRecordsTable([{ name: "web.default.svc.cluster.local.", ttl: 30, type: "A", data: "10.96.0.12" }]).toString(), /\n\S+ +30 +IN +A +10\.96\.0\.12$/);
    assert.match(ipvsTable([{ virtualServer: "10.96.0.10:53", protocol: "UDP", scheduler: "rr", realServer: "10.244.1.3:53" }]).toString(), /UDP +10\.96\.0\.10:53 +rr +10\.244\.1\.3:53 +Masq +1 +0 +0/);
    const rc = resolvConfBundle("nameserver 10.96.0.10\noptions ndots:5\n", "pod/client");
    assert.equal(rc["text/plain"], "nameserver 10.96.0.10\noptions ndots:5\n");
    assert.match(rc["text/html"], /<pre[^>]*>nameserver 10\.96\.0\.10\noptions ndots:5\n<\/pre>/);
  });
});
