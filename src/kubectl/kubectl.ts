/**
 * kubectl in a cell: a command line in, what kubectl prints out — through the same REST layer
 * `kubelab serve` gives a real kubectl, with the same server-side Tables and Status errors.
 * An error is printed as kubectl prints it (exit code 1), and a failed command changes nothing.
 *
 * @example
 * ```ts
 * cluster.kubectl("create deployment hello-world --image=nginx --replicas=3");
 * // deployment.apps/hello-world created
 * cluster.kubectl`get pods -o wide`;
 * ```
 */
import { JUPYTER_DISPLAY, type MimeBundle } from "../render/bundle";
import { preBundle, type TableView } from "../render/table";
import { escapeText } from "../render/escape";
import { apply } from "./cmd/apply";
import { type CommandContext, CommandError, type Flags, type KubectlHost } from "./cmd/context";
import { create, expose } from "./cmd/create";
import { describe } from "./cmd/describe";
import { events } from "./cmd/events";
import { get } from "./cmd/get";
import { logs } from "./cmd/logs";
import { del, labelOrAnnotate, scale, setImage } from "./cmd/mutate";
import { rollout } from "./cmd/rollout";
import { StatusError, kubectlErrorText } from "./status";

/** What one kubectl command printed. */
export class KubectlOutput {
  constructor(
    readonly command: string,
    /** Standard output (no trailing newline). */
    readonly stdout: string,
    /** Standard error (no trailing newline). */
    readonly stderr: string,
    readonly exitCode: number,
    /** For `get` of one kind: the table, shown as HTML in a notebook. */
    readonly table?: TableView,
  ) {}

  /** What a terminal shows: stdout, then stderr. */
  toString(): string {
    return [this.stdout, this.stderr].filter((s) => s !== "").join("\n");
  }

  [JUPYTER_DISPLAY](): MimeBundle {
    if (this.table && !this.stderr) return { ...this.table.bundle(), "text/plain": this.toString() };
    const b = preBundle(this.toString(), `$ kubectl ${this.command}`);
    if (this.exitCode !== 0) b["text/html"] = b["text/html"].replace("<pre ", `<pre data-exit-code="${escapeText(String(this.exitCode))}" `);
    return { ...b, "text/plain": this.toString() };
  }
}

/** Flags that take no value. */
const BOOLEAN_FLAGS = new Set([
  "all-namespaces",
  "watch",
  "watch-only",
  "show-labels",
  "overwrite",
  "all",
  "no-headers",
  "server-side",
  "force",
  "now",
  "force-conflicts",
  "wait",
  "follow",
  "previous",
  "timestamps",
  "show-events",
  "prefix",
]);
const SHORT: Record<string, string> = { n: "namespace", o: "output", l: "selector", A: "all-namespaces", w: "watch", f: "filename", c: "container", p: "previous" };
/** Flags that may repeat (values joined with NUL). */
const REPEATABLE = new Set(["from-literal", "filename"]);

/** Split a command line as a POSIX shell would (quotes and backslashes), dropping a leading `kubectl`. */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let has = false;
  let q: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (q) {
      if (c === q) q = undefined;
      else if (c === "\\" && q === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      q = c;
      has = true;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has) out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (q) throw new CommandError(`unterminated quote in: ${line}`);
  if (has) out.push(cur);
  if (out[0] === "kubectl") out.shift();
  return out;
}

/** Separate flags from positional arguments. */
export function parseFlags(tokens: readonly string[]): { args: string[]; flags: Flags } {
  const args: string[] = [];
  const flags: Flags = new Map();
  const set = (name: string, v: string | true): void => {
    const prev = flags.get(name);
    flags.set(name, REPEATABLE.has(name) && typeof prev === "string" && typeof v === "string" ? `${prev}\u0000${v}` : v);
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === "--") {
      args.push(...tokens.slice(i + 1));
      break;
    }
    let name: string | undefined;
    let value: string | undefined;
    if (t.startsWith("--")) {
      const eq = t.indexOf("=");
      name = eq > 0 ? t.slice(2, eq) : t.slice(2);
      if (eq > 0) value = t.slice(eq + 1);
    } else if (/^-[A-Za-z]/.test(t)) {
      const long = SHORT[t[1]!];
      if (!long) throw new CommandError(`unknown shorthand flag: '${t[1]}' in ${t}`);
      name = long;
      if (t.length > 2) value = t[2] === "=" ? t.slice(3) : t.slice(2);
    } else {
      args.push(t);
      continue;
    }
    if (name === "all-namespaces" && value === undefined) set(name, true);
    else if (BOOLEAN_FLAGS.has(name)) set(name, value === undefined ? true : value);
    else if (value !== undefined) set(name, value);
    else if (i + 1 < tokens.length) set(name, tokens[++i]!);
    else throw new CommandError(`flag needs an argument: --${name}`);
  }
  return { args, flags };
}

/**
 * Run one kubectl command line against a cluster.
 *
 * @example
 * ```ts
 * runKubectl(host, "get pods -n kube-system").stdout;
 * ```
 */
export function runKubectl(host: KubectlHost, line: string): KubectlOutput {
  const ctx: CommandContext = { host, rest: host.rest, args: [], flags: new Map(), namespace: "default", out: [], err: [] };
  let exit = 0;
  try {
    const { args, flags } = parseFlags(tokenize(line));
    ctx.flags = flags;
    const ns = flags.get("namespace");
    if (typeof ns === "string") ctx.namespace = ns;
    const [verb, ...rest] = args;
    ctx.args = rest;
    switch (verb) {
      case "get":
        exit = get(ctx);
        break;
      case "describe":
        exit = describe(ctx);
        break;
      case "create":
        exit = create(ctx);
        break;
      case "expose":
        exit = expose(ctx);
        break;
      case "scale":
        exit = scale(ctx);
        break;
      case "label":
        exit = labelOrAnnotate(ctx, "labels");
        break;
      case "annotate":
        exit = labelOrAnnotate(ctx, "annotations");
        break;
      case "set":
        exit = setImage(ctx);
        break;
      case "delete":
        exit = del(ctx);
        break;
      case "apply":
        exit = apply(ctx);
        break;
      case "rollout":
        exit = rollout(ctx);
        break;
      case "logs":
        exit = logs(ctx);
        break;
      case "events":
        exit = events(ctx);
        break;
      case undefined:
        throw new CommandError("kubectl needs a command, e.g. get, describe, create, apply, scale, delete");
      default:
        throw new CommandError(`unknown command "${verb}" for "kubectl"`);
    }
  } catch (e) {
    exit = 1;
    if (e instanceof StatusError) ctx.err.push(kubectlErrorText(e.status));
    else if (e instanceof CommandError) ctx.err.push(e.prefixed ? `error: ${e.message}` : e.message);
    else throw e;
  }
  return new KubectlOutput(line.trim(), ctx.out.join("\n"), ctx.err.join("\n"), exit, ctx.table);
}

/** The command line of a tagged template: interpolated values are quoted as single words. */
export function templateLine(strings: TemplateStringsArray, values: readonly unknown[]): string {
  let s = strings[0] ?? "";
  values.forEach((v, i) => {
    const text = String(v);
    s += (/^[A-Za-z0-9_./:=,@%+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`) + (strings[i + 1] ?? "");
  });
  return s;
}
