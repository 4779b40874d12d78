/**
 * Data-path benchmark: simulated new connections per second through a ClusterIP's rules (a
 * 3-endpoint Service alone, and the same Service among 10,000), and the rules the kernel
 * evaluates per new connection in iptables, IPVS and nftables mode at 10/100/1,000/10,000 Services.
 *
 * Run: `npm run build && node dist/bench/datapath.js`
 *
 * @example
 * ```ts
 * import { main } from "./datapath";
 * main();
 * ```
 */
import { performance } from "node:perf_hooks";
import { Datapath } from "../src/net/datapath";
import { simulateTraffic } from "../src/net/traffic";
import type { NetWorld } from "../src/net/world";
import { Rng } from "../src/sim/rng";
import { clusterIPOf, manyServices, proxiedWorld } from "../test/net/cluster";

function connectionsPerSecond(world: NetWorld, ip: string, connections: number): { perSecond: number; perCpuSecond: number; rules: number } {
  const dp = new Datapath(world); // parse + compile once, outside the timed loop
  simulateTraffic(world, { from: { pod: "default/client" }, to: { ip, port: 80 }, connections: 20_000, rng: new Rng(1), datapath: dp }); // warm up
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const r = simulateTraffic(world, { from: { pod: "default/client" }, to: { ip, port: 80 }, connections, rng: new Rng(2), datapath: dp });
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (r.succeeded !== connections) throw new Error(`bench: ${connections - r.succeeded} connections failed: ${JSON.stringify(r.failures)}`);
  return { perSecond: connections / s, perCpuSecond: connections / cpuSeconds, rules: r.rulesEvaluatedPerConnection };
}

/** Print the figures. */
export function main(): void {
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  console.log("data path: simulated new connections through a ClusterIP (pod → Service, 3 endpoints)");
  for (const [mode, services] of [["iptables", 1], ["iptables", 10_000], ["ipvs", 1], ["ipvs", 10_000], ["nftables", 1], ["nftables", 10_000]] as const) {
    const t0 = performance.now();
    const world = proxiedWorld(mode, manyServices(services));
    new Datapath(world);
    const build = (performance.now() - t0) / 1000;
    // The first Service's rule is near the top of KUBE-SERVICES; the last one is at the bottom.
    for (const which of services > 1 ? ["first", "last"] : ["only"]) {
      const ip = clusterIPOf(which === "last" ? services - 1 : 0);
      const n = mode === "iptables" && services > 1 && which === "last" ? 200_000 : 1_000_000;
      const r = connectionsPerSecond(world, ip, n);
      console.log(
        `  ${mode.padEnd(8)} ${String(services).padStart(6)} Services, ${which.padEnd(5)} Service: ${fmt(r.perSecond).padStart(10)} connections/s ` +
          `(${fmt(r.perCpuSecond)} per CPU-second), ` +
          `${r.rules.toFixed(1)} rules/connection (world build + parse ${build.toFixed(2)} s)`,
      );
    }
  }
  console.log("rules evaluated per new connection (mean over ClusterIPs spread through the table, pod → Service)");
  console.log("  Services   iptables       ipvs   nftables");
  for (const services of [10, 100, 1000, 10_000]) {
    const row: string[] = [];
    for (const mode of ["iptables", "ipvs", "nftables"] as const) {
      const world = proxiedWorld(mode, manyServices(services));
      const dp = new Datapath(world);
      let total = 0;
      const samples = 20;
      for (let k = 0; k < samples; k++) {
        const idx = Math.floor(((k + 0.5) / samples) * services);
        total += simulateTraffic(world, { from: { pod: "default/client" }, to: { ip: clusterIPOf(idx), port: 80 }, connections: 100, rng: new Rng(k), datapath: dp }).rulesEvaluatedPerConnection;
      }
      row.push((total / samples).toFixed(1).padStart(10));
    }
    console.log(`  ${String(services).padStart(8)} ${row.join(" ")}`);
  }
}

if (require.main === module) main();
