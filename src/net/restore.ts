/**
 * A parser for `iptables-restore` input (and `iptables-save` output, which is the same format):
 * tables, chains with policies, and the rule options kubelet and kube-proxy (iptables and IPVS
 * modes) write. The result is a plain, typed rule set; {@link compileRuleset} in `netfilter.ts`
 * turns it into a form that evaluates fast.
 *
 * Like iptables, an option after `-m MODULE` (or after `-p tcp`, which loads the tcp match) belongs
 * to that module, `!` negates the option that follows, and target options follow `-j TARGET`.
 * Anything outside the supported subset is an error naming the line, as iptables-restore reports
 * `line N failed`.
 *
 * @example
 * ```ts
 * const rs = parseRestore(`*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m tcp --dport 53 -j ACCEPT\nCOMMIT\n`);
 * rs.tables.get("nat")?.chains.get("KUBE-SERVICES")?.rules.length;  // 1
 * ```
 */
import { type Cidr, parseAddressOrCidr, parseIPv4 } from "../util/ipv4";
import { tokenize } from "../util/iptables/tokenize";

/** IP protocol numbers used in rules. */
export const PROTO = { tcp: 6, udp: 17, sctp: 132, icmp: 1 } as const;

/** Connection-tracking states as bits, for `-m conntrack --ctstate` / `-m state --state`. */
export const CT = { NEW: 1, ESTABLISHED: 2, RELATED: 4, INVALID: 8, UNTRACKED: 16, SNAT: 32, DNAT: 64 } as const;

export type Match =
  | { kind: "src" | "dst"; neg: boolean; cidr: Cidr }
  | { kind: "proto"; neg: boolean; proto: number }
  | { kind: "in" | "out"; neg: boolean; iface: string; prefix: boolean }
  | { kind: "comment"; text: string }
  | { kind: "port"; which: "sport" | "dport"; neg: boolean; proto: number; lo: number; hi: number }
  | { kind: "multiport"; which: "sport" | "dport" | "any"; neg: boolean; ranges: [number, number][] }
  | { kind: "addrtype"; which: "src" | "dst"; neg: boolean; types: string[] }
  | { kind: "mark"; neg: boolean; value: number; mask: number }
  | { kind: "statistic"; neg: boolean; mode: "random"; probability: number }
  | { kind: "statistic-nth"; neg: boolean; every: number; packet: number }
  | {
      kind: "recent";
      neg: boolean;
      op: "rcheck" | "update" | "set" | "remove";
      name: string;
      seconds: number;
      reap: boolean;
      hitcount: number;
      mask: number;
      side: "src" | "dst";
    }
  | { kind: "ctstate"; neg: boolean; states: number }
  | { kind: "set"; neg: boolean; name: string; dirs: ("src" | "dst")[] }
  | { kind: "physdev"; flag: "is-in" | "is-out" | "is-bridged"; neg: boolean }
  | { kind: "physdev-dev"; which: "in" | "out"; neg: boolean; iface: string; prefix: boolean }
  | { kind: "ipvs"; neg: boolean; vaddr?: Cidr; vproto?: number; vport?: number; ipvs?: boolean };

export type RuleTarget =
  | { kind: "ACCEPT" | "DROP" | "RETURN" }
  | { kind: "jump"; chain: string; goto: boolean }
  | { kind: "DNAT"; ip: number; port: number }
  | { kind: "SNAT"; ip: number; port: number; randomFully: boolean }
  | { kind: "MASQUERADE"; randomFully: boolean; toPort: number }
  | { kind: "MARK"; op: "set" | "xset" | "or" | "xor" | "and"; value: number; mask: number }
  | { kind: "REJECT"; with: string }
  | { kind: "none" };

/** One rule as written, with where it came from. */
export interface Rule {
  readonly table: string;
  readonly chain: string;
  /** 1-based line number in the input text. */
  readonly line: number;
  /** The rule's text without the leading `-A CHAIN`. */
  readonly spec: string;
  readonly matches: readonly Match[];
  readonly target: RuleTarget;
}

export interface Chain {
  readonly name: string;
  readonly builtin: boolean;
  /** Built-in chains only: the verdict when no rule decides. */
  policy: "ACCEPT" | "DROP";
  rules: Rule[];
}

export interface RuleTable {
  readonly name: string;
  readonly chains: Map<string, Chain>;
}

