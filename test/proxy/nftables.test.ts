import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import { endpointChainBase, hashAndTruncate, nftServiceNames, syncNftables } from "../../src/proxy/nftables";
import { nftTime, priorityName } from "../../src/proxy/nftables/list";
import { ep, slice, svc, tcp } from "./fixtures";
import { fakeInput, overallInput } from "./nftables-cases";

/** Independent RFC 4648 base32 via a bit string. */
function base32(buf: Buffer): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const b of buf) bits += b.toString(2).padStart(8, "0");
  let out = "";
  for (let i = 0; i + 5 <= bits.length; i += 5) out += alphabet[parseInt(bits.slice(i, i + 5), 2)];
  return out;
}

/**
 * kube-proxy's sortNFTablesTransaction (helpers_test.go), restated: drop blank and "#" lines,
 * order by object type, then object name; rules keep their order within a chain, other lines
 * of one object sort as text.
 */
function sortTransaction(text: string): string[] {
  const order: Record<string, number> = { table: 0, chain: 1, set: 2, map: 3, rule: 4, element: 5 };
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  return lines
    .map((l, i) => ({ l, i, w: l.split(" ") }))
    .sort((a, b) => {
      const ta = order[a.w[1]!]!, tb = order[b.w[1]!]!;
      if (ta !== tb) return ta - tb;
      if (a.w[4] !== b.w[4]) return (a.w[4] ?? "") < (b.w[4] ?? "") ? -1 : 1;
      if (a.w[1] === "rule") return a.i - b.i;
      return a.l < b.l ? -1 : a.l > b.l ? 1 : 0;
    })
    .map((x) => x.l);
}

// proxier_test.go's baseRules: what every sync of NewFakeProxier writes.
const baseRules = `
add table ip kube-proxy { comment "rules for kube-proxy" ; }

add set ip kube-proxy cluster-ips { type ipv4_addr ; comment "Active ClusterIPs" ; }
add set ip kube-proxy nodeport-ips { type ipv4_addr ; comment "IPs that accept NodePort traffic" ; }

add map ip kube-proxy firewall-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "destinations that are subject to LoadBalancerSourceRanges" ; }
add map ip kube-proxy no-endpoint-nodeports { type inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to service nodeports with no endpoints" ; }
add map ip kube-proxy no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to services with no endpoints" ; }
add map ip kube-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }
add map ip kube-proxy service-nodeports { type inet_proto . inet_service : verdict ; comment "NodePort traffic" ; }

add chain ip kube-proxy cluster-ips-check
add chain ip kube-proxy filter-prerouting-pre-dnat { type filter hook prerouting priority -110 ; }
add chain ip kube-proxy filter-output-pre-dnat { type filter hook output priority -110 ; }
add chain ip kube-proxy filter-forward { type filter hook forward priority 0 ; }
add chain ip kube-proxy filter-input { type filter hook input priority 0 ; }
add chain ip kube-proxy filter-output { type filter hook output priority 0 ; }
add chain ip kube-proxy firewall-check
add chain ip kube-proxy mark-for-masquerade
add chain ip kube-proxy masquerading
add chain ip kube-proxy nat-output { type nat hook output priority -100 ; }
add chain ip kube-proxy nat-postrouting { type nat hook postrouting priority 100 ; }
add chain ip kube-proxy nat-prerouting { type nat hook prerouting priority -100 ; }
add chain ip kube-proxy nodeport-endpoints-check
add chain ip kube-proxy reject-chain { comment "helper for @no-endpoint-services / @no-endpoint-nodeports" ; }
add chain ip kube-proxy services
add chain ip kube-proxy service-endpoints-check

add rule ip kube-proxy cluster-ips-check ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"
add rule ip kube-proxy cluster-ips-check ip daddr { 172.30.0.0/16 } drop comment "Drop traffic to unallocated ClusterIPs"
add rule ip kube-proxy filter-prerouting-pre-dnat ct state new jump firewall-check
add rule ip kube-proxy filter-forward ct state new jump service-endpoints-check
add rule ip kube-proxy filter-forward ct state new jump cluster-ips-check
add rule ip kube-proxy filter-input ct state new jump nodeport-endpoints-check
add rule ip kube-proxy filter-input ct state new jump service-endpoints-check
add rule ip kube-proxy filter-output ct state new jump service-endpoints-check
add rule ip kube-proxy filter-output-pre-dnat ct state new jump firewall-check
add rule ip kube-proxy filter-output ct state new jump cluster-ips-check
add rule ip kube-proxy firewall-check ip daddr . meta l4proto . th dport vmap @firewall-ips
add rule ip kube-proxy mark-for-masquerade mark set mark or 0x4000
add rule ip kube-proxy masquerading mark and 0x4000 == 0 return
add rule ip kube-proxy masquerading mark set mark xor 0x4000
add rule ip kube-proxy masquerading masquerade fully-random
add rule ip kube-proxy nat-output jump services
add rule ip kube-proxy nat-postrouting jump masquerading
add rule ip kube-proxy nat-prerouting jump services
add rule ip kube-proxy nodeport-endpoints-check ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports
add rule ip kube-proxy reject-chain reject
add rule ip kube-proxy services ip daddr . meta l4proto . th dport vmap @service-ips
add rule ip kube-proxy services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports

add element ip kube-proxy nodeport-ips { 192.168.0.2 }
add rule ip kube-proxy service-endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services
`;

