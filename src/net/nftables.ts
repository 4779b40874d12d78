/**
 * nftables evaluation for the data path: the text kube-proxy feeds to `nft -f` is applied to a
 * table (add/flush/delete of chains, sets, maps, rules, elements), compiled, and a packet is run
 * through the base chains of a hook in priority order, as nf_tables does.
 *
 * Cost is counted as the kernel pays it: every rule tested is one evaluation, and a verdict-map
 * lookup (`ip daddr . meta l4proto . th dport vmap @service-ips`) is one rule however many
 * Services the map holds — the point of kube-proxy's nftables mode.
 *
 * Supported is the statement set kube-proxy writes (pkg/proxy/nftables/proxier.go): `ct state`,
 * `ip saddr|daddr` against an address, CIDR, anonymous set or named set, `tcp|udp|sctp dport`,
 * `meta l4proto`, `fib saddr|daddr type local`, `mark and … == 0`, concatenated `vmap` lookups,
 * `numgen random mod N vmap`, `update @set { ip saddr }`, `mark set mark or|xor`, `dnat to`,
 * `masquerade`, `jump`, `goto`, `return`, `accept`, `drop`, `reject`.
 *
 * @example
 * ```ts
 * const nft = compileNftables(node.nftables!());
 * const rt = new NftRuntime(nft);
 * rt.run("nat", "PREROUTING", pkt, env, stats, null);   // [{ chain: "nat-prerouting", result }]
 * ```
 */
import { type Cidr, cidrContains, parseCidr, parseIPv4 } from "../util/ipv4";
import type { EvalEnv, EvalStats, NetPacket, RuleStep, TableResult } from "./netfilter";
import { CT, PROTO } from "./restore";

type Hook = "prerouting" | "input" | "forward" | "output" | "postrouting";

type Verdict =
  | { kind: "jump" | "goto"; chain: string; to: NChain | null }
  | { kind: "accept" | "drop" | "reject" | "return" };

type Match = (p: NetPacket, env: EvalEnv, st: NftState) => boolean;

type Stmt =
  | { kind: "verdict"; v: Verdict }
  | { kind: "vmap"; map: string; fields: 2 | 3 }
  | { kind: "numgen"; mod: number; targets: Verdict[] }
  | { kind: "mark"; op: "or" | "xor"; value: number }
  | { kind: "update"; set: string }
  | { kind: "dnat"; ip: number; port: number }
  | { kind: "masquerade" }
  | { kind: "none" };

interface NRule {
  readonly text: string;
  readonly number: number;
  readonly matches: Match[];
  /** Statements after the matches, in order (e.g. `update` then nothing; `mark set` alone). */
  readonly stmts: Stmt[];
}

/** A chain handle (opaque outside this module). */
export type NftBaseChain = { readonly name: string };

interface NChain {
  readonly name: string;
  readonly hook?: { type: "filter" | "nat"; hook: Hook; priority: number };
  rules: NRule[];
}

interface NSet {
  readonly kind: "set" | "map";
  readonly name: string;
  readonly timeout: number;
  readonly dynamic: boolean;
  /** Addresses (ipv4_addr sets). */
  readonly addrs: Set<number>;
  /** Maps: first key field → rest of key (proto << 16 | port, or for 2-field keys the same with field 0) → verdict. */
  readonly entries: Map<number, Map<number, Verdict>>;
}

/** Per-node dynamic state: affinity sets' elements (address → expiry, seconds). */
export class NftState {
  readonly dynamic = new Map<string, Map<number, number>>();
  constructor(readonly sets: ReadonlyMap<string, NSet>) {}
}

/** Thrown for a line of `nft -f` input the model does not understand. */
export class NftParseError extends Error {}

function verdictOf(words: readonly string[], i: number): [Verdict, number] {
  const w = words[i];
  if (w === "jump" || w === "goto") return [{ kind: w, chain: words[i + 1]!, to: null }, i + 2];
  if (w === "accept" || w === "drop" || w === "reject" || w === "return") return [{ kind: w }, i + 1];
  throw new NftParseError(`unsupported verdict "${w}"`);
}

function protoNum(s: string): number {
  const n = (PROTO as Record<string, number>)[s];
  if (n === undefined) throw new NftParseError(`unsupported protocol "${s}"`);
  return n;
}

