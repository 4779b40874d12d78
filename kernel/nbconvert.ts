/**
 * Install the `kubelab` nbconvert template next to the kernelspec (same Jupyter data directory),
 * so `jupyter nbconvert --to html --template kubelab` keeps the SVG charts and diagrams that
 * Debian's nbconvert 6.5 would otherwise empty (see kernel/nbconvert/kubelab/index.html.j2).
 *
 * @example
 * ```ts
 * installNbconvertTemplate("/usr/local/share/jupyter"); // → ".../nbconvert/templates/kubelab"
 * ```
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { findPackageRoot } from "./paths";

export function installNbconvertTemplate(jupyterDataDir: string): string {
  const src = path.join(findPackageRoot(__dirname), "kernel", "nbconvert", "kubelab");
  const dir = path.join(jupyterDataDir, "nbconvert", "templates", "kubelab");
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(src)) fs.copyFileSync(path.join(src, f), path.join(dir, f));
  return dir;
}
