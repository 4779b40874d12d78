import * as assert from "node:assert/strict";
import { parseResolvConf, resolvConf, PodDnsView } from "../../src/dns/resolvconf";

const HOST = "# generated\nnameserver 10.0.0.2\nnameserver 10.0.0.3\nsearch ec2.internal. corp.example .\noptions timeout:2 attempts:3\n";
const pod = (ns: string, spec: PodDnsView["spec"] = {}): PodDnsView => ({ metadata: { namespace: ns }, spec });

describe("dns/resolvconf: the kubelet's resolv.conf per dnsPolicy", () => {
  const cases: { name: string; pod: PodDnsView; host?: string | null; text: string; warnings?: number }[] = [
    { name: "ClusterFirst (default policy)", pod: pod("default"), host: HOST,
      text: "search default.svc.cluster.local svc.cluster.local cluster.local ec2.internal corp.example\nnameserver 10.96.0.10\noptions ndots:5\n" },
    { name: "ClusterFirst in another namespace", pod: pod("shop", { dnsPolicy: "ClusterFirst" }), host: HOST,
      text: "search shop.svc.cluster.local svc.cluster.local cluster.local ec2.internal corp.example\nnameserver 10.96.0.10\noptions ndots:5\n" },
    { name: "ClusterFirst + hostNetwork falls back to Default", pod: pod("default", { hostNetwork: true }), host: HOST,
      text: "search ec2.internal corp.example\nnameserver 10.0.0.2\nnameserver 10.0.0.3\noptions timeout:2 attempts:3\n" },
    { name: "ClusterFirstWithHostNet keeps cluster DNS", pod: pod("default", { hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" }), host: HOST,
      text: "search default.svc.cluster.local svc.cluster.local cluster.local ec2.internal corp.example\nnameserver 10.96.0.10\noptions ndots:5\n" },
    { name: "Default: the node's file as parsed", pod: pod("default", { dnsPolicy: "Default" }), host: HOST,
      text: "search ec2.internal corp.example\nnameserver 10.0.0.2\nnameserver 10.0.0.3\noptions timeout:2 attempts:3\n" },
    { name: "Default with --resolv-conf=\"\"", pod: pod("default", { dnsPolicy: "Default" }), host: null, text: "search .\nnameserver 127.0.0.1\n" },
    { name: "None with dnsConfig", pod: pod("default", { dnsPolicy: "None", dnsConfig: { nameservers: ["1.1.1.1"], searches: ["corp.example"], options: [{ name: "ndots", value: "2" }, { name: "edns0" }] } }), host: HOST,
      text: "search corp.example\nnameserver 1.1.1.1\noptions ndots:2 edns0\n" },
    { name: "None without dnsConfig: empty file", pod: pod("default", { dnsPolicy: "None" }), host: HOST, text: "" },
    { name: "ClusterFirst + dnsConfig: appended, deduplicated, options overridden", host: HOST,
      pod: pod("default", { dnsConfig: { nameservers: ["10.96.0.10", "8.8.8.8"], searches: ["svc.cluster.local", "extra.example"], options: [{ name: "ndots", value: "2" }, { name: "single-request-reopen" }] } }),
      text: "search default.svc.cluster.local svc.cluster.local cluster.local ec2.internal corp.example extra.example\nnameserver 10.96.0.10\nnameserver 8.8.8.8\noptions ndots:2 single-request-reopen\n" },
    { name: "host search domain equal to a cluster one is deduplicated", pod: pod("default"), host: "nameserver 10.0.0.2\nsearch cluster.local example.com\n",
      text: "search default.svc.cluster.local svc.cluster.local cluster.local example.com\nnameserver 10.96.0.10\noptions ndots:5\n" },
    { name: "more than 3 nameservers are cut", pod: pod("default", { dnsPolicy: "None", dnsConfig: { nameservers: ["1.1.1.1", "1.0.0.1", "8.8.8.8", "8.8.4.4"] } }), host: HOST,
      text: "nameserver 1.1.1.1\nnameserver 1.0.0.1\nnameserver 8.8.8.8\n", warnings: 1 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = resolvConf({ pod: c.pod, hostResolvConf: c.host });
      assert.equal(r.text, c.text);
      assert.equal(r.warnings.length, c.warnings ?? 0, r.warnings.join("; "));
    });
  }

  it("search list limits: 32 domains, 253-char domains dropped, 2048-char line", () => {
    const many = Array.from({ length: 40 }, (_, i) => `d${i}.example`);
    const r = resolvConf({ pod: pod("default", { dnsPolicy: "None", dnsConfig: { searches: many } }) });
    assert.equal(r.search.length, 32);
    assert.deepEqual(r.search.slice(-1), ["d31.example"]);
    assert.equal(r.warnings.length, 1);
    const long = "a".repeat(254);
    assert.deepEqual(resolvConf({ pod: pod("default", { dnsPolicy: "None", dnsConfig: { searches: ["ok.example", long] } }) }).search, ["ok.example"]);
    const wide = Array.from({ length: 10 }, (_, i) => `${String(i).padStart(2, "0")}.${"b".repeat(240)}`); // 10 × 243 chars
    const w = resolvConf({ pod: pod("default", { dnsPolicy: "None", dnsConfig: { searches: wide } }) });
    assert.equal(w.search.length, 8, "8 × 243 + 7 spaces = 1951 ≤ 2048 < 9 × 243 + 8");
    assert.ok(w.search.join(" ").length <= 2048);
  });

  it("defaults: node file with ec2.internal, 10.96.0.10, cluster.local", () => {
    assert.equal(resolvConf({ pod: pod("default") }).text, "search default.svc.cluster.local svc.cluster.local cluster.local ec2.internal\nnameserver 10.96.0.10\noptions ndots:5\n");
    assert.equal(resolvConf({ pod: pod("a"), clusterDomain: "k8s.example", clusterDNS: ["10.0.0.10"], hostResolvConf: "" }).text,
      "search a.svc.k8s.example svc.k8s.example k8s.example\nnameserver 10.0.0.10\noptions ndots:5\n");
  });

  it("parses like the kubelet: comments, last search line, repeated options", () => {
    const p = parseResolvConf("; c\n# c\nsearch old.example\nsearch a.example. .\nnameserver 1.1.1.1\noptions ndots:2 rotate\noptions ndots:3\n");
    assert.deepEqual(p, { nameservers: ["1.1.1.1"], search: ["a.example"], options: ["ndots:3", "rotate"] });
  });
});
