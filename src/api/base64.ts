/**
 * Base64 as Kubernetes stores bytes (`Secret.data`, `ConfigMap.binaryData`): standard alphabet with
 * padding, text as UTF-8. Uses the `btoa`/`TextEncoder` globals so it runs in Node and browsers alike.
 *
 * @example
 * ```ts
 * encodeBase64("admin");          // "YWRtaW4="
 * base64Error("YWRtaW4=");       // undefined
 * decodedLength("YWRtaW4=");     // 5
 * ```
 */

/** The base64 encoding of a string's UTF-8 bytes. */
export function encodeBase64(text: string): string {
  let bin = "";
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Why a value is not valid padded base64 (Go's base64.StdEncoding error), or undefined. */
export function base64Error(v: string): string | undefined {
  const m = /[^A-Za-z0-9+/=]/.exec(v);
  if (m) return `illegal base64 data at input byte ${m.index}`;
  const pad = v.indexOf("=");
  if (pad >= 0 && !/^={1,2}$/.test(v.slice(pad))) return `illegal base64 data at input byte ${pad}`;
  if (v.length % 4 !== 0) return `illegal base64 data at input byte ${v.length - (v.length % 4)}`;
  return undefined;
}

/** Bytes a valid base64 string decodes to. */
export function decodedLength(v: string): number {
  const pad = v.endsWith("==") ? 2 : v.endsWith("=") ? 1 : 0;
  return (v.length / 4) * 3 - pad;
}
