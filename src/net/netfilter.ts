/**
 * Netfilter rule evaluation: a parsed {@link Ruleset} compiled into closures, and one table's
 * hook traversed for a packet exactly as `ipt_do_table` does — rules in order, jumps push a
 * return point, RETURN or the end of a user chain pops it, the built-in chain's policy decides
 * when nothing else does.
 *
 * Speed without lying about cost: a long chain whose rules mostly say "destination ip:port/proto
 * → jump" (KUBE-SERVICES, KUBE-NODEPORTS) gets an index, so the evaluator jumps straight to the
 * first rule that can match — but it still *counts* every rule the kernel would have tested on
 * the way, so `rulesEvaluated` is the kernel's linear cost.
 *
 * @example
 * ```ts
 * const nf = compileRuleset(parseRestore(text));
 * const r = nf.run("nat", "PREROUTING", pkt, env, stats, null);
 * r.verdict;   // "ACCEPT"; pkt.dst may have been rewritten by DNAT
 * ```
 */
import { cidrContains } from "../util/ipv4";
import { type Ipset } from "./ipset";
import { CT, type Match, type Rule, type Ruleset, type RuleTarget } from "./restore";

/** The mutable packet the hooks see. Addresses are unsigned 32-bit numbers. */
export interface NetPacket {
  src: number;
  dst: number;
  sport: number;
  dport: number;
  proto: number;
  mark: number;
  inIface: string;
  outIface: string;
  /** Conntrack state bits ({@link CT}). */
  ct: number;
  /** Set once IPVS has handled the packet: the virtual service it was sent to. */
  ipvs: { vaddr: number; vport: number; vproto: number } | null;
}

/** The node a table runs on: what matches need besides the packet. */
export interface EvalEnv {
  isLocal(ip: number): boolean;
  ipset(name: string): Ipset | undefined;
  /** The `-m recent` lists of this node: name → address → hit timestamps (seconds). */
  recent: Map<string, Map<number, number[]>>;
  rng: { next(): number };
  /**
   * When set, random decisions are made by this instead of `rng`: it gets the weights of the
   * alternatives and returns the index taken (used to compute expected shares exactly).
   */
  chooser?: Chooser | null;
  /** Virtual time in seconds, for `-m recent --seconds`. */
  now: number;
  /** The address MASQUERADE picks for an outgoing interface. */
  masqueradeAddress(outIface: string): number;
}

/** Makes a weighted choice; see {@link EvalEnv.chooser}. */
export interface Chooser {
  pick(weights: readonly number[]): number;
  /** Set when the outcome depends on history (affinity, persistence), not only on chance. */
  historyDependent?: boolean;
}

/** Running totals for one packet. */
export interface EvalStats {
  rulesEvaluated: number;
}

/** One rule the kernel tested (recorded only when tracing). */
export interface RuleStep {
  table: string;
  chain: string;
  /** 1-based position in the chain, as `iptables -L --line-numbers` shows. */
  ruleNumber: number;
  rule: string;
  matched: boolean;
  /** What happened when it matched: "jump KUBE-SVC-…", "DNAT 10.244.1.5:8080", "MARK or 0x4000", … */
  action?: string;
}

export interface NatAction {
  kind: "DNAT" | "SNAT" | "MASQUERADE";
  /** Address and port after the rewrite. */
  ip: number;
  port: number;
  chain: string;
  ruleNumber: number;
}

export interface TableResult {
  verdict: "ACCEPT" | "DROP" | "REJECT";
  /** The rule that decided, when a rule (not the policy) did. */
  decidedBy: { table: string; chain: string; ruleNumber: number; rule: string } | null;
  nat: NatAction | null;
  rejectWith?: string;
}

type MatchFn = (p: NetPacket, env: EvalEnv) => boolean;

