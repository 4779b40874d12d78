import { strict as assert } from "node:assert";
import { ApplyError } from "../../src/api/errors";
import type { Cluster } from "../../src/cluster";
import { newCluster } from "../core/helpers";

function tryApply(c: Cluster, yaml: string): string {
  const before = c.api.etcd.revision;
  try {
    c.apply(yaml);
    return "";
  } catch (e) {
    if (!(e instanceof ApplyError)) throw e;
    assert.equal(c.api.etcd.revision, before, "a refused apply writes nothing");
    return e.message.replace(/ \(document \d+, line \d+\)$/gm, "");
  }
}

const cm = (body: string, name = "cfg"): string => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name} }\n${body}\n`;
const secret = (body: string, name = "s"): string => `apiVersion: v1\nkind: Secret\nmetadata: { name: ${name} }\n${body}\n`;
const KEY_MSG = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

/** After kube-apiserver's TestValidateConfigMap / TestValidateSecret cases. */
const cases: { name: string; yaml: string; error: string }[] = [
  { name: "ConfigMap: data and binaryData with valid keys", yaml: cm("data: { game.properties: 'lives=3', UI_THEME: dark, .hidden: x }\nbinaryData: { logo.png: iVBORw0K }"), error: "" },
  { name: "ConfigMap: a key with a slash", yaml: cm("data: { a/b: x }"), error: `ConfigMap "cfg" is invalid: data: Invalid value: "a/b": ${KEY_MSG}` },
  { name: "ConfigMap: key '..'", yaml: cm("data: { '..': x }"), error: `ConfigMap "cfg" is invalid: data: Invalid value: "..": must not be '..'` },
  { name: "ConfigMap: key starting with '..'", yaml: cm("data: { ..a: x }"), error: `ConfigMap "cfg" is invalid: data: Invalid value: "..a": must not start with '..'` },
  { name: "ConfigMap: the same key in data and binaryData", yaml: cm("data: { k: x }\nbinaryData: { k: eA== }"), error: `ConfigMap "cfg" is invalid: data: Invalid value: "k": duplicate of key present in binaryData` },
  { name: "ConfigMap: binaryData that is not base64", yaml: cm("binaryData: { k: 'not base64!' }"), error: `ConfigMap "cfg" is invalid: binaryData[k]: Invalid value: "not base64!": illegal base64 data at input byte 3` },
  { name: "ConfigMap: over 1 MiB", yaml: cm(`data: { big: ${"x".repeat(1024 * 1024)} }`), error: `ConfigMap "cfg" is invalid: : Too long: must have at most 1048576 bytes` },
  { name: "ConfigMap: a number as a value", yaml: cm("data: { port: 8080 }"), error: `ConfigMap "cfg" is invalid: data[port]: Invalid value: 8080: must be a string (quote numbers and booleans in YAML)` },
  { name: "Secret: Opaque with data and stringData", yaml: secret("data: { user: YWRtaW4= }\nstringData: { password: s3cr3t }"), error: "" },
  { name: "Secret: data that is not base64", yaml: secret("data: { user: admin }"), error: `Secret "s" is invalid: data[user]: Invalid value: "admin": illegal base64 data at input byte 4` },
  { name: "Secret: kubernetes.io/tls without tls.key", yaml: secret("type: kubernetes.io/tls\nstringData: { tls.crt: cert }"), error: `Secret "s" is invalid: data[tls.key]: Required value` },
  { name: "Secret: kubernetes.io/tls with both keys", yaml: secret("type: kubernetes.io/tls\nstringData: { tls.crt: cert, tls.key: key }"), error: "" },
  { name: "Secret: kubernetes.io/basic-auth without username or password", yaml: secret("type: kubernetes.io/basic-auth\nstringData: { other: x }"), error: `Secret "s" is invalid: data[username]: Required value: either \`username\` or \`password\` is required` },
  { name: "Secret: a bad key in stringData", yaml: secret("stringData: { 'a b': x }"), error: `Secret "s" is invalid: data: Invalid value: "a b": ${KEY_MSG}` },
  { name: "Secret: an unknown field", yaml: secret("strinData: { a: b }"), error: `Secret "s" is invalid: unknown field "strinData"` },
];

