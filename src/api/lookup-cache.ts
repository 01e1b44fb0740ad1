/**
 * {@link LookupCache}: a bounded LRU cache with a time-to-live, for lookup functions (Flink's partial
 * lookup cache). Keys are strings; a cached `null` records a key the store does not have. A `Map` keeps
 * insertion order, so the least recently used entry is the first one: a hit moves its entry to the end.
 */
import type { Clock } from '../core/index.ts';

export interface LookupCacheOptions {
  /** Most entries kept; the least recently used one is evicted beyond it. */
  maxEntries: number;
  /** How long an entry is valid after it was loaded, in ms (`Infinity`: until evicted). */
  ttlMs: number;
  /** Whether keys the store does not have are cached too (default true, as Flink's cache-missing-key). */
  cacheMissing?: boolean;
}

interface Entry<V> {
  value: V | null;
  expires: number;
}

export class LookupCache<V> {
  private readonly map = new Map<string, Entry<V>>();
  readonly cacheMissing: boolean;
  constructor(
    private readonly opts: LookupCacheOptions,
    private readonly clock: Clock,
  ) {
    this.cacheMissing = opts.cacheMissing !== false;
  }

  /** The cached value (`null`: known missing), or `undefined` on a miss or an expired entry. */
  get(key: string): V | null | undefined {
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    this.map.delete(key);
    if (e.expires <= this.clock.now()) return undefined;
    this.map.set(key, e);
    return e.value;
  }

  put(key: string, value: V | null): void {
    if (value === null && !this.cacheMissing) return;
    this.map.delete(key);
    this.map.set(key, { value, expires: this.opts.ttlMs === Infinity ? Infinity : this.clock.now() + this.opts.ttlMs });
    if (this.map.size > this.opts.maxEntries) this.map.delete(this.map.keys().next().value as string);
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
  }
}
