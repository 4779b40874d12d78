import * as assert from "node:assert/strict";
import { resolve, resolverOptions, AskFn, ResolveOptions } from "../../src/dns/resolver";
import { resolvConf, ResolvConf } from "../../src/dns/resolvconf";
import { DnsAnswer } from "../../src/dns/types";
import { fixtureDns } from "./fixtures";

const HOST = "nameserver 10.0.0.2\nsearch ec2.internal\n";
const confFor = (ns: string, options?: { name: string; value?: string }[]): ResolvConf =>
  resolvConf({ pod: { metadata: { namespace: ns }, spec: options ? { dnsConfig: { options } } : {} }, hostResolvConf: HOST });

const dns = fixtureDns();
const ask: AskFn = (n, t) => dns.query(n, t);
const walk = (name: string, conf: ResolvConf, opts?: ResolveOptions, f: AskFn = ask) => {
  const r = resolve(name, conf, f, opts);
  return { steps: r.queries.map((q) => `${q.name} ${q.type} ${q.rcode}`), result: r.result };
};
const both = (name: string, rcode: string) => [`${name} A ${rcode}`, `${name} AAAA ${rcode}`];
const SEARCH = (n: string, ns: string) => [`${n}.${ns}.svc.cluster.local.`, `${n}.svc.cluster.local.`, `${n}.cluster.local.`, `${n}.ec2.internal.`];

