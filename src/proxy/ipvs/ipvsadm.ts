/**
 * `ipvsadm -Ln` as ipvsadm prints it: the version header, the two title lines, then each virtual
 * service (`%s  %s %s` protocol, address:port, scheduler, ` persistent N` when persistent) and its
 * real servers (`  -> %-28s %-7s %-6d %-10u %-10u`). Like ipvsadm (without `--nosort`), services
 * are sorted by protocol number, address, port and destinations by address, port.
 *
 * @example
 * ```ts
 * formatIpvsadm(rs.virtualServers);
 * // IP Virtual Server version 1.2.1 (size=4096)
 * // Prot LocalAddress:Port Scheduler Flags
 * //   -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
 * // TCP  10.96.0.10:80 rr
 * //   -> 10.244.1.5:8080              Masq    1      0          0
 * ```
 */
import { parseIPv4 } from "../../util/ipv4";
import type { IpvsRuntime, IpvsVirtualServer } from "../../net/ipvs";
import { PROTO } from "../../net/restore";

/** One (virtual server, real server) pair for a table. */
export interface IpvsRow {
  protocol: string;
  virtualServer: string;
  scheduler: string;
  /** Persistence timeout in seconds (ClientIP affinity), 0 when none. */
  persistent: number;
  /** "" for a virtual server without real servers. */
  realServer: string;
  forward: "Masq";
  weight: number;
  activeConns: number;
  inactConns: number;
}

const protoNum = (p: string) => (p === "TCP" ? PROTO.tcp : p === "UDP" ? PROTO.udp : PROTO.sctp);

function sortedServices(vss: readonly IpvsVirtualServer[]): IpvsVirtualServer[] {
  return [...vss].sort(
    (a, b) => protoNum(a.protocol) - protoNum(b.protocol) || parseIPv4(a.address) - parseIPv4(b.address) || a.port - b.port,
  );
}

function counters(rt: IpvsRuntime | undefined, vs: IpvsVirtualServer, ip: string, port: number): { a: number; i: number } {
  const svc = rt?.lookup(protoNum(vs.protocol), parseIPv4(vs.address), vs.port);
  const d = svc?.dests.find((x) => x.ip === parseIPv4(ip) && x.port === port);
  return { a: d?.activeConns ?? 0, i: d?.inactConns ?? 0 };
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

/**
 * Format virtual servers like `ipvsadm -Ln`.
 *
 * @example
 * ```ts
 * formatIpvsadm(vss, runtime).split("\n")[0];   // "IP Virtual Server version 1.2.1 (size=4096)"
 * ```
 */
export function formatIpvsadm(vss: readonly IpvsVirtualServer[], runtime?: IpvsRuntime): string {
  const out = [
    "IP Virtual Server version 1.2.1 (size=4096)",
    "Prot LocalAddress:Port Scheduler Flags",
    "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn",
  ];
  for (const vs of sortedServices(vss)) {
    out.push(`${vs.protocol}  ${vs.address}:${vs.port} ${vs.scheduler}${vs.persistentTimeout > 0 ? ` persistent ${vs.persistentTimeout}` : ""}`);
    const dests = [...vs.realServers].sort((a, b) => parseIPv4(a.address) - parseIPv4(b.address) || a.port - b.port);
    for (const d of dests) {
      const c = counters(runtime, vs, d.address, d.port);
      out.push(`  -> ${pad(`${d.address}:${d.port}`, 28)} ${pad("Masq", 7)} ${pad(String(d.weight), 6)} ${pad(String(c.a), 10)} ${pad(String(c.i), 10)}`);
    }
  }
  return out.join("\n") + "\n";
}

/**
 * Row data for a table view, in `ipvsadm -Ln` order.
 *
 * @example
 * ```ts
 * ipvsRows(vss).map((r) => `${r.virtualServer} → ${r.realServer}`);
 * ```
 */
export function ipvsRows(vss: readonly IpvsVirtualServer[], runtime?: IpvsRuntime): IpvsRow[] {
  const rows: IpvsRow[] = [];
  for (const vs of sortedServices(vss)) {
    const base = { protocol: vs.protocol, virtualServer: `${vs.address}:${vs.port}`, scheduler: vs.scheduler, persistent: vs.persistentTimeout, forward: "Masq" as const };
    const dests = [...vs.realServers].sort((a, b) => parseIPv4(a.address) - parseIPv4(b.address) || a.port - b.port);
    if (dests.length === 0) rows.push({ ...base, realServer: "", weight: 0, activeConns: 0, inactConns: 0 });
    for (const d of dests) {
      const c = counters(runtime, vs, d.address, d.port);
      rows.push({ ...base, realServer: `${d.address}:${d.port}`, weight: d.weight, activeConns: c.a, inactConns: c.i });
    }
  }
  return rows;
}
