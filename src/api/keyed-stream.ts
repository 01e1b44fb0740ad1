/**
 * `KeyedStream<T, K>`: a stream partitioned by key. Operators on it get keyed state and timers scoped
 * to the current record's key. Rolling aggregations (`reduce`, `sum`, `min`, `max`, `minBy`, `maxBy`)
 * emit the running result after every record, as in Flink.
 *
 * A KeyedStream is a partitioning, not an operator: as in Flink, it has no `name`, `uid`,
 * `setParallelism`, `disableChaining` or `startNewChain` (they are typed `this: never`, so a call does not
 * compile, and one from JavaScript throws a ConfigurationError). Set them on the operator that follows `keyBy`.
 */
import { ConfigurationError } from '../core/index.ts';
import type { StreamEnvironment } from './environment.ts';
import type { OneInputTransformation, OperatorFactory, Transformation } from './transformation.ts';
import type { KeyedProcessFunctionLike, ReduceLike } from './functions.ts';
import { toReducer } from './functions.ts';
import { DataStream, streamClasses } from './datastream.ts';
import { KeyedProcessOperator, KeyedReduceOperator } from './operators/process-operators.ts';
import { fieldAggregator, type FieldRef } from './operators/field-aggregators.ts';
import { WindowedStream, IntervalJoin, type WindowAssigner, type Window } from './windowing/index.ts';

export class KeyedStream<T, K> extends DataStream<T> {
  constructor(
    env: StreamEnvironment,
    transformation: Transformation,
    /** @internal */ readonly keySelector: (v: T) => K,
  ) {
    super(env, transformation);
  }

  /** Not available: name the operator that follows instead, e.g. `keyBy(k).process(fn).name('x')`. */
  override name(this: never, name: string): never {
    return super.name(name) as never;
  }
  /** Not available: give the uid to the operator that follows instead, e.g. `keyBy(k).sum('v').uid('sums')`. */
  override uid(this: never, uid: string): never {
    return super.uid(uid) as never;
  }
  /** Not available: set the parallelism of the operator that follows instead. */
  override setParallelism(this: never, p: number): never {
    return super.setParallelism(p) as never;
  }
  /** Not available: a partitioning is never chained; configure the operator that follows instead. */
  override disableChaining(this: never): never {
    return super.disableChaining() as never;
  }
  /** Not available: a partitioning is never chained; configure the operator that follows instead. */
  override startNewChain(this: never): never {
    return super.startNewChain() as never;
  }

  /** Adds a keyed one-input operator (keyed state and timers available). */
  transformKeyed<R>(name: string, factory: OperatorFactory): DataStream<R> {
    const t = this.env.addTransformation<OneInputTransformation>({
      kind: 'one-input',
      name,
      input: this.transformation,
      factory,
      keySelector: this.keySelector as (v: unknown) => unknown,
    });
    return new DataStream<R>(this.env, t);
  }

  override process<R>(fn: KeyedProcessFunctionLike<K, T, R>): DataStream<R> {
    if (!fn || typeof fn.processElement !== 'function') throw new ConfigurationError('KeyedStream.process: expected an object with processElement()');
    return this.transformKeyed<R>('KeyedProcess', () => new KeyedProcessOperator<K, T, R>(fn));
  }

  reduce(fn: ReduceLike<T>): DataStream<T> {
    if (typeof fn !== 'function' && typeof (fn as any)?.reduce !== 'function') throw new ConfigurationError('reduce: expected a function or an object with reduce()');
    const r = toReducer(fn);
    return this.transformKeyed<T>('Reduce', () => new KeyedReduceOperator<T>(r));
  }

  /** Running sum of a field (or of the values themselves when they are numbers). */
  sum(field?: FieldRef<T>): DataStream<T> {
    return this.transformKeyed<T>('Sum', () => new KeyedReduceOperator<T>(fieldAggregator<T>('sum', field)));
  }
  min(field?: FieldRef<T>): DataStream<T> {
    return this.transformKeyed<T>('Min', () => new KeyedReduceOperator<T>(fieldAggregator<T>('min', field)));
  }
  max(field?: FieldRef<T>): DataStream<T> {
    return this.transformKeyed<T>('Max', () => new KeyedReduceOperator<T>(fieldAggregator<T>('max', field)));
  }
  /** The record with the smallest value of `field` so far (the first one on ties). */
  minBy(field?: FieldRef<T>): DataStream<T> {
    return this.transformKeyed<T>('MinBy', () => new KeyedReduceOperator<T>(fieldAggregator<T>('minBy', field)));
  }
  maxBy(field?: FieldRef<T>): DataStream<T> {
    return this.transformKeyed<T>('MaxBy', () => new KeyedReduceOperator<T>(fieldAggregator<T>('maxBy', field)));
  }

  /**
   * Cuts each key's elements into windows.
   * @example stream.keyBy(b => b.auction).window(TumblingEventTimeWindows.of(10_000)).aggregate(count)
   */
  window<W extends Window>(assigner: WindowAssigner<T, W> | WindowAssigner<unknown, W>): WindowedStream<T, K, W> {
    return new WindowedStream<T, K, W>(this, assigner as WindowAssigner<T, W>);
  }

  /** Joins with another keyed stream on time intervals: `.between(lowerMs, upperMs).process(fn)`. */
  intervalJoin<B>(other: KeyedStream<B, K>): IntervalJoin<T, B, K> {
    return new IntervalJoin<T, B, K>(this, other);
  }
}

streamClasses.KeyedStream = KeyedStream;
