/**
 * Control-plane benchmark: build a cluster, apply Deployments + Services, settle, and report
 * wall time, CPU time, virtual time, trace events and peak memory.
 *
 * Run: `npm run build && node --min-semi-space-size=128 --max-semi-space-size=128 --max-old-space-size=20000 dist/bench/cluster.js [small|large|all|tenth|…]`
 *   small: 500 nodes / 2,000 Services / 20,000 pods (target < 20 s)
 *   large: Kubernetes' published limits, 5,000 nodes / 10,000 Services / 150,000 pods (target < 60 s, 8 GB)
 *
 * Virtual time is hours at this scale because controllers are rate-limited as real ones are
 * (20 QPS per kube-controller-manager controller): pods come up at ~10 a second. A 128 MB young
 * generation lets most of each write's short-lived objects die before a scavenge copies them.
 */
import { Cluster } from "../src/cluster";
import type { Deployment, KubeObject, Service } from "../src/api/types";

interface Scenario {
  name: string;
  nodes: number;
  services: number;
  pods: number;
}

const scenarios: Record<string, Scenario> = {
  tiny: { name: "50 nodes / 100 Services / 1,000 pods", nodes: 50, services: 100, pods: 1000 },
  medium: { name: "200 nodes / 500 Services / 5,000 pods", nodes: 200, services: 500, pods: 5000 },
  small: { name: "500 nodes / 2,000 Services / 20,000 pods", nodes: 500, services: 2000, pods: 20000 },
  wide: { name: "5,000 nodes / 2,000 Services / 20,000 pods", nodes: 5000, services: 2000, pods: 20000 },
  tenth: { name: "5,000 nodes / 1,000 Services / 15,000 pods (a tenth of large's workload)", nodes: 5000, services: 1000, pods: 15000 },
  large: { name: "5,000 nodes / 10,000 Services / 150,000 pods", nodes: 5000, services: 10000, pods: 150000 },
};

function workload(services: number, pods: number): KubeObject[] {
  const out: KubeObject[] = [];
  const per = Math.floor(pods / services);
  let extra = pods - per * services;
  for (let i = 0; i < services; i++) {
    const app = `app-${i}`;
    const replicas = per + (extra-- > 0 ? 1 : 0);
    const d: Deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: app },
      spec: {
        replicas,
        selector: { matchLabels: { app } },
        template: { metadata: { labels: { app } }, spec: { containers: [{ name: "web", image: "nginx:1.27", ports: [{ containerPort: 8080 }], resources: { requests: { cpu: "10m", memory: "16Mi" } } }] } },
      },
    };
    const s: Service = { apiVersion: "v1", kind: "Service", metadata: { name: app }, spec: { selector: { app }, ports: [{ name: "http", port: 80, targetPort: 8080 }] } };
    out.push(d, s);
  }
  return out;
}

function run(s: Scenario): void {
  let peak = 0;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const t0 = process.hrtime.bigint();
  const cluster = new Cluster({ nodes: s.nodes, seed: 1, clusterCIDR: "10.0.0.0/8", nodeResources: { pods: 110, cpu: "32", memory: "128Gi" } });
  const t1 = process.hrtime.bigint();
  cluster.apply(workload(s.services, s.pods));
  const t2 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  cluster.settle();
  const cpu = process.cpuUsage(cpu0);
  const t3 = process.hrtime.bigint();
  peak = Math.max(peak, process.memoryUsage().rss);
  clearInterval(sample);
  const running = cluster.api.list("Pod").filter((p) => p.status?.phase === "Running").length;
  const ms = (a: bigint, b: bigint): string => (Number(b - a) / 1e6).toFixed(0).padStart(7) + " ms";
  console.log(`\n${s.name}`);
  console.log(`  bootstrap (nodes join)      ${ms(t0, t1)}`);
  console.log(`  apply (validate + create)   ${ms(t1, t2)}`);
  console.log(`  settle                      ${ms(t2, t3)}`);
  console.log(`  settle CPU (all threads)    ${((cpu.user + cpu.system) / 1000).toFixed(0).padStart(7)} ms`);
  console.log(`  total                       ${ms(t0, t3)}`);
  console.log(`  peak RSS                    ${(peak / 2 ** 30).toFixed(2).padStart(7)} GiB`);
  console.log(`  pods running                ${String(running).padStart(7)}`);
  console.log(`  trace events                ${String(cluster.trace.recorded).padStart(7)}`);
  console.log(`  tasks run                   ${String(cluster.ctx.loop.executed).padStart(7)}`);
  console.log(`  virtual time                ${(cluster.now / 1000).toFixed(1).padStart(7)} s`);
  // The data path is built once per cluster state: a second traffic() on an unchanged cluster
  // reuses the world and every node's compiled rules, and only walks the connections.
  const t4 = process.hrtime.bigint();
  cluster.traffic({ from: "node/node-1", to: "app-0:80", connections: 100 });
  const t5 = process.hrtime.bigint();
  cluster.traffic({ from: "node/node-1", to: "app-0:80", connections: 100 });
  const t6 = process.hrtime.bigint();
  console.log(`  traffic(), 100 connections  ${ms(t4, t5)} first, ${ms(t5, t6).trim()} again (unchanged cluster)`);
}

const which = process.argv[2] ?? "small";
for (const k of which === "all" ? ["small", "large"] : [which]) {
  const s = scenarios[k];
  if (!s) throw new Error(`unknown scenario ${k}: use ${Object.keys(scenarios).join(", ")}, all`);
  run(s);
}
