/**
 * Tables of the data path: iptables chains as kube-proxy writes them, IPVS virtual/real servers,
 * DNS records and the stub resolver's walk through the search list, and resolv.conf.
 *
 * Row types are deliberately small and structural, so the proxy and DNS modules can hand over
 * their own objects without depending on `render/`.
 */
import type { TableBundle } from "./bundle";
import { preBundle, TableView, type Cell, type Column, type Table } from "./table";
import type { IptablesRow } from "../proxy/iptables/proxier";

/** One iptables rule as a row (kube-proxy's {@link IptablesRow}): the fields the table shows. */
export type IptablesTableRow = Pick<IptablesRow, "table" | "chain" | "ruleNumber" | "matches" | "target" | "comment" | "probability" | "effectiveShare">;

/**
 * kube-proxy prints probabilities with `%0.10f`; no probability prints `<none>`.
 *
 * @example
 * ```ts
 * formatProbability(1 / 3); // "0.3333333333"
 * ```
 */
export function formatProbability(p: number | undefined): Cell {
  return p === undefined ? null : p.toFixed(10);
}

/**
 * A share as a fixed-precision percentage, identical on every platform.
 *
 * @example
 * ```ts
 * formatShare(1 / 3); // "33.3%"
 * ```
 */
export function formatShare(s: number | undefined, digits = 1): Cell {
  return s === undefined ? null : `${(s * 100).toFixed(digits)}%`;
}

/**
 * The rules of one or more chains: TABLE, CHAIN, #, MATCHES, TARGET, PROBABILITY, SHARE, COMMENT.
 *
 * @example
 * ```ts
 * iptablesTable(node.iptables.rows("KUBE-SVC-…"), { title: "nat KUBE-SVC-…" });
 * ```
 */
export function iptablesTable(rows: readonly IptablesTableRow[], opts: { title?: string; showTable?: boolean } = {}): TableView {
  // The comment goes under the matches in one RULE cell, and cells wrap at spaces: the table fits
  // an 860 px column while TARGET keeps its address and PROBABILITY/SHARE stay in view.
  const columns: Column[] = [
    { key: "chain", header: "Chain", nowrap: true },
    { key: "n", header: "#", align: "right", nowrap: true },
    { key: "rule", header: "Rule" },
    { key: "target", header: "Target" },
    { key: "probability", header: "Probability", align: "right", nowrap: true },
    { key: "share", header: "Share", align: "right", nowrap: true },
  ];
  if (opts.showTable) columns.unshift({ key: "table", header: "Table", nowrap: true });
  const table: Table = {
    columns,
    rows: rows.map((r) => ({
      table: r.table,
      chain: r.chain,
      n: r.ruleNumber,
      rule: [r.matches, r.comment ? `/* ${r.comment} */` : ""].filter(Boolean).join(" ") || null,
      target: r.target,
      probability: formatProbability(r.probability),
      share: formatShare(r.effectiveShare),
    })),
    empty: "No rules.",
  };
  if (opts.title) table.title = opts.title;
  return new TableView(table);
}

/**
 * Chains in the order a packet meets them: from the entry chains (`KUBE-SERVICES`, then
 * `KUBE-NODEPORTS`, …) each chain's jump targets depth-first in rule order — KUBE-SVC before its
 * KUBE-SEPs — then any chain nothing jumps to, in name order. Rules keep their order in a chain.
 *
 * @example
 * ```ts
 * packetOrder(rows).map((r) => r.chain); // ["KUBE-SERVICES", …, "KUBE-SVC-…", "KUBE-SEP-…", …]
 * ```
 */
export function packetOrder<R extends Pick<IptablesTableRow, "chain" | "target" | "ruleNumber">>(rows: readonly R[], entries: readonly string[] = ["PREROUTING", "OUTPUT", "KUBE-SERVICES", "KUBE-NODEPORTS", "POSTROUTING", "KUBE-POSTROUTING"]): R[] {
  const byChain = new Map<string, R[]>();
  for (const r of rows) {
    const list = byChain.get(r.chain) ?? [];
    list.push(r);
    byChain.set(r.chain, list);
  }
  for (const list of byChain.values()) list.sort((a, b) => a.ruleNumber - b.ruleNumber);
  const out: R[] = [];
  const seen = new Set<string>();
  const visit = (chain: string): void => {
    if (seen.has(chain) || !byChain.has(chain)) return;
    seen.add(chain);
    const list = byChain.get(chain)!;
    out.push(...list);
    for (const r of list) visit(r.target.split(" ")[0]!);
  };
  for (const e of entries) visit(e);
  for (const c of [...byChain.keys()].sort()) visit(c);
  return out;
}

