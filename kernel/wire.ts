/**
 * The Jupyter wire protocol: framing and HMAC signing of messages on ZeroMQ sockets
 * (https://jupyter-client.readthedocs.io/en/latest/messaging.html#the-wire-protocol).
 *
 * Pure functions, no sockets: the protocol thread and the tests share them.
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

/** The delimiter between ZeroMQ routing identities and the signed message. */
export const DELIMITER = "<IDS|MSG>";

/** Protocol version this kernel speaks. */
export const PROTOCOL_VERSION = "5.3";

/** A message header as defined by the messaging spec. */
export interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

/** A decoded Jupyter message. `parent_header` is `{}` when the message has no parent. */
export interface Message {
  identities: Buffer[];
  header: Header;
  parent_header: Header | Record<string, never>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
  buffers: Buffer[];
}

/** Why a multipart message was rejected by {@link decode}. */
export class WireError extends Error {
  override name = "WireError";
}

/**
 * Signs the four JSON frames of a message with HMAC (`scheme` like `hmac-sha256`).
 * An empty key disables signing, as the spec allows.
 *
 * @example
 * ```ts
 * sign("secret", "hmac-sha256", ["{}", "{}", "{}", "{}"]); // → 64 hex digits
 * ```
 */
export function sign(key: string, scheme: string, frames: (string | Buffer)[]): string {
  if (key === "") return "";
  const algorithm = scheme.startsWith("hmac-") ? scheme.slice(5) : scheme;
  const hmac = createHmac(algorithm, key);
  for (const f of frames) hmac.update(f);
  return hmac.digest("hex");
}

/**
 * Decodes and verifies a multipart message received on a ROUTER/DEALER socket.
 * Throws {@link WireError} for missing delimiter, missing frames, bad JSON or a bad signature,
 * so that the caller can drop and log the message.
 *
 * @example
 * ```ts
 * const msg = decode(frames, key, "hmac-sha256"); // msg.header.msg_type === "execute_request"
 * ```
 */
export function decode(frames: Buffer[], key: string, scheme: string): Message {
  const delim = frames.findIndex((f) => f.length === DELIMITER.length && f.toString("latin1") === DELIMITER);
  if (delim < 0) throw new WireError("no <IDS|MSG> delimiter");
  if (frames.length < delim + 6) throw new WireError(`truncated message: ${frames.length - delim - 1} frames after the delimiter, want ≥ 5`);
  const signature = frames[delim + 1]!.toString("latin1");
  const body = frames.slice(delim + 2, delim + 6);
  if (key !== "") {
    const want = Buffer.from(sign(key, scheme, body), "latin1");
    const got = Buffer.from(signature, "latin1");
    if (got.length !== want.length || !timingSafeEqual(got, want)) throw new WireError("bad HMAC signature");
  }
  const json = body.map((b, i) => {
    try {
      return JSON.parse(b.toString("utf8")) as unknown;
    } catch {
      throw new WireError(`frame ${["header", "parent_header", "metadata", "content"][i]} is not JSON`);
    }
  });
  const [header, parent, metadata, content] = json;
  if (!isObject(header) || typeof header["msg_type"] !== "string" || typeof header["msg_id"] !== "string") {
    throw new WireError("header lacks msg_id/msg_type");
  }
  if (!isObject(parent) || !isObject(metadata) || !isObject(content)) throw new WireError("parent_header, metadata and content must be objects");
  return {
    identities: frames.slice(0, delim),
    header: header as unknown as Header,
    parent_header: parent as Message["parent_header"],
    metadata,
    content,
    buffers: frames.slice(delim + 6),
  };
}

/**
 * Encodes a message into signed multipart frames ready for `socket.send`.
 *
 * @example
 * ```ts
 * await socket.send(encode(reply, key, "hmac-sha256"));
 * ```
 */
export function encode(msg: Omit<Message, "buffers"> & { buffers?: Buffer[] }, key: string, scheme: string): (Buffer | string)[] {
  const body = [JSON.stringify(msg.header), JSON.stringify(msg.parent_header), JSON.stringify(msg.metadata), JSON.stringify(msg.content)];
  return [...msg.identities, DELIMITER, sign(key, scheme, body), ...body, ...(msg.buffers ?? [])];
}

/**
 * Builds a fresh header for a message of `msgType`, in the session of the kernel.
 *
 * @example
 * ```ts
 * const h = makeHeader("status", session); // h.version === "5.3"
 * ```
 */
export function makeHeader(msgType: string, session: string, username = "kernel"): Header {
  return { msg_id: randomUUID(), session, username, date: new Date().toISOString(), msg_type: msgType, version: PROTOCOL_VERSION };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
