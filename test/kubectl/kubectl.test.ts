import assert from "node:assert/strict";
import { Cluster } from "../../src/cluster";
import { helloWorld } from "../core/helpers";
import type { Service } from "../../src/api/types";
import { serverTable, tableColumns } from "../../src/kubectl/printers/columns";
import { TabWriter, printTable } from "../../src/kubectl/printers/table";
import { goTabwriter } from "../../src/kubectl/printers/describe";
import { kubectlErrorText, notFound, invalidObject, alreadyExists } from "../../src/kubectl/status";
import { parseFlags, tokenize } from "../../src/kubectl/kubectl";
import { jsonpath } from "../../src/kubectl/printers/output";
import { mergePatch, strategicMerge, jsonPatch } from "../../src/kubectl/patch";
import { parseLabelSelector } from "../../src/kubectl/selectors";
import { goSort } from "../../src/kubectl/gosort";

describe("kubectl printers", () => {
  // The columns kube-apiserver's printers register (pkg/printers/internalversion); priority 1 = -o wide.
  const cases: [string, string[], string[]][] = [
    ["Pod", ["Name", "Ready", "Status", "Restarts", "Age"], ["IP", "Node", "Nominated Node", "Readiness Gates"]],
    ["Deployment", ["Name", "Ready", "Up-to-date", "Available", "Age"], ["Containers", "Images", "Selector"]],
    ["ReplicaSet", ["Name", "Desired", "Current", "Ready", "Age"], ["Containers", "Images", "Selector"]],
    ["Service", ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age"], ["Selector"]],
    ["Endpoints", ["Name", "Endpoints", "Age"], []],
    ["EndpointSlice", ["Name", "AddressType", "Ports", "Endpoints", "Age"], []],
    ["Node", ["Name", "Status", "Roles", "Age", "Version"], ["Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"]],
    ["Namespace", ["Name", "Status", "Age"], []],
    ["ConfigMap", ["Name", "Data", "Age"], []],
    ["Event", ["Last Seen", "Type", "Reason", "Object", "Message"], ["Subobject", "Source", "First Seen", "Count", "Name"]],
  ];
  for (const [kind, normal, wide] of cases) {
    it(`${kind}: the API server's columns`, () => {
      const cols = tableColumns(kind);
      assert.deepEqual(cols.filter((c) => c.priority === 0).map((c) => c.name), normal);
      assert.deepEqual(cols.filter((c) => c.priority === 1).map((c) => c.name), wide);
    });
  }

  it("tabwriter: minimum width 6, padding 3, last column unpadded, widths remembered", () => {
    const w = new TabWriter();
    w.row(["NAME", "AGE"]);
    w.row(["a", "5s"]);
    assert.equal(w.flush(), "NAME   AGE\na      5s\n");
    w.row(["longer-name", "2m10s"]);
    assert.equal(w.flush(), "longer-name   2m10s\n");
    w.row(["b", "1s"]);
    assert.equal(w.flush(), "b             1s\n");
  });

  it("Go tabwriter (describe): columns align over runs of lines that have them", () => {
    assert.equal(goTabwriter([["Name:", "web"], ["Port:", "<unset>", "80/TCP"], ["Events:", "<none>"]], 0, 2), "Name:    web\nPort:    <unset>  80/TCP\nEvents:  <none>\n");
  });

  it("ages and <none> as the server prints them", () => {
    const now = Date.parse("2025-01-01T00:02:10Z");
    const svc: Service = { apiVersion: "v1", kind: "Service", metadata: { name: "web", creationTimestamp: "2025-01-01T00:00:00Z", labels: { app: "web" } }, spec: { type: "LoadBalancer", clusterIP: "10.96.0.12", ports: [{ port: 80, nodePort: 30080, protocol: "TCP" }] } };
    const t = serverTable("Service", [svc], now);
    assert.deepEqual(t.rows[0]!.cells, ["web", "LoadBalancer", "10.96.0.12", "<pending>", "80:30080/TCP", "2m10s", "<none>"]);
    const w = new TabWriter();
    printTable(t, { withNamespace: true, showLabels: true }, w);
    assert.equal(w.flush(), "NAMESPACE   NAME   TYPE           CLUSTER-IP   EXTERNAL-IP   PORT(S)        AGE     LABELS\n            web    LoadBalancer   10.96.0.12   <pending>     80:30080/TCP   2m10s   app=web\n");
  });
});

describe("kubectl errors", () => {
  it("prints metav1.Status as kubectl does", () => {
    assert.equal(kubectlErrorText(notFound("pods", "", "nope").status), 'Error from server (NotFound): pods "nope" not found');
    assert.equal(kubectlErrorText(alreadyExists("deployments", "apps", "web").status), 'Error from server (AlreadyExists): deployments.apps "web" already exists');
    const one = invalidObject("Service", "", "bad", [{ type: "Invalid value", field: ["spec", "ports", 0, "port"], value: 0, detail: "must be between 1 and 65535, inclusive" }]);
    assert.equal(kubectlErrorText(one.status), 'The Service "bad" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive');
    assert.equal(one.status.code, 422);
    const two = invalidObject("Service", "", "bad", [
      { type: "Required value", field: ["spec", "ports"] },
      { type: "Invalid value", field: ["metadata", "name"], value: "Bad", detail: "x" },
    ]);
    assert.equal(kubectlErrorText(two.status), 'The Service "bad" is invalid: \n* spec.ports: Required value\n* metadata.name: Invalid value: "Bad": x');
  });
});

describe("kubectl command line", () => {
  it("tokenizes like a shell and parses flags", () => {
    assert.deepEqual(tokenize(`kubectl get pods -o jsonpath='{.items[*].metadata.name}' -n "kube-system"`), ["get", "pods", "-o", "jsonpath={.items[*].metadata.name}", "-n", "kube-system"]);
    const { args, flags } = parseFlags(["get", "pods", "-owide", "-A", "--show-labels", "-l", "app=web", "--replicas=3"]);
    assert.deepEqual(args, ["get", "pods"]);
    assert.equal(flags.get("output"), "wide");
    assert.equal(flags.get("all-namespaces"), true);
    assert.equal(flags.get("selector"), "app=web");
    assert.equal(flags.get("replicas"), "3");
  });

  it("jsonpath, selectors and patches", () => {
    assert.equal(jsonpath("{range .items[*]}{.metadata.name}{\"\\n\"}{end}", { items: [{ metadata: { name: "a" } }, { metadata: { name: "b" } }] }), "a\nb\n");
    assert.equal(parseLabelSelector("app=web,env in (prod,dev),!canary")({ app: "web", env: "dev" }), true);
    assert.equal(parseLabelSelector("app!=web")({ app: "web" }), false);
    assert.deepEqual(mergePatch({ a: 1, b: { c: 2 } }, { b: { c: null, d: 3 } }), { a: 1, b: { d: 3 } });
    assert.deepEqual(
      strategicMerge({ spec: { containers: [{ name: "a", image: "x" }, { name: "b", image: "y" }] } }, { spec: { containers: [{ name: "b", image: "z" }] } }),
      { spec: { containers: [{ name: "a", image: "x" }, { name: "b", image: "z" }] } },
    );
    assert.deepEqual(jsonPatch({ a: [1, 2] }, [{ op: "add", path: "/a/-", value: 3 }, { op: "replace", path: "/a/0", value: 0 }]), { a: [0, 2, 3] });
  });
});

describe("cluster.kubectl", () => {
  it("the seed's workflow: create, expose, rollout status, get, scale, errors change nothing", () => {
    const c = new Cluster({ nodes: 2, seed: 7 });
    assert.equal(c.kubectl("create deployment hello-world --image=nginx --replicas=3").stdout, "deployment.apps/hello-world created");
    assert.equal(c.kubectl`expose deployment hello-world --port=${80}`.stdout, "service/hello-world exposed");
    const status = c.kubectl("rollout status deployment/hello-world");
    assert.match(status.stdout, /deployment "hello-world" successfully rolled out$/);
    const pods = c.kubectl("get pods -o wide");
    assert.match(pods.stdout.split("\n")[0]!, /^NAME +READY +STATUS +RESTARTS +AGE +IP +NODE +NOMINATED NODE +READINESS GATES$/);
    assert.equal(pods.stdout.split("\n").length, 4);
    assert.ok(pods.table, "get returns a table bundle");
    assert.equal(c.kubectl("scale deployment hello-world --replicas=5").stdout, "deployment.apps/hello-world scaled");
    c.settle();
    assert.equal(c.kubectl("get deploy").stdout.split("\n")[1]!.replace(/\s+/g, " "), "hello-world 5/5 5 5 " + c.kubectl("get deploy").stdout.split(/\s+/).pop());
    const before = c.snapshot().length;
    const nf = c.kubectl("get pods nope");
    assert.equal(nf.exitCode, 1);
    assert.equal(nf.stderr, 'Error from server (NotFound): pods "nope" not found');
    const bad = c.kubectl("create deployment Bad_Name --image=nginx");
    assert.match(bad.stderr, /^error: failed to create deployment: Deployment.apps "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"/);
    assert.equal(c.snapshot().length, before, "a failed command changes nothing");
    assert.equal(c.kubectl("get pods -n nowhere").stderr, "No resources found in nowhere namespace.");
  });

  it("apply -f: created, then unchanged, then configured", () => {
    const c = new Cluster({ nodes: 1, seed: 3 });
    const yaml = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n";
    assert.equal(c.kubectl`apply -f ${yaml}`.stdout, "service/web created");
    assert.equal(c.kubectl`apply -f ${yaml}`.stdout, "service/web unchanged");
    assert.equal(c.kubectl`apply -f ${yaml.replace("80", "8080")}`.stdout, "service/web configured");
    assert.equal(c.get<"Service">("service/web").spec.ports![0]!.port, 8080);
  });

  it("delete pod: the ReplicaSet replaces it", () => {
    const c = new Cluster({ nodes: 1, seed: 5 });
    c.kubectl("create deployment web --image=nginx");
    c.settle();
    const pod = c.pods()[0]!.metadata.name!;
    assert.equal(c.kubectl(`delete pod ${pod}`).stdout, `pod "${pod}" deleted`);
    c.settle();
    const now = c.pods().map((p) => p.metadata.name);
    assert.equal(now.length, 1);
    assert.notEqual(now[0], pod);
  });
});

describe("events (kubectl describe, kubectl get events)", () => {
  it("each component reports what it did: scheduler, kubelet, ReplicaSet and Deployment controllers", () => {
    const c = new Cluster({ nodes: 2, seed: 3 });
    c.kubectl("create deployment web --image=nginx:1.27 --replicas=2");
    c.settle();
    c.kubectl("scale deployment web --replicas=1");
    c.settle();
    const pod = c.pods()[0]!;
    const describePod = c.kubectl(`describe pod ${pod.metadata.name}`).stdout;
    const table = describePod.slice(describePod.indexOf("Events:"));
    const rows = table.split("\n").slice(3).map((l) => l.trim().split(/\s{2,}/));
    assert.deepEqual(rows.map((r) => [r[0], r[1], r[3]]), [
      ["Normal", "Scheduled", "default-scheduler"],
      ["Normal", "Pulling", "kubelet"],
      ["Normal", "Pulled", "kubelet"],
      ["Normal", "Created", "kubelet"],
      ["Normal", "Started", "kubelet"],
    ]);
    assert.match(rows[0]![4]!, new RegExp(`^Successfully assigned default/${pod.metadata.name} to ${pod.spec.nodeName}$`));
    assert.match(rows[2]![4]!, /^Successfully pulled image "nginx:1\.27" in \d+(\.\d+)?m?s \(\d+(\.\d+)?m?s including waiting\)$/);
    assert.equal(rows[3]![4], "Created container: nginx");
    const deployment = c.kubectl("describe deployment web").stdout;
    assert.match(deployment, /ScalingReplicaSet +\S+ +deployment-controller +Scaled up replica set web-[a-z0-9]+ from 0 to 2/);
    assert.match(deployment, /Scaled down replica set web-[a-z0-9]+ from 2 to 1/);
    const events = c.kubectl("get events").stdout.split("\n");
    assert.deepEqual(events[0]!.split(/\s{2,}/), ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]);
    assert.ok(events.some((l) => /SuccessfulCreate +replicaset\/web-[a-z0-9]+ +Created pod: web-/.test(l)));
    assert.ok(events.some((l) => /SuccessfulDelete +replicaset\/web-[a-z0-9]+ +Deleted pod: web-/.test(l)));
    assert.match(c.kubectl("get events -n kube-system").stdout, /Scheduled +pod\/coredns-[a-z0-9]+-[a-z0-9]{5} +Successfully assigned kube-system\/coredns-/);
    c.kubectl("create namespace lab");
    assert.equal(c.kubectl("get events -n lab").stderr, "No resources found in lab namespace.");
  });

  it("a failing readiness probe: one Unhealthy warning counted again, shown as (xN over …)", () => {
    const c = new Cluster({ nodes: 1, seed: 4 });
    c.apply(helloWorld(1, { readinessProbe: true }));
    c.settle();
    const pod = c.pods()[0]!.metadata.name!;
    c.fail(`pod/${pod}`).advance(60_000).settle();
    const text = c.kubectl(`describe pod ${pod}`).stdout;
    assert.match(text, /Warning +Unhealthy +\S+ \(x3 over \S+\) +kubelet +Readiness probe failed: Get "http:\/\/10\.244\.\d+\.\d+:8080\/": context deadline exceeded/);
  });
});

