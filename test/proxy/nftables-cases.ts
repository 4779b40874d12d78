/**
 * Inputs of kube-proxy's pkg/proxy/nftables/proxier_test.go, rewritten with this project's
 * builders (its NewFakeProxier conventions: node "test-node" at 192.168.0.2, pod CIDR
 * 10.0.0.0/8, Service CIDR 172.30.0.0/16, NodePorts on 192.168.0.2/32, mark 0x4000).
 */
import type { EndpointSlice, Service } from "../../src/api/types";
import type { SyncNftablesInput } from "../../src/proxy/nftables";
import { ep, slice, svc, tcp } from "./fixtures";

export const testNode = { name: "test-node", ips: ["192.168.0.2"] };
export const fakeConfig = { clusterCIDR: "10.0.0.0/8", serviceCIDRs: "172.30.0.0/16", masqueradeMark: "0x4000", nodePortAddresses: ["192.168.0.2/32"] };

export function fakeInput(services: Service[], endpointSlices: EndpointSlice[]): SyncNftablesInput {
  return { node: testNode, services, endpointSlices, config: fakeConfig };
}

/** TestOverallNFTablesRules: six Services covering every kind of rule. */
export function overallInput(): SyncNftablesInput {
  const services: Service[] = [
    svc("ns1", "svc1", { clusterIP: "172.30.0.41", ports: [tcp("p80", 80)] }),
    svc(
      "ns2",
      "svc2",
      { type: "LoadBalancer", externalTrafficPolicy: "Local", clusterIP: "172.30.0.42", ports: [tcp("p80", 80, { nodePort: 3001 })], externalIPs: ["192.168.99.22"], healthCheckNodePort: 30000 },
      { loadBalancer: { ingress: [{ ip: "1.2.3.4" }] } },
    ),
    svc("ns3", "svc3", { type: "NodePort", clusterIP: "172.30.0.43", ports: [tcp("p80", 80, { nodePort: 3003 })] }),
    svc("ns4", "svc4", { type: "NodePort", clusterIP: "172.30.0.44", externalIPs: ["192.168.99.33"], ports: [tcp("p80", 80, { targetPort: 80 })] }),
    svc(
      "ns5",
      "svc5",
      {
        type: "LoadBalancer",
        externalTrafficPolicy: "Cluster",
        clusterIP: "172.30.0.45",
        ports: [tcp("p80", 80, { nodePort: 3002 })],
        healthCheckNodePort: 30000,
        loadBalancerSourceRanges: [" 203.0.113.0/25"],
        sessionAffinity: "ClientIP",
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
      },
      { loadBalancer: { ingress: [{ ip: "5.6.7.8" }] } },
    ),
    svc("ns6", "svc6", { type: "ClusterIP", clusterIP: "172.30.0.46", ports: [tcp("p80", 80, { targetPort: 80 })] }),
  ];
  const slices = [
    slice("ns1", "svc1", [ep("10.180.0.1")]),
    slice("ns2", "svc2", [ep("10.180.0.2")]),
    slice("ns3", "svc3", [ep("10.180.0.3")]),
    slice("ns4", "svc4", [ep("10.180.0.4"), ep("10.180.0.5", { nodeName: "test-node" })]),
    slice("ns5", "svc5", [ep("10.180.0.3")]),
  ];
  return fakeInput(services, slices);
}