// TestOverallNFTablesRules' expected rules after baseRules.
const overallRules = `
# svc1
add chain ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80
add rule ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80 ip daddr 172.30.0.41 tcp dport 80 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
add rule ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80 numgen random mod 1 vmap { 0 : goto endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80 }

add chain ip kube-proxy endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80
add rule ip kube-proxy endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80 ip saddr 10.180.0.1 jump mark-for-masquerade
add rule ip kube-proxy endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80 meta l4proto tcp dnat to 10.180.0.1:80

add element ip kube-proxy cluster-ips { 172.30.0.41 }
add element ip kube-proxy service-ips { 172.30.0.41 . tcp . 80 : goto service-ULMVA6XW-ns1/svc1/tcp/p80 }

# svc2
add chain ip kube-proxy service-42NFTM6N-ns2/svc2/tcp/p80
add rule ip kube-proxy service-42NFTM6N-ns2/svc2/tcp/p80 ip daddr 172.30.0.42 tcp dport 80 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
add rule ip kube-proxy service-42NFTM6N-ns2/svc2/tcp/p80 numgen random mod 1 vmap { 0 : goto endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80 }
add chain ip kube-proxy external-42NFTM6N-ns2/svc2/tcp/p80
add rule ip kube-proxy external-42NFTM6N-ns2/svc2/tcp/p80 ip saddr 10.0.0.0/8 goto service-42NFTM6N-ns2/svc2/tcp/p80 comment "short-circuit pod traffic"
add rule ip kube-proxy external-42NFTM6N-ns2/svc2/tcp/p80 fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"
add rule ip kube-proxy external-42NFTM6N-ns2/svc2/tcp/p80 fib saddr type local goto service-42NFTM6N-ns2/svc2/tcp/p80 comment "short-circuit local traffic"
add chain ip kube-proxy endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80
add rule ip kube-proxy endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80 ip saddr 10.180.0.2 jump mark-for-masquerade
add rule ip kube-proxy endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80 meta l4proto tcp dnat to 10.180.0.2:80

add element ip kube-proxy cluster-ips { 172.30.0.42 }
add element ip kube-proxy service-ips { 172.30.0.42 . tcp . 80 : goto service-42NFTM6N-ns2/svc2/tcp/p80 }
add element ip kube-proxy service-ips { 192.168.99.22 . tcp . 80 : goto external-42NFTM6N-ns2/svc2/tcp/p80 }
add element ip kube-proxy service-ips { 1.2.3.4 . tcp . 80 : goto external-42NFTM6N-ns2/svc2/tcp/p80 }
add element ip kube-proxy service-nodeports { tcp . 3001 : goto external-42NFTM6N-ns2/svc2/tcp/p80 }

add element ip kube-proxy no-endpoint-nodeports { tcp . 3001 comment "ns2/svc2:p80" : drop }
add element ip kube-proxy no-endpoint-services { 1.2.3.4 . tcp . 80 comment "ns2/svc2:p80" : drop }
add element ip kube-proxy no-endpoint-services { 192.168.99.22 . tcp . 80 comment "ns2/svc2:p80" : drop }

# svc3
add chain ip kube-proxy service-4AT6LBPK-ns3/svc3/tcp/p80
add rule ip kube-proxy service-4AT6LBPK-ns3/svc3/tcp/p80 ip daddr 172.30.0.43 tcp dport 80 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
add rule ip kube-proxy service-4AT6LBPK-ns3/svc3/tcp/p80 numgen random mod 1 vmap { 0 : goto endpoint-UEIP74TE-ns3/svc3/tcp/p80__10.180.0.3/80 }
add chain ip kube-proxy external-4AT6LBPK-ns3/svc3/tcp/p80
add rule ip kube-proxy external-4AT6LBPK-ns3/svc3/tcp/p80 jump mark-for-masquerade
add rule ip kube-proxy external-4AT6LBPK-ns3/svc3/tcp/p80 goto service-4AT6LBPK-ns3/svc3/tcp/p80
add chain ip kube-proxy endpoint-UEIP74TE-ns3/svc3/tcp/p80__10.180.0.3/80
add rule ip kube-proxy endpoint-UEIP74TE-ns3/svc3/tcp/p80__10.180.0.3/80 ip saddr 10.180.0.3 jump mark-for-masquerade
add rule ip kube-proxy endpoint-UEIP74TE-ns3/svc3/tcp/p80__10.180.0.3/80 meta l4proto tcp dnat to 10.180.0.3:80

add element ip kube-proxy cluster-ips { 172.30.0.43 }
add element ip kube-proxy service-ips { 172.30.0.43 . tcp . 80 : goto service-4AT6LBPK-ns3/svc3/tcp/p80 }
add element ip kube-proxy service-nodeports { tcp . 3003 : goto external-4AT6LBPK-ns3/svc3/tcp/p80 }

# svc4
add chain ip kube-proxy service-LAUZTJTB-ns4/svc4/tcp/p80
add rule ip kube-proxy service-LAUZTJTB-ns4/svc4/tcp/p80 ip daddr 172.30.0.44 tcp dport 80 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
add rule ip kube-proxy service-LAUZTJTB-ns4/svc4/tcp/p80 numgen random mod 2 vmap { 0 : goto endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80 , 1 : goto endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80 }
add chain ip kube-proxy external-LAUZTJTB-ns4/svc4/tcp/p80
add rule ip kube-proxy external-LAUZTJTB-ns4/svc4/tcp/p80 jump mark-for-masquerade
add rule ip kube-proxy external-LAUZTJTB-ns4/svc4/tcp/p80 goto service-LAUZTJTB-ns4/svc4/tcp/p80
add chain ip kube-proxy endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80
add rule ip kube-proxy endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80 ip saddr 10.180.0.5 jump mark-for-masquerade
add rule ip kube-proxy endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80 meta l4proto tcp dnat to 10.180.0.5:80
add chain ip kube-proxy endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80
add rule ip kube-proxy endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80 ip saddr 10.180.0.4 jump mark-for-masquerade
add rule ip kube-proxy endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80 meta l4proto tcp dnat to 10.180.0.4:80

add element ip kube-proxy cluster-ips { 172.30.0.44 }
add element ip kube-proxy service-ips { 172.30.0.44 . tcp . 80 : goto service-LAUZTJTB-ns4/svc4/tcp/p80 }
add element ip kube-proxy service-ips { 192.168.99.33 . tcp . 80 : goto external-LAUZTJTB-ns4/svc4/tcp/p80 }

# svc5
add set ip kube-proxy affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 { type ipv4_addr ; flags dynamic,timeout ; timeout 10800s ; }
add chain ip kube-proxy service-HVFWP5L3-ns5/svc5/tcp/p80
add rule ip kube-proxy service-HVFWP5L3-ns5/svc5/tcp/p80 ip daddr 172.30.0.45 tcp dport 80 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
add rule ip kube-proxy service-HVFWP5L3-ns5/svc5/tcp/p80 ip saddr @affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 goto endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80
add rule ip kube-proxy service-HVFWP5L3-ns5/svc5/tcp/p80 numgen random mod 1 vmap { 0 : goto endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 }
add chain ip kube-proxy external-HVFWP5L3-ns5/svc5/tcp/p80
add rule ip kube-proxy external-HVFWP5L3-ns5/svc5/tcp/p80 jump mark-for-masquerade
add rule ip kube-proxy external-HVFWP5L3-ns5/svc5/tcp/p80 goto service-HVFWP5L3-ns5/svc5/tcp/p80

add chain ip kube-proxy endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80
add rule ip kube-proxy endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 ip saddr 10.180.0.3 jump mark-for-masquerade
add rule ip kube-proxy endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 update @affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 { ip saddr }
add rule ip kube-proxy endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 meta l4proto tcp dnat to 10.180.0.3:80

add chain ip kube-proxy firewall-HVFWP5L3-ns5/svc5/tcp/p80
add rule ip kube-proxy firewall-HVFWP5L3-ns5/svc5/tcp/p80 ip saddr != { 203.0.113.0/25 } drop

add element ip kube-proxy cluster-ips { 172.30.0.45 }
add element ip kube-proxy service-ips { 172.30.0.45 . tcp . 80 : goto service-HVFWP5L3-ns5/svc5/tcp/p80 }
add element ip kube-proxy service-ips { 5.6.7.8 . tcp . 80 : goto external-HVFWP5L3-ns5/svc5/tcp/p80 }
add element ip kube-proxy service-nodeports { tcp . 3002 : goto external-HVFWP5L3-ns5/svc5/tcp/p80 }
add element ip kube-proxy firewall-ips { 5.6.7.8 . tcp . 80 : goto firewall-HVFWP5L3-ns5/svc5/tcp/p80 }

# svc6
add element ip kube-proxy cluster-ips { 172.30.0.46 }
add element ip kube-proxy no-endpoint-services { 172.30.0.46 . tcp . 80 comment "ns6/svc6:p80" : goto reject-chain }
`;

