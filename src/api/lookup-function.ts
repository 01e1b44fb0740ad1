/**
 * {@link LookupFunction}: the common part of lookup connectors (PostgreSQL, Redis) used with
 * `AsyncDataStream`: the key of each record, an optional {@link LookupCache}, de-duplication of keys
 * already being fetched, and batching — every key requested in the same turn of the task loop (a batch
 * of records) goes to the store in one request of at most `maxBatchSize` keys. A connector implements
 * {@link fetch} only.
 *
 * Each record yields `join(record, value)` (default `[record, value]`), `value` being `null` for a key
 * the store does not have; `join` returning `undefined` emits nothing (an inner join).
 */
import { ConfigurationError, EddyError, SystemClock, type Clock } from '../core/index.ts';
import { isPlainObject, MAX_TIMER_MS, showValue } from './config.ts';
import { RichAsyncFunction, type ResultFuture } from './async-function.ts';
import { LookupCache, type LookupCacheOptions } from './lookup-cache.ts';

/** A key a lookup can use: compared by its string form. */
export type LookupKey = string | number | bigint | boolean;

export interface LookupOptions<IN, K extends LookupKey, V, OUT> {
  /** The key to look up for a record. */
  key: (input: IN) => K;
  /** The output for a record and its value (`null`: not found); `undefined` emits nothing. Default `[input, value]`. */
  join?: (input: IN, value: V | null) => OUT | undefined;
  /** An LRU cache with a time-to-live, per subtask (none by default). */
  cache?: LookupCacheOptions;
  /** Most keys in one request to the store (default 500). */
  maxBatchSize?: number;
  /** The clock of the cache's time-to-live (tests inject a manual one). */
  clock?: Clock;
}

/** What a lookup did in this subtask. */
export interface LookupStats {
  /** Records answered from the cache. */
  hits: number;
  /** Records whose key was not in the cache. */
  misses: number;
  /** Keys fetched from the store. */
  keysFetched: number;
  /** Requests to the store. */
  requests: number;
}

interface Waiting<IN, K, OUT> {
  key: K;
  inputs: IN[];
  futures: ResultFuture<OUT>[];
}

export abstract class LookupFunction<IN, K extends LookupKey, V, OUT> extends RichAsyncFunction<IN, OUT> {
  private readonly keyOf: (input: IN) => K;
  private readonly join: (input: IN, value: V | null) => OUT | undefined;
  private readonly maxBatchSize: number;
  private readonly cacheOptions: LookupCacheOptions | undefined;
  private readonly clock: Clock;
  private cache: LookupCache<V> | undefined;
  /** Keys requested since the last flush, and keys being fetched (later requests join them). */
  private pending = new Map<string, Waiting<IN, K, OUT>>();
  private readonly fetching = new Map<string, Waiting<IN, K, OUT>>();
  private flushScheduled = false;
  private readonly counters: LookupStats = { hits: 0, misses: 0, keysFetched: 0, requests: 0 };
  private readonly flushNow = (): void => this.flush();

  protected constructor(
    /** Names the connector call in messages, e.g. `PostgresLookup.of`. */
    protected readonly call: string,
    opts: LookupOptions<IN, K, V, OUT>,
  ) {
    super();
    if (typeof opts.key !== 'function') throw new ConfigurationError(`${call}: option 'key' must be a function (record => key), got ${showValue(opts.key)}`);
    if (opts.join !== undefined && typeof opts.join !== 'function') throw new ConfigurationError(`${call}: option 'join' must be a function (record, value) => output, got ${showValue(opts.join)}`);
    const b = opts.maxBatchSize ?? 500;
    if (typeof b !== 'number' || !Number.isInteger(b) || b < 1 || b > 100_000) throw new ConfigurationError(`${call}: option 'maxBatchSize' must be an integer between 1 and 100000, got ${showValue(b)}`);
    if (opts.cache !== undefined) checkCache(call, opts.cache);
    this.keyOf = opts.key;
    this.join = opts.join ?? ((input: IN, value: V | null) => [input, value] as unknown as OUT);
    this.maxBatchSize = b;
    this.cacheOptions = opts.cache;
    this.clock = opts.clock ?? SystemClock;
  }

