/**
 * FNV-1a, 32-bit, over a string's UTF-8 bytes (Go's hash/fnv New32a, which Kubernetes uses for the
 * pod-template-hash). The one hash for every stable name the simulation derives from text.
 *
 * @example
 * ```ts
 * fnv1a32("a");                         // 0xe40c292c
 * fnv1a32("b", fnv1a32("a"));           // continues the hash of "a" with "b"
 * ```
 */
export const FNV32_OFFSET = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;

export function fnv1a32(s: string, h: number = FNV32_OFFSET): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) h = Math.imul(h ^ c, FNV32_PRIME);
    else for (const b of utf8(s, i)) h = Math.imul(h ^ b, FNV32_PRIME);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) i++; // a surrogate pair is one code point
  }
  return h >>> 0;
}

/**
 * Continue a hash with one byte (e.g. a round counter).
 *
 * @example
 * ```ts
 * fnv1a32Byte(fnv1a32("nginx"), 1);
 * ```
 */
export function fnv1a32Byte(h: number, byte: number): number {
  return Math.imul(h ^ (byte & 0xff), FNV32_PRIME) >>> 0;
}

function utf8(s: string, i: number): number[] {
  const cp = s.codePointAt(i)!;
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 63)];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
}
