/**
 * Where this installation of kubelab lives, so that `import ... from "kubelab"` resolves to it from any notebook.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** The package root (one implementation for the kernel and the library). */
export { findPackageRoot } from "../src/packageroot";

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
