/**
 * A small cluster's DNS state shared by the dns tests and the in-namespace server script.
 *
 * @example
 * ```ts
 * const dns = fixtureDns();
 * dns.query("kubernetes.default.svc.cluster.local", "A");
 * ```
 */
import type { EndpointSlice, Service, ServicePort } from "../../src/api/types";
import { KubernetesDns } from "../../src/dns/coredns";

/** Upstream records the simulated forwarder knows. */
export const UPSTREAM = {
  "google.com": { A: ["142.250.74.46"], AAAA: ["2a00:1450:4001:82b::200e"] },
  "www.google.com": { A: ["142.250.74.36"] },
  "db.example.org": { CNAME: "db-primary.example.org" },
  "db-primary.example.org": { A: ["198.51.100.7"] },
};

/** A Service with a cluster IP (or "None"). @example svc("default", "web", "10.96.0.5", [{ name: "http", port: 80 }]) */
export function svc(ns: string, name: string, clusterIP: string, ports: ServicePort[], extra: Partial<Service["spec"]> = {}): Service {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace: ns }, spec: { clusterIP, ports, ...extra } };
}

/** An EndpointSlice for a service; endpoints as [ip, ready, hostname?]. @example slice("default", "web", "web-1", [["10.244.1.5", true]], [{ name: "http", port: 8080 }]) */
export function slice(ns: string, service: string, name: string, eps: [string, boolean | undefined, string?][], ports: { name?: string; port: number; protocol?: "TCP" | "UDP" }[]): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name, namespace: ns, labels: { "kubernetes.io/service-name": service } },
    addressType: "IPv4",
    endpoints: eps.map(([ip, ready, hostname]) => ({
      addresses: [ip],
      conditions: ready === undefined ? {} : { ready },
      ...(hostname ? { hostname } : {}),
    })),
    ports: ports.map((p) => ({ protocol: "TCP" as const, ...p })),
  };
}

/** The fixture cluster: kubernetes, kube-dns, hello-world, a headless StatefulSet-style db, ExternalNames, a selector-less service. */
export function fixtureDns(): KubernetesDns {
  let t = 1_767_225_600; // 2026-01-01T00:00:00Z, advanced one second per change
  const dns = new KubernetesDns({ upstream: UPSTREAM, localIPs: ["10.244.0.2"], now: () => t++ });
  dns.upsertNamespace("other");
  dns.upsertNamespace("shop");
  dns.upsertService(svc("default", "kubernetes", "10.96.0.1", [{ name: "https", port: 443, protocol: "TCP" }]));
  dns.upsertEndpointSlice(slice("default", "kubernetes", "kubernetes", [["172.18.0.2", true]], [{ name: "https", port: 6443 }]));
  dns.upsertService(svc("kube-system", "kube-dns", "10.96.0.10", [
    { name: "dns", port: 53, protocol: "UDP" }, { name: "dns-tcp", port: 53, protocol: "TCP" }, { name: "metrics", port: 9153, protocol: "TCP" },
  ]));
  dns.upsertEndpointSlice(slice("kube-system", "kube-dns", "kube-dns-x7k2p", [["10.244.0.2", true], ["10.244.0.3", true]], [
    { name: "dns", port: 53, protocol: "UDP" }, { name: "dns-tcp", port: 53, protocol: "TCP" }, { name: "metrics", port: 9153 },
  ]));
  dns.upsertService(svc("default", "hello-world", "10.96.0.20", [{ name: "http", port: 80, protocol: "TCP" }]));
  dns.upsertEndpointSlice(slice("default", "hello-world", "hello-world-abcde", [
    ["10.244.1.5", true], ["10.244.2.6", true], ["10.244.3.7", true], ["10.244.1.8", false],
  ], [{ name: "http", port: 8080 }]));
  dns.upsertService(svc("shop", "web", "10.96.0.30", [{ name: "http", port: 80, protocol: "TCP" }, { name: "https", port: 443, protocol: "TCP" }]));
  dns.upsertService(svc("default", "db", "None", [{ name: "mysql", port: 3306, protocol: "TCP" }]));
  dns.upsertEndpointSlice(slice("default", "db", "db-q8z4t", [
    ["10.244.1.10", true, "db-0"], ["10.244.2.11", true, "db-1"], ["10.244.3.12", false, "db-2"],
  ], [{ name: "mysql", port: 3306 }]));
  dns.upsertService(svc("default", "cache", "None", [{ name: "redis", port: 6379, protocol: "TCP" }]));
  dns.upsertEndpointSlice(slice("default", "cache", "cache-m2n3b", [["10.244.2.20", false], ["10.244.3.21", false]], [{ name: "redis", port: 6379 }]));
  dns.upsertService(svc("default", "peers", "None", [{ name: "gossip", port: 7946, protocol: "TCP" }], { publishNotReadyAddresses: true }));
  // With publishNotReadyAddresses the EndpointSlice controller reports not-ready pods as ready: true.
  dns.upsertEndpointSlice(slice("default", "peers", "peers-k4j2h", [["10.244.1.30", true], ["10.244.2.31", true]], [{ name: "gossip", port: 7946 }]));
  dns.upsertService({ apiVersion: "v1", kind: "Service", metadata: { name: "search", namespace: "default" }, spec: { type: "ExternalName", externalName: "www.google.com" } });
  dns.upsertService({ apiVersion: "v1", kind: "Service", metadata: { name: "alias", namespace: "default" }, spec: { type: "ExternalName", externalName: "hello-world.default.svc.cluster.local" } });
  dns.upsertService(svc("default", "legacy", "10.96.0.40", [{ name: "pg", port: 5432, protocol: "TCP" }]));
  dns.upsertEndpointSlice(slice("default", "legacy", "legacy-1", [["192.168.1.50", true]], [{ name: "pg", port: 5432 }]));
  return dns;
}
