/**
 * The state handles both backends share, over a {@link StateTable}: {@link ValueStateImpl},
 * {@link ReducingStateImpl} and {@link AggregatingStateImpl} (one value per key and namespace; the last two
 * merge namespaces for session windows), {@link ListStateImpl} (appends go to the table as appends, so the
 * lmdb backend writes one entry per element) and {@link MapStateImpl} (map keys compare like stream keys).
 * With TTL, list elements and map entries expire one by one (Flink's `TtlListState`, `TtlMapState`).
 *
 * Hot path: a keyed aggregate reads and writes its value per record. {@link ValueStateImpl.updateWith}
 * (and `add` of reducing/aggregating state) does both in one table call where the backend offers
 * `readModifyWrite` (heap: one Map lookup, no allocation once the key exists); otherwise, and with TTL or a
 * serializer, it is `value()` + `update()`, one keyed-context check and one table call each.
 */
import { EddyError } from '../core/index.ts';
import { AbstractKvState, type KeyContext } from './abstract-kv-state.ts';
import { VOID_NAMESPACE } from './internal-kv-state.ts';
import type { StateTable } from './state-table.ts';
import type { TtlValue } from './state-ttl-config.ts';
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from './state-descriptor.ts';
import type {
  Namespace,
  ValueState,
  ReducingState,
  AggregatingState,
  ListState,
  MapState,
  InternalMergingState,
} from './internal-kv-state.ts';

/** ValueState over a state table. */
export class ValueStateImpl<T> extends AbstractKvState implements ValueState<T> {
  private readonly defaultValue: T | undefined;
  constructor(ctx: KeyContext, table: StateTable, desc: ValueStateDescriptor<T>) {
    super(ctx, table, desc);
    this.defaultValue = desc.defaultValue;
  }
  value(): T | undefined {
    if (this.ctx.currentKeyGroupIndex < 0) this.ctx.throwNotKeyed();
    if (this.plain) {
      const v = this.table.get(this.ns);
      return v === undefined ? this.defaultValue : (v as T);
    }
    this.enter();
    const v = this.readSingle(this.ns);
    return v === undefined ? this.defaultValue : (v as T);
  }
  update(value: T | undefined | null): void {
    if (this.ctx.currentKeyGroupIndex < 0) this.ctx.throwNotKeyed();
    if (value === undefined || value === null) {
      this.table.remove(this.ns);
      return;
    }
    if (this.plain) this.table.put(this.ns, value);
    else {
      this.enter();
      this.writeSingle(this.ns, value);
    }
  }
  /**
   * Read-modify-write: stores and returns `fn(value(), arg)` (`null`/`undefined` clears), in one table
   * access where the backend allows it. `fn` should be a function created once (not per call), and may
   * mutate the value it gets, as with `value()`.
   */
  updateWith<A>(fn: (current: T | undefined, arg: A) => T | undefined | null, arg: A): T | undefined | null {
    if (this.ctx.currentKeyGroupIndex < 0) this.ctx.throwNotKeyed();
    const t = this.table;
    if (this.plain && this.ns === VOID_NAMESPACE && this.defaultValue === undefined && t.readModifyWrite !== undefined) {
      return t.readModifyWrite(fn as (c: unknown, a: unknown) => unknown, arg) as T | undefined | null;
    }
    const next = fn(this.value(), arg);
    this.update(next);
    return next;
  }
}

/** Shared merging logic: fold every source's value into the target with `combine`. */
abstract class AbstractMergingSingleState<V> extends AbstractKvState implements InternalMergingState {
  protected abstract combine(a: V, b: V): V;
  mergeNamespaces(target: Namespace, sources: Namespace[]): void {
    this.enter();
    let acc = this.readSingle(target) as V | undefined;
    for (const src of sources) {
      if (src === target) continue;
      const v = this.readSingle(src) as V | undefined;
      if (v === undefined) continue;
      this.table.remove(src);
      acc = acc === undefined ? v : this.combine(acc, v);
    }
    if (acc !== undefined) this.writeSingle(target, acc);
  }
}

/** ReducingState: `add` folds with the descriptor's reduce function. */
export class ReducingStateImpl<T> extends AbstractMergingSingleState<T> implements ReducingState<T> {
  private readonly reduce: (a: T, b: T) => T;
  constructor(ctx: KeyContext, table: StateTable, desc: ReducingStateDescriptor<T>) {
    super(ctx, table, desc);
    this.reduce = desc.reduce;
  }
  protected combine(a: T, b: T): T {
    return this.reduce(a, b);
  }
  get(): T | undefined {
    this.enter();
    return this.readSingle(this.ns) as T | undefined;
  }
  add(value: T): void {
    this.enter();
    if (value === undefined || value === null) return;
    if (this.plain && this.ns === VOID_NAMESPACE && this.table.readModifyWrite !== undefined) {
      this.table.readModifyWrite(this.fold, value);
      return;
    }
    const cur = this.readSingle(this.ns) as T | undefined;
    this.writeSingle(this.ns, cur === undefined ? value : this.reduce(cur, value));
  }
  private readonly fold = (cur: unknown, value: unknown): unknown => (cur === undefined ? value : this.reduce(cur as T, value as T));
}

