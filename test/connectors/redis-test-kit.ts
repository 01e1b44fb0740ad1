// Helpers for tests that need Redis: the server URL (EDDY_TEST_REDIS, default the local server), whether
// it is reachable (in CI an unreachable server is a failure, elsewhere the test is skipped with the
// reason), unique keys deleted afterwards (with the sink's marker keys), and reading a stream back.
import { createClient } from 'redis';

export const REDIS_URL = process.env.EDDY_TEST_REDIS ?? 'redis://127.0.0.1:6379';

export type Client = ReturnType<typeof createClient>;

let probe: Promise<string | undefined> | undefined;

export async function redisSkipReason(): Promise<string | undefined> {
  probe ??= (async () => {
    const c = createClient({ url: REDIS_URL, socket: { connectTimeout: 3_000, reconnectStrategy: false } });
    c.on('error', () => undefined);
    try {
      await c.connect();
      await c.ping();
      return undefined;
    } catch (e) {
      return `Redis is not reachable at ${REDIS_URL}: ${(e as Error).message}`;
    } finally {
      c.destroy();
    }
  })();
  const why = await probe;
  if (why && process.env.CI === 'true') throw new Error(`${why} (CI requires Redis)`);
  return why;
}

export function uniqueName(base: string): string {
  return `${base}:${process.pid}:${Math.floor(Math.random() * 1e6)}`;
}

export async function withRedis<R>(fn: (c: Client) => Promise<R>): Promise<R> {
  const c = createClient({ url: REDIS_URL });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await fn(c as Client);
  } finally {
    c.destroy();
  }
}

/**
 * Runs `fn` with unique names (`base:<pid>:<n>`), then deletes every key starting with one of them and
 * the sink markers of the prefixes given (`eddy:redis-sink:<prefix>:*`).
 */
export async function withKeys<R>(bases: string[], fn: (...names: string[]) => Promise<R>): Promise<R> {
  const names = bases.map(uniqueName);
  try {
    return await fn(...names);
  } finally {
    await withRedis(async (c) => {
      for (const n of names)
        for (const pattern of [`${n}*`, `eddy:redis-sink:${n}:*`]) {
          const keys: string[] = [];
          for await (const batch of c.scanIterator({ MATCH: pattern, COUNT: 1000 })) keys.push(...(batch as unknown as string[]));
          if (keys.length) await c.del(keys);
        }
    });
  }
}

/** Appends `values[i]` as `{ value }` to `keyOf(i)`. */
export async function append(values: string[], keyOf: (i: number) => string): Promise<void> {
  await withRedis(async (c) => {
    for (let from = 0; from < values.length; from += 1000) {
      const m = c.multi();
      for (let i = from; i < Math.min(values.length, from + 1000); i++) m.xAdd(keyOf(i), '*', { value: values[i]! });
      await m.exec();
    }
  });
}

/** Every entry's `value` of `key`, in stream order. */
export async function values(key: string): Promise<string[]> {
  return withRedis(async (c) => ((await c.xRange(key, '-', '+')) ?? []).map((e) => e!.message.value!));
}

export async function length(key: string): Promise<number> {
  return withRedis((c) => c.xLen(key));
}
