/**
 * CoreDNS's `kubernetes` plugin, as configured by kubeadm's Corefile:
 *
 * ```
 * kubernetes cluster.local in-addr.arpa ip6.arpa { pods insecure; fallthrough in-addr.arpa ip6.arpa; ttl 30 }
 * forward . /etc/resolv.conf
 * ```
 *
 * The store is fed incrementally (services, EndpointSlices, namespaces) like CoreDNS's informer caches and
 * answers from indexes, so a lookup costs the same with 10 or 10,000 services. The answer logic follows the
 * plugin's code paths (parseRequest → Records → findServices/findPods, and the A/AAAA/SRV/PTR/TXT/CNAME/NS/SOA
 * builders of plugin/backend_lookup.go), including their less obvious outcomes:
 * - a ClusterIP service answers A even with no endpoints; a headless one with no ready endpoint is NXDOMAIN;
 * - only `conditions.ready` of an endpoint is read (nil = ready): `publishNotReadyAddresses` works because the
 *   EndpointSlice controller then marks not-ready pods ready;
 * - SRV weight is ⌊100 / n⌋ for n matching (endpoint ×) port entries, at least 1; targets' addresses go to ADDITIONAL;
 * - `ns.svc.zone` (namespace exists) and the apex are NODATA, an unknown namespace or shape is NXDOMAIN;
 * - TXT is only `dns-version.<zone>`; TXT on an existing name is NODATA, otherwise NXDOMAIN;
 * - a name error in a reverse zone falls through to the upstream; names outside the zones go upstream.
 * Deliberate differences: no `loadbalance` shuffling and no `cache` (answers are deterministic), the SOA serial
 * comes from the `now` clock you pass (CoreDNS uses the wall-clock time of the last service/endpoint change).
 *
 * @example
 * ```ts
 * const dns = new KubernetesDns();
 * dns.upsertService({ apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "default" },
 *   spec: { clusterIP: "10.96.0.20", ports: [{ name: "http", port: 80 }] } });
 * dns.query("web.default.svc.cluster.local", "A").answer; // [{ type: "A", address: "10.96.0.20", ttl: 30, ... }]
 * ```
 */
import { isIP, isIPv4, isIPv6 } from "../util/ip";
import type { DeepReadonly, EndpointSlice, Namespace, Service, ServiceType } from "../api/types";
import { wellKnown } from "../api/types";
import { DnsAnswer, QType, RR, SOARecord, fqdn } from "./types";
import { Upstream, UpstreamRecords } from "./upstream";

/** The schema version of the Kubernetes DNS specification CoreDNS implements (its `dns-version` TXT). */
export const DNS_SCHEMA_VERSION = "1.1.0";

/** Options of {@link KubernetesDns}. */
export interface KubernetesDnsOptions {
  /** Cluster domain (`cluster.local`). */
  zone?: string;
  /** Record TTL (`ttl 30` in kubeadm's Corefile). */
  ttl?: number;
  /** What the `forward` plugin's resolver knows: names outside the zone and reverse-zone misses. */
  upstream?: UpstreamRecords | Upstream;
  /** Namespaces that exist from the start (CoreDNS answers only for existing namespaces). */
  namespaces?: readonly string[];
  /**
   * The CoreDNS pod's own IPs (its interface addresses): they decide the NS records
   * (`kube-dns.kube-system.svc.<zone>` when they back it). A function is read at query time, as
   * the pod's IP is only known once it runs.
   */
  localIPs?: readonly string[] | (() => readonly string[]);
  /** Clock in Unix seconds, read on each service/endpoint change; the SOA serial is the last such time. */
  now?: () => number;
}

/** A service as the plugin's cache keeps it (object.Service). */
interface SvcEntry {
  namespace: string;
  name: string;
  type: ServiceType;
  headless: boolean;
  clusterIPs: string[];
  externalName: string;
  ports: { name: string; protocol: string; port: number }[];
}

/** An EndpointSlice as the plugin's cache keeps it (object.Endpoints): ready addresses only. */
interface SliceEntry {
  namespace: string;
  name: string;
  /** `<service>.<namespace>` from the kubernetes.io/service-name label. */
  index: string;
  addresses: { ip: string; hostname: string }[];
  /** Port -1 is CoreDNS's sentinel for a slice without ports. */
  ports: { name: string; protocol: string; port: number }[];
}

/** CoreDNS's msg.Service: one candidate answer before it becomes typed records. */
interface MsgService {
  host: string;
  port: number;
  ttl: number;
  /** The domain name this service entry lives at (msg.Domain(key)). */
  key: string;
  text?: string;
}

