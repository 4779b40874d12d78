/**
 * How fast kube-proxy's iptables rules for one node are generated.
 *
 * Workload: 10,000 ClusterIP Services × 10 ready endpoints (100,000 endpoints, so large-cluster
 * mode is on, as it would be in kube-proxy), spread over 100 nodes. For comparison, kube-proxy
 * itself needs 2.84 s for a partial sync at 3,595 Services / 138,792 endpoints.
 *
 * Run: `node .build/proxy/bench/iptables.js` (or from the shared build, `node dist/bench/iptables.js`).
 *
 * @example
 * ```sh
 * node dist/bench/iptables.js
 * ```
 */
import type { EndpointSlice, Service } from "../src/api/types";
import { syncIptables } from "../src/proxy/iptables";

export function workload(nServices: number, perService: number): { services: Service[]; slices: EndpointSlice[] } {
  const services: Service[] = [];
  const slices: EndpointSlice[] = [];
  for (let s = 0; s < nServices; s++) {
    const name = `svc-${s}`;
    services.push({
      apiVersion: "v1",
      kind: "Service",
      metadata: { namespace: "default", name },
      spec: { clusterIP: `10.96.${s >> 8}.${s & 255}`, ports: [{ name: "http", port: 80, protocol: "TCP", targetPort: 8080 }] },
    });
    const endpoints = [];
    for (let e = 0; e < perService; e++) {
      const i = s * perService + e;
      endpoints.push({ addresses: [`10.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`], conditions: { ready: true }, nodeName: `node-${i % 100}` });
    }
    slices.push({
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { namespace: "default", name: `${name}-abcde`, labels: { "kubernetes.io/service-name": name } },
      addressType: "IPv4",
      endpoints,
      ports: [{ name: "http", port: 8080, protocol: "TCP" }],
    });
  }
  return { services, slices };
}

function time<T>(f: () => T): [T, number] {
  const t0 = process.hrtime.bigint();
  const r = f();
  return [r, Number(process.hrtime.bigint() - t0) / 1e6];
}

/** Print one line per figure. */
export function main(): void {
  const nServices = 10_000;
  const perService = 10;
  const { services, slices } = workload(nServices, perService);
  const input = { node: { name: "node-0", ips: ["192.168.0.10"] }, services, endpointSlices: slices, config: { clusterCIDR: "10.64.0.0/10" } };

  const [cold, coldMs] = time(() => syncIptables(input));
  const [text, textMs] = time(() => cold.restoreInput());
  const warm: number[] = [];
  for (let i = 0; i < 5; i++) warm.push(time(() => syncIptables(input).restoreInput())[1]);
  warm.sort((a, b) => a - b);
  const [saved, saveMs] = time(() => cold.save());
  const c = cold.counts;
  const rows: [string, string][] = [
    ["services × endpoints", `${nServices} × ${perService} (${c.endpoints} endpoints, large-cluster mode ${cold.largeClusterMode})`],
    ["nat rules / chains", `${c.natRules} / ${c.natChains}`],
    ["filter rules / chains", `${c.filterRules} / ${c.filterChains}`],
    ["restore input size", `${(text.length / 1e6).toFixed(1)} MB`],
    ["first sync (cold hash cache)", `${(coldMs + textMs).toFixed(0)} ms (generate ${coldMs.toFixed(0)} ms + text ${textMs.toFixed(0)} ms)`],
    ["full sync, median of 5 (warm)", `${warm[2]!.toFixed(0)} ms`],
    ["iptables-save view", `${saveMs.toFixed(0)} ms (${(saved.length / 1e6).toFixed(1)} MB)`],
    ["kube-proxy reference", "2840 ms partial sync at 3,595 Services / 138,792 endpoints"],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
}

if (require.main === module) main();
