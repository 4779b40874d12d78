import * as assert from "node:assert/strict";
import { KubernetesDns, srvWeight, reverseName } from "../../src/dns/coredns";
import { DnsAnswer, QType, rrText } from "../../src/dns/types";
import { fixtureDns, slice, svc } from "./fixtures";

const Z = "cluster.local.";
const SOA_TYPES = ["SOA"];

interface Row {
  q: string;
  t: QType;
  rcode: DnsAnswer["rcode"];
  answer?: string[];
  additional?: string[];
  /** Types in the authority section (default: SOA when the answer is empty and CoreDNS answered). */
  authority?: string[];
  aa?: boolean;
  why: string;
}

const rows: Row[] = [
  { q: "kubernetes.default.svc.cluster.local", t: "A", rcode: "NOERROR", answer: ["kubernetes.default.svc.cluster.local. 30 IN A 10.96.0.1"], why: "ClusterIP service" },
  { q: "kube-dns.kube-system.svc.cluster.local", t: "A", rcode: "NOERROR", answer: ["kube-dns.kube-system.svc.cluster.local. 30 IN A 10.96.0.10"], why: "kube-dns" },
  { q: "web.shop.svc.cluster.local", t: "A", rcode: "NOERROR", answer: ["web.shop.svc.cluster.local. 30 IN A 10.96.0.30"], why: "ClusterIP without endpoints still answers" },
  { q: "HELLO-WORLD.Default.svc.cluster.local", t: "A", rcode: "NOERROR", answer: ["HELLO-WORLD.Default.svc.cluster.local. 30 IN A 10.96.0.20"], why: "owner name keeps the query's case" },
  { q: "hello-world.default.svc.cluster.local", t: "AAAA", rcode: "NOERROR", answer: [], authority: SOA_TYPES, why: "NODATA: IPv4-only service" },
  { q: "hello-world.default.svc.cluster.local", t: "TXT", rcode: "NOERROR", answer: [], authority: SOA_TYPES, why: "TXT on an existing name: NODATA" },
  { q: "hello-world.default.svc.cluster.local", t: "MX", rcode: "NOERROR", answer: [], authority: SOA_TYPES, why: "MX: NODATA" },
  { q: "hello-world.default.svc.cluster.local", t: "ANY", rcode: "NOERROR", answer: [], authority: SOA_TYPES, why: "ANY: fake A lookup, NODATA" },
  { q: "hello-world.default.svc.cluster.local", t: "SOA", rcode: "NOERROR", answer: [], authority: SOA_TYPES, why: "SOA below the apex: NODATA" },
  { q: "nope.default.svc.cluster.local", t: "A", rcode: "NXDOMAIN", answer: [], authority: SOA_TYPES, why: "unknown service" },
  { q: "nope.default.svc.cluster.local", t: "TXT", rcode: "NXDOMAIN", answer: [], authority: SOA_TYPES, why: "TXT on a missing name" },
  { q: "nope.default.svc.cluster.local", t: "SOA", rcode: "NOERROR", answer: [], authority: SOA_TYPES, why: "SOA path never reports a name error" },
  { q: "hello-world.nons.svc.cluster.local", t: "A", rcode: "NXDOMAIN", answer: [], authority: SOA_TYPES, why: "namespace does not exist" },
  { q: "default.svc.cluster.local", t: "A", rcode: "NOERROR", answer: [], authority: SOA_TYPES, why: "existing namespace: NODATA" },
  { q: "nons.svc.cluster.local", t: "A", rcode: "NXDOMAIN", answer: [], authority: SOA_TYPES, why: "missing namespace: NXDOMAIN" },
  { q: "svc.cluster.local", t: "A", rcode: "NOERROR", answer: [], authority: SOA_TYPES, why: "svc label alone: NODATA" },
  { q: "cluster.local", t: "A", rcode: "NOERROR", answer: [], authority: SOA_TYPES, why: "apex A: NODATA" },
  { q: "foo.cluster.local", t: "A", rcode: "NXDOMAIN", answer: [], authority: SOA_TYPES, why: "neither svc nor pod" },
  { q: "a.b._http._tcp.hello-world.default.svc.cluster.local", t: "A", rcode: "NXDOMAIN", answer: [], authority: SOA_TYPES, why: "too many labels" },
  { q: "_http._tcp.hello-world.default.svc.cluster.local", t: "SRV", rcode: "NOERROR",
    answer: ["_http._tcp.hello-world.default.svc.cluster.local. 30 IN SRV 0 100 80 hello-world.default.svc.cluster.local."],
    additional: ["hello-world.default.svc.cluster.local. 30 IN A 10.96.0.20"], why: "SRV for a named port" },
  { q: "_http._udp.hello-world.default.svc.cluster.local", t: "SRV", rcode: "NXDOMAIN", answer: [], authority: SOA_TYPES, why: "wrong protocol" },
  { q: "web.shop.svc.cluster.local", t: "SRV", rcode: "NOERROR",
    answer: ["web.shop.svc.cluster.local. 30 IN SRV 0 50 80 web.shop.svc.cluster.local.", "web.shop.svc.cluster.local. 30 IN SRV 0 50 443 web.shop.svc.cluster.local."],
    additional: ["web.shop.svc.cluster.local. 30 IN A 10.96.0.30"], why: "SRV on the bare name: every port, weight 100/2" },
  { q: "kube-dns.kube-system.svc.cluster.local", t: "SRV", rcode: "NOERROR",
    answer: ["kube-dns.kube-system.svc.cluster.local. 30 IN SRV 0 33 53 kube-dns.kube-system.svc.cluster.local.", "kube-dns.kube-system.svc.cluster.local. 30 IN SRV 0 33 9153 kube-dns.kube-system.svc.cluster.local."],
    additional: ["kube-dns.kube-system.svc.cluster.local. 30 IN A 10.96.0.10"], why: "weight counts 3 entries; 53/UDP and 53/TCP collapse to one record" },
  { q: "_dns._udp.kube-dns.kube-system.svc.cluster.local", t: "SRV", rcode: "NOERROR",
    answer: ["_dns._udp.kube-dns.kube-system.svc.cluster.local. 30 IN SRV 0 100 53 kube-dns.kube-system.svc.cluster.local."],
    additional: ["kube-dns.kube-system.svc.cluster.local. 30 IN A 10.96.0.10"], why: "_dns._udp" },
  { q: "db.default.svc.cluster.local", t: "A", rcode: "NOERROR",
    answer: ["db.default.svc.cluster.local. 30 IN A 10.244.1.10", "db.default.svc.cluster.local. 30 IN A 10.244.2.11"], why: "headless: ready endpoints only" },
  { q: "db-0.db.default.svc.cluster.local", t: "A", rcode: "NOERROR", answer: ["db-0.db.default.svc.cluster.local. 30 IN A 10.244.1.10"], why: "endpoint hostname" },
  { q: "db-2.db.default.svc.cluster.local", t: "A", rcode: "NXDOMAIN", answer: [], authority: SOA_TYPES, why: "not-ready endpoint has no name" },
  { q: "_mysql._tcp.db.default.svc.cluster.local", t: "SRV", rcode: "NOERROR",
    answer: ["_mysql._tcp.db.default.svc.cluster.local. 30 IN SRV 0 50 3306 db-0.db.default.svc.cluster.local.", "_mysql._tcp.db.default.svc.cluster.local. 30 IN SRV 0 50 3306 db-1.db.default.svc.cluster.local."],
    additional: ["db-0.db.default.svc.cluster.local. 30 IN A 10.244.1.10", "db-1.db.default.svc.cluster.local. 30 IN A 10.244.2.11"], why: "headless SRV per endpoint" },
  { q: "cache.default.svc.cluster.local", t: "A", rcode: "NXDOMAIN", answer: [], authority: SOA_TYPES, why: "headless without ready endpoints: NXDOMAIN" },
  { q: "peers.default.svc.cluster.local", t: "SRV", rcode: "NOERROR",
    answer: ["peers.default.svc.cluster.local. 30 IN SRV 0 50 7946 10-244-1-30.peers.default.svc.cluster.local.", "peers.default.svc.cluster.local. 30 IN SRV 0 50 7946 10-244-2-31.peers.default.svc.cluster.local."],
    additional: ["10-244-1-30.peers.default.svc.cluster.local. 30 IN A 10.244.1.30", "10-244-2-31.peers.default.svc.cluster.local. 30 IN A 10.244.2.31"],
    why: "publishNotReadyAddresses (ready: true in the slice); dashed-IP targets without hostname" },
  { q: "10-244-1-5.hello-world.default.svc.cluster.local", t: "A", rcode: "NOERROR", answer: ["10-244-1-5.hello-world.default.svc.cluster.local. 30 IN A 10.244.1.5"], why: "endpoint name under a ClusterIP service" },
  { q: "search.default.svc.cluster.local", t: "A", rcode: "NOERROR",
    answer: ["search.default.svc.cluster.local. 30 IN CNAME www.google.com.", "www.google.com. 300 IN A 142.250.74.36"], why: "ExternalName: CNAME + upstream A" },
  { q: "search.default.svc.cluster.local", t: "CNAME", rcode: "NOERROR", answer: ["search.default.svc.cluster.local. 30 IN CNAME www.google.com."], why: "ExternalName CNAME query" },
  { q: "search.default.svc.cluster.local", t: "SRV", rcode: "NOERROR", answer: [], authority: SOA_TYPES, why: "no SRV for ExternalName" },
  { q: "alias.default.svc.cluster.local", t: "A", rcode: "NOERROR",
    answer: ["alias.default.svc.cluster.local. 30 IN CNAME hello-world.default.svc.cluster.local.", "hello-world.default.svc.cluster.local. 30 IN A 10.96.0.20"], why: "ExternalName inside the zone" },
  { q: "10-244-1-5.default.pod.cluster.local", t: "A", rcode: "NOERROR", answer: ["10-244-1-5.default.pod.cluster.local. 30 IN A 10.244.1.5"], why: "pods insecure" },
  { q: "1-2-3-4.default.pod.cluster.local", t: "A", rcode: "NOERROR", answer: ["1-2-3-4.default.pod.cluster.local. 30 IN A 1.2.3.4"], why: "pods insecure: no pod check" },
  { q: "1-2-3-4.default.pod.cluster.local", t: "AAAA", rcode: "NOERROR", answer: [], authority: SOA_TYPES, why: "pod AAAA: NODATA" },
  { q: "10-244-1-5.nons.pod.cluster.local", t: "A", rcode: "NXDOMAIN", answer: [], authority: SOA_TYPES, why: "pod in a missing namespace" },
  { q: "not-an-ip.default.pod.cluster.local", t: "A", rcode: "NXDOMAIN", answer: [], authority: SOA_TYPES, why: "pod name not an IP" },
  { q: "1.0.96.10.in-addr.arpa", t: "PTR", rcode: "NOERROR", answer: ["1.0.96.10.in-addr.arpa. 30 IN PTR kubernetes.default.svc.cluster.local."], why: "PTR for a cluster IP" },
  { q: "10.1.244.10.in-addr.arpa", t: "PTR", rcode: "NOERROR", answer: ["10.1.244.10.in-addr.arpa. 30 IN PTR db-0.db.default.svc.cluster.local."], why: "PTR for a headless endpoint" },
  { q: "5.1.244.10.in-addr.arpa", t: "PTR", rcode: "NOERROR", answer: ["5.1.244.10.in-addr.arpa. 30 IN PTR 10-244-1-5.hello-world.default.svc.cluster.local."], why: "PTR for any ready endpoint" },
  { q: "50.1.168.192.in-addr.arpa", t: "PTR", rcode: "NOERROR", answer: ["50.1.168.192.in-addr.arpa. 30 IN PTR 192-168-1-50.legacy.default.svc.cluster.local."], why: "user-made EndpointSlice" },
  { q: "12.3.244.10.in-addr.arpa", t: "PTR", rcode: "NXDOMAIN", answer: [], authority: [], aa: false, why: "not ready: falls through to the upstream" },
  { q: "dns-version.cluster.local", t: "TXT", rcode: "NOERROR", answer: ['dns-version.cluster.local. 28800 IN TXT "1.1.0"'], why: "schema version" },
  { q: "dns-version.cluster.local", t: "A", rcode: "NXDOMAIN", answer: [], authority: SOA_TYPES, why: "dns-version only as TXT" },
  { q: "cluster.local", t: "SOA", rcode: "NOERROR", answer: ["cluster.local. 30 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1767225616 7200 1800 86400 30"], why: "apex SOA" },
  { q: "cluster.local", t: "NS", rcode: "NOERROR", answer: ["cluster.local. 30 IN NS kube-dns.kube-system.svc.cluster.local."],
    additional: ["kube-dns.kube-system.svc.cluster.local. 30 IN A 10.96.0.10"], why: "NS: the service backed by CoreDNS's own pod" },
  { q: "legacy.default.svc.cluster.local", t: "A", rcode: "NOERROR", answer: ["legacy.default.svc.cluster.local. 30 IN A 10.96.0.40"], why: "selector-less service" },
  { q: "google.com", t: "A", rcode: "NOERROR", answer: ["google.com. 300 IN A 142.250.74.46"], aa: false, authority: [], why: "forwarded upstream" },
  { q: "db.example.org", t: "A", rcode: "NOERROR", answer: ["db.example.org. 300 IN CNAME db-primary.example.org.", "db-primary.example.org. 300 IN A 198.51.100.7"], aa: false, authority: [], why: "upstream CNAME chain" },
  { q: "nothing.example", t: "A", rcode: "NXDOMAIN", answer: [], aa: false, authority: [], why: "unknown upstream name" },
];