/** Outcome of a lookup inside the plugin: records, or a name error (NXDOMAIN / fallthrough). */
interface Lookup<T> {
  items: T[];
  nameError: boolean;
}

interface ParsedRequest {
  invalid: boolean;
  podOrSvc: string;
  namespace: string;
  service: string;
  endpoint: string;
  port: string;
  protocol: string;
}

const REVERSE_ZONES = ["in-addr.arpa.", "ip6.arpa."];

/**
 * The DNS records CoreDNS serves for a cluster; see the module comment for the exact semantics.
 *
 * @example
 * ```ts
 * const dns = new KubernetesDns({ upstream: { "example.com": { A: ["93.184.215.14"] } } });
 * dns.query("example.com", "A").ra; // true: forwarded
 * ```
 */
export class KubernetesDns {
  readonly zone: string;
  readonly ttl: number;
  readonly upstream: Upstream;
  private readonly namespaces = new Set<string>();
  private readonly svcs = new Map<string, SvcEntry>(); // key: name.namespace
  private readonly slices = new Map<string, SliceEntry>(); // key: namespace/name
  private readonly slicesByService = new Map<string, Set<string>>(); // index → slice keys
  private readonly servicesByIP = new Map<string, Set<string>>();
  private readonly slicesByIP = new Map<string, Set<string>>();
  private readonly localIPsOf: () => readonly string[];
  private readonly now: (() => number) | undefined;
  private changes = 0;
  private modified = 0;

  constructor(opts: KubernetesDnsOptions = {}) {
    this.zone = fqdn(opts.zone ?? "cluster.local").toLowerCase();
    this.ttl = opts.ttl ?? 30;
    this.upstream = opts.upstream instanceof Upstream ? opts.upstream : new Upstream(opts.upstream ?? {});
    for (const ns of opts.namespaces ?? ["default", "kube-system", "kube-public", "kube-node-lease"]) this.namespaces.add(ns);
    const ips = opts.localIPs ?? [];
    this.localIPsOf = typeof ips === "function" ? ips : () => ips;
    this.now = opts.now;
  }

  // ------------------------------------------------------------------ informer-style updates

  /** Record that a namespace exists. @example dns.upsertNamespace("shop") */
  upsertNamespace(ns: string | DeepReadonly<Namespace>): void {
    this.namespaces.add(typeof ns === "string" ? ns : requireName(ns.metadata.name, "Namespace"));
  }

  /** Forget a namespace: its names become NXDOMAIN. @example dns.deleteNamespace("shop") */
  deleteNamespace(name: string): void {
    this.namespaces.delete(name);
  }

  /** Add or replace a Service. @example dns.upsertService(svc) */
  upsertService(svc: DeepReadonly<Service>): void {
    const name = requireName(svc.metadata.name, "Service");
    const namespace = svc.metadata.namespace ?? "default";
    this.removeService(`${name}.${namespace}`);
    const type = svc.spec.type ?? "ClusterIP";
    const clusterIPs = svc.spec.clusterIPs && svc.spec.clusterIPs.length > 0 ? [...svc.spec.clusterIPs] : svc.spec.clusterIP ? [svc.spec.clusterIP] : [];
    const headless = clusterIPs[0] === "None";
    const entry: SvcEntry = {
      namespace,
      name,
      type,
      headless,
      clusterIPs: type === "ExternalName" || headless ? [] : clusterIPs.filter((ip) => isIP(ip) !== 0),
      externalName: svc.spec.externalName ?? "",
      ports: (svc.spec.ports ?? []).map((p) => ({ name: p.name ?? "", protocol: p.protocol ?? "TCP", port: p.port })),
    };
    const key = `${name}.${namespace}`;
    this.svcs.set(key, entry);
    for (const ip of entry.clusterIPs) addIndex(this.servicesByIP, ip, key);
    this.touch();
  }

  /** Remove a Service. @example dns.deleteService("default", "web") */
  deleteService(namespace: string, name: string): void {
    if (this.removeService(`${name}.${namespace}`)) this.touch();
  }

