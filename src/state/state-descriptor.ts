/**
 * State descriptors: the name, kind and options under which a piece of state is registered. Everything a
 * function keeps in state is registered by descriptor, so nothing escapes a snapshot. Flink's names.
 *
 * A descriptor's name is unique per operator; registering the same name with another kind is an error.
 */
import { ConfigurationError } from '../core/index.ts';
import type { StateTtlConfig } from './state-ttl-config.ts';
import type { TypeSerializer } from './type-serializer.ts';

/** The kinds of keyed state. `value`, `reducing` and `aggregating` store one value per key and namespace. */
export type StateKind = 'value' | 'list' | 'map' | 'reducing' | 'aggregating';

/** Options common to every descriptor. */
export interface StateDescriptorOptions<T> {
  /** Time to live of values in this state. */
  ttl?: StateTtlConfig;
  /** How values are stored by the lmdb backend (default: msgpackr structured, see `statePackr`). */
  serializer?: TypeSerializer<T>;
}

/** Base of every descriptor. */
export abstract class StateDescriptor<T = unknown> {
  abstract readonly kind: StateKind;
  readonly ttl: StateTtlConfig | undefined;
  readonly serializer: TypeSerializer<T> | undefined;
  constructor(
    readonly name: string,
    opts: StateDescriptorOptions<T> = {},
  ) {
    if (typeof name !== 'string' || name.length === 0) throw new ConfigurationError('a state descriptor needs a non-empty name');
    this.ttl = opts.ttl;
    this.serializer = opts.serializer;
  }
  /** Enables TTL (Flink's `enableTimeToLive`). */
  enableTimeToLive(ttl: StateTtlConfig): this {
    (this as { ttl: StateTtlConfig | undefined }).ttl = ttl;
    return this;
  }
}

/**
 * Describes a {@link ValueState}.
 * @example const count = new ValueStateDescriptor<number>('count', { defaultValue: 0 });
 */
export class ValueStateDescriptor<T> extends StateDescriptor<T> {
  readonly kind = 'value' as const;
  readonly defaultValue: T | undefined;
  constructor(name: string, opts: StateDescriptorOptions<T> & { defaultValue?: T } = {}) {
    super(name, opts);
    this.defaultValue = opts.defaultValue;
  }
}

/** Describes a {@link ListState}; with TTL, every element expires on its own. */
export class ListStateDescriptor<T> extends StateDescriptor<T> {
  readonly kind = 'list' as const;
}

/** Describes a {@link MapState}; the serializer (if any) applies to map values. TTL is per entry. */
export class MapStateDescriptor<K, V> extends StateDescriptor<V> {
  readonly kind = 'map' as const;
  /** Phantom field carrying the key type. */
  declare readonly keyType?: K;
}

/**
 * Describes a {@link ReducingState}: `add(v)` folds `v` into the stored value with `reduce`.
 * @example new ReducingStateDescriptor<number>('sum', (a, b) => a + b)
 */
export class ReducingStateDescriptor<T> extends StateDescriptor<T> {
  readonly kind = 'reducing' as const;
  constructor(
    name: string,
    readonly reduce: (a: T, b: T) => T,
    opts: StateDescriptorOptions<T> = {},
  ) {
    super(name, opts);
    if (typeof reduce !== 'function') throw new ConfigurationError(`ReducingStateDescriptor '${name}' needs a reduce function`);
  }
}

/** Flink's AggregateFunction: an accumulator built up by `add`, read by `getResult`, merged for sessions. */
export interface AggregateFunction<IN, ACC, OUT> {
  createAccumulator(): ACC;
  add(value: IN, acc: ACC): ACC;
  getResult(acc: ACC): OUT;
  merge?(a: ACC, b: ACC): ACC;
}

/** Describes an {@link AggregatingState}; the stored value is the accumulator. */
export class AggregatingStateDescriptor<IN, ACC, OUT> extends StateDescriptor<ACC> {
  readonly kind = 'aggregating' as const;
  /** Phantom fields carrying the input and output types. */
  declare readonly inType?: IN;
  declare readonly outType?: OUT;
  constructor(
    name: string,
    readonly agg: AggregateFunction<IN, ACC, OUT>,
    opts: StateDescriptorOptions<ACC> = {},
  ) {
    super(name, opts);
    if (!agg || typeof agg.createAccumulator !== 'function' || typeof agg.add !== 'function' || typeof agg.getResult !== 'function') {
      throw new ConfigurationError(`AggregatingStateDescriptor '${name}' needs createAccumulator, add and getResult`);
    }
  }
}

/** Any keyed-state descriptor. */
export type AnyStateDescriptor =
  | ValueStateDescriptor<any>
  | ListStateDescriptor<any>
  | MapStateDescriptor<any, any>
  | ReducingStateDescriptor<any>
  | AggregatingStateDescriptor<any, any, any>;