describe("dns/coredns: kubernetes plugin semantics (table)", () => {
  const dns = fixtureDns();
  for (const row of rows) {
    it(`${row.q} ${row.t} → ${row.rcode}: ${row.why}`, () => {
      const a = dns.query(row.q, row.t);
      assert.equal(a.rcode, row.rcode);
      assert.deepEqual(a.answer.map(rrText), row.answer ?? []);
      assert.deepEqual(a.additional.map(rrText), row.additional ?? []);
      const authority = row.authority ?? [];
      assert.deepEqual(a.authority.map((r) => r.type), authority);
      assert.equal(a.aa, row.aa ?? true);
      if (authority.includes("SOA")) {
        assert.equal(rrText(a.authority[0]!), `${Z} 30 IN SOA ns.dns.${Z} hostmaster.${Z} ${dns.serial} 7200 1800 86400 30`);
      }
    });
  }
});

describe("dns/coredns: incremental updates", () => {
  it("serves a service from upsert, keeps it without endpoints, drops it on delete", () => {
    const dns = new KubernetesDns();
    assert.equal(dns.query("api.default.svc.cluster.local", "A").rcode, "NXDOMAIN");
    dns.upsertService(svc("default", "api", "10.96.5.5", [{ port: 80 }]));
    assert.deepEqual(dns.query("api.default.svc.cluster.local", "A").answer.map(rrText), ["api.default.svc.cluster.local. 30 IN A 10.96.5.5"]);
    // An unnamed port still yields an SRV for the bare name, never a _port._proto one.
    assert.deepEqual(dns.query("api.default.svc.cluster.local", "SRV").answer.map(rrText), ["api.default.svc.cluster.local. 30 IN SRV 0 100 80 api.default.svc.cluster.local."]);
    dns.upsertService(svc("default", "api", "10.96.5.6", [{ port: 80 }]));
    assert.deepEqual(dns.query("6.5.96.10.in-addr.arpa", "PTR").answer.map((r) => r.type), ["PTR"]);
    assert.equal(dns.query("5.5.96.10.in-addr.arpa", "PTR").rcode, "NXDOMAIN", "old cluster IP unindexed");
    dns.deleteService("default", "api");
    assert.equal(dns.query("api.default.svc.cluster.local", "A").rcode, "NXDOMAIN");
  });

  it("a ClusterIP service without ports is NXDOMAIN (no port entry matches)", () => {
    const dns = new KubernetesDns();
    dns.upsertService(svc("default", "bare", "10.96.5.7", []));
    assert.equal(dns.query("bare.default.svc.cluster.local", "A").rcode, "NXDOMAIN");
  });

  it("headless answers follow EndpointSlice readiness across several slices", () => {
    const dns = new KubernetesDns();
    dns.upsertService(svc("default", "h", "None", [{ name: "p", port: 9 }]));
    assert.equal(dns.query("h.default.svc.cluster.local", "A").rcode, "NXDOMAIN");
    dns.upsertEndpointSlice(slice("default", "h", "h-1", [["10.0.0.1", false]], [{ name: "p", port: 9 }]));
    assert.equal(dns.query("h.default.svc.cluster.local", "A").rcode, "NXDOMAIN");
    dns.upsertEndpointSlice(slice("default", "h", "h-1", [["10.0.0.1", true]], [{ name: "p", port: 9 }]));
    dns.upsertEndpointSlice(slice("default", "h", "h-2", [["10.0.0.2", undefined]], [{ name: "p", port: 9 }]));
    assert.deepEqual(dns.query("h.default.svc.cluster.local", "A").answer.map((r) => (r.type === "A" ? r.address : "")), ["10.0.0.1", "10.0.0.2"], "nil ready counts as ready");
    const srv = dns.query("_p._tcp.h.default.svc.cluster.local", "SRV").answer;
    assert.deepEqual(srv.map((r) => (r.type === "SRV" ? r.weight : -1)), [50, 50]);
    dns.deleteEndpointSlice("default", "h-1");
    assert.equal(dns.query("h.default.svc.cluster.local", "A").answer.length, 1);
    assert.equal(dns.query("1.0.0.10.in-addr.arpa", "PTR").rcode, "NXDOMAIN");
  });

  it("a slice without ports still gives A records but no SRV (port -1 sentinel)", () => {
    const dns = new KubernetesDns();
    dns.upsertService(svc("default", "np", "None", []));
    dns.upsertEndpointSlice(slice("default", "np", "np-1", [["10.0.0.9", true]], []));
    assert.equal(dns.query("np.default.svc.cluster.local", "A").answer.length, 1);
    const srv = dns.query("np.default.svc.cluster.local", "SRV");
    assert.equal(srv.rcode, "NOERROR");
    assert.equal(srv.answer.length, 0);
  });

  it("namespaces must exist; deleting one makes its names NXDOMAIN", () => {
    const dns = new KubernetesDns({ namespaces: [] });
    dns.upsertService(svc("team", "x", "10.96.9.9", [{ port: 1 }]));
    assert.equal(dns.query("x.team.svc.cluster.local", "A").rcode, "NXDOMAIN");
    dns.upsertNamespace({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team" } });
    assert.equal(dns.query("x.team.svc.cluster.local", "A").rcode, "NOERROR");
    dns.deleteNamespace("team");
    assert.equal(dns.query("x.team.svc.cluster.local", "A").rcode, "NXDOMAIN");
  });

  it("SOA serial is the time of the last service/endpoint change", () => {
    let t = 1000;
    const dns = new KubernetesDns({ now: () => t });
    dns.upsertService(svc("default", "a", "10.96.1.1", [{ port: 1 }]));
    t = 2000;
    dns.upsertNamespace("later"); // namespaces do not bump the serial
    const soa = dns.query("cluster.local", "SOA").answer[0];
    assert.equal(soa?.type === "SOA" ? soa.serial : -1, 1000);
  });

  it("custom zone and TTL", () => {
    const dns = new KubernetesDns({ zone: "k8s.example", ttl: 5 });
    dns.upsertService(svc("default", "a", "10.96.1.1", [{ port: 1 }]));
    assert.deepEqual(dns.query("a.default.svc.k8s.example", "A").answer.map(rrText), ["a.default.svc.k8s.example. 5 IN A 10.96.1.1"]);
    assert.equal(dns.query("a.default.svc.cluster.local", "A").aa, false, "cluster.local is now outside the zone");
  });

  it("dual-stack services answer A and AAAA; IPv6 PTR", () => {
    const dns = new KubernetesDns();
    dns.upsertService(svc("default", "ds", "10.96.7.7", [{ port: 80 }], { clusterIPs: ["10.96.7.7", "fd00:10:96::7"] }));
    assert.deepEqual(dns.query("ds.default.svc.cluster.local", "AAAA").answer.map(rrText), ["ds.default.svc.cluster.local. 30 IN AAAA fd00:10:96::7"]);
    assert.equal(reverseName("fd00:10:96::7"), "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa.");
    assert.deepEqual(dns.query(reverseName("fd00:10:96::7"), "PTR").answer.map((r) => (r.type === "PTR" ? r.target : "")), ["ds.default.svc.cluster.local."]);
  });

  it("records() lists what exists", () => {
    const list = fixtureDns().records().map(rrText);
    assert.ok(list.includes("kubernetes.default.svc.cluster.local. 30 IN A 10.96.0.1"));
    assert.ok(list.includes("_mysql._tcp.db.default.svc.cluster.local. 30 IN SRV 0 50 3306 db-1.db.default.svc.cluster.local."));
    assert.ok(list.includes("search.default.svc.cluster.local. 30 IN CNAME www.google.com."));
    assert.ok(!list.some((l) => l.includes("10.244.3.12")), "not-ready endpoint absent");
    assert.ok(list.includes('dns-version.cluster.local. 28800 IN TXT "1.1.0"'));
  });

  it("SRV weight is floor(100/n), at least 1", () => {
    assert.deepEqual([1, 2, 3, 7, 100, 101, 1000].map(srvWeight), [100, 50, 33, 14, 1, 1, 1]);
  });

  it("scales to 10,000 services with indexed answers", () => {
    const dns = new KubernetesDns();
    for (let i = 0; i < 10_000; i++) {
      dns.upsertService(svc("default", `s${i}`, `10.${96 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, [{ name: "http", port: 80 }]));
    }
    assert.deepEqual(dns.query("s9999.default.svc.cluster.local", "A").answer.map(rrText), ["s9999.default.svc.cluster.local. 30 IN A 10.96.39.15"]);
    assert.deepEqual(dns.query("15.39.96.10.in-addr.arpa", "PTR").answer.map(rrText), ["15.39.96.10.in-addr.arpa. 30 IN PTR s9999.default.svc.cluster.local."]);
  });
});

describe("dns/coredns: records() agrees with query()", () => {
  it("every listed A, SRV and PTR is answered exactly so", () => {
    const dns = fixtureDns();
    dns.upsertService(svc("default", "ds", "10.96.7.7", [{ name: "http", port: 80 }], { clusterIPs: ["10.96.7.7", "fd00:10:96::7"] }));
    for (const rr of dns.records()) {
      if (rr.type !== "SRV" && rr.type !== "PTR" && rr.type !== "A") continue;
      const a = dns.query(rr.name, rr.type);
      assert.ok(a.answer.map(rrText).includes(rrText(rr)), `${rrText(rr)} not in ${a.answer.map(rrText).join(" | ")}`);
    }
  });
});
