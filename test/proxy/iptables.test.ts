import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import {
  endpointChainName,
  formatFixed,
  kubeProxyProbability,
  savedProbability,
  saveRule,
  serviceChainNames,
  syncIptables,
  type KubeProxyConfig,
} from "../../src/proxy/iptables";
import type { EndpointSlice, Service } from "../../src/api/types";
import { canonical, ep, slice, svc, tcp } from "./fixtures";

/** Independent RFC 4648 base32 via a bit string, for checking chain names. */
function base32(buf: Buffer): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const b of buf) bits += b.toString(2).padStart(8, "0");
  let out = "";
  for (let i = 0; i + 5 <= bits.length; i += 5) out += alphabet[parseInt(bits.slice(i, i + 5), 2)];
  return out;
}
const expectHash = (s: string) => base32(crypto.createHash("sha256").update(s).digest()).slice(0, 16);

const node = { name: "test-node", ips: ["192.168.0.2"] };
const baseConfig: KubeProxyConfig = { clusterCIDR: "10.0.0.0/8" };

function gen(services: Service[], endpointSlices: EndpointSlice[], config: Partial<KubeProxyConfig> = {}) {
  return syncIptables({ node, services, endpointSlices, config: { ...baseConfig, ...config } });
}

describe("proxy/iptables chain names", () => {
  const cases: [string, "TCP" | "UDP" | "SCTP"][] = [
    ["ns1/svc1:p80", "TCP"],
    ["default/kubernetes:https", "TCP"],
    ["kube-system/kube-dns:dns", "UDP"],
    ["kube-system/kube-dns:dns-tcp", "TCP"],
    ["shop/cart", "TCP"],
    ["ns/sctp-svc:p", "SCTP"],
  ];
  for (const [spn, proto] of cases) {
    it(`${spn}/${proto}: SVC/SVL/EXT/FW = sha256(name + "${proto.toLowerCase()}")`, () => {
      const h = expectHash(spn + proto.toLowerCase());
      assert.deepEqual(serviceChainNames(spn, proto), {
        svc: "KUBE-SVC-" + h,
        svl: "KUBE-SVL-" + h,
        ext: "KUBE-EXT-" + h,
        fw: "KUBE-FW-" + h,
      });
    });
  }
  it("KUBE-SEP hashes name + protocol + ip:port", () => {
    assert.equal(endpointChainName("ns1/svc1:p80", "TCP", "10.180.0.1:80"), "KUBE-SEP-" + expectHash("ns1/svc1:p80tcp10.180.0.1:80"));
  });
  it("matches the names in kube-proxy's proxier_test.go", () => {
    // TestOverallIPTablesRules
    assert.equal(serviceChainNames("ns1/svc1:p80", "TCP").svc, "KUBE-SVC-XPGD46QRK7WJZT7O");
    assert.equal(serviceChainNames("ns5/svc5:p80", "TCP").fw, "KUBE-FW-NUKIZ6OKUXPJNT4C");
    assert.equal(endpointChainName("ns1/svc1:p80", "TCP", "10.180.0.1:80"), "KUBE-SEP-SXIVWICOYRO3J4NJ");
    assert.equal(endpointChainName("ns5/svc5:p80", "TCP", "10.180.0.3:80"), "KUBE-SEP-I77PXRDZVX7PMWMN");
    // The default/kubernetes service every cluster has.
    assert.equal(serviceChainNames("default/kubernetes:https", "TCP").svc, "KUBE-SVC-NPX46M4PTMTKRN6Y");
  });
});

