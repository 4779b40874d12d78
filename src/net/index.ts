/**
 * The data path: netfilter rule evaluation, conntrack, routing between nodes, IPVS, traffic.
 *
 * @example
 * ```ts
 * import { Datapath, simulateTraffic } from "./net";
 * ```
 */
export * from "../util/ipv4";
export * from "./restore";
export * from "./netfilter";
export * from "./ipset";
export * from "./conntrack";
export * from "./ipvs";
export * from "./nftables";
export * from "./world";
export * from "./datapath";
export * from "./traffic";
