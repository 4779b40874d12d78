/**
 * A node's connection-tracking table (`conntrack -L`): the first packet of a connection creates
 * an entry holding the original and the reply tuple; NAT rewrites the reply tuple, so later
 * packets in either direction are translated without traversing the nat table again.
 *
 * @example
 * ```ts
 * const ct = new Conntrack();
 * ct.confirm(orig, finalTuple, { ipvs: false });
 * ct.lookup(tuple)?.dir;   // "orig" | "reply"
 * ```
 */
import { formatIPv4 } from "../util/ipv4";

export interface Tuple {
  proto: number;
  src: number;
  sport: number;
  dst: number;
  dport: number;
}

export interface CtEntry {
  readonly id: number;
  readonly orig: Tuple;
  /** The tuple replies carry: source = the real endpoint, destination = the (masqueraded) client. */
  readonly reply: Tuple;
  readonly dnat: boolean;
  readonly snat: boolean;
  /** DNAT done by IPVS (at LOCAL_IN) rather than by the nat table. */
  readonly ipvs: boolean;
}

function k(t: Tuple): string {
  return `${t.proto}|${t.src}|${t.sport}|${t.dst}|${t.dport}`;
}

/**
 * A connection-tracking table.
 *
 * @example
 * ```ts
 * const ct = new Conntrack();
 * ct.lookup({ proto: 6, src, sport: 40000, dst, dport: 80 });   // undefined until confirmed
 * ```
 */
export class Conntrack {
  private readonly byTuple = new Map<string, { entry: CtEntry; dir: "orig" | "reply" }>();
  private readonly list: CtEntry[] = [];
  private nextId = 1;

  lookup(t: Tuple): { entry: CtEntry; dir: "orig" | "reply" } | undefined {
    return this.byTuple.get(k(t));
  }

  /** Record a new connection: its original tuple and the tuple it left the node with. */
  confirm(orig: Tuple, final: Tuple, flags: { ipvs: boolean }): CtEntry {
    const reply: Tuple = { proto: final.proto, src: final.dst, sport: final.dport, dst: final.src, dport: final.sport };
    const entry: CtEntry = {
      id: this.nextId++,
      orig: { ...orig },
      reply,
      dnat: orig.dst !== final.dst || orig.dport !== final.dport,
      snat: orig.src !== final.src || orig.sport !== final.sport,
      ipvs: flags.ipvs,
    };
    this.byTuple.set(k(entry.orig), { entry, dir: "orig" });
    this.byTuple.set(k(reply), { entry, dir: "reply" });
    this.list.push(entry);
    return entry;
  }

  entries(): readonly CtEntry[] {
    return this.list;
  }

  /** `conntrack -L`-style lines (protocol, original tuple, reply tuple; no timers or flags). */
  format(): string[] {
    const name = (p: number) => (p === 6 ? "tcp" : p === 17 ? "udp" : p === 132 ? "sctp" : String(p));
    const t = (x: Tuple) => `src=${formatIPv4(x.src)} dst=${formatIPv4(x.dst)} sport=${x.sport} dport=${x.dport}`;
    return this.list.map((e) => `${name(e.orig.proto).padEnd(8)} ${e.orig.proto} ${t(e.orig)} ${t(e.reply)}`);
  }
}
