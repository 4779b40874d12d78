/**
 * The resolv.conf a pod gets: the kubelet's DNS configurer (pkg/kubelet/network/dns/dns.go) decides servers,
 * search domains and options per `dnsPolicy`; the container runtime (containerd/CRI-O) writes them as
 * `search …` / `nameserver …` / `options …` lines, in that order.
 *
 * - ClusterFirst: cluster DNS IP(s) only; search `<ns>.svc.<domain> svc.<domain> <domain>` + the node's search
 *   domains (deduplicated); options `ndots:5` (the node's options are dropped).
 * - ClusterFirst with hostNetwork falls back to Default; ClusterFirstWithHostNet keeps cluster DNS.
 * - Default: the node's resolv.conf (as the kubelet parses it: trailing dots trimmed, `.` dropped).
 * - None: only `dnsConfig`.
 * - `dnsConfig` is appended (servers and searches deduplicated, options merged by name, later values win),
 *   then limits apply: 3 nameservers, 32 search domains, no domain over 253 characters, 2048 characters of
 *   search line (cut from the end). The kubelet merges options through a Go map (random order); here the
 *   first-seen order is kept so output is deterministic.
 *
 * @example
 * ```ts
 * const rc = resolvConf({ pod: { metadata: { namespace: "shop" }, spec: {} } });
 * rc.text; // "search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"
 * ```
 */
import type { DNSPolicy, DeepReadonly, PodDNSConfig } from "../api/types";

/** A parsed resolv.conf. */
export interface ResolvConf {
  nameservers: string[];
  search: string[];
  /** Options as written, e.g. `["ndots:5", "edns0"]`. */
  options: string[];
}

/** The node's resolv.conf the kubelet reads with `--resolv-conf` (a typical cloud VM's). */
export const DEFAULT_HOST_RESOLV_CONF = "nameserver 10.0.0.2\nsearch ec2.internal\n";

/** The kubelet's limits (pkg/apis/core/validation). */
export const DNS_LIMITS = { maxNameservers: 3, maxSearchPaths: 32, maxSearchListChars: 2048, maxDomainLength: 253 } as const;

/** The fields of a Pod that decide its DNS configuration (a `DeepReadonly<Pod>` fits). */
export interface PodDnsView {
  readonly metadata: { readonly namespace?: string };
  readonly spec: { readonly dnsPolicy?: DNSPolicy; readonly hostNetwork?: boolean; readonly dnsConfig?: DeepReadonly<PodDNSConfig> };
}

/** Inputs of {@link resolvConf}. */
export interface ResolvConfInput {
  /** The pod (namespace, dnsPolicy, dnsConfig, hostNetwork): a `Pod` or just those fields. */
  pod: PodDnsView;
  /** The node's resolv.conf text; `null` models `--resolv-conf=""` (no host file). */
  hostResolvConf?: string | null;
  /** `--cluster-dns` (kube-dns service IPs). */
  clusterDNS?: readonly string[];
  /** `--cluster-domain`. */
  clusterDomain?: string;
}

/** The result: parsed fields, the exact file text, and the kubelet's warning events when limits cut something. */
export interface PodResolvConf extends ResolvConf {
  text: string;
  warnings: string[];
}

/**
 * Parse resolv.conf text the way the kubelet does (parseResolvConf): `#`/`;` comments, the last `search`
 * line wins, trailing dots trimmed, `.` dropped, repeated options replaced.
 *
 * @example
 * ```ts
 * parseResolvConf("nameserver 1.1.1.1\nsearch a.example. .\noptions ndots:2").search; // ["a.example"]
 * ```
 */
export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], search: [], options: [] };
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.startsWith(";")) continue;
    const fields = line.trim().split(/\s+/).filter((f) => f !== "");
    if (fields.length === 0) continue;
    const [key, ...rest] = fields;
    if (key === "nameserver" && rest[0] !== undefined) out.nameservers.push(rest[0]);
    if (key === "search") out.search = rest.filter((s) => s !== ".").map((s) => s.replace(/\.$/, ""));
    if (key === "options") out.options = mergeOptions(out.options, rest);
  }
  return out;
}

/**
 * Build a pod's resolv.conf from its spec and the node's configuration.
 *
 * @example
 * ```ts
 * resolvConf({ pod: { metadata: { namespace: "default" }, spec: { dnsPolicy: "None",
 *   dnsConfig: { nameservers: ["1.1.1.1"], searches: ["corp.example"], options: [{ name: "ndots", value: "2" }] } } } }).text;
 * // "search corp.example\nnameserver 1.1.1.1\noptions ndots:2\n"
 * ```
 */
