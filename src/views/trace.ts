/**
 * How a trace displays: as a sequence diagram. The trace is simulation state (`sim/`), which must
 * not import `render/`, so it offers one display hook and this view installs the diagram into it —
 * the only hook; every other view is a class of this folder that calls `render/` itself.
 */
import { sequenceBundle, type SequenceOptions } from "../render/sequence";
import { setTraceRenderer, type TraceView } from "../sim/trace";

let installed = false;

/** Options the trace renderer uses for every diagram (change with {@link installTraceDisplay}). */
const traceOptions: SequenceOptions = {};

/**
 * Install the renderers: afterwards a `TraceView`'s `[Symbol.for("Jupyter.display")]()` returns a
 * sequence-diagram bundle. Idempotent; a later call may update the diagram options.
 *
 * @example
 * ```ts
 * installTraceDisplay();
 * cluster.trace[Symbol.for("Jupyter.display")]()["image/svg+xml"]; // "<svg …"
 * ```
 */
export function installTraceDisplay(opts: SequenceOptions = {}): void {
  Object.assign(traceOptions, opts);
  if (installed) return;
  installed = true;
  setTraceRenderer((view: TraceView) => sequenceBundle(view, traceOptions));
}
