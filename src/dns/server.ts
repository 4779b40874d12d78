/**
 * A real DNS server (UDP and TCP, RFC 1035 wire format via the `dns-packet` library) answering from a
 * `query(name, type)` function — typically {@link KubernetesDns.query}. Every received question is logged.
 *
 * UDP answers larger than the client's limit (512 bytes, or its EDNS0 payload size) are truncated to the
 * records that fit and carry TC, so clients retry over TCP. Header bits come from the answer (`aa`, `ra`) and
 * the request (`id`, `rd`, opcode); EDNS0 is echoed when the client used it.
 *
 * @example
 * ```ts
 * const server = new DnsServer((name, type) => dns.query(name, type));
 * const { port } = await server.start({ host: "127.0.0.1", port: 0 });
 * // dig @127.0.0.1 -p <port> kubernetes.default.svc.cluster.local
 * await server.stop();
 * ```
 */
import * as dgram from "node:dgram";
import * as net from "node:net";
import * as dnsPacket from "dns-packet";
import { DnsAnswer, QType, RR, Rcode, fqdn, isQType } from "./types";

/** Answers one question. */
export type QueryFn = (name: string, type: QType) => DnsAnswer;

/** A question as the server received it. */
export interface ReceivedQuery {
  /** Fully qualified name as sent (case preserved, trailing dot). */
  name: string;
  /** The type as sent (`A`, `AAAA`, …, or `UNKNOWN_n`). */
  type: string;
  transport: "udp" | "tcp";
  id: number;
  rcode: Rcode;
}

/** Options of {@link DnsServer}. */
export interface DnsServerOptions {
  /** Called for each received question, after it was answered. */
  onQuery?: (q: ReceivedQuery) => void;
}

const RCODES: Record<Rcode, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };

/**
 * UDP+TCP DNS server bound to one host/port.
 *
 * @example
 * ```ts
 * const s = new DnsServer(query, { onQuery: (q) => console.log(q.name, q.type) });
 * await s.start({ host: "127.0.0.1", port: 5353 });
 * ```
 */
export class DnsServer {
  /** Every question received, in arrival order. */
  readonly queries: ReceivedQuery[] = [];
  private udp: dgram.Socket | undefined;
  private tcp: net.Server | undefined;
  private readonly conns = new Set<net.Socket>();

  constructor(private readonly answer: QueryFn, private readonly opts: DnsServerOptions = {}) {}

