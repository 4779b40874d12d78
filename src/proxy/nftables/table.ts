/**
 * One nftables transaction as kube-proxy builds it through knftables: every operation is kept
 * as the exact line `nft -f` reads (`add chain ip kube-proxy …`, `flush map …`, `add element …`),
 * and applied to a model of the table, which is what the kernel holds afterwards and what
 * `nft list table` prints.
 *
 * @example
 * ```ts
 * const tx = new NftTransaction("ip", "kube-proxy");
 * tx.addChain("services");
 * tx.addRule("services", "ip daddr . meta l4proto . th dport vmap @service-ips");
 * tx.text();   // "add chain ip kube-proxy services\nadd rule ip kube-proxy services ip daddr …\n"
 * ```
 */

/** A base chain's hook (kube-proxy writes numeric priorities: dstnat = -100, srcnat = 100, filter = 0). */
export interface NftHook {
  type: "filter" | "nat";
  hook: "prerouting" | "input" | "forward" | "output" | "postrouting";
  priority: number;
}

export interface NftRule {
  /** The rule's statements as written (without the comment). */
  readonly text: string;
  readonly comment?: string;
}

export interface NftChain {
  readonly name: string;
  readonly base?: NftHook;
  readonly comment?: string;
  rules: NftRule[];
}

export interface NftElement {
  readonly key: string;
  readonly value?: string;
  readonly comment?: string;
}

export interface NftSet {
  readonly kind: "set" | "map";
  readonly name: string;
  /** `ipv4_addr`, or `ipv4_addr . inet_proto . inet_service : verdict` for a map. */
  readonly type: string;
  readonly flags?: readonly string[];
  /** Default element timeout in seconds. */
  readonly timeout?: number;
  readonly comment?: string;
  /** Elements by key, in insertion order. */
  readonly elements: Map<string, NftElement>;
}

/** The kernel's view of the table after a transaction: objects in creation (handle) order. */
export interface NftTableModel {
  readonly family: string;
  readonly name: string;
  comment?: string;
  readonly sets: Map<string, NftSet>;
  readonly chains: Map<string, NftChain>;
}

function quote(s: string): string {
  return `"${s}"`;
}

/**
 * A transaction: the text fed to `nft -f`, and the table it leaves behind.
 *
 * @example
 * ```ts
 * tx.addMap("service-ips", "ipv4_addr . inet_proto . inet_service : verdict", "ClusterIP, …");
 * tx.addElement("service-ips", "10.96.0.1 . tcp . 443", "goto service-…");
 * ```
 */
export class NftTransaction {
  private readonly lines: string[] = [];
  readonly model: NftTableModel;
  private readonly prefix: string;

  constructor(family: string, table: string) {
    this.model = { family, name: table, sets: new Map(), chains: new Map() };
    this.prefix = `${family} ${table}`;
  }

  /** The text `nft -f` reads, one operation per line. */
  text(): string {
    return this.lines.join("\n") + "\n";
  }

  /**
   * The table's state as `add` commands, one object per line (what knftables' fake Dump()
   * prints and kube-proxy's unit tests compare).
   */
  dump(): string {
    const m = this.model;
    const out: string[] = [];
    const q = (s: string) => `"${s}"`;
    out.push(`add table ${this.prefix}${m.comment !== undefined ? ` { comment ${q(m.comment)} ; }` : ""}`);
    for (const c of m.chains.values()) {
      const props: string[] = [];
      if (c.base) props.push(`type ${c.base.type} hook ${c.base.hook} priority ${c.base.priority} ;`);
      if (c.comment !== undefined) props.push(`comment ${q(c.comment)} ;`);
      out.push(`add chain ${this.prefix} ${c.name}${props.length ? ` { ${props.join(" ")} }` : ""}`);
    }
    for (const s of m.sets.values()) {
      const props = [`type ${s.type} ;`];
      if (s.flags) props.push(`flags ${s.flags.join(",")} ;`);
      if (s.timeout !== undefined) props.push(`timeout ${s.timeout}s ;`);
      if (s.comment !== undefined) props.push(`comment ${q(s.comment)} ;`);
      out.push(`add ${s.kind} ${this.prefix} ${s.name} { ${props.join(" ")} }`);
    }
    for (const c of m.chains.values()) for (const r of c.rules) out.push(`add rule ${this.prefix} ${c.name} ${r.text}${r.comment !== undefined ? ` comment ${q(r.comment)}` : ""}`);
    for (const s of m.sets.values()) {
      for (const e of s.elements.values()) out.push(`add element ${this.prefix} ${s.name} { ${e.key}${e.comment !== undefined ? ` comment ${q(e.comment)}` : ""}${e.value !== undefined ? ` : ${e.value}` : ""} }`);
    }
    return out.join("\n") + "\n";
  }

