/**
 * The broadcast state pattern: input 1 is the normal (optionally keyed) stream, input 2 a broadcast
 * stream whose elements reach every subtask. Broadcast elements may write the broadcast state; normal
 * elements only read it. With a keyed input 1, `processBroadcastElement` can visit every key's state
 * through `ctx.applyToKeyedState(descriptor, fn)`.
 */
import { EddyError, NO_TIMESTAMP } from '../../core/index.ts';
import type { Collector, OnTimerContext, TimerService, RichFunctionLifecycle } from '../functions.ts';
import type { OutputTag } from '../output-tag.ts';
import type { MapState, MapStateDescriptor, AnyStateDescriptor } from '../../state/index.ts';
import { AbstractStreamOperator } from './abstract-operator.ts';
import { TimestampedCollector } from './simple-operators.ts';
import { userTimerService } from './process-operators.ts';

export interface ReadOnlyBroadcastContext {
  timestamp(): number | undefined;
  output<X>(tag: OutputTag<X>, value: X): void;
  currentProcessingTime(): number;
  currentWatermark(): number;
  /** Read-only view of broadcast state. */
  getBroadcastState<K, V>(d: MapStateDescriptor<K, V>): Pick<MapState<K, V>, 'get' | 'contains' | 'entries' | 'keys' | 'values' | 'isEmpty'>;
}
export interface BroadcastContext extends ReadOnlyBroadcastContext {
  getBroadcastState<K, V>(d: MapStateDescriptor<K, V>): MapState<K, V>;
  /** Keyed only: runs `fn` for every key that has state under `d`. */
  applyToKeyedState<S>(d: AnyStateDescriptor, fn: (key: unknown, state: S) => void): void;
}
export interface KeyedReadOnlyBroadcastContext<K> extends ReadOnlyBroadcastContext {
  getCurrentKey(): K;
  timerService(): TimerService;
}

export interface BroadcastProcessFunctionLike<A, B, O> extends RichFunctionLifecycle {
  processElement(value: A, ctx: ReadOnlyBroadcastContext, out: Collector<O>): void;
  processBroadcastElement(value: B, ctx: BroadcastContext, out: Collector<O>): void;
}
export interface KeyedBroadcastProcessFunctionLike<K, A, B, O> extends RichFunctionLifecycle {
  processElement(value: A, ctx: KeyedReadOnlyBroadcastContext<K>, out: Collector<O>): void;
  processBroadcastElement(value: B, ctx: BroadcastContext, out: Collector<O>): void;
  onTimer?(timestamp: number, ctx: OnTimerContext<K> & KeyedReadOnlyBroadcastContext<K>, out: Collector<O>): void;
}

export abstract class BroadcastProcessFunction<A, B, O> implements BroadcastProcessFunctionLike<A, B, O> {
  abstract processElement(value: A, ctx: ReadOnlyBroadcastContext, out: Collector<O>): void;
  abstract processBroadcastElement(value: B, ctx: BroadcastContext, out: Collector<O>): void;
}
export abstract class KeyedBroadcastProcessFunction<K, A, B, O> implements KeyedBroadcastProcessFunctionLike<K, A, B, O> {
  abstract processElement(value: A, ctx: KeyedReadOnlyBroadcastContext<K>, out: Collector<O>): void;
  abstract processBroadcastElement(value: B, ctx: BroadcastContext, out: Collector<O>): void;
}

export class BroadcastProcessOperator<A, B, O> extends AbstractStreamOperator<A, O> {
  private out!: TimestampedCollector<O>;
  private ts = NO_TIMESTAMP;
  private domain: 'event-time' | 'processing-time' = 'event-time';
  private ctxObj: any;
  private watermark = -Infinity;
  constructor(
    private readonly fn: KeyedBroadcastProcessFunctionLike<unknown, A, B, O>,
    private readonly descriptors: MapStateDescriptor<any, any>[],
    private readonly keyed: boolean,
  ) {
    super();
    this.functions.push(fn);
  }

  override open(): void {
    this.out = new TimestampedCollector<O>(this.output);
    const op = this;
    const allowed = new Set(this.descriptors.map((d) => d.name));
    const bstate = (d: MapStateDescriptor<any, any>) => {
      if (!allowed.has(d.name))
        throw new EddyError(`broadcast state '${d.name}' was not declared in broadcast(...) (operator '${op.ctx.operatorName}')`, { domain: 'user' });
      return op.ctx.operatorState.getBroadcastState(d);
    };
    const timers = userTimerService(this.ctx, () => op.watermark);
    this.ctxObj = {
      timestamp: () => (op.ts === NO_TIMESTAMP ? undefined : op.ts),
      output: (tag: OutputTag<unknown>, v: unknown) => op.output.collectSide(tag, v, op.ts),
      currentProcessingTime: () => op.ctx.clock.now(),
      currentWatermark: () => op.watermark,
      getBroadcastState: bstate,
      getCurrentKey: () => op.keyedState().getCurrentKey(),
      timerService: () => timers,
      timeDomain: () => op.domain,
      applyToKeyedState: (d: AnyStateDescriptor, f: (key: unknown, state: unknown) => void) => {
        if (!op.keyed) throw new EddyError('applyToKeyedState needs a keyed input stream', { domain: 'user' });
        const ks = op.keyedState();
        const prev = safeKey(ks);
        const keys = [...ks.getKeys(d.name)];
        const st = ks.getPartitionedState(d);
        for (const k of keys) {
          ks.setCurrentKey(k);
          f(k, st);
        }
        if (prev !== undefined) ks.setCurrentKey(prev);
      },
    };
    for (const d of this.descriptors) op.ctx.operatorState.getBroadcastState(d);
    super.open();
  }

  processElement(_v: A, _ts: number): void {
    throw new Error('two-input operator: use processElement1/2');
  }
  processElement1(value: A, ts: number): void {
    this.ts = ts;
    this.out.timestamp = ts;
    this.fn.processElement(value, this.ctxObj, this.out);
  }
  processElement2(value: B, ts: number): void {
    this.ts = ts;
    this.out.timestamp = ts;
    this.fn.processBroadcastElement(value, this.ctxObj, this.out);
  }
  override processWatermark(watermark: number): void {
    this.watermark = watermark;
    super.processWatermark(watermark);
  }
  override onEventTime(_k: unknown, _ns: string | number, ts: number): void {
    if (!this.fn.onTimer) return;
    this.ts = ts;
    this.domain = 'event-time';
    this.out.timestamp = ts;
    this.fn.onTimer(ts, this.ctxObj, this.out);
  }
  override onProcessingTime(_k: unknown, _ns: string | number, ts: number): void {
    if (!this.fn.onTimer) return;
    this.ts = NO_TIMESTAMP;
    this.domain = 'processing-time';
    this.out.timestamp = NO_TIMESTAMP;
    this.fn.onTimer(ts, this.ctxObj, this.out);
  }
}

function safeKey(ks: { getCurrentKey(): unknown }): unknown {
  try {
    return ks.getCurrentKey();
  } catch {
    return undefined;
  }
}
