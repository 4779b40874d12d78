/**
 * A topology picture: Services on the left, nodes with their pods on the right, and an edge from
 * each Service to the pods its EndpointSlices list (solid when ready, dashed when not).
 */
import type { DeepReadonly, EndpointSlice, Node, Pod, Service } from "../api/types";
import type { SvgBundle } from "./bundle";
import { escapeAttr, escapeText } from "./escape";
// kubectl's PORT(S) cell, so the picture names ports as `kubectl get svc` does.
import { servicePortsColumn } from "../kubectl/printers/columns";

export interface TopologyInput {
  nodes: readonly DeepReadonly<Node>[];
  pods: readonly DeepReadonly<Pod>[];
  services: readonly DeepReadonly<Service>[];
  endpointSlices: readonly DeepReadonly<EndpointSlice>[];
}

const FONT = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace";
const CHAR_W = 6.7;
const POD_H = 20;

function num(x: number): string {
  return String(Math.round(x * 10) / 10);
}

function key(ns: string | undefined, name: string | undefined): string {
  return `${ns ?? "default"}/${name ?? ""}`;
}

/**
 * The topology as SVG plus a text outline.
 *
 * @example
 * ```ts
 * topologyBundle({ nodes, pods, services, endpointSlices });
 * ```
 */