describe("proxy/iptables probabilities", () => {
  const expected: Record<number, string[]> = {
    1: [],
    2: ["0.5000000000"],
    3: ["0.3333333333", "0.5000000000"],
    4: ["0.2500000000", "0.3333333333", "0.5000000000"],
    5: ["0.2000000000", "0.2500000000", "0.3333333333", "0.5000000000"],
  };
  for (const [n, probs] of Object.entries(expected)) {
    it(`${n} endpoints: ${probs.join(", ") || "one unconditional rule"}, last unconditional`, () => {
      const eps = Array.from({ length: Number(n) }, (_, i) => ep(`10.180.0.${i + 1}`));
      const rs = gen([svc("ns1", "svc1", { clusterIP: "172.30.0.41", ports: [tcp("p80", 80)] })], [slice("ns1", "svc1", eps)]);
      const svcChain = serviceChainNames("ns1/svc1:p80", "TCP").svc;
      const lbRules = rs.restoreInput().split("\n").filter((l) => l.startsWith(`-A ${svcChain} `) && l.includes(" -> "));
      assert.equal(lbRules.length, Number(n));
      assert.deepEqual(lbRules.map((l) => /--probability (\S+)/.exec(l)?.[1]).filter(Boolean), probs);
      assert.ok(!lbRules[lbRules.length - 1]!.includes("statistic"));
      // Each endpoint's effective share is 1/n (up to the kernel's 2^-31 quantisation).
      const shares = rs.rows().filter((r) => r.chain === svcChain && r.effectiveShare !== undefined);
      assert.equal(shares.length, Number(n));
      for (const r of shares) assert.ok(Math.abs(r.effectiveShare! - 1 / Number(n)) < 1e-8, `${r.effectiveShare}`);
    });
  }
  it("n = 100001 gives 0.0000099999, and iptables-save shows the kernel's value", () => {
    assert.equal(kubeProxyProbability(100001), "0.0000099999");
    assert.equal(savedProbability("0.0000099999"), "0.00001000008");
    assert.equal(savedProbability("0.3333333333"), "0.33333333349");
    assert.equal(savedProbability("0.5000000000"), "0.50000000000");
  });
  it("formats like Go's %0.10f, rounding exact ties half-to-even", () => {
    assert.equal(formatFixed(1 / 2048, 10), "0.0004882812"); // exact tie; toFixed would give ...813
    assert.equal(kubeProxyProbability(7), "0.1428571429");
    assert.equal(kubeProxyProbability(1000), "0.0010000000");
  });
});

describe("proxy/iptables iptables-save normalisation", () => {
  const cases: [string, string][] = [
    [
      `-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O`,
      `-A KUBE-SERVICES -d 172.30.0.41/32 -p tcp -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O`,
    ],
    [
      `-A KUBE-SVC-X -m comment --comment "a -> b" -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-Y`,
      `-A KUBE-SVC-X -m comment --comment "a -> b" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-Y`,
    ],
    [`-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000`, `-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000`],
    [`-A KUBE-POSTROUTING -j MARK --xor-mark 0x00004000`, `-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0`],
    [`-A KUBE-SEP-Z -m comment --comment ns/s:p -s 10.1.2.3 -j KUBE-MARK-MASQ`, `-A KUBE-SEP-Z -s 10.1.2.3/32 -m comment --comment "ns/s:p" -j KUBE-MARK-MASQ`],
    [`-A X -m comment --comment plain-word_1 -j ACCEPT`, `-A X -m comment --comment plain-word_1 -j ACCEPT`],
    [`-A X -m tcp -p tcp -d 10.0.0.1 --dport 80 -j REJECT`, `-A X -d 10.0.0.1/32 -p tcp -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable`],
    [
      `-A X -m recent --name KUBE-SEP-A --rcheck --seconds 10800 --reap -j KUBE-SEP-A`,
      `-A X -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-A --mask 255.255.255.255 --rsource -j KUBE-SEP-A`,
    ],
    [`-A X -s 203.0.113.77/25 -j Y`, `-A X -s 203.0.113.0/25 -j Y`],
  ];
  for (const [input, saved] of cases) it(saved, () => assert.equal(saveRule(input), saved));
});