const T_NONE = 0, T_JUMP = 1, T_RETURN = 2, T_ACCEPT = 3, T_DROP = 4, T_REJECT = 5, T_MARK = 6, T_DNAT = 7, T_SNAT = 8, T_MASQ = 9;
const OP_OR = 0, OP_XOR = 1, OP_AND = 2, OP_SET = 3, OP_XSET = 4;

/** Inline (closure-free) match fields of a compiled rule; `flags` says which are set. */
const F_SRC = 1, F_DST = 2, F_PROTO = 4, F_DPORT = 8, F_MARK = 16;

interface CRule {
  readonly flags: number;
  readonly srcBase: number;
  readonly srcMask: number;
  readonly srcNeg: boolean;
  readonly dstBase: number;
  readonly dstMask: number;
  readonly dstNeg: boolean;
  readonly proto: number;
  readonly protoNeg: boolean;
  readonly portProto: number;
  readonly portLo: number;
  readonly portHi: number;
  readonly portNeg: boolean;
  readonly markValue: number;
  readonly markMask: number;
  readonly markNeg: boolean;
  /** RuleTarget as a number (T_*) with its operands flattened, so the hot loop stays monomorphic. */
  readonly tcode: number;
  readonly tGoto: boolean;
  readonly tOp: number;
  readonly tValue: number;
  readonly tMask: number;
  readonly tIp: number;
  readonly tPort: number;
  /** Prebuilt result for ACCEPT/DROP/REJECT and fixed-port DNAT. */
  readonly result: TableResult | null;
  readonly number: number;
  /** Preallocated: returned as-is when this rule decides. */
  readonly decided: NonNullable<TableResult["decidedBy"]>;
  readonly rule: Rule;
  readonly fns: MatchFn[];
  readonly target: RuleTarget;
  jumpTo: CChain | null;
}

interface ChainIndex {
  /** nextPlain[i]: the first rule at or after i that is not indexed (may match anything). */
  nextPlain: Int32Array;
  byDst: Map<number, Map<number, Int32Array>>;
  anyDst: Map<number, Int32Array>;
}

interface CChain {
  readonly name: string;
  readonly builtin: boolean;
  readonly policy: "ACCEPT" | "DROP";
  readonly rules: CRule[];
  index: ChainIndex | null;
}

/** A built-in chain handle for {@link Netfilter.runChain}. */
export type HookChain = { readonly name: string; readonly policy: "ACCEPT" | "DROP"; readonly rules: readonly unknown[] };

const ACCEPTED: TableResult = Object.freeze({ verdict: "ACCEPT", decidedBy: null, nat: null });
const DROPPED: TableResult = Object.freeze({ verdict: "DROP", decidedBy: null, nat: null });


/** A compiled table. */
export interface CompiledTable {
  readonly name: string;
  readonly chains: ReadonlyMap<string, CChain>;
}

const INDEX_MIN_RULES = 12;

