/**
 * `nft list table` for a table model, as nft 1.0 prints it: objects in creation (handle) order,
 * sets and maps before chains, standard chain priorities by name (`dstnat - 10`, `filter`,
 * `srcnat`), marks as 32-bit hex (`meta mark & 0x00004000 == 0x00000000`), single-element
 * anonymous sets without braces, set elements sorted as the kernel's key bytes compare, and
 * timeouts as `3h`.
 *
 * @example
 * ```ts
 * formatNftList(rs.table);   // "table ip kube-proxy {\n\tcomment \"rules for kube-proxy\"\n\tset cluster-ips {…"
 * ```
 */
import type { NftChain, NftHook, NftSet, NftTableModel } from "./table";

/** nft's standard priorities (ip family) and the hooks where their names are used. */
const stdPriorities: readonly { name: string; value: number; hooks?: readonly NftHook["hook"][] }[] = [
  { name: "raw", value: -300 },
  { name: "mangle", value: -150 },
  { name: "dstnat", value: -100, hooks: ["prerouting"] },
  { name: "filter", value: 0 },
  { name: "security", value: 50 },
  { name: "srcnat", value: 100, hooks: ["postrouting"] },
];

/** How nft names a priority: the standard name, `name ± n` within 10 of one, else the number. */
export function priorityName(priority: number, hook: NftHook["hook"]): string {
  for (const p of stdPriorities) {
    if (p.hooks && !p.hooks.includes(hook)) continue;
    const off = priority - p.value;
    if (off === 0) return p.name;
    if (Math.abs(off) <= 10) return `${p.name} ${off > 0 ? "+" : "-"} ${Math.abs(off)}`;
  }
  return String(priority);
}

/** nft's time format: 10800 → "3h", 90 → "1m30s". */
export function nftTime(seconds: number): string {
  if (seconds === 0) return "0s";
  let s = seconds;
  let out = "";
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]] as const) {
    const n = Math.floor(s / size);
    if (n > 0) out += `${n}${unit}`;
    s -= n * size;
  }
  return out;
}

function hex32(m: string): string {
  return "0x" + (Number(m) >>> 0).toString(16).padStart(8, "0");
}

function ipv4Bytes(ip: string): number[] {
  return ip.split(".").map(Number);
}

const protoNumbers: Record<string, number> = { tcp: 6, udp: 17, sctp: 132 };

/**
 * The key as the kernel stores it: each field in a 4-byte register (ipv4_addr, then inet_proto
 * as one byte, inet_service as two big-endian bytes, zero-padded).
 */
function keyBytes(key: string): number[] {
  const out: number[] = [];
  for (const part of key.split(" . ")) {
    if (part.includes(".")) out.push(...ipv4Bytes(part.split("/")[0]!));
    else if (part in protoNumbers) out.push(protoNumbers[part]!, 0, 0, 0);
    else {
      const n = Number(part);
      out.push((n >> 8) & 0xff, n & 0xff, 0, 0);
    }
  }
  return out;
}

/**
 * nft sorts listed elements by value: a single address as a number, a concatenation as its
 * whole key read as one little-endian integer (so the last field's bytes weigh most).
 */
