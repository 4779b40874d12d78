/**
 * How DNS results display: dig answers, resolv.conf and the resolver's walk as tables and text.
 * `dns/` stays free of formatting; this wires its display hooks to `render/` once.
 *
 * @example
 * ```ts
 * installDnsDisplays(); // idempotent; the Cluster constructor calls it
 * ```
 */
import { dnsDisplay } from "../dns/component";
import { preBundle, resolvConfBundle, resolverBundle } from "../render";

let displaysInstalled = false;
/** Tables for DNS results (dns/ stays free of HTML; render/ does the formatting). */
export function installDnsDisplays(): void {
  if (displaysInstalled) return;
  displaysInstalled = true;
  dnsDisplay.dig = (a) => preBundle(a.toString(), `dig ${a.answer.question.name} ${a.answer.question.type}`);
  dnsDisplay.resolvConf = (r) => ({ ...resolvConfBundle(r.text, r.pod), "text/plain": r.text });
  dnsDisplay.walk = (w) =>
    resolverBundle(
      {
        name: w.name,
        from: w.from,
        search: w.conf.search,
        nameservers: w.conf.nameservers,
        options: w.conf.options,
        queries: w.queries.map((q) => ({ step: q.step, name: q.name, type: q.type, rcode: q.rcode, answers: q.answers.map((r) => ("address" in r ? r.address : "target" in r ? `${r.type} ${r.target}` : r.type)) })),
        ...(w.addresses ? { addresses: w.addresses } : { error: "error" in w.result.result ? w.result.result.error : "not found" }),
      },
      w.toString(),
    );

}