export interface Ruleset {
  readonly tables: Map<string, RuleTable>;
}

/**
 * An input line iptables-restore would refuse.
 *
 * @example
 * ```ts
 * try { parseRestore("*nat\n-A NOPE -j ACCEPT\nCOMMIT\n"); } catch (e) { (e as RestoreParseError).line; }   // 2
 * ```
 */
export class RestoreParseError extends Error {
  constructor(
    readonly line: number,
    readonly text: string,
    reason: string,
  ) {
    super(`iptables-restore: line ${line} failed: ${reason}\n  ${line} | ${text}`);
    this.name = "RestoreParseError";
  }
}

const builtinChains: Record<string, string[]> = {
  filter: ["INPUT", "FORWARD", "OUTPUT"],
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
  raw: ["PREROUTING", "OUTPUT"],
  security: ["INPUT", "FORWARD", "OUTPUT"],
};

/**
 * An empty rule set: every table with its built-in chains, policy ACCEPT, as on a fresh host.
 *
 * @example
 * ```ts
 * emptyRuleset().tables.get("filter")?.chains.has("FORWARD");  // true
 * ```
 */
export function emptyRuleset(): Ruleset {
  const tables = new Map<string, RuleTable>();
  for (const [name, chains] of Object.entries(builtinChains)) tables.set(name, freshTable(name, chains));
  return { tables };
}

function freshTable(name: string, chains: string[]): RuleTable {
  const t: RuleTable = { name, chains: new Map() };
  for (const c of chains) t.chains.set(c, { name: c, builtin: true, policy: "ACCEPT", rules: [] });
  return t;
}


function parseNum(s: string | undefined, what: string): number {
  if (s === undefined || !/^(0x[0-9a-fA-F]+|\d+)$/.test(s)) throw new Error(`invalid ${what} "${s ?? ""}"`);
  return Number(s) >>> 0;
}

function parseValueMask(s: string | undefined, what: string): [number, number] {
  if (s === undefined) throw new Error(`${what} needs a value`);
  const [v, m] = s.split("/");
  return [parseNum(v, what), m === undefined ? 0xffffffff : parseNum(m, what)];
}

function parsePortRange(s: string | undefined): [number, number] {
  if (s === undefined) throw new Error("port option needs a value");
  const [a, b] = s.split(":");
  const lo = a === "" || a === undefined ? 0 : parseNum(a, "port");
  const hi = b === undefined ? lo : b === "" ? 65535 : parseNum(b, "port");
  if (lo > 65535 || hi > 65535 || lo > hi) throw new Error(`invalid port "${s}"`);
  return [lo, hi];
}

function parseProto(s: string | undefined): number {
  if (s === undefined) throw new Error("-p needs a protocol");
  const lower = s.toLowerCase();
  if (lower in PROTO) return PROTO[lower as keyof typeof PROTO];
  if (lower === "all") return 0;
  if (/^\d+$/.test(lower)) return Number(lower);
  throw new Error(`unknown protocol "${s}"`);
}

function parseIface(s: string | undefined): { iface: string; prefix: boolean } {
  if (s === undefined || s === "") throw new Error("interface option needs a name");
  return s.endsWith("+") ? { iface: s.slice(0, -1), prefix: true } : { iface: s, prefix: false };
}

function parseStates(s: string | undefined): number {
  if (s === undefined) throw new Error("--ctstate needs a list");
  let bits = 0;
  for (const st of s.split(",")) {
    const b = (CT as Record<string, number>)[st.toUpperCase()];
    if (b === undefined) throw new Error(`unknown conntrack state "${st}"`);
    bits |= b;
  }
  return bits;
}

function parseHostPort(s: string | undefined, what: string): { ip: number; port: number } {
  if (s === undefined) throw new Error(`${what} needs an address`);
  const colon = s.indexOf(":");
  const ip = parseIPv4(colon < 0 ? s : s.slice(0, colon));
  const port = colon < 0 ? 0 : parsePortRange(s.slice(colon + 1))[0];
  return { ip, port };
}

const protoModules = new Set(["tcp", "udp", "sctp"]);
const knownModules = new Set([
  ...protoModules,
  "comment",
  "multiport",
  "addrtype",
  "mark",
  "statistic",
  "recent",
  "conntrack",
  "state",
  "set",
  "physdev",
  "ipvs",
]);

/** Mutable state of one module while its options are read. */
interface ModuleState {
  name: string;
  opts: Map<string, { neg: boolean; args: string[] }>;
  order: string[];
}

