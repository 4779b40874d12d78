/**
 * Test helpers: locating the real tools (failing with the Debian package to install), running them.
 *
 * @example
 * ```ts
 * requireTool("dig", "dnsutils");
 * ```
 */
import { execFileSync } from "node:child_process";

/** Throw (failing the test) when `cmd` is not installed, naming the Debian package that provides it. */
export function requireTool(cmd: string, debianPackage: string): void {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "pipe" });
  } catch {
    throw new Error(`'${cmd}' not found: install the Debian package '${debianPackage}' (apt-get install -y ${debianPackage})`);
  }
}
