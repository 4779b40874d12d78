/**
 * ClusterIP and NodePort allocators (pkg/registry/core/service/ipallocator and portallocator).
 *
 * Like the real ones, dynamic allocation is random (seeded here) and prefers the upper part of the
 * range, leaving a lower band for addresses and ports users ask for explicitly
 * (KEP-3070 / KEP-3668: band size min(max(16, size/16), 256) for IPs, min(max(16, size/32), 128) for ports).
 *
 * @example
 * ```ts
 * const ips = new IPAllocator(parseCidr("10.96.0.0/12"), new Rng(1));
 * ips.allocate("10.96.0.10"); // reserves kube-dns' address
 * ips.allocateNext();         // e.g. "10.104.137.9"
 * ```
 */
import { type Cidr, formatIPv4, parseIPv4, cidrContains } from "../util/ipv4";
import type { Rng } from "../sim/rng";

/** A range of integers with random, band-aware allocation. */
class BandAllocator {
  readonly used = new Set<number>();
  constructor(
    readonly first: number,
    readonly count: number,
    readonly band: number,
    private readonly rng: Rng,
  ) {}

  has(n: number): boolean {
    return this.used.has(n);
  }

  take(n: number): void {
    this.used.add(n);
  }

  release(n: number): void {
    this.used.delete(n);
  }

  /** Random free value, upper band first; undefined when full. */
  next(): number | undefined {
    const upper = this.pick(this.first + this.band, this.count - this.band);
    return upper ?? this.pick(this.first, this.band);
  }

  private pick(from: number, n: number): number | undefined {
    if (n <= 0) return undefined;
    // Random start, then linear probe: what the real bitmap allocator does.
    const start = this.rng.int(n);
    for (let i = 0; i < n; i++) {
      const v = from + ((start + i) % n);
      if (!this.used.has(v)) return v;
    }
    return undefined;
  }
}

export class IPAllocator {
  private readonly a: BandAllocator;
  constructor(
    readonly cidr: Cidr,
    rng: Rng,
  ) {
    // The network address and (for IPv4) the broadcast address are never handed out.
    const count = Math.max(0, cidr.size - 2);
    const band = Math.min(Math.max(16, Math.floor(cidr.size / 16)), 256);
    this.a = new BandAllocator(cidr.base + 1, count, Math.min(band, count), rng);
  }

  /** Why `ip` cannot be allocated, or undefined if it can. */
  check(ip: string): string | undefined {
    if (!cidrContains(this.cidr, ip) || parseIPv4(ip) === this.cidr.base || parseIPv4(ip) === this.cidr.base + this.cidr.size - 1)
      return `failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.cidr.text}`;
    if (this.a.has(parseIPv4(ip))) return `failed to allocate IP ${ip}: provided IP is already allocated`;
    return undefined;
  }

  allocate(ip: string): void {
    const err = this.check(ip);
    if (err) throw new Error(err);
    this.a.take(parseIPv4(ip));
  }

  allocateNext(): string {
    const n = this.a.next();
    if (n === undefined) throw new Error(`failed to allocate a serviceIP: range is full`);
    this.a.take(n);
    return formatIPv4(n);
  }

  release(ip: string): void {
    if (cidrContains(this.cidr, ip)) this.a.release(parseIPv4(ip));
  }

  get used(): number {
    return this.a.used.size;
  }
}

export class PortAllocator {
  private readonly a: BandAllocator;
  constructor(
    readonly min: number,
    readonly max: number,
    rng: Rng,
  ) {
    const count = max - min + 1;
    this.a = new BandAllocator(min, count, Math.min(Math.max(16, Math.floor(count / 32)), 128), rng);
  }

  check(port: number): string | undefined {
    if (port < this.min || port > this.max)
      return `provided port is not in the valid range. The range of valid ports is ${this.min}-${this.max}`;
    if (this.a.has(port)) return "provided port is already allocated";
    return undefined;
  }

  allocate(port: number): void {
    const err = this.check(port);
    if (err) throw new Error(err);
    this.a.take(port);
  }

  allocateNext(): number {
    const n = this.a.next();
    if (n === undefined) throw new Error(`range is full: no free node ports in ${this.min}-${this.max}`);
    this.a.take(n);
    return n;
  }

  release(port: number): void {
    this.a.release(port);
  }
}
