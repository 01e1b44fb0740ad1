/**
 * Window joins and co-groups: `a.join(b).where(k1).equalTo(k2).window(assigner).apply(fn)` and
 * `a.coGroup(b)...apply(fn)`. As in Flink, both sides are mapped to a tagged union, unioned, keyed by the
 * join key and windowed; a co-group window function splits each window's elements back by side. A join
 * is a co-group that calls the join function for every pair (inner join, nested loop in arrival order).
 */
import { ConfigurationError } from '../../core/index.ts';
import type { DataStream } from '../datastream.ts';
import type { Collector, KeySelectorLike } from '../functions.ts';
import { toKeySelector } from '../functions.ts';
import type { WindowAssigner } from './window-assigner.ts';
import type { Trigger } from './trigger.ts';
import type { Evictor } from './evictors.ts';
import type { Window } from './windows.ts';

/** An element of either side, tagged with its input (1 = first, 2 = second). */
export type TaggedUnion<A, B> = { readonly side: 1; readonly value: A } | { readonly side: 2; readonly value: B };

/** Joins one pair: a lambda `(a, b) => r` or `{ join(a, b) }`. */
export type JoinFunctionLike<A, B, R> = ((first: A, second: B) => R) | { join(first: A, second: B): R };
/** Joins one pair into any number of results: `(a, b, out) => …` or `{ join(a, b, out) }`. */
export type FlatJoinFunctionLike<A, B, R> = ((first: A, second: B, out: Collector<R>) => void) | { join(first: A, second: B, out: Collector<R>): void };
/** Gets both sides' elements of one key and window (either may be empty). */
export type CoGroupFunctionLike<A, B, R> =
  | ((first: A[], second: B[], out: Collector<R>) => void)
  | { coGroup(first: A[], second: B[], out: Collector<R>): void };

function selector<T, K>(where: string, k: KeySelectorLike<T, K>): (v: T) => K {
  if (typeof k !== 'function' && typeof (k as { getKey?: unknown })?.getKey !== 'function') throw new ConfigurationError(`${where}: expected a key selector`);
  return toKeySelector(k);
}

/** `a.coGroup(b)` / `a.join(b)`: pick the first side's key with `where`. */
export class CoGroupedStreams<A, B> {
  constructor(
    readonly first: DataStream<A>,
    readonly second: DataStream<B>,
    private readonly kind: 'CoGroup' | 'Join' = 'CoGroup',
  ) {
    if (first.env !== second.env) throw new ConfigurationError(`${kind.toLowerCase()}: streams belong to different environments`);
  }
  where<K>(key1: KeySelectorLike<A, K>): { equalTo(key2: KeySelectorLike<B, K>): CoGroupWhereEqual<A, B, K> } {
    const k1 = selector(`${this.kind}.where`, key1);
    return { equalTo: (key2) => new CoGroupWhereEqual<A, B, K>(this.first, this.second, k1, selector(`${this.kind}.equalTo`, key2), this.kind) };
  }
}

/** `a.join(b)`: the same as a co-group, finished with a join function. */
export class JoinedStreams<A, B> {
  constructor(
    readonly first: DataStream<A>,
    readonly second: DataStream<B>,
  ) {
    if (first.env !== second.env) throw new ConfigurationError('join: streams belong to different environments');
  }
  where<K>(key1: KeySelectorLike<A, K>): { equalTo(key2: KeySelectorLike<B, K>): JoinWhereEqual<A, B, K> } {
    const k1 = selector('Join.where', key1);
    return { equalTo: (key2) => new JoinWhereEqual<A, B, K>(new CoGroupWhereEqual<A, B, K>(this.first, this.second, k1, selector('Join.equalTo', key2), 'Join')) };
  }
}

/** Both keys chosen: pick the window. */
export class CoGroupWhereEqual<A, B, K> {
  constructor(
    readonly first: DataStream<A>,
    readonly second: DataStream<B>,
    readonly key1: (a: A) => K,
    readonly key2: (b: B) => K,
    readonly kind: 'CoGroup' | 'Join',
  ) {}
  window<W extends Window>(assigner: WindowAssigner<TaggedUnion<A, B>, W>): WithWindow<A, B, K, W> {
    return new WithWindow<A, B, K, W>(this, assigner);
  }
}

/** Both keys chosen (join): pick the window. */
export class JoinWhereEqual<A, B, K> {
  constructor(private readonly inner: CoGroupWhereEqual<A, B, K>) {}
  window<W extends Window>(assigner: WindowAssigner<TaggedUnion<A, B>, W>): JoinWithWindow<A, B, K, W> {
    return new JoinWithWindow<A, B, K, W>(new WithWindow<A, B, K, W>(this.inner, assigner));
  }
}