function compareKeyBytes(x: readonly number[], y: readonly number[], concat: boolean): number {
  if (!concat) {
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return 0;
  }
  for (let i = x.length - 1; i >= 0; i--) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

function ipNum(s: string): number {
  const b = ipv4Bytes(s.split("/")[0]!);
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

/** A rule as nft prints it back (the statements kube-proxy writes, normalised by nft). */
export function listRuleText(text: string): string {
  let t = text
    .replace(/^mark and (0x[0-9a-f]+) == 0 return$/, (_, m: string) => `meta mark & ${hex32(m)} == 0x00000000 return`)
    .replace(/^mark set mark (xor|or) (0x[0-9a-f]+)$/, (_, op: string, m: string) => `meta mark set meta mark ${op === "xor" ? "^" : "|"} ${hex32(m)}`);
  // Anonymous sets of addresses: one element loses its braces; several are sorted.
  t = t.replace(/ip (saddr|daddr) (!= )?\{ ([^}]*) \}/g, (_, dir: string, neg: string | undefined, body: string) => {
    const items = body.split(/\s*,\s*/).filter((s) => s !== "");
    const expr = items.length === 1 ? items[0]! : `{ ${items.sort((a, b) => ipNum(a) - ipNum(b)).join(", ")} }`;
    return `ip ${dir} ${neg ?? ""}${expr}`;
  });
  // Verdict map literals: "a , b" → "a, b".
  t = t.replace(/vmap \{ ([^}]*) \}/g, (_, body: string) => `vmap { ${body.split(" , ").join(", ")} }`);
  return t;
}

/** Elements per line: 2 addresses, 5 protocols/ports, else one (nft's calculate_delim). */
function perLine(set: NftSet): number {
  if (set.kind === "map" || set.type.includes(" . ")) return 1;
  return set.type === "ipv4_addr" ? 2 : set.type === "inet_service" || set.type === "inet_proto" ? 5 : 1;
}

function formatSet(s: NftSet): string[] {
  const out = [`\t${s.kind} ${s.name} {`, `\t\ttype ${s.type}`];
  const dynamic = s.flags?.includes("dynamic") ?? false;
  if (dynamic) out.push("\t\tsize 65535");
  if (s.flags) out.push(`\t\tflags ${s.flags.join(",")}`);
  if (s.timeout !== undefined) out.push(`\t\ttimeout ${nftTime(s.timeout)}`);
  if (s.comment !== undefined) out.push(`\t\tcomment "${s.comment}"`);
  if (s.elements.size > 0) {
    const concat = s.type.split(":")[0]!.includes(" . ");
    // Decorate once: sorting 10,000s of elements must not re-parse keys per comparison.
    const els = [...s.elements.values()]
      .map((e) => ({ e, k: keyBytes(e.key) }))
      .sort((a, b) => compareKeyBytes(a.k, b.k, concat))
      .map((x) => x.e);
    const texts = els.map((e) => `${e.key}${e.comment !== undefined ? ` comment "${e.comment}"` : ""}${e.value !== undefined ? ` : ${e.value}` : ""}`);
    const n = perLine(s);
    const lines: string[] = [];
    for (let i = 0; i < texts.length; i += n) lines.push(texts.slice(i, i + n).join(", "));
    out.push(`\t\telements = { ${lines.join(",\n\t\t\t     ")} }`);
  }
  out.push("\t}");
  return out;
}

function formatChain(c: NftChain): string[] {
  const out = [`\tchain ${c.name} {`];
  if (c.base) out.push(`\t\ttype ${c.base.type} hook ${c.base.hook} priority ${priorityName(c.base.priority, c.base.hook)}; policy accept;`);
  if (c.comment !== undefined) out.push(`\t\tcomment "${c.comment}"`);
  for (const r of c.rules) out.push(`\t\t${listRuleText(r.text)}${r.comment !== undefined ? ` comment "${r.comment}"` : ""}`);
  out.push("\t}");
  return out;
}

/**
 * The text `nft list table <family> <name>` prints for the table.
 *
 * @example
 * ```ts
 * formatNftList(tx.model).split("\n")[0];   // "table ip kube-proxy {"
 * ```
 */
export function formatNftList(t: NftTableModel): string {
  const blocks: string[][] = [];
  for (const s of t.sets.values()) blocks.push(formatSet(s));
  for (const c of t.chains.values()) blocks.push(formatChain(c));
  const head = [`table ${t.family} ${t.name} {`];
  if (t.comment !== undefined) head.push(`\tcomment "${t.comment}"`);
  return [...head, blocks.map((b) => b.join("\n")).join("\n\n"), "}"].join("\n") + "\n";
}
