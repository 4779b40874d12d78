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
import * as fs from "node:fs";
import * as path from "node:path";

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