  /** Add or replace an EndpointSlice (controller-made or user-made, matched by its service-name label). @example dns.upsertEndpointSlice(slice) */
  upsertEndpointSlice(slice: DeepReadonly<EndpointSlice>): void {
    const name = requireName(slice.metadata.name, "EndpointSlice");
    const namespace = slice.metadata.namespace ?? "default";
    const key = `${namespace}/${name}`;
    const prev = this.slices.get(key);
    if (prev) {
      delIndex(this.slicesByService, prev.index, key);
      this.slices.delete(key);
    }
    const service = slice.metadata.labels?.[wellKnown.serviceName] ?? "";
    const entry: SliceEntry = { namespace, name, index: `${service}.${namespace}`, addresses: [], ports: [] };
    entry.ports = slice.ports && slice.ports.length > 0
      ? slice.ports.map((p) => ({ name: p.name ?? "", protocol: p.protocol ?? "TCP", port: p.port ?? -1 }))
      : [{ name: "", protocol: "", port: -1 }];
    // FQDN slices carry names, not addresses: nothing CoreDNS can serve as A/AAAA.
    if (slice.addressType !== "FQDN") {
      for (const ep of slice.endpoints) {
        if (ep.conditions?.ready === false) continue; // nil means ready (endpointsliceReady)
        for (const ip of ep.addresses) entry.addresses.push({ ip, hostname: ep.hostname ?? dashed(ip) });
      }
    }
    this.slices.set(key, entry);
    addIndex(this.slicesByService, entry.index, key);
    // The controller keeps endpoints in place and appends new ones: re-index only past the
    // common prefix (everything, if an address before its end went away).
    const before = prev?.addresses ?? [];
    let k = 0;
    while (k < before.length && k < entry.addresses.length && before[k]!.ip === entry.addresses[k]!.ip) k++;
    if (k < before.length) {
      for (const a of before) delIndex(this.slicesByIP, a.ip, key);
      k = 0;
    }
    for (let i = k; i < entry.addresses.length; i++) addIndex(this.slicesByIP, entry.addresses[i]!.ip, key);
    this.touch();
  }

  /** Remove an EndpointSlice. @example dns.deleteEndpointSlice("default", "web-abc12") */
  deleteEndpointSlice(namespace: string, name: string): void {
    if (this.removeSlice(`${namespace}/${name}`)) this.touch();
  }

  /** The SOA serial: the last change time (`now`) or, without a clock, the number of changes. @example dns.serial */
  get serial(): number {
    return this.now ? this.modified >>> 0 : this.changes;
  }

  private touch(): void {
    this.changes++;
    if (this.now) this.modified = Math.floor(this.now());
  }

  private removeService(key: string): boolean {
    const old = this.svcs.get(key);
    if (!old) return false;
    for (const ip of old.clusterIPs) delIndex(this.servicesByIP, ip, key);
    this.svcs.delete(key);
    return true;
  }

  private removeSlice(key: string): boolean {
    const old = this.slices.get(key);
    if (!old) return false;
    delIndex(this.slicesByService, old.index, key);
    for (const a of old.addresses) delIndex(this.slicesByIP, a.ip, key);
    this.slices.delete(key);
    return true;
  }

  // ------------------------------------------------------------------ answering

