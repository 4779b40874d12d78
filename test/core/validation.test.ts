import { strict as assert } from "node:assert";
import { ApplyError } from "../../src/api/errors";
import { ManifestSyntaxError } from "../../src/api/load";
import { newCluster } from "./helpers";

const svc = (spec: string, name = "bad"): string => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
const deploy = (body: string, name = "web"): string => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n${body}`;
const podTpl = `  template:\n    metadata:\n      labels: { app: web }\n    spec:\n      containers: [{ name: c, image: nginx:1.27 }]\n`;

// Each row: input, and the exact message apply must throw (kubectl's wording, with document and line).
const cases: [string, string, string][] = [
  ["port out of range", svc("  ports:\n  - port: 70000\n"), 'Service "bad" is invalid: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535 (document 1, line 7)'],
  ["unknown protocol", svc("  ports:\n  - port: 80\n    protocol: FOO\n"), 'Service "bad" is invalid: spec.ports[0].protocol: Unsupported value: "FOO": supported values: "SCTP", "TCP", "UDP" (document 1, line 8)'],
  ["Service name not a DNS-1035 label", svc("  ports: [{ port: 80 }]\n", "1-bad"), `Service "1-bad" is invalid: metadata.name: Invalid value: "1-bad": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?') (document 1, line 4)`],
  ["bad label value", `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: { app: "-x" }\nspec:\n  containers: [{ name: c, image: nginx }]\n`, `Pod "p" is invalid: metadata.labels[app]: Invalid value: "-x": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?') (document 1, line 5)`],
  ["selector does not match template", deploy(`  selector: { matchLabels: { app: other } }\n${podTpl}`), 'Deployment "web" is invalid: spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels` (document 1, line 9)'],
  ["NodePort out of range", svc("  type: NodePort\n  ports:\n  - port: 80\n    nodePort: 80\n"), 'Service "bad" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767 (document 1, line 9)'],
  ["clusterIP outside the service CIDR", svc("  clusterIP: 10.0.0.5\n  ports: [{ port: 80 }]\n"), 'Service "bad" is invalid: spec.clusterIPs: Invalid value: ["10.0.0.5"]: failed to allocate IP 10.0.0.5: the provided IP (10.0.0.5) is not in the valid range. The range of valid IPs is 10.96.0.0/12 (document 1, line 6)'],
  ["clusterIP already taken (kube-dns)", svc("  clusterIP: 10.96.0.10\n  ports: [{ port: 80 }]\n"), 'Service "bad" is invalid: spec.clusterIPs: Invalid value: ["10.96.0.10"]: failed to allocate IP 10.96.0.10: provided IP is already allocated (document 1, line 6)'],
  ["unknown kind", "apiVersion: v1\nkind: Deploymnt\nmetadata: { name: x }\n", 'no matches for kind "Deploymnt" in version "v1" (document 1, line 1)'],
  ["kind in the wrong group", "apiVersion: v1\nkind: Deployment\nmetadata: { name: x }\n", 'no matches for kind "Deployment" in version "v1" (document 1, line 1)'],
  ["typo'd field (strict decoding)", deploy(`  replica: 3\n  selector: { matchLabels: { app: web } }\n${podTpl}`), 'Deployment "web" is invalid: unknown field "spec.replica" (document 1, line 6)'],
  ["wrong type", deploy(`  replicas: three\n  selector: { matchLabels: { app: web } }\n${podTpl}`), 'Deployment "web" is invalid: spec.replicas: Invalid value: "three": must be an integer (document 1, line 6)'],
  ["missing namespace", `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: shop\nspec:\n  containers: [{ name: c, image: nginx }]\n`, 'Pod "p" is invalid: metadata.namespace: Not found: namespaces "shop" not found (document 1, line 5)'],
];

