/**
 * The stub resolver inside a pod: which queries `getaddrinfo(name)` sends, in order, for a resolv.conf.
 *
 * glibc (res_search in resolv/res_query.c, via nss_dns gethostbyname4_r):
 * - `dots` counts every `.` (a trailing one too). With `dots >= ndots` or a trailing dot the name is first
 *   tried as is; a trailing dot ends the walk there.
 * - Otherwise (or after that first try fails) each search domain is tried in order. NXDOMAIN (HOST_NOT_FOUND),
 *   NODATA and SERVFAIL continue the walk; REFUSED/FORMERR/NOTIMP (NO_RECOVERY) stop the search list.
 * - Finally the name as is, unless already tried, or the search list held the root, or `no-tld-query` with no dot.
 * - AF_UNSPEC sends A then AAAA for each candidate (in parallel on one socket; `single-request` only serialises
 *   them); a step succeeds when either response is NOERROR with answers. `AI_ADDRCONFIG` (getent ahosts sets
 *   it) drops the family without a non-loopback address; `no-aaaa` drops AAAA.
 * - /etc/hosts (`hosts: files dns`) and numeric addresses are answered without any query.
 *
 * musl (name_from_dns_search): no search at all when `dots >= ndots` or a trailing dot; otherwise the search
 * domains then the name as is; NXDOMAIN continues but NODATA *ends* the walk, SERVFAIL fails it.
 *
 * @example
 * ```ts
 * const conf = { nameservers: ["10.96.0.10"], search: ["default.svc.cluster.local"], options: ["ndots:5"] };
 * resolve("web", conf, (name, type) => dns.query(name, type)).queries.map((q) => `${q.name} ${q.type}`);
 * // ["web.default.svc.cluster.local. A", "web.default.svc.cluster.local. AAAA"]
 * ```
 */
import { isIP } from "../util/ip";
import { DnsAnswer, RR, Rcode, fqdn } from "./types";
import type { ResolvConf } from "./resolvconf";

/** Sends one query to the nameserver and returns its response. */
export type AskFn = (qname: string, qtype: "A" | "AAAA") => DnsAnswer;

/** Options of {@link resolve}. */
export interface ResolveOptions {
  /** Which C library's algorithm (default glibc). */
  libc?: "glibc" | "musl";
  /** `hints.ai_family` (default AF_UNSPEC). */
  family?: "AF_UNSPEC" | "AF_INET" | "AF_INET6";
  /** With AI_ADDRCONFIG: which families have a non-loopback address. Omit when the flag is not set. */
  addrConfig?: { ipv4: boolean; ipv6: boolean };
  /** /etc/hosts text, consulted first (`hosts: files dns`). */
  hosts?: string;
}

/** One query of the walk: the name and type sent, and what came back. */
export interface WalkQuery {
  /** 1-based position of the candidate name in the walk. */
  step: number;
  name: string;
  type: "A" | "AAAA";
  rcode: Rcode;
  answers: RR[];
}

/** The walk and its outcome (`addresses` on success, else glibc's h_errno / musl's EAI code). */
export interface ResolveResult {
  queries: WalkQuery[];
  result: { addresses: string[]; source: "dns" | "files" | "numeric" } | { error: string };
}

/** Resolver settings read from resolv.conf options, as the C library reads them. @example resolverOptions(["ndots:5"]).ndots // 5 */
export function resolverOptions(options: readonly string[]): { ndots: number; noTldQuery: boolean; noAAAA: boolean } {
  let ndots = 1;
  let noTldQuery = false;
  let noAAAA = false;
  for (const o of options) {
    if (o.startsWith("ndots:")) {
      const n = parseInt(o.slice(6), 10);
      if (Number.isFinite(n) && n >= 0) ndots = Math.min(n, 15);
    } else if (o === "no-tld-query") noTldQuery = true;
    else if (o === "no-aaaa") noAAAA = true;
  }
  return { ndots, noTldQuery, noAAAA };
}

