import { strict as assert } from "node:assert";
import { ApplyError } from "../../src/api/errors";
import { Cluster } from "../../src/cluster";
import { newCluster } from "../core/helpers";

/** Apply and return the error text ("" when accepted); an invalid manifest must change nothing. */
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

const svc = (spec: string, name = "svc"): string => `apiVersion: v1
kind: Service
metadata: { name: ${name} }
spec: ${spec}
`;

describe("kube-apiserver registry and validation", () => {
  describe("status is the system's: cleared on create (PrepareForCreate)", () => {
    it("a hand-set status.loadBalancer.ingress does not survive, on a ClusterIP or a LoadBalancer Service", () => {
      const c = newCluster();
      c.apply(`${svc("{ ports: [{ port: 80 }] }", "plain")}status: { loadBalancer: { ingress: [{ ip: 1.2.3.4 }] } }
---
${svc("{ type: LoadBalancer, ports: [{ port: 80 }] }", "lb")}status: { loadBalancer: { ingress: [{ ip: 1.2.3.4 }] } }
`);
      assert.deepEqual(c.get<"Service">("svc/plain").status, { loadBalancer: {} });
      assert.deepEqual(c.get<"Service">("svc/lb").status, { loadBalancer: {} });
      c.settle();
      assert.deepEqual(c.get<"Service">("svc/plain").status, { loadBalancer: {} });
      const ingress = c.get<"Service">("svc/lb").status?.loadBalancer?.ingress ?? [];
      assert.equal(ingress.length, 1);
      assert.match(ingress[0]!.ip!, /^203\.0\.113\./, "the cloud's address, not the hand-written one");
      // and nothing routes the hand-written address
      assert.ok(!c.node("node-1").iptables.save().includes("1.2.3.4"));
    });

    it("a Deployment's hand-set status is replaced by the controller's", () => {
      const c = newCluster();
      c.apply(`apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template: { metadata: { labels: { app: web } }, spec: { containers: [{ name: web, image: nginx:1.27 }] } }
status: { replicas: 99, readyReplicas: 99 }
`);
      assert.equal(c.get<"Deployment">("deployment/web").status, undefined);
      c.settle();
      assert.equal(c.get<"Deployment">("deployment/web").status?.readyReplicas, 1);
    });
  });

  describe("nodePorts (portallocator and initNodePorts, after rest_test.go)", () => {
    const cases: { name: string; ports: string; expect: (nodePorts: number[]) => void; error?: string }[] = [
      {
        name: "TCP and UDP of the same port share one allocated nodePort",
        ports: "[{ name: dns, port: 53, protocol: UDP }, { name: dns-tcp, port: 53, protocol: TCP }]",
        expect: ([a, b]) => assert.equal(a, b),
      },
      {
        name: "a nodePort asked for on the second port is used for the first too",
        ports: "[{ name: dns, port: 53, protocol: UDP }, { name: dns-tcp, port: 53, protocol: TCP, nodePort: 30053 }]",
        expect: (n) => assert.deepEqual(n, [30053, 30053]),
      },
      {
        name: "the same nodePort asked for on TCP and UDP is accepted",
        ports: "[{ name: dns, port: 53, protocol: UDP, nodePort: 30053 }, { name: dns-tcp, port: 53, protocol: TCP, nodePort: 30053 }]",
        expect: (n) => assert.deepEqual(n, [30053, 30053]),
      },
      {
        name: "different port numbers get different nodePorts",
        ports: "[{ name: http, port: 80 }, { name: https, port: 443 }]",
        expect: ([a, b]) => assert.notEqual(a, b),
      },
      {
        name: "the same nodePort twice for one protocol is a duplicate",
        ports: "[{ name: http, port: 80, nodePort: 30080 }, { name: alt, port: 81, nodePort: 30080 }]",
        expect: () => assert.fail("must be refused"),
        error: 'Service "svc" is invalid: spec.ports[1].nodePort: Duplicate value: 30080',
      },
    ];
    for (const tc of cases) {
      it(tc.name, () => {
        const c = newCluster();
        const err = tryApply(c, svc(`{ type: NodePort, ports: ${tc.ports} }`));
        if (tc.error) {
          assert.equal(err, tc.error);
          return;
        }
        assert.equal(err, "");
        c.settle();
        const ports = c.get<"Service">("svc/svc").spec.ports!.map((p) => p.nodePort!);
        tc.expect(ports);
        // kube-proxy programs the shared port for both protocols.
        if (ports[0] === ports[1]) {
          // (no endpoints: kube-proxy rejects the port in filter KUBE-EXTERNAL-SERVICES, per protocol)
          const rules = c.node("node-1").iptables.save().split("\n").filter((l) => l.includes(`--dport ${ports[0]}`));
          assert.deepEqual([...new Set(rules.map((l) => / -p (\w+) /.exec(l)![1]))].sort(), ["tcp", "udp"]);
        }
      });
    }

    it("a shared nodePort is released once with its Service and can be taken again", () => {
      const c = newCluster();
      c.apply(svc("{ type: NodePort, ports: [{ name: a, port: 53, protocol: UDP, nodePort: 30053 }, { name: b, port: 53, protocol: TCP, nodePort: 30053 }] }"));
      assert.match(tryApply(c, svc("{ type: NodePort, ports: [{ port: 80, nodePort: 30053 }] }", "other")), /spec.ports\[0\].nodePort: Invalid value: 30053: provided port is already allocated/);
      c.delete("service/svc");
      assert.equal(tryApply(c, svc("{ type: NodePort, ports: [{ port: 80, nodePort: 30053 }] }", "other")), "");
    });
  });

  describe("healthCheckNodePort (validateServiceExternalTrafficPolicy)", () => {
    const msg = (n: number): string => `Service "svc" is invalid: spec.healthCheckNodePort: Invalid value: ${n}: may only be set when \`type\` is 'LoadBalancer' and \`externalTrafficPolicy\` is 'Local'`;
    const cases: { spec: string; error: string }[] = [
      { spec: "{ type: NodePort, externalTrafficPolicy: Cluster, healthCheckNodePort: 30500, ports: [{ port: 80 }] }", error: msg(30500) },
      { spec: "{ type: NodePort, externalTrafficPolicy: Local, healthCheckNodePort: 30500, ports: [{ port: 80 }] }", error: msg(30500) },
      { spec: "{ type: LoadBalancer, externalTrafficPolicy: Cluster, healthCheckNodePort: 30500, ports: [{ port: 80 }] }", error: msg(30500) },
      { spec: "{ type: LoadBalancer, healthCheckNodePort: 30501, ports: [{ port: 80 }] }", error: msg(30501) },
      { spec: "{ type: LoadBalancer, externalTrafficPolicy: Local, healthCheckNodePort: 30500, ports: [{ port: 80 }] }", error: "" },
    ];
    for (const tc of cases) {
      it(`${tc.spec} → ${tc.error ? "refused" : "accepted"}`, () => {
        const c = newCluster();
        assert.equal(tryApply(c, svc(tc.spec)), tc.error);
        if (!tc.error) assert.equal(c.get<"Service">("svc/svc").spec.healthCheckNodePort, 30500);
      });
    }
  });
});