/**
 * An excerpt of `iptables-save` output that keeps its structure: for each table with a matching
 * line, the `*table` header, the `:CHAIN` declarations of the chains shown, the matching rules and
 * `COMMIT` — so the filter and nat tables never run together.
 *
 * @example
 * ```ts
 * iptablesExcerpt(node.iptables.save(), /hello-world/);
 * // "*nat\n:KUBE-SVC-… - [0:0]\n-A KUBE-SERVICES … hello-world …\nCOMMIT"
 * ```
 */
export function iptablesExcerpt(save: string, match: RegExp | string | ((line: string) => boolean)): string {
  const test = typeof match === "function" ? match : typeof match === "string" ? (l: string) => l.includes(match) : (l: string) => new RegExp(match.source, match.flags.replace("g", "")).test(l);
  const out: string[] = [];
  let header = "";
  let decls: string[] = [];
  let rules: string[] = [];
  const flush = (): void => {
    if (rules.length === 0 && decls.every((d) => !test(d))) return;
    const chains = new Set(rules.map((r) => /^-A (\S+)/.exec(r)?.[1]).filter((c): c is string => !!c));
    out.push(header, ...decls.filter((d) => test(d) || chains.has(/^:(\S+)/.exec(d)?.[1] ?? "")), ...rules, "COMMIT");
  };
  for (const line of save.split("\n")) {
    if (line.startsWith("*")) {
      header = line;
      decls = [];
      rules = [];
    } else if (line.startsWith(":")) decls.push(line);
    else if (line === "COMMIT") flush();
    else if (line.startsWith("-A ") && test(line)) rules.push(line);
  }
  return out.join("\n");
}

/** One IPVS real server under its virtual server (`ipvsadm -Ln` flattened). */
export interface IpvsTableRow {
  /** Virtual server `ip:port`. */
  virtualServer: string;
  protocol: string;
  /** Scheduler, e.g. `rr`. */
  scheduler: string;
  /** Real server `ip:port`, or null for a virtual server without backends. */
  realServer: string | null;
  /** `Masq` for kube-proxy. */
  forward?: string;
  weight?: number;
  activeConn?: number;
  inActConn?: number;
}

/**
 * IPVS virtual and real servers: PROT, VIRTUAL SERVER, SCHEDULER, REAL SERVER, FORWARD, WEIGHT,
 * ACTIVECONN, INACTCONN.
 *
 * @example
 * ```ts
 * ipvsTable([{ virtualServer: "10.96.0.10:53", protocol: "UDP", scheduler: "rr", realServer: "10.244.1.3:53", weight: 1 }]);
 * ```
 */
export function ipvsTable(rows: readonly IpvsTableRow[], opts: { title?: string } = {}): TableView {
  const table: Table = {
    columns: [
      { key: "protocol", header: "Prot" },
      { key: "virtualServer", header: "Virtual Server" },
      { key: "scheduler", header: "Scheduler" },
      { key: "realServer", header: "Real Server" },
      { key: "forward", header: "Forward" },
      { key: "weight", header: "Weight", align: "right" },
      { key: "activeConn", header: "ActiveConn", align: "right" },
      { key: "inActConn", header: "InActConn", align: "right" },
    ],
    rows: rows.map((r) => ({
      protocol: r.protocol,
      virtualServer: r.virtualServer,
      scheduler: r.scheduler,
      realServer: r.realServer,
      forward: r.forward ?? "Masq",
      weight: r.weight ?? 1,
      activeConn: r.activeConn ?? 0,
      inActConn: r.inActConn ?? 0,
    })),
    empty: "No virtual servers.",
  };
  if (opts.title) table.title = opts.title;
  return new TableView(table);
}

/** One nftables rule or map element (`nft list table` flattened). */
export interface NftTableRow {
  chain: string;
  /** Rule number; 0 for a map/set element. */
  n: number;
  rule: string;
  comment?: string;
}

/**
 * kube-proxy's nftables table as a table: chain, rule number, rule (as `nft list` prints it).
 *
 * @example
 * ```ts
 * nftablesTable(rows, { title: "nft list table ip kube-proxy on node-1" });
 * ```
 */
export function nftablesTable(rows: readonly NftTableRow[], opts: { title?: string } = {}): TableView {
  const table: Table = {
    columns: [
      { key: "chain", header: "Chain / map" },
      { key: "n", header: "#", align: "right" },
      { key: "rule", header: "Rule / element" },
    ],
    rows: rows.map((r) => ({ chain: r.chain, n: r.n === 0 ? null : r.n, rule: r.comment !== undefined ? `${r.rule}  /* ${r.comment} */` : r.rule })),
    empty: "No rules.",
  };
  if (opts.title) table.title = opts.title;
  return new TableView(table);
}

