/**
 * The endpoints table `cluster.endpoints(svc)` shows: one row per address of a Service's
 * EndpointSlices with its conditions, node and pod (kubectl has no such view; `get endpointslices`
 * folds addresses into one cell).
 */
import type { DeepReadonly, EndpointSlice } from "../api/types";
import { NONE, TableView, type Cell, type Column, type Table } from "./table";

type R<T> = DeepReadonly<T>;

function col(key: string, header: string): Column {
  return { key, header };
}

function condition(v: boolean | undefined): Cell {
  // An unset condition means "unknown", which kube-proxy treats as true for ready/serving.
  return v === undefined ? null : v;
}

/**
 * One row per endpoint address of one or more slices: IP, PORT(S), READY, SERVING, TERMINATING,
 * NODE, POD (the table `cluster.endpoints(svc)` shows).
 *
 * @example
 * ```ts
 * endpointsDetail(slicesOfService, { title: "endpoints of web" });
 * ```
 */
export function endpointsDetail(
  slices: readonly R<EndpointSlice>[],
  opts: { title?: string; showSlice?: boolean } = {},
): TableView {
  const columns = [
    col("ip", "IP"),
    col("ports", "Port(s)"),
    col("ready", "Ready"),
    col("serving", "Serving"),
    col("terminating", "Terminating"),
    col("node", "Node"),
    col("pod", "Pod"),
  ];
  if (opts.showSlice) columns.push(col("slice", "Slice"));
  const rows: Record<string, Cell>[] = [];
  for (const s of slices) {
    const ports = (s.ports ?? [])
      .map((p) => `${p.port ?? "*"}/${p.protocol ?? "TCP"}${p.name ? ` (${p.name})` : ""}`)
      .join(",");
    for (const e of s.endpoints) {
      const ref = e.targetRef;
      const pod = ref?.name ? (ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name) : null;
      for (const ip of e.addresses) {
        rows.push({
          ip,
          ports: ports || NONE,
          ready: condition(e.conditions?.ready),
          serving: condition(e.conditions?.serving),
          terminating: condition(e.conditions?.terminating),
          node: e.nodeName ?? null,
          pod,
          slice: s.metadata.name ?? "",
        });
      }
    }
  }
  const table: Table = { columns, rows, empty: "No endpoints." };
  if (opts.title) table.title = opts.title;
  return new TableView(table);
}
