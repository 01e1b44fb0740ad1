/**
 * `PatternStream`: a pattern applied to a stream, turned into a `DataStream` by `process`, `select` or
 * `flatSelect` (Flink's `PatternStream`). Keyed streams get one NFA per key; a non-keyed stream is keyed
 * by a constant and the operator runs at parallelism 1, as in Flink.
 */
import { ConfigurationError } from '../../core/index.ts';
import { KeyedStream, type DataStream, type OutputTag } from '../../api/index.ts';
import type { Pattern } from '../pattern/pattern.ts';
import type { AfterMatchSkipStrategy } from '../pattern/after-match-skip-strategy.ts';
import { NFAFactory } from '../nfa/nfa-factory.ts';
import type { CepTimeDomain } from './abstract-cep-operator.ts';
import { CepOperator } from './cep-operator.ts';
import {
  flatSelectAdapter,
  selectAdapter,
  type PatternFlatSelectFunction,
  type PatternFlatTimeoutFunction,
  type PatternProcessFunction,
  type PatternSelectFunction,
  type PatternTimeoutFunction,
} from './cep-operator.ts';

/** Options of `CEP.pattern`. */
export interface PatternStreamOptions<T> {
  /** After-match skip strategy (default: the pattern's own, `noSkip()` unless given to `begin`). */
  skip?: AfterMatchSkipStrategy;
  /** Orders events with equal timestamps before matching (event time); arrival order breaks ties. */
  comparator?: (a: T, b: T) => number;
  /** Late events (timestamp ≤ watermark) go here; without it they are dropped and counted. */
  lateDataOutputTag?: OutputTag<T>;
  /** Default `'event-time'` (events reordered by timestamp, `within` measured in event time). */
  timeDomain?: CepTimeDomain;
  /** Per-key limit on open partial matches (default: unlimited). */
  maxPartialMatches?: number;
  /** What exceeding `maxPartialMatches` does: `'error'` (fail the job, default) or `'drop-oldest'`. */
  limitPolicy?: 'error' | 'drop-oldest';
  /** Heap backend: keep live NFAs next to their snapshots in keyed state (default true; see docs/cep.md §4). */
  stateCache?: boolean;
}

/** A pattern over a stream; call {@link PatternStream.process}, `select` or `flatSelect` to get the matches. */
export class PatternStream<T> {
  /** @internal use `CEP.pattern` */
  constructor(
    /** The input stream. */ readonly input: DataStream<T>,
    /** The pattern. */ readonly pattern: Pattern<T, any>,
    /** The options. */ readonly options: Readonly<PatternStreamOptions<T>> = {},
  ) {
    // fail fast: a bad pattern or option is reported when the job is built
    NFAFactory.of(pattern, this.nfaOptions());
    const d = options.timeDomain;
    if (d !== undefined && d !== 'event-time' && d !== 'processing-time')
      throw new ConfigurationError(`CEP.pattern: timeDomain must be 'event-time' or 'processing-time', got ${JSON.stringify(d)}`);
    if (options.comparator !== undefined && typeof options.comparator !== 'function') throw new ConfigurationError('CEP.pattern: comparator must be a function');
  }

  /** The same pattern stream with late data sent to `tag` (Flink's `sideOutputLateData`). */
  sideOutputLateData(tag: OutputTag<T>): PatternStream<T> {
    return new PatternStream(this.input, this.pattern, { ...this.options, lateDataOutputTag: tag });
  }
  /** The same pattern stream in processing time (Flink's `inProcessingTime`). */
  inProcessingTime(): PatternStream<T> {
    return new PatternStream(this.input, this.pattern, { ...this.options, timeDomain: 'processing-time' });
  }
  /** The same pattern stream in event time (the default). */
  inEventTime(): PatternStream<T> {
    return new PatternStream(this.input, this.pattern, { ...this.options, timeDomain: 'event-time' });
  }

  /** Calls `fn.processMatch` for every match (and `fn.processTimedOutMatch`, if present, for timeouts). */
  process<R>(fn: PatternProcessFunction<T, R>): DataStream<R> {
    if (fn === null || typeof fn !== 'object' || typeof fn.processMatch !== 'function')
      throw new ConfigurationError('PatternStream.process: expected an object with processMatch(match, ctx, out)');
    const o = this.options;
    const opOptions = {
      nfa: this.nfaOptions(),
      timeDomain: o.timeDomain ?? 'event-time',
      comparator: o.comparator,
      lateDataOutputTag: o.lateDataOutputTag,
      stateCache: o.stateCache,
    } as const;
    const factory = () => new CepOperator<T, R>(this.pattern, fn, opOptions);
    const input = this.input;
    if (input instanceof KeyedStream) return input.transformKeyed<R>('CepOperator', factory);
    // non-keyed: one NFA for the whole stream, at parallelism 1 (Flink keys by a constant the same way)
    return input
      .keyBy(() => 0)
      .transformKeyed<R>('GlobalCepOperator', factory)
      .setParallelism(1);
  }

  /** One output per match; with a tag and a timeout function, one side output per timed-out partial match. */
  select<R>(fn: PatternSelectFunction<T, R>): DataStream<R>;
  select<L, R>(timeoutTag: OutputTag<L>, timeoutFn: PatternTimeoutFunction<T, L>, fn: PatternSelectFunction<T, R>): DataStream<R>;
  select<L, R>(a: PatternSelectFunction<T, R> | OutputTag<L>, b?: PatternTimeoutFunction<T, L>, c?: PatternSelectFunction<T, R>): DataStream<R> {
    if (typeof a === 'function') return this.process(selectAdapter<T, R, L>(a));
    if (typeof b !== 'function' || typeof c !== 'function') throw new ConfigurationError('PatternStream.select: expected (fn) or (timeoutTag, timeoutFn, fn)');
    return this.process(selectAdapter<T, R, L>(c, { tag: a, fn: b }));
  }

  /** Any number of outputs per match; with a tag and a timeout function, also for timed-out partial matches. */
  flatSelect<R>(fn: PatternFlatSelectFunction<T, R>): DataStream<R>;
  flatSelect<L, R>(timeoutTag: OutputTag<L>, timeoutFn: PatternFlatTimeoutFunction<T, L>, fn: PatternFlatSelectFunction<T, R>): DataStream<R>;
  flatSelect<L, R>(a: PatternFlatSelectFunction<T, R> | OutputTag<L>, b?: PatternFlatTimeoutFunction<T, L>, c?: PatternFlatSelectFunction<T, R>): DataStream<R> {
    if (typeof a === 'function') return this.process(flatSelectAdapter<T, R, L>(a));
    if (typeof b !== 'function' || typeof c !== 'function') throw new ConfigurationError('PatternStream.flatSelect: expected (fn) or (timeoutTag, timeoutFn, fn)');
    return this.process(flatSelectAdapter<T, R, L>(c, { tag: a, fn: b }));
  }

  private nfaOptions() {
    const o = this.options;
    return {
      ...(o.skip !== undefined ? { skip: o.skip } : {}),
      ...(o.maxPartialMatches !== undefined ? { maxPartialMatches: o.maxPartialMatches } : {}),
      ...(o.limitPolicy !== undefined ? { limitPolicy: o.limitPolicy } : {}),
    };
  }
}
