// Builds the course as a JupyterLite site into ../build/site: JupyterLab (the extensions listed in
// extensions.json, bundled with rspack and @jupyter/builder's base config and asset helpers), the
// in-browser kubelab kernel (a Web Worker bundled with esbuild from ../src), the lessons and datasets.
import * as fs from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..");
const out = path.resolve(process.env.KUBELAB_SITE_OUT ?? path.join(repo, "build", "site"));
const work = path.join(here, ".build");
const production = process.env.KUBELAB_SITE_DEV !== "1";

const rspack = require("@rspack/core");
const { merge } = require("webpack-merge");
const { Build } = require("@jupyter/builder");
const baseConfig = require("@jupyter/builder/lib/webpack.config.base");
const esbuild = require("esbuild");

const started = Date.now();
const { extensions, mimeExtensions, disabledExtensions } = JSON.parse(fs.readFileSync(path.join(here, "extensions.json"), "utf8"));
const pkg = JSON.parse(fs.readFileSync(path.join(repo, "package.json"), "utf8"));

fs.rmSync(out, { recursive: true, force: true });
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(path.join(out, "build"), { recursive: true });
fs.mkdirSync(work, { recursive: true });

// ---------------------------------------------------------------- the JupyterLab app
// Schemas and themes of the listed extensions, and a style.js that imports their CSS.
const assetConfigs = Build.ensureAssets({ packageNames: [...extensions, ...mimeExtensions], output: work, schemaOutput: path.join(out, "build"), themeOutput: path.join(out, "build") });

/** `require("pkg/sub")` of a plugin package's extension entry, as JupyterLab's app template does. */
function entryOf(name, field) {
  const lab = require(`${name}/package.json`).jupyterlab ?? {};
  const entry = lab[field];
  return entry === true || entry === undefined ? name : `${name}/${entry}`;
}
const imports = (names, field) => names.map((n) => `  [${JSON.stringify(n)}, require(${JSON.stringify(entryOf(n, field))})],`).join("\n");
fs.writeFileSync(
  path.join(work, "entry.js"),
  `import "./style.js";
import "../src/style.css";
import { start } from "../src/app.ts";
const extensions = [
${imports(extensions, "extension")}
  ["@kubelab/site", require("../src/kernel/plugin.ts")],
  ["@kubelab/site", require("../src/lessons.ts")],
];
const mimeExtensions = [
${imports(mimeExtensions, "mimeExtension")}
];
start(extensions, mimeExtensions, ${JSON.stringify(disabledExtensions)});
`,
);

fs.writeFileSync(path.join(work, "bootstrap.js"), `import("./entry.js").catch((e) => { console.error(e); document.body.textContent = "kubelab: the app failed to load: " + e; });\n`);

const swcTs = { loader: "builtin:swc-loader", options: { jsc: { parser: { syntax: "typescript" }, target: "es2022" } } };
const appConfig = merge(baseConfig, {
  mode: production ? "production" : "development",
  devtool: production ? false : "source-map",
  context: here,
  // A tiny entry that loads the app as an async chunk, so the page needs one script tag whatever the split.
  entry: { "lab/bundle": path.join(work, "bootstrap.js") },
  // One yjs: its CommonJS and ES builds loaded side by side are two libraries ("Not same Y.Doc").
  resolve: { extensions: [".ts", ".js"], fallback: { util: false }, alias: { yjs$: require.resolve("yjs").replace(/yjs\.cjs$/, "yjs.mjs") } },
  output: {
    path: path.join(out, "build"),
    publicPath: "auto",
    filename: "[name].[contenthash:7].js",
    chunkFilename: "[name].[contenthash:7].js",
    assetModuleFilename: "[name].[contenthash:7][ext]",
    clean: false,
  },
  module: {
    rules: [
      { test: /\.ts$/, exclude: /node_modules/, use: [swcTs], type: "javascript/auto" },
      { test: /\.(jpe?g|png|gif|ico|eot|ttf|map|woff2?)(\?v=\d+\.\d+\.\d+)?$/i, type: "asset/resource" },
    ],
  },
  optimization: {
    moduleIds: "deterministic",
    splitChunks: { chunks: "all", cacheGroups: { jlab_core: { test: /[\\/]node_modules[\\/]@(jupyterlab|lumino(?!\/datagrid))[\\/]/, name: "jlab_core" } } },
  },
  performance: { hints: false },
  ignoreWarnings: [/license/, /Critical dependency/],
  stats: "errors-warnings",
});

