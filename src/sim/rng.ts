/**
 * A small seeded pseudo-random generator (sfc32, seeded through splitmix32).
 *
 * Everything random in the simulation — generated names, UIDs, ClusterIPs, scheduler tie-breaks,
 * statistic matches — draws from one of these, so a seed fixes every output byte.
 *
 * @example
 * ```ts
 * const rng = new Rng(42);
 * rng.next();        // 0.1534…, always the same for seed 42
 * rng.int(10);       // 0..9
 * ```
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const split = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A random string from an alphabet, like Kubernetes' `utilrand.String`. */
  string(n: number, alphabet: string): string {
    let s = "";
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }

  /** An RFC 4122 version-4 UUID string (for metadata.uid). */
  uuid(): string {
    const h = (n: number): string => hex8(this.u32()).slice(0, n);
    const variant = (8 + this.int(4)).toString(16);
    // join() makes one flat string; a template would keep a tree of ten pieces alive per UID.
    return [h(8), "-", h(4), "-4", h(3), "-", variant, h(3), "-", h(8), h(4)].join("");
  }

  /** `words` random 32-bit words as lower-case hex (e.g. container IDs: 8 words, 64 digits). */
  hex(words: number): string {
    const parts: string[] = [];
    for (let i = 0; i < words; i++) parts.push(hex8(this.u32()));
    return parts.join("");
  }

  /** An independent generator derived from this one (so one component's draws don't shift another's). */
  fork(): Rng {
    return new Rng(this.u32());
  }
}

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** An unsigned 32-bit integer as 8 hex digits. */
function hex8(x: number): string {
  return HEX_BYTE[x >>> 24]! + HEX_BYTE[(x >>> 16) & 255]! + HEX_BYTE[(x >>> 8) & 255]! + HEX_BYTE[x & 255]!;
}
