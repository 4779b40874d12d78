import { strict as assert } from "node:assert";
import type { Stored } from "../../src/apiserver/apiserver";
import type { Cluster } from "../../src/cluster";
import { newCluster } from "../core/helpers";

const MIRROR = "endpointslicemirroring-controller.k8s.io";

function mirrored(c: Cluster, name: string, ns = "default"): Stored<"EndpointSlice">[] {
  return c.api
    .list("EndpointSlice", ns)
    .filter((s) => s.metadata.labels?.["kubernetes.io/service-name"] === name && s.metadata.labels?.["endpointslice.kubernetes.io/managed-by"] === MIRROR);
}

const service = (name: string, extra = ""): string => `apiVersion: v1
kind: Service
metadata: { name: ${name} }
spec: { ports: [{ name: http, port: 80, targetPort: 8080 }]${extra} }
`;

/**
 * Cases after the EndpointSliceMirroring reconciler's own table (reconciler_test.go TestReconcile):
 * subsets → number of slices, their address types, ports and endpoint conditions.
 */
const cases: {
  name: string;
  subsets: string;
  labels?: string;
  slices: { addressType: string; ports: string; endpoints: string[] }[];
}[] = [
  { name: "Endpoints with no subsets", subsets: "[]", slices: [] },
  {
    name: "1 subset, port, and address",
    subsets: `[{ addresses: [{ ip: 10.0.0.1, hostname: pod-1, nodeName: node-1 }], ports: [{ name: http, port: 80, protocol: TCP }] }]`,
    slices: [{ addressType: "IPv4", ports: "http:80/TCP", endpoints: ["10.0.0.1 ready=true hostname=pod-1 node=node-1"] }],
  },
  {
    name: "1 subset, port, ready and not-ready address",
    subsets: `[{ addresses: [{ ip: 10.0.0.1 }], notReadyAddresses: [{ ip: 10.0.0.2 }], ports: [{ name: http, port: 80 }] }]`,
    slices: [{ addressType: "IPv4", ports: "http:80/TCP", endpoints: ["10.0.0.1 ready=true", "10.0.0.2 ready=false"] }],
  },
  {
    name: "1 subset, unnamed port (name becomes empty) and appProtocol",
    subsets: `[{ addresses: [{ ip: 10.0.0.1 }], ports: [{ port: 5432, appProtocol: postgresql }] }]`,
    slices: [{ addressType: "IPv4", ports: ":5432/TCP(postgresql)", endpoints: ["10.0.0.1 ready=true"] }],
  },
  {
    name: "2 subsets with the same ports share one slice",
    subsets: `[{ addresses: [{ ip: 10.0.0.1 }], ports: [{ name: http, port: 80 }] }, { addresses: [{ ip: 10.0.0.2 }], ports: [{ name: http, port: 80 }] }]`,
    slices: [{ addressType: "IPv4", ports: "http:80/TCP", endpoints: ["10.0.0.1 ready=true", "10.0.0.2 ready=true"] }],
  },
  {
    name: "2 subsets with different ports get a slice each",
    subsets: `[{ addresses: [{ ip: 10.0.0.1 }], ports: [{ name: http, port: 80 }] }, { addresses: [{ ip: 10.0.0.2 }], ports: [{ name: dns, port: 53, protocol: UDP }] }]`,
    slices: [
      { addressType: "IPv4", ports: "dns:53/UDP", endpoints: ["10.0.0.2 ready=true"] },
      { addressType: "IPv4", ports: "http:80/TCP", endpoints: ["10.0.0.1 ready=true"] },
    ],
  },
  {
    name: "1 subset with IPv4 and IPv6 addresses: one slice per address type",
    subsets: `[{ addresses: [{ ip: 10.0.0.1 }, { ip: "2001:db8::1" }], ports: [{ name: http, port: 80 }] }]`,
    slices: [
      { addressType: "IPv4", ports: "http:80/TCP", endpoints: ["10.0.0.1 ready=true"] },
      { addressType: "IPv6", ports: "http:80/TCP", endpoints: ["2001:db8::1 ready=true"] },
    ],
  },
  {
    name: "skip-mirror label: nothing mirrored",
    subsets: `[{ addresses: [{ ip: 10.0.0.1 }], ports: [{ name: http, port: 80 }] }]`,
    labels: `{ endpointslice.kubernetes.io/skip-mirror: "true" }`,
    slices: [],
  },
  {
    name: "skip-mirror set to something other than true: mirrored",
    subsets: `[{ addresses: [{ ip: 10.0.0.1 }], ports: [{ name: http, port: 80 }] }]`,
    labels: `{ endpointslice.kubernetes.io/skip-mirror: "false" }`,
    slices: [{ addressType: "IPv4", ports: "http:80/TCP", endpoints: ["10.0.0.1 ready=true"] }],
  },
];