function compile(configs) {
  return new Promise((resolve, reject) => {
    rspack.rspack(configs, (err, stats) => {
      if (err) return reject(err);
      const info = stats.toJson({ all: false, errors: true, warnings: true });
      if (stats.hasErrors()) return reject(new Error(info.errors.map((e) => e.message).join("\n")));
      for (const w of info.warnings ?? []) console.warn(w.message.split("\n")[0]);
      resolve(stats);
    });
  });
}

// ---------------------------------------------------------------- the kernel worker
const datasets = Object.fromEntries(
  fs.readdirSync(path.join(repo, "datasets")).filter((f) => /\.(ya?ml|json)$/.test(f)).sort().map((f) => [f, fs.readFileSync(path.join(repo, "datasets", f), "utf8")]),
);
// kubelab's own declarations, for the in-browser type checker (from `npm run build` in the repo).
const dtsRoot = path.join(repo, "dist", "src");
const declarations = {};
(function walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith(".d.ts")) declarations[path.relative(dtsRoot, p).split(path.sep).join("/")] = fs.readFileSync(p, "utf8");
  }
})(dtsRoot);
const tsLib = path.dirname(require.resolve("typescript/lib/lib.d.ts"));
const libs = {};
for (const f of fs.readdirSync(tsLib)) if (/^lib\.(es5|es20\d\d(\.[a-z]+)*|decorators(\.legacy)?|webworker(\.importscripts)?)\.d\.ts$/.test(f)) libs[f] = fs.readFileSync(path.join(tsLib, f), "utf8");

async function buildWorker() {
  const r = await esbuild.build({
    entryPoints: [path.join(here, "src", "kernel", "worker.ts")],
    outfile: path.join(out, "build", "kubelab-kernel.js"),
    bundle: true,
    platform: "browser",
    format: "iife",
    target: "es2022",
    minify: production,
    sourcemap: production ? false : "linked",
    metafile: true,
    legalComments: "none",
    alias: { kubelab: path.join(repo, "src", "index.ts") },
    define: {
      KUBELAB_DATASETS: JSON.stringify(datasets),
      KUBELAB_DECLARATIONS: JSON.stringify(declarations),
      KUBELAB_TS_LIBS: JSON.stringify(libs),
      KUBELAB_VERSION: JSON.stringify(pkg.version),
    },
    logLevel: "warning",
  });
  const bad = Object.keys(r.metafile.inputs).filter((i) => i.startsWith("node:"));
  if (bad.length) throw new Error(`Node built-ins in the kernel worker: ${bad.join(", ")}`);
  return r;
}