function compileMatch(m: Match): MatchFn | null {
  switch (m.kind) {
    case "comment":
      return null;
    case "src": {
      const { base, mask } = m.cidr;
      return m.neg ? (p) => ((p.src & mask) >>> 0) !== base : (p) => ((p.src & mask) >>> 0) === base;
    }
    case "dst": {
      const { base, mask } = m.cidr;
      return m.neg ? (p) => ((p.dst & mask) >>> 0) !== base : (p) => ((p.dst & mask) >>> 0) === base;
    }
    case "proto": {
      const pr = m.proto;
      return m.neg ? (p) => p.proto !== pr : (p) => p.proto === pr;
    }
    case "in":
    case "out": {
      const { iface, prefix, neg } = m;
      const get = m.kind === "in" ? (p: NetPacket) => p.inIface : (p: NetPacket) => p.outIface;
      return prefix ? (p) => get(p).startsWith(iface) !== neg : (p) => (get(p) === iface) !== neg;
    }
    case "port": {
      const { lo, hi, neg, proto } = m;
      return m.which === "dport"
        ? (p) => p.proto === proto && (p.dport >= lo && p.dport <= hi) !== neg
        : (p) => p.proto === proto && (p.sport >= lo && p.sport <= hi) !== neg;
    }
    case "multiport": {
      const { ranges, neg, which } = m;
      const inR = (x: number) => ranges.some(([a, b]) => x >= a && x <= b);
      return (p) => {
        const hit = which === "dport" ? inR(p.dport) : which === "sport" ? inR(p.sport) : inR(p.dport) || inR(p.sport);
        return hit !== neg;
      };
    }
    case "addrtype": {
      const { types, neg } = m;
      const typeOf = (ip: number, env: EvalEnv): string =>
        env.isLocal(ip) ? "LOCAL" : ip === 0xffffffff ? "BROADCAST" : ip >>> 28 === 14 ? "MULTICAST" : "UNICAST";
      return m.which === "src"
        ? (p, env) => types.includes(typeOf(p.src, env)) !== neg
        : (p, env) => types.includes(typeOf(p.dst, env)) !== neg;
    }
    case "mark": {
      const { value, mask, neg } = m;
      return (p) => (((p.mark & mask) >>> 0) === value) !== neg;
    }
    case "statistic": {
      const { probability, neg } = m;
      // xt_statistic compares a random 31-bit number with round(p * 2^31).
      const threshold = Math.round(probability * 0x80000000);
      const pk = threshold / 0x80000000;
      const weights = [pk, 1 - pk];
      return (_p, env) => {
        if (env.chooser) return (env.chooser.pick(weights) === 0) !== neg;
        return (Math.floor(env.rng.next() * 0x80000000) < threshold) !== neg;
      };
    }
    case "statistic-nth": {
      const { every, packet, neg } = m;
      let count = 0;
      return () => {
        const hit = count === packet;
        count = (count + 1) % every;
        return hit !== neg;
      };
    }
    case "recent":
      return compileRecent(m);
    case "ctstate": {
      const { states, neg } = m;
      return (p) => ((p.ct & states) !== 0) !== neg;
    }
    case "set": {
      const { name, dirs, neg } = m;
      // Resolve the set once per node environment, not per packet.
      let lastEnv: EvalEnv | null = null;
      let set: Ipset | undefined;
      return (p, env) => {
        if (env !== lastEnv) {
          lastEnv = env;
          set = env.ipset(name);
        }
        return (set !== undefined && set.test(p, dirs)) !== neg;
      };
    }
    case "physdev":
    case "physdev-dev": {
      // No Linux bridges in the model: packets never arrive or leave through a bridge port.
      const neg = m.neg;
      return () => neg;
    }
    case "ipvs": {
      const { vaddr, vport, vproto, neg } = m;
      return (p) => {
        const v = p.ipvs;
        const hit =
          v !== null &&
          (vaddr === undefined || cidrContains(vaddr, v.vaddr)) &&
          (vport === undefined || v.vport === vport) &&
          (vproto === undefined || v.vproto === vproto);
        return hit !== neg;
      };
    }
  }
}

function compileRecent(m: Match & { kind: "recent" }): MatchFn {
  const { op, name, seconds, reap, hitcount, mask, side, neg } = m;
  // xt_recent keeps the last ip_pkt_list_tot (default 20) timestamps per address.
  const maxStamps = 20;
  return (p, env) => {
    if (env.chooser) env.chooser.historyDependent = true;
    let table = env.recent.get(name);
    if (!table) env.recent.set(name, (table = new Map()));
    const addr = ((side === "src" ? p.src : p.dst) & mask) >>> 0;
    const now = env.now;
    let stamps = table.get(addr);
    if (op === "set") {
      if (!stamps) table.set(addr, (stamps = []));
      stamps.push(now);
      if (stamps.length > maxStamps) stamps.shift();
      return !neg;
    }
    if (!stamps) return neg;
    if (op === "remove") {
      table.delete(addr);
      return !neg;
    }
    let hits = 0;
    for (const t of stamps) if (seconds === 0 || now - t < seconds) hits++;
    const ok = hitcount === 0 ? hits > 0 : hits >= hitcount;
    if (reap && seconds > 0) {
      const kept = stamps.filter((t) => now - t < seconds);
      if (kept.length === 0) table.delete(addr);
      else table.set(addr, (stamps = kept));
    }
    if (op === "update" && ok) {
      stamps.push(now);
      if (stamps.length > maxStamps) stamps.shift();
    }
    return ok !== neg;
  };
}

