/**
 * Wires the renderers into the simulation's display hooks, so `sim/` never imports `render/`.
 */
import { setTraceRenderer, type TraceView } from "../sim/trace";
import { sequenceBundle, type SequenceOptions } from "./sequence";

let installed = false;

/** Options the trace renderer uses for every diagram (change with {@link installRenderers}). */
const traceOptions: SequenceOptions = {};

/**
 * Install the renderers: afterwards a `TraceView`'s `[Symbol.for("Jupyter.display")]()` returns a
 * sequence-diagram bundle. Idempotent; a later call may update the diagram options.
 *
 * @example
 * ```ts
 * installRenderers();
 * cluster.trace[Symbol.for("Jupyter.display")]()["image/svg+xml"]; // "<svg …"
 * ```
 */
export function installRenderers(opts: SequenceOptions = {}): void {
  Object.assign(traceOptions, opts);
  if (installed) return;
  installed = true;
  setTraceRenderer((view: TraceView) => sequenceBundle(view, traceOptions));
}
