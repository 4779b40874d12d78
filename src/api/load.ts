/**
 * Loading manifests: multi-document YAML text, files, or objects → documents that remember where
 * each field came from, so validation errors can name the document and line.
 *
 * @example
 * ```ts
 * const docs = loadManifests("kind: Service\napiVersion: v1\nmetadata: {name: web}\n");
 * docs[0].object.kind;                  // "Service"
 * docs[0].locate(["metadata", "name"]); // { document: 1, line: 3, column: 17 }
 * ```
 */
import { LineCounter, parseAllDocuments, isMap, isSeq, isScalar, type Node as YamlNode } from "yaml";
import type { FieldPath, SourceLocation } from "./errors";
import { readManifestFile } from "../platform/files";
export { packageRoot, resolveManifestPath } from "../platform/files";

/** One manifest document, with a way back to its source lines. */
export interface SourceDocument {
  /** The parsed object (plain JSON data; not yet validated). */
  object: Record<string, unknown>;
  /** 1-based position among the input's documents. */
  index: number;
  file?: string;
  /** Where a field is in the source; falls back to the nearest enclosing field that exists. */
  locate(path: FieldPath): SourceLocation;
}

/**
 * A syntax error in YAML, with its line and column, and the YAML text itself (so the kernel can show
 * the line inside the cell that holds the text, with a caret under the mistake).
 */
export class ManifestSyntaxError extends Error {
  constructor(
    message: string,
    readonly location: SourceLocation,
    readonly source: string,
  ) {
    super(message);
    this.name = "ManifestSyntaxError";
  }
}

/**
 * Does this string name a manifest file rather than hold YAML? A single line ending in .yaml,
 * .yml or .json is a path.
 */
export function looksLikePath(s: string): boolean {
  return !s.includes("\n") && /\.(ya?ml|json)$/i.test(s.trim());
}

/** Parse multi-document YAML (or JSON) text. Throws {@link ManifestSyntaxError} on malformed input. */
export function loadManifests(text: string, file?: string): SourceDocument[] {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const out: SourceDocument[] = [];
  let index = 0;
  for (const doc of docs) {
    index++;
    const err = doc.errors[0];
    if (err) {
      const pos = { ...lc.linePos(err.pos[0]) };
      // yaml reports a bad indent at column 1: point at the line's first character instead.
      const lineText = text.split("\n")[pos.line - 1] ?? "";
      const indent = /^ */.exec(lineText)![0].length;
      if (pos.col <= indent && indent < lineText.length) pos.col = indent + 1;
      const where: SourceLocation = { ...(file ? { file } : {}), document: index, line: pos.line, column: pos.col };
      const msg = err.message.split("\n")[0]!.replace(/ at line \d+, column \d+.*$/, "");
      throw new ManifestSyntaxError(
        `error parsing YAML${file ? ` in ${file}` : ""}: document ${index}, line ${pos.line}, column ${pos.col}: ${msg}`,
        where,
        text,
      );
    }
    if (doc.contents === null) {
      index--; // an empty document (e.g. a leading or trailing ---) does not count, as in kubectl
      continue;
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    const docIndex = index;
    const where = (n: YamlNode | null | undefined): SourceLocation => {
      const base: SourceLocation = { ...(file ? { file } : {}), document: docIndex };
      if (!n?.range) return base;
      const p = lc.linePos(n.range[0]);
      return { ...base, line: p.line, column: p.col };
    };
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new ManifestSyntaxError(
        `error parsing YAML${file ? ` in ${file}` : ""}: document ${index}: expected an object with apiVersion and kind`,
        where(doc.contents as YamlNode),
        text,
      );
    }
    out.push({
      object: value as Record<string, unknown>,
      index: docIndex,
      ...(file ? { file } : {}),
      locate(p: FieldPath): SourceLocation {
        // Walk as deep as the path exists; errors about missing fields point at their parent.
        let node = doc.contents as YamlNode | null;
        let best = node;
        for (const s of p) {
          const seg = typeof s === "object" ? s.key : s;
          if (isMap(node)) {
            const pair = node.items.find((it) => isScalar(it.key) && String(it.key.value) === String(seg));
            if (!pair) break;
            node = (pair.value as YamlNode | null) ?? (pair.key as YamlNode);
            best = pair.value ? (pair.value as YamlNode) : (pair.key as YamlNode);
            // Point at the key for scalars so the line is the field's own line.
            if (isScalar(pair.value) || pair.value === null) best = pair.key as YamlNode;
          } else if (isSeq(node) && typeof seg === "number") {
            const item = node.items[seg] as YamlNode | undefined;
            if (!item) break;
            node = item;
            best = item;
          } else break;
        }
        return where(best);
      },
    });
  }
  return out;
}

/** Read a manifest file (YAML or JSON) into documents. */
export function loadManifestFile(p: string): SourceDocument[] {
  const { text, shown } = readManifestFile(p);
  return loadManifests(text, shown);
}

/** Wrap in-memory objects as documents without source lines. */
export function objectDocuments(objs: readonly object[]): SourceDocument[] {
  return objs.map((o, i) => ({
    object: structuredClone(o) as Record<string, unknown>,
    index: i + 1,
    locate: () => ({ document: i + 1 }),
  }));
}
