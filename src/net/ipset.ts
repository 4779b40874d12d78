/**
 * ipset sets as IPVS-mode kube-proxy creates them (`hash:ip`, `hash:ip,port`, `hash:ip,port,ip`,
 * `hash:ip,port,net`, `hash:net`, `bitmap:port`), with the membership test `-m set --match-set
 * NAME dst,dst,src` performs. Entries use ipset's own syntax (`10.96.0.1,tcp:443`).
 *
 * @example
 * ```ts
 * const s = compileIpset({ name: "KUBE-CLUSTER-IP", type: "hash:ip,port", entries: ["10.96.0.1,tcp:443"] });
 * s.test(pkt, ["dst", "dst"]);
 * ```
 */
import { type Cidr, cidrContains, parseAddressOrCidr, parseIPv4 } from "../util/ipv4";
import { PROTO } from "./restore";

export type IpsetType = "hash:ip" | "hash:ip,port" | "hash:ip,port,ip" | "hash:ip,port,net" | "hash:net" | "bitmap:port";

/** A set as `ipset list` would show it. */
export interface IpsetSpec {
  readonly name: string;
  readonly type: IpsetType;
  readonly entries: readonly string[];
  readonly comment?: string;
}

/** The packet fields a set lookup reads. */
export interface SetPacket {
  src: number;
  dst: number;
  sport: number;
  dport: number;
  proto: number;
}

/** A compiled set. */
export interface Ipset {
  readonly spec: IpsetSpec;
  test(p: SetPacket, dirs: readonly ("src" | "dst")[]): boolean;
}

function parsePP(s: string, entry: string): number {
  const m = /^(tcp|udp|sctp):(\d+)$/.exec(s);
  if (!m) throw new Error(`ipset entry "${entry}": expected proto:port, got "${s}"`);
  return (PROTO[m[1] as "tcp"] << 16) | Number(m[2]);
}

const ipOf = (p: SetPacket, d: "src" | "dst" | undefined) => (d === "src" ? p.src : p.dst);
const portOf = (p: SetPacket, d: "src" | "dst" | undefined) => (d === "src" ? p.sport : p.dport);

/**
 * Compile a set for fast membership tests; malformed entries throw naming the entry.
 *
 * @example
 * ```ts
 * compileIpset({ name: "KUBE-NODE-PORT-TCP", type: "bitmap:port", entries: ["30080"] });
 * ```
 */
export function compileIpset(spec: IpsetSpec): Ipset {
  switch (spec.type) {
    case "hash:ip": {
      const s = new Set(spec.entries.map(parseIPv4));
      return { spec, test: (p, d) => s.has(ipOf(p, d[0])) };
    }
    case "hash:net": {
      const nets = spec.entries.map(parseAddressOrCidr);
      return { spec, test: (p, d) => nets.some((c) => cidrContains(c, ipOf(p, d[0]))) };
    }
    case "bitmap:port": {
      const s = new Set(spec.entries.map((e) => {
        if (!/^\d+$/.test(e)) throw new Error(`ipset entry "${e}": expected a port`);
        return Number(e);
      }));
      return { spec, test: (p, d) => (p.proto === PROTO.tcp || p.proto === PROTO.udp || p.proto === PROTO.sctp) && s.has(portOf(p, d[0])) };
    }
    case "hash:ip,port": {
      const m = new Map<number, Set<number>>();
      for (const e of spec.entries) {
        const [ip, pp] = e.split(",");
        const k = parseIPv4(ip ?? "");
        let s = m.get(k);
        if (!s) m.set(k, (s = new Set()));
        s.add(parsePP(pp ?? "", e));
      }
      return { spec, test: (p, d) => m.get(ipOf(p, d[0]))?.has((p.proto << 16) | portOf(p, d[1])) ?? false };
    }
    case "hash:ip,port,ip":
    case "hash:ip,port,net": {
      const m = new Map<number, Map<number, Cidr[]>>();
      for (const e of spec.entries) {
        const [ip, pp, third] = e.split(",");
        const k = parseIPv4(ip ?? "");
        let inner = m.get(k);
        if (!inner) m.set(k, (inner = new Map()));
        const ppk = parsePP(pp ?? "", e);
        let list = inner.get(ppk);
        if (!list) inner.set(ppk, (list = []));
        list.push(spec.type === "hash:ip,port,ip" ? parseAddressOrCidr(third ?? "") : parseAddressOrCidr(third ?? ""));
      }
      return {
        spec,
        test: (p, d) => {
          const list = m.get(ipOf(p, d[0]))?.get((p.proto << 16) | portOf(p, d[1]));
          if (!list) return false;
          const ip2 = ipOf(p, d[2]);
          for (const c of list) if (cidrContains(c, ip2)) return true;
          return false;
        },
      };
    }
  }
  throw new Error(`unsupported ipset type "${String(spec.type)}"`);
}

/**
 * `ipset save`-style text of sets (what `ipset save` prints), sorted entries.
 *
 * @example
 * ```ts
 * ipsetSave([{ name: "KUBE-CLUSTER-IP", type: "hash:ip,port", entries: ["10.96.0.1,tcp:443"] }]);
 * ```
 */
export function ipsetSave(sets: readonly IpsetSpec[]): string {
  const out: string[] = [];
  for (const s of sets) {
    const opts = s.type === "bitmap:port" ? " range 0-65535" : " family inet hashsize 1024 maxelem 65536";
    out.push(`create ${s.name} ${s.type}${opts}${s.comment !== undefined ? " comment" : ""}`);
    for (const e of [...s.entries].sort()) out.push(`add ${s.name} ${e}`);
  }
  return out.join("\n") + (out.length ? "\n" : "");
}
