/**
 * Registering the kernel with Jupyter: writes a kernelspec directory (kernel.json + logos) whose argv runs
 * this installation's node on this installation's kernel (`kubelab install`).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { findPackageRoot } from "./paths";

/** Where and under which name to install the kernelspec. */
export interface InstallOptions {
  /** Per-user kernels (`~/.local/share/jupyter/kernels`, or `$JUPYTER_DATA_DIR/kernels`). */
  user?: boolean;
  /** The kernels of the Python environment `python3` runs in (`sys.prefix/share/jupyter/kernels`). */
  sysPrefix?: boolean;
  /** `<prefix>/share/jupyter/kernels`. */
  prefix?: string;
  /** Kernel name (directory name), default `kubelab`. */
  name?: string;
  /** Display name, default `kubelab (TypeScript)`. */
  displayName?: string;
}

/** The content of a kernelspec's kernel.json. */
export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: "message" | "signal";
  metadata: Record<string, unknown>;
}

/**
 * The kernelspec for this installation: node's absolute path and the kernel's `main.js` next to this file.
 *
 * @example
 * ```ts
 * kernelSpec().argv; // → ["/usr/bin/node", "/opt/kubelab/dist/kernel/main.js", "{connection_file}"]
 * ```
 */
export function kernelSpec(displayName = "kubelab (TypeScript)"): KernelSpec {
  return {
    argv: [process.execPath, path.join(__dirname, "main.js"), "{connection_file}"],
    display_name: displayName,
    language: "typescript",
    interrupt_mode: "message",
    metadata: { debugger: false },
  };
}

/** Jupyter's per-user data directory, as jupyter_core computes it. */
function userDataDir(): string {
  if (process.env["JUPYTER_DATA_DIR"]) return process.env["JUPYTER_DATA_DIR"];
  if (process.platform === "darwin") return path.join(os.homedir(), "Library", "Jupyter");
  if (process.platform === "win32") return path.join(process.env["APPDATA"] ?? os.homedir(), "jupyter");
  return path.join(process.env["XDG_DATA_HOME"] ?? path.join(os.homedir(), ".local", "share"), "jupyter");
}

/**
 * The kernels directory a set of options selects. Without options: per-user, or the system directory
 * (`/usr/local/share/jupyter/kernels`) when running as root, like `jupyter kernelspec install`.
 *
 * @example
 * ```ts
 * kernelsDir({ prefix: "/tmp/j" }); // → "/tmp/j/share/jupyter/kernels"
 * ```
 */
export function kernelsDir(opts: InstallOptions = {}): string {
  const chosen = [opts.user, opts.sysPrefix, opts.prefix !== undefined].filter(Boolean).length;
  if (chosen > 1) throw new Error("kubelab install: choose one of --user, --sys-prefix, --prefix");
  if (opts.prefix !== undefined) return path.join(path.resolve(opts.prefix), "share", "jupyter", "kernels");
  if (opts.sysPrefix) {
    let prefix: string;
    try {
      prefix = execFileSync("python3", ["-c", "import sys; print(sys.prefix)"], { encoding: "utf8" }).trim();
    } catch (e) {
      throw new Error(`kubelab install --sys-prefix: cannot run python3 to find sys.prefix (${(e as Error).message})`);
    }
    return path.join(prefix, "share", "jupyter", "kernels");
  }
  if (opts.user || process.platform === "win32" || process.getuid?.() !== 0) return path.join(userDataDir(), "kernels");
  return "/usr/local/share/jupyter/kernels";
}

/**
 * Installs the kernelspec and returns its directory.
 *
 * @example
 * ```ts
 * installKernelspec({ user: true }); // → "/home/me/.local/share/jupyter/kernels/kubelab"
 * ```
 */
export function installKernelspec(opts: InstallOptions = {}): string {
  const name = opts.name ?? "kubelab";
  if (!/^[a-z0-9._-]+$/i.test(name)) throw new Error(`kubelab install: invalid kernel name ${JSON.stringify(name)} (letters, digits, . _ - only)`);
  const dir = path.join(kernelsDir(opts), name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(kernelSpec(opts.displayName), null, 2) + "\n");
  const assets = path.join(findPackageRoot(__dirname), "kernel", "kernelspec");
  if (fs.existsSync(assets)) {
    for (const f of fs.readdirSync(assets)) {
      if (/^logo-.*\.(png|svg)$/.test(f)) fs.copyFileSync(path.join(assets, f), path.join(dir, f));
    }
  }
  return dir;
}
