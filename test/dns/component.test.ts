import { strict as assert } from "node:assert";
import { Cluster } from "../../src/cluster";
import { rrText } from "../../src/dns/types";

/**
 * The cluster's CoreDNS knows its own pod address, so it finds the Service it backs (kube-dns)
 * and names it as the zone's name server, as CoreDNS's kubernetes plugin does (ns.go nsAddrs;
 * handler tests "NS" and "ns.dns.<zone>"): NS at the apex names kube-dns with its ClusterIP in
 * ADDITIONAL, and `ns.dns.<zone>` (the name in the SOA) has an A record with that address.
 */
const cases: { zone: string; q: (z: string) => string; t: "NS" | "A" | "AAAA"; answer: (z: string) => string[]; additional: (z: string) => string[] }[] = [
  { zone: "cluster.local", q: (z) => z, t: "NS", answer: (z) => [`${z}. 30 IN NS kube-dns.kube-system.svc.${z}.`], additional: (z) => [`kube-dns.kube-system.svc.${z}. 30 IN A 10.96.0.10`] },
  { zone: "cluster.local", q: (z) => `ns.dns.${z}`, t: "A", answer: (z) => [`ns.dns.${z}. 30 IN A 10.96.0.10`], additional: () => [] },
  { zone: "cluster.local", q: (z) => `ns.dns.${z}`, t: "AAAA", answer: () => [], additional: () => [] },
  { zone: "lab.example", q: (z) => z, t: "NS", answer: (z) => [`${z}. 30 IN NS kube-dns.kube-system.svc.${z}.`], additional: (z) => [`kube-dns.kube-system.svc.${z}. 30 IN A 10.96.0.10`] },
  { zone: "lab.example", q: (z) => `NS.DNS.${z}`, t: "A", answer: (z) => [`NS.DNS.${z}. 30 IN A 10.96.0.10`], additional: () => [] },
];

describe("CoreDNS in the cluster: its own name server records", () => {
  const clusters = new Map<string, Cluster>();
  const cluster = (zone: string): Cluster => {
    let c = clusters.get(zone);
    if (!c) clusters.set(zone, (c = new Cluster({ nodes: 2, seed: 3, clusterDomain: zone })));
    return c;
  };
  for (const tc of cases) {
    it(`${tc.q(tc.zone)} ${tc.t}`, () => {
      const a = cluster(tc.zone).dns.query(tc.q(tc.zone), tc.t);
      assert.equal(a.rcode, "NOERROR");
      assert.deepEqual(a.records, tc.answer(tc.zone));
      assert.deepEqual(a.answer.additional.map(rrText), tc.additional(tc.zone));
      if (tc.answer(tc.zone).length === 0) assert.deepEqual(a.answer.authority.map((r) => r.type), ["SOA"], "NODATA carries the SOA");
    });
  }

  it("the SOA's mname (ns.dns.<zone>) resolves to the kube-dns address", () => {
    const c = cluster("cluster.local");
    const soa = c.dns.query("cluster.local", "SOA").records[0]!;
    const mname = soa.split(" ")[4]!;
    assert.equal(mname, "ns.dns.cluster.local.");
    assert.deepEqual(c.dns.query(mname, "A").records, ["ns.dns.cluster.local. 30 IN A 10.96.0.10"]);
  });
});