function describeSlice(s: Stored<"EndpointSlice">): { addressType: string; ports: string; endpoints: string[] } {
  return {
    addressType: s.addressType,
    ports: (s.ports ?? []).map((p) => `${p.name}:${p.port}/${p.protocol}${p.appProtocol ? `(${p.appProtocol})` : ""}`).join(","),
    endpoints: s.endpoints.map((e) =>
      [e.addresses.join(","), `ready=${e.conditions?.ready}`, e.hostname ? `hostname=${e.hostname}` : "", e.nodeName ? `node=${e.nodeName}` : ""].filter(Boolean).join(" "),
    ),
  };
}

describe("EndpointSliceMirroring controller", () => {
  describe("reconcile (after reconciler_test.go)", () => {
    for (const tc of cases) {
      it(tc.name, () => {
        const c = newCluster();
        c.apply(`${service("ext")}---
apiVersion: v1
kind: Endpoints
metadata: { name: ext${tc.labels ? `, labels: ${tc.labels}` : ""} }
subsets: ${tc.subsets}
`);
        c.settle();
        const got = mirrored(c, "ext").map(describeSlice).sort((a, b) => (a.addressType + a.ports < b.addressType + b.ports ? -1 : 1));
        assert.deepEqual(got, tc.slices);
        for (const s of mirrored(c, "ext")) {
          assert.match(s.metadata.name!, /^ext-[a-z0-9]{5}$/);
          for (const e of s.endpoints) assert.deepEqual(Object.keys(e.conditions ?? {}), ["ready"], "only ready is set, as the real controller does");
        }
      });
    }

    it("at most 1000 addresses of a subset are mirrored", () => {
      const c = newCluster();
      const addrs = Array.from({ length: 1001 }, (_, i) => `{ ip: 10.1.${Math.floor(i / 250)}.${(i % 250) + 1} }`).join(", ");
      c.apply(`${service("big")}---
apiVersion: v1
kind: Endpoints
metadata: { name: big }
subsets: [{ addresses: [${addrs}], ports: [{ name: http, port: 80 }] }]
`);
      c.settle();
      const slices = mirrored(c, "big");
      assert.equal(slices.length, 1);
      assert.equal(slices[0]!.endpoints.length, 1000);
    });

    it("copies the Endpoints' labels and annotations (not last-applied or the trigger time) and is owned by the Endpoints", () => {
      const c = newCluster();
      c.apply(`${service("ext")}---
apiVersion: v1
kind: Endpoints
metadata:
  name: ext
  labels: { team: db, kubernetes.io/service-name: wrong }
  annotations: { note: hand-written, endpoints.kubernetes.io/last-change-trigger-time: "2024-01-01T00:00:00Z", kubectl.kubernetes.io/last-applied-configuration: "{}" }
subsets: [{ addresses: [{ ip: 10.0.0.1 }], ports: [{ name: http, port: 80 }] }]
`);
      c.settle();
      const [s] = mirrored(c, "ext");
      assert.deepEqual(s!.metadata.labels, { team: "db", "kubernetes.io/service-name": "ext", "endpointslice.kubernetes.io/managed-by": MIRROR });
      assert.deepEqual(s!.metadata.annotations, { note: "hand-written" });
      const ep = c.get<"Endpoints">("endpoints/ext");
      assert.deepEqual(s!.metadata.ownerReferences, [{ apiVersion: "v1", kind: "Endpoints", name: "ext", uid: ep.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    });
  });

  describe("lifecycle", () => {
    const backends = `apiVersion: v1
kind: Pod
metadata: { name: db-0 }
spec: { containers: [{ name: db, image: postgres:16, ports: [{ containerPort: 8080 }] }] }
---
apiVersion: v1
kind: Pod
metadata: { name: db-1 }
spec: { containers: [{ name: db, image: postgres:16, ports: [{ containerPort: 8080 }] }] }
---
apiVersion: v1
kind: Pod
metadata: { name: client }
spec: { containers: [{ name: c, image: busybox:1.36 }] }
`;
    const endpoints = (...ips: string[]): string => `apiVersion: v1
kind: Endpoints
metadata: { name: legacy }
subsets: [{ addresses: [${ips.map((ip) => `{ ip: ${ip} }`).join(", ")}], ports: [{ name: http, port: 8080 }] }]
`;

    it("a selector-less Service with hand-written Endpoints gets traffic to its addresses (no REJECT), in iptables and IPVS mode", () => {
      for (const proxyMode of ["iptables", "ipvs"] as const) {
        const c = newCluster({ proxyMode });
        c.apply(backends);
        c.settle();
        const ips = ["db-0", "db-1"].map((p) => c.get<"Pod">(`pod/${p}`).status!.podIP!);
        c.apply(`${service("legacy")}---
${endpoints(...ips)}`);
        c.settle();
        const t = c.traffic({ from: "pod/client", to: "legacy:80", connections: 1000 });
        assert.equal(t.result.succeeded, 1000, JSON.stringify(t.result.failures));
        assert.deepEqual(Object.keys(t.byPod).sort(), ["default/db-0", "default/db-1"]);
        assert.deepEqual(c.endpoints("legacy").rows.map((r) => r.ip).sort(), [...ips].sort());
        // The trace shows the controller at work like the others.
        assert.ok(c.trace.events.some((e) => e.from === "endpointslicemirroring-controller" && e.verb === "create" && e.object.startsWith("endpointslice/default/legacy-")));
      }
    });

    it("updates the slice in place with its source, and deletes it with the Endpoints", () => {
      const c = newCluster();
      c.apply(`${service("legacy")}---
${endpoints("10.0.0.1")}`);
      c.settle();
      const [first] = mirrored(c, "legacy");
      c.apply(endpoints("10.0.0.1", "10.0.0.2"));
      c.settle();
      const after = mirrored(c, "legacy");
      assert.equal(after.length, 1);
      assert.equal(after[0]!.metadata.name, first!.metadata.name);
      assert.deepEqual(after[0]!.endpoints.map((e) => e.addresses[0]), ["10.0.0.1", "10.0.0.2"]);
      c.delete("endpoints/legacy");
      c.settle();
      assert.deepEqual(mirrored(c, "legacy"), []);
      assert.equal(c.endpoints("legacy").rows.length, 0);
    });

    it("puts back a mirrored slice that was deleted by hand", () => {
      const c = newCluster();
      c.apply(`${service("legacy")}---
${endpoints("10.0.0.1")}`);
      c.settle();
      c.delete(`endpointslice/${mirrored(c, "legacy")[0]!.metadata.name}`);
      c.settle();
      assert.deepEqual(mirrored(c, "legacy").map((s) => s.endpoints.map((e) => e.addresses[0])), [["10.0.0.1"]]);
    });

    it("Endpoints written before their Service are mirrored once the Service exists", () => {
      const c = newCluster();
      c.apply(endpoints("10.0.0.1"));
      c.settle();
      assert.deepEqual(mirrored(c, "legacy"), []);
      c.apply(service("legacy"));
      c.settle();
      assert.equal(mirrored(c, "legacy").length, 1);
    });

    it("hands over to the EndpointSlice controller when the Service gains a selector, and cleans up when it goes", () => {
      const c = newCluster();
      c.apply(backends.replace("name: db-0 }", "name: db-0, labels: { app: db } }"));
      c.apply(`${service("legacy")}---
${endpoints("10.0.0.1")}`);
      c.settle();
      assert.equal(mirrored(c, "legacy").length, 1);
      c.apply(service("legacy", ", selector: { app: db }"));
      c.settle();
      assert.deepEqual(mirrored(c, "legacy"), []);
      const db0 = c.get<"Pod">("pod/db-0").status!.podIP!;
      assert.deepEqual(c.endpoints("legacy").rows.map((r) => r.ip), [db0], "the EndpointSlice controller's slice only");
      // The Endpoints controller now owns the Endpoints (it overwrote the hand-written one).
      assert.deepEqual(c.get<"Endpoints">("endpoints/legacy").subsets?.[0]?.addresses?.map((a) => a.ip), [db0]);
      c.delete("service/legacy");
      c.settle();
      assert.equal(c.api.list("EndpointSlice", "default").filter((s) => s.metadata.labels?.["kubernetes.io/service-name"] === "legacy").length, 0);
    });

    it("deletes the mirrored slices when the Service is deleted (the Endpoints controller removes the Endpoints)", () => {
      const c = newCluster();
      c.apply(`${service("legacy")}---
${endpoints("10.0.0.1")}`);
      c.settle();
      c.delete("service/legacy");
      c.settle();
      assert.deepEqual(mirrored(c, "legacy"), []);
      assert.equal(c.api.get("Endpoints", "default", "legacy"), undefined);
    });

    it("the Endpoints controller leaves a selector-less Service's hand-written Endpoints alone", () => {
      const c = newCluster();
      c.apply(`${service("legacy")}---
${endpoints("10.0.0.1")}`);
      c.settle();
      assert.equal(c.trace.events.filter((e) => e.from === "endpoints-controller" && e.object === "endpoints/default/legacy").length, 0);
      assert.deepEqual(c.get<"Endpoints">("endpoints/legacy").subsets?.[0]?.addresses?.map((a) => a.ip), ["10.0.0.1"]);
    });

    it("leaves the kubernetes Service's Endpoints (skip-mirror) and Services with selectors alone", () => {
      const c = newCluster();
      c.settle();
      assert.equal(c.api.list("EndpointSlice").filter((s) => s.metadata.labels?.["endpointslice.kubernetes.io/managed-by"] === MIRROR).length, 0);
    });
  });
});
