/**
 * File access for the simulation in a browser: there is no file system, so the manifests under
 * `datasets/` are embedded in the bundle at build time and handed over with {@link provideDatasets}.
 * Same exports as `files.ts`, which the package's `browser` field replaces with this module.
 *
 * @example
 * ```ts
 * provideDatasets({ "hello-world.yaml": "apiVersion: apps/v1\n…" });
 * readManifestFile("hello-world.yaml").shown; // → "datasets/hello-world.yaml"
 * ```
 */
import type { ManifestFile } from "./files";
export type { ManifestFile } from "./files";

const datasets = new Map<string, string>();

/**
 * Give the browser build its datasets: file name (relative to `datasets/`) → text.
 *
 * @example
 * ```ts
 * provideDatasets({ "shop.yaml": shopText });
 * ```
 */
export function provideDatasets(files: Readonly<Record<string, string>>): void {
  for (const [name, text] of Object.entries(files)) datasets.set(name, text);
}

/** A name as given or under `datasets/`, without a leading `./`. */
function datasetName(p: string): string {
  return p.trim().replace(/^(\.\/)+/, "").replace(/^datasets\//, "");
}

/**
 * There is no package directory in a browser.
 *
 * @example
 * ```ts
 * findPackageRoot(); // throws
 * ```
 */
export function findPackageRoot(from = "/"): string {
  throw new Error(`no package.json named "kubelab" above ${from} (running in a browser)`);
}

/**
 * The virtual root that datasets are shown under.
 *
 * @example
 * ```ts
 * packageRoot(); // → "/"
 * ```
 */
export function packageRoot(): string {
  return "/";
}

/**
 * The embedded dataset's path, or a Node-style error naming where it looked.
 *
 * @example
 * ```ts
 * resolveManifestPath("shop.yaml"); // → "datasets/shop.yaml"
 * ```
 */
export function resolveManifestPath(p: string): string {
  const name = datasetName(p);
  if (datasets.has(name)) return `datasets/${name}`;
  throw new Error(`the path "${p}" does not exist (also looked in datasets)`);
}

/**
 * Read an embedded manifest.
 *
 * @example
 * ```ts
 * readManifestFile("hello-world.yaml").text.startsWith("apiVersion"); // → true
 * ```
 */
export function readManifestFile(p: string): ManifestFile {
  const shown = resolveManifestPath(p);
  return { text: datasets.get(datasetName(p))!, shown };
}
