/**
 * Turning values into Jupyter MIME bundles. An object renders itself through
 * `[Symbol.for("Jupyter.display")]()` (sync or async; the convention of Deno's kernel), anything else
 * is shown as `text/plain` the way Node's inspector prints it.
 */
import { inspect } from "node:util";

/** A MIME bundle: MIME type → data (a string, or JSON for `application/*+json` types). */
import type { MimeBundle } from "../src/render/bundle";

export type { MimeBundle };

/** The well-known symbol an object implements to render itself. */
export const DISPLAY_SYMBOL: unique symbol = Symbol.for("Jupyter.display") as never;

/**
 * Renders a value to a MIME bundle; always includes `text/plain`. Synchronous unless the value's display
 * method returns a promise, so that outputs keep their order with `console.log`.
 *
 * @example
 * ```ts
 * renderBundle({ [Symbol.for("Jupyter.display")]: () => ({ "text/html": "<b>x</b>" }) });
 * // → { "text/html": "<b>x</b>", "text/plain": "{ ... }" }
 * renderBundle(42); // → { "text/plain": "42" }
 * ```
 */
export function renderBundle(value: unknown): MimeBundle | Promise<MimeBundle> {
  const method = value !== null && (typeof value === "object" || typeof value === "function") ? (value as Record<symbol, unknown>)[DISPLAY_SYMBOL] : undefined;
  if (typeof method !== "function") return { "text/plain": plainText(value) };
  const bundle: unknown = (method as () => unknown).call(value);
  if (bundle !== null && typeof bundle === "object" && typeof (bundle as { then?: unknown }).then === "function") {
    return (bundle as Promise<unknown>).then((b) => rawBundle(b, () => plainText(value)));
  }
  return rawBundle(bundle, () => plainText(value));
}

/**
 * Validates a bundle given by user code (`display(b, { raw: true })` or a display method's result).
 *
 * @example
 * ```ts
 * rawBundle({ "text/markdown": "# hi" }); // → { "text/markdown": "# hi", "text/plain": "# hi" }
 * ```
 */
export function rawBundle(bundle: unknown, fallbackText?: () => string): MimeBundle {
  if (bundle === null || typeof bundle !== "object" || Array.isArray(bundle)) {
    throw new TypeError(`a MIME bundle must be an object of MIME type → data, got ${plainText(bundle)}`);
  }
  const out: MimeBundle = {};
  for (const [mime, data] of Object.entries(bundle as Record<string, unknown>)) {
    if (!/^[\w.+-]+\/[\w.+-]+$/.test(mime)) throw new TypeError(`not a MIME type: ${JSON.stringify(mime)}`);
    out[mime] = data;
  }
  if (!("text/plain" in out)) {
    // Front ends that render none of the rich types (and nbconvert --to markdown) fall back to text/plain.
    const md = out["text/markdown"];
    if (typeof md === "string") out["text/plain"] = md;
    else if (fallbackText) out["text/plain"] = fallbackText();
  }
  return out;
}

/**
 * `text/plain` for a value: strings as they are when top-level would be confusing, so like Node's REPL
 * (quoted), everything else through `util.inspect`.
 *
 * @example
 * ```ts
 * plainText({ a: 1 }); // → "{ a: 1 }"
 * ```
 */
export function plainText(value: unknown): string {
  return inspect(value, { depth: 4, maxArrayLength: 100, maxStringLength: 10_000, breakLength: 100 });
}
