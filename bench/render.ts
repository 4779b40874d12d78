/**
 * Render benchmarks: a 100-endpoint traffic chart (spec + headless SVG) and a 500-event sequence
 * diagram. Prints figures; asserts nothing (speed is measured here, never in tests).
 *
 * Run: `npm run build && node dist/bench/render.js`
 */
import { performance } from "node:perf_hooks";
import { sequenceBundle, trafficChart, type TrafficChartData } from "../src/render";
import type { TraceEvent } from "../src/sim/trace";

function traffic(n: number): TrafficChartData {
  return {
    byEndpoint: Array.from({ length: n }, (_, i) => ({
      endpoint: `10.244.${i % 3}.${10 + i}:8080`,
      pod: `default/web-7d4b9c8f5-${String(i).padStart(5, "a")}`,
      node: `node-${(i % 3) + 1}`,
      count: 100 + (i % 7),
      requests: 100 + (i % 7),
      expectedShare: 1 / n,
    })),
    total: n * 103,
    failures: [],
  };
}

function trace(n: number): TraceEvent[] {
  const comps = ["kubectl", "kube-apiserver", "etcd", "replicaset-controller", "kube-scheduler", "kubelet@node-1", "cri@node-1", "kube-proxy@node-2"];
  return Array.from({ length: n }, (_, i) => {
    const from = comps[i % comps.length]!;
    const watch = i % 4 === 2;
    return {
      seq: i,
      t: i * 3,
      from: watch ? "kube-apiserver" : from,
      to: watch ? comps[3 + (i % 5)]! : comps[(i * 7 + 1) % comps.length]!,
      verb: watch ? "watch" : "update",
      object: `pod/default/web-${Math.floor(i / 10)}`,
      detail: watch ? "MODIFIED" : "",
    };
  });
}

async function time(label: string, runs: number, fn: () => unknown): Promise<void> {
  await fn(); // warm-up (module loading, JIT)
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const median = ms[Math.floor(ms.length / 2)]!;
  console.log(`${label.padEnd(48)} median ${median.toFixed(1)} ms  min ${ms[0]!.toFixed(1)} ms  (${runs} runs)`);
}

async function main(): Promise<void> {
  const r100 = traffic(100);
  await time("traffic chart, 100 endpoints (spec + SVG)", 10, () => trafficChart(r100).bundle());
  const t500 = trace(500);
  await time("sequence diagram, 500 events (SVG+text+mermaid)", 20, () => sequenceBundle(t500));
  await time("sequence diagram, 500 events, maxRows 1000", 20, () => sequenceBundle(t500, { maxRows: 1000 }));
}

void main();