/** A DNS resource record as dig's answer section shows it. */
export interface DnsRecordRow {
  name: string;
  ttl: number;
  class?: string;
  type: string;
  data: string;
}

/**
 * DNS records: NAME, TTL, CLASS, TYPE, DATA (dig's answer-section order).
 *
 * @example
 * ```ts
 * dnsRecordsTable([{ name: "web.default.svc.cluster.local.", ttl: 30, type: "A", data: "10.96.0.12" }]);
 * ```
 */
export function dnsRecordsTable(rows: readonly DnsRecordRow[], opts: { title?: string; caption?: string } = {}): TableView {
  const table: Table = {
    columns: [
      { key: "name", header: "Name" },
      { key: "ttl", header: "TTL", align: "right" },
      { key: "class", header: "Class" },
      { key: "type", header: "Type" },
      { key: "data", header: "Data" },
    ],
    rows: rows.map((r) => ({ name: r.name, ttl: r.ttl, class: r.class ?? "IN", type: r.type, data: r.data })),
    empty: "No records.",
  };
  if (opts.title) table.title = opts.title;
  if (opts.caption) table.caption = opts.caption;
  return new TableView(table);
}

/** One query the stub resolver sends while walking the search list. */
export interface ResolverStepRow {
  /** The fully qualified name queried, e.g. `web.default.svc.cluster.local.` */
  query: string;
  type: string;
  /** Nameserver asked. */
  server?: string;
  /** `NOERROR`, `NXDOMAIN`, … */
  rcode: string;
  /** Answers in presentation form; empty for a negative answer. */
  answers?: readonly string[];
  /** Why this query was sent, e.g. `search domain 1 of 3` or `ndots:5 > 1 dots`. */
  note?: string;
}

/**
 * The resolver walk: #, QUERY, TYPE, SERVER, RCODE, ANSWER, NOTE — one row per query sent.
 *
 * @example
 * ```ts
 * resolverWalkTable([{ query: "web.default.svc.cluster.local.", type: "A", rcode: "NOERROR", answers: ["10.96.0.12"] }]);
 * ```
 */
export function resolverWalkTable(rows: readonly ResolverStepRow[], opts: { title?: string; caption?: string } = {}): TableView {
  const table: Table = {
    columns: [
      { key: "n", header: "#", align: "right" },
      { key: "query", header: "Query" },
      { key: "type", header: "Type" },
      { key: "server", header: "Server" },
      { key: "rcode", header: "Rcode" },
      { key: "answer", header: "Answer" },
      { key: "note", header: "Note" },
    ],
    rows: rows.map((r, i) => ({
      n: i + 1,
      query: r.query,
      type: r.type,
      server: r.server ?? null,
      rcode: r.rcode,
      answer: r.answers && r.answers.length ? r.answers.join(",") : null,
      note: r.note ?? null,
    })),
    empty: "No queries sent.",
  };
  if (opts.title) table.title = opts.title;
  if (opts.caption) table.caption = opts.caption;
  return new TableView(table);
}

/**
 * A pod's `/etc/resolv.conf` as a preformatted block.
 *
 * @example
 * ```ts
 * resolvConfBundle("search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n", "pod/client");
 * ```
 */
export function resolvConfBundle(text: string, pod?: string): TableBundle {
  return preBundle(text, pod ? `/etc/resolv.conf in ${pod}` : "/etc/resolv.conf");
}

/**
 * Any list of flat records as a table, columns in first-seen key order (or as given).
 *
 * @example
 * ```ts
 * genericTable([{ name: "a", value: 1 }]).toString(); // "NAME   VALUE\na      1"
 * ```
 */
export function genericTable(
  rows: readonly Readonly<Record<string, Cell>>[],
  opts: { columns?: readonly Column[]; title?: string; caption?: string } = {},
): TableView {
  let columns = opts.columns;
  if (!columns) {
    const keys: string[] = [];
    for (const r of rows) for (const k of Object.keys(r)) if (!keys.includes(k)) keys.push(k);
    columns = keys.map((k) => ({ key: k, header: k, align: rows.every((r) => typeof r[k] === "number" || r[k] == null) ? "right" : "left" }));
  }
  const table: Table = { columns, rows };
  if (opts.title) table.title = opts.title;
  if (opts.caption) table.caption = opts.caption;
  return new TableView(table);
}