  /**
   * Answer one question as CoreDNS (kubernetes plugin, then forward) would.
   *
   * @example
   * ```ts
   * dns.query("_http._tcp.web.default.svc.cluster.local", "SRV"); // SRV 0 100 80 web.default.svc.cluster.local.
   * dns.query("nope.default.svc.cluster.local", "A").rcode;       // "NXDOMAIN"
   * ```
   */
  query(name: string, type: QType): DnsAnswer {
    const qname = fqdn(name);
    const lname = qname.toLowerCase();
    const zoneLower = this.matchZone(lname);
    if (zoneLower === undefined) return this.upstream.query(qname, type);
    const zone = qname.slice(qname.length - zoneLower.length); // keeps the client's case, as CoreDNS does
    const ctx: Ctx = { qname, lname, zone, zoneLower, type };

    let records: RR[] = [];
    let extra: RR[] = [];
    let nameError = false;
    switch (type) {
      case "A":
      case "AAAA": {
        const r = this.address(ctx, type, qname, []);
        ({ items: records, nameError } = r);
        break;
      }
      case "TXT": {
        const r = this.lookupServices(ctx, lname, "TXT");
        nameError = r.nameError;
        records = r.items.filter((s) => s.text !== undefined).map((s) => ({ name: qname, ttl: s.ttl, class: "IN", type: "TXT", text: [s.text ?? ""] }));
        break;
      }
      case "CNAME": {
        const r = this.lookupServices(ctx, lname, "CNAME");
        nameError = r.nameError;
        const first = r.items[0];
        if (first && isIP(first.host) === 0) records = [{ name: qname, ttl: first.ttl, class: "IN", type: "CNAME", target: fqdn(first.host) }];
        break;
      }
      case "PTR": {
        const r = this.reverse(ctx);
        nameError = r.nameError;
        const seen = new Set<string>();
        for (const s of r.items) {
          if (isIP(s.host) !== 0 || seen.has(s.host)) continue;
          seen.add(s.host);
          records.push({ name: qname, ttl: s.ttl, class: "IN", type: "PTR", target: fqdn(s.host) });
        }
        break;
      }
      case "SRV": {
        const r = this.srv(ctx);
        ({ nameError, records, extra } = r);
        break;
      }
      case "MX": {
        // plugin.MX only emits entries flagged as mail, which the kubernetes plugin never sets.
        nameError = this.lookupServices(ctx, lname, "MX").nameError;
        break;
      }
      case "SOA":
        if (lname === zoneLower) records = [this.soa(zone)];
        break;
      case "NS":
        if (lname === zoneLower) {
          const r = this.ns(ctx);
          records = r.records;
          extra = r.extra;
          break;
        }
        nameError = this.address(ctx, "A", qname, []).nameError;
        break;
      default:
        // ANY and other types: a fake A lookup only tells NODATA from NXDOMAIN.
        nameError = this.address(ctx, "A", qname, []).nameError;
    }

    const base = { question: { name: qname, type }, ra: false, tc: false };
    if (nameError) {
      if (REVERSE_ZONES.includes(zoneLower)) return this.upstream.query(qname, type); // fallthrough in-addr.arpa ip6.arpa
      return { ...base, rcode: "NXDOMAIN", aa: true, answer: [], authority: [this.soa(zone)], additional: [] };
    }
    if (records.length === 0) return { ...base, rcode: "NOERROR", aa: true, answer: [], authority: [this.soa(zone)], additional: [] };
    return { ...base, rcode: "NOERROR", aa: true, answer: records, authority: [], additional: extra };
  }

  /**
   * Every record the plugin would serve, grouped per object (for a "which records exist" table):
   * per service its A/AAAA (or CNAME), per named port its SRV, per ready endpoint its A, hostname A and PTR.
   *
   * @example
   * ```ts
   * dns.records().map(rrText); // ["kubernetes.default.svc.cluster.local. 30 IN A 10.96.0.1", ...]
   * ```
   */
  records(): RR[] {
    const out: RR[] = [];
    const entries = new Map<string, number>(); // SRV name → msg.Service entries behind it (the weight's n)
    const zone = this.zone;
    const ttl = this.ttl;
    const keys = [...this.svcs.keys()].sort((a, b) => {
      const sa = this.svcs.get(a) as SvcEntry;
      const sb = this.svcs.get(b) as SvcEntry;
      return cmp(sa.namespace, sb.namespace) || cmp(sa.name, sb.name);
    });
    for (const key of keys) {
      const svc = this.svcs.get(key) as SvcEntry;
      if (!this.namespaces.has(svc.namespace)) continue;
      const svcName = `${svc.name}.${svc.namespace}.svc.${zone}`;
      if (svc.type === "ExternalName") {
        if (svc.externalName && isIP(svc.externalName) === 0) out.push({ name: svcName, ttl, class: "IN", type: "CNAME", target: fqdn(svc.externalName) });
        continue;
      }
      const addr = (name: string, ip: string): RR =>
        isIPv6(ip) ? { name, ttl, class: "IN", type: "AAAA", address: ip } : { name, ttl, class: "IN", type: "A", address: ip };
      if (!svc.headless) {
        if (svc.ports.length === 0) continue; // no port entry matches: the plugin answers NXDOMAIN
        for (const ip of svc.clusterIPs) out.push(addr(svcName, ip));
        for (const p of svc.ports) {
          if (!p.name || svc.clusterIPs.length === 0) continue;
          const name = `_${p.name}._${p.protocol.toLowerCase()}.${svcName}`;
          entries.set(name, (entries.get(name) ?? 0) + svc.clusterIPs.length); // one entry per cluster IP, one record
          out.push({ name, ttl, class: "IN", type: "SRV", priority: 0, weight: 0, port: p.port, target: svcName });
        }
        for (const ip of svc.clusterIPs) out.push({ name: reverseName(ip), ttl, class: "IN", type: "PTR", target: svcName });
        continue;
      }
      const eps = this.endpointsOf(key);
      const seen = new Set<string>();
      for (const ep of eps) for (const a of ep.addresses) if (!seen.has(a.ip)) { seen.add(a.ip); out.push(addr(svcName, a.ip)); }
      for (const ep of eps) {
        for (const a of ep.addresses) {
          const host = `${a.hostname}.${svcName}`;
          out.push(addr(host, a.ip));
          for (const p of ep.ports) {
            if (!p.name || p.port < 0) continue;
            const name = `_${p.name}._${p.protocol.toLowerCase()}.${svcName}`;
            entries.set(name, (entries.get(name) ?? 0) + 1);
            out.push({ name, ttl, class: "IN", type: "SRV", priority: 0, weight: 0, port: p.port, target: host });
          }
          out.push({ name: reverseName(a.ip), ttl, class: "IN", type: "PTR", target: host });
        }
      }
    }
    // SRV weights as a query for that name would compute them.
    for (const rr of out) if (rr.type === "SRV") rr.weight = srvWeight(entries.get(rr.name) ?? 1);
    out.push({ name: `dns-version.${zone}`, ttl: 28800, class: "IN", type: "TXT", text: [DNS_SCHEMA_VERSION] });
    return out;
  }

