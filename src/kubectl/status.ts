/**
 * metav1.Status errors, as kube-apiserver returns them and kubectl prints them
 * (`Error from server (NotFound): pods "nope" not found`, `The Pod "x" is invalid: …`).
 *
 * @example
 * ```ts
 * const e = notFound("pods", "", "nope");
 * kubectlErrorText(e.status); // 'Error from server (NotFound): pods "nope" not found'
 * ```
 */
import { type FieldError, type FieldPath, formatPath, formatValue } from "../api/errors";

/** metav1.StatusCause */
export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

/** metav1.Status (a failure). */
export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure";
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[] };
  code: number;
}

/** An API request that failed; `status` is what the server sends. */
export class StatusError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
    this.name = "StatusError";
  }
}

function status(code: number, reason: string, message: string, details?: Status["details"]): StatusError {
  return new StatusError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, ...(details ? { details } : {}), code });
}

/** `pods "x"`, `deployments.apps "x"`: how the server names a resource in messages. */
function qualified(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

export function notFound(resource: string, group: string, name: string): StatusError {
  return status(404, "NotFound", `${qualified(resource, group)} "${name}" not found`, { name, ...(group ? { group } : {}), kind: resource });
}

export function alreadyExists(resource: string, group: string, name: string): StatusError {
  return status(409, "AlreadyExists", `${qualified(resource, group)} "${name}" already exists`, { name, ...(group ? { group } : {}), kind: resource });
}

export function conflict(resource: string, group: string, name: string): StatusError {
  return status(409, "Conflict", `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, {
    name,
    ...(group ? { group } : {}),
    kind: resource,
  });
}

export function badRequest(message: string): StatusError {
  return status(400, "BadRequest", message);
}

export function methodNotAllowed(message: string): StatusError {
  return status(405, "MethodNotAllowed", message);
}

export function unsupportedMediaType(contentType: string): StatusError {
  return status(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got ${contentType})`);
}

const CAUSE_REASON: Record<string, string> = {
  "Invalid value": "FieldValueInvalid",
  "Required value": "FieldValueRequired",
  "Duplicate value": "FieldValueDuplicate",
  "Unsupported value": "FieldValueNotSupported",
  Forbidden: "FieldValueForbidden",
  "Not found": "FieldValueNotFound",
  "Too long": "FieldValueTooLong",
  "Too many": "FieldValueTooMany",
  "Internal error": "InternalError",
  "Unknown field": "FieldValueTypeInvalid",
};

/** field.Error's ErrorBody: the message without the field (`Invalid value: -1: must be …`). */
export function errorBody(e: FieldError): string {
  let s: string = e.type;
  if (e.type === "Invalid value" || e.type === "Unsupported value" || e.type === "Duplicate value") s += `: ${formatValue(e.value)}`;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

/**
 * 422 Invalid, from admission's field errors.
 *
 * @example
 * ```ts
 * invalidObject("Deployment", "apps", "web", [invalid(["spec", "replicas"], -1, "must be greater than or equal to 0")]);
 * ```
 */
export function invalidObject(kind: string, group: string, name: string, errs: readonly FieldError[]): StatusError {
  const causes = errs.map((e) => ({ reason: CAUSE_REASON[e.type] ?? "FieldValueInvalid", message: errorBody(e), field: formatPath(e.field as FieldPath) }));
  const items = errs.map((e) => `${formatPath(e.field as FieldPath)}: ${errorBody(e)}`);
  const message = `${qualified(kind, group)} "${name}" is invalid: ${items.length === 1 ? items[0] : `[${items.join(", ")}]`}`;
  return status(422, "Invalid", message, { name, ...(group ? { group } : {}), kind, causes });
}

/**
 * What kubectl prints for a failed request (cmdutil.CheckErr): the invalid-object form with one
 * line per cause, or `Error from server (Reason): message`.
 */
export function kubectlErrorText(s: Status): string {
  if (s.reason === "Invalid" && s.details) {
    const d = s.details;
    let head = "The request is invalid";
    if (d.kind || d.name) head = `The ${d.kind ?? ""} "${d.name ?? ""}" is invalid`;
    const causes = (d.causes ?? []).map((c) => `${c.field}: ${c.message}`);
    if (causes.length === 0) return head;
    if (causes.length === 1) return `${head}: ${causes[0]}`;
    return `${head}: \n${causes.map((c) => `* ${c}`).join("\n")}`;
  }
  if (s.reason) return `Error from server (${s.reason}): ${s.message}`;
  return `Error from server: ${s.message}`;
}
