/**
 * DNS message model shared by the CoreDNS simulation, the stub resolvers, the dig formatter and the wire server.
 *
 * Names are fully qualified with a trailing dot (`web.default.svc.cluster.local.`), as in zone files and dig
 * output; owner names keep the case the client asked with, as CoreDNS does.
 *
 * @example
 * ```ts
 * const rr: RR = { name: "web.default.svc.cluster.local.", ttl: 30, class: "IN", type: "A", address: "10.96.0.20" };
 * ```
 */

/** Query types the simulation understands (others are answered like CoreDNS answers an unknown type). */
export type QType = "A" | "AAAA" | "SRV" | "PTR" | "CNAME" | "TXT" | "SOA" | "NS" | "MX" | "ANY";

/** Every query type name accepted by {@link isQType}. */
export const QTYPES: readonly QType[] = ["A", "AAAA", "SRV", "PTR", "CNAME", "TXT", "SOA", "NS", "MX", "ANY"];

/** Response codes a simulated server can return. */
export type Rcode = "NOERROR" | "FORMERR" | "SERVFAIL" | "NXDOMAIN" | "NOTIMP" | "REFUSED";

interface RRBase {
  /** Owner name, fully qualified (trailing dot). */
  name: string;
  ttl: number;
  class: "IN";
}
export interface ARecord extends RRBase { type: "A"; address: string }
export interface AAAARecord extends RRBase { type: "AAAA"; address: string }
export interface CNAMERecord extends RRBase { type: "CNAME"; target: string }
export interface PTRRecord extends RRBase { type: "PTR"; target: string }
export interface NSRecord extends RRBase { type: "NS"; target: string }
export interface SRVRecord extends RRBase { type: "SRV"; priority: number; weight: number; port: number; target: string }
export interface TXTRecord extends RRBase { type: "TXT"; text: string[] }
export interface SOARecord extends RRBase {
  type: "SOA";
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

/** A typed resource record. */
export type RR = ARecord | AAAARecord | CNAMERecord | PTRRecord | NSRecord | SRVRecord | TXTRecord | SOARecord;

/** The question of a DNS message. */
export interface Question { name: string; type: QType }

/**
 * A DNS response as a server returns it: header bits, rcode and the three record sections.
 * `aa` is set on CoreDNS's authoritative answers; forwarded (upstream) answers have `ra` and not `aa`.
 */
export interface DnsAnswer {
  question: Question;
  rcode: Rcode;
  aa: boolean;
  ra: boolean;
  tc: boolean;
  answer: RR[];
  authority: RR[];
  additional: RR[];
}

/** True when `t` names a query type this module handles. @example isQType("SRV") // true */
export function isQType(t: string): t is QType {
  return (QTYPES as readonly string[]).includes(t);
}

/** `name` with exactly one trailing dot (the root stays `.`). @example fqdn("a.b") // "a.b." */
export function fqdn(name: string): string {
  if (name === "" || name === ".") return ".";
  return name.endsWith(".") ? name : name + ".";
}

/** The RDATA of a record in presentation (zone file / dig) format. @example rdataText({ ...rr, type: "A", address: "10.0.0.1" }) // "10.0.0.1" */
export function rdataText(rr: RR): string {
  switch (rr.type) {
    case "A":
    case "AAAA":
      return rr.address;
    case "CNAME":
    case "PTR":
    case "NS":
      return rr.target;
    case "SRV":
      return `${rr.priority} ${rr.weight} ${rr.port} ${rr.target}`;
    case "TXT":
      return rr.text.map((t) => `"${t.replace(/["\\]/g, (c) => "\\" + c)}"`).join(" ");
    case "SOA":
      return `${rr.mname} ${rr.rname} ${rr.serial} ${rr.refresh} ${rr.retry} ${rr.expire} ${rr.minimum}`;
  }
}

/** One record as a single zone-file line: `name ttl IN type rdata`. @example rrText(rr) // "web.default.svc.cluster.local. 30 IN A 10.96.0.20" */
export function rrText(rr: RR): string {
  return `${rr.name} ${rr.ttl} ${rr.class} ${rr.type} ${rdataText(rr)}`;
}
