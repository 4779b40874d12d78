/**
 * Where this installation of kubelab lives, so that `import ... from "kubelab"` resolves to it from any notebook.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Walks up from `from` to the directory whose package.json is named `kubelab`.
 * Throws when there is none (the kernel was copied out of its package).
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
    if (path.dirname(dir) === dir) throw new Error(`kubelab kernel: no package.json named "kubelab" above ${from}`);
  }
}

/**
 * The entry points of the kubelab package: its compiled JavaScript and its type declarations.
 *
 * @example
 * ```ts
 * kubelabEntry(findPackageRoot()).types; // → ".../dist/src/index.d.ts"
 * ```
 */
export function kubelabEntry(root: string): { main: string; types: string } {
  const pj = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { main?: string; types?: string };
  return {
    main: path.join(root, pj.main ?? "dist/src/index.js"),
    types: path.join(root, pj.types ?? "dist/src/index.d.ts"),
  };
}