  // ------------------------------------------------------------------ plugin internals

  private matchZone(lname: string): string | undefined {
    let best: string | undefined;
    for (const z of [this.zone, ...REVERSE_ZONES]) {
      if ((lname === z || lname.endsWith("." + z)) && (best === undefined || z.length > best.length)) best = z;
    }
    return best;
  }

  /** CoreDNS's SOA for the zone (plugin.SOA): ns.dns.<zone>, hostmaster.<zone>, 7200 1800 86400 ttl. */
  private soa(zone: string): SOARecord {
    return {
      name: zone,
      ttl: Math.min(this.ttl, 300),
      class: "IN",
      type: "SOA",
      mname: `ns.dns.${zone}`,
      rname: `hostmaster.${zone}`,
      serial: this.serial,
      refresh: 7200,
      retry: 1800,
      expire: 86400,
      minimum: this.ttl,
    };
  }

  /** plugin.A / plugin.AAAA, including CNAME chasing for ExternalName services. */
  private address(ctx: Ctx, type: "A" | "AAAA", qname: string, previous: RR[]): Lookup<RR> {
    const svcs = this.checkForApex(ctx, qname.toLowerCase(), type);
    if (svcs.nameError) return { items: [], nameError: true };
    const records: RR[] = [];
    const dup = new Set<string>();
    const qlower = qname.toLowerCase();
    for (const s of svcs.items) {
      const family = isIP(s.host);
      if (family === 0) {
        const target = fqdn(s.host);
        const tl = target.toLowerCase();
        if (tl === qlower || tl.endsWith("." + qlower)) continue; // x CNAME x is a loop
        if (previous.length > 7) continue;
        const cname: RR = { name: qname, ttl: s.ttl, class: "IN", type: "CNAME", target };
        if (previous.some((r) => r.type === "CNAME" && r.name.toLowerCase() === qlower && r.target.toLowerCase() === tl)) continue;
        if (tl === ctx.zoneLower || tl.endsWith("." + ctx.zoneLower)) {
          const next = this.address(ctx, type, target, [...previous, cname]);
          if (!next.nameError && next.items.length > 0) records.push(cname, ...next.items);
          continue;
        }
        // Outside the zone: CoreDNS asks its own server chain, i.e. the forward plugin.
        const up = this.upstream.query(target, type);
        records.push(cname, ...up.answer);
        continue;
      }
      if (family === 4 && type === "A" && !dup.has(s.host)) {
        dup.add(s.host);
        records.push({ name: qname, ttl: s.ttl, class: "IN", type: "A", address: s.host });
      }
      if (family === 6 && type === "AAAA" && !dup.has(s.host)) {
        dup.add(s.host);
        records.push({ name: qname, ttl: s.ttl, class: "IN", type: "AAAA", address: s.host });
      }
    }
    return { items: records, nameError: false };
  }

  private checkForApex(ctx: Ctx, lname: string, type: QType): Lookup<MsgService> {
    if (lname !== ctx.zoneLower) return this.lookupServices(ctx, lname, type);
    const apex = this.lookupServices(ctx, `apex.dns.${ctx.zoneLower}`, type);
    if (!apex.nameError) return apex;
    return this.lookupServices(ctx, lname, type);
  }

