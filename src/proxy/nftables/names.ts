/**
 * kube-proxy's nftables object names (pkg/proxy/nftables/proxier.go `hashAndTruncate`,
 * `servicePortChainNameBase`, `servicePortEndpointChainNameBase`): unlike the iptables mode the
 * readable name stays in the chain name, prefixed by the first 8 characters of
 * base32(sha256(name)) so chains of one Service that differ in a digit still look different.
 *
 * @example
 * ```ts
 * servicePortChainBase("ns1", "svc1", "TCP", "p80")                         // "ULMVA6XW-ns1/svc1/tcp/p80"
 * endpointChainBase("ns1", "svc1", "TCP", "p80", "10.180.0.1:80")          // "5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80"
 * ```
 */
import type { Protocol } from "../../api/types";
import { hash16 } from "../iptables/chains";

/** knftables.NameLengthMax (256) minus the longest prefix kube-proxy puts in front (16). */
const chainNameBaseLengthMax = 256 - 16;

/** `HASH-name`, truncated with "..." past 240 characters (never reached by valid Kubernetes names). */
export function hashAndTruncate(name: string): string {
  // The first 8 base32 characters are the first 5 bytes of the digest: a prefix of hash16.
  let out = hash16(name).slice(0, 8) + "-" + name;
  if (out.length > chainNameBaseLengthMax) out = out.slice(0, chainNameBaseLengthMax - 3) + "...";
  return out;
}

/** `HASH-namespace/name/protocol/portName` (the port's name, "" when unnamed). */
export function servicePortChainBase(namespace: string, name: string, protocol: Protocol, portName: string): string {
  return hashAndTruncate(`${namespace}/${name}/${protocol.toLowerCase()}/${portName}`);
}

/** `HASH-namespace/name/protocol/portName__ip/port` for an endpoint `ip:port`. */
export function endpointChainBase(namespace: string, name: string, protocol: Protocol, portName: string, endpoint: string): string {
  const colon = endpoint.lastIndexOf(":");
  const ip = endpoint.slice(0, colon).replace(/^\[|\]$/g, "").replace(/:/g, ".");
  return hashAndTruncate(`${namespace}/${name}/${protocol.toLowerCase()}/${portName}__${ip}/${endpoint.slice(colon + 1)}`);
}

/** The per-service-port object names kube-proxy derives from one base. */
export interface NftServiceNames {
  /** Cluster traffic policy chain: `service-…`. */
  cluster: string;
  /** Local traffic policy chain: `local-…`. */
  local: string;
  /** External destinations (NodePort, LB, externalIPs): `external-…`. */
  external: string;
  /** LoadBalancerSourceRanges: `firewall-…`. */
  firewall: string;
}

/**
 * Chain names for one service port.
 *
 * @example
 * ```ts
 * nftServiceNames("ns1", "svc1", "TCP", "p80").cluster   // "service-ULMVA6XW-ns1/svc1/tcp/p80"
 * ```
 */
export function nftServiceNames(namespace: string, name: string, protocol: Protocol, portName: string): NftServiceNames {
  const base = servicePortChainBase(namespace, name, protocol, portName);
  return { cluster: "service-" + base, local: "local-" + base, external: "external-" + base, firewall: "firewall-" + base };
}
