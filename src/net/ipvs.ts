/**
 * The kernel's IP Virtual Server, as the data path sees it: a table of virtual services
 * (protocol, VIP, port) each with real servers and a scheduler, plus the per-node runtime state
 * the schedulers keep (round-robin position, connection counters, persistence templates).
 *
 * Scheduler behaviour follows net/netfilter/ipvs: `rr` walks the destination list cyclically
 * starting at its head; `lc` picks the least `(activeconns << 8) + inactconns` (first wins on a
 * tie); `sh` hashes the client address into a 256-bucket table filled round-robin by weight.
 * The kernel keeps destinations in a list where each new one is added at the *head*
 * (`list_add_rcu`), so the list order is the reverse of the order kube-proxy added them;
 * `ipvsadm -Ln` hides that because it sorts its output.
 *
 * @example
 * ```ts
 * const rt = new IpvsRuntime(state);
 * const vs = rt.lookup(6, parseIPv4("10.96.0.10"), 80);
 * const dest = vs && rt.schedule(vs, parseIPv4("10.244.1.9"), 0);
 * ```
 */
import type { Protocol } from "../api/types";
import type { IpsetSpec } from "./ipset";
import { parseIPv4 } from "../util/ipv4";
import { PROTO } from "./restore";

export type IpvsScheduler = "rr" | "wrr" | "lc" | "wlc" | "sh";

export interface IpvsRealServer {
  readonly address: string;
  readonly port: number;
  readonly weight: number;
}

export interface IpvsVirtualServer {
  readonly protocol: Protocol;
  readonly address: string;
  readonly port: number;
  readonly scheduler: IpvsScheduler;
  /** `-p timeout`: ClientIP session affinity; 0 = not persistent. */
  readonly persistentTimeout: number;
  /** In the order kube-proxy added them. */
  readonly realServers: readonly IpvsRealServer[];
}

/** What an IPVS-mode node has configured in the kernel besides iptables rules. */
export interface IpvsKernelState {
  readonly virtualServers: readonly IpvsVirtualServer[];
  /** Addresses bound to the `kube-ipvs0` dummy interface (they are local to the node). */
  readonly dummyAddresses: readonly string[];
  readonly ipsets: readonly IpsetSpec[];
}

/** A real server with its runtime counters. */
export interface IpvsDest {
  readonly ip: number;
  readonly port: number;
  readonly weight: number;
  activeConns: number;
  inactConns: number;
}

/** A virtual service with its runtime scheduling state. */
export interface IpvsService {
  readonly spec: IpvsVirtualServer;
  readonly proto: number;
  readonly vip: number;
  /** Kernel list order (reverse insertion). */
  readonly dests: IpvsDest[];
  rrPos: number;
  shTable: (IpvsDest | null)[] | null;
  /** Persistence templates: client address → destination and expiry time. */
  readonly templates: Map<number, { dest: IpvsDest; expires: number }>;
}

function protoNumber(p: Protocol): number {
  return p === "TCP" ? PROTO.tcp : p === "UDP" ? PROTO.udp : PROTO.sctp;
}

/** hash_32(val, bits) from include/linux/hash.h. */
function hash32(val: number, bits: number): number {
  return Math.imul(val >>> 0, 0x61c88647) >>> 0 >>> (32 - bits);
}

const SH_TAB_BITS = 8;
const SH_TAB_SIZE = 1 << SH_TAB_BITS;

/**
 * Runtime IPVS state of one node: the virtual service table with scheduler state.
 *
 * @example
 * ```ts
 * const rt = new IpvsRuntime(rs.kernelState());
 * rt.all().length;   // virtual servers
 * ```
 */
export class IpvsRuntime {
  private readonly services = new Map<number, IpvsService>();
  readonly dummyAddresses: ReadonlySet<number>;

  constructor(readonly state: IpvsKernelState) {
    for (const vs of state.virtualServers) {
      const svc: IpvsService = {
        spec: vs,
        proto: protoNumber(vs.protocol),
        vip: parseIPv4(vs.address),
        dests: vs.realServers
          .map((r) => ({ ip: parseIPv4(r.address), port: r.port, weight: r.weight, activeConns: 0, inactConns: 0 }))
          .reverse(),
        rrPos: -1,
        shTable: null,
        templates: new Map(),
      };
      this.services.set(key(svc.proto, svc.vip, vs.port), svc);
    }
    this.dummyAddresses = new Set(state.dummyAddresses.map(parseIPv4));
  }

  /** The virtual service for a destination, if any. */
  lookup(proto: number, ip: number, port: number): IpvsService | undefined {
    return this.services.get(key(proto, ip, port));
  }

  /**
   * Pick a real server for a new connection (null when the service has no usable one: the
   * kernel then answers ICMP port unreachable).
   */
  schedule(svc: IpvsService, client: number, now: number): IpvsDest | null {
    const persist = svc.spec.persistentTimeout;
    if (persist > 0) {
      const t = svc.templates.get(client);
      if (t && t.expires > now && t.dest.weight > 0) {
        t.expires = now + persist;
        return t.dest;
      }
    }
    const d = this.pick(svc, client);
    if (d && persist > 0) svc.templates.set(client, { dest: d, expires: now + persist });
    return d;
  }

  private pick(svc: IpvsService, client: number): IpvsDest | null {
    const dests = svc.dests;
    const n = dests.length;
    if (n === 0) return null;
    switch (svc.spec.scheduler) {
      case "rr":
      case "wrr": {
        // ip_vs_rr_schedule: continue after the last choice, skipping weight-0 destinations.
        for (let k = 1; k <= n; k++) {
          const i = (svc.rrPos + k) % n;
          if (dests[i]!.weight > 0) {
            svc.rrPos = i;
            return dests[i]!;
          }
        }
        return null;
      }
      case "lc":
      case "wlc": {
        let best: IpvsDest | null = null;
        let bestOver = Infinity;
        for (const d of dests) {
          if (d.weight <= 0) continue;
          const over = d.activeConns * 256 + d.inactConns;
          const score = svc.spec.scheduler === "wlc" ? over / d.weight : over;
          if (score < bestOver) {
            best = d;
            bestOver = score;
          }
        }
        return best;
      }
      case "sh": {
        if (!svc.shTable) {
          // ip_vs_sh_reassign: fill buckets cycling through destinations, `weight` buckets each.
          const table: (IpvsDest | null)[] = [];
          let di = 0;
          let count = 0;
          for (let b = 0; b < SH_TAB_SIZE; b++) {
            const d = dests[di]!;
            table.push(d);
            if (++count >= Math.max(1, d.weight)) {
              di = (di + 1) % n;
              count = 0;
            }
          }
          svc.shTable = table;
        }
        const d = svc.shTable[hash32(client, SH_TAB_BITS) & (SH_TAB_SIZE - 1)] ?? null;
        return d && d.weight > 0 ? d : null;
      }
    }
  }

  /** Every virtual service in table order. */
  all(): IpvsService[] {
    return [...this.services.values()];
  }
}

/** A numeric key (50 bits, exact in a double) so lookups never build strings. */
function key(proto: number, ip: number, port: number): number {
  const p = proto === PROTO.tcp ? 0 : proto === PROTO.udp ? 1 : proto === PROTO.sctp ? 2 : 3;
  return (ip * 65536 + port) * 4 + p;
}
