/**
 * Field errors and the API server's "is invalid" error, worded like kubectl prints them.
 *
 * @example
 * ```ts
 * const e = invalid(path("spec", "ports", 0, "port"), 70000, "must be between 1 and 65535");
 * formatFieldError(e); // 'spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535'
 * ```
 */

/** A map key in a path (labels, annotations): printed `labels[app]`, like field.Path.Key. */
export interface MapKey {
  key: string;
}

/** A path into an object: field names, list indexes and map keys, e.g. `["spec", "ports", 0, "port"]`. */
export type FieldPath = readonly (string | number | MapKey)[];

export function path(...segs: (string | number | MapKey)[]): FieldPath {
  return segs;
}

/** `spec.ports[0].port`, as field.Path.String() prints it. */
export function formatPath(p: FieldPath): string {
  let s = "";
  for (const seg of p) {
    if (typeof seg === "object") s += `[${seg.key}]`;
    else if (typeof seg === "number") s += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(seg)) s += s ? `.${seg}` : seg;
    else s += `[${seg}]`;
  }
  return s;
}

export type FieldErrorType =
  | "Invalid value"
  | "Required value"
  | "Unsupported value"
  | "Duplicate value"
  | "Forbidden"
  | "Too many"
  | "Too long"
  | "Not found"
  /** A field the schema does not have (strict field validation, the default since 1.27). */
  | "Unknown field";

/** Where in the input an error points: document number (1-based), line and column (1-based). */
export interface SourceLocation {
  file?: string;
  document?: number;
  line?: number;
  column?: number;
}

export interface FieldError {
  type: FieldErrorType;
  field: FieldPath;
  /** The offending value, shown for Invalid/Unsupported/Duplicate. */
  value?: unknown;
  detail?: string;
  location?: SourceLocation;
}

export const invalid = (field: FieldPath, value: unknown, detail: string): FieldError => ({ type: "Invalid value", field, value, detail });
export const required = (field: FieldPath, detail?: string): FieldError => ({ type: "Required value", field, ...(detail ? { detail } : {}) });
export const forbidden = (field: FieldPath, detail: string): FieldError => ({ type: "Forbidden", field, detail });
export const duplicate = (field: FieldPath, value: unknown): FieldError => ({ type: "Duplicate value", field, value });
export const notSupported = (field: FieldPath, value: unknown, supported: readonly string[]): FieldError => ({
  type: "Unsupported value",
  field,
  value,
  detail: "supported values: " + supported.map((s) => JSON.stringify(s)).join(", "),
});

/** A value as the API server quotes it: strings in quotes, numbers bare, objects as JSON. */
export function formatValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v === null || v === undefined) return "null";
  return JSON.stringify(v);
}

export function formatLocation(l: SourceLocation | undefined): string {
  if (!l) return "";
  const parts: string[] = [];
  if (l.document !== undefined) parts.push(`document ${l.document}`);
  if (l.line !== undefined) parts.push(`line ${l.line}`);
  if (l.column !== undefined && l.line === undefined) parts.push(`column ${l.column}`);
  if (parts.length === 0 && !l.file) return "";
  return l.file ? ` (${l.file}${parts.length ? ", " + parts.join(", ") : ""})` : ` (${parts.join(", ")})`;
}

/** One error as kubectl prints it, with its location appended. */
export function formatFieldError(e: FieldError): string {
  if (e.type === "Unknown field") return `unknown field "${formatPath(e.field)}"` + formatLocation(e.location);
  let s = `${formatPath(e.field)}: ${e.type}`;
  if (e.type === "Invalid value" || e.type === "Unsupported value" || e.type === "Duplicate value") s += `: ${formatValue(e.value)}`;
  if (e.detail) s += `: ${e.detail}`;
  return s + formatLocation(e.location);
}

/** The errors of one object: `Service "bad" is invalid: …`. */
export interface ObjectErrors {
  /** e.g. `Service "bad"` */
  object: string;
  errors: FieldError[];
}

/** `Service "bad" is invalid: <e>` or `… is invalid: [<e1>, <e2>]`, as the API server words it. */
export function formatObjectErrors(o: ObjectErrors): string {
  const items = o.errors.map(formatFieldError);
  return `${o.object} is invalid: ${items.length === 1 ? items[0] : `[${items.join(", ")}]`}`;
}

/**
 * Thrown by `apply` when any document is invalid; nothing was written.
 * `message` has one line per invalid object.
 */
export class ApplyError extends Error {
  constructor(
    readonly objects: readonly ObjectErrors[],
    readonly other: readonly string[] = [],
  ) {
    super([...other, ...objects.map(formatObjectErrors)].join("\n"));
    this.name = "ApplyError";
  }

  /** Every field error, flattened. */
  get fieldErrors(): FieldError[] {
    return this.objects.flatMap((o) => o.errors);
  }
}

/** The API server's "not found" error, e.g. `pods "x" not found`. */
export class NotFoundError extends Error {
  constructor(resource: string, name: string, namespace?: string) {
    super(`${resource} "${name}" not found${namespace ? ` in namespace "${namespace}"` : ""}`);
    this.name = "NotFoundError";
  }
}