describe("dns/resolver: glibc res_search walk", () => {
  it("short name in the same namespace: first search domain answers", () => {
    const w = walk("hello-world", confFor("default"));
    assert.deepEqual(w.steps, [...both("hello-world.default.svc.cluster.local.", "NOERROR").slice(0, 1), "hello-world.default.svc.cluster.local. AAAA NOERROR"]);
    assert.deepEqual(w.result, { addresses: ["10.96.0.20"], source: "dns" });
  });

  it("short name from another namespace: every search domain, then as is, then HOST_NOT_FOUND", () => {
    const w = walk("hello-world", confFor("other"));
    assert.deepEqual(w.steps, [...SEARCH("hello-world", "other"), "hello-world."].flatMap((n) => both(n, "NXDOMAIN")));
    assert.deepEqual(w.result, { error: "HOST_NOT_FOUND" });
  });

  it("svc.ns from another namespace: the second search domain answers", () => {
    const w = walk("hello-world.default", confFor("other"));
    assert.deepEqual(w.steps, [...both("hello-world.default.other.svc.cluster.local.", "NXDOMAIN"), "hello-world.default.svc.cluster.local. A NOERROR", "hello-world.default.svc.cluster.local. AAAA NOERROR"]);
  });

  it("google.com with ndots:5: four search domains fail first (the ndots cost)", () => {
    const w = walk("google.com", confFor("default"));
    assert.deepEqual(w.steps, [...SEARCH("google.com", "default").flatMap((n) => both(n, "NXDOMAIN")), ...both("google.com.", "NOERROR")]);
    assert.deepEqual(w.result, { addresses: ["142.250.74.46", "2a00:1450:4001:82b::200e"], source: "dns" });
  });

  it("google.com. (trailing dot): absolute, one step", () => {
    assert.deepEqual(walk("google.com.", confFor("default")).steps, both("google.com.", "NOERROR"));
  });

  it("a fully qualified service name without the dot still walks the search list (4 dots < 5)", () => {
    const n = "kubernetes.default.svc.cluster.local";
    const w = walk(n, confFor("other"));
    assert.deepEqual(w.steps, [...SEARCH(n, "other").flatMap((x) => both(x, "NXDOMAIN")), `${n}. A NOERROR`, `${n}. AAAA NOERROR`]);
  });

  it("ndots:1: a dotted name goes as is first; failure continues with the search list", () => {
    const conf = confFor("default", [{ name: "ndots", value: "1" }]);
    assert.deepEqual(walk("google.com", conf).steps, both("google.com.", "NOERROR"));
    const miss = walk("nope.example", conf);
    assert.deepEqual(miss.steps, ["nope.example.", ...SEARCH("nope.example", "default")].flatMap((n) => both(n, "NXDOMAIN")));
    assert.deepEqual(miss.result, { error: "HOST_NOT_FOUND" });
  });

  it("NODATA continues the walk and is the final error", () => {
    // default.svc.cluster.local exists (a namespace) but has no address: NODATA.
    const w = walk("default", confFor("default"));
    assert.deepEqual(w.steps, [
      ...both("default.default.svc.cluster.local.", "NXDOMAIN"),
      ...both("default.svc.cluster.local.", "NOERROR"),
      ...both("default.cluster.local.", "NXDOMAIN"),
      ...both("default.ec2.internal.", "NXDOMAIN"),
      ...both("default.", "NXDOMAIN"),
    ]);
    assert.deepEqual(w.result, { error: "NO_DATA" });
  });

  it("SERVFAIL continues; REFUSED ends the search list but the name is still tried as is", () => {
    const conf: ResolvConf = { nameservers: ["x"], search: ["a.example", "b.example", "c.example"], options: [] };
    const fake = (rc: Record<string, DnsAnswer["rcode"]>): AskFn => (n, t) => ({
      question: { name: n, type: t }, rcode: rc[n] ?? "NXDOMAIN", aa: false, ra: true, tc: false, answer: [], authority: [], additional: [],
    });
    const sf = walk("x", conf, { family: "AF_INET" }, fake({ "x.a.example": "SERVFAIL" }));
    assert.deepEqual(sf.steps, ["x.a.example. A SERVFAIL", "x.b.example. A NXDOMAIN", "x.c.example. A NXDOMAIN", "x. A NXDOMAIN"]);
    assert.deepEqual(sf.result, { error: "TRY_AGAIN" });
    const rf = walk("x", conf, { family: "AF_INET" }, fake({ "x.a.example": "REFUSED" }));
    assert.deepEqual(rf.steps, ["x.a.example. A REFUSED", "x. A NXDOMAIN"]);
  });

  it("AI_ADDRCONFIG without IPv6, AF_INET6, no-aaaa, no-tld-query", () => {
    assert.deepEqual(walk("hello-world", confFor("default"), { addrConfig: { ipv4: true, ipv6: false } }).steps, ["hello-world.default.svc.cluster.local. A NOERROR"]);
    const v6 = walk("hello-world", confFor("default"), { family: "AF_INET6" });
    assert.deepEqual(v6.steps, ["hello-world.default.svc.cluster.local. AAAA NOERROR", ...SEARCH("hello-world", "default").slice(1).map((n) => `${n} AAAA NXDOMAIN`), "hello-world. AAAA NXDOMAIN"],
      "AAAA-only: NODATA on an IPv4 service keeps walking");
    assert.deepEqual(v6.result, { error: "NO_DATA" });
    assert.deepEqual(walk("hello-world", confFor("default", [{ name: "no-aaaa" }])).steps, ["hello-world.default.svc.cluster.local. A NOERROR"]);
    const ntq = walk("nope", confFor("default", [{ name: "no-tld-query" }]), { family: "AF_INET" });
    assert.deepEqual(ntq.steps, SEARCH("nope", "default").map((n) => `${n} A NXDOMAIN`));
  });

  it("search list with the root domain: no separate as-is query", () => {
    const conf: ResolvConf = { nameservers: ["x"], search: ["a.example", "."], options: [] };
    const w = walk("google.com", conf, { family: "AF_INET" });
    assert.deepEqual(w.steps, ["google.com. A NOERROR"], "dots >= ndots(1): as is first, success");
    assert.deepEqual(walk("nope", conf, { family: "AF_INET" }).steps, ["nope.a.example. A NXDOMAIN", "nope. A NXDOMAIN"]);
  });

  it("/etc/hosts and numeric names need no query", () => {
    const r = resolve("localhost", confFor("default"), ask, { hosts: "127.0.0.1 localhost\n::1 localhost ip6-localhost\n" });
    assert.deepEqual(r, { queries: [], result: { addresses: ["127.0.0.1", "::1"], source: "files" } });
    assert.deepEqual(resolve("10.96.0.1", confFor("default"), ask).queries, []);
  });

  it("ExternalName through CNAME resolves in one step", () => {
    const w = walk("search", confFor("default"));
    assert.deepEqual(w.steps, both("search.default.svc.cluster.local.", "NOERROR"));
    assert.deepEqual(w.result, { addresses: ["142.250.74.36"], source: "dns" });
  });

  it("options parsing: ndots capped at 15", () => {
    assert.equal(resolverOptions(["ndots:40"]).ndots, 15);
    assert.equal(resolverOptions([]).ndots, 1);
  });
});

describe("dns/resolver: musl variant", () => {
  const musl: ResolveOptions = { libc: "musl" };
  it("NODATA ends the walk (glibc continues)", () => {
    const w = walk("default", confFor("default"), musl);
    assert.deepEqual(w.steps, [...both("default.default.svc.cluster.local.", "NXDOMAIN"), ...both("default.svc.cluster.local.", "NOERROR")]);
    assert.deepEqual(w.result, { error: "EAI_NODATA" });
  });
  it("dots >= ndots: no search list at all", () => {
    const conf = confFor("default", [{ name: "ndots", value: "1" }]);
    assert.deepEqual(walk("nope.example", conf, musl).steps, both("nope.example.", "NXDOMAIN"));
    assert.deepEqual(walk("nope.example", conf, musl).result, { error: "EAI_NONAME" });
  });
  it("short names walk like glibc", () => {
    assert.deepEqual(walk("hello-world", confFor("other"), musl).steps, walk("hello-world", confFor("other")).steps);
  });
});