/** Compile a rule: common matches become inline fields, the rest closures (in rule order). */
function compileRule(r: Rule, number: number, table: string, chain: string): CRule {
  let flags = 0;
  const c = {
    srcBase: 0, srcMask: 0, srcNeg: false, dstBase: 0, dstMask: 0, dstNeg: false, proto: 0, protoNeg: false,
    portProto: 0, portLo: 0, portHi: 0, portNeg: false, markValue: 0, markMask: 0, markNeg: false,
  };
  const fns: MatchFn[] = [];
  let impure = false;
  for (const m of r.matches) {
    if (m.kind === "statistic" || m.kind === "statistic-nth" || m.kind === "recent") impure = true;
    // The kernel tests -s/-d/-p first (ip_packet_match), then the -m matches in order. Pure
    // matches may be tested early; a tcp/mark match written after a side-effecting one
    // (statistic, recent) stays behind it so random draws and recent updates happen as in the kernel.
    if (m.kind === "src" && !(flags & F_SRC)) {
      flags |= F_SRC;
      c.srcBase = m.cidr.base; c.srcMask = m.cidr.mask; c.srcNeg = m.neg;
    } else if (m.kind === "dst" && !(flags & F_DST)) {
      flags |= F_DST;
      c.dstBase = m.cidr.base; c.dstMask = m.cidr.mask; c.dstNeg = m.neg;
    } else if (m.kind === "proto" && !(flags & F_PROTO)) {
      flags |= F_PROTO;
      c.proto = m.proto; c.protoNeg = m.neg;
    } else if (m.kind === "port" && m.which === "dport" && !(flags & F_DPORT) && !impure) {
      flags |= F_DPORT;
      c.portProto = m.proto; c.portLo = m.lo; c.portHi = m.hi; c.portNeg = m.neg;
    } else if (m.kind === "mark" && !(flags & F_MARK) && !impure) {
      flags |= F_MARK;
      c.markValue = m.value; c.markMask = m.mask; c.markNeg = m.neg;
    } else {
      const fn = compileMatch(m);
      if (fn) fns.push(fn);
    }
  }
  const t = r.target;
  const decided = Object.freeze({ table, chain, ruleNumber: number, rule: `-A ${chain} ${r.spec}` });
  const tcode =
    t.kind === "jump" ? T_JUMP : t.kind === "RETURN" ? T_RETURN : t.kind === "ACCEPT" ? T_ACCEPT : t.kind === "DROP" ? T_DROP
      : t.kind === "REJECT" ? T_REJECT : t.kind === "MARK" ? T_MARK : t.kind === "DNAT" ? T_DNAT : t.kind === "SNAT" ? T_SNAT
        : t.kind === "MASQUERADE" ? T_MASQ : T_NONE;
  let result: TableResult | null = null;
  if (t.kind === "ACCEPT" || t.kind === "DROP") result = Object.freeze({ verdict: t.kind, decidedBy: decided, nat: null });
  else if (t.kind === "REJECT") result = Object.freeze({ verdict: "REJECT", decidedBy: decided, nat: null, rejectWith: t.with });
  else if (t.kind === "DNAT" && t.port !== 0) {
    result = Object.freeze({ verdict: "ACCEPT", decidedBy: decided, nat: Object.freeze({ kind: "DNAT", ip: t.ip, port: t.port, chain, ruleNumber: number }) });
  }
  return {
    flags,
    ...c,
    tcode,
    tGoto: t.kind === "jump" && t.goto,
    tOp: t.kind === "MARK" ? { or: OP_OR, xor: OP_XOR, and: OP_AND, set: OP_SET, xset: OP_XSET }[t.op] : 0,
    tValue: t.kind === "MARK" ? t.value : 0,
    tMask: t.kind === "MARK" ? t.mask : 0,
    tIp: t.kind === "DNAT" || t.kind === "SNAT" ? t.ip : 0,
    tPort: t.kind === "DNAT" || t.kind === "SNAT" ? t.port : t.kind === "MASQUERADE" ? t.toPort : 0,
    result,
    number,
    decided,
    rule: r,
    fns,
    target: r.target,
    jumpTo: null,
  };
}