// TestOverallIPTablesRules from kube-proxy's proxier_test.go (nfacct counters available,
// localhost NodePorts on, cluster CIDR 10.0.0.0/8). kube-proxy's fake proxier uses the mark
// "0x4000" where the real one prints %#08x, "0x00004000".
const overallExpected = `*filter
:KUBE-NODEPORTS - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FIREWALL - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
-A KUBE-NODEPORTS -m comment --comment "ns2/svc2:p80 health check node port" -m tcp -p tcp --dport 30000 -j ACCEPT
-A KUBE-SERVICES -m comment --comment "ns6/svc6:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.46 --dport 80 -j REJECT
-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m tcp -p tcp -d 192.168.99.22 --dport 80 -j DROP
-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j DROP
-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 3001 -j DROP
-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A KUBE-PROXY-FIREWALL -m comment --comment "ns5/svc5:p80 traffic not accepted by KUBE-FW-NUKIZ6OKUXPJNT4C" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j DROP
COMMIT
*nat
:KUBE-NODEPORTS - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-EXT-4SW47YFZTEDKD3PK - [0:0]
:KUBE-EXT-GNZBNJ2PO5MGZ6GT - [0:0]
:KUBE-EXT-NUKIZ6OKUXPJNT4C - [0:0]
:KUBE-EXT-X27LE4BHSL4DOUIK - [0:0]
:KUBE-FW-NUKIZ6OKUXPJNT4C - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-SEP-C6EBXVWJJZMIWKLZ - [0:0]
:KUBE-SEP-I77PXRDZVX7PMWMN - [0:0]
:KUBE-SEP-OYPFS5VJICHGATKP - [0:0]
:KUBE-SEP-RS4RBKLTHTF2IUXJ - [0:0]
:KUBE-SEP-SXIVWICOYRO3J4NJ - [0:0]
:KUBE-SEP-UKSFD7AGPMPPLUHC - [0:0]
:KUBE-SVC-4SW47YFZTEDKD3PK - [0:0]
:KUBE-SVC-GNZBNJ2PO5MGZ6GT - [0:0]
:KUBE-SVC-NUKIZ6OKUXPJNT4C - [0:0]
:KUBE-SVC-X27LE4BHSL4DOUIK - [0:0]
:KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]
-A KUBE-NODEPORTS -m comment --comment ns2/svc2:p80 -m tcp -p tcp -d 127.0.0.0/8 --dport 3001 -m nfacct --nfacct-name localhost_nps_accepted_pkts -j KUBE-EXT-GNZBNJ2PO5MGZ6GT
-A KUBE-NODEPORTS -m comment --comment ns2/svc2:p80 -m tcp -p tcp --dport 3001 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT
-A KUBE-NODEPORTS -m comment --comment ns3/svc3:p80 -m tcp -p tcp -d 127.0.0.0/8 --dport 3003 -m nfacct --nfacct-name localhost_nps_accepted_pkts -j KUBE-EXT-X27LE4BHSL4DOUIK
-A KUBE-NODEPORTS -m comment --comment ns3/svc3:p80 -m tcp -p tcp --dport 3003 -j KUBE-EXT-X27LE4BHSL4DOUIK
-A KUBE-NODEPORTS -m comment --comment ns5/svc5:p80 -m tcp -p tcp -d 127.0.0.0/8 --dport 3002 -m nfacct --nfacct-name localhost_nps_accepted_pkts -j KUBE-EXT-NUKIZ6OKUXPJNT4C
-A KUBE-NODEPORTS -m comment --comment ns5/svc5:p80 -m tcp -p tcp --dport 3002 -j KUBE-EXT-NUKIZ6OKUXPJNT4C
-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O
-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 80 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT
-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 external IP" -m tcp -p tcp -d 192.168.99.22 --dport 80 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT
-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 loadbalancer IP" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT
-A KUBE-SERVICES -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 -j KUBE-SVC-X27LE4BHSL4DOUIK
-A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 -j KUBE-SVC-4SW47YFZTEDKD3PK
-A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 external IP" -m tcp -p tcp -d 192.168.99.33 --dport 80 -j KUBE-EXT-4SW47YFZTEDKD3PK
-A KUBE-SERVICES -m comment --comment "ns5/svc5:p80 cluster IP" -m tcp -p tcp -d 172.30.0.45 --dport 80 -j KUBE-SVC-NUKIZ6OKUXPJNT4C
-A KUBE-SERVICES -m comment --comment "ns5/svc5:p80 loadbalancer IP" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j KUBE-FW-NUKIZ6OKUXPJNT4C
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-A KUBE-EXT-4SW47YFZTEDKD3PK -m comment --comment "masquerade traffic for ns4/svc4:p80 external destinations" -j KUBE-MARK-MASQ
-A KUBE-EXT-4SW47YFZTEDKD3PK -j KUBE-SVC-4SW47YFZTEDKD3PK
-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "pod traffic for ns2/svc2:p80 external destinations" -s 10.0.0.0/8 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT
-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "masquerade LOCAL traffic for ns2/svc2:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ
-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "route LOCAL traffic for ns2/svc2:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-GNZBNJ2PO5MGZ6GT
-A KUBE-EXT-NUKIZ6OKUXPJNT4C -m comment --comment "masquerade traffic for ns5/svc5:p80 external destinations" -j KUBE-MARK-MASQ
-A KUBE-EXT-NUKIZ6OKUXPJNT4C -j KUBE-SVC-NUKIZ6OKUXPJNT4C
-A KUBE-EXT-X27LE4BHSL4DOUIK -m comment --comment "masquerade traffic for ns3/svc3:p80 external destinations" -j KUBE-MARK-MASQ
-A KUBE-EXT-X27LE4BHSL4DOUIK -j KUBE-SVC-X27LE4BHSL4DOUIK
-A KUBE-FW-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 loadbalancer IP" -s 203.0.113.0/25 -j KUBE-EXT-NUKIZ6OKUXPJNT4C
-A KUBE-FW-NUKIZ6OKUXPJNT4C -m comment --comment "other traffic to ns5/svc5:p80 will be dropped by KUBE-PROXY-FIREWALL"
-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE
-A KUBE-SEP-C6EBXVWJJZMIWKLZ -m comment --comment ns4/svc4:p80 -s 10.180.0.5 -j KUBE-MARK-MASQ
-A KUBE-SEP-C6EBXVWJJZMIWKLZ -m comment --comment ns4/svc4:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.5:80
-A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80 -s 10.180.0.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80 -m recent --name KUBE-SEP-I77PXRDZVX7PMWMN --set -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80
-A KUBE-SEP-OYPFS5VJICHGATKP -m comment --comment ns3/svc3:p80 -s 10.180.0.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-OYPFS5VJICHGATKP -m comment --comment ns3/svc3:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80
-A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -s 10.180.0.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.2:80
-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j KUBE-MARK-MASQ
-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80
-A KUBE-SEP-UKSFD7AGPMPPLUHC -m comment --comment ns4/svc4:p80 -s 10.180.0.4 -j KUBE-MARK-MASQ
-A KUBE-SEP-UKSFD7AGPMPPLUHC -m comment --comment ns4/svc4:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.4:80
-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 -> 10.180.0.4:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-UKSFD7AGPMPPLUHC
-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 -> 10.180.0.5:80" -j KUBE-SEP-C6EBXVWJJZMIWKLZ
-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2/svc2:p80 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2/svc2:p80 -> 10.180.0.2:80" -j KUBE-SEP-RS4RBKLTHTF2IUXJ
-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 cluster IP" -m tcp -p tcp -d 172.30.0.45 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 -> 10.180.0.3:80" -m recent --name KUBE-SEP-I77PXRDZVX7PMWMN --rcheck --seconds 10800 --reap -j KUBE-SEP-I77PXRDZVX7PMWMN
-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 -> 10.180.0.3:80" -j KUBE-SEP-I77PXRDZVX7PMWMN
-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.180.0.3:80" -j KUBE-SEP-OYPFS5VJICHGATKP
-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ
COMMIT
`;

