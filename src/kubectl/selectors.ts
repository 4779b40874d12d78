/**
 * Label and field selectors as the API takes them in `?labelSelector=` and `?fieldSelector=`
 * (`kubectl get -l app=web,tier!=db`, `--field-selector metadata.name=web`).
 *
 * @example
 * ```ts
 * const sel = parseLabelSelector("app=web,env in (prod,staging),!canary");
 * sel({ app: "web", env: "prod" }); // true
 * ```
 */
import { badRequest } from "./status";

/** A compiled selector: does an object's label map match? */
export type LabelMatcher = (labels: Readonly<Record<string, string>> | undefined) => boolean;

/**
 * Parse a label selector string (labels.Parse): `k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`,
 * `k notin (a,b)`, comma-separated. An empty string selects everything.
 */
export function parseLabelSelector(s: string): LabelMatcher {
  const reqs: LabelMatcher[] = [];
  let rest = s.trim();
  while (rest) {
    let m: RegExpMatchArray | null;
    if ((m = rest.match(/^([A-Za-z0-9._/-]+)\s+(in|notin)\s+\(([^)]*)\)\s*(,|$)/))) {
      const [, key, op, list] = m;
      const values = list!.split(",").map((v) => v.trim()).filter((v) => v !== "");
      reqs.push(op === "in" ? (l) => l?.[key!] !== undefined && values.includes(l[key!]!) : (l) => l?.[key!] === undefined || !values.includes(l[key!]!));
    } else if ((m = rest.match(/^([A-Za-z0-9._/-]+)\s*(==|=|!=)\s*([A-Za-z0-9._-]*)\s*(,|$)/))) {
      const [, key, op, value] = m;
      reqs.push(op === "!=" ? (l) => l?.[key!] !== value : (l) => l?.[key!] === value);
    } else if ((m = rest.match(/^!\s*([A-Za-z0-9._/-]+)\s*(,|$)/))) {
      const key = m[1]!;
      reqs.push((l) => l?.[key] === undefined);
    } else if ((m = rest.match(/^([A-Za-z0-9._/-]+)\s*(,|$)/))) {
      const key = m[1]!;
      reqs.push((l) => l?.[key] !== undefined);
    } else {
      throw badRequest(`unable to parse requirement: found '${rest}', expected: in, notin, =, ==, !=, gt, lt`);
    }
    rest = rest.slice(m[0].length).trim();
  }
  return (labels) => reqs.every((r) => r(labels));
}

/** A compiled field selector over an object. */
export type FieldMatcher = (obj: object) => boolean;

/** Parse a field selector (`metadata.name=web,spec.nodeName!=node-1`); values compare as strings. */
export function parseFieldSelector(s: string): FieldMatcher {
  const reqs: FieldMatcher[] = [];
  for (const part of s.split(",").map((p) => p.trim()).filter(Boolean)) {
    const m = part.match(/^([A-Za-z0-9._]+)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    const [, field, op, value] = m;
    const path = field!.split(".");
    const get = (o: object): string => {
      let v: unknown = o;
      for (const p of path) v = v && typeof v === "object" ? (v as Record<string, unknown>)[p] : undefined;
      return v === undefined || v === null ? "" : String(v);
    };
    reqs.push(op === "!=" ? (o) => get(o) !== value : (o) => get(o) === value);
  }
  return (o) => reqs.every((r) => r(o));
}
