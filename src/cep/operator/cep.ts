/**
 * `CEP`: the entry point that applies patterns to streams (Flink's `CEP.pattern`), and
 * `CEP.dynamicPatterns`, which runs patterns written as data that a broadcast stream of updates replaces
 * while the job runs.
 */
import { ConfigurationError, keyGroupOf, subtaskForKeyGroup } from '../../core/index.ts';
import { DataStream, KeyedStream, type OutputTag, type TwoInputTransformation } from '../../api/index.ts';
import type { Pattern } from '../pattern/pattern.ts';
import type { FieldTypes } from '../dynamic/expression-compiler.ts';
import type { PatternUpdate } from '../dynamic/pattern-registry.ts';
import type { PatternSpec } from '../dynamic/pattern-spec.ts';
import type { TaggedMatch, TaggedTimedOutMatch } from '../dynamic/dynamic-pattern-set.ts';
import { PatternRegistry } from '../dynamic/pattern-registry.ts';
import type { CepTimeDomain } from './abstract-cep-operator.ts';
import { DynamicCepOperator, type RejectedPatternUpdate, type RoutedPatternUpdate } from './dynamic-cep-operator.ts';
import { PatternStream, type PatternStreamOptions } from './pattern-stream.ts';

/** Options of `CEP.dynamicPatterns`. */
export interface DynamicPatternsOptions<T> {
  /** Event fields the patterns' expressions may read (checked when an update arrives). */
  fields?: FieldTypes;
  /** Patterns registered when the job starts from scratch (not when it restores state). */
  initialPatterns?: PatternSpec[];
  /** Default `'event-time'`. */
  timeDomain?: CepTimeDomain;
  comparator?: (a: T, b: T) => number;
  lateDataOutputTag?: OutputTag<T>;
  /** Partial matches timed out by `within`, tagged with their pattern. */
  timedOutTag?: OutputTag<TaggedTimedOutMatch<T>>;
  /** Updates that were refused, with the reason (emitted once, by subtask 0). */
  rejectedUpdatesTag?: OutputTag<RejectedPatternUpdate>;
  /** Per key and pattern limit on open partial matches, and what exceeding it does. */
  maxPartialMatches?: number;
  limitPolicy?: 'error' | 'drop-oldest';
  /** Heap backend: keep live pattern sets next to their snapshots (default true). */
  stateCache?: boolean;
}

/**
 * Applies patterns to streams.
 *
 * @example
 * ```ts
 * const alerts = CEP.pattern(txs.keyBy((t) => t.card), fraud).select((m) => m.get('large')![0]);
 * const tagged = CEP.dynamicPatterns(readings.keyBy((r) => r.host), updates, { fields: { temp: 'number' } });
 * ```
 */
export const CEP = {
  /** A pattern over `stream`: one NFA per key on a keyed stream, one NFA at parallelism 1 otherwise. */
  pattern<T>(stream: KeyedStream<T, any> | DataStream<T>, pattern: Pattern<T, any>, options: PatternStreamOptions<NoInfer<T>> = {}): PatternStream<T> {
    if (!(stream instanceof DataStream)) throw new ConfigurationError('CEP.pattern: the first argument must be a DataStream');
    return new PatternStream<T>(stream, pattern, options);
  },

  /**
   * Runs the patterns of a registry over `stream`, one `DynamicPatternSet` per key; `updates` (broadcast
   * to every subtask) adds, replaces and removes patterns while the job runs. Every match is
   * `{ patternId, version, match }`.
   */
  dynamicPatterns<T, U extends PatternUpdate = PatternUpdate>(stream: KeyedStream<T, any> | DataStream<T>, updates: DataStream<U>, options: DynamicPatternsOptions<NoInfer<T>> = {}): DataStream<TaggedMatch<T>> {
    if (!(stream instanceof DataStream) || !((updates as unknown) instanceof DataStream))
      throw new ConfigurationError('CEP.dynamicPatterns: expected (stream, updates) DataStreams');
    const registry = { ...(options.fields !== undefined ? { fields: options.fields } : {}), nfa: nfaLimits(options) };
    // fail fast on bad initial patterns
    const check = new PatternRegistry<T>(registry);
    for (const spec of options.initialPatterns ?? []) check.upsert(spec);
    const opOptions = {
      registry,
      initialPatterns: options.initialPatterns,
      timeDomain: options.timeDomain ?? 'event-time',
      comparator: options.comparator,
      lateDataOutputTag: options.lateDataOutputTag,
      timedOutTag: options.timedOutTag,
      rejectedUpdatesTag: options.rejectedUpdatesTag,
      stateCache: options.stateCache,
    } as const;
    const keyed = stream instanceof KeyedStream;
    const input = keyed ? (stream as KeyedStream<T, unknown>) : stream.keyBy(() => 0);
    const env = stream.env;
    // Every subtask must see every update. The runtime sets a key for each record of a keyed two-input
    // operator's second input even when it is broadcast (see docs/cep.md §4), so instead of a broadcast
    // partitioner each update is copied once per subtask under a key owned by that subtask.
    let t: TwoInputTransformation | undefined;
    const routed = updates
      .flatMap<RoutedPatternUpdate>((update: U, out) => {
        const op = t!;
        const keys = routingKeys(op.parallelism ?? env.config.parallelism, op.maxParallelism ?? env.config.maxParallelism);
        for (const key of keys) out.collect({ key, update });
      })
      .name('PatternUpdateFanOut')
      .keyBy((r) => r.key);
    t = env.addTransformation<TwoInputTransformation>({
      kind: 'two-input',
      name: 'DynamicCepOperator',
      input1: input.transformation,
      input2: routed.transformation,
      factory: () => new DynamicCepOperator<T>(opOptions),
      keySelector1: input.keySelector as (v: unknown) => unknown,
      keySelector2: (r: RoutedPatternUpdate) => r.key,
      ...(keyed ? {} : { parallelism: 1 }),
    });
    return new DataStream<TaggedMatch<T>>(stream.env, t);
  },
};

const routingCache = new Map<string, string[]>();

/** One key per subtask of an operator at `parallelism`, each in a key group that subtask owns. */
function routingKeys(parallelism: number, maxParallelism: number): string[] {
  const id = `${parallelism}/${maxParallelism}`;
  let keys = routingCache.get(id);
  if (keys !== undefined) return keys;
  const found: (string | undefined)[] = new Array(parallelism).fill(undefined);
  let missing = parallelism;
  for (let n = 0; missing > 0; n++) {
    const key = `cep-update-${n}`;
    const sub = subtaskForKeyGroup(maxParallelism, parallelism, keyGroupOf(key, maxParallelism));
    if (found[sub] === undefined) {
      found[sub] = key;
      missing--;
    }
  }
  keys = found as string[];
  routingCache.set(id, keys);
  return keys;
}

function nfaLimits(o: { maxPartialMatches?: number; limitPolicy?: 'error' | 'drop-oldest' }) {
  return {
    ...(o.maxPartialMatches !== undefined ? { maxPartialMatches: o.maxPartialMatches } : {}),
    ...(o.limitPolicy !== undefined ? { limitPolicy: o.limitPolicy } : {}),
  };
}
