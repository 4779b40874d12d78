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
import type { ResolverWalk, Traffic } from "./views";
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

  /**
   * The self-check of one lesson exercise, by the id in the exercise cell's metadata
   * (`"kubelab": {"exercise": "02-share"}`). The goal is fixed here, not in the notebook, and what is
   * judged is read from the cluster; a walk argument is the resolver walk the exercise asks for.
   * @example checks.exercise("02-share", cluster)
   */
  exercise(id: ExerciseId, cluster: Cluster, walk?: ResolverWalk): Check {
    const judge = exercises[id];
    if (!judge) throw new Error(`no exercise "${id}": the lessons' exercises are ${Object.keys(exercises).join(", ")}`);
    return judge(cluster, walk);
  },
};

/** The lessons' exercises (ids as in the cells' `kubelab.exercise` metadata). */
export type ExerciseId = "01-scale" | "02-share" | "03-probabilities" | "04-local" | "05-endpoint" | "06-across" | "06-absolute" | "07-delete";

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** Do `n` endpoints each get 1/n (± 3 points) of `t`'s connections, with none failing? */
function equalShares(t: Traffic, n: number, what: string): Check {
  const shares = t.result.byEndpoint.map((e) => (t.result.total ? e.count / t.result.total : 0));
  const ok = shares.length === n && shares.every((s) => Math.abs(s - 1 / n) <= 0.03) && t.failed === 0;
  return check(
    ok,
    `${what}: each of ${n} pods gets about ${pct(1 / n)} of the connections`,
    `${what}: ${shares.length} pods got ${shares.map(pct).join(", ")}${t.failed ? ` and ${t.failed} connections failed` : ""}; the goal is ${n} pods with ${pct(1 / n)} each`,
  );
}

/** The DNS exercises of lesson 6: one query from shop-client, answered with what the cluster serves. */
function oneQuery(walk: ResolverWalk | undefined, name: string, expected: readonly string[]): Check {
  if (!walk) throw new Error("pass the resolver walk: checks.exercise(id, cluster, walk)");
  const fromShop = /shop-client/.test(walk.from);
  const got = [...(walk.addresses ?? [])].sort();
  const ok = fromShop && walk.queries.length === 1 && JSON.stringify(got) === JSON.stringify([...expected].sort());
  return check(
    ok,
    `"${walk.name}" from shop-client finds ${name} (${expected.join(", ")}) in one query`,
    !fromShop
      ? `resolve from shop-client in namespace shop, as the cell did (got ${walk.from})`
      : `"${walk.name}" took ${walk.queries.length} ${walk.queries.length === 1 ? "query" : "queries"} and found ${got.length ? got.join(", ") : "nothing"}; the goal is ${name} (${expected.join(", ")}) in one query`,
  );
}

const exercises: Record<ExerciseId, (c: Cluster, walk?: ResolverWalk) => Check> = {
  "01-scale": (c) => checks.readyReplicas(c, "hello-world", 6),
  "02-share": (c) => equalShares(c.traffic({ from: "pod/client", to: "hello-world:80", connections: 10_000 }), 5, "client → hello-world"),
  "03-probabilities": (c) => {
    const svc = c.node("node-1").iptables.save().split("\n").filter((l) => /^-A KUBE-SVC-\S+ .*"default\/hello-world:http -> /.test(l));
    const probs = svc.map((l) => /--probability (\S+)/.exec(l)?.[1]).filter((p): p is string => p !== undefined).map(Number);
    const want = [1 / 5, 1 / 4, 1 / 3, 1 / 2];
    const ok = svc.length === 5 && probs.length === 4 && probs.every((p, i) => Math.abs(p - want[i]!) < 1e-4);
    return check(
      ok,
      `node-1's KUBE-SVC chain for hello-world picks among 5 endpoints with probabilities ${probs.map((p) => p.toFixed(4)).join(", ")} and the rest`,
      `node-1's KUBE-SVC chain for hello-world has ${svc.length} endpoints (probabilities ${probs.map((p) => p.toFixed(4)).join(", ") || "none"}); the goal is 5: 0.2000, 0.2500, 0.3333, 0.5000 and the rest`,
    );
  },
  "04-local": (c) => equalShares(c.traffic({ from: "external", to: { service: "hello-lb-local", via: "loadBalancer" }, connections: 9_000 }), 3, "internet → hello-lb-local"),
  "05-endpoint": (c) => {
    const slices = c.list<"EndpointSlice">("endpointslices").filter((s) => s.metadata.labels?.["kubernetes.io/service-name"] === "legacy-db");
    const mirrored = slices.some((s) => s.metadata.labels?.["endpointslice.kubernetes.io/managed-by"] === "endpointslicemirroring-controller.k8s.io" && s.endpoints?.some((e) => e.addresses.includes("192.0.2.12")));
    const t = c.traffic({ from: "pod/client", to: "legacy-db:5432", connections: 3_000 });
    const reached = t.result.byEndpoint.some((e) => e.endpoint === "192.0.2.12:5432" && e.count > 0);
    return check(
      mirrored && reached,
      "192.0.2.12 is in legacy-db's mirrored EndpointSlice and gets connections",
      `${mirrored ? "the mirrored slice lists 192.0.2.12" : "legacy-db's mirrored EndpointSlice has no 192.0.2.12"}; connections reached ${t.result.byEndpoint.map((e) => e.endpoint).join(", ") || "nothing"}: add 192.0.2.12 to the Endpoints' addresses and apply`,
    );
  },
  "06-across": (c, walk) => oneQuery(walk, "hello-world in default", [c.get<"Service">("service/hello-world").spec.clusterIP!]),
  "06-absolute": (c, walk) => oneQuery(walk, "google.com", c.dns.resolve("google.com.", { from: "shop-client", namespace: "shop" }).addresses ?? []),
  "07-delete": (c) => {
    const t = c.traffic({ from: "pod/client", to: "hello-world:80", connections: 4_000 });
    const why = t.result.failures.map((f) => `${f.count} × ${f.reason}`).join("; ");
    return check(t.failed === 0, `all ${t.result.total} connections to hello-world were answered`, `${t.failed} of ${t.result.total} connections to hello-world failed: ${why}`);
  },
};
