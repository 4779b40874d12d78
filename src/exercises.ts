/**
 * Self-checks for the lessons' "try it" exercises: each returns a {@link Check} that tells the
 * learner whether the change did what the exercise asked, and a hint when it did not.
 *
 * @example
 * ```ts
 * import { checks } from "kubelab";
 * checks.evenShare(cluster.traffic({ from: "pod/client", to: "web:80" }), 0.2);
 * // ✔ every pod gets about 20% of the connections (5 pods)
 * ```
 */
import type { Cluster } from "./cluster";
import type { Traffic } from "./network";
import { escapeText } from "./render";

/** The outcome of one self-check; shows as a green tick or a red cross with a hint. */
export class Check {
  constructor(
    readonly passed: boolean,
    readonly message: string,
  ) {}

  toString(): string {
    return `${this.passed ? "✔" : "✘"} ${this.message}`;
  }

  [Symbol.for("Jupyter.display")](): Record<string, string> {
    const colour = this.passed ? "var(--jp-success-color1, #2e7d32)" : "var(--jp-error-color1, #c62828)";
    return {
      "text/html": `<div style="padding:6px 10px;border-left:4px solid ${colour};font-family:var(--jp-ui-font-family, sans-serif)"><b style="color:${colour}">${this.passed ? "✔ Done" : "✘ Not yet"}</b> — ${escapeText(this.message)}</div>`,
      "text/plain": this.toString(),
    };
  }
}

/**
 * A check from a condition: `success` when it holds, `hint` otherwise.
 * @example check(cluster.pods().length === 5, "5 pods are running", "scale the Deployment to 5 replicas")
 */
export function check(condition: boolean, success: string, hint: string): Check {
  return new Check(condition, condition ? success : hint);
}

/** The lessons' ready-made checks. */
export const checks = {
  /**
   * Does every pod get about `share` of the connections (± `tolerance`)?
   * @example checks.evenShare(traffic, 0.2)
   */
  evenShare(t: Traffic, share: number, tolerance = 0.03): Check {
    const shares = t.result.byEndpoint.map((e) => (t.result.total ? e.count / t.result.total : 0));
    const n = Math.round(1 / share);
    const ok = shares.length === n && shares.every((s) => Math.abs(s - share) <= tolerance) && t.failed === 0;
    return check(
      ok,
      `every pod gets about ${(share * 100).toFixed(0)}% of the connections (${shares.length} pods)`,
      `the connections went to ${shares.length} pods with shares ${shares.map((s) => (s * 100).toFixed(1) + "%").join(", ")}${t.failed ? ` and ${t.failed} failed` : ""}: for ${(share * 100).toFixed(0)}% each you need ${n} ready pods`,
    );
  },

  /**
   * Does a Deployment have `n` ready replicas?
   * @example checks.readyReplicas(cluster, "hello-world", 5)
   */
  readyReplicas(cluster: Cluster, deployment: string, n: number, namespace = "default"): Check {
    const d = cluster.get<"Deployment">(`deployment/${namespace}/${deployment}`);
    const ready = d.status?.readyReplicas ?? 0;
    return check(ready === n && (d.spec.replicas ?? 1) === n, `${deployment} has ${n} ready replicas`, `${deployment} wants ${d.spec.replicas ?? 1} and has ${ready} ready: change replicas to ${n}, apply, and settle()`);
  },

  /**
   * Did no connection fail?
   * @example checks.noFailures(cluster.traffic({ from: "pod/client", to: "web:80" }))
   */
  noFailures(t: Traffic): Check {
    const why = t.result.failures.map((f) => `${f.count} × ${f.reason}`).join("; ");
    return check(t.failed === 0, `all ${t.result.total} connections were answered`, `${t.failed} of ${t.result.total} connections failed: ${why}`);
  },

  /**
   * Does a name resolve (from a pod) to the expected addresses?
   * @example checks.resolves(cluster.dns.resolve("web.shop", { from: "pod/client" }), ["10.96.0.20"])
   */
  resolves(walk: { name: string; addresses: string[] | undefined; queries: readonly unknown[] }, expected: readonly string[], maxQueries = Infinity): Check {
    const got = [...(walk.addresses ?? [])].sort();
    const ok = JSON.stringify(got) === JSON.stringify([...expected].sort()) && walk.queries.length <= maxQueries;
    return check(
      ok,
      `"${walk.name}" resolves to ${expected.join(", ")} in ${walk.queries.length} ${walk.queries.length === 1 ? "query" : "queries"}`,
      `"${walk.name}" resolved to ${got.length ? got.join(", ") : "nothing"} after ${walk.queries.length} queries (want ${expected.join(", ")}${maxQueries !== Infinity ? ` in at most ${maxQueries}` : ""})`,
    );
  },
};