export function resolvConf(input: ResolvConfInput): PodResolvConf {
  const spec = input.pod.spec;
  const namespace = input.pod.metadata.namespace ?? "default";
  const clusterDNS = [...(input.clusterDNS ?? ["10.96.0.10"])];
  const domain = input.clusterDomain ?? "cluster.local";
  const hostText = input.hostResolvConf === undefined ? DEFAULT_HOST_RESOLV_CONF : input.hostResolvConf;
  const host = hostText === null ? { nameservers: [], search: [], options: [] } : parseResolvConf(hostText);
  const warnings: string[] = [];

  const policy = spec.dnsPolicy ?? "ClusterFirst";
  let kind: "none" | "cluster" | "host";
  if (policy === "None") kind = "none";
  else if (policy === "ClusterFirstWithHostNet") kind = "cluster";
  else if (policy === "ClusterFirst") kind = spec.hostNetwork ? "host" : "cluster";
  else kind = "host";
  if (kind === "cluster" && clusterDNS.length === 0) {
    warnings.push(`pod: "${namespace}" ClusterFirst policy specified but no cluster DNS IP is configured, falling back to "Default" policy`);
    kind = "host";
  }

  let conf: ResolvConf = { nameservers: [...host.nameservers], search: [...host.search], options: [...host.options] };
  if (kind === "none") conf = { nameservers: [], search: [], options: [] };
  else if (kind === "cluster") {
    conf.nameservers = clusterDNS;
    conf.search = domain === "" ? conf.search : dedup([`${namespace}.svc.${domain}`, `svc.${domain}`, domain, ...conf.search]);
    conf.options = ["ndots:5"];
  } else if (hostText === null) {
    conf.nameservers = ["127.0.0.1"];
    conf.search = ["."];
  }

  const dc = spec.dnsConfig;
  if (dc) {
    conf.nameservers = dedup([...conf.nameservers, ...(dc.nameservers ?? [])]);
    conf.search = dedup([...conf.search, ...(dc.searches ?? [])]);
    conf.options = mergeOptions(conf.options, (dc.options ?? []).map((o) => (o.value !== undefined && o.value !== "" ? `${o.name}:${o.value}` : o.name)));
  }

  if (conf.nameservers.length > DNS_LIMITS.maxNameservers) {
    conf.nameservers = conf.nameservers.slice(0, DNS_LIMITS.maxNameservers);
    warnings.push(`Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${conf.nameservers.join(" ")}`);
  }
  conf.search = fitSearch(conf.search, warnings);

  return { ...conf, text: formatResolvConf(conf), warnings };
}

/** resolv.conf text as containerd writes it: search, nameserver lines, options. @example formatResolvConf({ nameservers: ["10.96.0.10"], search: [], options: [] }) // "nameserver 10.96.0.10\n" */
export function formatResolvConf(conf: ResolvConf): string {
  let s = "";
  if (conf.search.length > 0) s += `search ${conf.search.join(" ")}\n`;
  for (const ns of conf.nameservers) s += `nameserver ${ns}\n`;
  if (conf.options.length > 0) s += `options ${conf.options.join(" ")}\n`;
  return s;
}

function fitSearch(search: string[], warnings: string[]): string[] {
  let exceeded = false;
  let s = search;
  if (s.length > DNS_LIMITS.maxSearchPaths) {
    s = s.slice(0, DNS_LIMITS.maxSearchPaths);
    exceeded = true;
  }
  const kept = s.filter((d) => d.length <= DNS_LIMITS.maxDomainLength);
  if (kept.length !== s.length) exceeded = true;
  s = kept;
  const lineLen = s.join(" ").length;
  if (lineLen > DNS_LIMITS.maxSearchListChars) {
    let cutLen = 0;
    let cutNum = 0;
    for (let i = s.length - 1; i >= 0; i--) {
      cutLen += (s[i] as string).length + 1;
      cutNum++;
      if (lineLen - cutLen <= DNS_LIMITS.maxSearchListChars) break;
    }
    s = s.slice(0, s.length - cutNum);
    exceeded = true;
  }
  if (exceeded) warnings.push(`Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${s.join(" ")}`);
  return s;
}

function dedup(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

/** Options keyed by name (the part before `:`); a later value replaces an earlier one in place. */
function mergeOptions(existing: readonly string[], added: readonly string[]): string[] {
  const m = new Map<string, string>();
  for (const o of [...existing, ...added]) m.set(o.split(":")[0] as string, o);
  return [...m.values()];
}
