/**
 * The flow pictures on a real cluster: a packet's walk through the chains (in the order it meets
 * them, with DNAT, routing and the reply's un-DNAT), the load balancer's health checks and SNAT
 * under externalTrafficPolicy Cluster vs Local, and the resolver's search walk.
 */
import * as assert from "node:assert/strict";
import { Cluster } from "../../src/cluster";

const DISPLAY = Symbol.for("Jupyter.display");

function show(x: unknown): Record<string, string> {
  return (x as Record<symbol, () => Record<string, string>>)[DISPLAY]!();
}

/** Texts of the SVG in document order (pills, tags, step text), entities decoded. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>(?:<title>[^<]*<\/title>)?([^<]*)</g)].map((m) => m[1]!.replace(/&gt;/g, ">").replace(/&lt;/g, "<").replace(/&amp;/g, "&").replace(/&quot;/g, '"').replace(/&#39;/g, "'"));
}

function assertFits(svg: string): void {
  const width = Number(/^<svg [^>]*width="(\d+)"/.exec(svg)![1]);
  assert.ok(width <= 840, `width ${width}`);
  const sizes = [...svg.matchAll(/font-size="([\d.]+)"/g)].map((m) => Number(m[1]));
  assert.ok(sizes.every((s) => s >= 11), `font sizes ${sizes.join(",")}`);
}

describe("render/flow: packet, load balancer and resolver pictures", function () {
  this.timeout(60_000);
  let cluster: Cluster;
  before(() => {
    cluster = new Cluster({ nodes: 3, seed: 11 });
    cluster.apply("hello-world.yaml");
    cluster.apply("service-types.yaml");
    cluster.apply("client.yaml");
    cluster.settle();
  });

  it("a packet to a ClusterIP: the chains in the order it meets them, DNAT, the route to the pod's node, the reply un-DNATed", () => {
    const b = show(cluster.packet({ from: "pod/client", to: "hello-world:80" }));
    assert.deepEqual(Object.keys(b).sort(), ["image/svg+xml", "text/plain"]);
    const svg = b["image/svg+xml"]!;
    assert.match(svg, /^<svg [^>]*class="kubelab-packet"/);
    assertFits(svg);
    const t = texts(svg);
    const at = (re: RegExp): number => t.findIndex((s) => re.test(s));
    const order = [/^PREROUTING #1$/, /^KUBE-SERVICES #\d+$/, /^KUBE-SVC-[A-Z2-7]{16} #\d+$/, /^KUBE-SEP-[A-Z2-7]{16} #\d+$/, /^DNAT to 10\.244\.\d+\.\d+:80$/];
    const idx = order.map(at);
    assert.ok(idx.every((i) => i >= 0), `missing: ${order.filter((_, k) => idx[k]! < 0).join(", ")} in ${t.join(" | ")}`);
    assert.deepEqual([...idx].sort((a, b) => a - b), idx, "chains out of order");
    assert.ok(at(/^route$/) > idx[4]!, "the route comes after DNAT");
    assert.ok(t.some((s) => /via 172\.18\.0\.\d+ dev eth0/.test(s)) || t.some((s) => /scope link/.test(s)));
    assert.ok(at(/un-DNAT$/) > 0, "the reply is translated back");
    assert.ok(t.some((s) => /The client sees the reply from 10\.\d+\.\d+\.\d+:80, the address it connected to/.test(s)));
    // The rule is in the tooltip of its pill.
    assert.match(svg, /<title>-A KUBE-SVC-[A-Z2-7]{16} [^<]*--probability/);
  });

  it("externalTrafficPolicy Cluster: any node, MASQUERADE, the pod sees a node's address", () => {
    const svg = show(cluster.packet({ from: { external: "198.51.100.7" }, to: { service: "hello-lb-cluster", via: "loadBalancer" } }))["image/svg+xml"]!;
    assertFits(svg);
    const t = texts(svg);
    assert.match(svg, /<g class="section" data-title="load balancer 203\.0\.113\.\d+">/);
    // The cloud LB's pool: the three workers (the control plane is excluded from load balancers).
    assert.equal(t.filter((s) => /no health check: externalTrafficPolicy Cluster/.test(s)).length, 3, t.join(" | "));
    assert.ok(t.includes("MASQUERADE"));
    assert.ok(t.some((s) => /source IP was lost to SNAT/.test(s)) || svg.includes("source IP was lost"), "says the source IP is lost");
  });

  it("externalTrafficPolicy Local: health checks answer 200 only where a pod runs, no SNAT, the pod sees the client", () => {
    cluster.scale("deployment/hello-world", 2).settle();
    const svg = show(cluster.packet({ from: { external: "198.51.100.7" }, to: { service: "hello-lb-local", via: "loadBalancer" } }))["image/svg+xml"]!;
    assertFits(svg);
    const t = texts(svg);
    const checks = t.filter((s) => /^GET :\d+\/healthz → (200|503)/.test(s));
    assert.equal(checks.length, 3, t.join(" | "));
    const podNodes = new Set(cluster.pods({ selector: { app: "hello" } }).map((p) => p.spec.nodeName));
    assert.equal(checks.filter((s) => s.includes("→ 200")).length, podNodes.size);
    assert.ok(checks.some((s) => s.includes("→ 503")));
    assert.ok(!t.includes("MASQUERADE"));
    assert.ok(svg.includes("from 198.51.100.7:40000"), "the pod sees the client's own address");
    cluster.scale("deployment/hello-world", 4).settle();
  });

  it("the resolver's search walk: resolv.conf, the ndots rule, each query with NXDOMAIN / answer", () => {
    const b = show(cluster.dns.resolve("google.com", { from: "pod/client" }));
    const svg = b["image/svg+xml"]!;
    assert.match(svg, /^<svg [^>]*class="kubelab-resolver"/);
    assertFits(svg);
    const t = texts(svg);
    assert.ok(t.some((s) => /“google\.com” has 1 dot, fewer than ndots:5: the search domains first/.test(s)), t.join(" | "));
    const queried = t.filter((s) => /\.$/.test(s) && /google\.com\./.test(s));
    assert.deepEqual(queried.slice(0, 4), ["google.com.default.svc.cluster.local.", "google.com.svc.cluster.local.", "google.com.cluster.local.", "google.com."]);
    assert.equal(t.filter((s) => s.startsWith("NXDOMAIN")).length, 3);
    assert.ok(t.some((s) => /^NOERROR → 142\.250\.74\.46$/.test(s)));
    assert.ok(t.includes("→ 142.250.74.46"));
    const missing = texts(show(cluster.dns.resolve("nope", { from: "pod/client" }))["image/svg+xml"]!);
    assert.ok(missing.some((s) => s.startsWith("→ not found")));
  });
});
