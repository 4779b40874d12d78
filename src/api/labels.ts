/**
 * Labels and selectors: validation of keys and values, and matching, as in k8s.io/apimachinery.
 *
 * @example
 * ```ts
 * matchesSelector({ matchLabels: { app: "web" } }, { app: "web", tier: "fe" }); // true
 * labelValueErrors("web_1");                                                  // []
 * ```
 */
import type { DeepReadonly, LabelSelector } from "./types";

const dns1123LabelRe = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1035LabelRe = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const dns1123SubdomainRe = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const qualifiedNameRe = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const labelValueRe = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

// The API server's messages, word for word, so learners can search for them.
export const dns1123LabelMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
export const dns1035LabelMsg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
export const dns1123SubdomainMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const qualifiedNameMsg =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const labelValueMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

/** Errors for an RFC 1123 label (namespace names, container names, port names). */
export function dns1123LabelErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push("must be no more than 63 characters");
  if (!dns1123LabelRe.test(v)) errs.push(dns1123LabelMsg);
  return errs;
}

/** Errors for an RFC 1035 label (Service names). */
export function dns1035LabelErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push("must be no more than 63 characters");
  if (!dns1035LabelRe.test(v)) errs.push(dns1035LabelMsg);
  return errs;
}

/** Errors for an RFC 1123 subdomain (most object names). */
export function dns1123SubdomainErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push("must be no more than 253 characters");
  if (!dns1123SubdomainRe.test(v)) errs.push(dns1123SubdomainMsg);
  return errs;
}

/** Errors for a label or annotation key: `[prefix/]name`. */
export function qualifiedNameErrors(key: string): string[] {
  const errs: string[] = [];
  const parts = key.split("/");
  let name = key;
  if (parts.length === 2) {
    const [prefix, n] = parts as [string, string];
    name = n;
    if (prefix.length === 0) errs.push("prefix part must be non-empty");
    else for (const e of dns1123SubdomainErrors(prefix)) errs.push("prefix part " + e);
  } else if (parts.length > 2) {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push("name part must be non-empty");
  else if (name.length > 63) errs.push("name part must be no more than 63 characters");
  if (name.length > 0 && !qualifiedNameRe.test(name)) errs.push(qualifiedNameMsg);
  return errs;
}

/** Errors for a label value. */
export function labelValueErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push("must be no more than 63 characters");
  if (!labelValueRe.test(v)) errs.push(labelValueMsg);
  return errs;
}

/** Does a map of labels satisfy an equality selector (a Service's `spec.selector`)? */
export function matchesLabels(
  selector: DeepReadonly<Record<string, string>> | undefined,
  labels: DeepReadonly<Record<string, string>> | undefined,
): boolean {
  if (!selector) return false;
  for (const k in selector) if (labels?.[k] !== selector[k]) return false;
  return true;
}

/**
 * Does a LabelSelector (matchLabels + matchExpressions) select these labels?
 * An empty selector selects everything, as in the API.
 */
export function matchesSelector(
  sel: DeepReadonly<LabelSelector> | undefined,
  labels: DeepReadonly<Record<string, string>> | undefined,
): boolean {
  if (!sel) return false;
  const l = labels ?? {};
  for (const k in sel.matchLabels ?? {}) if (l[k] !== sel.matchLabels![k]) return false;
  for (const r of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const vals = r.values ?? [];
    switch (r.operator) {
      case "In":
        if (!has || !vals.includes(l[r.key]!)) return false;
        break;
      case "NotIn":
        if (has && vals.includes(l[r.key]!)) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
    }
  }
  return true;
}

/** `app=web,tier=fe`: a selector as kubectl prints it. */
export function formatSelector(sel: DeepReadonly<Record<string, string>> | undefined): string {
  if (!sel || Object.keys(sel).length === 0) return "<none>";
  return Object.keys(sel)
    .sort()
    .map((k) => `${k}=${sel[k]}`)
    .join(",");
}