/** The statements of one rule (comment already removed). */
function compileRule(text: string, number: number): NRule {
  const words = text.split(/\s+/).filter((w) => w !== "");
  const matches: Match[] = [];
  const stmts: Stmt[] = [];
  let i = 0;
  while (i < words.length) {
    const w = words[i]!;
    if (w === "ct" && words[i + 1] === "state" && words[i + 2] === "new") {
      matches.push((p) => (p.ct & CT.NEW) !== 0);
      i += 3;
    } else if (w === "ip" && words[i + 1] === "daddr" && words[i + 2] === "." ) {
      // ip daddr . meta l4proto . th dport vmap @map
      const map = words[i + 9]!.slice(1);
      stmts.push({ kind: "vmap", map, fields: 3 });
      i += 10;
    } else if (w === "meta" && words[i + 1] === "l4proto" && words[i + 2] === ".") {
      const map = words[i + 6]!.slice(1);
      stmts.push({ kind: "vmap", map, fields: 2 });
      i += 7;
    } else if (w === "meta" && words[i + 1] === "l4proto") {
      const pr = protoNum(words[i + 2]!);
      matches.push((p) => p.proto === pr);
      i += 3;
    } else if (w === "ip" && (words[i + 1] === "saddr" || words[i + 1] === "daddr")) {
      const src = words[i + 1] === "saddr";
      let j = i + 2;
      const neg = words[j] === "!=";
      if (neg) j++;
      const get = src ? (p: NetPacket) => p.src : (p: NetPacket) => p.dst;
      const arg = words[j]!;
      if (arg.startsWith("@")) {
        const set = arg.slice(1);
        matches.push((p, env, st) => {
          const a = get(p);
          const dyn = st.dynamic.get(set);
          let hit: boolean;
          if (dyn) {
            if (env.chooser) env.chooser.historyDependent = true;
            const exp = dyn.get(a);
            hit = exp !== undefined && exp > env.now;
          } else hit = st.sets.get(set)?.addrs.has(a) ?? false;
          return hit !== neg;
        });
        i = j + 1;
      } else {
        let cidrs: Cidr[];
        if (arg === "{") {
          const end = words.indexOf("}", j);
          cidrs = words.slice(j + 1, end).filter((x) => x !== ",").map((x) => parseCidr(x.includes("/") ? x : `${x}/32`));
          i = end + 1;
        } else {
          cidrs = [parseCidr(arg.includes("/") ? arg : `${arg}/32`)];
          i = j + 1;
        }
        matches.push((p) => cidrs.some((c) => cidrContains(c, get(p))) !== neg);
      }
    } else if ((w === "tcp" || w === "udp" || w === "sctp") && words[i + 1] === "dport") {
      const pr = protoNum(w);
      const port = Number(words[i + 2]);
      matches.push((p) => p.proto === pr && p.dport === port);
      i += 3;
    } else if (w === "fib" && words[i + 2] === "type" && words[i + 3] === "local") {
      const src = words[i + 1] === "saddr";
      matches.push(src ? (p, env) => env.isLocal(p.src) : (p, env) => env.isLocal(p.dst));
      i += 4;
    } else if (w === "mark" && words[i + 1] === "and" && words[i + 3] === "==") {
      const m = Number(words[i + 2]);
      const v = Number(words[i + 4]);
      matches.push((p) => ((p.mark & m) >>> 0) === v);
      i += 5;
    } else if (w === "mark" && words[i + 1] === "set" && words[i + 2] === "mark") {
      stmts.push({ kind: "mark", op: words[i + 3] === "xor" ? "xor" : "or", value: Number(words[i + 4]) });
      i += 5;
    } else if (w === "numgen" && words[i + 1] === "random" && words[i + 2] === "mod") {
      const mod = Number(words[i + 3]);
      const end = words.indexOf("}", i);
      const body = words.slice(i + 6, end).join(" ").split(",").map((s) => s.trim().split(" "));
      const targets: Verdict[] = new Array(mod);
      for (const b of body) targets[Number(b[0])] = verdictOf(b, 2)[0];
      stmts.push({ kind: "numgen", mod, targets });
      i = end + 1;
    } else if (w === "update") {
      stmts.push({ kind: "update", set: words[i + 1]!.slice(1) });
      i = words.indexOf("}", i) + 1;
    } else if (w === "dnat" && words[i + 1] === "to") {
      const [ip, port] = words[i + 2]!.split(":");
      stmts.push({ kind: "dnat", ip: parseIPv4(ip!), port: Number(port ?? 0) });
      i += 3;
    } else if (w === "masquerade") {
      stmts.push({ kind: "masquerade" });
      i += words[i + 1] === "fully-random" ? 2 : 1;
    } else if (w === "jump" || w === "goto" || w === "accept" || w === "drop" || w === "reject" || w === "return") {
      const [v, next] = verdictOf(words, i);
      stmts.push({ kind: "verdict", v });
      i = next;
    } else throw new NftParseError(`unsupported nftables expression at "${words.slice(i).join(" ")}"`);
  }
  return { text, number, matches, stmts };
}