  /** Kubernetes.Services: special names (dns-version TXT, NS, ns.dns.<zone>) then Records. */
  private lookupServices(ctx: Ctx, lname: string, type: QType): Lookup<MsgService> {
    if (type === "TXT") {
      const segs = splitLabels(trimZone(lname, ctx.zoneLower));
      if (segs.length === 1 && segs[0] === "dns-version") {
        return { items: [{ host: "", port: 0, ttl: 28800, key: lname, text: DNS_SCHEMA_VERSION }], nameError: false };
      }
      const r = this.recordsFor(ctx, lname);
      return r.items.length > 0 ? { items: [], nameError: false } : { items: [], nameError: true };
    }
    if (type === "NS") {
      return { items: this.nsAddrs(ctx.zone).map((a) => ({ host: a.ip, port: 0, ttl: this.ttl, key: a.name })), nameError: false };
    }
    if (lname === `ns.dns.${ctx.zoneLower}`) {
      const items = this.nsAddrs(ctx.zone)
        .filter((a) => (type === "A" && isIPv4(a.ip)) || (type === "AAAA" && isIPv6(a.ip)))
        .map((a) => ({ host: a.ip, port: 0, ttl: this.ttl, key: lname }));
      return { items, nameError: false };
    }
    const r = this.recordsFor(ctx, lname);
    if (type !== "SRV") return r;
    return { items: r.items.filter((s) => isIP(s.host) !== 0), nameError: r.nameError };
  }

  /** Kubernetes.Records. */
  private recordsFor(ctx: Ctx, lname: string): Lookup<MsgService> {
    const r = parseRequest(lname, ctx.zoneLower);
    if (r.invalid) return { items: [], nameError: true };
    if (r.podOrSvc === "") return { items: [], nameError: false };
    if (REVERSE_ZONES.some((z) => lname === z || lname.endsWith("." + z))) return { items: [], nameError: true };
    if (!this.namespaces.has(r.namespace)) return { items: [], nameError: true };
    return r.podOrSvc === "pod" ? this.findPods(r) : this.findServices(r);
  }

  /** `pods insecure`: any well-formed dashed IP in an existing namespace answers with that IP. */
  private findPods(r: ParsedRequest): Lookup<MsgService> {
    if (r.service === "") return { items: [], nameError: false };
    const podname = r.service;
    const ip = (podname.split("-").length - 1 === 3 && !podname.includes("--")) ? podname.replaceAll("-", ".") : podname.replaceAll("-", ":");
    if (!goParseIP(ip)) return { items: [], nameError: true };
    return { items: [{ host: ip, port: 0, ttl: this.ttl, key: `${podname}.${r.namespace}.pod.${this.zone}` }], nameError: false };
  }

  private findServices(r: ParsedRequest): Lookup<MsgService> {
    if (r.service === "") return { items: [], nameError: false };
    const idx = `${r.service}.${r.namespace}`;
    const svc = this.svcs.get(idx);
    const items: MsgService[] = [];
    let nameError = true;
    if (!svc) return { items, nameError };
    const svcDomain = `${svc.name}.${svc.namespace}.svc.${this.zone}`;
    if (svc.type === "ExternalName") {
      if (r.endpoint === "" && svc.externalName !== "" && isIP(svc.externalName) === 0) {
        items.push({ host: svc.externalName, port: 0, ttl: this.ttl, key: svcDomain });
        nameError = false;
      }
      return { items, nameError };
    }
    if (svc.headless || r.endpoint !== "") {
      for (const ep of this.endpointsOf(idx)) {
        for (const a of ep.addresses) {
          if (r.endpoint !== "" && r.endpoint !== a.hostname.toLowerCase()) continue;
          for (const p of ep.ports) {
            if (!matchPortAndProtocol(r.port, p.name, r.protocol, p.protocol)) continue;
            items.push({ host: a.ip, port: p.port, ttl: this.ttl, key: `${a.hostname}.${svcDomain}` });
            nameError = false;
          }
        }
      }
      return { items, nameError };
    }
    for (const p of svc.ports) {
      if (!matchPortAndProtocol(r.port, p.name, r.protocol, p.protocol)) continue;
      nameError = false;
      for (const ip of svc.clusterIPs) items.push({ host: ip, port: p.port, ttl: this.ttl, key: svcDomain });
    }
    return { items, nameError };
  }

  /** The ready endpoints of a service key, slices in name order (CoreDNS's cache order is unspecified). */
  private endpointsOf(index: string): SliceEntry[] {
    const keys = this.slicesByService.get(index);
    if (!keys) return [];
    return [...keys].sort().map((k) => this.slices.get(k) as SliceEntry);
  }