function overallInput(): { services: Service[]; slices: EndpointSlice[] } {
  const p80 = (nodePort?: number) => [tcp("p80", 80, nodePort ? { nodePort } : {})];
  return {
    services: [
      svc("ns1", "svc1", { clusterIP: "172.30.0.41", ports: p80() }),
      svc(
        "ns2",
        "svc2",
        { type: "LoadBalancer", externalTrafficPolicy: "Local", clusterIP: "172.30.0.42", ports: p80(3001), externalIPs: ["192.168.99.22"], healthCheckNodePort: 30000 },
        { loadBalancer: { ingress: [{ ip: "1.2.3.4" }] } },
      ),
      svc("ns3", "svc3", { type: "NodePort", clusterIP: "172.30.0.43", ports: p80(3003) }),
      svc("ns4", "svc4", { type: "NodePort", clusterIP: "172.30.0.44", externalIPs: ["192.168.99.33"], ports: [tcp("p80", 80, { targetPort: 80 })] }),
      svc(
        "ns5",
        "svc5",
        {
          type: "LoadBalancer", externalTrafficPolicy: "Cluster", clusterIP: "172.30.0.45", ports: p80(3002), healthCheckNodePort: 30000,
          loadBalancerSourceRanges: [" 203.0.113.0/25"], sessionAffinity: "ClientIP", sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
        },
        { loadBalancer: { ingress: [{ ip: "5.6.7.8" }] } },
      ),
      svc("ns6", "svc6", { type: "ClusterIP", clusterIP: "172.30.0.46", ports: [tcp("p80", 80, { targetPort: 80 })] }),
    ],
    slices: [
      slice("ns1", "svc1", [ep("10.180.0.1")]),
      slice("ns2", "svc2", [ep("10.180.0.2")]), // no nodeName: not local, so ETP=Local has no endpoints here
      slice("ns3", "svc3", [ep("10.180.0.3")]),
      slice("ns4", "svc4", [ep("10.180.0.4"), ep("10.180.0.5", { nodeName: "test-node" })]),
      slice("ns5", "svc5", [ep("10.180.0.3")]),
    ],
  };
}