  /** Bind UDP and TCP on `host:port` (port 0 picks a free port, the same for both). @example await s.start({ host: "127.0.0.1", port: 0 }) */
  async start(addr: { host: string; port: number }): Promise<{ host: string; port: number }> {
    if (this.udp) throw new Error("DnsServer already started");
    for (let attempt = 0; ; attempt++) {
      const udp = dgram.createSocket(net.isIPv6(addr.host) ? "udp6" : "udp4");
      udp.on("message", (msg, rinfo) => {
        const out = this.handle(msg, "udp");
        if (out) udp.send(out, rinfo.port, rinfo.address);
      });
      await new Promise<void>((resolve, reject) => {
        udp.once("error", reject);
        udp.bind(addr.port, addr.host, () => { udp.off("error", reject); resolve(); });
      });
      const port = udp.address().port;
      const tcp = net.createServer((sock) => this.serveTcp(sock));
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once("error", reject);
          tcp.listen(port, addr.host, () => { tcp.off("error", reject); resolve(); });
        });
      } catch (e) {
        udp.close();
        // With port 0 the UDP port may be taken over TCP by someone else: pick another.
        if (addr.port === 0 && attempt < 10) continue;
        throw e;
      }
      this.udp = udp;
      this.tcp = tcp;
      return { host: addr.host, port };
    }
  }

  /** Close both sockets and open TCP connections. @example await s.stop() */
  async stop(): Promise<void> {
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = undefined;
    this.tcp = undefined;
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    if (udp) await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (tcp) await new Promise<void>((resolve) => tcp.close(() => resolve()));
  }

  private serveTcp(sock: net.Socket): void {
    this.conns.add(sock);
    let buf = Buffer.alloc(0);
    sock.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        const out = this.handle(msg, "tcp");
        if (out) {
          const head = Buffer.alloc(2);
          head.writeUInt16BE(out.length);
          sock.write(Buffer.concat([head, out]));
        }
      }
    });
    sock.on("error", () => sock.destroy());
    sock.on("close", () => this.conns.delete(sock));
  }

  /** Decode a request, answer it, encode the response (undefined: not a query we can answer at all). */
  private handle(msg: Buffer, transport: "udp" | "tcp"): Buffer | undefined {
    let req: dnsPacket.DecodedPacket;
    try {
      req = dnsPacket.decode(msg);
    } catch {
      if (msg.length < 12) return undefined;
      // Unparseable: FORMERR with the client's id, as servers do.
      const out = Buffer.alloc(12);
      msg.copy(out, 0, 0, 2);
      out.writeUInt16BE(0x8000 | RCODES.FORMERR, 2);
      return out;
    }
    if (req.type === "response") return undefined;
    const id = req.id ?? 0;
    const rd = req.flag_rd ? dnsPacket.RECURSION_DESIRED : 0;
    const opt = (req.additionals ?? []).find((a): a is dnsPacket.OptAnswer => a.type === "OPT");
    const q = req.questions?.[0];
    const optOut: dnsPacket.OptAnswer[] = opt ? [{ type: "OPT", name: ".", udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] : [];
    if (!q || (req.questions?.length ?? 0) !== 1) {
      return dnsPacket.encode({ type: "response", id, flags: rd | RCODES.FORMERR, questions: req.questions ?? [], answers: [], authorities: [], additionals: optOut });
    }
    const qtype = String(q.type);
    const name = fqdn(q.name);
    let ans: DnsAnswer;
    try {
      if (isQType(qtype)) ans = this.answer(name, qtype);
      else {
        // A type we do not model: answer like CoreDNS's default branch (NODATA or NXDOMAIN, no records).
        const probe = this.answer(name, "ANY");
        ans = { ...probe, answer: [], additional: [] };
      }
    } catch {
      ans = { question: { name, type: "A" }, rcode: "SERVFAIL", aa: false, ra: false, tc: false, answer: [], authority: [], additional: [] };
    }
    const logged: ReceivedQuery = { name, type: qtype, transport, id, rcode: ans.rcode };
    this.queries.push(logged);
    this.opts.onQuery?.(logged);

    const flags = rd | (ans.aa ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | (ans.ra ? dnsPacket.RECURSION_AVAILABLE : 0) | RCODES[ans.rcode];
    const packet = {
      type: "response" as const,
      id,
      flags,
      questions: [q],
      answers: ans.answer.map(toWire),
      authorities: ans.authority.map(toWire),
      additionals: [...ans.additional.map(toWire), ...optOut],
    };
    const encoded = dnsPacket.encode(packet);
    const limit = transport === "tcp" ? 65535 : Math.max(512, opt ? opt.udpPayloadSize : 512);
    if (encoded.length <= limit && !ans.tc) return encoded;
    return fitTruncated(packet, limit, optOut);
  }
}

type WirePacket = { type: "response"; id: number; flags: number; questions: dnsPacket.Question[]; answers: dnsPacket.Answer[]; authorities: dnsPacket.Answer[]; additionals: dnsPacket.Answer[] };

/** Keep the records that fit, in section order; TC when answer or authority records were dropped. */
function fitTruncated(p: WirePacket, limit: number, opt: dnsPacket.Answer[]): Buffer {
  const out: WirePacket = { ...p, answers: [], authorities: [], additionals: [...opt] };
  let size = dnsPacket.encodingLength(out);
  let dropped = false;
  const fill = (from: dnsPacket.Answer[], to: dnsPacket.Answer[], counts: boolean) => {
    for (const rr of from) {
      if (rr.type === "OPT") continue;
      const l = dnsPacket.encodingLength({ questions: [], answers: [rr] }) - 12;
      if (!dropped && size + l <= limit) {
        to.push(rr);
        size += l;
      } else if (counts) dropped = true;
    }
  };
  fill(p.answers, out.answers, true);
  fill(p.authorities, out.authorities, true);
  fill(p.additionals, out.additionals, false);
  if (dropped) out.flags |= dnsPacket.TRUNCATED_RESPONSE;
  return dnsPacket.encode(out);
}

function toWire(rr: RR): dnsPacket.Answer {
  const base = { name: rr.name, ttl: rr.ttl, class: "IN" as const };
  switch (rr.type) {
    case "A":
    case "AAAA":
      return { ...base, type: rr.type, data: rr.address };
    case "CNAME":
    case "PTR":
    case "NS":
      return { ...base, type: rr.type, data: rr.target };
    case "SRV":
      return { ...base, type: "SRV", data: { priority: rr.priority, weight: rr.weight, port: rr.port, target: rr.target } };
    case "TXT":
      return { ...base, type: "TXT", data: rr.text };
    case "SOA":
      return { ...base, type: "SOA", data: { mname: rr.mname, rname: rr.rname, serial: rr.serial, refresh: rr.refresh, retry: rr.retry, expire: rr.expire, minimum: rr.minimum } };
  }
}
