/**
 * The resolver CoreDNS forwards to (`forward . /etc/resolv.conf` in kubeadm's Corefile), simulated as a
 * table of records. A recursive answer: `ra` set, `aa` clear. Unknown names are NXDOMAIN; a known name
 * without the asked type is NODATA; CNAMEs are followed inside the table.
 *
 * @example
 * ```ts
 * const up = new Upstream({ "example.com": { A: ["93.184.215.14"] } });
 * up.query("example.com", "A").answer[0]; // { type: "A", address: "93.184.215.14", ... }
 * ```
 */
import { DnsAnswer, QType, RR, fqdn } from "./types";

/** Records for one upstream name. */
export interface UpstreamEntry {
  A?: string[];
  AAAA?: string[];
  CNAME?: string;
  TXT?: string[];
  PTR?: string[];
  ttl?: number;
}

/** Upstream names (with or without trailing dot, any case) → their records. */
export type UpstreamRecords = Readonly<Record<string, UpstreamEntry>>;

/** A simulated recursive resolver answering from a fixed table. @example new Upstream({}).query("x.org", "A").rcode // "NXDOMAIN" */
export class Upstream {
  private readonly table = new Map<string, UpstreamEntry>();
  /** TTL used when an entry does not set one. */
  readonly ttl: number;

  constructor(records: UpstreamRecords = {}, opts: { ttl?: number } = {}) {
    this.ttl = opts.ttl ?? 300;
    for (const [name, entry] of Object.entries(records)) this.table.set(fqdn(name).toLowerCase(), entry);
  }

  /** Add or replace the records of a name. @example up.set("example.org", { A: ["192.0.2.1"] }) */
  set(name: string, entry: UpstreamEntry): void {
    this.table.set(fqdn(name).toLowerCase(), entry);
  }

  /** Answer a query the way a recursive resolver would. @example up.query("example.com.", "AAAA") */
  query(name: string, type: QType): DnsAnswer {
    const qname = fqdn(name);
    const answer: RR[] = [];
    let rcode: DnsAnswer["rcode"] = "NOERROR";
    let owner = qname;
    // Follow a CNAME chain (bounded, as resolvers bound it) unless the CNAME itself was asked for.
    for (let hops = 0; hops < 8; hops++) {
      const entry = this.table.get(owner.toLowerCase());
      if (!entry) {
        if (hops === 0) rcode = "NXDOMAIN";
        else if (answer.length > 0) rcode = "NXDOMAIN"; // a dangling CNAME: the target does not exist
        break;
      }
      const ttl = entry.ttl ?? this.ttl;
      if (entry.CNAME !== undefined && type !== "CNAME") {
        const target = fqdn(entry.CNAME);
        answer.push({ name: owner, ttl, class: "IN", type: "CNAME", target });
        owner = target;
        continue;
      }
      const base = { name: owner, ttl, class: "IN" as const };
      const want = (t: QType) => type === t || type === "ANY";
      if (want("A")) for (const a of entry.A ?? []) answer.push({ ...base, type: "A", address: a });
      if (want("AAAA")) for (const a of entry.AAAA ?? []) answer.push({ ...base, type: "AAAA", address: a });
      if (want("CNAME") && entry.CNAME !== undefined) answer.push({ ...base, type: "CNAME", target: fqdn(entry.CNAME) });
      if (want("TXT")) for (const t of entry.TXT ?? []) answer.push({ ...base, type: "TXT", text: [t] });
      if (want("PTR")) for (const t of entry.PTR ?? []) answer.push({ ...base, type: "PTR", target: fqdn(t) });
      break;
    }
    return { question: { name: qname, type }, rcode, aa: false, ra: true, tc: false, answer, authority: [], additional: [] };
  }
}
