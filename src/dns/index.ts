/**
 * Cluster DNS: CoreDNS's kubernetes plugin ({@link KubernetesDns}), the pod's resolv.conf ({@link resolvConf}),
 * the C library's stub resolver ({@link resolve}), dig-style text ({@link dnsAnswerToDig}) and a real
 * UDP/TCP server ({@link DnsServer}).
 *
 * @example
 * ```ts
 * import { KubernetesDns, resolvConf, resolve } from "./dns";
 * const dns = new KubernetesDns();
 * const conf = resolvConf({ pod: { metadata: { namespace: "default" }, spec: {} } });
 * resolve("kubernetes", conf, (n, t) => dns.query(n, t));
 * ```
 */
export * from "./types";
export * from "./upstream";
export * from "./coredns";
export * from "./resolvconf";
export * from "./resolver";
export * from "./dig";
export * from "./server";
