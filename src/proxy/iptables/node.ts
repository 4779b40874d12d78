/**
 * The iptables state of a node outside kube-proxy's iptables-restore input: the chains and jump
 * rules in the built-in chains that kubelet and kube-proxy install with individual `iptables`
 * commands, and a model of the resulting tables that iptables-save prints.
 *
 * What a real v1.31 node shows (and this module reproduces):
 * - kubelet (pkg/kubelet/kubelet_network_linux.go) creates `KUBE-IPTABLES-HINT` in mangle, the
 *   `KUBE-FIREWALL` chain with the "block incoming localnet connections" rule, prepends
 *   `-j KUBE-FIREWALL` to OUTPUT and INPUT, and its iptables monitor creates
 *   `KUBE-KUBELET-CANARY` in mangle, nat and filter;
 * - kube-proxy's monitor creates `KUBE-PROXY-CANARY` in mangle, nat and filter, and on a full
 *   sync it ensures each chain of `iptablesJumpChains` exists and *prepends* the jump rule
 *   (so the last one in the list ends up first), then ensures kubelet's KUBE-FIREWALL jumps;
 * - kubelet runs first (kube-proxy is a pod it starts), so KUBE-FIREWALL ends up last in
 *   INPUT/OUTPUT, as on real nodes.
 *
 * @example
 * ```ts
 * const ops = nodeSetupOps({ kubelet: true });
 * ops.map(setupOpArgv)   // [["-t","mangle","-N","KUBE-IPTABLES-HINT"], ...]
 * ```
 */
import { formatSaved, parseRule } from "./save";

export type TableName = "mangle" | "raw" | "filter" | "nat";

/** One iptables command kubelet or kube-proxy runs: create a chain, or ensure a rule (-C, then -I/-A). */
export type SetupOp =
  | { by: "kubelet" | "kube-proxy"; table: TableName; op: "chain"; chain: string }
  | { by: "kubelet" | "kube-proxy"; table: TableName; op: "prepend" | "append"; chain: string; args: string[] };

interface JumpChain {
  table: TableName;
  dst: string;
  src: string;
  comment: string;
  extra: string[];
}

const ctNew = ["-m", "conntrack", "--ctstate", "NEW"];

/** kube-proxy's iptablesJumpChains, in source order. */
const kubeProxyJumpChains: JumpChain[] = [
  { table: "filter", dst: "KUBE-EXTERNAL-SERVICES", src: "INPUT", comment: "kubernetes externally-visible service portals", extra: ctNew },
  { table: "filter", dst: "KUBE-EXTERNAL-SERVICES", src: "FORWARD", comment: "kubernetes externally-visible service portals", extra: ctNew },
  { table: "filter", dst: "KUBE-NODEPORTS", src: "INPUT", comment: "kubernetes health check service ports", extra: [] },
  { table: "filter", dst: "KUBE-SERVICES", src: "FORWARD", comment: "kubernetes service portals", extra: ctNew },
  { table: "filter", dst: "KUBE-SERVICES", src: "OUTPUT", comment: "kubernetes service portals", extra: ctNew },
  { table: "filter", dst: "KUBE-FORWARD", src: "FORWARD", comment: "kubernetes forwarding rules", extra: [] },
  { table: "filter", dst: "KUBE-PROXY-FIREWALL", src: "INPUT", comment: "kubernetes load balancer firewall", extra: ctNew },
  { table: "filter", dst: "KUBE-PROXY-FIREWALL", src: "OUTPUT", comment: "kubernetes load balancer firewall", extra: ctNew },
  { table: "filter", dst: "KUBE-PROXY-FIREWALL", src: "FORWARD", comment: "kubernetes load balancer firewall", extra: ctNew },
  { table: "nat", dst: "KUBE-SERVICES", src: "OUTPUT", comment: "kubernetes service portals", extra: [] },
  { table: "nat", dst: "KUBE-SERVICES", src: "PREROUTING", comment: "kubernetes service portals", extra: [] },
  { table: "nat", dst: "KUBE-POSTROUTING", src: "POSTROUTING", comment: "kubernetes postrouting rules", extra: [] },
  // iptablesKubeletJumpChains: duplicates of kubelet's, without a comment.
  { table: "filter", dst: "KUBE-FIREWALL", src: "INPUT", comment: "", extra: [] },
  { table: "filter", dst: "KUBE-FIREWALL", src: "OUTPUT", comment: "", extra: [] },
];

const canaryTables: TableName[] = ["mangle", "nat", "filter"];

/** Options for the node-level setup model. */
export interface NodeSetupOptions {
  /** Model kubelet's chains and rules too (a real node runs kubelet); default true. */
  kubelet?: boolean;
}

/**
 * The iptables commands kubelet and kube-proxy run on a node before kube-proxy's first
 * iptables-restore, in order.
 *
 * @example
 * ```ts
 * nodeSetupOps({ kubelet: false }).length   // 3 canaries + 14 chains + 14 jump rules
 * ```
 */
