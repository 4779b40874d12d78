/** Small builders for Services and EndpointSlices in the shape proxier_test.go's helpers make. */
import type { EndpointSlice, Endpoint, Service, ServicePort } from "../../src/api/types";

export function svc(ns: string, name: string, spec: Service["spec"], status?: Service["status"]): Service {
  return { apiVersion: "v1", kind: "Service", metadata: { namespace: ns, name }, spec, ...(status ? { status } : {}) };
}

export function tcp(name: string, port: number, extra: Partial<ServicePort> = {}): ServicePort {
  return { name, port, protocol: "TCP", ...extra };
}

export function ep(ip: string, extra: Partial<Endpoint> = {}): Endpoint {
  return { addresses: [ip], conditions: {}, ...extra };
}

export function slice(
  ns: string,
  svcName: string,
  endpoints: Endpoint[],
  ports: { name: string; port: number; protocol?: "TCP" | "UDP" | "SCTP" }[] = [{ name: "p80", port: 80 }],
  sliceName = svcName + "-1",
): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { namespace: ns, name: sliceName, labels: { "kubernetes.io/service-name": svcName } },
    addressType: "IPv4",
    endpoints,
    ports: ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol ?? "TCP" })),
  };
}

/** Lines of an iptables-restore/-save text, sorted within each table like kube-proxy's assertIPTablesRulesEqual. */
export function canonical(text: string): string[] {
  const out: string[] = [];
  let table: string[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("*")) {
      out.push(line);
      table = [];
    } else if (line === "COMMIT") {
      table.sort();
      out.push(...table, "COMMIT");
    } else table.push(line);
  }
  return out;
}
