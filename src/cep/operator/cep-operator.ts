/**
 * `CepOperator`: one pattern over a keyed stream, one NFA per key (Flink's `CepOperator`), and what users
 * implement to consume its matches (Flink's `PatternProcessFunction` and `TimedOutPartialMatchHandler`,
 * with the adapters behind `select` / `flatSelect`). The keyed machinery (state, event-time buffer,
 * timers, late data) is in `AbstractCepOperator`; this class compiles the pattern once per subtask
 * (`NFAFactory`) and hands matches and timeouts to the user's {@link PatternProcessFunction}.
 */
import { NO_TIMESTAMP } from '../../core/index.ts';
import { TimestampedCollector, type Collector, type OutputTag, type RichFunctionLifecycle } from '../../api/index.ts';
import type { Pattern } from '../pattern/pattern.ts';
import type { Match, NFA, TimedOutMatch } from '../nfa/nfa.ts';
import type { NFAOptions } from '../nfa/nfa-config.ts';
import { NFAFactory } from '../nfa/nfa-factory.ts';
import type { NFASnapshot } from '../nfa/nfa-snapshot.ts';
import { AbstractCepOperator, type CepCoreOptions } from './abstract-cep-operator.ts';

/** The context of a match or a timed-out partial match. */
export interface PatternContext {
  /**
   * Event time: the timestamp of the event that completed the match (or the time that completed it), and
   * for a timed-out partial match its expiry time (in both time domains). Processing time: the completing
   * record's timestamp, `undefined` when it has none.
   */
  timestamp(): number | undefined;
  /** The operator's processing-time clock. */
  currentProcessingTime(): number;
  /** Emits to a side output. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** Called for every match (Flink's `PatternProcessFunction`). May be rich (`open`, `close`, runtime context). */
export interface PatternProcessFunction<IN, OUT> extends RichFunctionLifecycle {
  processMatch(match: Match<IN>, ctx: PatternContext, out: Collector<OUT>): void;
  /** Present: the function is also a {@link TimedOutPartialMatchHandler}. */
  processTimedOutMatch?(match: Match<IN>, ctx: PatternContext): void;
}

/** Receives partial matches that `within` timed out; emit through `ctx.output(tag, value)`. */
export interface TimedOutPartialMatchHandler<IN> {
  processTimedOutMatch(match: Match<IN>, ctx: PatternContext): void;
}

/** `select(fn)`: one output per match. */
export type PatternSelectFunction<IN, OUT> = (match: Match<IN>) => OUT;
/** `select(tag, timeoutFn, fn)`: one side output per timed-out partial match, with its expiry time. */
export type PatternTimeoutFunction<IN, L> = (match: Match<IN>, timeoutTimestamp: number) => L;
/** `flatSelect(fn)`: any number of outputs per match. */
export type PatternFlatSelectFunction<IN, OUT> = (match: Match<IN>, out: Collector<OUT>) => void;
/** `flatSelect(tag, timeoutFn, fn)`: any number of side outputs per timed-out partial match. */
export type PatternFlatTimeoutFunction<IN, L> = (match: Match<IN>, timeoutTimestamp: number, out: Collector<L>) => void;

/** @internal */
export function selectAdapter<IN, OUT, L>(fn: PatternSelectFunction<IN, OUT>, timeout?: { tag: OutputTag<L>; fn: PatternTimeoutFunction<IN, L> }): PatternProcessFunction<IN, OUT> {
  const f: PatternProcessFunction<IN, OUT> = { processMatch: (m, _ctx, out) => out.collect(fn(m)) };
  if (timeout !== undefined) f.processTimedOutMatch = (m, ctx) => ctx.output(timeout.tag, timeout.fn(m, ctx.timestamp() ?? ctx.currentProcessingTime()));
  return f;
}

/** @internal */
export function flatSelectAdapter<IN, OUT, L>(
  fn: PatternFlatSelectFunction<IN, OUT>,
  timeout?: { tag: OutputTag<L>; fn: PatternFlatTimeoutFunction<IN, L> },
): PatternProcessFunction<IN, OUT> {
  const f: PatternProcessFunction<IN, OUT> = { processMatch: (m, _ctx, out) => fn(m, out) };
  if (timeout !== undefined)
    f.processTimedOutMatch = (m, ctx) => timeout.fn(m, ctx.timestamp() ?? ctx.currentProcessingTime(), { collect: (v: L) => ctx.output(timeout.tag, v) });
  return f;
}

/** Everything a `CepOperator` is built from. */
export interface CepOperatorOptions<T> extends CepCoreOptions<T> {
  /** NFA options (skip strategy, partial-match limit). */
  nfa: NFAOptions;
}

/** The CEP operator for one pattern. */
export class CepOperator<T, OUT> extends AbstractCepOperator<T, OUT, NFA<T>, Match<T>, TimedOutMatch<T>, NFASnapshot<T>> {
  private factory!: NFAFactory<T>;
  private out!: TimestampedCollector<OUT>;
  private ts = NO_TIMESTAMP;
  private readonly pctx: PatternContext;

  constructor(
    private readonly pattern: Pattern<T, any>,
    private readonly fn: PatternProcessFunction<T, OUT>,
    private readonly options: CepOperatorOptions<T>,
  ) {
    super(options);
    this.functions.push(fn);
    // validate now so a bad pattern fails when the job is built, not when it runs
    this.factory = NFAFactory.of(pattern, options.nfa);
    this.pctx = {
      timestamp: () => (this.ts === NO_TIMESTAMP ? undefined : this.ts),
      currentProcessingTime: () => this.ctx.clock.now(),
      output: <X>(tag: OutputTag<X>, value: X) => this.output.collectSide(tag, value, this.ts),
    };
  }

  override open(): void {
    this.factory = NFAFactory.of(this.pattern, this.options.nfa);
    this.out = new TimestampedCollector<OUT>(this.output);
    super.open();
  }

  processElement(value: T, timestamp: number): void {
    this.onElement(value, timestamp);
  }

  protected canStart(event: T, timestamp: number): boolean {
    return this.factory.canStart(event, timestamp);
  }
  protected createRunner(): NFA<T> {
    return this.factory.create();
  }
  protected restoreRunner(snapshot: NFASnapshot<T>): NFA<T> {
    return this.factory.restore(snapshot);
  }
  protected droppedCount(runner: NFA<T>): number {
    return runner.metrics.droppedPartialMatches;
  }
  protected partialCount(runner: NFA<T>): number {
    return runner.partialMatchCount;
  }
  protected onMatch(match: Match<T>, timestamp: number): void {
    this.ts = timestamp;
    this.out.timestamp = timestamp;
    this.fn.processMatch(match, this.pctx, this.out);
  }
  protected onTimeout(t: TimedOutMatch<T>): void {
    if (this.fn.processTimedOutMatch === undefined) return;
    this.ts = t.timestamp;
    this.fn.processTimedOutMatch(t.match, this.pctx);
  }
}
