/**
 * Interval joins: `keyedA.intervalJoin(keyedB).between(lower, upper).process(fn)` joins each `a` with every
 * `b` of the same key whose timestamp lies in `[a.ts + lower, a.ts + upper]` (bounds inclusive unless
 * `lowerBoundExclusive()` / `upperBoundExclusive()`). {@link IntervalJoinOperator} follows Flink's
 * `IntervalJoinOperator`: a MapState buffer per side keyed by timestamp, a cleanup event-time timer per
 * buffered element, results stamped with `max(a.ts, b.ts)`, and records behind the watermark dropped
 * (counted in `numLateRecordsDropped`) or sent to a late side output.
 */
import { ConfigurationError, EddyError, NO_TIMESTAMP } from '../../core/index.ts';
import type { TwoInputStreamOperator } from '../operator.ts';
import type { Collector, RichFunctionLifecycle } from '../functions.ts';
import { AbstractRichFunction } from '../functions.ts';
import type { OutputTag } from '../output-tag.ts';
import { DataStream } from '../datastream.ts';
import type { KeyedStream } from '../keyed-stream.ts';
import type { TwoInputTransformation } from '../transformation.ts';
import type { MapState, Namespace } from '../../state/index.ts';
import { MapStateDescriptor, VOID_NAMESPACE } from '../../state/index.ts';
import { AbstractStreamOperator } from '../operators/abstract-operator.ts';
import { TimestampedCollector } from '../operators/simple-operators.ts';

/** The context of {@link ProcessJoinFunction.processElement}. */
export interface ProcessJoinContext {
  getLeftTimestamp(): number;
  getRightTimestamp(): number;
  /** The result's timestamp: `max(left, right)`. */
  getTimestamp(): number;
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** Called for each joined pair. */
export interface ProcessJoinFunctionLike<A, B, R> extends RichFunctionLifecycle {
  processElement(left: A, right: B, ctx: ProcessJoinContext, out: Collector<R>): void;
}
export abstract class ProcessJoinFunction<A, B, R> extends AbstractRichFunction implements ProcessJoinFunctionLike<A, B, R> {
  abstract processElement(left: A, right: B, ctx: ProcessJoinContext, out: Collector<R>): void;
}

const LEFT_NS = 'L';
const RIGHT_NS = 'R';

/** Options of {@link IntervalJoinOperator}; bounds are already inclusive. */
export interface IntervalJoinOptions<A, B> {
  lowerBound: number;
  upperBound: number;
  leftLateTag?: OutputTag<A>;
  rightLateTag?: OutputTag<B>;
}

/** The keyed two-input interval join operator (see file comment). */
export class IntervalJoinOperator<A, B, R> extends AbstractStreamOperator<A, R> implements TwoInputStreamOperator<A, B, R> {
  private left!: MapState<number, A[]>;
  private right!: MapState<number, B[]>;
  private out!: TimestampedCollector<R>;
  private lateDropped!: { inc(n?: number): void };
  private leftTs = 0;
  private rightTs = 0;
  private resultTs = 0;
  private readonly jctx: ProcessJoinContext = {
    getLeftTimestamp: () => this.leftTs,
    getRightTimestamp: () => this.rightTs,
    getTimestamp: () => this.resultTs,
    output: (tag, value) => this.output.collectSide(tag, value, this.resultTs),
  };

  constructor(
    private readonly fn: ProcessJoinFunctionLike<A, B, R>,
    private readonly o: IntervalJoinOptions<A, B>,
  ) {
    super();
    this.functions.push(fn);
    if (o.lowerBound > o.upperBound) throw new ConfigurationError(`interval join: lower bound ${o.lowerBound} must be ≤ upper bound ${o.upperBound}`);
  }

  override open(): void {
    const ks = this.ctx.keyedState;
    if (!ks || !this.ctx.timerService) throw new EddyError(`interval join '${this.ctx.operatorName}' needs two keyed streams`, { domain: 'user' });
    const left = ks.getMapState(new MapStateDescriptor<number, A[]>('interval-join-left'));
    const right = ks.getMapState(new MapStateDescriptor<number, B[]>('interval-join-right'));
    left.setCurrentNamespace(VOID_NAMESPACE);
    right.setCurrentNamespace(VOID_NAMESPACE);
    this.left = left;
    this.right = right;
    this.out = new TimestampedCollector<R>(this.output);
    this.lateDropped = this.ctx.metrics.counter('numLateRecordsDropped');
    super.open();
  }

  processElement(_v: A, _ts: number): void {
    throw new Error('two-input operator: use processElement1/2');
  }
  processElement1(value: A, timestamp: number): void {
    this.process(value, timestamp, this.left, this.right, this.o.lowerBound, this.o.upperBound, true);
  }
  processElement2(value: B, timestamp: number): void {
    this.process(value, timestamp, this.right, this.left, -this.o.upperBound, -this.o.lowerBound, false);
  }