/**
 * Resolve `name` like getaddrinfo in a pod with resolv.conf `conf`, asking `ask` for each query.
 *
 * @example
 * ```ts
 * const r = resolve("google.com.", conf, ask);
 * r.queries.length; // 2: only "google.com." (A, AAAA), because of the trailing dot
 * ```
 */
export function resolve(name: string, conf: ResolvConf, ask: AskFn, opts: ResolveOptions = {}): ResolveResult {
  if (name === "") throw new Error("resolve: empty name");
  const queries: WalkQuery[] = [];
  const bare = name.endsWith(".") ? name.slice(0, -1) : name;
  if (isIP(bare) !== 0) return { queries, result: { addresses: [bare], source: "numeric" } };
  const fromHosts = lookupHosts(opts.hosts ?? "", name, families(conf, opts));
  if (fromHosts.length > 0) return { queries, result: { addresses: fromHosts, source: "files" } };
  const types = families(conf, opts);
  return (opts.libc ?? "glibc") === "musl" ? musl(name, conf, types, ask, queries) : glibc(name, conf, types, ask, queries);
}

function families(conf: ResolvConf, opts: ResolveOptions): ("A" | "AAAA")[] {
  let family = opts.family ?? "AF_UNSPEC";
  const ac = opts.addrConfig;
  if (ac && family === "AF_UNSPEC" && ac.ipv4 !== ac.ipv6) family = ac.ipv4 ? "AF_INET" : "AF_INET6";
  const noAAAA = (opts.libc ?? "glibc") === "glibc" && resolverOptions(conf.options).noAAAA;
  if (family === "AF_INET") return ["A"];
  if (family === "AF_INET6") return ["AAAA"];
  return noAAAA ? ["A"] : ["A", "AAAA"];
}

type Step = { ok: true; addresses: string[] } | { ok: false; herrno: "HOST_NOT_FOUND" | "NO_DATA" | "TRY_AGAIN" | "NO_RECOVERY"; servfail: boolean };

function send(qname: string, types: ("A" | "AAAA")[], ask: AskFn, queries: WalkQuery[], step: number): DnsAnswer[] {
  return types.map((t) => {
    const a = ask(qname, t);
    queries.push({ step, name: fqdn(qname), type: t, rcode: a.rcode, answers: a.answer });
    return a;
  });
}

function addressesOf(responses: DnsAnswer[]): string[] {
  const out: string[] = [];
  for (const r of responses) for (const rr of r.answer) if (rr.type === "A" || rr.type === "AAAA") out.push(rr.address);
  return out;
}

/** __res_context_query's verdict on one (A, AAAA) exchange. */
function glibcVerdict(responses: DnsAnswer[]): Step {
  if (responses.some((r) => r.rcode === "NOERROR" && r.answer.length > 0)) return { ok: true, addresses: addressesOf(responses) };
  const first = responses[0] as DnsAnswer;
  const rcode = first.rcode === "NOERROR" && responses[1] ? responses[1].rcode : first.rcode;
  switch (rcode) {
    case "NXDOMAIN":
      return { ok: false, herrno: "HOST_NOT_FOUND", servfail: false };
    case "SERVFAIL":
      return { ok: false, herrno: "TRY_AGAIN", servfail: true };
    case "NOERROR":
      return { ok: false, herrno: "NO_DATA", servfail: false };
    default:
      return { ok: false, herrno: "NO_RECOVERY", servfail: false };
  }
}

