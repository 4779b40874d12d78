/**
 * What every in-cell kubectl command gets: the parsed command line, the REST layer (the same one
 * `kubelab serve` exposes), the clock to wait on, and its stdout/stderr.
 */
import type { SourceDocument } from "../../api/load";
import type { Rest } from "../rest";
import type { TableView } from "../../render/table";

/** The cluster as kubectl sees it: the API, and virtual time it may wait on (`rollout status`, `-w`, delete). */
export interface KubectlHost {
  readonly rest: Rest;
  /** Run what falls due in the next `ms` virtual milliseconds. */
  advance(ms: number): void;
  /** Virtual time of the next pending task, or undefined when the cluster is idle. */
  nextTaskTime(): number | undefined;
  /** The kubectl minor version to print as (32 by default; 20 for Debian's kubernetes-client). */
  readonly clientMinor?: number;
  /** Documents of `-f`: a path (also looked up under datasets/) or inline YAML. */
  readManifests(pathOrYaml: string): SourceDocument[];
}

/** Parsed flags: `--name=value`, `--name value`, `-n value`; booleans are `true`. */
export type Flags = Map<string, string | true>;

/** An error kubectl prints as `error: …` (exit code 1), or bare when `prefixed` is false. */
export class CommandError extends Error {
  constructor(
    message: string,
    /** kubectl's CheckErr prints some errors (a REST mapper's "no match") without `error: `. */
    readonly prefixed = true,
  ) {
    super(message);
    this.name = "CommandError";
  }
}

export interface CommandContext {
  host: KubectlHost;
  rest: Rest;
  args: string[];
  flags: Flags;
  /** `-n`, else `default`. */
  namespace: string;
  /** Lines of stdout (each without its newline) — or raw text chunks via `write`. */
  out: string[];
  err: string[];
  /** A table the cell can show as HTML (set by `get`). */
  table?: TableView;
}

/** A flag's value, or `fallback`. */
export function flag(ctx: CommandContext, name: string, fallback?: string): string | undefined {
  const v = ctx.flags.get(name);
  if (v === undefined) return fallback;
  return v === true ? "true" : v;
}

/** A boolean flag (`--all`, `--overwrite=false`). */
export function boolFlag(ctx: CommandContext, name: string): boolean {
  const v = ctx.flags.get(name);
  return v === true || v === "true";
}
