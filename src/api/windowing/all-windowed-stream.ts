/**
 * {@link AllWindowedStream}: what `dataStream.windowAll(assigner)` returns — windows over the whole
 * stream, computed by one subtask (parallelism 1), as a keyed window on a constant key.
 */
import type { DataStream } from '../datastream.ts';
import type { OutputTag } from '../output-tag.ts';
import type { ReduceLike } from '../functions.ts';
import type { AggregateFunction } from '../../state/index.ts';
import type { WindowAssigner } from './window-assigner.ts';
import type { Trigger } from './trigger.ts';
import type { Evictor } from './evictors.ts';
import type { AllWindowFunctionLike, ProcessAllWindowFunctionLike } from './window-functions.ts';
import { allToProcessWindowFunction } from './window-functions.ts';
import { WindowedStream } from './windowed-stream.ts';
import type { Window } from './windows.ts';

/** A non-keyed stream cut into windows (parallelism 1). */
export class AllWindowedStream<T, W extends Window> {
  private readonly windowed: WindowedStream<T, number, W>;
  constructor(input: DataStream<T>, assigner: WindowAssigner<T, W>) {
    this.windowed = new WindowedStream<T, number, W>(input.keyBy(() => 0), assigner);
  }
  trigger(trigger: Trigger<T, W>): this {
    this.windowed.trigger(trigger);
    return this;
  }
  evictor(evictor: Evictor<T, W>): this {
    this.windowed.evictor(evictor);
    return this;
  }
  allowedLateness(ms: number): this {
    this.windowed.allowedLateness(ms);
    return this;
  }
  sideOutputLateData(tag: OutputTag<T>): this {
    this.windowed.sideOutputLateData(tag);
    return this;
  }
  reduce<R = T>(fn: ReduceLike<T>, windowFn?: AllWindowFunctionLike<T, R, W>): DataStream<R> {
    return this.windowed.reduce<R>(fn, lifted('windowAll().reduce()', windowFn)).setParallelism(1).name(`WindowAll(${String(this.windowed.assigner)}, Reduce)`);
  }
  aggregate<ACC, V, R = V>(agg: AggregateFunction<T, ACC, V>, windowFn?: AllWindowFunctionLike<V, R, W>): DataStream<R> {
    return this.windowed
      .aggregate<ACC, V, R>(agg, lifted('windowAll().aggregate()', windowFn))
      .setParallelism(1)
      .name(`WindowAll(${String(this.windowed.assigner)}, Aggregate)`);
  }
  process<R>(fn: ProcessAllWindowFunctionLike<T, R, W>): DataStream<R> {
    const pwf = allToProcessWindowFunction<T, R, W>('windowAll().process()', fn)!;
    return this.windowed.process<R>(withLifecycle(pwf, fn)).setParallelism(1).name(`WindowAll(${String(this.windowed.assigner)}, Process)`);
  }
  apply<R>(fn: AllWindowFunctionLike<T, R, W>): DataStream<R> {
    const pwf = allToProcessWindowFunction<T, R, W>('windowAll().apply()', fn)!;
    return this.windowed.process<R>(withLifecycle(pwf, fn)).setParallelism(1).name(`WindowAll(${String(this.windowed.assigner)}, Apply)`);
  }
}

function lifted<IN, OUT, W extends Window>(where: string, fn: AllWindowFunctionLike<IN, OUT, W> | undefined) {
  const pwf = allToProcessWindowFunction<IN, OUT, W>(where, fn);
  return pwf === undefined ? undefined : withLifecycle(pwf, fn);
}

/** Forwards open/close/setRuntimeContext of the user's function through the adapter. */
function withLifecycle<P extends object>(adapter: P, user: unknown): P {
  if (user === null || typeof user !== 'object') return adapter;
  const u = user as { open?(): void; close?(): void; setRuntimeContext?(c: unknown): void };
  return Object.assign(adapter, {
    open: u.open ? () => u.open!() : undefined,
    close: u.close ? () => u.close!() : undefined,
    setRuntimeContext: u.setRuntimeContext ? (c: unknown) => u.setRuntimeContext!(c) : undefined,
  });
}
