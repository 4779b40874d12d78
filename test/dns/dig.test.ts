/**
 * The real `dig` (BIND 9) against our wire-format server on 127.0.0.1: every record kind, NXDOMAIN vs NODATA,
 * flags, TCP and truncation. Each dig response body must equal `dnsAnswerToDig` of the simulated answer.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { dnsAnswerToDig } from "../../src/dns/dig";
import { DnsServer } from "../../src/dns/server";
import { QType } from "../../src/dns/types";
import { fixtureDns, slice, svc } from "./fixtures";
import { requireTool } from "./tools";

const run = promisify(execFile);

describe("dns/dig: dig against the DNS server on 127.0.0.1", function () {
  this.timeout(60_000);
  const dns = fixtureDns();
  // A headless service too large for a 512-byte UDP answer.
  dns.upsertService(svc("default", "big", "None", [{ name: "http", port: 80 }]));
  dns.upsertEndpointSlice(slice("default", "big", "big-1", Array.from({ length: 60 }, (_, i) => [`10.244.9.${i + 1}`, true] as [string, boolean]), [{ name: "http", port: 80 }]));
  const server = new DnsServer((n, t) => dns.query(n, t));
  let port = 0;

  before(async () => {
    requireTool("dig", "dnsutils");
    port = (await server.start({ host: "127.0.0.1", port: 0 })).port;
  });
  after(() => server.stop());

  async function dig(...args: string[]): Promise<string> {
    const r = await run("dig", [`@127.0.0.1`, "-p", String(port), "+tries=1", "+time=5", ...args]);
    return r.stdout;
  }

  /** dig's response body: from the header line up to the statistics. */
  function body(out: string): { text: string; id: number } {
    const start = out.indexOf(";; ->>HEADER<<-");
    const end = out.indexOf(";; Query time:");
    assert.ok(start >= 0 && end > start, out);
    const text = out.slice(start, end).trimEnd();
    const id = Number(/id: (\d+)/.exec(text)?.[1]);
    return { text, id };
  }

  const cases: { q: string; t: QType; args?: string[]; expect: RegExp[] }[] = [
    { q: "kubernetes.default.svc.cluster.local", t: "A", expect: [/status: NOERROR/, /flags: qr aa rd;/, /IN A 10\.96\.0\.1$/m] },
    { q: "kube-dns.kube-system.svc.cluster.local", t: "A", expect: [/IN A 10\.96\.0\.10$/m] },
    { q: "_http._tcp.hello-world.default.svc.cluster.local", t: "SRV", expect: [/SRV 0 100 80 hello-world\.default\.svc\.cluster\.local\.$/m, /ADDITIONAL SECTION:\nhello-world\.default\.svc\.cluster\.local\. 30 IN A 10\.96\.0\.20/] },
    { q: "kube-dns.kube-system.svc.cluster.local", t: "SRV", expect: [/SRV 0 33 53 /, /SRV 0 33 9153 /] },
    { q: "_mysql._tcp.db.default.svc.cluster.local", t: "SRV", expect: [/0 50 3306 db-0\.db/, /0 50 3306 db-1\.db/, /ADDITIONAL: 2/] },
    { q: "nope.default.svc.cluster.local", t: "A", expect: [/status: NXDOMAIN/, /flags: qr aa rd;/, /ANSWER: 0, AUTHORITY: 1/, /AUTHORITY SECTION:\ncluster\.local\. 30 IN SOA ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. \d+ 7200 1800 86400 30/] },
    { q: "hello-world.default.svc.cluster.local", t: "AAAA", expect: [/status: NOERROR/, /ANSWER: 0, AUTHORITY: 1/, /IN SOA ns\.dns\.cluster\.local\./] },
    { q: "db.default.svc.cluster.local", t: "A", expect: [/ANSWER: 2,/, /10\.244\.1\.10/, /10\.244\.2\.11/] },
    { q: "db-2.db.default.svc.cluster.local", t: "A", expect: [/status: NXDOMAIN/] },
    { q: "cache.default.svc.cluster.local", t: "A", expect: [/status: NXDOMAIN/] },
    { q: "search.default.svc.cluster.local", t: "A", expect: [/IN CNAME www\.google\.com\./, /www\.google\.com\. 300 IN A 142\.250\.74\.36/] },
    { q: "alias.default.svc.cluster.local", t: "A", expect: [/CNAME hello-world\.default\.svc\.cluster\.local\./, /IN A 10\.96\.0\.20/] },
    { q: "10.96.0.1", t: "PTR", args: ["-x", "10.96.0.1"], expect: [/PTR kubernetes\.default\.svc\.cluster\.local\./] },
    { q: "10.244.1.10", t: "PTR", args: ["-x", "10.244.1.10"], expect: [/PTR db-0\.db\.default\.svc\.cluster\.local\./] },
    { q: "10-244-1-5.default.pod.cluster.local", t: "A", expect: [/A 10\.244\.1\.5/] },
    { q: "dns-version.cluster.local", t: "TXT", expect: [/28800 IN TXT "1\.1\.0"/] },
    { q: "cluster.local", t: "SOA", expect: [/ANSWER: 1,/] },
    { q: "cluster.local", t: "NS", expect: [/NS kube-dns\.kube-system\.svc\.cluster\.local\./] },
    { q: "google.com", t: "A", expect: [/flags: qr rd ra;/] },
    { q: "nothing.example", t: "A", expect: [/status: NXDOMAIN/, /flags: qr rd ra;/] },
  ];

  for (const c of cases) {
    it(`${c.q} ${c.t}`, async () => {
      const out = await dig("+noedns", ...(c.args ?? [c.q, c.t]));
      const { text, id } = body(out);
      const qname = c.args ? c.args[1]!.split(".").reverse().join(".") + ".in-addr.arpa" : c.q;
      assert.equal(text, dnsAnswerToDig(dns.query(qname, c.t), { id }).trimEnd());
      for (const re of c.expect) assert.match(text.replace(/[ \t]+/g, " "), re); // layout checked by the equality above
    });
  }

  it("TCP (dig +tcp) gives the same answer", async () => {
    const out = await dig("+noedns", "+tcp", "kubernetes.default.svc.cluster.local", "A");
    assert.match(out, /\(TCP\)/);
    const { text, id } = body(out);
    assert.equal(text, dnsAnswerToDig(dns.query("kubernetes.default.svc.cluster.local", "A"), { id }).trimEnd());
    assert.equal(server.queries.at(-1)?.transport, "tcp");
  });

  it("an oversized UDP answer is truncated (tc), and dig's TCP retry gets all records", async () => {
    const udp = await dig("+noedns", "+ignore", "big.default.svc.cluster.local", "A");
    assert.match(udp, /flags: qr aa tc rd;/);
    const n = Number(/ANSWER: (\d+),/.exec(udp)?.[1]);
    assert.ok(n > 0 && n < 60, `partial answer, got ${n}`);
    const retried = await dig("+noedns", "big.default.svc.cluster.local", "A");
    assert.match(retried, /Truncated, retrying in TCP mode/);
    assert.match(retried, /ANSWER: 60,/);
    const edns = await dig("+bufsize=4096", "big.default.svc.cluster.local", "A");
    assert.match(edns, /ANSWER: 60,/, "EDNS0 payload size lets the whole answer through UDP");
    assert.match(edns, /\(UDP\)/);
  });

  it("logs every received query", async () => {
    const before = server.queries.length;
    await dig("+noedns", "web.shop.svc.cluster.local", "SRV");
    assert.deepEqual(server.queries.slice(before).map((q) => [q.name, q.type, q.transport, q.rcode]), [["web.shop.svc.cluster.local.", "SRV", "udp", "NOERROR"]]);
  });
});
