/**
 * Reading JupyterLab 4's UI in Playwright, shared by the site's e2e test and bench/site.
 */
import type { Page } from "playwright-core";

declare const document: { querySelectorAll(s: string): Iterable<{ textContent: string | null }> };

/** Wait until the kernel's status item in the status bar reads "kubelab (TypeScript) | Idle". */
export async function kernelIdle(page: Page, timeout = 60_000): Promise<void> {
  await page.waitForFunction(() => [...document.querySelectorAll(".jp-StatusBar-Left .jp-StatusBar-TextItem")].some((e) => /\| Idle$/.test(e.textContent ?? "")), null, { timeout });
}