// ---------------------------------------------------------------- pages, config and contents
function writeStatic() {
  const copy = (from, to) => {
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(from, to);
  };
  for (const f of fs.readdirSync(path.join(here, "static"), { recursive: true })) {
    const src = path.join(here, "static", f);
    if (fs.statSync(src).isFile()) copy(src, path.join(out, f));
  }
  copy(path.join(repo, "kernel", "kernelspec", "logo-64x64.png"), path.join(out, "build", "kubelab-logo-64x64.png"));
  copy(path.join(repo, "kernel", "kernelspec", "logo-32x32.png"), path.join(out, "build", "kubelab-logo-32x32.png"));

  // Settings schemas, compiled into one file as JupyterLite's settings service reads them.
  const schemaDir = path.join(out, "build", "schemas");
  const all = [];
  for (const pkgDir of walkDirs(schemaDir)) {
    const orig = path.join(pkgDir, "package.json.orig");
    if (!fs.existsSync(orig)) continue;
    const version = JSON.parse(fs.readFileSync(orig, "utf8")).version;
    for (const f of fs.readdirSync(pkgDir).filter((n) => n.endsWith(".json")).sort()) {
      const id = `${path.relative(schemaDir, pkgDir).split(path.sep).join("/")}:${f.slice(0, -5)}`;
      all.push({ id, raw: "{}", schema: JSON.parse(fs.readFileSync(path.join(pkgDir, f), "utf8")), settings: {}, version });
    }
  }
  fs.writeFileSync(path.join(schemaDir, "all.json"), JSON.stringify(all));
  fs.writeFileSync(path.join(schemaDir, "all_federated.json"), "[]"); // no federated extensions

  const builtAt = new Date().toISOString();
  // No translations: English only (JupyterLite's translator asks for these).
  fs.mkdirSync(path.join(out, "api", "translations"), { recursive: true });
  fs.writeFileSync(path.join(out, "api", "translations", "all.json"), JSON.stringify({ data: { en: { displayName: "English", nativeName: "English" } }, message: "" }));
  fs.writeFileSync(path.join(out, "api", "translations", "en.json"), JSON.stringify({ data: {}, message: "" }));
  // The lessons and the datasets, as JupyterLite's contents service reads them (files/ + api/contents/…/all.json).
  const lessons = fs.readdirSync(path.join(repo, "notebooks")).filter((f) => f.endsWith(".ipynb")).sort();
  const entry = (name, dir, type, text) => ({
    name,
    path: dir ? `${dir}/${name}` : name,
    type,
    format: null,
    mimetype: type === "notebook" ? "application/x-ipynb+json" : type === "directory" ? null : "text/x-yaml",
    content: null,
    writable: true,
    created: builtAt,
    last_modified: builtAt,
    size: text === undefined ? null : Buffer.byteLength(text),
  });
  const listing = (dir, content) => ({ ...entry("", dir, "directory"), name: path.basename(dir), path: dir, content, format: "json" });
  const root = [];
  for (const f of lessons) {
    const text = fs.readFileSync(path.join(repo, "notebooks", f), "utf8");
    copy(path.join(repo, "notebooks", f), path.join(out, "files", f));
    root.push(entry(f, "", "notebook", text));
  }
  root.push(entry("datasets", "", "directory"));
  const ds = Object.entries(datasets).map(([f, text]) => {
    fs.mkdirSync(path.join(out, "files", "datasets"), { recursive: true });
    fs.writeFileSync(path.join(out, "files", "datasets", f), text);
    return entry(f, "datasets", "file", text);
  });
  fs.mkdirSync(path.join(out, "api", "contents", "datasets"), { recursive: true });
  fs.writeFileSync(path.join(out, "api", "contents", "all.json"), JSON.stringify(listing("", root)));
  fs.writeFileSync(path.join(out, "api", "contents", "datasets", "all.json"), JSON.stringify(listing("datasets", ds)));
  fs.writeFileSync(path.join(out, "api", "lessons.json"), JSON.stringify(lessons));
}

function* walkDirs(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const p = path.join(dir, e.name);
    yield p;
    yield* walkDirs(p);
  }
}

// Loaders (css-loader, style-loader) are site/'s dependencies: resolve them there whatever the cwd.
const resolveLoader = { modules: [path.join(here, "node_modules"), "node_modules"] };
const [stats, worker] = await Promise.all([compile([appConfig, ...assetConfigs].map((c) => ({ ...c, resolveLoader }))), buildWorker()]);
void stats;
writeStatic();
const bundle = fs.readdirSync(path.join(out, "build", "lab")).find((f) => /^bundle\.[0-9a-f]+\.js$/.test(f));
if (!bundle) throw new Error("rspack wrote no lab/bundle.*.js");
const labHtml = path.join(out, "lab", "index.html");
fs.writeFileSync(labHtml, fs.readFileSync(labHtml, "utf8").replace("{{bundle}}", `../build/lab/${bundle}`).replace(/\{\{version\}\}/g, pkg.version));
console.log(`site built in ${((Date.now() - started) / 1000).toFixed(1)} s → ${path.relative(process.cwd(), out) || out} (worker ${(fs.statSync(path.join(out, "build", "kubelab-kernel.js")).size / 1e6).toFixed(1)} MB)`);
void worker;
