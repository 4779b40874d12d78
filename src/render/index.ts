/**
 * render/: pure functions from simulation data to MIME bundles (DESIGN.md §3).
 *
 * @example
 * ```ts
 * import { trafficChart, sequenceBundle } from "./render";
 * const chart = trafficChart(result);       // await chart.bundle() → vega-lite + svg + text
 * sequenceBundle(cluster.trace);            // the control loop as a sequence diagram
 * ```
 */
export * from "./bundle";
export { escapeText, escapeAttr, escapeMermaid } from "./escape";
export { humanDuration, age } from "./duration";
export { tableBundle, tableHtml, tableText, preBundle, cellText, TableView, NONE, type Table, type Column, type Cell } from "./table";
export { endpointsDetail } from "./endpoints";
export {
  iptablesTable,
  iptablesExcerpt,
  packetOrder,
  ipvsTable,
  nftablesTable,
  dnsRecordsTable,
  resolverWalkTable,
  resolvConfBundle,
  genericTable,
  formatProbability,
  formatShare,
  type IptablesTableRow,
  type IpvsTableRow,
  type NftTableRow,
  type DnsRecordRow,
  type ResolverStepRow,
} from "./network";
export {
  VEGALITE_SCHEMA,
  trafficSpec,
  trafficSummary,
  trafficChart,
  scalingSpec,
  scalingSummary,
  scalingChart,
  externalPolicySpec,
  externalPolicySummary,
  externalPolicyChart,
  ruleCostSpec,
  ruleCostSummary,
  ruleCostChart,
  chartBundle,
  Chart,
  type ChartBundle,
  type EndpointTraffic,
  type TrafficChartData,
  type LabelledTraffic,
  type RuleCostRow,
} from "./chart";
export { vegaLiteToSvg, markItemCounts } from "./vega-svg";
export { compareComponents, orderComponents } from "./components";
export {
  sequenceBundle,
  sequenceModel,
  sequenceSvg,
  sequenceText,
  sequenceMermaid,
  foldEvents,
  formatTime,
  rowLabel,
  headLines,
  type SequenceOptions,
  type SequenceModel,
  type SequenceRow,
  type TraceLike,
} from "./sequence";
export { topologyBundle, type TopologyInput } from "./topology";
export { flowBundle, flowSvg, flowText, type FlowModel, type FlowSection, type FlowStep, type FlowPill, type Tone } from "./flow";
export { resolverBundle, resolverModel, searchOrder, type ResolverWalkView, type ResolverQueryView } from "./resolver";
export { packetBundle, packetModel, type PacketContext, type LoadBalancerView } from "./packet";
