/**
 * The real judge of a picture is a browser: every SVG we emit must decode as an image (the way
 * nbconvert's HTML and GitHub show `image/svg+xml`) and draw something, and each Vega-Lite spec
 * must compile and render in the browser builds of vega/vega-lite (what JupyterLab's renderer
 * runs) without console errors. Runs headless Chromium (Debian package `chromium`).
 */
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  sequenceBundle,
  topologyBundle,
  trafficChart,
  scalingChart,
  externalPolicyChart,
  ruleCostChart,
  type Chart,
} from "../../src/render";
import { longTrace, deploymentTrace, traffic, node, pod, service, slice, EVIL } from "./fixtures";
import { findPackageRoot } from "../../src/packageroot";

function repoRoot(): string {
  return findPackageRoot(__dirname);
}

function chromiumBinary(): string {
  for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
    const r = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  throw new Error("headless Chromium not found: install the Debian package `chromium` (apt-get install -y --no-install-recommends chromium)");
}

interface PageResult {
  images: Record<string, { w: number; h: number; ink: number }>;
  charts: Record<string, { marks: number; svgBytes: number }>;
  errors: string[];
}

describe("render: pictures in headless Chromium", function () {
  this.timeout(180_000);
  let result: PageResult;
  const charts: Record<string, Chart> = {
    traffic: trafficChart(traffic(100)),
    scaling: scalingChart([{ label: "2", result: traffic(2) }, { label: "4", result: traffic(4) }]),
    policy: externalPolicyChart({ label: "Cluster", result: traffic(6) }, { label: "Local", result: { ...traffic(3), failures: [{ reason: "no local endpoint", count: 100 }] } }),
    rules: ruleCostChart([10, 100].flatMap((n) => [{ services: n, mode: "iptables", rules: n + 2 }, { services: n, mode: "ipvs", rules: 1 }])),
  };

  before(async () => {
    const chromium = chromiumBinary();
    const root = repoRoot();
    const svgs: Record<string, string> = {
      seq10: sequenceBundle(deploymentTrace(1, 1).slice(0, 10))["image/svg+xml"],
      seq500: sequenceBundle(longTrace(500), { groupByObject: true, title: EVIL })["image/svg+xml"],
      topology: topologyBundle({
        nodes: [node("node-1", "172.18.0.3")],
        pods: [pod("web-1", { node: "node-1", ip: "10.244.1.5" })],
        services: [service("web", { clusterIP: "10.96.0.12", ports: [{ port: 80 }] })],
        endpointSlices: [slice("web-abc", ["10.244.1.5"], [80])],
      })["image/svg+xml"],
    };
    const specs: Record<string, unknown> = {};
    for (const [name, chart] of Object.entries(charts)) {
      svgs[`chart-${name}`] = (await chart.bundle())["image/svg+xml"];
      specs[name] = chart.spec;
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-render-"));
    try {
      const page = path.join(dir, "page.html");
      const json = (x: unknown) => JSON.stringify(x).replace(/</g, "\\u003c");
      fs.writeFileSync(
        page,
        `<!doctype html><html><body><pre id="out">pending</pre>
<script>window.__errors = []; const ce = console.error; console.error = (...a) => { window.__errors.push(a.map(String).join(" ")); ce(...a); };
window.addEventListener("error", (e) => window.__errors.push(String(e.message)));</script>
<script src="file://${root}/node_modules/vega/build/vega.min.js"></script>
<script src="file://${root}/node_modules/vega-lite/build/vega-lite.min.js"></script>
<script>
const SVGS = ${json(svgs)};
const SPECS = ${json(specs)};
async function main() {
  const images = {}, charts = {};
  for (const [name, svg] of Object.entries(SVGS)) {
    const img = new Image();
    img.src = "data:image/svg+xml;base64," + btoa(unescape(encodeURIComponent(svg)));
    await img.decode();
    const c = document.createElement("canvas");
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    const ctx = c.getContext("2d");
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200)) ink++;
    images[name] = { w: c.width, h: c.height, ink };
  }
  for (const [name, spec] of Object.entries(SPECS)) {
    const el = document.createElement("div");
    document.body.appendChild(el);
    const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "svg", container: el, hover: true });
    await view.runAsync();
    charts[name] = { marks: el.querySelectorAll("g.role-mark > path").length, svgBytes: el.innerHTML.length };
  }
  document.getElementById("out").textContent = JSON.stringify({ images, charts, errors: window.__errors });
}
main().catch((e) => { document.getElementById("out").textContent = JSON.stringify({ images: {}, charts: {}, errors: [String(e && e.stack || e)] }); });
</script></body></html>`,
      );
      const dom = execFileSync(
        chromium,
        ["--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files", "--virtual-time-budget=20000", "--dump-dom", `file://${page}`],
        { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 150_000, maxBuffer: 64 << 20 },
      );
      const m = /<pre id="out">([\s\S]*?)<\/pre>/.exec(dom);
      assert.ok(m, "no result in the page");
      const text = m[1]!.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
      assert.notEqual(text, "pending", "the page script did not finish");
      result = JSON.parse(text) as PageResult;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs without console errors", () => {
    assert.deepEqual(result.errors, []);
  });

  for (const name of ["seq10", "seq500", "topology", "chart-traffic", "chart-scaling", "chart-policy", "chart-rules"]) {
    it(`${name}: the SVG decodes as an image and draws something`, () => {
      const r = result.images[name];
      assert.ok(r, `no result for ${name}`);
      assert.ok(r.w > 50 && r.h > 50, `size ${r.w}x${r.h}`);
      assert.ok(r.ink > 500, `only ${r.ink} inked pixels`);
    });
  }

  it("each Vega-Lite spec renders in the browser with one mark per data item", () => {
    assert.equal(result.charts["traffic"]!.marks, 200); // 100 bars + 100 expected-share ticks
    assert.equal(result.charts["scaling"]!.marks, 6);
    assert.equal(result.charts["policy"]!.marks, 7); // Cluster: 3 nodes; Local: 3 nodes + (dropped)
    assert.ok(result.charts["rules"]!.marks >= 2);
  });
});
