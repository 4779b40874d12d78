/**
 * File access for the simulation, on Node.js: where the kubelab package lives and reading the
 * manifests under its `datasets/`. A browser bundle gets `files.browser.ts` instead (the package's
 * `browser` field maps one to the other), so no Node built-in reaches the browser through here.
 *
 * @example
 * ```ts
 * readManifestFile("hello-world.yaml"); // → { text: "apiVersion: apps/v1…", shown: "datasets/hello-world.yaml" }
 * ```
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** A manifest file's text and the name errors show for it. */
export interface ManifestFile {
  text: string;
  /** The path relative to the current directory, or absolute when it lies outside it. */
  shown: string;
}

/**
 * Where this installation of kubelab lives: the nearest directory above `from` whose package.json
 * is named "kubelab". Datasets, notebooks, kernelspec assets and the compiled kernel are found
 * relative to it, whether kubelab runs from its repository (`dist/…`) or from node_modules.
 *
 * @example
 * ```ts
 * findPackageRoot(__dirname); // → "/usr/lib/node_modules/kubelab"
 * ```
 */
export function findPackageRoot(from: string = __dirname): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const pj = path.join(dir, "package.json");
    if (fs.existsSync(pj)) {
      try {
        if ((JSON.parse(fs.readFileSync(pj, "utf8")) as { name?: unknown }).name === "kubelab") return dir;
      } catch {
        // an unreadable package.json on the way up is not ours; keep walking
      }
    }
    if (path.dirname(dir) === dir) throw new Error(`no package.json named "kubelab" above ${from}`);
  }
}

/**
 * This package's root (where datasets/ is); the current directory if kubelab is not installed as a package.
 *
 * @example
 * ```ts
 * path.join(packageRoot(), "datasets"); // → "/work/main/datasets"
 * ```
 */
export function packageRoot(): string {
  try {
    return findPackageRoot(__dirname);
  } catch {
    return process.cwd();
  }
}

/**
 * Resolve a manifest path as given, else relative to the package's `datasets/`.
 *
 * @example
 * ```ts
 * resolveManifestPath("shop.yaml"); // → "/work/main/datasets/shop.yaml"
 * ```
 */
export function resolveManifestPath(p: string): string {
  const candidates = [path.resolve(p), path.join(packageRoot(), "datasets", p)];
  for (const c of candidates) if (fs.existsSync(c)) return c;
  throw new Error(`the path "${p}" does not exist (also looked in ${path.join(packageRoot(), "datasets")})`);
}

/**
 * Read a manifest named as a path (as given, else under `datasets/`).
 *
 * @example
 * ```ts
 * readManifestFile("hello-world.yaml").text.startsWith("apiVersion"); // → true
 * ```
 */
export function readManifestFile(p: string): ManifestFile {
  const resolved = resolveManifestPath(p);
  const shown = path.relative(process.cwd(), resolved) || resolved;
  return { text: fs.readFileSync(resolved, "utf8"), shown: shown.startsWith("..") ? resolved : shown };
}