/** How many arguments each module option takes. */
const moduleOptionArity: Record<string, Record<string, number>> = {
  tcp: { "--dport": 1, "--destination-port": 1, "--sport": 1, "--source-port": 1 },
  udp: { "--dport": 1, "--destination-port": 1, "--sport": 1, "--source-port": 1 },
  sctp: { "--dport": 1, "--destination-port": 1, "--sport": 1, "--source-port": 1 },
  comment: { "--comment": 1 },
  multiport: { "--dports": 1, "--destination-ports": 1, "--sports": 1, "--source-ports": 1, "--ports": 1 },
  addrtype: { "--src-type": 1, "--dst-type": 1, "--limit-iface-in": 0, "--limit-iface-out": 0 },
  mark: { "--mark": 1 },
  statistic: { "--mode": 1, "--probability": 1, "--every": 1, "--packet": 1 },
  recent: {
    "--name": 1,
    "--rcheck": 0,
    "--update": 0,
    "--set": 0,
    "--remove": 0,
    "--seconds": 1,
    "--reap": 0,
    "--hitcount": 1,
    "--mask": 1,
    "--rsource": 0,
    "--rdest": 0,
    "--rttl": 0,
  },
  conntrack: { "--ctstate": 1 },
  state: { "--state": 1 },
  set: { "--match-set": 2 },
  physdev: { "--physdev-in": 1, "--physdev-out": 1, "--physdev-is-in": 0, "--physdev-is-out": 0, "--physdev-is-bridged": 0 },
  ipvs: { "--vaddr": 1, "--vproto": 1, "--vport": 1, "--ipvs": 0, "--vdir": 1, "--vmethod": 1 },
};

const targetOptionArity: Record<string, Record<string, number>> = {
  DNAT: { "--to-destination": 1, "--random": 0, "--persistent": 0 },
  SNAT: { "--to-source": 1, "--random": 0, "--random-fully": 0, "--persistent": 0 },
  MASQUERADE: { "--to-ports": 1, "--random": 0, "--random-fully": 0 },
  MARK: { "--set-mark": 1, "--set-xmark": 1, "--or-mark": 1, "--xor-mark": 1, "--and-mark": 1 },
  REJECT: { "--reject-with": 1 },
  ACCEPT: {},
  DROP: {},
  RETURN: {},
};