export function topologyBundle(input: TopologyInput): SvgBundle {
  const nodeNames = input.nodes.map((n) => n.metadata.name ?? "");
  const podsByNode = new Map<string, DeepReadonly<Pod>[]>(nodeNames.map((n) => [n, []]));
  const unscheduled: DeepReadonly<Pod>[] = [];
  for (const p of input.pods) {
    const n = p.spec.nodeName;
    if (n && podsByNode.has(n)) podsByNode.get(n)!.push(p);
    else if (n) podsByNode.set(n, [p]);
    else unscheduled.push(p);
  }
  if (unscheduled.length) podsByNode.set("(unscheduled)", unscheduled);

  // Layout: node boxes stacked on the right, services spread on the left.
  const svcW = Math.max(160, ...input.services.map((s) => Math.min(40, (s.metadata.name ?? "").length + 2) * CHAR_W + 20));
  const podX = svcW + 140;
  const podW = Math.max(
    220,
    ...input.pods.map((p) => Math.min(48, (p.metadata.name ?? "").length + (p.status?.podIP ?? "").length + 3) * CHAR_W + 24),
  );
  const podPos = new Map<string, { y: number; ip: string }>();
  const out: string[] = [];
  let y = 16;
  const nodeBoxes: string[] = [];
  for (const [nodeName, pods] of podsByNode) {
    const h = 26 + Math.max(1, pods.length) * POD_H + 8;
    const node = input.nodes.find((n) => n.metadata.name === nodeName);
    const ip = node?.status?.addresses?.find((a) => a.type === "InternalIP")?.address ?? "";
    nodeBoxes.push(
      `<g class="node" data-node="${escapeAttr(nodeName)}"><rect x="${num(podX - 10)}" y="${num(y)}" width="${num(podW + 20)}" ` +
        `height="${num(h)}" rx="6" fill="#f1f3f5" stroke="#868e96"/><text x="${num(podX)}" y="${num(y + 17)}" font-weight="bold" ` +
        `fill="#212529">${escapeText(nodeName)}${ip ? ` <tspan fill="#868e96" font-weight="normal">${escapeText(ip)}</tspan>` : ""}</text>`,
    );
    pods.forEach((p, i) => {
      const py = y + 26 + i * POD_H;
      const podIP = p.status?.podIP ?? "";
      podPos.set(key(p.metadata.namespace, p.metadata.name), { y: py + POD_H / 2, ip: podIP });
      const ready = p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ??
        (p.status?.containerStatuses ?? []).every((c) => c.ready);
      nodeBoxes.push(
        `<g class="pod" data-pod="${escapeAttr(key(p.metadata.namespace, p.metadata.name))}"><rect x="${num(podX)}" y="${num(py + 2)}" ` +
          `width="${num(podW)}" height="${POD_H - 4}" rx="3" fill="${ready ? "#d3f9d8" : "#ffe3e3"}" stroke="${ready ? "#2b8a3e" : "#c92a2a"}"/>` +
          `<text x="${num(podX + 6)}" y="${num(py + POD_H / 2 + 4)}" fill="#212529">${escapeText(p.metadata.name ?? "")}` +
          `<tspan fill="#495057"> ${escapeText(podIP)}</tspan></text></g>`,
      );
    });
    nodeBoxes.push("</g>");
    y += h + 12;
  }
  const height = Math.max(y, 16 + input.services.length * 56) + 8;
  const svcStep = input.services.length ? (height - 16) / input.services.length : 0;
  const svcBoxes: string[] = [];
  const edges: string[] = [];
  const text: string[] = [];
  input.services.forEach((s, i) => {
    const sy = 16 + i * svcStep + svcStep / 2 - 22;
    const name = s.metadata.name ?? "";
    const ns = s.metadata.namespace ?? "default";
    svcBoxes.push(
      `<g class="service" data-service="${escapeAttr(key(ns, name))}"><rect x="10" y="${num(sy)}" width="${num(svcW)}" height="44" rx="6" ` +
        `fill="#e7f5ff" stroke="#1c6fb5"/><text x="18" y="${num(sy + 17)}" font-weight="bold" fill="#212529">${escapeText(name)}</text>` +
        `<text x="18" y="${num(sy + 34)}" fill="#495057">${escapeText(`${s.spec.clusterIP ?? ""} ${servicePortsColumn(s.spec.ports)}`)}</text></g>`,
    );
    const slices = input.endpointSlices.filter(
      (e) => (e.metadata.namespace ?? "default") === ns && e.metadata.labels?.["kubernetes.io/service-name"] === name,
    );
    const targets: string[] = [];
    for (const sl of slices) {
      for (const ep of sl.endpoints) {
        const ref = ep.targetRef?.name ? key(ep.targetRef.namespace ?? ns, ep.targetRef.name) : null;
        const pos = ref ? podPos.get(ref) : undefined;
        if (!pos) continue;
        const ready = ep.conditions?.ready !== false;
        const x1 = 10 + svcW;
        const y1 = sy + 22;
        const x2 = podX;
        edges.push(
          `<path class="edge" data-service="${escapeAttr(key(ns, name))}" data-pod="${escapeAttr(ref!)}" ` +
            `d="M${num(x1)},${num(y1)}C${num(x1 + 70)},${num(y1)} ${num(x2 - 70)},${num(pos.y)} ${num(x2)},${num(pos.y)}" fill="none" ` +
            `stroke="${ready ? "#1c6fb5" : "#c92a2a"}" stroke-width="1.3"${ready ? "" : ` stroke-dasharray="4 3"`}/>`,
        );
        targets.push(`${ref}${ready ? "" : " (not ready)"}`);
      }
    }
    text.push(`service ${key(ns, name)} ${s.spec.clusterIP ?? ""} -> ${targets.length ? targets.join(", ") : "(no endpoints)"}`);
  });
  for (const [nodeName, pods] of podsByNode) {
    text.push(`node ${nodeName}: ${pods.map((p) => `${p.metadata.name ?? ""} ${p.status?.podIP ?? ""}`.trim()).join(", ") || "(no pods)"}`);
  }
  const width = Math.ceil(podX + podW + 20);
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="kubelab-topology" width="${width}" height="${Math.ceil(height)}" ` +
      `viewBox="0 0 ${width} ${Math.ceil(height)}" font-family="${escapeAttr(FONT)}" font-size="11">` +
      `<rect class="background" x="0" y="0" width="${width}" height="${Math.ceil(height)}" fill="#ffffff"/>`,
    ...nodeBoxes,
    ...edges,
    ...svcBoxes,
    "</svg>",
  );
  return { "image/svg+xml": out.join(""), "text/plain": text.join("\n") };
}
