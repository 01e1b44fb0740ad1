/**
 * {@link RedisLookup}: an async lookup in Redis for `AsyncDataStream`. String values are fetched with one
 * `MGET` per batch of keys; hashes with `HGETALL` per key, pipelined (the client sends the commands of a
 * batch together). A missing key (or an empty hash) is `null`. Each subtask has its own client
 * (the official `redis` client) and, optionally, an LRU cache with a time-to-live. Reads only: a restore
 * simply asks again.
 *
 * @example
 * AsyncDataStream.unorderedWait(clicks,
 *   RedisLookup.of({ url: 'redis://127.0.0.1:6379', keyPrefix: 'user:', key: (c: Click) => c.userId,
 *     parse: JSON.parse, join: (c, user) => ({ ...c, user }), cache: { maxEntries: 10_000, ttlMs: 30_000 } }),
 *   { timeoutMs: 1000 });
 */
import { createClient } from 'redis';
import { ConfigurationError, EddyError } from '../../core/index.ts';
import { LookupFunction, type LookupKey, type LookupOptions } from '../../api/index.ts';

type Client = ReturnType<typeof createClient>;

export interface RedisLookupOptions<IN, K extends LookupKey, V, OUT> extends LookupOptions<IN, K, V, OUT> {
  /** `redis://[user:password@]host:port[/db]`. */
  url: string;
  /** Prepended to every key (default none). */
  keyPrefix?: string;
  /** `'string'` (GET/MGET, the default) or `'hash'` (HGETALL). */
  type?: 'string' | 'hash';
  /** Turns a string value into the value joined (default: the string itself); e.g. `JSON.parse`. Strings only. */
  parse?: (raw: string) => V;
}

/** The URL for messages, password masked. */
function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

export class RedisLookup<IN, K extends LookupKey, V = string, OUT = [IN, V | null]> extends LookupFunction<IN, K, V, OUT> {
  private client: Promise<Client> | undefined;
  private readonly prefix: string;
  private readonly hash: boolean;
  private readonly parse: ((raw: string) => V) | undefined;

  private constructor(private readonly o: RedisLookupOptions<IN, K, V, OUT>) {
    super('RedisLookup.of', o);
    const call = 'RedisLookup.of';
    if (typeof o.url !== 'string' || !/^rediss?:\/\//.test(o.url)) throw new ConfigurationError(`${call}: option 'url' must be a redis:// URL, got ${typeof o.url === 'string' ? JSON.stringify(maskUrl(o.url)) : typeof o.url}`);
    if (o.keyPrefix !== undefined && typeof o.keyPrefix !== 'string') throw new ConfigurationError(`${call}: option 'keyPrefix' must be a string, got ${typeof o.keyPrefix}`);
    if (o.type !== undefined && o.type !== 'string' && o.type !== 'hash') throw new ConfigurationError(`${call}: option 'type' must be 'string' or 'hash', got ${JSON.stringify(o.type)}`);
    if (o.parse !== undefined && typeof o.parse !== 'function') throw new ConfigurationError(`${call}: option 'parse' must be a function (string => value)`);
    if (o.parse !== undefined && o.type === 'hash') throw new ConfigurationError(`${call}: option 'parse' applies to string values only, not to type 'hash'`);
    this.prefix = o.keyPrefix ?? '';
    this.hash = o.type === 'hash';
    this.parse = o.parse;
  }

  /** A lookup function for `AsyncDataStream.orderedWait/unorderedWait`. */
  static of<IN, K extends LookupKey, V = string, OUT = [IN, V | null]>(opts: RedisLookupOptions<IN, K, V, OUT>): RedisLookup<IN, K, V, OUT> {
    if (opts === null || typeof opts !== 'object') throw new ConfigurationError(`RedisLookup.of: options must be an object, got ${opts === null ? 'null' : typeof opts}`);
    return new RedisLookup(opts);
  }

  override open(): void {
    super.open();
    const url = this.o.url;
    let connected = false;
    const client = createClient({
      url,
      socket: { connectTimeout: 5_000, reconnectStrategy: (retries: number, cause: Error) => (connected ? Math.min(100 * (retries + 1), 2_000) : cause) },
    });
    client.on('error', () => undefined); // failures reach the commands; reconnects are automatic
    const p = client.connect().then(
      () => {
        connected = true;
        return client as Client;
      },
      (e: unknown) => {
        client.destroy();
        throw new EddyError(`RedisLookup: cannot connect to Redis at ${maskUrl(url)}: ${(e as Error)?.message ?? e}`, { domain: 'external', retriable: true, cause: e });
      },
    );
    p.catch(() => undefined); // reported by the lookups that wait for it
    this.client = p;
  }

  override close(): void {
    super.close();
    const p = this.client;
    this.client = undefined;
    p?.then(
      (c) => c.close().catch(() => c.destroy()),
      () => undefined,
    );
  }

  protected async fetch(keys: K[]): Promise<Map<string, V>> {
    const p = this.client;
    if (p === undefined) throw new EddyError('RedisLookup: used before open() or after close()', { domain: 'internal' });
    const c = await p;
    const names = keys.map((k) => this.prefix + String(k));
    const found = new Map<string, V>();
    try {
      if (this.hash) {
        const hs = await Promise.all(names.map((n) => c.hGetAll(n)));
        hs.forEach((h, i) => {
          if (h !== null && Object.keys(h).length > 0) found.set(String(keys[i]), { ...h } as V);
        });
      } else {
        const vs = await c.mGet(names);
        vs.forEach((v, i) => {
          if (v !== null && v !== undefined) found.set(String(keys[i]), this.parse ? this.parse(String(v)) : (String(v) as V));
        });
      }
    } catch (e) {
      const which = names.length === 1 ? `key '${names[0]}'` : `${names.length} keys ('${names[0]}' …)`;
      throw new EddyError(`RedisLookup (${this.hash ? 'HGETALL' : 'MGET'} of ${which} at ${maskUrl(this.o.url)}) failed: ${(e as Error)?.message ?? e}`, {
        domain: 'external',
        retriable: true,
        cause: e,
      });
    }
    return found;
  }
}
