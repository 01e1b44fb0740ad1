/** Two-input operators behind `connect(...)`: CoMap, CoFlatMap and CoProcess (keyed or not). */
import { NO_TIMESTAMP } from '../../core/index.ts';
import type { TwoInputStreamOperator } from '../operator.ts';
import type { CoFlatMapFunction, CoMapFunction, CoProcessFunctionLike } from '../functions.ts';
import type { OutputTag } from '../output-tag.ts';
import { AbstractStreamOperator } from './abstract-operator.ts';
import { TimestampedCollector } from './simple-operators.ts';
import { ProcessContextImpl, userTimerService } from './process-operators.ts';

abstract class AbstractTwoInput<I1, I2, O> extends AbstractStreamOperator<I1, O> implements TwoInputStreamOperator<I1, I2, O> {
  processElement(_v: I1, _ts: number): void {
    throw new Error('two-input operator: use processElement1/2');
  }
  abstract processElement1(value: I1, timestamp: number): void;
  abstract processElement2(value: I2, timestamp: number): void;
}

export class CoStreamMap<I1, I2, O> extends AbstractTwoInput<I1, I2, O> {
  constructor(private readonly fn: CoMapFunction<I1, I2, O>) {
    super();
    this.functions.push(fn);
  }
  processElement1(v: I1, ts: number): void {
    this.output.collect(this.fn.map1(v), ts);
  }
  processElement2(v: I2, ts: number): void {
    this.output.collect(this.fn.map2(v), ts);
  }
}

export class CoStreamFlatMap<I1, I2, O> extends AbstractTwoInput<I1, I2, O> {
  private out!: TimestampedCollector<O>;
  constructor(private readonly fn: CoFlatMapFunction<I1, I2, O>) {
    super();
    this.functions.push(fn);
  }
  override open(): void {
    this.out = new TimestampedCollector<O>(this.output);
    super.open();
  }
  processElement1(v: I1, ts: number): void {
    this.out.timestamp = ts;
    this.fn.flatMap1(v, this.out);
  }
  processElement2(v: I2, ts: number): void {
    this.out.timestamp = ts;
    this.fn.flatMap2(v, this.out);
  }
}

/** CoProcess; when the inputs are keyed, timers and keyed state are available. */
export class CoProcessOperator<I1, I2, O> extends AbstractTwoInput<I1, I2, O> {
  private pctx!: ProcessContextImpl<unknown>;
  private out!: TimestampedCollector<O>;
  constructor(private readonly fn: CoProcessFunctionLike<I1, I2, O>) {
    super();
    this.functions.push(fn);
  }
  override open(): void {
    this.out = new TimestampedCollector<O>(this.output);
    this.pctx = new ProcessContextImpl<unknown>(this.ctx, this.output, userTimerService(this.ctx, () => -Infinity));
    super.open();
  }
  processElement1(v: I1, ts: number): void {
    this.pctx.ts = ts;
    this.out.timestamp = ts;
    this.fn.processElement1(v, this.pctx, this.out);
  }
  processElement2(v: I2, ts: number): void {
    this.pctx.ts = ts;
    this.out.timestamp = ts;
    this.fn.processElement2(v, this.pctx, this.out);
  }
  override onEventTime(_k: unknown, _ns: string | number, ts: number): void {
    if (!this.fn.onTimer) return;
    this.pctx.ts = ts;
    this.pctx.domain = 'event-time';
    this.out.timestamp = ts;
    this.fn.onTimer(ts, this.pctx, this.out);
  }
  override onProcessingTime(_k: unknown, _ns: string | number, ts: number): void {
    if (!this.fn.onTimer) return;
    this.pctx.ts = NO_TIMESTAMP;
    this.pctx.domain = 'processing-time';
    this.out.timestamp = NO_TIMESTAMP;
    this.fn.onTimer(ts, this.pctx, this.out);
  }
}
