/**
 * How fast the CoreDNS simulation ingests and answers at scale.
 *
 * Workload: 10,000 ClusterIP Services with one 10-endpoint EndpointSlice each, plus 500 headless Services
 * with 20 endpoints; then A, SRV, PTR and NXDOMAIN queries, and the glibc walk of a short name from another
 * namespace (10 queries).
 *
 * Run: `node .build/dns/bench/dns.js` (or from the shared build, `node dist/bench/dns.js`).
 *
 * @example
 * ```sh
 * node dist/bench/dns.js
 * ```
 */
import type { EndpointSlice, Service } from "../src/api/types";
import { KubernetesDns } from "../src/dns/coredns";
import { resolvConf } from "../src/dns/resolvconf";
import { resolve } from "../src/dns/resolver";

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function slice(name: string, n: number, base: number): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { namespace: "default", name: `${name}-abcde`, labels: { "kubernetes.io/service-name": name } },
    addressType: "IPv4",
    endpoints: Array.from({ length: n }, (_, e) => {
      const i = base + e;
      return { addresses: [`10.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`], conditions: { ready: true } };
    }),
    ports: [{ name: "http", port: 8080, protocol: "TCP" }],
  };
}

function main(): void {
  const dns = new KubernetesDns();
  const N = 10_000;
  let t0 = process.hrtime.bigint();
  for (let s = 0; s < N; s++) {
    const svc: Service = { apiVersion: "v1", kind: "Service", metadata: { namespace: "default", name: `svc-${s}` },
      spec: { clusterIP: `10.96.${s >> 8}.${s & 255}`, ports: [{ name: "http", port: 80, protocol: "TCP" }] } };
    dns.upsertService(svc);
    dns.upsertEndpointSlice(slice(`svc-${s}`, 10, s * 10));
  }
  for (let h = 0; h < 500; h++) {
    dns.upsertService({ apiVersion: "v1", kind: "Service", metadata: { namespace: "default", name: `hl-${h}` }, spec: { clusterIP: "None", ports: [{ name: "http", port: 80 }] } });
    dns.upsertEndpointSlice(slice(`hl-${h}`, 20, 200_000 + h * 20));
  }
  const ingest = ms(t0);
  const Q = 100_000;
  const timeQueries = (label: string, f: (i: number) => void) => {
    t0 = process.hrtime.bigint();
    for (let i = 0; i < Q; i++) f(i);
    const total = ms(t0);
    console.log(`${label.padEnd(34)} ${((total * 1000) / Q).toFixed(2)} µs/query`);
  };
  console.log(`ingest 10,000 services + 10,500 slices (110,000 endpoints): ${ingest.toFixed(0)} ms`);
  timeQueries("A (ClusterIP)", (i) => dns.query(`svc-${i % N}.default.svc.cluster.local`, "A"));
  timeQueries("SRV _http._tcp (ClusterIP)", (i) => dns.query(`_http._tcp.svc-${i % N}.default.svc.cluster.local`, "SRV"));
  timeQueries("A (headless, 20 endpoints)", (i) => dns.query(`hl-${i % 500}.default.svc.cluster.local`, "A"));
  timeQueries("PTR (endpoint IP)", (i) => dns.query(`${i & 255}.${(i >> 8) & 255}.64.10.in-addr.arpa`, "PTR"));
  timeQueries("NXDOMAIN", (i) => dns.query(`missing-${i}.default.svc.cluster.local`, "A"));
  const conf = resolvConf({ pod: { metadata: { namespace: "other" }, spec: {} } });
  timeQueries("glibc walk, 10 queries (miss)", (i) => resolve(`svc-${i % N}`, conf, (n, t) => dns.query(n, t)));
}

main();
