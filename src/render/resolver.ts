/**
 * The stub resolver's search-list walk as a picture: the pod's resolv.conf, why the name goes
 * through the search domains first or last (ndots), then every query it sends in order with its
 * answer — NXDOMAIN, NODATA (NOERROR without records) or the addresses — and where the walk stops.
 */
import type { SvgBundle } from "./bundle";
import { flowBundle, type FlowModel, type FlowStep, type Tone } from "./flow";

/** One query the resolver sent. */
export interface ResolverQueryView {
  /** 1-based candidate name (A and AAAA of one candidate share it). */
  step: number;
  name: string;
  type: string;
  rcode: string;
  /** Answer records in presentation form (`10.96.0.12`, `CNAME target`). */
  answers: readonly string[];
}

/** What the picture needs from `cluster.dns.resolve(...)`. */
export interface ResolverWalkView {
  name: string;
  from: string;
  search: readonly string[];
  nameservers: readonly string[];
  options: readonly string[];
  queries: readonly ResolverQueryView[];
  /** The addresses found; undefined when the name did not resolve. */
  addresses?: readonly string[];
  error?: string;
}

function ndotsOf(options: readonly string[]): number {
  for (const o of options) if (o.startsWith("ndots:")) return Math.min(15, Number(o.slice(6)) || 0);
  return 1;
}

/**
 * Why the resolver tries the names in the order it does (glibc's rule).
 *
 * @example
 * ```ts
 * searchOrder("hello-world", 5); // "“hello-world” has 0 dots, fewer than ndots:5: the search domains first, then the name as given"
 * ```
 */
export function searchOrder(name: string, ndots: number): string {
  if (name.endsWith(".")) return `“${name}” ends with a dot: absolute, asked as is — no search domains`;
  const dots = name.split(".").length - 1;
  return dots >= ndots
    ? `“${name}” has ${dots} dot${dots === 1 ? "" : "s"}, at least ndots:${ndots}: the name as given first, then the search domains`
    : `“${name}” has ${dots} dot${dots === 1 ? "" : "s"}, fewer than ndots:${ndots}: the search domains first, then the name as given`;
}

function outcome(q: ResolverQueryView): { text: string; tone: Tone } {
  if (q.rcode === "NOERROR" && q.answers.length) return { text: `NOERROR → ${q.answers.join(", ")}`, tone: "ok" };
  if (q.rcode === "NOERROR") return { text: "NOERROR, no records (NODATA): the name exists, not this type", tone: "muted" };
  if (q.rcode === "NXDOMAIN") return { text: "NXDOMAIN: no such name", tone: "bad" };
  return { text: q.rcode, tone: "bad" };
}

/**
 * The walk as a flow model.
 *
 * @example
 * ```ts
 * resolverModel({ name: "web", from: "pod/client", search: ["default.svc.cluster.local"], nameservers: ["10.96.0.10"], options: ["ndots:5"], queries: [], addresses: [] });
 * ```
 */
export function resolverModel(w: ResolverWalkView): FlowModel {
  const ndots = ndotsOf(w.options);
  const conf: FlowStep[] = [
    { tag: "search", pills: w.search.map((d) => ({ text: d, tone: "plain" as Tone })), ...(w.search.length ? {} : { text: "(none)" }) },
    { tag: "nameserver", text: w.nameservers.join(", ") || "(none)" },
    { tag: "options", text: w.options.join(" ") || "(none)" },
    { tag: "order", tone: "jump", text: searchOrder(w.name, ndots) },
  ];
  const steps: FlowStep[] = w.queries.map((q) => {
    const o = outcome(q);
    return { tag: `#${q.step} ${q.type}`, tone: o.tone, pills: [{ text: q.name, tone: o.tone === "ok" ? "ok" : o.tone === "bad" ? "bad" : "plain" }], text: o.text };
  });
  const found = w.addresses !== undefined;
  const candidates = new Set(w.queries.map((q) => q.step)).size;
  return {
    kind: "kubelab-resolver",
    title: `${w.from} resolves “${w.name}”`,
    subtitle: `${w.queries.length} quer${w.queries.length === 1 ? "y" : "ies"} for ${candidates} candidate name${candidates === 1 ? "" : "s"}`,
    sections: [
      { title: "/etc/resolv.conf", subtitle: `in ${w.from}`, steps: conf },
      { title: `queries to ${w.nameservers[0] ?? "the nameserver"}`, subtitle: "in the order the resolver sends them", steps: steps.length ? steps : [{ tag: "—", text: "no query sent" }], via: "getaddrinfo" },
    ],
    footer: found
      ? { text: `→ ${w.addresses!.join(", ") || "(no address)"}`, tone: "ok" }
      : { text: `→ not found${w.error ? ` (${w.error})` : ""}`, tone: "bad" },
  };
}

/**
 * The walk as an SVG picture plus text.
 *
 * @example
 * ```ts
 * resolverBundle(view)["image/svg+xml"];
 * ```
 */
export function resolverBundle(w: ResolverWalkView, text?: string): SvgBundle {
  const b = flowBundle(resolverModel(w));
  return text === undefined ? b : { ...b, "text/plain": text };
}
