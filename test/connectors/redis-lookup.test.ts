// RedisLookup against the real server, through the OperatorHarness: string values in one MGET per batch
// (parsed), hashes, missing keys joined with null, cache hits, and clear errors for a key of the wrong
// type and an unreachable server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { AsyncDataStream, type DataStream } from 'eddy';
import { OperatorHarness } from 'eddy/testing';
import { RedisLookup } from 'eddy/connectors/redis';

const URL_ = process.env.EDDY_TEST_REDIS ?? 'redis://127.0.0.1:6379';

async function redisSkipReason(): Promise<string | undefined> {
  const c = createClient({ url: URL_, socket: { connectTimeout: 3_000, reconnectStrategy: false } });
  c.on('error', () => undefined);
  let why: string | undefined;
  try {
    await c.connect();
    await c.ping();
  } catch (e) {
    why = `Redis is not reachable at ${URL_}: ${(e as Error).message}`;
  } finally {
    if (c.isOpen) await c.close();
  }
  if (why && process.env.CI === 'true') throw new Error(`${why} (CI requires Redis)`);
  return why;
}

const newClient = () => createClient({ url: URL_ });

/** A connected client and a key prefix unique to this run; the keys are deleted afterwards. */
async function withKeys(fn: (c: ReturnType<typeof newClient>, prefix: string) => Promise<void>): Promise<void> {
  const c = newClient();
  await c.connect();
  const prefix = `eddy-lookup-test:${process.pid}:${Math.floor(Math.random() * 1e9)}:`;
  try {
    await fn(c, prefix);
  } finally {
    const keys = await c.keys(`${prefix}*`);
    if (keys.length > 0) await c.del(keys);
    await c.close();
  }
}

interface Click {
  id: number;
  user: string;
}

test('string values (MGET, parsed), null for missing keys, cache hits', { timeout: 120_000 }, async (t) => {
  const skip = await redisSkipReason();
  if (skip) return t.skip(skip);
  await withKeys(async (c, prefix) => {
    await c.set(`${prefix}u1`, JSON.stringify({ name: 'Ada', score: 7 }));
    await c.set(`${prefix}u2`, JSON.stringify({ name: 'Brian', score: 3 }));
    const lookup = RedisLookup.of<Click, string, { name: string; score: number }, string>({
      url: URL_,
      keyPrefix: prefix,
      key: (k) => k.user,
      parse: JSON.parse,
      join: (k, u) => `${k.id}:${u === null ? 'unknown' : `${u.name}/${u.score}`}`,
      cache: { maxEntries: 100, ttlMs: 60_000 },
    });
    const h = OperatorHarness.of((s: DataStream<Click>) => AsyncDataStream.orderedWait(s, lookup, { timeoutMs: 30_000 }));
    const clicks: Click[] = ['u1', 'u2', 'u3', 'u1'].map((user, i) => ({ id: i, user }));
    for (const k of clicks) h.processElement(k);
    await h.settle();
    assert.deepEqual(h.values(), ['0:Ada/7', '1:Brian/3', '2:unknown', '3:Ada/7']);
    assert.deepEqual(lookup.stats(), { hits: 0, misses: 4, keysFetched: 3, requests: 1 });
    for (const k of clicks) h.processElement({ ...k, id: k.id + 10 });
    await h.settle();
    assert.deepEqual(h.values().slice(4), ['10:Ada/7', '11:Brian/3', '12:unknown', '13:Ada/7']);
    assert.deepEqual(lookup.stats(), { hits: 4, misses: 4, keysFetched: 3, requests: 1 }, 'all answered from the cache, the missing key too');
    h.close();
  });
});

test('hashes (HGETALL), the default [input, value] output, and a key of the wrong type', { timeout: 120_000 }, async (t) => {
  const skip = await redisSkipReason();
  if (skip) return t.skip(skip);
  await withKeys(async (c, prefix) => {
    await c.hSet(`${prefix}7`, { name: 'Chen', tier: 'gold' });
    await c.set(`${prefix}8`, 'not a hash');
    const lookup = RedisLookup.of<number, number, Record<string, string>>({ url: URL_, keyPrefix: prefix, type: 'hash', key: (n) => n });
    const h = OperatorHarness.of((s: DataStream<number>) => AsyncDataStream.orderedWait(s, lookup, { timeoutMs: 30_000 }));
    h.processElement(7, 70);
    h.processElement(6, 60);
    await h.settle();
    assert.deepEqual(h.output(), [
      { value: [7, { name: 'Chen', tier: 'gold' }], timestamp: 70 },
      { value: [6, null], timestamp: 60 },
    ]);
    h.processElement(8);
    await assert.rejects(h.settle(), (e: Error) => {
      assert.match(e.message, new RegExp(`async request failed for input 8: RedisLookup \\(HGETALL of key '${prefix}8' at redis://127.0.0.1:6379\\) failed: WRONGTYPE`));
      return true;
    });
    h.close();
  });
});

test('an unreachable server fails the lookup naming it', { timeout: 120_000 }, async () => {
  const lookup = RedisLookup.of<number, number>({ url: 'redis://user:pw@127.0.0.1:1', key: (n) => n });
  const h = OperatorHarness.of((s: DataStream<number>) => AsyncDataStream.unorderedWait(s, lookup, { timeoutMs: 30_000 }));
  h.processElement(1);
  await assert.rejects(h.settle(), /RedisLookup: cannot connect to Redis at redis:\/\/user:\*\*\*@127\.0\.0\.1:1: .*ECONNREFUSED/);
  h.close();
  assert.throws(() => RedisLookup.of<number, number>({ url: 'http://x', key: (n) => n }), /option 'url' must be a redis:\/\/ URL/);
  assert.throws(() => RedisLookup.of<number, number>({ url: URL_, type: 'list' as never, key: (n) => n }), /option 'type' must be 'string' or 'hash'/);
});
