/**
 * Shared helpers of the lessons tests: the real tools they drive (Jupyter, Chromium), with a failure that
 * names the Debian package when one is missing, a kernelspec in a temporary JUPYTER_PATH, and a headless
 * Chromium that records every request leaving file://.
 */
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { installKernelspec } from "../../kernel/install";
import { installNbconvertTemplate } from "../../kernel/nbconvert";
import { findPackageRoot } from "../../src/packageroot";

/** The repository root (the directory with package.json), from both `.build/<area>/` and `dist/`. */
export function repoRoot(): string {
  return findPackageRoot(__dirname);
}

/** The source fixtures (not the compiled directory: the .ipynb files are not compiled). */
export function fixture(name: string): string {
  return path.join(repoRoot(), "test", "tools", "course", "fixtures", name);
}

/**
 * The absolute path of a command, or an error naming the Debian package that provides it.
 *
 * @example
 * ```ts
 * requireCommand("jupyter-nbconvert", "jupyter-nbconvert"); // → "/usr/bin/jupyter-nbconvert"
 * ```
 */
export function requireCommand(cmd: string, debianPackage: string): string {
  const r = spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" });
  if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  throw new Error(`${cmd} not found: install the Debian package ${debianPackage} (apt-get install -y --no-install-recommends ${debianPackage})`);
}

export { freePort } from "../../tools/course/jupyter-client";

/** A temporary directory removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kubelab-lessons-${prefix}-`));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The kubelab kernelspec installed into a temporary prefix, and an environment whose JUPYTER_PATH finds it
 * (with Jupyter's config, data and runtime directories private to the test as well).
 */
export function tempJupyter(): { env: NodeJS.ProcessEnv; home: string; remove: () => void } {
  const t = tempDir("jupyter");
  const spec = installKernelspec({ prefix: path.join(t.dir, "prefix") });
  // What `kubelab install` does besides the kernelspec: the nbconvert template that keeps SVGs.
  installNbconvertTemplate(path.dirname(path.dirname(spec)));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JUPYTER_PATH: path.dirname(path.dirname(spec)),
    JUPYTER_CONFIG_DIR: path.join(t.dir, "config"),
    JUPYTER_DATA_DIR: path.join(t.dir, "data"),
    JUPYTER_RUNTIME_DIR: path.join(t.dir, "runtime"),
    IPYTHONDIR: path.join(t.dir, "ipython"),
    JUPYTER_PLATFORM_DIRS: "1",
  };
  return { env, home: t.dir, remove: t.remove };
}

/** The Chromium flags of the brief: no sandbox (root), no GPU, nothing that phones home. */
export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** A headless Chromium with a fresh profile; `offsite` collects every request that is not file:, data: or blob:. */
export interface Browser {
  context: BrowserContext;
  /** Requests to anything but file:// (each was also aborted). */
  offsite: string[];
  close: () => Promise<void>;
}

/**
 * Launches Debian's Chromium through playwright-core with a fresh user-data-dir.
 *
 * @example
 * ```ts
 * const b = await launchBrowser({ allow: (url) => url.startsWith("http://127.0.0.1:") });
 * ```
 */
export async function launchBrowser(opts: { allow?: (url: string) => boolean; javaScriptEnabled?: boolean; viewport?: { width: number; height: number } } = {}): Promise<Browser> {
  const executablePath = "/usr/bin/chromium";
  if (!fs.existsSync(executablePath)) requireCommand("/usr/bin/chromium", "chromium");
  const profile = tempDir("chromium");
  const context = await chromium.launchPersistentContext(profile.dir, { executablePath, headless: true, args: CHROMIUM_ARGS, javaScriptEnabled: opts.javaScriptEnabled ?? true, viewport: opts.viewport ?? { width: 1200, height: 900 } });
  const offsite: string[] = [];
  await context.route("**/*", async (route) => {
    const url = route.request().url();
    if (/^(file|data|blob):/.test(url) || opts.allow?.(url)) await route.continue();
    else {
      offsite.push(url);
      await route.abort();
    }
  });
  return {
    context,
    offsite,
    close: async () => {
      await context.close();
      profile.remove();
    },
  };
}

/** Console errors and uncaught exceptions of a page, collected from now on. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console.error: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
  return errors;
}

/** sha256 of every file directly in a directory, by name. */
export function hashFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isFile()) out[f] = crypto.createHash("sha256").update(fs.readFileSync(p)).digest("hex");
  }
  return out;
}

/** `git status --porcelain -- <path>` in the repository. */
export function gitStatus(rel: string): string {
  requireCommand("git", "git");
  const r = spawnSync("git", ["status", "--porcelain", "--", rel], { cwd: repoRoot(), encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git status failed in ${repoRoot()}: ${r.stderr}`);
  return r.stdout;
}