/** A windowed co-group: optionally `trigger`, `evictor`, `allowedLateness`, then `apply`. */
export class WithWindow<A, B, K, W extends Window> {
  private trig: Trigger<TaggedUnion<A, B>, W> | undefined;
  private evict: Evictor<TaggedUnion<A, B>, W> | undefined;
  private lateness = 0;
  constructor(
    private readonly spec: CoGroupWhereEqual<A, B, K>,
    private readonly assigner: WindowAssigner<TaggedUnion<A, B>, W>,
  ) {}
  trigger(t: Trigger<TaggedUnion<A, B>, W>): this {
    this.trig = t;
    return this;
  }
  evictor(e: Evictor<TaggedUnion<A, B>, W>): this {
    this.evict = e;
    return this;
  }
  allowedLateness(ms: number): this {
    this.lateness = ms;
    return this;
  }
  /** Calls `fn(firstElements, secondElements, out)` per key and window. */
  apply<R>(fn: CoGroupFunctionLike<A, B, R>): DataStream<R> {
    const call =
      typeof fn === 'function'
        ? fn
        : fn && typeof fn.coGroup === 'function'
          ? (a: A[], b: B[], out: Collector<R>) => fn.coGroup(a, b, out)
          : undefined;
    if (!call) throw new ConfigurationError(`${this.spec.kind}.apply: expected a function or an object with ${this.spec.kind === 'Join' ? 'join' : 'coGroup'}()`);
    const { first, second, key1, key2, kind } = this.spec;
    const tagged1 = first.map((value: A): TaggedUnion<A, B> => ({ side: 1, value })).name(`${kind}: tag input 1`);
    const tagged2 = second.map((value: B): TaggedUnion<A, B> => ({ side: 2, value })).name(`${kind}: tag input 2`);
    const keyed = tagged1.union(tagged2).keyBy((u: TaggedUnion<A, B>) => (u.side === 1 ? key1(u.value) : key2(u.value)));
    const windowed = keyed.window(this.assigner);
    if (this.trig) windowed.trigger(this.trig);
    if (this.evict) windowed.evictor(this.evict);
    windowed.allowedLateness(this.lateness);
    const userFn = (typeof fn === 'object' ? fn : undefined) as { open?(): void; close?(): void } | undefined;
    const wf = {
      process(_k: K, _c: unknown, elements: readonly TaggedUnion<A, B>[], out: Collector<R>) {
        const as: A[] = [];
        const bs: B[] = [];
        for (const e of elements) {
          if (e.side === 1) as.push(e.value);
          else bs.push(e.value);
        }
        call(as, bs, out);
      },
      open: userFn?.open ? () => userFn.open!() : undefined,
      close: userFn?.close ? () => userFn.close!() : undefined,
    };
    return windowed.process<R>(wf).name(`${kind}(${String(this.assigner)})`);
  }
}

/** A windowed join: `apply(joinFn)` (or a flat join function taking `out` as third argument). */
export class JoinWithWindow<A, B, K, W extends Window> {
  constructor(private readonly inner: WithWindow<A, B, K, W>) {}
  trigger(t: Trigger<TaggedUnion<A, B>, W>): this {
    this.inner.trigger(t);
    return this;
  }
  evictor(e: Evictor<TaggedUnion<A, B>, W>): this {
    this.inner.evictor(e);
    return this;
  }
  allowedLateness(ms: number): this {
    this.inner.allowedLateness(ms);
    return this;
  }
  /**
   * Calls the join function for every pair of one key and window. A function (or `join` method) declared
   * with three parameters is a flat join: it gets the collector and emits any number of results.
   */
  apply<R>(fn: JoinFunctionLike<A, B, R> | FlatJoinFunctionLike<A, B, R>): DataStream<R> {
    const j = typeof fn === 'function' ? fn : fn && typeof fn.join === 'function' ? fn.join.bind(fn) : undefined;
    if (!j) throw new ConfigurationError('Join.apply: expected a function or an object with join()');
    const flat = j.length >= 3;
    return this.inner.apply<R>((as, bs, out) => {
      for (const a of as)
        for (const b of bs) {
          if (flat) (j as (a: A, b: B, out: Collector<R>) => void)(a, b, out);
          else out.collect((j as (a: A, b: B) => R)(a, b));
        }
    });
  }
}
