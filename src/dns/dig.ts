/**
 * dig's presentation of a response (BIND 9.18 `dig +noedns` body): header, flags, and the QUESTION / ANSWER /
 * AUTHORITY / ADDITIONAL sections with BIND's tab-stop layout (tab width 8; TTL at column 24, class 32,
 * type 40, RDATA 48; a single space when a field overruns its column; the question's `;` does not count).
 *
 * @example
 * ```ts
 * console.log(dnsAnswerToDig(dns.query("kubernetes.default.svc.cluster.local", "A")));
 * // ;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 0
 * // ;; flags: qr aa rd; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 0
 * // ...
 * ```
 */
import { DnsAnswer, RR, rdataText } from "./types";

/** Options of {@link dnsAnswerToDig}. */
export interface DigOptions {
  /** Message id to print (dig shows the random id it sent). */
  id?: number;
  /** Whether the query asked for recursion (dig does by default). */
  rd?: boolean;
}

const COLUMNS = { ttl: 24, class: 32, type: 40, rdata: 48 } as const;

/** Text like BIND's `indent()`: tabs to the next stop at or before `to`, then spaces; at least one blank. */
function indentTo(line: string, col: number, to: number): [string, number] {
  const target = Math.max(to, col + 1);
  const tabs = Math.floor(target / 8) - Math.floor(col / 8);
  let from = col;
  let s = "";
  if (tabs > 0) {
    s += "\t".repeat(tabs);
    from = Math.floor(target / 8) * 8;
  }
  s += " ".repeat(target - from);
  return [line + s, target];
}

/** One record as dig prints it. @example digRecord(rr) // "kubernetes.default.svc.cluster.local. 30 IN A\t10.96.0.1" */
export function digRecord(rr: RR): string {
  let line = rr.name;
  let col = line.length;
  [line, col] = indentTo(line, col, COLUMNS.ttl);
  line += String(rr.ttl);
  col += String(rr.ttl).length;
  [line, col] = indentTo(line, col, COLUMNS.class);
  line += rr.class;
  col += rr.class.length;
  [line, col] = indentTo(line, col, COLUMNS.type);
  line += rr.type;
  col += rr.type.length;
  [line] = indentTo(line, col, COLUMNS.rdata);
  return line + rdataText(rr);
}

/**
 * The response as dig prints it (without dig's client-side lines: version banner, EDNS pseudo-section, timing).
 *
 * @example
 * ```ts
 * dnsAnswerToDig(dns.query("nope.default.svc.cluster.local", "A")).includes("status: NXDOMAIN"); // true
 * ```
 */
export function dnsAnswerToDig(a: DnsAnswer, opts: DigOptions = {}): string {
  const rd = opts.rd ?? true;
  const flags = ["qr", a.aa && "aa", a.tc && "tc", rd && "rd", a.ra && "ra"].filter(Boolean).join(" ");
  const lines: string[] = [];
  lines.push(`;; ->>HEADER<<- opcode: QUERY, status: ${a.rcode}, id: ${opts.id ?? 0}`);
  lines.push(`;; flags: ${flags}; QUERY: 1, ANSWER: ${a.answer.length}, AUTHORITY: ${a.authority.length}, ADDITIONAL: ${a.additional.length}`);
  if (rd && !a.ra) lines.push(";; WARNING: recursion requested but not available");
  lines.push("");
  lines.push(";; QUESTION SECTION:");
  const q = a.question.name;
  let [qline, col] = indentTo(";" + q, q.length, COLUMNS.class);
  qline += "IN";
  col += 2;
  [qline] = indentTo(qline, col, COLUMNS.type);
  lines.push(qline + a.question.type);
  lines.push("");
  for (const [title, rrs] of [["ANSWER", a.answer], ["AUTHORITY", a.authority], ["ADDITIONAL", a.additional]] as const) {
    if (rrs.length === 0) continue;
    lines.push(`;; ${title} SECTION:`);
    for (const rr of rrs) lines.push(digRecord(rr));
    lines.push("");
  }
  return lines.join("\n");
}
