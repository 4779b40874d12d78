/**
 * A synchronous SHA-256, the same on Node.js and in a browser. WebCrypto's digest is async only
 * and `node:crypto` does not exist in a browser; @noble/hashes is audited, dependency-free pure JS.
 *
 * @example
 * ```ts
 * sha256("ns1/svc1:p80tcp"); // → Uint8Array(32) [ … ]
 * ```
 */
import { sha256 as nobleSha256 } from "@noble/hashes/sha2";
import { utf8ToBytes } from "@noble/hashes/utils";

/**
 * SHA-256 of a string's UTF-8 bytes.
 *
 * @example
 * ```ts
 * Buffer.from(sha256("")).toString("hex"); // → "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
 * ```
 */
export function sha256(s: string): Uint8Array {
  return nobleSha256(utf8ToBytes(s));
}
