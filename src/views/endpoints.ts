/**
 * A Service's endpoints as kube-proxy sees them: its EndpointSlices flattened to one row per
 * address, with the conditions (ready, serving, terminating) that decide where traffic goes.
 *
 * @example
 * ```ts
 * const eps = cluster.endpoints("hello-world");
 * eps.ready.map((e) => e.ip); // the addresses kube-proxy load-balances to
 * ```
 */
import type { Stored } from "../apiserver/apiserver";
import { compareIPs } from "../util/ipv4";
import { endpointsDetail, tableText } from "../render";

/** One endpoint of a Service with the conditions kube-proxy reads. */
export interface EndpointRow {
  ip: string;
  ports: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  node: string;
  pod: string;
  slice: string;
}

/** The endpoints of a Service, flattened from its EndpointSlices. */
export class ServiceEndpoints {
  readonly rows: EndpointRow[];
  constructor(
    readonly service: Stored<"Service">,
    readonly slices: Stored<"EndpointSlice">[],
  ) {
    this.rows = [];
    for (const s of slices) {
      const ports = (s.ports ?? []).map((p) => `${p.port}/${p.protocol ?? "TCP"}`).join(",");
      for (const e of s.endpoints) {
        for (const ip of e.addresses) {
          this.rows.push({
            ip,
            ports,
            ready: e.conditions?.ready ?? true,
            serving: e.conditions?.serving ?? true,
            terminating: e.conditions?.terminating ?? false,
            node: e.nodeName ?? "",
            pod: e.targetRef?.name ?? "",
            slice: s.metadata.name!,
          });
        }
      }
    }
    this.rows.sort((a, b) => compareIPs(a.ip, b.ip));
  }

  /** Endpoints with `ready: true` (the ones kube-proxy load-balances to). */
  get ready(): EndpointRow[] {
    return this.rows.filter((r) => r.ready);
  }

  toString(): string {
    const columns = ["ip", "ports", "ready", "serving", "terminating", "node", "pod"].map((key) => ({ key, header: key }));
    return tableText({ columns, rows: this.rows.map((r) => ({ ...r })) });
  }

  [Symbol.for("Jupyter.display")](): Record<string, unknown> {
    return endpointsDetail(this.slices, { title: `Endpoints of service ${this.service.metadata.namespace}/${this.service.metadata.name}` }).bundle();
  }
}