function finishModule(m: ModuleState, proto: { value: number; neg: boolean } | null): Match[] {
  const out: Match[] = [];
  const get = (k: string) => m.opts.get(k);
  switch (m.name) {
    case "tcp":
    case "udp":
    case "sctp": {
      const p = PROTO[m.name];
      for (const key of m.order) {
        const o = get(key)!;
        const which = key === "--dport" || key === "--destination-port" ? "dport" : "sport";
        const [lo, hi] = parsePortRange(o.args[0]);
        out.push({ kind: "port", which, neg: o.neg, proto: p, lo, hi });
      }
      if (m.order.length === 0) out.push({ kind: "port", which: "dport", neg: false, proto: p, lo: 0, hi: 65535 });
      void proto;
      return out;
    }
    case "comment": {
      const o = get("--comment");
      if (!o) throw new Error("-m comment needs --comment");
      return [{ kind: "comment", text: o.args[0]! }];
    }
    case "multiport": {
      for (const key of m.order) {
        const o = get(key)!;
        const which = key === "--ports" ? "any" : key.startsWith("--d") ? "dport" : "sport";
        const ranges = o.args[0]!.split(",").map(parsePortRange);
        out.push({ kind: "multiport", which, neg: o.neg, ranges });
      }
      return out;
    }
    case "addrtype": {
      for (const key of m.order) {
        if (key.startsWith("--limit")) continue;
        const o = get(key)!;
        const types = o.args[0]!.split(",").map((t) => t.toUpperCase());
        for (const t of types) {
          if (!["LOCAL", "UNICAST", "BROADCAST", "MULTICAST", "ANYCAST", "UNSPEC", "BLACKHOLE", "UNREACHABLE", "PROHIBIT"].includes(t))
            throw new Error(`unknown address type "${t}"`);
        }
        out.push({ kind: "addrtype", which: key === "--src-type" ? "src" : "dst", neg: o.neg, types });
      }
      return out;
    }
    case "mark": {
      const o = get("--mark");
      if (!o) throw new Error("-m mark needs --mark");
      const [value, mask] = parseValueMask(o.args[0], "mark");
      return [{ kind: "mark", neg: o.neg, value, mask }];
    }
    case "statistic": {
      const mode = get("--mode")?.args[0];
      if (mode === "random") {
        const o = get("--probability");
        if (!o) throw new Error("--mode random needs --probability");
        const probability = Number(o.args[0]);
        if (!(probability >= 0 && probability <= 1)) throw new Error(`invalid probability "${o.args[0] ?? ""}"`);
        return [{ kind: "statistic", neg: o.neg, mode: "random", probability }];
      }
      if (mode === "nth") {
        const e = get("--every");
        if (!e) throw new Error("--mode nth needs --every");
        return [{ kind: "statistic-nth", neg: e.neg, every: parseNum(e.args[0], "every"), packet: parseNum(get("--packet")?.args[0] ?? "0", "packet") }];
      }
      throw new Error(`-m statistic needs --mode random|nth`);
    }
    case "recent": {
      const ops = (["rcheck", "update", "set", "remove"] as const).filter((op) => m.opts.has(`--${op}`));
      if (ops.length !== 1) throw new Error("-m recent needs exactly one of --set, --rcheck, --update, --remove");
      const op = ops[0]!;
      const seconds = get("--seconds") ? parseNum(get("--seconds")!.args[0], "seconds") : 0;
      return [
        {
          kind: "recent",
          neg: get(`--${op}`)!.neg,
          op,
          name: get("--name")?.args[0] ?? "DEFAULT",
          seconds,
          reap: m.opts.has("--reap"),
          hitcount: get("--hitcount") ? parseNum(get("--hitcount")!.args[0], "hitcount") : 0,
          mask: get("--mask") ? parseIPv4(get("--mask")!.args[0]!) : 0xffffffff,
          side: m.opts.has("--rdest") ? "dst" : "src",
        },
      ];
    }
    case "conntrack":
    case "state": {
      const o = get(m.name === "state" ? "--state" : "--ctstate");
      if (!o) throw new Error(`-m ${m.name} needs ${m.name === "state" ? "--state" : "--ctstate"}`);
      return [{ kind: "ctstate", neg: o.neg, states: parseStates(o.args[0]) }];
    }
    case "set": {
      const o = get("--match-set");
      if (!o) throw new Error("-m set needs --match-set");
      const dirs = o.args[1]!.split(",").map((d) => {
        if (d !== "src" && d !== "dst") throw new Error(`invalid set flag "${d}"`);
        return d;
      });
      return [{ kind: "set", neg: o.neg, name: o.args[0]!, dirs }];
    }
    case "physdev": {
      for (const key of m.order) {
        const o = get(key)!;
        if (key === "--physdev-in" || key === "--physdev-out") {
          out.push({ kind: "physdev-dev", which: key === "--physdev-in" ? "in" : "out", neg: o.neg, ...parseIface(o.args[0]) });
        } else {
          out.push({ kind: "physdev", flag: key.slice("--physdev-".length) as "is-in" | "is-out" | "is-bridged", neg: o.neg });
        }
      }
      return out;
    }
    case "ipvs": {
      const mt: Match & { kind: "ipvs" } = { kind: "ipvs", neg: false };
      for (const key of m.order) {
        const o = get(key)!;
        if (o.neg) mt.neg = true;
        if (key === "--vaddr") mt.vaddr = parseAddressOrCidr(o.args[0]!);
        else if (key === "--vproto") mt.vproto = parseProto(o.args[0]);
        else if (key === "--vport") mt.vport = parseNum(o.args[0], "vport");
        else if (key === "--ipvs") mt.ipvs = true;
        else throw new Error(`-m ipvs ${key} is not supported`);
      }
      return [mt];
    }
  }
  throw new Error(`unknown match "${m.name}"`);
}

