/**
 * User functions for asynchronous I/O (Flink's `AsyncFunction`, `ResultFuture`, `RichAsyncFunction`),
 * used with {@link AsyncDataStream}. A request starts in `asyncInvoke` and ends when its
 * {@link ResultFuture} is completed — from a Promise callback, a client's callback, any time later.
 *
 * Three forms are accepted:
 * - an object (or class instance) with `asyncInvoke(input, resultFuture)` and optionally
 *   `timeout(input, resultFuture)`; a `RichAsyncFunction` also has `open()`, `close()` and
 *   `getRuntimeContext()`;
 * - a function `(input, resultFuture) => void`;
 * - a function returning a Promise of the results: `async (order) => [await lookup(order)]`.
 *
 * Whatever form, a returned Promise that rejects fails the request; one that resolves to an array
 * completes it (unless the ResultFuture was completed already); one that resolves to `undefined` leaves
 * completion to the ResultFuture.
 */
import { AbstractRichFunction, type RichFunctionLifecycle } from './functions.ts';

/** Completes one asynchronous request. Only the first completion counts; later ones are ignored. */
export interface ResultFuture<OUT> {
  /** The request produced these results (possibly none); each is emitted with the input's timestamp. */
  complete(results: Iterable<OUT>): void;
  /** The request failed: the job fails (and restarts, per its restart strategy). */
  completeExceptionally(error: unknown): void;
}

/** Flink's `AsyncFunction`. */
export interface AsyncFunction<IN, OUT> extends RichFunctionLifecycle {
  /** Starts the request for `input`; complete `resultFuture` when it ends. Called from the task loop: do not block. */
  asyncInvoke(input: IN, resultFuture: ResultFuture<OUT>): void | PromiseLike<Iterable<OUT> | void>;
  /**
   * The request for `input` did not complete within the timeout. Complete `resultFuture` here (with a
   * fallback result, or exceptionally). Without this method a timeout fails the job, naming the operator
   * and the input.
   */
  timeout?(input: IN, resultFuture: ResultFuture<OUT>): void;
}

/** An {@link AsyncFunction} with `open()`, `close()` and `getRuntimeContext()` (Flink's `RichAsyncFunction`). */
export abstract class RichAsyncFunction<IN, OUT> extends AbstractRichFunction implements AsyncFunction<IN, OUT> {
  abstract asyncInvoke(input: IN, resultFuture: ResultFuture<OUT>): void | PromiseLike<Iterable<OUT> | void>;
}

/** What `AsyncDataStream.orderedWait/unorderedWait` accept. */
export type AsyncFunctionLike<IN, OUT> =
  | AsyncFunction<IN, OUT>
  | ((input: IN, resultFuture: ResultFuture<OUT>) => void | PromiseLike<Iterable<OUT> | void>);

/** Options of `AsyncDataStream.orderedWait/unorderedWait`. */
export interface AsyncWaitOptions {
  /**
   * How long a request may take, in ms, from its start (processing time). Then the function's
   * `timeout()` handler runs, or the job fails. `Infinity`: no timeout.
   */
  timeoutMs: number;
  /**
   * How many requests may be in the operator at once: in flight, or completed and waiting to be emitted
   * (default 100, Flink's). When full, the task takes no more input (backpressure).
   */
  capacity?: number;
}