describe("proxy/nftables names", () => {
  const cases: { ns: string; name: string; proto: "TCP" | "UDP" | "SCTP"; port: string; endpoint?: string; want: string }[] = [
    { ns: "ns1", name: "svc1", proto: "TCP", port: "p80", want: "ULMVA6XW-ns1/svc1/tcp/p80" },
    { ns: "ns2", name: "svc2", proto: "TCP", port: "p80", want: "42NFTM6N-ns2/svc2/tcp/p80" },
    { ns: "ns1", name: "svc1", proto: "TCP", port: "p80", endpoint: "10.180.0.1:80", want: "5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80" },
    { ns: "ns4", name: "svc4", proto: "TCP", port: "p80", endpoint: "10.180.0.5:80", want: "5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80" },
  ];
  for (const c of cases) {
    it(`${c.ns}/${c.name}/${c.port}${c.endpoint ? " " + c.endpoint : ""} → ${c.want}`, () => {
      const got = c.endpoint ? endpointChainBase(c.ns, c.name, c.proto, c.port, c.endpoint) : nftServiceNames(c.ns, c.name, c.proto, c.port).cluster.slice("service-".length);
      assert.equal(got, c.want);
    });
  }
  it("the hash is the first 8 base32 characters of sha256 of the readable name", () => {
    for (const n of ["default/kubernetes/tcp/https", "kube-system/kube-dns/udp/dns", "shop/cart/tcp/"]) {
      assert.equal(hashAndTruncate(n), base32(crypto.createHash("sha256").update(n).digest()).slice(0, 8) + "-" + n);
    }
  });
  it("names longer than 240 characters are truncated with ...", () => {
    const long = "a".repeat(300);
    const h = hashAndTruncate(long);
    assert.equal(h.length, 240);
    assert.ok(h.endsWith("..."));
  });
});

