/**
 * Base of every state handle: namespace scoping, the keyed-context check, TTL and serializers, over a
 * {@link StateTable} that a backend provides. Both backends share these handles.
 *
 * TTL follows Flink's `AbstractTtlDecorator`: stored values are `[value, timestamp]`; a read of an expired
 * value removes it and returns nothing (`NeverReturnExpired`) or the stale value
 * (`ReturnExpiredIfNotCleanedUp`); `OnReadAndWrite` rewrites the timestamp on every successful read.
 */
import { EddyError, type Clock } from '../core/index.ts';
import type { StateTtlConfig, TtlValue } from './state-ttl-config.ts';
import type { StateDescriptor, StateKind } from './state-descriptor.ts';
import type { TypeSerializer } from './type-serializer.ts';
import type { StateTable, Purge } from './state-table.ts';
import { VOID_NAMESPACE, type InternalKvState, type Namespace } from './internal-kv-state.ts';

/** What a handle needs from its backend. */
export interface KeyContext {
  /** Key group of the current key, `-1` when no key is set. Read on every access (one comparison). */
  readonly currentKeyGroupIndex: number;
  readonly clock: Clock;
  /** Throws the "outside a keyed context" error. */
  throwNotKeyed(): never;
}

/** TTL arithmetic for one state. */
export class TtlPolicy {
  readonly ttlMs: number;
  readonly updateOnRead: boolean;
  readonly returnExpired: boolean;
  readonly cleanupSize: number;
  readonly purge: Purge;
  constructor(
    readonly config: StateTtlConfig,
    readonly clock: Clock,
    kind: StateKind,
  ) {
    this.ttlMs = config.ttlMs;
    this.updateOnRead = config.updateType === 'OnReadAndWrite';
    this.returnExpired = config.stateVisibility === 'ReturnExpiredIfNotCleanedUp';
    this.cleanupSize = config.incrementalCleanupSize;
    this.purge = kind === 'list' ? (s) => this.purgeList(s as TtlValue[]) : (s) => (this.expired(s as TtlValue, this.clock.now()) ? undefined : s);
  }
  wrap(v: unknown): TtlValue {
    return [v, this.clock.now()];
  }
  expired(s: TtlValue, now: number): boolean {
    return s[1] + this.ttlMs <= now;
  }
  /** A list without its expired elements, `undefined` if none is left. */
  purgeList(list: TtlValue[], now = this.clock.now()): TtlValue[] | undefined {
    let keep: TtlValue[] | undefined;
    for (let i = 0; i < list.length; i++) {
      if (this.expired(list[i]!, now)) {
        keep ??= list.slice(0, i);
      } else if (keep) keep.push(list[i]!);
    }
    const out = keep ?? list;
    return out.length === 0 ? undefined : out;
  }
}

/**
 * Namespace scoping, keyed-context checks, TTL and serializer helpers shared by all handles.
 *
 * A stored unit is the user value, or `serializer.serialize(value)` when the descriptor has a serializer;
 * with TTL it is wrapped as `[unit, timestamp]`. Serialized units are what both backends and snapshots hold.
 */
export abstract class AbstractKvState implements InternalKvState {
  protected ns: Namespace = VOID_NAMESPACE;
  readonly ttl: TtlPolicy | undefined;
  readonly serializer: TypeSerializer<unknown> | undefined;
  /** No TTL and no serializer: stored units are the user values (the fast path). */
  protected readonly plain: boolean;

  constructor(
    protected readonly ctx: KeyContext,
    readonly table: StateTable,
    desc: StateDescriptor<any>,
  ) {
    this.ttl = desc.ttl ? new TtlPolicy(desc.ttl, ctx.clock, table.kind) : undefined;
    this.serializer = desc.serializer;
    this.plain = this.ttl === undefined && this.serializer === undefined;
  }

  get name(): string {
    return this.table.name;
  }
  setCurrentNamespace(ns: Namespace): void {
    if (typeof ns !== 'string' && typeof ns !== 'number') {
      throw new EddyError(`state '${this.table.name}': a namespace must be a string or a number, got ${typeof ns}`);
    }
    this.ns = ns === 0 ? 0 : ns;
  }
  getCurrentNamespace(): Namespace {
    return this.ns;
  }
  clear(): void {
    this.enter();
    this.table.remove(this.ns);
  }

  /** Checks the keyed context and runs an incremental TTL cleanup step when configured. */
  protected enter(): void {
    if (this.ctx.currentKeyGroupIndex < 0) this.ctx.throwNotKeyed();
    const ttl = this.ttl;
    if (ttl !== undefined && ttl.cleanupSize > 0) this.table.cleanupStep(ttl.cleanupSize, ttl.purge);
  }

  /** The stored form of a user value (serialized, TTL-wrapped). */
  protected enc(v: unknown): unknown {
    const u = this.serializer === undefined ? v : this.serializer.serialize(v);
    return this.ttl === undefined ? u : this.ttl.wrap(u);
  }
  /** The user value of a stored unit (TTL already unwrapped). */
  protected dec(u: unknown): unknown {
    return this.serializer === undefined ? u : this.serializer.deserialize(u as Uint8Array);
  }

  /** Reads a single stored value of `ns`, applying TTL; returns the user value or `undefined`. */
  protected readSingle(ns: Namespace): unknown {
    const s = this.table.get(ns);
    const ttl = this.ttl;
    if (s === undefined) return undefined;
    if (ttl === undefined) return this.dec(s);
    const now = ttl.clock.now();
    const tv = s as TtlValue;
    if (ttl.expired(tv, now)) {
      this.table.remove(ns);
      return ttl.returnExpired ? this.dec(tv[0]) : undefined;
    }
    if (ttl.updateOnRead && tv[1] !== now) this.table.put(ns, [tv[0], now]);
    return this.dec(tv[0]);
  }

  /** Writes a single user value into `ns`. */
  protected writeSingle(ns: Namespace, v: unknown): void {
    this.table.put(ns, this.enc(v));
  }

  /** Reads the list of `ns` as user values, applying TTL per element. */
  protected readList(ns: Namespace): unknown[] | undefined {
    const list = this.table.listGet(ns);
    const ttl = this.ttl;
    if (list === undefined) return undefined;
    if (ttl === undefined) return this.serializer === undefined ? list : list.map((u) => this.dec(u));
    const now = ttl.clock.now();
    const live = (list as TtlValue[]).filter((e) => !ttl.expired(e, now));
    const visible = ttl.returnExpired ? (list as TtlValue[]) : live;
    if (ttl.updateOnRead && live.length > 0) this.table.listSet(ns, live.map((e) => [e[0], now]));
    else if (live.length !== list.length) this.table.listSet(ns, live);
    return visible.length === 0 ? undefined : visible.map((e) => this.dec(e[0]));
  }

  /** Stored form of list elements to append. */
  protected encAll(vs: unknown[]): unknown[] {
    return this.plain ? vs.slice() : vs.map((v) => this.enc(v));
  }
}