function finishTarget(name: string, opts: Map<string, string | undefined>, chains: ReadonlyMap<string, unknown>, isGoto: boolean): RuleTarget {
  switch (name) {
    case "ACCEPT":
    case "DROP":
    case "RETURN":
      return { kind: name };
    case "DNAT": {
      const hp = parseHostPort(opts.get("--to-destination"), "--to-destination");
      return { kind: "DNAT", ip: hp.ip, port: hp.port };
    }
    case "SNAT": {
      const hp = parseHostPort(opts.get("--to-source"), "--to-source");
      return { kind: "SNAT", ip: hp.ip, port: hp.port, randomFully: opts.has("--random-fully") };
    }
    case "MASQUERADE":
      return {
        kind: "MASQUERADE",
        randomFully: opts.has("--random-fully"),
        toPort: opts.has("--to-ports") ? parsePortRange(opts.get("--to-ports"))[0] : 0,
      };
    case "MARK": {
      const keys = [...opts.keys()];
      if (keys.length !== 1) throw new Error("MARK needs exactly one of --set-mark, --set-xmark, --or-mark, --xor-mark, --and-mark");
      const key = keys[0]!;
      const [value, mask] = parseValueMask(opts.get(key), key);
      if (key === "--or-mark") return { kind: "MARK", op: "or", value, mask: 0 };
      if (key === "--xor-mark") return { kind: "MARK", op: "xor", value, mask: 0 };
      if (key === "--and-mark") return { kind: "MARK", op: "and", value, mask: 0 };
      if (key === "--set-mark") return { kind: "MARK", op: "set", value, mask };
      return { kind: "MARK", op: "xset", value, mask };
    }
    case "REJECT":
      return { kind: "REJECT", with: opts.get("--reject-with") ?? "icmp-port-unreachable" };
  }
  if (chains.has(name)) return { kind: "jump", chain: name, goto: isGoto };
  throw new Error(`couldn't load target "${name}": no such chain or target`);
}

function parseRuleWords(
  words: string[],
  table: string,
  chainsInTable: ReadonlyMap<string, unknown>,
): { matches: Match[]; target: RuleTarget } {
  const matches: Match[] = [];
  const modules: ModuleState[] = [];
  let target: { name: string; opts: Map<string, string | undefined>; goto: boolean } | null = null;
  let proto: { value: number; neg: boolean } | null = null;
  let neg = false;
  let i = 0;
  const need = (opt: string): string => {
    const v = words[++i];
    if (v === undefined) throw new Error(`option "${opt}" requires an argument`);
    return v;
  };
  const addModule = (name: string) => {
    if (!knownModules.has(name)) throw new Error(`unknown match module "-m ${name}"`);
    modules.push({ name, opts: new Map(), order: [] });
  };
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (w === "!") {
      if (neg) throw new Error('multiple "!" flags');
      neg = true;
      continue;
    }
    const wasNeg = neg;
    neg = false;
    switch (w) {
      case "-s":
      case "--source":
        matches.push({ kind: "src", neg: wasNeg, cidr: parseAddressOrCidr(need(w)) });
        continue;
      case "-d":
      case "--destination":
        matches.push({ kind: "dst", neg: wasNeg, cidr: parseAddressOrCidr(need(w)) });
        continue;
      case "-p":
      case "--protocol": {
        const p = parseProto(need(w));
        proto = { value: p, neg: wasNeg };
        if (p !== 0 || wasNeg) matches.push({ kind: "proto", neg: wasNeg, proto: p });
        continue;
      }
      case "-i":
      case "--in-interface":
        matches.push({ kind: "in", neg: wasNeg, ...parseIface(need(w)) });
        continue;
      case "-o":
      case "--out-interface":
        matches.push({ kind: "out", neg: wasNeg, ...parseIface(need(w)) });
        continue;
      case "-m":
      case "--match":
        if (wasNeg) throw new Error('"!" cannot precede -m');
        addModule(need(w));
        continue;
      case "-j":
      case "--jump":
      case "-g":
      case "--goto": {
        if (wasNeg) throw new Error(`"!" cannot precede ${w}`);
        if (target) throw new Error("multiple targets");
        const name = need(w);
        target = { name, opts: new Map(), goto: w === "-g" || w === "--goto" };
        continue;
      }
    }
    if (!w.startsWith("--")) throw new Error(`bad argument "${w}"`);
    // Target options bind to the target; match options to the newest module that knows them,
    // with `-p tcp|udp|sctp` providing an implicit protocol match as in iptables.
    if (target && targetOptionArity[target.name]?.[w] !== undefined) {
      if (wasNeg) throw new Error(`"!" cannot precede ${w}`);
      const arity = targetOptionArity[target.name]![w]!;
      target.opts.set(w, arity > 0 ? need(w) : undefined);
      continue;
    }
    let mod: ModuleState | undefined;
    for (let k = modules.length - 1; k >= 0; k--) {
      if (moduleOptionArity[modules[k]!.name]?.[w] !== undefined) {
        mod = modules[k];
        break;
      }
    }
    if (!mod && proto && !proto.neg) {
      const pname = Object.entries(PROTO).find(([, v]) => v === proto!.value)?.[0];
      if (pname && protoModules.has(pname) && moduleOptionArity[pname]![w] !== undefined) {
        addModule(pname);
        mod = modules[modules.length - 1];
      }
    }
    if (!mod) throw new Error(`unknown option "${w}"`);
    const arity = moduleOptionArity[mod.name]![w]!;
    const args: string[] = [];
    for (let a = 0; a < arity; a++) args.push(need(w));
    if (mod.opts.has(w)) throw new Error(`option "${w}" given twice`);
    mod.opts.set(w, { neg: wasNeg, args });
    mod.order.push(w);
  }
  if (neg) throw new Error('trailing "!"');
  for (const m of modules) {
    if (protoModules.has(m.name) && (!proto || proto.neg || proto.value !== PROTO[m.name as "tcp"])) {
      throw new Error(`-m ${m.name} requires -p ${m.name}`);
    }
    matches.push(...finishModule(m, proto));
  }
  const t = target ? finishTarget(target.name, target.opts, chainsInTable, target.goto) : ({ kind: "none" } as const);
  if ((t.kind === "DNAT" || t.kind === "SNAT" || t.kind === "MASQUERADE") && table !== "nat") {
    throw new Error(`target ${t.kind} is only valid in the nat table`);
  }
  if (t.kind === "REJECT" && table !== "filter") throw new Error("target REJECT is only valid in the filter table");
  return { matches, target: t };
}

