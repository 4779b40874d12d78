/**
 * A node's nftables table as rows for a notebook view, in the order a new connection meets
 * them: the dispatch chains (`nat-prerouting` → `services`), the verdict-map entries that send
 * it on, the Service's chains, then the filter checks and masquerading.
 *
 * @example
 * ```ts
 * nftRows(rs.table, { service: "default/web" }).map((r) => r.chain);
 * // ["nat-prerouting", "services", "services", "map service-ips", "service-…-default/web/tcp/http", …]
 * ```
 */
import { listRuleText } from "./list";
import type { NftTableModel } from "./table";

export interface NftRow {
  /** A chain name, or `map <name>` / `set <name>` for an element. */
  chain: string;
  /** Rule number in its chain (1-based); 0 for a map/set element. */
  n: number;
  /** The rule (or element `key : verdict`) as `nft list` prints it. */
  rule: string;
  comment?: string;
}

const dispatch = ["nat-prerouting", "nat-output", "services"];
const checks = ["filter-prerouting-pre-dnat", "firewall-check", "filter-input", "filter-forward", "filter-output", "service-endpoints-check", "nodeport-endpoints-check", "cluster-ips-check", "nat-postrouting", "masquerading", "mark-for-masquerade"];

/**
 * Rows of the table; with `service` (`namespace/name`) only that Service's map entries and
 * chains follow the dispatch chains.
 *
 * @example
 * ```ts
 * nftRows(table).length;
 * ```
 */
export function nftRows(t: NftTableModel, opts: { service?: string } = {}): NftRow[] {
  const rows: NftRow[] = [];
  const mine = opts.service ? `-${opts.service}/` : null;
  const chainRows = (name: string) => {
    const c = t.chains.get(name);
    if (!c) return;
    c.rules.forEach((r, i) => rows.push({ chain: name, n: i + 1, rule: listRuleText(r.text), ...(r.comment !== undefined ? { comment: r.comment } : {}) }));
  };
  for (const c of dispatch) chainRows(c);
  for (const s of t.sets.values()) {
    if (s.kind !== "map" && s.name !== "cluster-ips") continue;
    for (const e of s.elements.values()) {
      if (mine && !(e.value?.includes(mine) || e.comment === opts.service || e.comment?.startsWith(opts.service + ":"))) continue;
      if (mine && s.name === "cluster-ips") continue;
      rows.push({ chain: `${s.kind} ${s.name}`, n: 0, rule: e.value !== undefined ? `${e.key} : ${e.value}` : e.key, ...(e.comment !== undefined ? { comment: e.comment } : {}) });
    }
  }
  for (const c of t.chains.values()) {
    if (!c.name.includes("/")) continue;
    if (mine && !c.name.includes(mine)) continue;
    chainRows(c.name);
  }
  if (!mine) for (const c of checks) chainRows(c);
  return rows;
}