export function nodeSetupOps(opts: NodeSetupOptions = {}): SetupOp[] {
  const ops: SetupOp[] = [];
  if (opts.kubelet ?? true) {
    ops.push({ by: "kubelet", table: "mangle", op: "chain", chain: "KUBE-IPTABLES-HINT" });
    ops.push({ by: "kubelet", table: "filter", op: "chain", chain: "KUBE-FIREWALL" });
    ops.push({
      by: "kubelet",
      table: "filter",
      op: "prepend",
      chain: "KUBE-FIREWALL",
      args: ["-m", "comment", "--comment", "block incoming localnet connections", "--dst", "127.0.0.0/8", "!", "--src", "127.0.0.0/8",
        "-m", "conntrack", "!", "--ctstate", "RELATED,ESTABLISHED,DNAT", "-j", "DROP"],
    });
    for (const chain of ["OUTPUT", "INPUT"]) {
      ops.push({ by: "kubelet", table: "filter", op: "prepend", chain, args: ["-j", "KUBE-FIREWALL"] });
    }
    for (const table of canaryTables) ops.push({ by: "kubelet", table, op: "chain", chain: "KUBE-KUBELET-CANARY" });
  }
  for (const table of canaryTables) ops.push({ by: "kube-proxy", table, op: "chain", chain: "KUBE-PROXY-CANARY" });
  for (const j of kubeProxyJumpChains) {
    ops.push({ by: "kube-proxy", table: j.table, op: "chain", chain: j.dst });
    const args = [...j.extra];
    if (j.comment !== "") args.push("-m", "comment", "--comment", j.comment);
    args.push("-j", j.dst);
    ops.push({ by: "kube-proxy", table: j.table, op: "prepend", chain: j.src, args });
  }
  return ops;
}

/**
 * The `iptables` argument vector for one setup op. Rules are ensured like utiliptables does:
 * the caller runs `-C` with the same rule first and skips the op when it already exists
 * ({@link setupOpCheckArgv}).
 *
 * @example
 * ```ts
 * setupOpArgv({ by: "kubelet", table: "filter", op: "prepend", chain: "INPUT", args: ["-j", "KUBE-FIREWALL"] })
 * // ["-t", "filter", "-I", "INPUT", "-j", "KUBE-FIREWALL"]
 * ```
 */
export function setupOpArgv(op: SetupOp): string[] {
  if (op.op === "chain") return ["-t", op.table, "-N", op.chain];
  return ["-t", op.table, op.op === "prepend" ? "-I" : "-A", op.chain, ...op.args];
}

/** `iptables -C` vector that checks whether a rule op is already in place (null for chain ops). */
export function setupOpCheckArgv(op: SetupOp): string[] | null {
  if (op.op === "chain") return null;
  return ["-t", op.table, "-C", op.chain, ...op.args];
}

/** A rule held by the table model: its original text and optional load-balancing data. */
export interface ModelRule<T> {
  line: string;
  meta?: T;
}

const builtinChains: Record<TableName, string[]> = {
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
  raw: ["PREROUTING", "OUTPUT"],
  filter: ["INPUT", "FORWARD", "OUTPUT"],
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
};

/** iptables-nft-save prints tables in this fixed order (checked on 1.8.9). */
export const tableOrder: TableName[] = ["mangle", "raw", "filter", "nat"];

/** A table's chains as the kernel holds them: built-ins in hook order, then user chains. */
export class TableModel<T> {
  readonly chains = new Map<string, ModelRule<T>[]>();
  constructor(readonly name: TableName) {
    for (const c of builtinChains[name]) this.chains.set(c, []);
  }

  isBuiltin(chain: string): boolean {
    return builtinChains[this.name].includes(chain);
  }

  ensureChain(chain: string): void {
    if (!this.chains.has(chain)) this.chains.set(chain, []);
  }

  /** `:CHAIN - [0:0]` in iptables-restore --noflush: create, or flush when it exists. */
  flushChain(chain: string): void {
    this.chains.set(chain, []);
  }

  rulesOf(chain: string): ModelRule<T>[] {
    const r = this.chains.get(chain);
    if (!r) throw new Error(`iptables: chain ${chain} does not exist in table ${this.name}`);
    return r;
  }

  /** Built-in chains first (hook order), then user chains sorted by name (strcmp), as iptables-nft-save. */
  orderedChains(): string[] {
    const user = [...this.chains.keys()].filter((c) => !this.isBuiltin(c));
    user.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return [...builtinChains[this.name], ...user];
  }
}

/**
 * Apply setup ops to table models (creating tables on first use), with EnsureRule semantics:
 * a rule op is skipped when the same rule (compared in saved form) is already in the chain.
 */
export function applySetupOps<T>(tables: Map<TableName, TableModel<T>>, ops: readonly SetupOp[]): void {
  for (const op of ops) {
    let t = tables.get(op.table);
    if (!t) {
      t = new TableModel<T>(op.table);
      tables.set(op.table, t);
    }
    if (op.op === "chain") {
      t.ensureChain(op.chain);
      continue;
    }
    const line = ["-A", op.chain, ...op.args.map((a) => (a.includes(" ") ? `"${a}"` : a))].join(" ");
    const saved = formatSaved(parseRule(line));
    const rules = t.rulesOf(op.chain);
    if (rules.some((r) => formatSaved(parseRule(r.line)) === saved)) continue;
    if (op.op === "prepend") rules.unshift({ line });
    else rules.push({ line });
  }
}
