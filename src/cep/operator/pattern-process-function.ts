/**
 * What users implement to consume matches (Flink's `PatternProcessFunction` and
 * `TimedOutPartialMatchHandler`), and the adapters behind `select` / `flatSelect`.
 */
import type { Collector, OutputTag, RichFunctionLifecycle } from '../../api/index.ts';
import type { Match } from '../nfa/nfa.ts';

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
