import * as assert from "node:assert/strict";
import {
  humanDuration,
  age,
  tableText,
  endpointsDetail,
  iptablesTable,
  resolverWalkTable,
  resolvConfBundle,
  genericTable,
  ipvsTable,
  dnsRecordsTable,
} from "../../src/render";
import { T0, slice } from "./fixtures";

describe("render/duration: kubectl's HumanDuration", () => {
  const cases: [number, string][] = [
    [0, "0s"],
    [-900, "0s"],
    [-2500, "<invalid>"],
    [45_000, "45s"],
    [119_999, "119s"],
    [120_000, "2m"],
    [182_000, "3m2s"],
    [599_000, "9m59s"],
    [600_000, "10m"],
    [179 * 60_000, "179m"],
    [3 * 3600_000, "3h"],
    [5 * 3600_000 + 30 * 60_000, "5h30m"],
    [5 * 3600_000, "5h"],
    [8 * 3600_000, "8h"],
    [47 * 3600_000, "47h"],
    [48 * 3600_000, "2d"],
    [51 * 3600_000, "2d3h"],
    [8 * 24 * 3600_000, "8d"],
    [400 * 24 * 3600_000, "400d"],
    [731 * 24 * 3600_000, "2y1d"],
    [9 * 365 * 24 * 3600_000, "9y"],
  ];
  for (const [ms, want] of cases) {
    it(`${ms}ms → ${want}`, () => assert.equal(humanDuration(ms), want));
  }
  it("ages from ISO timestamps on the virtual clock; missing → <unknown>", () => {
    assert.equal(age("2024-05-01T12:00:00Z", T0 + 45_000), "45s");
    assert.equal(age(undefined, T0), "<unknown>");
    assert.equal(age("not a date", T0), "<unknown>");
  });
});

describe("render/table: kubectl text alignment", () => {
  it("upper-cases headers, pads to widest+3 (min 6), leaves the last column unpadded, prints <none>", () => {
    const text = tableText({
      columns: [
        { key: "a", header: "a" },
        { key: "name", header: "Name" },
        { key: "ip", header: "IP" },
      ],
      rows: [
        { a: "x", name: "web-1", ip: "10.0.0.1" },
        { a: "y", name: "a-much-longer-name", ip: null },
      ],
    });
    assert.equal(
      text,
      ["A     NAME                 IP", "x     web-1                10.0.0.1", "y     a-much-longer-name   <none>"].join("\n"),
    );
  });
  it("says No resources found. for an empty list", () => {
    assert.equal(tableText({ columns: [{ key: "a", header: "a" }], rows: [] }), "No resources found.");
  });
  it("keeps a multi-line cell on one line", () => {
    assert.equal(genericTable([{ note: "a\nb" }]).toString(), "NOTE\na\\nb");
  });
});

describe("render/endpoints: the endpoints table", () => {
  it("endpoints detail: one row per address with conditions, node and pod", () => {
    const view = endpointsDetail([slice("web-abc12", ["10.244.1.5", "10.244.2.6"], [8080])]);
    const lines = view.toString().split("\n");
    assert.match(lines[0]!, /^IP +PORT\(S\) +READY +SERVING +TERMINATING +NODE +POD$/);
    assert.match(lines[1]!, /^10\.244\.1\.5 +8080\/TCP \(http\) +true +true +false +node-1 +default\/web-0$/);
    assert.match(lines[2]!, /^10\.244\.2\.6 +8080\/TCP \(http\) +false +true +false +node-2 +default\/web-1$/);
    assert.equal(view.rows.length, 2);
  });

});

describe("render/network tables", () => {
  it("iptables chains: probability as %0.10f, share as a percentage", () => {
    const view = iptablesTable([
      { table: "nat", chain: "KUBE-SVC-ABC", ruleNumber: 1, matches: "-m statistic --mode random --probability 0.3333333333", target: "KUBE-SEP-1", comment: "default/web:http", probability: 1 / 3, effectiveShare: 1 / 3 },
      { table: "nat", chain: "KUBE-SVC-ABC", ruleNumber: 2, matches: "-m statistic --mode random --probability 0.5000000000", target: "KUBE-SEP-2", probability: 0.5, effectiveShare: 1 / 3 },
      { table: "nat", chain: "KUBE-SVC-ABC", ruleNumber: 3, matches: "", target: "KUBE-SEP-3", effectiveShare: 1 / 3 },
    ]);
    const lines = view.toString().split("\n");
    // The comment rides in the RULE cell, so the table fits the page with TARGET, PROBABILITY and SHARE in view.
    assert.match(lines[0]!, /^CHAIN +# +RULE +TARGET +PROBABILITY +SHARE$/);
    assert.match(lines[1]!, /--probability 0\.3333333333 \/\* default\/web:http \*\/ +KUBE-SEP-1 +0\.3333333333 +33\.3%$/);
    assert.match(lines[2]!, / 0\.5000000000 +33\.3%$/);
    assert.match(lines[3]!, /^KUBE-SVC-ABC +3 +<none> +KUBE-SEP-3 +<none> +33\.3%$/);
    const html = view.bundle()["text/html"];
    assert.match(html, /<th[^>]*>PROBABILITY<\/th>/);
    assert.match(html, /var\(--jp-ui-font-color1, #1f1f1f\)/);
  });

  it("resolver walk, DNS records, IPVS, resolv.conf", () => {
    const walk = resolverWalkTable([
      { query: "web.default.svc.cluster.local.", type: "A", server: "10.96.0.10", rcode: "NOERROR", answers: ["10.96.0.12"], note: "search 1/3" },
      { query: "web.svc.cluster.local.", type: "A", rcode: "NXDOMAIN" },
    ]).toString();
    assert.match(walk.split("\n")[2]!, /^2 +web\.svc\.cluster\.local\. +A +<none> +NXDOMAIN +<none> +<none>$/);
    assert.match(dnsRecordsTable([{ name: "web.default.svc.cluster.local.", ttl: 30, type: "A", data: "10.96.0.12" }]).toString(), /\n\S+ +30 +IN +A +10\.96\.0\.12$/);
    assert.match(ipvsTable([{ virtualServer: "10.96.0.10:53", protocol: "UDP", scheduler: "rr", realServer: "10.244.1.3:53" }]).toString(), /UDP +10\.96\.0\.10:53 +rr +10\.244\.1\.3:53 +Masq +1 +0 +0/);
    const rc = resolvConfBundle("nameserver 10.96.0.10\noptions ndots:5\n", "pod/client");
    assert.equal(rc["text/plain"], "nameserver 10.96.0.10\noptions ndots:5\n");
    assert.match(rc["text/html"], /<pre[^>]*>nameserver 10\.96\.0\.10\noptions ndots:5\n<\/pre>/);
  });
});