  /** plugin.SRV: weights over all entries of the priority, targets' addresses in ADDITIONAL. */
  private srv(ctx: Ctx): { records: RR[]; extra: RR[]; nameError: boolean } {
    const svcs = this.lookupServices(ctx, ctx.lname, "SRV");
    const records: RR[] = [];
    const extra: RR[] = [];
    if (svcs.nameError) return { records, extra, nameError: true };
    const weight = srvWeight(svcs.items.length);
    const dup = new Set<string>();
    for (const s of svcs.items) {
      if (s.port === -1) continue;
      const target = s.key;
      const portKey = `${target}\u0000\u0000${s.port}`;
      if (!dup.has(portKey)) {
        dup.add(portKey);
        records.push({ name: ctx.qname, ttl: s.ttl, class: "IN", type: "SRV", priority: 0, weight, port: s.port, target });
      }
      const addrKey = `${target}\u0000${s.host}\u00000`;
      if (!dup.has(addrKey)) {
        dup.add(addrKey);
        extra.push(isIPv6(s.host)
          ? { name: target, ttl: s.ttl, class: "IN", type: "AAAA", address: s.host }
          : { name: target, ttl: s.ttl, class: "IN", type: "A", address: s.host });
      }
    }
    return { records, extra, nameError: false };
  }

  /** Kubernetes.Reverse: a cluster IP names its service, else ready endpoint IPs name their endpoints. */
  private reverse(ctx: Ctx): Lookup<MsgService> {
    const ip = addressFromReverse(ctx.lname);
    if (ip === "") {
      const r = this.recordsFor(ctx, ctx.lname);
      return { items: [], nameError: r.nameError };
    }
    const svcKeys = this.servicesByIP.get(ip);
    if (svcKeys && svcKeys.size > 0) {
      const svc = this.svcs.get([...svcKeys].sort()[0] as string) as SvcEntry;
      return { items: [{ host: `${svc.name}.${svc.namespace}.svc.${this.zone}`, port: 0, ttl: this.ttl, key: "" }], nameError: false };
    }
    const items: MsgService[] = [];
    for (const key of [...(this.slicesByIP.get(ip) ?? [])].sort()) {
      const ep = this.slices.get(key) as SliceEntry;
      for (const a of ep.addresses) {
        if (a.ip === ip) items.push({ host: `${a.hostname}.${ep.index}.svc.${this.zone}`, port: 0, ttl: this.ttl, key: "" });
      }
    }
    return { items, nameError: items.length === 0 };
  }

  /** The addresses CoreDNS advertises as its name servers (Kubernetes.nsAddrs). */
  private nsAddrs(zone: string): { name: string; ip: string }[] {
    const out: { name: string; ip: string }[] = [];
    const localIPs = this.localIPsOf();
    for (const local of localIPs) {
      for (const key of [...(this.slicesByIP.get(local) ?? [])].sort()) {
        const ep = this.slices.get(key) as SliceEntry;
        const svc = this.svcs.get(ep.index);
        if (!svc) continue;
        const svcName = `${svc.name}.${svc.namespace}.svc.${zone}`;
        if (svc.headless) {
          for (const a of ep.addresses) out.push({ name: `${a.hostname}.${svcName}`, ip: a.ip });
        } else {
          for (const ip of svc.clusterIPs) out.push({ name: svcName, ip });
        }
      }
    }
    if (out.length > 0) return out;
    return localIPs.map((ip) => ({ name: `ns.dns.${zone}`, ip }));
  }

  /** plugin.NS: `<zone> NS <name>` per distinct name server, its address in ADDITIONAL. */
  private ns(ctx: Ctx): { records: RR[]; extra: RR[] } {
    const records: RR[] = [];
    const extra: RR[] = [];
    const seen = new Set<string>();
    for (const a of this.nsAddrs(ctx.zone)) {
      const target = fqdn(a.name);
      extra.push(isIPv6(a.ip) ? { name: target, ttl: this.ttl, class: "IN", type: "AAAA", address: a.ip } : { name: target, ttl: this.ttl, class: "IN", type: "A", address: a.ip });
      if (seen.has(target)) continue;
      seen.add(target);
      records.push({ name: ctx.qname, ttl: this.ttl, class: "IN", type: "NS", target });
    }
    return { records, extra };
  }
}

interface Ctx {
  qname: string;
  lname: string;
  zone: string;
  zoneLower: string;
  type: QType;
}

/** ⌊100/n⌋ (at least 1): CoreDNS's SRV weight when n entries share priority 0 and none sets a weight. @example srvWeight(3) // 33 */
export function srvWeight(n: number): number {
  const w = Math.floor((100 / (100 * n)) * 100);
  return w === 0 ? 1 : w;
}

/** CoreDNS's endpoint label for an IP without hostname: dots (or colons) become dashes. @example dashed("10.244.1.5") // "10-244-1-5" */
export function dashed(ip: string): string {
  return ip.replaceAll(".", "-").replaceAll(":", "-");
}