describe("ConfigMap and Secret (stored kinds, no controllers)", () => {
  for (const tc of cases) {
    it(`${tc.name} → ${tc.error ? "refused" : "accepted"}`, () => {
      const c = newCluster({ nodes: 1 });
      assert.equal(tryApply(c, tc.yaml), tc.error);
    });
  }

  it("stringData is encoded into data (overriding the same key) and not stored; type defaults to Opaque", () => {
    const c = newCluster({ nodes: 1 });
    assert.equal(c.apply(secret("data: { user: eA==, password: eA== }\nstringData: { password: s3cr3t, note: 'héllo' }")).toString(), "secret/s created");
    const s = c.get<"Secret">("secret/s");
    assert.deepEqual(s.data, { user: "eA==", password: "czNjcjN0", note: "aMOpbGxv" });
    assert.equal(s.stringData, undefined);
    assert.equal(s.type, "Opaque");
    assert.equal(c.apply(secret("data: { user: eA==, password: eA== }\nstringData: { password: s3cr3t, note: 'héllo' }")).toString(), "secret/s unchanged");
  });

  it("immutable: data cannot change and immutable cannot be unset; the type of a Secret never changes", () => {
    const c = newCluster({ nodes: 1 });
    c.apply(cm("immutable: true\ndata: { a: '1' }"));
    assert.equal(tryApply(c, cm("immutable: true\ndata: { a: '2' }")), 'ConfigMap "cfg" is invalid: data: Forbidden: field is immutable when `immutable` is set');
    assert.equal(tryApply(c, cm("data: { a: '1' }")), 'ConfigMap "cfg" is invalid: immutable: Forbidden: field is immutable when `immutable` is set');
    c.apply(cm("data: { a: '1' }", "mutable"));
    assert.equal(c.apply(cm("data: { a: '2' }", "mutable")).toString(), "configmap/mutable configured");
    c.apply(secret("stringData: { a: b }"));
    assert.equal(tryApply(c, secret("type: kubernetes.io/tls\nstringData: { tls.crt: a, tls.key: b }")), 'Secret "s" is invalid: type: Invalid value: "kubernetes.io/tls": field is immutable');
  });

  it("are listed, deleted, and emptied with their namespace", () => {
    const c = newCluster({ nodes: 1 });
    c.apply(`apiVersion: v1\nkind: Namespace\nmetadata: { name: shop }\n---\n${cm("data: { a: b }").replace("name: cfg", "name: cfg, namespace: shop")}`);
    assert.deepEqual(c.list("cm", { namespace: "shop" }).map((o) => o.metadata.name), ["cfg"]);
    c.delete("namespace/shop");
    c.settle();
    assert.deepEqual(c.list("configmaps", { allNamespaces: true }).map((o) => `${o.metadata.namespace}/${o.metadata.name}`), ["kube-system/coredns"]);
  });

  it("kubeadm's coredns ConfigMap holds the Corefile with the cluster domain", () => {
    for (const clusterDomain of ["cluster.local", "lab.example"]) {
      const c = newCluster({ nodes: 1, clusterDomain });
      const corefile = c.get<"ConfigMap">("configmap/coredns", { namespace: "kube-system" }).data?.["Corefile"] ?? "";
      assert.match(corefile, /^\.:53 \{\n    errors\n/);
      assert.ok(corefile.includes(`    kubernetes ${clusterDomain} in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n`), corefile);
      assert.ok(corefile.includes("    forward . /etc/resolv.conf {\n       max_concurrent 1000\n    }\n"));
    }
  });
});