  private process<O, T>(value: O, ts: number, ours: MapState<number, O[]>, other: MapState<number, T[]>, lower: number, upper: number, isLeft: boolean): void {
    if (ts === NO_TIMESTAMP || typeof ts !== 'number' || !Number.isFinite(ts))
      throw new EddyError(
        `interval join '${this.ctx.operatorName}': ${isLeft ? 'left' : 'right'} record has no valid timestamp (${ts}); interval joins need event timestamps (assignTimestampsAndWatermarks)`,
        { domain: 'user' },
      );
    const wm = this.ctx.timerService!.currentWatermark();
    if (ts < wm) {
      const tag = isLeft ? this.o.leftLateTag : this.o.rightLateTag;
      if (tag) this.output.collectSide(tag as OutputTag<unknown>, value, ts);
      else this.lateDropped.inc();
      return;
    }
    const bucket = ours.get(ts);
    if (bucket === undefined) ours.put(ts, [value]);
    else {
      bucket.push(value);
      ours.put(ts, bucket);
    }
    for (const [otherTs, values] of [...other.entries()]) {
      if (otherTs < ts + lower || otherTs > ts + upper) continue;
      for (const v of values) {
        if (isLeft) this.emit(value as unknown as A, v as unknown as B, ts, otherTs);
        else this.emit(v as unknown as A, value as unknown as B, otherTs, ts);
      }
    }
    const cleanup = upper > 0 ? ts + upper : ts;
    this.ctx.timerService!.registerEventTimeTimer(isLeft ? LEFT_NS : RIGHT_NS, cleanup);
  }

  private emit(a: A, b: B, aTs: number, bTs: number): void {
    this.leftTs = aTs;
    this.rightTs = bTs;
    this.resultTs = Math.max(aTs, bTs);
    this.out.timestamp = this.resultTs;
    this.fn.processElement(a, b, this.jctx, this.out);
  }

  override onEventTime(_key: unknown, ns: Namespace, timer: number): void {
    const { lowerBound, upperBound } = this.o;
    if (ns === LEFT_NS) this.left.remove(upperBound <= 0 ? timer : timer - upperBound);
    else if (ns === RIGHT_NS) this.right.remove(lowerBound <= 0 ? timer + lowerBound : timer);
  }
}

/** `keyedA.intervalJoin(keyedB)`: set the bounds with `between`. */
export class IntervalJoin<A, B, K> {
  constructor(
    readonly left: KeyedStream<A, K>,
    readonly right: KeyedStream<B, K>,
  ) {
    if (!right || typeof (right as { keySelector?: unknown }).keySelector !== 'function')
      throw new ConfigurationError('intervalJoin: the other stream must be keyed too (call keyBy on it)');
  }
  /** Joins `b` with `a` when `a.ts + lowerMs <= b.ts <= a.ts + upperMs`. */
  between(lowerMs: number, upperMs: number): IntervalJoined<A, B, K> {
    for (const [n, v] of [['lower', lowerMs], ['upper', upperMs]] as const)
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigurationError(`intervalJoin.between: the ${n} bound must be a finite number of milliseconds, got ${v}`);
    if (lowerMs > upperMs) throw new ConfigurationError(`intervalJoin.between(${lowerMs}, ${upperMs}): the lower bound must be ≤ the upper bound`);
    return new IntervalJoined<A, B, K>(this.left, this.right, lowerMs, upperMs);
  }
}

/** An interval join with bounds: optionally make them exclusive, route late data, then `process`. */
export class IntervalJoined<A, B, K> {
  private lowerInclusive = true;
  private upperInclusive = true;
  private leftLate: OutputTag<A> | undefined;
  private rightLate: OutputTag<B> | undefined;
  constructor(
    private readonly left: KeyedStream<A, K>,
    private readonly right: KeyedStream<B, K>,
    private readonly lower: number,
    private readonly upper: number,
  ) {}
  lowerBoundExclusive(): this {
    this.lowerInclusive = false;
    return this;
  }
  upperBoundExclusive(): this {
    this.upperInclusive = false;
    return this;
  }
  /** Left records behind the watermark go to `tag` instead of being dropped. */
  sideOutputLeftLateData(tag: OutputTag<A>): this {
    this.leftLate = tag;
    return this;
  }
  sideOutputRightLateData(tag: OutputTag<B>): this {
    this.rightLate = tag;
    return this;
  }
  process<R>(fn: ProcessJoinFunctionLike<A, B, R>): DataStream<R> {
    if (!fn || typeof fn.processElement !== 'function') throw new ConfigurationError('intervalJoin.process: expected a ProcessJoinFunction (an object with processElement(left, right, ctx, out))');
    const opts: IntervalJoinOptions<A, B> = {
      lowerBound: this.lowerInclusive ? this.lower : this.lower + 1,
      upperBound: this.upperInclusive ? this.upper : this.upper - 1,
      leftLateTag: this.leftLate,
      rightLateTag: this.rightLate,
    };
    if (opts.lowerBound > opts.upperBound)
      throw new ConfigurationError(`intervalJoin.between(${this.lower}, ${this.upper}) with exclusive bounds is empty`);
    const env = this.left.env;
    const t = env.addTransformation<TwoInputTransformation>({
      kind: 'two-input',
      name: `IntervalJoin(${this.lower}, ${this.upper})`,
      input1: this.left.transformation,
      input2: this.right.transformation,
      factory: () => new IntervalJoinOperator<A, B, R>(fn, opts),
      keySelector1: this.left.keySelector as (v: unknown) => unknown,
      keySelector2: this.right.keySelector as (v: unknown) => unknown,
    });
    return new DataStream<R>(env, t);
  }
}