  /** Number of operations. */
  get size(): number {
    return this.lines.length;
  }

  addTable(comment: string): void {
    this.lines.push(`add table ${this.prefix} { comment ${quote(comment)} ; }`);
    this.model.comment = comment;
  }

  addChain(name: string, opts: { base?: NftHook; comment?: string } = {}): void {
    const props: string[] = [];
    if (opts.base) props.push(`type ${opts.base.type} hook ${opts.base.hook} priority ${opts.base.priority} ;`);
    if (opts.comment !== undefined) props.push(`comment ${quote(opts.comment)} ;`);
    this.lines.push(`add chain ${this.prefix} ${name}${props.length ? ` { ${props.join(" ")} }` : ""}`);
    if (!this.model.chains.has(name)) {
      const c: NftChain = { name, rules: [] };
      if (opts.base) (c as { base?: NftHook }).base = opts.base;
      if (opts.comment !== undefined) (c as { comment?: string }).comment = opts.comment;
      this.model.chains.set(name, c);
    }
  }

  flushChain(name: string): void {
    this.lines.push(`flush chain ${this.prefix} ${name}`);
    const c = this.model.chains.get(name);
    if (c) c.rules = [];
  }

  deleteChain(name: string): void {
    this.lines.push(`delete chain ${this.prefix} ${name}`);
    this.model.chains.delete(name);
  }

  addRule(chain: string, text: string, comment?: string): void {
    this.lines.push(`add rule ${this.prefix} ${chain} ${text}${comment !== undefined ? ` comment ${quote(comment)}` : ""}`);
    const c = this.model.chains.get(chain);
    if (!c) throw new Error(`nft: add rule to missing chain ${chain}`);
    c.rules.push(comment !== undefined ? { text, comment } : { text });
  }

  addSet(kind: "set" | "map", name: string, type: string, opts: { flags?: string[]; timeout?: number; comment?: string } = {}): void {
    const props = [`type ${type} ;`];
    if (opts.flags) props.push(`flags ${opts.flags.join(",")} ;`);
    if (opts.timeout !== undefined) props.push(`timeout ${opts.timeout}s ;`);
    if (opts.comment !== undefined) props.push(`comment ${quote(opts.comment)} ;`);
    this.lines.push(`add ${kind} ${this.prefix} ${name} { ${props.join(" ")} }`);
    if (!this.model.sets.has(name)) {
      const s: NftSet = { kind, name, type, elements: new Map() };
      if (opts.flags) (s as { flags?: readonly string[] }).flags = opts.flags;
      if (opts.timeout !== undefined) (s as { timeout?: number }).timeout = opts.timeout;
      if (opts.comment !== undefined) (s as { comment?: string }).comment = opts.comment;
      this.model.sets.set(name, s);
    }
  }

  flushSet(kind: "set" | "map", name: string): void {
    this.lines.push(`flush ${kind} ${this.prefix} ${name}`);
    this.model.sets.get(name)?.elements.clear();
  }

  deleteSet(kind: "set" | "map", name: string): void {
    this.lines.push(`delete ${kind} ${this.prefix} ${name}`);
    this.model.sets.delete(name);
  }

  addElement(set: string, key: string, value?: string, comment?: string): void {
    this.lines.push(`add element ${this.prefix} ${set} { ${key}${comment !== undefined ? ` comment ${quote(comment)}` : ""}${value !== undefined ? ` : ${value}` : ""} }`);
    const s = this.model.sets.get(set);
    if (!s) throw new Error(`nft: add element to missing set ${set}`);
    const e: { key: string; value?: string; comment?: string } = { key };
    if (value !== undefined) e.value = value;
    if (comment !== undefined) e.comment = comment;
    if (!s.elements.has(key)) s.elements.set(key, e);
  }
}
