import * as assert from "node:assert/strict";
import type { EndpointSlice, Node, Pod, Service } from "../../src/api/types";
import { worldFromObjects } from "../../src/net/fromobjects";
import { simulateTraffic } from "../../src/net/traffic";
import { syncIptables } from "../../src/proxy/iptables";
import { Rng } from "../../src/sim/rng";

const node = (name: string, ip: string, cidr: string): Node => ({
  apiVersion: "v1", kind: "Node", metadata: { name },
  spec: { podCIDR: cidr }, status: { addresses: [{ type: "InternalIP", address: ip }, { type: "Hostname", address: name }] },
});
const pod = (name: string, nodeName: string, ip: string, phase: "Running" | "Pending" = "Running"): Pod => ({
  apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "shop" },
  spec: { nodeName, containers: [{ name: "web", image: "nginx", ports: [{ containerPort: 8080 }] }] },
  status: { phase, podIP: ip },
});

describe("net: a world built from API objects", () => {
  const nodes = [node("node-1", "192.168.0.11", "10.244.1.0/24"), node("node-2", "192.168.0.12", "10.244.2.0/24"), node("node-3", "192.168.0.13", "10.244.3.0/24")];
  // Three replicas, unevenly spread: two on node-1, one on node-2, none on node-3.
  const pods = [pod("front-a", "node-1", "10.244.1.5"), pod("front-b", "node-1", "10.244.1.6"), pod("front-c", "node-2", "10.244.2.5")];
  const svc = (policy: "Local" | "Cluster", lbIP: string, nodePort: number, hc?: number): Service => ({
    apiVersion: "v1", kind: "Service", metadata: { name: `front-${policy.toLowerCase()}`, namespace: "shop" },
    spec: {
      type: "LoadBalancer", clusterIP: policy === "Local" ? "10.96.0.40" : "10.96.0.41", externalTrafficPolicy: policy,
      ...(hc ? { healthCheckNodePort: hc } : {}),
      ports: [{ name: "http", port: 80, targetPort: 8080, nodePort, protocol: "TCP" }],
    },
    status: { loadBalancer: { ingress: [{ ip: lbIP, ipMode: "VIP" }] } },
  });
  const services = [svc("Local", "198.51.100.10", 30080, 32000), svc("Cluster", "198.51.100.11", 30081)];
  const slices: EndpointSlice[] = services.map((s) => ({
    apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice",
    metadata: { name: `${s.metadata.name}-1`, namespace: "shop", labels: { "kubernetes.io/service-name": s.metadata.name! } },
    addressType: "IPv4", ports: [{ name: "http", port: 8080, protocol: "TCP" }],
    endpoints: pods.map((p) => ({ addresses: [p.status!.podIP!], conditions: { ready: true }, nodeName: p.spec.nodeName!, targetRef: { kind: "Pod", namespace: "shop", name: p.metadata.name! } })),
  }));
  const saves = new Map(nodes.map((n) => [n.metadata.name!, syncIptables({ node: { name: n.metadata.name!, ips: [n.status!.addresses![0]!.address] }, services, endpointSlices: slices, config: { clusterCIDR: "10.244.0.0/16" } }).save()]));
  const world = worldFromObjects({ nodes, pods, services, endpointSlices: slices, rules: (n) => saves.get(n)! });

  it("derives nodes, pods, load balancers and kube-proxy's health check answers", () => {
    assert.deepEqual(world.nodes.map((n) => [n.name, n.ips, n.podCIDR]), [
      ["node-1", ["192.168.0.11"], "10.244.1.0/24"], ["node-2", ["192.168.0.12"], "10.244.2.0/24"], ["node-3", ["192.168.0.13"], "10.244.3.0/24"],
    ]);
    assert.deepEqual(world.loadBalancers, [{ ip: "198.51.100.10", healthCheckNodePort: 32000 }, { ip: "198.51.100.11", healthCheckNodePort: 0 }]);
    assert.deepEqual(world.nodes.map((n) => n.healthCheck!(32000)?.localEndpoints), [2, 1, 0]);
    assert.equal(world.nodes[0]!.healthCheck!(31999), undefined);
    assert.equal(world.pods[0]!.listening(8080, "TCP"), true);
    assert.equal(world.pods[0]!.listening(9090, "TCP"), false);
  });

  it("externalTrafficPolicy Local: the LB splits by node, so pods on a shared node get less (the imbalance)", () => {
    const t = simulateTraffic(world, { from: { external: "203.0.113.9" }, to: { ip: "198.51.100.10", port: 80 }, connections: 6000, rng: new Rng(3) });
    assert.deepEqual(t.failures, []);
    assert.deepEqual(t.byEntryNode.map((e) => e.node), ["node-1", "node-2"]); // node-3 fails the health check
    // node-1 gets half the connections for two pods, node-2 half for one pod.
    assert.deepEqual(t.byEndpoint.map((e) => [e.pod, e.expectedShare]), [["shop/front-a", 0.25], ["shop/front-b", 0.25], ["shop/front-c", 0.5]]);
    for (const e of t.byEndpoint) assert.ok(Math.abs(e.count / 6000 - e.expectedShare!) < 0.03, `${e.pod}: ${e.count}`);
    // Cluster policy spreads evenly (after a second hop and SNAT).
    const c = simulateTraffic(world, { from: { external: "203.0.113.9" }, to: { ip: "198.51.100.11", port: 80 }, connections: 300, rng: new Rng(3) });
    assert.equal(c.byEntryNode.length, 3);
    for (const e of c.byEndpoint) assert.ok(Math.abs(e.expectedShare! - 1 / 3) < 1e-9);
  });
});