describe("proxy/nftables rules (kube-proxy's proxier_test.go)", () => {
  it("TestOverallNFTablesRules: every kind of Service", () => {
    const rs = syncNftables(overallInput());
    assert.deepEqual(sortTransaction(rs.dump()), sortTransaction(baseRules + overallRules));
  });

  it("the transaction re-creates base chains, flushes every chain, set and map it fills", () => {
    const text = syncNftables(overallInput()).ruleset();
    const lines = text.trimEnd().split("\n");
    assert.equal(lines[0], 'add table ip kube-proxy { comment "rules for kube-proxy" ; }');
    assert.deepEqual(lines.slice(1, 3), ["add chain ip kube-proxy filter-prerouting-pre-dnat", "delete chain ip kube-proxy filter-prerouting-pre-dnat"]);
    for (const m of ["service-ips", "service-nodeports", "no-endpoint-services", "no-endpoint-nodeports", "firewall-ips"]) {
      const flush = lines.indexOf(`flush map ip kube-proxy ${m}`);
      const firstElement = lines.findIndex((l) => l.startsWith(`add element ip kube-proxy ${m} `));
      assert.ok(flush > 0 && (firstElement < 0 || flush < firstElement), m);
    }
    for (const l of lines.filter((x) => x.startsWith("add rule "))) {
      const chain = l.split(" ")[4]!;
      assert.ok(lines.indexOf(`add chain ip kube-proxy ${chain}`) >= 0 || lines.some((x) => x.startsWith(`add chain ip kube-proxy ${chain} `)), chain);
    }
  });

  const epc = (e: string) => "endpoint-" + endpointChainBase("ns1", "svc1", "TCP", "p80", e);
  const epCases: { name: string; eps: Parameters<typeof ep>[1][]; policy?: "Local"; want: string[] }[] = [
    {
      name: "terminating endpoints are used only when no endpoint is ready",
      eps: [{ conditions: { ready: false, serving: true, terminating: true } }, { conditions: { ready: false, serving: true, terminating: true } }],
      want: [`numgen random mod 2 vmap { 0 : goto ${epc("10.180.0.1:80")} , 1 : goto ${epc("10.180.0.2:80")} }`],
    },
    {
      name: "a ready endpoint hides terminating ones",
      eps: [{ conditions: { ready: false, serving: true, terminating: true } }, { conditions: { ready: true } }],
      want: [`numgen random mod 1 vmap { 0 : goto ${epc("10.180.0.2:80")} }`],
    },
  ];
  for (const c of epCases) {
    it(c.name, () => {
      const services = [svc("ns1", "svc1", { clusterIP: "172.30.0.41", ports: [tcp("p80", 80)] })];
      const slices = [slice("ns1", "svc1", c.eps.map((x, i) => ep(`10.180.0.${i + 1}`, x)))];
      const rs = syncNftables(fakeInput(services, slices));
      const chain = rs.table.chains.get("service-ULMVA6XW-ns1/svc1/tcp/p80")!;
      assert.deepEqual(chain.rules.slice(1).map((r) => r.text), c.want);
    });
  }

  it("internalTrafficPolicy Local without local endpoints drops ClusterIP traffic", () => {
    const services = [svc("ns1", "svc1", { clusterIP: "172.30.0.41", internalTrafficPolicy: "Local", ports: [tcp("p80", 80)] })];
    const rs = syncNftables(fakeInput(services, [slice("ns1", "svc1", [ep("10.180.0.1", { nodeName: "other" })])]));
    assert.match(rs.dump(), /add element ip kube-proxy no-endpoint-services \{ 172\.30\.0\.41 \. tcp \. 80 comment "ns1\/svc1:p80" : drop \}/);
    assert.ok(![...rs.table.chains.keys()].some((c) => c.includes("svc1/")));
  });

  it("LoadBalancerSourceRanges that contain the node IP also allow the LB IPs (hairpin)", () => {
    const services = [
      svc("ns1", "svc1", { type: "LoadBalancer", clusterIP: "172.30.0.41", ports: [tcp("p80", 80, { nodePort: 3001 })], loadBalancerSourceRanges: ["192.168.0.0/24", " 203.0.113.0/25"] }, { loadBalancer: { ingress: [{ ip: "1.2.3.4" }, { ip: "5.6.7.8" }] } }),
    ];
    const rs = syncNftables(fakeInput(services, [slice("ns1", "svc1", [ep("10.180.0.1")])]));
    const fw = [...rs.table.chains.values()].find((c) => c.name.startsWith("firewall-") && c.name.includes("/"))!;
    assert.deepEqual(fw.rules.map((r) => r.text), ["ip saddr != { 192.168.0.0/24 , 203.0.113.0/25 , 1.2.3.4 , 5.6.7.8 } drop"]);
  });

  it("default config: mark 0x004000, NodePorts on the node's primary IP only", () => {
    const rs = syncNftables({ node: { name: "n", ips: ["192.168.0.11", "10.1.1.1"] }, services: [], endpointSlices: [], config: { clusterCIDR: "10.244.0.0/16" } });
    assert.match(rs.ruleset(), /^add rule ip kube-proxy mark-for-masquerade mark set mark or 0x004000$/m);
    assert.match(rs.ruleset(), /^add element ip kube-proxy nodeport-ips \{ 192\.168\.0\.11 \}$/m);
    assert.doesNotMatch(rs.ruleset(), /nodeport-ips \{ 10\.1\.1\.1 \}/);
  });
});

describe("proxy/nftables list formatting", () => {
  const prios: [number, "prerouting" | "output" | "postrouting" | "input", string][] = [
    [-110, "prerouting", "dstnat - 10"],
    [-110, "output", "-110"],
    [-100, "output", "-100"],
    [-100, "prerouting", "dstnat"],
    [0, "input", "filter"],
    [100, "postrouting", "srcnat"],
  ];
  for (const [p, h, want] of prios) it(`priority ${p} on ${h} prints as ${want}`, () => assert.equal(priorityName(p, h), want));
  const times: [number, string][] = [[10800, "3h"], [90, "1m30s"], [86400, "1d"], [10, "10s"]];
  for (const [s, want] of times) it(`timeout ${s}s prints as ${want}`, () => assert.equal(nftTime(s), want));
});