/** The key a rule can be indexed under: exact destination (or any), protocol and single port. */
function indexKey(r: Rule): { dst: number | null; pp: number } | null {
  let dst: number | null = null;
  let proto = -1;
  let port = -1;
  for (const m of r.matches) {
    if (m.kind === "dst" && !m.neg && m.cidr.prefix === 32) dst = m.cidr.base;
    else if (m.kind === "proto" && !m.neg) proto = m.proto;
    else if (m.kind === "port" && m.which === "dport" && !m.neg && m.lo === m.hi) port = m.lo;
  }
  if (proto < 0 || port < 0) return null;
  return { dst, pp: (proto << 16) | port };
}

function buildIndex(rules: CRule[]): ChainIndex | null {
  if (rules.length < INDEX_MIN_RULES) return null;
  const n = rules.length;
  const nextPlain = new Int32Array(n + 1);
  const byDstL = new Map<number, Map<number, number[]>>();
  const anyL = new Map<number, number[]>();
  const plain: boolean[] = [];
  let indexed = 0;
  for (let i = 0; i < n; i++) {
    const k = indexKey(rules[i]!.rule);
    plain.push(k === null);
    if (!k) continue;
    indexed++;
    if (k.dst === null) {
      let l = anyL.get(k.pp);
      if (!l) anyL.set(k.pp, (l = []));
      l.push(i);
    } else {
      let inner = byDstL.get(k.dst);
      if (!inner) byDstL.set(k.dst, (inner = new Map()));
      let l = inner.get(k.pp);
      if (!l) inner.set(k.pp, (l = []));
      l.push(i);
    }
  }
  if (indexed < n / 2) return null;
  nextPlain[n] = n;
  for (let i = n - 1; i >= 0; i--) nextPlain[i] = plain[i] ? i : nextPlain[i + 1]!;
  const byDst = new Map<number, Map<number, Int32Array>>();
  for (const [d, inner] of byDstL) {
    const m = new Map<number, Int32Array>();
    for (const [k, l] of inner) m.set(k, Int32Array.from(l));
    byDst.set(d, m);
  }
  const anyDst = new Map<number, Int32Array>();
  for (const [k, l] of anyL) anyDst.set(k, Int32Array.from(l));
  return { nextPlain, byDst, anyDst };
}

function firstAtOrAfter(list: Int32Array | undefined, pos: number, best: number): number {
  if (list === undefined) return best;
  for (let i = 0; i < list.length; i++) {
    const v = list[i]!;
    if (v >= pos) return v < best ? v : best;
  }
  return best;
}

function nextCandidate(ix: ChainIndex, p: NetPacket, pos: number): number {
  let best = ix.nextPlain[pos]!;
  const pp = (p.proto << 16) | p.dport;
  const inner = ix.byDst.get(p.dst);
  if (inner !== undefined) best = firstAtOrAfter(inner.get(pp), pos, best);
  if (ix.anyDst.size) best = firstAtOrAfter(ix.anyDst.get(pp), pos, best);
  return best;
}