describe("proxy/iptables complete rule sets", () => {
  it("TestOverallIPTablesRules: every rule kube-proxy's own test expects", () => {
    const { services, slices } = overallInput();
    const rs = gen(services, slices, { nfacct: true, randomFully: false });
    const ours = rs.restoreInput().replaceAll("0x00004000", "0x4000");
    assert.deepEqual(canonical(ours), canonical(overallExpected));
  });

  it("is deterministic and writes the chains kube-proxy declares first in its order", () => {
    const { services, slices } = overallInput();
    const a = gen(services, slices).restoreInput();
    const b = gen([...services].reverse(), [...slices].reverse()).restoreInput();
    assert.equal(a, b);
    const lines = a.split("\n");
    assert.deepEqual(lines.slice(0, 7), [
      "*filter", ":KUBE-SERVICES - [0:0]", ":KUBE-EXTERNAL-SERVICES - [0:0]", ":KUBE-FORWARD - [0:0]",
      ":KUBE-NODEPORTS - [0:0]", ":KUBE-PROXY-FIREWALL - [0:0]", ":KUBE-FIREWALL - [0:0]",
    ]);
    const nat = lines.indexOf("*nat");
    assert.deepEqual(lines.slice(nat + 1, nat + 5), [":KUBE-SERVICES - [0:0]", ":KUBE-NODEPORTS - [0:0]", ":KUBE-POSTROUTING - [0:0]", ":KUBE-MARK-MASQ - [0:0]"]);
    assert.equal(lines[lines.length - 3], `-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`);
  });

  it("ExternalTrafficPolicy Local with a local endpoint: KUBE-SVL holds only local endpoints", () => {
    const services = [
      svc("ns1", "svc1", { type: "NodePort", externalTrafficPolicy: "Local", clusterIP: "172.30.0.41", ports: [tcp("p80", 80, { nodePort: 3001 })] }),
    ];
    const slices = [slice("ns1", "svc1", [ep("10.180.0.1", { nodeName: "test-node" }), ep("10.180.2.1", { nodeName: "node2" })])];
    const text = gen(services, slices, { localhostNodePorts: false }).restoreInput();
    const n = serviceChainNames("ns1/svc1:p80", "TCP");
    const sep1 = endpointChainName("ns1/svc1:p80", "TCP", "10.180.0.1:80");
    const sep2 = endpointChainName("ns1/svc1:p80", "TCP", "10.180.2.1:80");
    assert.equal(
      text,
      [
        "*filter",
        ":KUBE-SERVICES - [0:0]", ":KUBE-EXTERNAL-SERVICES - [0:0]", ":KUBE-FORWARD - [0:0]", ":KUBE-NODEPORTS - [0:0]", ":KUBE-PROXY-FIREWALL - [0:0]",
        "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP",
        `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x00004000/0x00004000 -j ACCEPT`,
        `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
        "COMMIT",
        "*nat",
        ":KUBE-SERVICES - [0:0]", ":KUBE-NODEPORTS - [0:0]", ":KUBE-POSTROUTING - [0:0]", ":KUBE-MARK-MASQ - [0:0]",
        `:${n.ext} - [0:0]`, `:${n.svc} - [0:0]`, `:${n.svl} - [0:0]`, `:${sep1} - [0:0]`, `:${sep2} - [0:0]`,
        "-A KUBE-POSTROUTING -m mark ! --mark 0x00004000/0x00004000 -j RETURN",
        "-A KUBE-POSTROUTING -j MARK --xor-mark 0x00004000",
        `-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully`,
        "-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000",
        `-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j ${n.svc}`,
        `-A KUBE-NODEPORTS -m comment --comment ns1/svc1:p80 -m tcp -p tcp --dport 3001 -j ${n.ext}`,
        `-A ${n.svc} -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ`,
        `-A ${n.ext} -m comment --comment "pod traffic for ns1/svc1:p80 external destinations" -s 10.0.0.0/8 -j ${n.svc}`,
        `-A ${n.ext} -m comment --comment "masquerade LOCAL traffic for ns1/svc1:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
        `-A ${n.ext} -m comment --comment "route LOCAL traffic for ns1/svc1:p80 external destinations" -m addrtype --src-type LOCAL -j ${n.svc}`,
        `-A ${n.ext} -j ${n.svl}`,
        `-A ${n.svc} -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -m statistic --mode random --probability 0.5000000000 -j ${sep1}`,
        `-A ${n.svc} -m comment --comment "ns1/svc1:p80 -> 10.180.2.1:80" -j ${sep2}`,
        `-A ${n.svl} -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j ${sep1}`,
        `-A ${sep1} -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j KUBE-MARK-MASQ`,
        `-A ${sep1} -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80`,
        `-A ${sep2} -m comment --comment ns1/svc1:p80 -s 10.180.2.1 -j KUBE-MARK-MASQ`,
        `-A ${sep2} -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.2.1:80`,
        `-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS`,
        "COMMIT",
        "",
      ].join("\n"),
    );
  });

  it("InternalTrafficPolicy Local: ClusterIP goes to KUBE-SVL; without local endpoints it is DROPped", () => {
    const mk = (nodeName: string) =>
      gen(
        [svc("ns1", "svc1", { internalTrafficPolicy: "Local", clusterIP: "172.30.0.41", ports: [tcp("p80", 80)] })],
        [slice("ns1", "svc1", [ep("10.180.0.1", { nodeName })])],
      ).restoreInput();
    const n = serviceChainNames("ns1/svc1:p80", "TCP");
    const local = mk("test-node");
    assert.ok(local.includes(`-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j ${n.svl}\n`));
    assert.ok(local.includes(`-A ${n.svl} -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ\n`));
    assert.ok(!local.includes(`:${n.svc} `), "no KUBE-SVC chain: the port never uses Cluster policy");
    const remote = mk("other-node");
    assert.ok(remote.includes(`-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 has no local endpoints" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j DROP\n`));
    assert.ok(!remote.includes("KUBE-SEP-"));
  });

  it("uses serving-terminating endpoints only when no endpoint is ready", () => {
    const services = [svc("ns1", "svc1", { clusterIP: "172.30.0.41", ports: [tcp("p80", 80)] })];
    const terminating = { ready: false, serving: true, terminating: true };
    const both = gen(services, [slice("ns1", "svc1", [ep("10.180.0.1"), ep("10.180.0.2", { conditions: terminating })])]).restoreInput();
    assert.ok(both.includes("--to-destination 10.180.0.1:80") && !both.includes("10.180.0.2:80"));
    const onlyTerm = gen(services, [slice("ns1", "svc1", [ep("10.180.0.2", { conditions: terminating }), ep("10.180.0.3", { conditions: { ready: false, serving: false, terminating: true } })])]).restoreInput();
    assert.ok(onlyTerm.includes("--to-destination 10.180.0.2:80") && !onlyTerm.includes("10.180.0.3:80"));
  });

  it("large cluster mode drops per-endpoint comments above the threshold", () => {
    const services = [svc("ns1", "svc1", { clusterIP: "172.30.0.41", ports: [tcp("p80", 80)] })];
    const slices = [slice("ns1", "svc1", [ep("10.180.0.1"), ep("10.180.0.2")])];
    const sep1 = endpointChainName("ns1/svc1:p80", "TCP", "10.180.0.1:80");
    const svcChain = serviceChainNames("ns1/svc1:p80", "TCP").svc;
    const small = gen(services, slices, { largeClusterEndpointsThreshold: 2 });
    assert.equal(small.largeClusterMode, false);
    const large = gen(services, slices, { largeClusterEndpointsThreshold: 1 });
    assert.equal(large.largeClusterMode, true);
    const text = large.restoreInput();
    assert.ok(text.includes(`-A ${svcChain} -m statistic --mode random --probability 0.5000000000 -j ${sep1}\n`));
    assert.ok(text.includes(`-A ${sep1} -s 10.180.0.1 -j KUBE-MARK-MASQ\n`));
    assert.ok(text.includes(`-A ${sep1} -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80\n`));
    // The service-level rules keep their comments.
    assert.ok(text.includes(`-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP"`));
  });

  it("masqueradeAll, no cluster CIDR, a masquerade bit and nodePortAddresses", () => {
    const services = [svc("ns1", "svc1", { type: "NodePort", clusterIP: "172.30.0.41", ports: [{ name: "dns", port: 53, protocol: "UDP", nodePort: 30053 }] })];
    const slices = [slice("ns1", "svc1", [ep("10.180.0.1")], [{ name: "dns", port: 5353, protocol: "UDP" }])];
    const n = serviceChainNames("ns1/svc1:dns", "UDP");
    const all = gen(services, slices, { masqueradeAll: true, masqueradeBit: 15, nodePortAddresses: ["192.168.0.0/24"] }).restoreInput();
    assert.ok(all.includes(`-A ${n.svc} -m comment --comment "ns1/svc1:dns cluster IP" -m udp -p udp -d 172.30.0.41 --dport 53 -j KUBE-MARK-MASQ\n`));
    assert.ok(all.includes("-A KUBE-MARK-MASQ -j MARK --or-mark 0x00008000\n"));
    assert.ok(all.includes(`-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -d 192.168.0.2 -j KUBE-NODEPORTS\n`));
    assert.ok(!all.includes(":KUBE-FIREWALL"), "no localhost NodePorts when nodePortAddresses exclude 127.0.0.1");
    const none = gen(services, slices, { clusterCIDR: "" }).restoreInput();
    assert.ok(!none.includes(`-A ${n.svc} -m comment --comment "ns1/svc1:dns cluster IP"`), "no detector, no masquerade rule");
  });

  it("skips headless and ExternalName services", () => {
    const rs = gen(
      [
        svc("ns1", "headless", { clusterIP: "None", ports: [tcp("p80", 80)] }),
        svc("ns1", "ext", { type: "ExternalName", externalName: "example.com" }),
      ],
      [slice("ns1", "headless", [ep("10.180.0.1")])],
    );
    assert.equal(rs.counts.servicePorts, 0);
    assert.ok(!rs.restoreInput().includes("headless"));
  });
});

