import { strict as assert } from "node:assert";
import * as net from "node:net";
import { isIP, isIPv4, isIPv6 } from "../../src/util/ip";
import { canonicalCidr, cidrContains, compareIPs, parseAddressOrCidr, parseCidr, parseIPv4, subnet, tryParseIPv4 } from "../../src/util/ipv4";
import { fnv1a32 } from "../../src/util/hash";
import { safeEncode } from "../../src/util/names";
import { Rng } from "../../src/sim/rng";

describe("util/ip: isIP agrees with Node's net.isIP", () => {
  const cases = [
    "10.96.0.10", "0.0.0.0", "255.255.255.255", "256.0.0.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "", "a.b.c.d", "1.2.3.4 ",
    "::", "::1", "1::", "fd00::10", "2001:db8::ffff", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::", "::1:2:3:4:5:6:7",
    "::ffff:10.0.0.1", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "1.2.3.4::", "1::2::3", ":1", "1:", "12345::", "fe80::1%eth0",
    "fe80::1%", "fe80::1%a b", "::ffff:1.2.3", "g::1", "1:2:3:4:5:6:7", ":::", "1::1.2.3.4", "1.2.3.4:1::",
  ];
  for (const s of cases)
    it(JSON.stringify(s), () => {
      assert.equal(isIP(s), net.isIP(s));
      assert.equal(isIPv4(s), net.isIPv4(s));
      assert.equal(isIPv6(s), net.isIPv6(s));
    });
  it("agrees on 20,000 random strings over the address alphabet", () => {
    const rng = new Rng(7);
    for (let i = 0; i < 20000; i++) {
      const s = rng.string(1 + Math.floor(rng.next() * 18), "0123456789abcdef:.%");
      assert.equal(isIP(s), net.isIP(s), s);
    }
  });
});

describe("util/ipv4", () => {
  it("parses strictly for config fields and leniently for iptables addresses", () => {
    assert.equal(parseCidr("10.244.1.7/24").text, "10.244.1.0/24");
    assert.throws(() => parseCidr("10.244.1.7"), /invalid CIDR "10.244.1.7"/);
    assert.throws(() => parseCidr("10.244.1.300/24"), /invalid IPv4 address "10.244.1.300"/);
    assert.equal(parseAddressOrCidr("10.0.0.0/255.0.0.0").prefix, 8);
    assert.equal(canonicalCidr("203.0.113.7/25"), "203.0.113.0/25");
    assert.equal(canonicalCidr("10.0.0.1"), "10.0.0.1/32");
    assert.throws(() => parseAddressOrCidr("10.0.0.0/255.0.255.0"), /non-contiguous/);
  });
  it("contains numbers and strings, and nothing that is not IPv4", () => {
    const c = parseCidr("10.96.0.0/12");
    assert.equal(c.size, 1 << 20);
    assert.ok(cidrContains(c, "10.96.0.1"));
    assert.ok(cidrContains(c, parseIPv4("10.111.255.255")));
    assert.ok(!cidrContains(c, "10.112.0.0"));
    assert.ok(!cidrContains(c, "fd00::1"));
    assert.ok(cidrContains(parseCidr("0.0.0.0/0"), "255.255.255.255"));
  });
  it("carves subnets and orders addresses numerically", () => {
    assert.equal(subnet(parseCidr("10.244.0.0/16"), 24, 2).text, "10.244.2.0/24");
    assert.throws(() => subnet(parseCidr("10.244.0.0/24"), 24, 1), /no room/);
    assert.deepEqual(["10.0.0.10", "10.0.0.9", "b", "a"].sort(compareIPs), ["10.0.0.9", "10.0.0.10", "a", "b"]);
    assert.equal(tryParseIPv4("1.2.3"), -1);
  });
});

describe("util/hash and util/names", () => {
  it("FNV-1a 32 matches Go's hash/fnv test vectors", () => {
    assert.equal(fnv1a32(""), 0x811c9dc5);
    assert.equal(fnv1a32("a"), 0xe40c292c);
    assert.equal(fnv1a32("ab"), 0x4d2505ca);
    assert.equal(fnv1a32("abc"), 0x1a47e90b);
    assert.equal(fnv1a32("é"), fnv1a32("\u00e9"));
    assert.notEqual(fnv1a32("é"), fnv1a32("\u00c3\u00a9".slice(0, 1)));
  });
  it("safeEncode maps each character into the alphabet", () => {
    assert.equal(safeEncode("09"), "4f"); // '0' is 48, 48 % 27 = 21 → "4"; '9' is 57 → 3 → "f"
    assert.match(safeEncode("4076563591"), /^[bcdfghjklmnpqrstvwxz2456789]{10}$/);
  });
});