/** AggregatingState: the stored value is the accumulator; `get` returns `getResult(acc)`. */
export class AggregatingStateImpl<IN, ACC, OUT> extends AbstractMergingSingleState<ACC> implements AggregatingState<IN, OUT> {
  private readonly desc: AggregatingStateDescriptor<IN, ACC, OUT>;
  constructor(ctx: KeyContext, table: StateTable, desc: AggregatingStateDescriptor<IN, ACC, OUT>) {
    super(ctx, table, desc);
    this.desc = desc;
  }
  protected combine(a: ACC, b: ACC): ACC {
    const merge = this.desc.agg.merge;
    if (!merge) throw new EddyError(`AggregatingState '${this.name}' cannot merge namespaces: its aggregate function has no merge()`, { domain: 'user' });
    return merge.call(this.desc.agg, a, b);
  }
  get(): OUT | undefined {
    this.enter();
    const acc = this.readSingle(this.ns) as ACC | undefined;
    return acc === undefined ? undefined : this.desc.agg.getResult(acc);
  }
  add(value: IN): void {
    this.enter();
    if (this.plain && this.ns === VOID_NAMESPACE && this.table.readModifyWrite !== undefined) {
      this.table.readModifyWrite(this.fold, value);
      return;
    }
    const agg = this.desc.agg;
    const cur = this.readSingle(this.ns) as ACC | undefined;
    this.writeSingle(this.ns, agg.add(value, cur === undefined ? agg.createAccumulator() : cur));
  }
  private readonly fold = (cur: unknown, value: unknown): unknown => {
    const agg = this.desc.agg;
    return agg.add(value as IN, cur === undefined ? agg.createAccumulator() : (cur as ACC));
  };
}

/** ListState over a state table. */
export class ListStateImpl<T> extends AbstractKvState implements ListState<T>, InternalMergingState {
  constructor(ctx: KeyContext, table: StateTable, desc: ListStateDescriptor<T>) {
    super(ctx, table, desc);
  }
  get(): T[] {
    this.enter();
    return (this.readList(this.ns) as T[] | undefined) ?? [];
  }
  add(value: T): void {
    this.enter();
    checkElement(this.name, value);
    this.table.listAdd(this.ns, [this.plain ? value : this.enc(value)]);
  }
  addAll(values: T[]): void {
    this.enter();
    if (values.length === 0) return;
    for (const v of values) checkElement(this.name, v);
    this.table.listAdd(this.ns, this.encAll(values));
  }
  update(values: T[]): void {
    this.enter();
    for (const v of values) checkElement(this.name, v);
    this.table.listSet(this.ns, this.encAll(values));
  }
  mergeNamespaces(target: Namespace, sources: Namespace[]): void {
    this.enter();
    for (const src of sources) {
      if (src === target) continue;
      const elems = this.table.listGet(src);
      if (elems === undefined) continue;
      this.table.remove(src);
      const live = this.ttl === undefined ? elems : (this.ttl.purgeList(elems as [unknown, number][]) ?? []);
      if (live.length > 0) this.table.listAdd(target, live);
    }
  }
}

function checkElement(name: string, v: unknown): void {
  if (v === undefined || v === null) throw new EddyError(`ListState '${name}': null or undefined elements are not allowed`, { domain: 'user' });
}

/** MapState over a state table. */
export class MapStateImpl<K, V> extends AbstractKvState implements MapState<K, V> {
  constructor(ctx: KeyContext, table: StateTable, desc: MapStateDescriptor<K, V>) {
    super(ctx, table, desc);
  }
  get(key: K): V | undefined {
    this.enter();
    const s = this.table.mapGet(this.ns, key);
    const ttl = this.ttl;
    if (s === undefined) return undefined;
    if (ttl === undefined) return this.dec(s) as V;
    const now = ttl.clock.now();
    const tv = s as TtlValue;
    if (ttl.expired(tv, now)) {
      this.table.mapRemove(this.ns, key);
      return ttl.returnExpired ? (this.dec(tv[0]) as V) : undefined;
    }
    if (ttl.updateOnRead && tv[1] !== now) this.table.mapPut(this.ns, key, [tv[0], now]);
    return this.dec(tv[0]) as V;
  }
  put(key: K, value: V): void {
    this.enter();
    this.table.mapPut(this.ns, key, this.enc(value));
  }
  putAll(entries: Map<K, V> | Record<string, V>): void {
    this.enter();
    const it: Iterable<[unknown, V]> = entries instanceof Map ? entries : Object.entries(entries);
    for (const [k, v] of it) this.table.mapPut(this.ns, k, this.enc(v));
  }
  remove(key: K): void {
    this.enter();
    this.table.mapRemove(this.ns, key);
  }
  contains(key: K): boolean {
    return this.get(key) !== undefined;
  }
  entries(): IterableIterator<[K, V]> {
    return this.live()[Symbol.iterator]();
  }
  keys(): IterableIterator<K> {
    return this.live()
      .map((e) => e[0])
      [Symbol.iterator]();
  }
  values(): IterableIterator<V> {
    return this.live()
      .map((e) => e[1])
      [Symbol.iterator]();
  }
  isEmpty(): boolean {
    this.enter();
    if (this.ttl === undefined) return this.table.mapIsEmpty(this.ns);
    return this.live().length === 0;
  }

  /** The live entries as user values, applying TTL (expired entries are removed on the way). */
  private live(): Array<[K, V]> {
    this.enter();
    const all = this.table.mapEntries(this.ns) as Array<[K, unknown]>;
    const ttl = this.ttl;
    if (ttl === undefined) return this.serializer === undefined ? (all as Array<[K, V]>) : all.map(([k, u]) => [k, this.dec(u) as V]);
    const now = ttl.clock.now();
    const out: Array<[K, V]> = [];
    for (const [k, s] of all) {
      const tv = s as TtlValue;
      if (ttl.expired(tv, now)) {
        this.table.mapRemove(this.ns, k);
        if (ttl.returnExpired) out.push([k, this.dec(tv[0]) as V]);
        continue;
      }
      if (ttl.updateOnRead && tv[1] !== now) this.table.mapPut(this.ns, k, [tv[0], now]);
      out.push([k, this.dec(tv[0]) as V]);
    }
    return out;
  }
}
