/**
 * kubectl's `-o` printers other than tables: `yaml`, `json`, `name` and `jsonpath`.
 *
 * YAML is written the way kubectl's sigs.k8s.io/yaml does from the server's JSON: keys sorted,
 * list items flush with their key, strings quoted only where YAML 1.1 would read them otherwise.
 *
 * @example
 * ```ts
 * toYAML({ kind: "Pod", apiVersion: "v1" }); // "apiVersion: v1\nkind: Pod\n"
 * jsonpath("{.metadata.name}", pod); // "web-x2x7q"
 * ```
 */
import { stringify } from "yaml";

/** Go's json.MarshalIndent with kubectl's four-space indent and a trailing newline. */
export function toJSON(v: unknown): string {
  return JSON.stringify(v, null, 4) + "\n";
}

/** YAML as kubectl prints it. */
export function toYAML(v: unknown): string {
  return stringify(v, { sortMapEntries: true, indentSeq: false, lineWidth: 0, version: "1.1", aliasDuplicateObjects: false, nullStr: "null" });
}

/** A list of objects as kubectl wraps them for `-o yaml|json` (clients before 1.21 also print an empty selfLink). */
export function listOf(items: readonly unknown[], clientMinor = 32): Record<string, unknown> {
  return { apiVersion: "v1", items, kind: "List", metadata: { resourceVersion: "", ...(clientMinor <= 20 ? { selfLink: "" } : {}) } };
}

/**
 * A JSONPath template as kubectl evaluates it (k8s.io/client-go/util/jsonpath), for the common
 * forms: `{.a.b}`, `{.items[*].metadata.name}`, `{.items[0]}`, `{range .items[*]}…{end}`, string
 * literals `{"\n"}`, and text outside braces. Several results of one expression are space-separated.
 */
export function jsonpath(template: string, data: unknown): string {
  const tokens: { text?: string; expr?: string }[] = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf("{", i);
    if (open < 0) {
      tokens.push({ text: template.slice(i) });
      break;
    }
    if (open > i) tokens.push({ text: template.slice(i, open) });
    const close = template.indexOf("}", open);
    if (close < 0) throw new Error(`error parsing jsonpath ${template}, unclosed action`);
    tokens.push({ expr: template.slice(open + 1, close).trim() });
    i = close + 1;
  }
  const run = (toks: typeof tokens, ctx: unknown): string => {
    let out = "";
    for (let k = 0; k < toks.length; k++) {
      const t = toks[k]!;
      if (t.text !== undefined) out += t.text;
      else if (t.expr!.startsWith("range ")) {
        let depth = 1;
        let end = k + 1;
        for (; end < toks.length; end++) {
          const e = toks[end]!.expr;
          if (e?.startsWith("range ")) depth++;
          else if (e === "end" && --depth === 0) break;
        }
        for (const item of evaluate(t.expr!.slice(6).trim(), ctx)) out += run(toks.slice(k + 1, end), item);
        k = end;
      } else if (/^".*"$/.test(t.expr!)) out += JSON.parse(t.expr!) as string;
      else out += evaluate(t.expr!, ctx).map(show).join(" ");
    }
    return out;
  };
  return run(tokens, data);
}

function show(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === undefined) return "";
  return JSON.stringify(v);
}

function evaluate(expr: string, root: unknown): unknown[] {
  let cur: unknown[] = [root];
  const re = /\.([A-Za-z0-9_\-/]+)|\[(\*|-?\d+|'[^']*')\]|\.\.?(\*)/g;
  let e = expr.trim();
  if (e.startsWith("$")) e = e.slice(1);
  let m: RegExpExecArray | null;
  while ((m = re.exec(e))) {
    const next: unknown[] = [];
    for (const c of cur) {
      if (m[1] !== undefined || (m[2] && m[2].startsWith("'"))) {
        const key = m[1] ?? m[2]!.slice(1, -1);
        if (c && typeof c === "object" && key in (c as object)) next.push((c as Record<string, unknown>)[key]);
      } else if (m[2] === "*" || m[3] === "*") {
        if (Array.isArray(c)) next.push(...c);
        else if (c && typeof c === "object") next.push(...Object.values(c));
      } else if (m[2] !== undefined) {
        const n = Number(m[2]);
        if (Array.isArray(c)) {
          const v = c[n < 0 ? c.length + n : n];
          if (v !== undefined) next.push(v);
        }
      }
    }
    cur = next;
  }
  return cur;
}