describe("apply validation (kubectl-style errors)", () => {
  for (const [what, input, message] of cases) {
    it(what, () => {
      const c = newCluster();
      assert.throws(() => c.apply(input), (e: unknown) => {
        assert.ok(e instanceof ApplyError, `expected ApplyError, got ${String(e)}`);
        assert.equal(e.message, message);
        return true;
      });
    });
  }

  // Lines count from the top of the input, so an editor can jump to them.
  it("names the second document and collects every error of an object", () => {
    const c = newCluster();
    const input = `${svc("  ports: [{ port: 80 }]\n", "ok")}---\n${svc("  ports:\n  - port: 0\n  - port: 80\n")}`;
    assert.throws(() => c.apply(input), /Service "bad" is invalid: \[spec\.ports\[0\]\.name: Required value \(document 2, line 14\), spec\.ports\[0\]\.port: Invalid value: 0: must be between 1 and 65535 \(document 2, line 14\), spec\.ports\[1\]\.name: Required value \(document 2, line 15\)\]/);
  });

  it("rejects a NodePort that another document in the same apply takes", () => {
    const c = newCluster();
    const a = svc("  type: NodePort\n  ports:\n  - port: 80\n    nodePort: 30080\n", "a");
    const b = svc("  type: NodePort\n  ports:\n  - port: 80\n    nodePort: 30080\n", "b");
    assert.throws(() => c.apply(`${a}---\n${b}`), /Service "b" is invalid: spec\.ports\[0\]\.nodePort: Invalid value: 30080: provided port is already allocated \(document 2, line 19\)/);
  });

  it("reports malformed YAML with line and column", () => {
    const c = newCluster();
    assert.throws(() => c.apply("apiVersion: v1\nkind: Service\nmetadata:\n  name: [x\n"), (e: unknown) => {
      assert.ok(e instanceof ManifestSyntaxError);
      assert.equal(e.location.document, 1);
      assert.equal(e.location.line, 5);
      assert.match(e.message, /^error parsing YAML: document 1, line 5, column \d+: /);
      return true;
    });
  });

  it("names the file for a manifest path", () => {
    const c = newCluster();
    const fs = require("node:fs") as typeof import("node:fs");
    const os = require("node:os") as typeof import("node:os");
    const path = require("node:path") as typeof import("node:path");
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-")), "bad.yaml");
    fs.writeFileSync(f, svc("  ports:\n  - port: 70000\n"));
    assert.throws(() => c.apply(f), /spec\.ports\[0\]\.port: Invalid value: 70000: must be between 1 and 65535 \(.*bad\.yaml, document 1, line 7\)/);
  });

  it("is atomic: one invalid document and nothing is written", () => {
    const c = newCluster();
    const before = JSON.stringify(c.snapshot());
    const rev = c.api.etcd.revision;
    const good = `apiVersion: v1\nkind: Namespace\nmetadata: { name: shop }\n---\n${deploy(`  selector: { matchLabels: { app: web } }\n${podTpl}`)}`;
    assert.throws(() => c.apply(`${good}---\n${svc("  ports: [{ port: 70000 }]\n")}`), ApplyError);
    c.settle();
    assert.equal(c.api.etcd.revision, rev);
    assert.equal(JSON.stringify(c.snapshot()), before);
    assert.equal(c.trace.length, 0);
  });

  it("lets a Namespace and objects in it be applied together", () => {
    const c = newCluster();
    const r = c.apply(`apiVersion: v1\nkind: Namespace\nmetadata: { name: shop }\n---\napiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: shop }\nspec: { ports: [{ port: 80 }] }\n`);
    assert.equal(r.toString(), "namespace/shop created\nservice/web created");
  });
});

describe("determinism", () => {
  const run = (seed: number): string => {
    const c = newCluster({ seed });
    c.apply("hello-world.yaml");
    c.settle();
    c.scale("deployment/hello-world", 6).settle();
    return JSON.stringify({ objects: c.snapshot(), trace: c.trace.events, boot: c.bootstrapTrace.events, rules: c.node("node-1").iptables.restoreInput() });
  };

  it("same seed → byte-identical objects, trace and rules", () => {
    assert.equal(run(7), run(7));
  });

  it("another seed → different names and addresses", () => {
    assert.notEqual(run(7), run(8));
  });
});
