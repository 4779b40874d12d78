/**
 * Views: the one layer that turns simulation state into what a learner sees (tables, text and
 * pictures built by `render/`). The simulation never formats; `render/` never reads state.
 *
 * @example
 * ```ts
 * import { ServiceEndpoints, NodeView } from "./views";
 * ```
 */
export * from "./endpoints";
export * from "./node";
export * from "./dns";
export * from "./traffic";
export * from "./trace";