describe("kubectl events (the top-level verb of kubectl ≥ 1.26)", () => {
  it("Go's sort.Sort: 35 events with second-precision ties come out in kubectl 1.32's order", () => {
    // Seconds of lastTimestamp in the API's list order, and the order the real kubectl printed them
    // (captured from kubectl 1.32, Go 1.23, against kubelab serve). Ties move: the sort is unstable.
    const seconds = [3, 3, 6, 6, 7, 3, 3, 6, 6, 6, 3, 3, 5, 5, 5, 3, 3, 5, 5, 5, 3, 3, 6, 6, 6, 3, 3, 3, 3, 3, 7, 7, 7, 3, 7];
    const kubectlOrder = [10, 33, 11, 29, 28, 5, 6, 27, 25, 26, 21, 1, 0, 20, 16, 15, 14, 17, 18, 19, 13, 12, 8, 23, 24, 22, 9, 7, 3, 2, 4, 30, 31, 32, 34];
    const sorted = goSort(seconds.map((t, i) => ({ t, i })), (a, b) => a.t < b.t);
    assert.deepEqual(sorted.map((x) => x.i), kubectlOrder);
    // Twelve or fewer: an insertion sort, stable.
    assert.deepEqual(goSort([2, 1, 2, 1].map((t, i) => ({ t, i })), (a, b) => a.t < b.t).map((x) => x.i), [1, 3, 0, 2]);
  });

  it("lists, filters (--for, --types, -A), watches (-w) and errs as kubectl prints", () => {
    const c = new Cluster({ nodes: 2, seed: 3 });
    c.kubectl("create deployment web --image=nginx --replicas=2");
    c.settle();
    const rs = c.api.list("ReplicaSet", "default")[0]!.metadata.name!;
    const lines = c.kubectl("events").stdout.split("\n");
    assert.deepEqual(lines[0]!.split(/\s{2,}/), ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]);
    assert.ok(lines.some((l) => new RegExp(`^\\S+ +Normal +SuccessfulCreate +ReplicaSet/${rs} +Created pod: ${rs}-`).test(l)), lines.join("\n"));
    assert.deepEqual(c.kubectl("events --for deployment/web").stdout.split("\n").slice(1).map((l) => l.split(/\s{2,}/).slice(1)), [["Normal", "ScalingReplicaSet", "Deployment/web", `Scaled up replica set ${rs} from 0 to 2`]]);
    assert.match(c.kubectl("events -A --no-headers").stdout, /^kube-system +\S+ +Normal +/m);
    assert.equal(c.kubectl("events -A").stdout.split("\n")[0]!.split(/\s{2,}/)[0], "NAMESPACE");
    assert.equal(c.kubectl("events --types=Warning").stderr, "No events found in default namespace.");
    assert.equal(c.kubectl("events -A --types=warning").stderr, "No events found.");
    assert.equal(c.kubectl("events --types=Info").stderr, "error: valid --types are Normal or Warning");
    assert.equal(c.kubectl("events --for web").stderr, "error: --for must be in resource/name form");
    assert.equal(c.kubectl("events --for widget/web").toString(), 'the server doesn\'t have a resource type "widget"');
    assert.match(c.kubectl("events --for deployment/web -o yaml").stdout, /^apiVersion: v1\nitems:\n- apiVersion: v1\n  count: 1\n/);
    assert.match(c.kubectl("events --for deployment/web -o json").stdout, /^\{\n    "kind": "EventList",\n    "apiVersion": "v1",\n    "metadata": \{\},\n    "items": \[\n        \{\n            "kind": "Event",/);

    // -w: the current events (list order), then each new one as virtual time runs, one header.
    c.kubectl("scale deployment web --replicas=3");
    const watched = c.kubectl("events -w --for deployment/web").stdout.split("\n");
    assert.deepEqual(watched.map((l) => l.split(/\s{2,}/).at(-1)), ["MESSAGE", `Scaled up replica set ${rs} from 0 to 2`, `Scaled up replica set ${rs} from 2 to 3`]);
    const pods = c.kubectl("events -w --types=Normal -o name").stdout.split("\n");
    assert.ok(pods.length > 10 && pods.every((l) => /^event\/web[a-z0-9-]*\.[0-9a-f]+$/.test(l)), pods.join("\n"));
  });
});

describe("metadata.generation", () => {
  it("only where the real registry sets it: Deployments, ReplicaSets, EndpointSlices — not Services, ConfigMaps, Pods (1.32)", () => {
    const c = new Cluster({ nodes: 1, seed: 3 });
    c.kubectl("create deployment web --image=nginx");
    c.kubectl("expose deployment web --port=80");
    c.kubectl("create configmap cfg --from-literal=a=1");
    c.settle();
    c.kubectl("scale deployment web --replicas=2");
    c.settle();
    assert.match(c.kubectl("get deployment web -o yaml").stdout, /\n  generation: 2\n/);
    assert.match(c.kubectl("get endpointslices -o yaml").stdout, /\n    generation: \d+\n/);
    for (const o of ["service/web", "configmap/cfg", `pod/${c.pods()[0]!.metadata.name}`]) assert.doesNotMatch(c.kubectl(`get ${o} -o yaml`).stdout, /generation:/, o);
  });
});

describe("kubectl get events -w", () => {
  it("prints the list, then a row per event recorded while virtual time runs (one header, widths remembered)", () => {
    const c = new Cluster({ nodes: 1, seed: 3 });
    c.kubectl("create deployment web --image=nginx");
    c.settle();
    c.kubectl("scale deployment web --replicas=2");
    const rows = c.kubectl("get events -w --field-selector involvedObject.kind=Deployment").stdout.split("\n").map((l) => l.split(/\s{2,}/));
    assert.deepEqual(rows.map((r) => r.slice(2)), [
      ["REASON", "OBJECT", "MESSAGE"],
      ["ScalingReplicaSet", "deployment/web", `Scaled up replica set ${c.api.list("ReplicaSet", "default")[0]!.metadata.name} from 0 to 1`],
      ["ScalingReplicaSet", "deployment/web", `Scaled up replica set ${c.api.list("ReplicaSet", "default")[0]!.metadata.name} from 1 to 2`],
    ]);
    c.kubectl("scale deployment web --replicas=1");
    assert.deepEqual(c.kubectl("get events --watch-only --field-selector involvedObject.kind=Deployment").stdout.split("\n").map((l) => l.split(/\s{2,}/).at(-1)), ["MESSAGE", `Scaled down replica set ${c.api.list("ReplicaSet", "default")[0]!.metadata.name} from 2 to 1`]);
  });
});

describe("kubectl label, annotate, rollout history, describe deployment: as each kubectl version prints", () => {
  // [client minor, command, expected output] after: create deployment web (nginx:1.26), set image
  // nginx:1.27, label tier=frontend, annotate owner=alice. Checked against kubectl 1.32 and 1.20 by oracle.test.ts.
  const cases: [number, string, string][] = [
    [32, "label deployment web tier=frontend", "deployment.apps/web not labeled"],
    [20, "label deployment web tier=frontend", "error: 'tier' already has a value (frontend), and --overwrite is false"],
    [32, "label deployment web tier=frontend app=x", "error: 'app' already has a value (web), and --overwrite is false"],
    [20, "label deployment web tier=backend app=x", "'app' already has a value (web), and --overwrite is false\n'tier' already has a value (frontend), and --overwrite is false"],
    [32, "label deployment web tier-", "deployment.apps/web unlabeled"],
    [20, "label deployment web tier-", "deployment.apps/web labeled"],
    [32, "annotate deployment web owner=alice", "deployment.apps/web annotated"],
    [20, "annotate deployment web owner=alice", "error: --overwrite is false but found the following declared annotation(s): 'owner' already has a value (alice)"],
    [32, "annotate deployment web owner=bob", "error: --overwrite is false but found the following declared annotation(s): 'owner' already has a value (alice)"],
    [32, "rollout history deployment/web --revision=0", "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n"],
    [32, "rollout history deployment/web --revision=3", "error: unable to find the specified revision"],
    [32, "rollout history deployment/web --revision=-1", "error: revision must be a positive integer: -1"],
    [32, "create configmap cfg --from-literal=a=2", 'error: failed to create configmap: configmaps "cfg" already exists'],
    [20, "create configmap cfg --from-literal=a=2", 'Error from server (AlreadyExists): configmaps "cfg" already exists'],
  ];
  const setUp = (minor: number): Cluster => {
    const c = new Cluster({ nodes: 1, seed: 2 });
    c.kubectlClientMinor = minor;
    c.kubectl("create deployment web --image=nginx:1.26");
    c.settle();
    c.kubectl("set image deployment/web nginx=nginx:1.27");
    c.settle();
    c.kubectl("label deployment web tier=frontend");
    c.kubectl("annotate deployment web owner=alice");
    c.kubectl("create configmap cfg --from-literal=a=1");
    return c;
  };
  for (const [minor, command, want] of cases) {
    it(`kubectl 1.${minor}: ${command}`, () => assert.equal(setUp(minor).kubectl(command).toString(), want));
  }

  it("rollout history --revision=N: the ReplicaSet's pod template, tabs unaligned (1.32 adds Node-Selectors and Tolerations)", () => {
    const c = setUp(32);
    const hash = c.api.list("ReplicaSet", "default").find((rs) => rs.metadata.annotations?.["deployment.kubernetes.io/revision"] === "1")!.metadata.labels!["pod-template-hash"];
    const body = `Pod Template:\n  Labels:\tapp=web\n\tpod-template-hash=${hash}\n  Containers:\n   nginx:\n    Image:\tnginx:1.26\n    Port:\t<none>\n    Host Port:\t<none>\n    Environment:\t<none>\n    Mounts:\t<none>\n  Volumes:\t<none>\n`;
    assert.equal(c.kubectl("rollout history deployment/web --revision=1").stdout, `deployment.apps/web with revision #1\n${body}  Node-Selectors:\t<none>\n  Tolerations:\t<none>\n`);
    assert.equal(setUp(20).kubectl("rollout history deployment/web --revision=1").stdout, `deployment.apps/web with revision #1\n${body}`);
  });

  it("rollout undo: the old ReplicaSet becomes the newest revision (its old one kept in revision-history), the Deployment carries it", () => {
    const c = setUp(32);
    c.kubectl("annotate deployment web kubernetes.io/change-cause=second");
    c.settle();
    assert.equal(c.kubectl("rollout undo deployment/web").toString(), "deployment.apps/web rolled back");
    c.settle();
    assert.equal(c.kubectl("rollout history deployment/web").stdout, "deployment.apps/web \nREVISION  CHANGE-CAUSE\n2         second\n3         <none>\n");
    const d = c.api.get("Deployment", "default", "web")!;
    assert.equal(d.metadata.annotations?.["deployment.kubernetes.io/revision"], "3");
    assert.equal(d.metadata.annotations?.["kubernetes.io/change-cause"], undefined, "the rollback takes the revision's change-cause (none)");
    const back = c.api.list("ReplicaSet", "default").find((rs) => rs.spec.template.spec.containers[0]!.image === "nginx:1.26")!;
    assert.equal(back.metadata.annotations?.["deployment.kubernetes.io/revision-history"], "1");
    assert.equal(c.kubectl("rollout undo deployment/web --to-revision=3").toString(), "deployment.apps/web skipped rollback (current template already matches revision 3)");
  });

  it("describe deployment: template containers indented as Go's describer does; old ReplicaSets at zero listed from kubectl 1.27", () => {
    const out = setUp(32).kubectl("describe deployment web").stdout;
    assert.match(out, /\n  Containers:\n   nginx:\n    Image:         nginx:1\.27\n/);
    assert.match(out, /\nOldReplicaSets:  web-[a-z0-9]+ \(0\/0 replicas created\)\n/);
    assert.match(setUp(20).kubectl("describe deployment web").stdout, /\nOldReplicaSets:  <none>\n/);
  });
});

describe("kubectl create --dry-run=client -o yaml", () => {
  it("prints creationTimestamp: null in the metadata and the pod template, as Go marshals the zero time", () => {
    const c = new Cluster({ seed: 1 });
    const out = c.kubectl("create deployment hello --image=nginx --dry-run=client -o yaml").stdout;
    assert.match(out, /^metadata:\n  creationTimestamp: null\n  labels:/m);
    assert.match(out, /^  template:\n    metadata:\n      creationTimestamp: null\n      labels:/m);
    assert.equal(c.kubectl("get deployments").stderr, "No resources found in default namespace.");
  });
});

describe("kubectl logs", () => {
  it("prints an nginx access-log line per request traffic() delivered, by pod or deployment, with --tail and -c", () => {
    const c = new Cluster({ nodes: 2, seed: 3 });
    c.kubectl("create deployment web --image=nginx --replicas=2");
    c.kubectl("expose deployment web --port=80");
    c.settle();
    const t = c.traffic({ from: "node/node-1", to: "web:80", connections: 6, requestsPerConnection: 2 });
    assert.equal(t.result.succeeded, 6);
    for (const e of t.result.byEndpoint) {
      const name = e.pod!.split("/")[1]!;
      const out = c.kubectl(`logs ${name}`);
      const lines = out.stdout ? out.stdout.split("\n") : [];
      assert.equal(lines.length, e.requests, `${name} served ${e.requests} requests`);
      for (const l of lines) assert.match(l, /^\d+\.\d+\.\d+\.\d+ - - \[01\/Jan\/2025:\d\d:\d\d:\d\d \+0000\] "GET \/ HTTP\/1\.1" 200 615 "-" "curl\/8\.5\.0" "-"$/);
      assert.equal(c.kubectl(`logs pod/${name} --tail=1`).stdout, lines.slice(-1).join("\n"));
      assert.equal(c.kubectl(`logs ${name} -c nginx --tail=0`).stdout, "");
      assert.match(c.kubectl(`logs ${name} -c nope`).stderr, /container nope is not valid for pod/);
    }
    const d = c.kubectl("logs deployment/web");
    assert.match(d.stderr, /^Found 2 pods, using pod\/web-/);
  });
});