/**
 * Apply `iptables-restore` input to a rule set (like `iptables-restore --noflush` when
 * `noflush` is set; otherwise every table in the input is replaced). Throws
 * {@link RestoreParseError} naming the offending line; on error the rule set is unchanged.
 *
 * @example
 * ```ts
 * const rs = emptyRuleset();
 * applyRestore(rs, "*nat\n:KUBE-MARK-MASQ - [0:0]\n-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\nCOMMIT\n", { noflush: true });
 * ```
 */
export function applyRestore(rs: Ruleset, text: string, opts: { noflush?: boolean } = {}): void {
  // Work on copies so a failed restore leaves the rule set as it was (iptables-restore is atomic per table).
  const staged = new Map<string, RuleTable>();
  const lines = text.split("\n");
  let table: RuleTable | null = null;
  let tableStart = 0;
  // Jumps are resolved at COMMIT so a chain may be declared after a rule that uses it... but
  // iptables-restore actually requires declaration first; chains are declared in the header.
  const fail = (lineNo: number, reason: string): never => {
    throw new RestoreParseError(lineNo, lines[lineNo - 1] ?? "", reason);
  };
  for (let idx = 0; idx < lines.length; idx++) {
    const lineNo = idx + 1;
    let line = lines[idx]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("*")) {
      if (table) fail(lineNo, `table "${table.name}" was not committed`);
      const name = line.slice(1);
      const base = builtinChains[name];
      if (!base) fail(lineNo, `unknown table "${name}"`);
      const existing = staged.get(name) ?? rs.tables.get(name);
      table = opts.noflush && existing ? cloneTable(existing) : freshTable(name, base!);
      tableStart = lineNo;
      continue;
    }
    if (!table) fail(lineNo, "rule or chain outside of a table (missing *table line)");
    const t = table!;
    if (line === "COMMIT") {
      staged.set(t.name, t);
      table = null;
      continue;
    }
    if (line.startsWith(":")) {
      const m = /^:(\S+)\s+(\S+)(\s+\[\d+:\d+\])?$/.exec(line);
      if (!m) fail(lineNo, "bad chain line (expected `:CHAIN POLICY [packets:bytes]`)");
      const [, name, policy] = m!;
      const existing = t.chains.get(name!);
      if (existing?.builtin) {
        if (policy !== "ACCEPT" && policy !== "DROP") fail(lineNo, `bad policy "${policy}" for built-in chain ${name}`);
        existing.policy = policy as "ACCEPT" | "DROP";
        // A declared built-in chain is flushed, as by iptables-restore.
        existing.rules = [];
      } else {
        if (policy !== "-") fail(lineNo, `user-defined chain ${name} cannot have a policy`);
        if (name!.length > 28) fail(lineNo, `chain name "${name}" is longer than 28 characters`);
        t.chains.set(name!, { name: name!, builtin: false, policy: "ACCEPT", rules: [] });
      }
      continue;
    }
    // Optional per-rule counters from `iptables-save -c`.
    line = line.replace(/^\[\d+:\d+\]\s+/, "");
    let words: string[];
    try {
      words = tokenize(line);
    } catch (e) {
      fail(lineNo, (e as Error).message);
    }
    const cmd = words![0]!;
    const chainName = words![1];
    if (cmd === "-N" || cmd === "--new-chain") {
      if (!chainName) fail(lineNo, "-N needs a chain name");
      if (t.chains.has(chainName!)) fail(lineNo, `chain ${chainName} already exists`);
      t.chains.set(chainName!, { name: chainName!, builtin: false, policy: "ACCEPT", rules: [] });
      continue;
    }
    if (cmd === "-X" || cmd === "--delete-chain") {
      const c = chainName ? t.chains.get(chainName) : undefined;
      if (!c) fail(lineNo, `no chain named ${chainName ?? "(missing)"}`);
      if (c!.builtin) fail(lineNo, `cannot delete built-in chain ${chainName}`);
      t.chains.delete(chainName!);
      continue;
    }
    if (cmd === "-F" || cmd === "--flush") {
      if (chainName) {
        const c = t.chains.get(chainName);
        if (!c) fail(lineNo, `no chain named ${chainName}`);
        c!.rules = [];
      } else for (const c of t.chains.values()) c.rules = [];
      continue;
    }
    if (cmd !== "-A" && cmd !== "--append" && cmd !== "-I" && cmd !== "--insert") {
      fail(lineNo, `unsupported command "${cmd}" (supported: -A, -I, -N, -X, -F)`);
    }
    if (!chainName) fail(lineNo, `${cmd} needs a chain name`);
    const chain = t.chains.get(chainName!);
    if (!chain) fail(lineNo, `chain "${chainName}" does not exist in table ${t.name}`);
    let rest = words!.slice(2);
    let insertAt = -1;
    if (cmd === "-I" || cmd === "--insert") {
      insertAt = 0;
      if (rest[0] !== undefined && /^\d+$/.test(rest[0])) {
        insertAt = Number(rest[0]) - 1;
        rest = rest.slice(1);
        if (insertAt < 0 || insertAt > chain!.rules.length) fail(lineNo, `index of insertion too big`);
      }
    }
    let parsed: { matches: Match[]; target: RuleTarget };
    try {
      parsed = parseRuleWords(rest, t.name, t.chains);
    } catch (e) {
      fail(lineNo, (e as Error).message);
    }
    const specStart = line.indexOf(chainName!, cmd.length) + chainName!.length;
    const rule: Rule = {
      table: t.name,
      chain: chainName!,
      line: lineNo,
      spec: line.slice(specStart).trim(),
      matches: parsed!.matches,
      target: parsed!.target,
    };
    if (insertAt >= 0) chain!.rules.splice(insertAt, 0, rule);
    else chain!.rules.push(rule);
  }
  if (table) fail(tableStart, `table "${table.name}" has no COMMIT`);
  // Every jump must reach a chain that still exists (a -X of a referenced chain is an error).
  for (const t of staged.values()) {
    for (const c of t.chains.values()) {
      for (const r of c.rules) {
        if (r.target.kind === "jump" && !t.chains.has(r.target.chain)) {
          fail(r.line, `jump to chain "${r.target.chain}" which does not exist`);
        }
      }
    }
  }
  for (const [name, t] of staged) rs.tables.set(name, t);
}

function cloneTable(t: RuleTable): RuleTable {
  const chains = new Map<string, Chain>();
  for (const [k, c] of t.chains) chains.set(k, { ...c, rules: [...c.rules] });
  return { name: t.name, chains };
}

/**
 * Parse one or more restore texts, applied in order with `--noflush` semantics on top of an empty
 * rule set (so a node's built-in chain jumps and kube-proxy's own input can come separately).
 *
 * @example
 * ```ts
 * const rs = parseRestore(iptablesSaveText);
 * ```
 */
export function parseRestore(...texts: string[]): Ruleset {
  const rs = emptyRuleset();
  for (const text of texts) applyRestore(rs, text, { noflush: true });
  return rs;
}