  /** Fetches `keys` (distinct, at most `maxBatchSize`): the value of each key found, by `String(key)`. */
  protected abstract fetch(keys: K[]): Promise<Map<string, V>>;

  override open(): void {
    if (this.cacheOptions !== undefined) this.cache = new LookupCache<V>(this.cacheOptions, this.clock);
  }

  override close(): void {
    this.cache?.clear();
  }

  /** Cache hits, misses and store requests of this subtask so far. */
  stats(): LookupStats {
    return { ...this.counters };
  }

  asyncInvoke(input: IN, rf: ResultFuture<OUT>): void {
    const k = this.keyOf(input);
    const t = typeof k;
    if (t !== 'string' && t !== 'number' && t !== 'bigint' && t !== 'boolean')
      throw new EddyError(`${this.call}: the key function returned ${showValue(k)} (${k === null ? 'null' : t}); a key must be a string, number, bigint or boolean`, { domain: 'user' });
    const ks = String(k);
    const c = this.cache;
    if (c !== undefined) {
      const v = c.get(ks);
      if (v !== undefined) {
        this.counters.hits++;
        this.answer(input, v, rf);
        return;
      }
    }
    this.counters.misses++;
    const w = this.fetching.get(ks) ?? this.pending.get(ks);
    if (w !== undefined) {
      w.inputs.push(input);
      w.futures.push(rf);
      return;
    }
    this.pending.set(ks, { key: k, inputs: [input], futures: [rf] });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // after the task loop's current slice: every key of the batch goes out together
      queueMicrotask(this.flushNow);
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = new Map();
    let keys: string[] = [];
    for (const ks of batch.keys()) {
      keys.push(ks);
      this.fetching.set(ks, batch.get(ks)!);
      if (keys.length === this.maxBatchSize) {
        this.request(keys);
        keys = [];
      }
    }
    if (keys.length > 0) this.request(keys);
  }

  private request(keys: string[]): void {
    this.counters.requests++;
    this.counters.keysFetched += keys.length;
    let p: Promise<Map<string, V>>;
    try {
      p = this.fetch(keys.map((ks) => this.fetching.get(ks)!.key));
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      (found) => {
        for (const ks of keys) {
          const w = this.fetching.get(ks)!;
          this.fetching.delete(ks);
          const v = found.get(ks) ?? null;
          this.cache?.put(ks, v);
          for (let i = 0; i < w.inputs.length; i++) this.answer(w.inputs[i]!, v, w.futures[i]!);
        }
      },
      (e: unknown) => {
        for (const ks of keys) {
          const w = this.fetching.get(ks)!;
          this.fetching.delete(ks);
          for (const f of w.futures) f.completeExceptionally(e);
        }
      },
    );
  }

  private answer(input: IN, value: V | null, rf: ResultFuture<OUT>): void {
    let out: OUT | undefined;
    try {
      out = this.join(input, value);
    } catch (e) {
      rf.completeExceptionally(e);
      return;
    }
    rf.complete(out === undefined ? [] : [out]);
  }
}

function checkCache(call: string, c: unknown): void {
  if (!isPlainObject(c)) throw new ConfigurationError(`${call}: option 'cache' must be an object { maxEntries, ttlMs, cacheMissing? }, got ${showValue(c)}`);
  for (const k of Object.keys(c))
    if (k !== 'maxEntries' && k !== 'ttlMs' && k !== 'cacheMissing') throw new ConfigurationError(`${call}: unknown option 'cache.${k}' (expected maxEntries, ttlMs, cacheMissing)`);
  const m = c.maxEntries;
  if (typeof m !== 'number' || !Number.isInteger(m) || m < 1) throw new ConfigurationError(`${call}: option 'cache.maxEntries' must be an integer ≥ 1, got ${showValue(m)}`);
  const t = c.ttlMs;
  if (t !== Infinity && (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > MAX_TIMER_MS))
    throw new ConfigurationError(`${call}: option 'cache.ttlMs' must be an integer between 1 and ${MAX_TIMER_MS} (ms) or Infinity, got ${showValue(t)}`);
  if (c.cacheMissing !== undefined && typeof c.cacheMissing !== 'boolean') throw new ConfigurationError(`${call}: option 'cache.cacheMissing' must be a boolean, got ${showValue(c.cacheMissing)}`);
}
