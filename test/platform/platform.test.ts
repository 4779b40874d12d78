/**
 * The platform layer: the sha256 is the real one, and the browser's embedded datasets read like the
 * Node files.
 */
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { sha256 } from "../../src/platform/sha256";
import * as nodeFiles from "../../src/platform/files";
import * as browserFiles from "../../src/platform/files.browser";
import { findPackageRoot } from "../../src/packageroot";
import { serviceChainNames, endpointChainName } from "../../src/proxy/iptables/chains";

const root = findPackageRoot(__dirname);

// The browser module must offer everything the Node one does, with the same types.
const sameShape: typeof nodeFiles = { ...browserFiles };
void sameShape;

describe("platform", () => {
  it("sha256 is SHA-256 (same bytes as node:crypto, including non-ASCII input)", () => {
    for (const s of ["", "abc", "ns1/svc1:p80tcp", "default/kubernetes:httpstcp", "größe/ñ:🙂udp", "x".repeat(1000)]) {
      assert.equal(Buffer.from(sha256(s)).toString("hex"), crypto.createHash("sha256").update(s).digest("hex"), s);
    }
  });

  it("keeps kube-proxy's chain names", () => {
    // From kube-proxy's proxier_test.go.
    assert.equal(serviceChainNames("ns1/svc1:p80", "TCP").svc, "KUBE-SVC-XPGD46QRK7WJZT7O");
    assert.equal(endpointChainName("ns1/svc1:p80", "TCP", "10.180.0.1:80"), "KUBE-SEP-SXIVWICOYRO3J4NJ");
    assert.equal(serviceChainNames("default/kubernetes:https", "TCP").svc, "KUBE-SVC-NPX46M4PTMTKRN6Y");
  });

  it("reads an embedded dataset in the browser as the file on Node", () => {
    const text = fs.readFileSync(path.join(root, "datasets", "hello-world.yaml"), "utf8");
    browserFiles.provideDatasets({ "hello-world.yaml": text });
    assert.deepEqual(browserFiles.readManifestFile("hello-world.yaml"), { text, shown: "datasets/hello-world.yaml" });
    assert.equal(browserFiles.readManifestFile("./datasets/hello-world.yaml").text, text);
    assert.equal(nodeFiles.readManifestFile("hello-world.yaml").text, text);
    assert.throws(() => browserFiles.readManifestFile("nope.yaml"), /the path "nope.yaml" does not exist/);
    assert.throws(() => nodeFiles.readManifestFile("nope.yaml"), /the path "nope.yaml" does not exist/);
  });
});
