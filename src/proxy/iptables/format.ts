/**
 * Number formatting exactly as kube-proxy (Go `fmt`) and iptables-save (glibc `printf`) do it.
 *
 * Both round the *exact* binary value of a double half-to-even, which `Number.prototype.toFixed`
 * does not do on ties (1/2048 is 0.00048828125 exactly: Go prints 0.0004882812, toFixed
 * 0.0004882813), so the decimal expansion is computed exactly with BigInt.
 *
 * @example
 * ```ts
 * kubeProxyProbability(3)          // "0.3333333333"
 * savedProbability("0.3333333333") // "0.33333333349"
 * ```
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The exact value of a finite non-negative double as numerator / 2^shift. */
function exactRational(x: number): { num: bigint; shift: bigint } {
  f64[0] = x;
  const lo = u32[littleEndian ? 0 : 1]!;
  const hi = u32[littleEndian ? 1 : 0]!;
  const exp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (exp === 0) {
    e = -1074; // subnormal
  } else {
    mant |= 1n << 52n;
    e = exp - 1075;
  }
  if (e >= 0) return { num: mant << BigInt(e), shift: 0n };
  return { num: mant, shift: BigInt(-e) };
}

/**
 * `x` with exactly `digits` decimals, rounding the exact value half-to-even (Go's `%0.Nf`,
 * glibc's `%.Nf`). Only for finite `x >= 0`.
 *
 * @example
 * ```ts
 * formatFixed(0.00048828125, 10)   // "0.0004882812"
 * ```
 */
export function formatFixed(x: number, digits: number): string {
  if (!(x >= 0) || !Number.isFinite(x)) throw new RangeError(`formatFixed: unsupported value ${x}`);
  const { num, shift } = exactRational(x);
  const scaled = num * 10n ** BigInt(digits);
  const den = 1n << shift;
  let q = scaled / den;
  const r = scaled - q * den;
  const twice = r * 2n;
  if (twice > den || (twice === den && (q & 1n) === 1n)) q += 1n;
  let s = q.toString();
  if (digits === 0) return s;
  if (s.length <= digits) s = "0".repeat(digits - s.length + 1) + s;
  return s.slice(0, s.length - digits) + "." + s.slice(s.length - digits);
}

const probCache: string[] = [];

/**
 * kube-proxy's `computeProbability(n)`: `fmt.Sprintf("%0.10f", 1.0/float64(n))`, the
 * probability of the rule for the endpoint with n endpoints left (cached like kube-proxy's
 * precomputedProbabilities).
 *
 * @example
 * ```ts
 * kubeProxyProbability(100001)   // "0.0000099999"
 * ```
 */
export function kubeProxyProbability(n: number): string {
  let p = probCache[n];
  if (p === undefined) {
    p = formatFixed(1 / n, 10);
    if (n < 1_000_000) probCache[n] = p;
  }
  return p;
}

/**
 * The probability the kernel actually applies: xt_statistic stores `lround(p * 2^31)` and
 * matches when `(random & 0x7FFFFFFF) < stored`, so the effective value is stored / 2^31.
 *
 * @example
 * ```ts
 * kernelProbability("0.5000000000")   // 0.5
 * ```
 */
export function kernelProbability(p: string | number): number {
  const v = typeof p === "number" ? p : Number(p);
  return Math.round(v * 0x80000000) / 0x80000000;
}

const savedCache = new Map<string, string>();

/**
 * How iptables-save prints a `--probability` given to iptables-restore: the kernel's value
 * with 11 decimals (`%.11f`).
 *
 * @example
 * ```ts
 * savedProbability("0.0000099999")   // "0.00001000008"
 * ```
 */
export function savedProbability(p: string): string {
  let s = savedCache.get(p);
  if (s === undefined) {
    s = formatFixed(kernelProbability(p), 11);
    if (savedCache.size > 100_000) savedCache.clear();
    savedCache.set(p, s);
  }
  return s;
}
