/**
 * kube-proxy's iptables chain names (pkg/proxy/iptables/proxier.go `portProtoHash`,
 * `servicePortEndpointChainName`): a prefix plus the first 16 characters of
 * base32(sha256(...)) — 16 base32 characters are exactly the first 10 bytes of the hash,
 * which keeps names within iptables' 28-character limit.
 *
 * @example
 * ```ts
 * serviceChainNames("ns1/svc1:p80", "TCP").svc   // "KUBE-SVC-XPGD46QRK7WJZT7O"
 * endpointChainName("ns1/svc1:p80", "TCP", "10.180.0.1:80")   // "KUBE-SEP-SXIVWICOYRO3J4NJ"
 * ```
 */
import { sha256 } from "../../platform/sha256";
import type { Protocol } from "../../api/types";

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32 of the first 10 bytes of `bytes` (16 characters, no padding needed). */
function base32First16(bytes: Uint8Array): string {
  let out = "";
  // Two 5-byte groups, each giving 8 characters of 5 bits.
  for (let g = 0; g < 10; g += 5) {
    const hi = (bytes[g]! << 2) | (bytes[g + 1]! >> 6); // first 10 of 40 bits
    out += alphabet[(hi >> 5) & 31]! + alphabet[hi & 31]!;
    const rest =
      ((bytes[g + 1]! & 0x3f) * 2 ** 24) + (bytes[g + 2]! << 16) + (bytes[g + 3]! << 8) + bytes[g + 4]!; // 30 bits
    out +=
      alphabet[Math.floor(rest / 2 ** 25) & 31]! +
      alphabet[(rest >>> 20) & 31]! +
      alphabet[(rest >>> 15) & 31]! +
      alphabet[(rest >>> 10) & 31]! +
      alphabet[(rest >>> 5) & 31]! +
      alphabet[rest & 31]!;
  }
  return out;
}

// Hashes are pure functions of their input, so a process-wide cache is safe; it is bounded
// so a long-running kernel that churns through services does not grow without limit.
const cacheLimit = 1 << 20;
const cache = new Map<string, string>();

/** First 16 characters of base32(sha256(input)), cached. */
export function hash16(input: string): string {
  let h = cache.get(input);
  if (h === undefined) {
    h = base32First16(sha256(input));
    if (cache.size >= cacheLimit) cache.clear();
    cache.set(input, h);
  }
  return h;
}

/** The per-service-port chains: KUBE-SVC (Cluster policy), KUBE-SVL (Local), KUBE-EXT, KUBE-FW. */
export interface ServiceChainNames {
  svc: string;
  svl: string;
  ext: string;
  fw: string;
}

/**
 * Chain names for a service port; the hash input is servicePortName + lowercase protocol
 * (e.g. "ns1/svc1:p80tcp").
 *
 * @example
 * ```ts
 * serviceChainNames("default/kubernetes:https", "TCP").svc   // "KUBE-SVC-NPX46M4PTMTKRN6Y"
 * ```
 */
export function serviceChainNames(servicePortName: string, protocol: Protocol): ServiceChainNames {
  const h = hash16(servicePortName + protocol.toLowerCase());
  return { svc: "KUBE-SVC-" + h, svl: "KUBE-SVL-" + h, ext: "KUBE-EXT-" + h, fw: "KUBE-FW-" + h };
}

/**
 * Chain names of one service port plus a cache of its endpoints' KUBE-SEP names: looking up a
 * short "ip:port" key per endpoint is much cheaper than re-hashing (or looking up)
 * servicePortName + protocol + endpoint on every sync.
 */
export interface ServicePortChains extends ServiceChainNames {
  /** KUBE-SEP chain of an endpoint of this service port. */
  sep(endpoint: string): string;
}

const portCache = new Map<string, ServicePortChains>();

/**
 * Cached {@link ServicePortChains} for a service port.
 *
 * @example
 * ```ts
 * servicePortChains("ns1/svc1:p80", "TCP").sep("10.180.0.1:80")   // "KUBE-SEP-SXIVWICOYRO3J4NJ"
 * ```
 */
export function servicePortChains(servicePortName: string, protocol: Protocol): ServicePortChains {
  const key = servicePortName + "\0" + protocol;
  let c = portCache.get(key);
  if (c === undefined) {
    const names = serviceChainNames(servicePortName, protocol);
    const prefix = servicePortName + protocol.toLowerCase();
    const seps = new Map<string, string>();
    c = {
      ...names,
      sep(endpoint: string): string {
        let n = seps.get(endpoint);
        if (n === undefined) {
          n = "KUBE-SEP-" + base32First16(sha256(prefix + endpoint));
          if (seps.size > 100_000) seps.clear();
          seps.set(endpoint, n);
        }
        return n;
      },
    };
    if (portCache.size >= cacheLimit) portCache.clear();
    portCache.set(key, c);
  }
  return c;
}

/**
 * KUBE-SEP chain of one endpoint; the hash input is servicePortName + lowercase protocol + "ip:port".
 *
 * @example
 * ```ts
 * endpointChainName("ns1/svc1:p80", "TCP", "10.180.0.1:80")   // "KUBE-SEP-SXIVWICOYRO3J4NJ"
 * ```
 */
export function endpointChainName(servicePortName: string, protocol: Protocol, endpoint: string): string {
  return "KUBE-SEP-" + hash16(servicePortName + protocol.toLowerCase() + endpoint);
}
