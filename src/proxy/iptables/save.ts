/**
 * What `iptables-save` (iptables 1.8.9, nf_tables backend) prints for rules that were loaded
 * with `iptables-restore` / `iptables -A`: the kernel keeps a parsed form, and iptables-save
 * prints it back in its own canonical order and spelling.
 *
 * Normalisations (each checked against iptables 1.8.9 in a network namespace, see
 * test/proxy/netfilter.test.ts):
 * - `-s`/`-d`/`-p` move to the front (`[!] -s`, `[!] -d`, `[!] -p`), addresses get their
 *   prefix length (`10.1.2.3` → `10.1.2.3/32`) and host bits are masked off;
 * - matches keep their order; each prints its options in its own fixed order
 *   (`-m recent --rcheck --seconds 10800 --reap --name X --mask 255.255.255.255 --rsource`);
 * - `--comment` values are quoted only when they contain characters outside `[A-Za-z0-9_-]`;
 * - `--probability p` prints the kernel's value `lround(p·2^31)/2^31` with 11 decimals;
 * - `MARK --or-mark X` → `MARK --set-xmark X/X`, `--xor-mark X` → `--set-xmark X/0x0`,
 *   marks print as `0x%x` (`0x00004000` → `0x4000`);
 * - `REJECT` gains its default `--reject-with icmp-port-unreachable`;
 * - `-m nfacct --nfacct-name N` prints with two spaces before N (libxt_nfacct prints a space
 *   and then xtables_save_string adds another) — taken from real nodes' output, not checkable
 *   on kernels without xt_nfacct.
 *
 * @example
 * ```ts
 * saveRule('-A KUBE-SEP-X -m comment --comment ns/svc:p -s 10.0.0.1 -j KUBE-MARK-MASQ')
 * // '-A KUBE-SEP-X -s 10.0.0.1/32 -m comment --comment "ns/svc:p" -j KUBE-MARK-MASQ'
 * ```
 */
import { savedProbability } from "./format";
import { canonicalCidr } from "../../util/ipv4";
import { tokenize } from "../../util/iptables/tokenize";


const noQuote = /^[A-Za-z0-9_-]+$/;