function glibc(name: string, conf: ResolvConf, types: ("A" | "AAAA")[], ask: AskFn, queries: WalkQuery[]): ResolveResult {
  const { ndots, noTldQuery } = resolverOptions(conf.options);
  const dots = name.split(".").length - 1;
  const trailingDot = name.endsWith(".");
  let step = 0;
  const attempt = (qname: string): Step => glibcVerdict(send(qname, types, ask, queries, ++step));
  const success = (s: Step): ResolveResult | undefined =>
    s.ok ? { queries, result: s.addresses.length > 0 ? { addresses: s.addresses, source: "dns" } : { error: "NO_DATA" } } : undefined;

  let savedHerrno: string | undefined;
  let triedAsIs = false;
  if (dots >= ndots || trailingDot) {
    const s = attempt(name);
    if (s.ok || trailingDot) return success(s) ?? { queries, result: { error: s.ok ? "NO_DATA" : s.herrno } };
    savedHerrno = s.herrno;
    triedAsIs = true;
  }
  let searched = false;
  let rootOnList = false;
  let gotNodata = false;
  let gotServfail = false;
  let lastHerrno: string = "HOST_NOT_FOUND";
  // RES_DEFNAMES and RES_DNSRCH are on by default, so both branches of glibc's condition reduce to this.
  if (!trailingDot) {
    for (const domain of conf.search) {
      searched = true;
      const d = domain.startsWith(".") ? domain.slice(1) : domain;
      if (d === "") rootOnList = true;
      const s = attempt(d === "" ? `${name}.` : `${name}.${d}`);
      const done = success(s);
      if (done) return done;
      if (s.ok) continue; // unreachable: success returned above (keeps the type narrowing)
      lastHerrno = s.herrno;
      if (s.herrno === "NO_DATA") gotNodata = true;
      else if (s.herrno === "TRY_AGAIN" && s.servfail) gotServfail = true;
      else if (s.herrno !== "HOST_NOT_FOUND") break;
    }
  }
  if ((dots > 0 || !searched || !noTldQuery) && !(triedAsIs || rootOnList)) {
    const s = attempt(name);
    const done = success(s);
    if (done) return done;
    if (!s.ok) lastHerrno = s.herrno;
  }
  const error = savedHerrno ?? (gotNodata ? "NO_DATA" : gotServfail ? "TRY_AGAIN" : lastHerrno);
  return { queries, result: { error } };
}

function musl(name: string, conf: ResolvConf, types: ("A" | "AAAA")[], ask: AskFn, queries: WalkQuery[]): ResolveResult {
  const { ndots } = resolverOptions(conf.options);
  const dots = name.split(".").length - 1;
  const trailingDot = name.endsWith(".");
  const bare = trailingDot ? name.slice(0, -1) : name;
  if (bare === "" || bare.endsWith(".")) return { queries, result: { error: "EAI_NONAME" } };
  const search = dots >= ndots || trailingDot ? [] : conf.search;
  let step = 0;
  // name_from_dns: 0 (keep searching) on NXDOMAIN, else a final verdict.
  const attempt = (qname: string): ResolveResult | undefined => {
    const responses = send(qname, types, ask, queries, ++step);
    for (const r of responses) {
      if (r.rcode === "SERVFAIL") return { queries, result: { error: "EAI_AGAIN" } };
      if (r.rcode === "NXDOMAIN") return undefined;
      if (r.rcode !== "NOERROR") return { queries, result: { error: "EAI_FAIL" } };
    }
    const addresses = addressesOf(responses);
    return { queries, result: addresses.length > 0 ? { addresses, source: "dns" } : { error: "EAI_NODATA" } };
  };
  for (const d of search) {
    if (bare.length + 1 + d.length >= 255) continue;
    const r = attempt(`${bare}.${d}`);
    if (r) return r;
  }
  return attempt(bare) ?? { queries, result: { error: "EAI_NONAME" } };
}

/** nss_files: exact (case-insensitive) name or alias match; addresses of the wanted families in file order. */
function lookupHosts(text: string, name: string, types: ("A" | "AAAA")[]): string[] {
  const out: string[] = [];
  const want = name.toLowerCase();
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    if (line === "") continue;
    const [ip, ...names] = line.split(/\s+/);
    if (ip === undefined || !names.some((n) => n.toLowerCase() === want)) continue;
    const fam = isIP(ip);
    if ((fam === 4 && types.includes("A")) || (fam === 6 && types.includes("AAAA"))) out.push(ip);
  }
  return out;
}
