/**
 * Resource quantities (`500m`, `2`, `128Mi`, `1G`) as the API's resource.Quantity reads them.
 *
 * @example
 * ```ts
 * parseQuantity("500m"); // 0.5
 * parseQuantity("128Mi"); // 134217728
 * ```
 */
const suffixes: Record<string, number> = {
  "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The numeric value of a quantity, or NaN when it is malformed. */
export function parseQuantity(q: string | number): number {
  if (typeof q === "number") return q;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(q.trim());
  if (!m) return NaN;
  return Number(m[1]) * suffixes[m[2] ?? ""]!;
}