/** Split `… comment "x"` off the end of a rule or element. */
function splitComment(s: string): string {
  const at = s.indexOf(' comment "');
  return at < 0 ? s : s.slice(0, at);
}

function keyParts(key: string): number[] {
  return key.split(" . ").map((f) => (f.includes(".") ? parseIPv4(f) : /^\d+$/.test(f) ? Number(f) : protoNum(f)));
}

/**
 * A compiled `ip kube-proxy`-style table.
 *
 * @example
 * ```ts
 * compileNftables(text).chains.size;
 * ```
 */
export class NftTable {
  readonly chains = new Map<string, NChain>();
  readonly sets = new Map<string, NSet>();
  /** Base chains per hook, in priority order. */
  readonly hooks = new Map<Hook, NChain[]>();
  /** Rules in the table. */
  ruleCount = 0;

  /** @internal */
  link(): void {
    this.hooks.clear();
    this.ruleCount = 0;
    for (const c of this.chains.values()) {
      this.ruleCount += c.rules.length;
      for (const r of c.rules) {
        for (const s of r.stmts) {
          if (s.kind === "verdict") this.resolve(s.v);
          else if (s.kind === "numgen") s.targets.forEach((t) => this.resolve(t));
        }
      }
      if (c.hook) {
        const l = this.hooks.get(c.hook.hook) ?? [];
        l.push(c);
        this.hooks.set(c.hook.hook, l);
      }
    }
    for (const s of this.sets.values()) for (const m of s.entries.values()) for (const v of m.values()) this.resolve(v);
    for (const l of this.hooks.values()) l.sort((a, b) => a.hook!.priority - b.hook!.priority);
  }

  private resolve(v: Verdict): void {
    if (v.kind !== "jump" && v.kind !== "goto") return;
    const c = this.chains.get(v.chain);
    if (!c) throw new NftParseError(`rule refers to missing chain ${v.chain}`);
    v.to = c;
  }
}

/**
 * Apply `nft -f` input (kube-proxy's transaction) to an empty table and compile it.
 *
 * @example
 * ```ts
 * const t = compileNftables(rs.ruleset());
 * t.hooks.get("prerouting")!.map((c) => c.name);   // ["filter-prerouting-pre-dnat", "nat-prerouting"]
 * ```
 */
export function compileNftables(text: string): NftTable {
  const t = new NftTable();
  let lineNo = 0;
  for (const raw of text.split("\n")) {
    lineNo++;
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    try {
      applyLine(t, line);
    } catch (e) {
      if (e instanceof NftParseError) throw new NftParseError(`nft input line ${lineNo}: ${e.message}`);
      throw e;
    }
  }
  t.link();
  return t;
}

