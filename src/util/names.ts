/**
 * Random name suffixes as apimachinery's `utilrand.String` makes them: letters and digits with no
 * vowels and no look-alikes (0/o, 1/l), so a generated name never spells a word.
 *
 * @example
 * ```ts
 * `web-${randomSuffix(ctx.rng, 5)}`;   // "web-x7k2q"
 * safeEncode("123");                   // rand.SafeEncodeString: "dfg"
 * ```
 */
export const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** What can pick characters: the simulation's seeded RNG. */
export interface NameRandom {
  string(length: number, alphabet: string): string;
}

/** `length` random characters from {@link NAME_ALPHABET}. */
export function randomSuffix(rng: NameRandom, length = 5): string {
  return rng.string(length, NAME_ALPHABET);
}

/** apimachinery's `rand.SafeEncodeString`: each character mapped into {@link NAME_ALPHABET}. */
export function safeEncode(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) out += NAME_ALPHABET[s.charCodeAt(i) % NAME_ALPHABET.length];
  return out;
}