describe("proxy/iptables save() and rows()", () => {
  it("includes kubelet's and kube-proxy's jump rules in the order a real node shows", () => {
    const { services, slices } = overallInput();
    const save = gen(services, slices).save().split("\n");
    const input = save.filter((l) => l.startsWith("-A INPUT "));
    assert.deepEqual(input, [
      `-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL`,
      `-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS`,
      `-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES`,
      "-A INPUT -j KUBE-FIREWALL",
    ]);
    assert.deepEqual(save.slice(0, 9), [
      "*mangle", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]",
      ":POSTROUTING ACCEPT [0:0]", ":KUBE-IPTABLES-HINT - [0:0]", ":KUBE-KUBELET-CANARY - [0:0]", ":KUBE-PROXY-CANARY - [0:0]",
    ]);
  });

  it("rows carry probabilities and effective shares for load-balancing rules", () => {
    const eps = ["10.180.0.1", "10.180.0.2", "10.180.0.3"].map((ip) => ep(ip));
    const rs = gen([svc("ns1", "svc1", { clusterIP: "172.30.0.41", ports: [tcp("p80", 80)] })], [slice("ns1", "svc1", eps)]);
    const svcChain = serviceChainNames("ns1/svc1:p80", "TCP").svc;
    const rows = rs.rows().filter((r) => r.chain === svcChain);
    assert.deepEqual(rows.map((r) => r.ruleNumber), [1, 2, 3, 4]);
    assert.equal(rows[0]!.target, "KUBE-MARK-MASQ");
    assert.equal(rows[0]!.comment, "ns1/svc1:p80 cluster IP");
    assert.equal(rows[0]!.matches, "! -s 10.0.0.0/8 -d 172.30.0.41/32 -p tcp -m tcp --dport 80");
    const lbRows = rows.slice(1);
    assert.deepEqual(lbRows.map((r) => r.probability), [1 / 3, 1 / 2, 1]);
    assert.deepEqual(lbRows.map((r) => r.endpoint), ["10.180.0.1:80", "10.180.0.2:80", "10.180.0.3:80"]);
    const total = lbRows.reduce((s, r) => s + r.effectiveShare!, 0);
    assert.ok(Math.abs(total - 1) < 1e-12);
    assert.equal(lbRows[0]!.matches, "-m statistic --mode random --probability 0.33333333349");
  });
});