function applyLine(t: NftTable, line: string): void {
  const m = /^(add|flush|delete) (table|chain|rule|set|map|element) ip (\S+)(?: (\S+))?(?: (.*))?$/.exec(line);
  if (!m) throw new NftParseError(`cannot read "${line}"`);
  const [, op, kind, , name, rest] = m;
  if (kind === "table") return;
  if (kind === "chain") {
    if (op === "delete") t.chains.delete(name!);
    else if (op === "flush") {
      const c = t.chains.get(name!);
      if (c) c.rules = [];
    } else if (!t.chains.has(name!)) {
      const h = /type (filter|nat) hook (\w+) priority (-?\d+)/.exec(rest ?? "");
      t.chains.set(name!, h ? { name: name!, hook: { type: h[1] as "filter" | "nat", hook: h[2] as Hook, priority: Number(h[3]) }, rules: [] } : { name: name!, rules: [] });
    }
    return;
  }
  if (kind === "rule") {
    const c = t.chains.get(name!);
    if (!c) throw new NftParseError(`add rule to missing chain ${name}`);
    c.rules.push(compileRule(splitComment(rest ?? ""), c.rules.length + 1));
    return;
  }
  if (kind === "set" || kind === "map") {
    if (op === "delete") t.sets.delete(name!);
    else if (op === "flush") {
      const s = t.sets.get(name!);
      s?.addrs.clear();
      s?.entries.clear();
    } else if (!t.sets.has(name!)) {
      const timeout = /timeout (\d+)s/.exec(rest ?? "");
      t.sets.set(name!, { kind, name: name!, timeout: timeout ? Number(timeout[1]) : 0, dynamic: /flags [^;]*dynamic/.test(rest ?? ""), addrs: new Set(), entries: new Map() });
    }
    return;
  }
  // element: { key [comment "…"] [: verdict] }
  const s = t.sets.get(name!);
  if (!s) throw new NftParseError(`add element to missing set ${name}`);
  const body = (rest ?? "").replace(/^\{\s*/, "").replace(/\s*\}$/, "");
  const colon = body.lastIndexOf(" : ");
  const keyText = splitComment(colon < 0 ? body : body.slice(0, colon)).trim();
  if (s.kind === "set") {
    for (const k of keyText.split(",")) s.addrs.add(parseIPv4(k.trim()));
    return;
  }
  const parts = keyParts(keyText);
  const v = verdictOf(body.slice(colon + 3).trim().split(/\s+/), 0)[0];
  const first = parts.length === 3 ? parts[0]! : 0;
  const rest2 = parts.length === 3 ? (parts[1]! << 16) | parts[2]! : (parts[0]! << 16) | parts[1]!;
  let inner = s.entries.get(first);
  if (!inner) s.entries.set(first, (inner = new Map()));
  inner.set(rest2, v);
}

const ACCEPTED: TableResult = Object.freeze({ verdict: "ACCEPT", decidedBy: null, nat: null });

/** One base chain's outcome at a hook. */
export interface NftChainResult {
  chain: string;
  result: TableResult;
  rulesEvaluated: number;
}

/** The iptables (table, HOOK) a datapath step stands for → the nftables hook and chain type. */
const hookOf: Record<string, { hook: Hook; types: readonly ("filter" | "nat")[] }> = {
  "nat/PREROUTING": { hook: "prerouting", types: ["filter", "nat"] },
  "nat/OUTPUT": { hook: "output", types: ["filter", "nat"] },
  "nat/POSTROUTING": { hook: "postrouting", types: ["filter", "nat"] },
  "filter/INPUT": { hook: "input", types: ["filter", "nat"] },
  "filter/FORWARD": { hook: "forward", types: ["filter"] },
  "filter/OUTPUT": { hook: "output", types: ["filter"] },
};

/**
 * A node's nftables in the data path: the compiled table (shared) plus this node's dynamic
 * sets.
 *
 * @example
 * ```ts
 * const rt = new NftRuntime(compileNftables(text));
 * ```
 */
export class NftRuntime {
  readonly state: NftState;
  private readonly byStep = new Map<string, NChain[]>();

  constructor(readonly table: NftTable) {
    const st = new NftState(table.sets);
    for (const s of table.sets.values()) if (s.dynamic) st.dynamic.set(s.name, new Map());
    this.state = st;
    // Which base chains a datapath step runs. The nat step of PREROUTING/OUTPUT also runs the
    // filter chains registered before DNAT (priority < -100); filter OUTPUT those after it.
    for (const [step, { hook, types }] of Object.entries(hookOf)) {
      const chains = (table.hooks.get(hook) ?? []).filter((c) => types.includes(c.hook!.type));
      let pick = chains;
      if (step === "nat/PREROUTING" || step === "nat/OUTPUT") pick = chains.filter((c) => c.hook!.type === "nat" || c.hook!.priority < -100);
      if (step === "filter/OUTPUT") pick = chains.filter((c) => c.hook!.type === "filter" && c.hook!.priority >= -100);
      this.byStep.set(step, pick);
    }
  }

  /** True when the table has base chains at this datapath step. */
  has(table: string, hook: string): boolean {
    return (this.byStep.get(`${table}/${hook}`)?.length ?? 0) > 0;
  }

  /** The base chains a datapath step runs, in priority order. */
  chainsAt(table: string, hook: string): readonly NftBaseChain[] {
    return this.byStep.get(`${table}/${hook}`) ?? [];
  }

  /**
   * Run the base chains of a datapath step in priority order. Stops at the first chain that
   * drops or rejects; accept (or a NAT) ends only its own chain.
   */
  run(table: string, hook: string, p: NetPacket, env: EvalEnv, stats: EvalStats, steps: RuleStep[] | null): NftChainResult[] {
    const out: NftChainResult[] = [];
    for (const c of this.chainsAt(table, hook)) {
      const before = stats.rulesEvaluated;
      const result = this.runChain(c, p, env, stats, steps);
      out.push({ chain: c.name, result, rulesEvaluated: stats.rulesEvaluated - before });
      if (result.verdict !== "ACCEPT") break;
    }
    return out;
  }

