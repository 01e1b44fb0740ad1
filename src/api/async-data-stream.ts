/**
 * `AsyncDataStream`: asynchronous I/O on a stream (Flink's `AsyncDataStream`). Each record starts a
 * request (a database lookup, an HTTP call) and the stream goes on with other records while it runs; up
 * to `capacity` requests are outstanding per subtask. See {@link AsyncWaitOperator} for the semantics.
 *
 * @example
 * const enriched = AsyncDataStream.unorderedWait(orders, async (o: Order) => [{ ...o, customer: await fetchCustomer(o.customerId) }],
 *   { timeoutMs: 1000, capacity: 100 }).name('enrich');
 */
import { ConfigurationError } from '../core/index.ts';
import { isPlainObject, MAX_TIMER_MS, showValue } from './config.ts';
import { DataStream } from './datastream.ts';
import type { AsyncFunctionLike, AsyncWaitOptions } from './async-function.ts';
import { AsyncWaitOperator, type AsyncOutputMode } from './operators/async-wait-operator.ts';

/** Flink's default queue capacity. */
export const DEFAULT_ASYNC_CAPACITY = 100;
/** The largest capacity accepted (the queue holds this many records per subtask). */
export const MAX_ASYNC_CAPACITY = 1 << 20;

export class AsyncDataStream {
  private constructor() {}

  /**
   * Results are emitted in the order their requests complete, but never across a watermark: a result of a
   * record before a watermark leaves before that watermark, one after it leaves after it. Timestamps are kept.
   */
  static unorderedWait<IN, OUT>(stream: DataStream<IN>, fn: AsyncFunctionLike<IN, OUT>, options: AsyncWaitOptions): DataStream<OUT> {
    return AsyncDataStream.add(stream, fn, options, 'unordered', 'AsyncDataStream.unorderedWait');
  }

  /** Results are emitted in the order of the input records (a slow request holds back those after it). */
  static orderedWait<IN, OUT>(stream: DataStream<IN>, fn: AsyncFunctionLike<IN, OUT>, options: AsyncWaitOptions): DataStream<OUT> {
    return AsyncDataStream.add(stream, fn, options, 'ordered', 'AsyncDataStream.orderedWait');
  }

  private static add<IN, OUT>(stream: DataStream<IN>, fn: AsyncFunctionLike<IN, OUT>, options: AsyncWaitOptions, mode: AsyncOutputMode, call: string): DataStream<OUT> {
    if (!(stream instanceof DataStream)) throw new ConfigurationError(`${call}: the first argument must be a DataStream, got ${showValue(stream)}`);
    const ok = typeof fn === 'function' || (fn !== null && typeof fn === 'object' && typeof (fn as { asyncInvoke?: unknown }).asyncInvoke === 'function');
    if (!ok) throw new ConfigurationError(`${call}: expected a function or an AsyncFunction (an object with asyncInvoke()), got ${showValue(fn)}`);
    const { timeoutMs, capacity } = checkOptions(call, options);
    return stream.transform<OUT>(mode === 'ordered' ? 'Async Wait (ordered)' : 'Async Wait', () => new AsyncWaitOperator<IN, OUT>(fn, mode, timeoutMs, capacity));
  }
}

function checkOptions(call: string, o: unknown): { timeoutMs: number; capacity: number } {
  if (!isPlainObject(o)) throw new ConfigurationError(`${call}: options must be an object { timeoutMs, capacity? }, got ${showValue(o)}`);
  for (const k of Object.keys(o)) if (k !== 'timeoutMs' && k !== 'capacity') throw new ConfigurationError(`${call}: unknown option '${k}' (expected timeoutMs, capacity)`);
  const t = o.timeoutMs;
  if (t !== Infinity && (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > MAX_TIMER_MS))
    throw new ConfigurationError(`${call}: option 'timeoutMs' must be an integer between 1 and ${MAX_TIMER_MS} (ms) or Infinity, got ${showValue(t)}`);
  const c = o.capacity ?? DEFAULT_ASYNC_CAPACITY;
  if (typeof c !== 'number' || !Number.isInteger(c) || c < 1 || c > MAX_ASYNC_CAPACITY)
    throw new ConfigurationError(`${call}: option 'capacity' must be an integer between 1 and ${MAX_ASYNC_CAPACITY}, got ${showValue(c)}`);
  return { timeoutMs: t as number, capacity: c };
}
