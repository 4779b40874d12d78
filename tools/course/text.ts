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