  /** Run one base chain (policy accept) for a packet. */
  runChain(start: NftBaseChain, p: NetPacket, env: EvalEnv, stats: EvalStats, steps: RuleStep[] | null): TableResult {
    const st = this.state;
    const stack: { chain: NChain; pos: number }[] = [];
    let chain = start as NChain;
    let pos = 0;
    for (;;) {
      if (pos >= chain.rules.length) {
        const ret = stack.pop();
        if (!ret) return ACCEPTED; // base chain policy accept
        chain = ret.chain;
        pos = ret.pos;
        continue;
      }
      const r = chain.rules[pos]!;
      stats.rulesEvaluated++;
      let ok = true;
      for (const m of r.matches) {
        if (!m(p, env, st)) {
          ok = false;
          break;
        }
      }
      if (!ok) {
        steps?.push({ table: "ip kube-proxy", chain: chain.name, ruleNumber: r.number, rule: r.text, matched: false });
        pos++;
        continue;
      }
      let verdict: Verdict | null = null;
      let action = "";
      let nat: TableResult["nat"] = null;
      for (const s of r.stmts) {
        if (s.kind === "verdict") verdict = s.v;
        else if (s.kind === "vmap") {
          const set = st.sets.get(s.map);
          const inner = set?.entries.get(s.fields === 3 ? p.dst : 0);
          const v = inner?.get((p.proto << 16) | p.dport);
          if (v) verdict = v;
          if (steps) action = v ? `@${s.map} → ${v.kind}${"chain" in v ? " " + v.chain : ""}` : `no element in @${s.map}`;
          if (!v) break;
        } else if (s.kind === "numgen") {
          const i = env.chooser ? env.chooser.pick(new Array<number>(s.mod).fill(1)) : Math.floor(env.rng.next() * s.mod);
          verdict = s.targets[i]!;
          if (steps) action = `numgen ${i} of ${s.mod}`;
        } else if (s.kind === "mark") {
          p.mark = (s.op === "or" ? p.mark | s.value : p.mark ^ s.value) >>> 0;
        } else if (s.kind === "update") {
          const dyn = st.dynamic.get(s.set);
          const timeout = st.sets.get(s.set)?.timeout ?? 0;
          dyn?.set(p.src, env.now + timeout);
        } else if (s.kind === "dnat") {
          p.dst = s.ip;
          if (s.port) p.dport = s.port;
          p.ct |= CT.DNAT;
          nat = { kind: "DNAT", ip: p.dst, port: p.dport, chain: chain.name, ruleNumber: r.number };
          verdict = { kind: "accept" };
        } else if (s.kind === "masquerade") {
          p.src = env.masqueradeAddress(p.outIface);
          p.ct |= CT.SNAT;
          nat = { kind: "MASQUERADE", ip: p.src, port: p.sport, chain: chain.name, ruleNumber: r.number };
          verdict = { kind: "accept" };
        }
      }
      steps?.push({ table: "ip kube-proxy", chain: chain.name, ruleNumber: r.number, rule: r.text, matched: true, ...(action || verdict ? { action: action || (verdict ? `${verdict.kind}${"chain" in verdict ? " " + verdict.chain : ""}` : "") } : {}) });
      const decided = { table: "ip kube-proxy", chain: chain.name, ruleNumber: r.number, rule: r.text };
      if (!verdict) {
        pos++;
        continue;
      }
      switch (verdict.kind) {
        case "jump":
          stack.push({ chain, pos: pos + 1 });
          chain = (verdict as { to: NChain }).to;
          pos = 0;
          continue;
        case "goto":
          chain = (verdict as { to: NChain }).to;
          pos = 0;
          continue;
        case "return": {
          const ret = stack.pop();
          if (!ret) return ACCEPTED;
          chain = ret.chain;
          pos = ret.pos;
          continue;
        }
        case "accept":
          return nat ? { verdict: "ACCEPT", decidedBy: decided, nat } : ACCEPTED;
        case "drop":
          return { verdict: "DROP", decidedBy: decided, nat: null };
        case "reject":
          return { verdict: "REJECT", decidedBy: decided, nat: null, rejectWith: "icmp port-unreachable" };
      }
    }
  }
}
