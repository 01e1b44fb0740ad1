/**
 * `CepOperator`: one pattern over a keyed stream, one NFA per key (Flink's `CepOperator`). The keyed
 * machinery (state, event-time buffer, timers, late data) is in `AbstractCepOperator`; this class compiles
 * the pattern once per subtask (`NFAFactory`) and hands matches and timeouts to the user's
 * {@link PatternProcessFunction}.
 */
import { NO_TIMESTAMP } from '../../core/index.ts';
import { TimestampedCollector, type OutputTag } from '../../api/index.ts';
import type { Pattern } from '../pattern/pattern.ts';
import type { Match, NFA, TimedOutMatch } from '../nfa/nfa.ts';
import type { NFAOptions } from '../nfa/nfa-config.ts';
import { NFAFactory } from '../nfa/nfa-factory.ts';
import type { NFASnapshot } from '../nfa/nfa-snapshot.ts';
import { AbstractCepOperator, type CepCoreOptions } from './abstract-cep-operator.ts';
import type { PatternContext, PatternProcessFunction } from './pattern-process-function.ts';

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
