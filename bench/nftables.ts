/**
 * How fast one node's kube-proxy rules are generated in each mode, for the same workload as
 * bench/iptables.ts: 10,000 ClusterIP Services × 10 ready endpoints. nftables: the `nft -f`
 * transaction of a full sync and the `nft list table` view; next to it iptables
 * (`iptables-restore` input) and IPVS (virtual servers + ipsets + its iptables rules).
 *
 * Run: `npm run build && node dist/bench/nftables.js`
 *
 * @example
 * ```sh
 * node dist/bench/nftables.js
 * ```
 */
import { syncIptables } from "../src/proxy/iptables";
import { syncIpvs } from "../src/proxy/ipvs";
import { syncNftables } from "../src/proxy/nftables";
import { workload } from "./iptables";

function time<T>(f: () => T): [T, number] {
  const t0 = process.hrtime.bigint();
  const r = f();
  return [r, Number(process.hrtime.bigint() - t0) / 1e6];
}

function median(f: () => void, n = 5): number {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) ms.push(time(f)[1]);
  return ms.sort((a, b) => a - b)[Math.floor(n / 2)]!;
}

/** Print one line per figure. */
export function main(): void {
  const nServices = 10_000;
  const perService = 10;
  const { services, slices } = workload(nServices, perService);
  const node = { name: "node-0", ips: ["192.168.0.10"] };
  const base = { node, services, endpointSlices: slices };

  const [nft, genMs] = time(() => syncNftables({ ...base, config: { clusterCIDR: "10.64.0.0/10", serviceCIDRs: "10.96.0.0/12" } }));
  const [text, textMs] = time(() => nft.ruleset());
  const [list, listMs] = time(() => nft.list());
  const nftWarm = median(() => syncNftables({ ...base, config: { clusterCIDR: "10.64.0.0/10", serviceCIDRs: "10.96.0.0/12" } }).ruleset());
  const iptWarm = median(() => syncIptables({ ...base, config: { clusterCIDR: "10.64.0.0/10" } }).restoreInput());
  const ipvsWarm = median(() => syncIpvs({ ...base, config: { clusterCIDR: "10.64.0.0/10" } }).restoreInput());
  const chains = nft.table.chains.size;
  let rules = 0;
  for (const c of nft.table.chains.values()) rules += c.rules.length;
  let elements = 0;
  for (const s of nft.table.sets.values()) elements += s.elements.size;
  const rows: [string, string][] = [
    ["services × endpoints", `${nServices} × ${perService}`],
    ["nftables chains / rules / map+set elements", `${chains} / ${rules} / ${elements}`],
    ["nft -f transaction size", `${(text.length / 1e6).toFixed(1)} MB, ${text.split("\n").length - 1} lines`],
    ["nftables first sync (cold hash cache)", `${(genMs + textMs).toFixed(0)} ms (generate ${genMs.toFixed(0)} ms + text ${textMs.toFixed(0)} ms)`],
    ["nft list table view", `${listMs.toFixed(0)} ms (${(list.length / 1e6).toFixed(1)} MB)`],
    ["full sync, median of 5: nftables", `${nftWarm.toFixed(0)} ms`],
    ["full sync, median of 5: iptables", `${iptWarm.toFixed(0)} ms`],
    ["full sync, median of 5: ipvs", `${ipvsWarm.toFixed(0)} ms`],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
}

if (require.main === module) main();