/** libxtables' xtables_save_string: bare when safe, else double-quoted with `"`, `\`, `'` escaped. */
export function saveString(s: string): string {
  if (noQuote.test(s)) return s;
  return '"' + s.replace(/["\\']/g, (c) => "\\" + c) + '"';
}

function hexMark(s: string): string {
  return "0x" + (Number(s) >>> 0).toString(16);
}

interface Opt {
  neg: boolean;
  key: string;
  vals: string[];
}

interface Match {
  name: string;
  opts: Opt[];
}

/** One rule in structured form. */
export interface ParsedRule {
  chain: string;
  src?: { neg: boolean; addr: string };
  dst?: { neg: boolean; addr: string };
  proto?: { neg: boolean; name: string };
  matches: Match[];
  target?: string;
  targetArgs: string[];
}

/** Which match module owns an option, for options written after other flags. */
const owner: Record<string, string[]> = {
  "--dport": ["tcp", "udp", "sctp"],
  "--sport": ["tcp", "udp", "sctp"],
  "--comment": ["comment"],
  "--ctstate": ["conntrack"],
  "--mark": ["mark"],
  "--src-type": ["addrtype"],
  "--dst-type": ["addrtype"],
  "--mode": ["statistic"],
  "--probability": ["statistic"],
  "--name": ["recent"],
  "--set": ["recent"],
  "--rcheck": ["recent"],
  "--update": ["recent"],
  "--remove": ["recent"],
  "--seconds": ["recent"],
  "--reap": ["recent"],
  "--rsource": ["recent"],
  "--rdest": ["recent"],
  "--mask": ["recent"],
  "--nfacct-name": ["nfacct"],
};

/**
 * Parse one `-A CHAIN ...` line (kube-proxy or iptables command syntax).
 *
 * @example
 * ```ts
 * parseRule("-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000").target   // "MARK"
 * ```
 */
export function parseRule(line: string): ParsedRule {
  const t = tokenize(line);
  if (t[0] !== "-A" || t.length < 2) throw new Error(`not an append rule: ${line}`);
  const rule: ParsedRule = { chain: t[1]!, matches: [], targetArgs: [] };
  let neg = false;
  let i = 2;
  while (i < t.length) {
    const tok = t[i]!;
    if (tok === "!") {
      neg = true;
      i++;
      continue;
    }
    if (rule.target !== undefined) {
      rule.targetArgs.push(tok);
      i++;
      continue;
    }
    switch (tok) {
      case "-s":
      case "--src":
      case "--source":
        rule.src = { neg, addr: t[i + 1]! };
        i += 2;
        break;
      case "-d":
      case "--dst":
      case "--destination":
        rule.dst = { neg, addr: t[i + 1]! };
        i += 2;
        break;
      case "-p":
      case "--protocol":
        rule.proto = { neg, name: t[i + 1]! };
        i += 2;
        break;
      case "-m":
      case "--match":
        rule.matches.push({ name: t[i + 1]!, opts: [] });
        i += 2;
        break;
      case "-j":
      case "--jump":
        rule.target = t[i + 1]!;
        i += 2;
        break;
      default: {
        if (!tok.startsWith("--")) throw new Error(`unexpected argument "${tok}" in: ${line}`);
        const vals: string[] = [];
        let j = i + 1;
        while (j < t.length && t[j] !== "!" && !t[j]!.startsWith("-")) vals.push(t[j++]!);
        const owners = owner[tok];
        let m: Match | undefined;
        for (let k = rule.matches.length - 1; k >= 0; k--) {
          if (!owners || owners.includes(rule.matches[k]!.name)) {
            m = rule.matches[k];
            break;
          }
        }
        if (!m) throw new Error(`option ${tok} without its match module in: ${line}`);
        m.opts.push({ neg, key: tok, vals });
        i = j;
      }
    }
    neg = false;
  }
  return rule;
}

const recentOrder = ["--set", "--rcheck", "--update", "--remove", "--seconds", "--reap", "--hitcount", "--rttl", "--name"];

function bang(neg: boolean): string {
  return neg ? "! " : "";
}

function saveMatch(m: Match, out: string[]): void {
  out.push("-m", m.name);
  const get = (k: string) => m.opts.find((o) => o.key === k);
  switch (m.name) {
    case "comment": {
      const o = get("--comment");
      out.push("--comment", saveString(o?.vals[0] ?? ""));
      return;
    }
    case "tcp":
    case "udp":
    case "sctp":
      for (const k of ["--sport", "--dport"]) {
        const o = get(k);
        if (o) out.push(bang(o.neg) + k, ...o.vals);
      }
      return;
    case "mark": {
      const o = get("--mark");
      if (o) {
        const [v, mask] = o.vals[0]!.split("/");
        const mm = mask === undefined ? "" : "/" + hexMark(mask);
        out.push(bang(o.neg) + "--mark", hexMark(v!) + (mm === "/0xffffffff" ? "" : mm));
      }
      return;
    }
    case "addrtype":
      for (const k of ["--src-type", "--dst-type"]) {
        const o = get(k);
        if (o) out.push(bang(o.neg) + k, ...o.vals);
      }
      return;
    case "statistic": {
      const mode = get("--mode");
      out.push("--mode", mode?.vals[0] ?? "random");
      const p = get("--probability");
      if (p) out.push(bang(p.neg) + "--probability", savedProbability(p.vals[0]!));
      return;
    }
    case "recent": {
      for (const k of recentOrder) {
        const o = get(k);
        if (o) out.push(bang(o.neg) + k, ...o.vals);
      }
      out.push("--mask", get("--mask")?.vals[0] ?? "255.255.255.255");
      out.push(get("--rdest") ? "--rdest" : "--rsource");
      return;
    }
    case "nfacct": {
      const o = get("--nfacct-name");
      // libxt_nfacct prints " --nfacct-name " and xtables_save_string prefixes its own space.
      out.push("--nfacct-name", " " + saveString(o?.vals[0] ?? ""));
      return;
    }
    default:
      for (const o of m.opts) out.push(bang(o.neg) + o.key, ...o.vals);
  }
}

function saveTarget(target: string, args: string[], out: string[]): void {
  out.push("-j", target);
  if (target === "MARK") {
    const k = args[0];
    const v = args[1] ?? "0";
    if (k === "--or-mark") out.push("--set-xmark", `${hexMark(v)}/${hexMark(v)}`);
    else if (k === "--xor-mark") out.push("--set-xmark", `${hexMark(v)}/0x0`);
    else if (k === "--and-mark") out.push("--set-xmark", `0x0/${hexMark(String(~Number(v) >>> 0))}`);
    else if (k === "--set-mark") {
      const [a, m] = v.split("/");
      out.push("--set-xmark", `${hexMark(a!)}/${m === undefined ? "0xffffffff" : hexMark(m)}`);
    } else out.push(...args);
    return;
  }
  if (target === "REJECT" && args.length === 0) {
    out.push("--reject-with", "icmp-port-unreachable");
    return;
  }
  out.push(...args);
}

/**
 * A parsed rule as iptables-save prints it (without counters).
 *
 * @example
 * ```ts
 * formatSaved(parseRule("-A X -m mark ! --mark 0x00004000/0x00004000 -j RETURN"))
 * // "-A X -m mark ! --mark 0x4000/0x4000 -j RETURN"
 * ```
 */
export function formatSaved(r: ParsedRule): string {
  const out: string[] = ["-A", r.chain];
  if (r.src) out.push(bang(r.src.neg) + "-s", canonicalCidr(r.src.addr));
  if (r.dst) out.push(bang(r.dst.neg) + "-d", canonicalCidr(r.dst.addr));
  if (r.proto) out.push(bang(r.proto.neg) + "-p", r.proto.name);
  for (const m of r.matches) saveMatch(m, out);
  if (r.target !== undefined) saveTarget(r.target, r.targetArgs, out);
  return out.join(" ");
}

/**
 * One rule line as iptables-save would print it after loading it.
 *
 * @example
 * ```ts
 * saveRule("-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000")
 * // "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000"
 * ```
 */
export function saveRule(line: string): string {
  return formatSaved(parseRule(line));
}

/** The match part of a parsed rule in iptables-save spelling, without comment and target (for tables). */
export function savedMatchesText(r: ParsedRule): string {
  const out: string[] = [];
  if (r.src) out.push(bang(r.src.neg) + "-s", canonicalCidr(r.src.addr));
  if (r.dst) out.push(bang(r.dst.neg) + "-d", canonicalCidr(r.dst.addr));
  if (r.proto) out.push(bang(r.proto.neg) + "-p", r.proto.name);
  for (const m of r.matches) if (m.name !== "comment") saveMatch(m, out);
  return out.join(" ");
}

/** The target part (`DNAT --to-destination 10.0.0.1:80`) in iptables-save spelling. */
export function savedTargetText(r: ParsedRule): string {
  if (r.target === undefined) return "";
  const out: string[] = [];
  saveTarget(r.target, r.targetArgs, out);
  return out.slice(1).join(" ");
}

/** The comment of a parsed rule, if any. */
export function ruleComment(r: ParsedRule): string | undefined {
  for (const m of r.matches) if (m.name === "comment") return m.opts[0]?.vals[0];
  return undefined;
}