/** The in-addr.arpa / ip6.arpa name of an IP. @example reverseName("10.96.0.1") // "1.0.96.10.in-addr.arpa." */
export function reverseName(ip: string): string {
  if (isIPv4(ip)) return ip.split(".").reverse().join(".") + ".in-addr.arpa.";
  const hex = expandIPv6(ip).replaceAll(":", "");
  return hex.split("").reverse().join(".") + ".ip6.arpa.";
}

function expandIPv6(ip: string): string {
  const [head, tail] = ip.includes("::") ? ip.split("::") : [ip, undefined];
  const h = head ? head.split(":") : [];
  const t = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const fill = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill("0");
  return [...h, ...fill, ...t].map((g) => g.padStart(4, "0")).join(":");
}

/** dnsutil.ExtractAddressFromReverse: "" unless a complete reverse name. */
function addressFromReverse(lname: string): string {
  const name = lname.slice(0, -1);
  if (name.endsWith(".in-addr.arpa")) {
    const parts = name.slice(0, -".in-addr.arpa".length).split(".");
    if (parts.length !== 4) return "";
    const ip = parts.reverse().join(".");
    return isIPv4(ip) ? ip : "";
  }
  if (name.endsWith(".ip6.arpa")) {
    const nibbles = name.slice(0, -".ip6.arpa".length).split(".");
    if (nibbles.length !== 32 || nibbles.some((n) => !/^[0-9a-f]$/.test(n))) return "";
    const hex = nibbles.reverse().join("");
    const groups = hex.match(/.{4}/g) ?? [];
    // Canonical text form, as Go's net.IP.String() prints it (the index key).
    return compressIPv6(groups.map((g) => g.replace(/^0+(?=.)/, "")));
  }
  return "";
}

function compressIPv6(groups: string[]): string {
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== "0") { i++; continue; }
    let j = i;
    while (j < groups.length && groups[j] === "0") j++;
    if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return groups.join(":");
  return groups.slice(0, best).join(":") + "::" + groups.slice(best + bestLen).join(":");
}

/** plugin/kubernetes parseRequest: `[_port._proto.|endpoint.]service.namespace.(svc|pod).zone`. */
function parseRequest(lname: string, zone: string): ParsedRequest {
  const r: ParsedRequest = { invalid: false, podOrSvc: "", namespace: "", service: "", endpoint: "", port: "", protocol: "" };
  const base = trimZone(lname, zone);
  if (base === "" || base === "svc" || base === "pod") return r;
  const segs = splitLabels(base);
  let last = segs.length - 1;
  if (last < 0) return r;
  r.podOrSvc = segs[last] as string;
  if (r.podOrSvc !== "pod" && r.podOrSvc !== "svc") return { ...r, invalid: true };
  if (--last < 0) return r;
  r.namespace = segs[last] as string;
  if (--last < 0) return r;
  r.service = segs[last] as string;
  if (--last < 0) return r;
  if (last === 0) r.endpoint = segs[0] as string;
  else if (last === 1) {
    r.protocol = stripUnderscore(segs[1] as string);
    r.port = stripUnderscore(segs[0] as string);
  } else return { ...r, invalid: true };
  return r;
}

function trimZone(lname: string, zone: string): string {
  if (lname === zone) return "";
  return lname.slice(0, lname.length - zone.length - 1);
}

function splitLabels(s: string): string[] {
  return s === "" ? [] : s.split(".").filter((l) => l !== "");
}

function stripUnderscore(s: string): string {
  return s.startsWith("_") ? s.slice(1) : s;
}

function matchPortAndProtocol(aPort: string, bPort: string, aProto: string, bProto: string): boolean {
  return (aPort === "" || aPort.toLowerCase() === bPort.toLowerCase()) && (aProto === "" || aProto.toLowerCase() === bProto.toLowerCase());
}

/** Go's net.ParseIP: dotted quad without leading zeros, or an IPv6 literal. */
function goParseIP(ip: string): boolean {
  if (isIPv4(ip)) return ip.split(".").every((p) => p === "0" || !p.startsWith("0"));
  return isIPv6(ip) && !ip.includes("%");
}

function addIndex(m: Map<string, Set<string>>, k: string, v: string): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}

function delIndex(m: Map<string, Set<string>>, k: string, v: string): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}

function requireName(name: string | undefined, kind: string): string {
  if (!name) throw new Error(`${kind} without metadata.name`);
  return name;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
