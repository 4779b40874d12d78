/**
 * Small text helpers shared by the runner and the exporter.
 */

// CSI sequences (colours, cursor moves) and OSC sequences (hyperlinks), as terminals and ipykernel emit them.
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

/**
 * Removes ANSI escape sequences.
 *
 * @example
 * ```ts
 * stripAnsi("\u001b[31mTypeError\u001b[0m: x"); // → "TypeError: x"
 * ```
 */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

/**
 * Escapes text for HTML element content and double-quoted attribute values.
 *
 * @example
 * ```ts
 * escapeHtml('<a href="x">&</a>'); // → "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}