/** Human-readable description of what a matched rule's target did. */
function describeTarget(t: RuleTarget): string {
  switch (t.kind) {
    case "jump":
      return `${t.goto ? "goto" : "jump"} ${t.chain}`;
    case "DNAT":
      return `DNAT to ${fmt(t.ip)}${t.port ? `:${t.port}` : ""}`;
    case "SNAT":
      return `SNAT to ${fmt(t.ip)}${t.port ? `:${t.port}` : ""}`;
    case "MARK":
      return `MARK ${t.op} 0x${t.value.toString(16)}${t.op === "set" || t.op === "xset" ? `/0x${t.mask.toString(16)}` : ""}`;
    case "REJECT":
      return `REJECT (${t.with})`;
    case "none":
      return "count only";
    default:
      return t.kind;
  }
}

function fmt(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/**
 * A compiled rule set: tables ready to run.
 *
 * @example
 * ```ts
 * const nf = new Netfilter(parseRestore(text));
 * nf.run("nat", "PREROUTING", pkt, env, { rulesEvaluated: 0 }, null).verdict;
 * ```
 */
export class Netfilter {
  readonly tables: ReadonlyMap<string, CompiledTable>;
  /** Total rules across all tables, for reporting. */
  readonly ruleCount: number;

  constructor(rs: Ruleset) {
    const tables = new Map<string, CompiledTable>();
    let count = 0;
    for (const [tname, t] of rs.tables) {
      const chains = new Map<string, CChain>();
      for (const [cname, c] of t.chains) {
        const rules: CRule[] = c.rules.map((r, i) => compileRule(r, i + 1, tname, cname));
        count += rules.length;
        chains.set(cname, { name: cname, builtin: c.builtin, policy: c.policy, rules, index: null });
      }
      for (const c of chains.values()) {
        for (const r of c.rules) if (r.target.kind === "jump") r.jumpTo = chains.get(r.target.chain) ?? null;
        c.index = buildIndex(c.rules);
      }
      tables.set(tname, { name: tname, chains });
    }
    this.tables = tables;
    this.ruleCount = count;
  }

  /** The built-in chain of a table's hook, if the table exists. */
  hookChain(table: string, hook: string): HookChain | undefined {
    return this.tables.get(table)?.chains.get(hook);
  }

  /** Whether a table's hook chain has any rule (empty hooks are skipped in traces). */
  hasRules(table: string, hook: string): boolean {
    return (this.tables.get(table)?.chains.get(hook)?.rules.length ?? 0) > 0;
  }

  /**
   * Traverse one table at one hook. Mutates the packet (DNAT/SNAT/MASQUERADE/MARK). When
   * `trace` is given every tested rule is appended to it (and the index is not used, so the
   * trace shows each rule); the rule count is the same either way.
   */
  run(table: string, hook: string, p: NetPacket, env: EvalEnv, stats: EvalStats, trace: RuleStep[] | null): TableResult {
    const start = this.tables.get(table)?.chains.get(hook);
    if (!start) return ACCEPTED;
    return this.runChain(start, table, p, env, stats, trace);
  }

  // Reused between calls: evaluation is synchronous and never re-entrant.
  private readonly stack: CChain[] = [];
  private readonly posStack: number[] = [];

  /** Traverse a built-in chain obtained from {@link hookChain}. */
  runChain(start: HookChain, table: string, p: NetPacket, env: EvalEnv, stats: EvalStats, trace: RuleStep[] | null): TableResult {
    let chain = start as CChain;
    let pos = 0;
    const stack = this.stack;
    const posStack = this.posStack;
    let sp = 0;
    for (;;) {
      const rules = chain.rules;
      if (trace === null && chain.index !== null && pos < rules.length) {
        const cand = nextCandidate(chain.index, p, pos);
        stats.rulesEvaluated += cand - pos;
        pos = cand;
      }
      if (pos >= rules.length) {
        if (sp === 0) return start.policy === "ACCEPT" ? ACCEPTED : DROPPED;
        chain = stack[--sp]!;
        pos = posStack[sp]!;
        continue;
      }
      const r = rules[pos]!;
      stats.rulesEvaluated++;
      let ok = true;
      const f = r.flags;
      if (f !== 0) {
        if ((f & F_DST) !== 0 && (((p.dst & r.dstMask) >>> 0) === r.dstBase) === r.dstNeg) ok = false;
        else if ((f & F_SRC) !== 0 && (((p.src & r.srcMask) >>> 0) === r.srcBase) === r.srcNeg) ok = false;
        else if ((f & F_PROTO) !== 0 && (p.proto === r.proto) === r.protoNeg) ok = false;
        else if ((f & F_DPORT) !== 0 && (p.proto !== r.portProto || (p.dport >= r.portLo && p.dport <= r.portHi) === r.portNeg)) ok = false;
        else if ((f & F_MARK) !== 0 && (((p.mark & r.markMask) >>> 0) === r.markValue) === r.markNeg) ok = false;
      }
      const fns = r.fns;
      if (ok && fns.length !== 0) for (let i = 0; i < fns.length; i++) {
        if (!fns[i]!(p, env)) {
          ok = false;
          break;
        }
      }
      if (trace !== null) {
        const step: RuleStep = { table, chain: chain.name, ruleNumber: r.number, rule: r.decided.rule, matched: ok };
        if (ok) step.action = describeTarget(r.target);
        trace.push(step);
      }
      if (!ok) {
        pos++;
        continue;
      }
      switch (r.tcode) {
        case T_JUMP: {
          const next = r.jumpTo!;
          if (!r.tGoto) {
            if (sp > 64) throw new Error(`iptables: chain loop through ${next.name}`);
            stack[sp] = chain;
            posStack[sp++] = pos + 1;
          }
          chain = next;
          pos = 0;
          continue;
        }
        case T_NONE:
          pos++;
          continue;
        case T_RETURN:
          if (sp === 0) return start.policy === "ACCEPT" ? ACCEPTED : DROPPED;
          chain = stack[--sp]!;
          pos = posStack[sp]!;
          continue;
        case T_ACCEPT:
        case T_DROP:
        case T_REJECT:
          return r.result!;
        case T_MARK: {
          const m = p.mark;
          const op = r.tOp;
          p.mark =
            (op === OP_OR ? m | r.tValue : op === OP_XOR ? m ^ r.tValue : op === OP_AND ? m & r.tValue : op === OP_SET ? (m & ~r.tMask) | r.tValue : (m & ~r.tMask) ^ r.tValue) >>> 0;
          pos++;
          continue;
        }
        case T_DNAT:
          p.dst = r.tIp;
          if (r.tPort !== 0) p.dport = r.tPort;
          p.ct |= CT.DNAT;
          return r.result ?? { verdict: "ACCEPT", decidedBy: r.decided, nat: { kind: "DNAT", ip: p.dst, port: p.dport, chain: chain.name, ruleNumber: r.number } };
        case T_SNAT:
          p.src = r.tIp;
          if (r.tPort !== 0) p.sport = r.tPort;
          p.ct |= CT.SNAT;
          return { verdict: "ACCEPT", decidedBy: r.decided, nat: { kind: "SNAT", ip: p.src, port: p.sport, chain: chain.name, ruleNumber: r.number } };
        default:
          // T_MASQ
          p.src = env.masqueradeAddress(p.outIface);
          if (r.tPort !== 0) p.sport = r.tPort;
          p.ct |= CT.SNAT;
          return { verdict: "ACCEPT", decidedBy: r.decided, nat: { kind: "MASQUERADE", ip: p.src, port: p.sport, chain: chain.name, ruleNumber: r.number } };
      }
    }
  }
}

/**
 * Compile a parsed rule set.
 *
 * @example
 * ```ts
 * const nf = compileRuleset(parseRestore(node.iptablesSave()));
 * nf.ruleCount;
 * ```
 */
export function compileRuleset(rs: Ruleset): Netfilter {
  return new Netfilter(rs);
}
