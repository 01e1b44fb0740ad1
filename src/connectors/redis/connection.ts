/**
 * Redis clients for the stream connectors (the official `redis` client). The first connect fails fast
 * with an error naming the server (password masked); after that the client reconnects by itself
 * (every 100 ms growing to 2 s, forever), and commands issued meanwhile fail or wait, which the
 * callers retry. Sinks share one client per URL and thread, counted by reference; a source reader
 * has its own (a blocking XREAD holds its connection).
 */
import { createClient } from 'redis';
import { EddyError } from '../../core/index.ts';

export type RedisClient = ReturnType<typeof createClient>;

/** The URL for messages, password masked. */
export function maskRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

/** A connected client; `who` names the caller in errors. */
export async function connectRedis(url: string, who: string, name?: string): Promise<RedisClient> {
  let connected = false;
  const client = createClient({
    url,
    ...(name ? { name } : {}),
    socket: {
      connectTimeout: 5_000,
      reconnectStrategy: (retries: number, cause: Error) => (connected ? Math.min(100 * (retries + 1), 2_000) : cause),
    },
  });
  client.on('error', () => undefined); // errors reach the commands that fail; reconnects are automatic
  try {
    await client.connect();
  } catch (e) {
    client.destroy();
    throw new EddyError(`${who}: cannot connect to Redis at ${maskRedisUrl(url)}: ${(e as Error)?.message ?? e}`, { domain: 'external', retriable: true, cause: e });
  }
  connected = true;
  return client as RedisClient;
}

interface Entry {
  client: Promise<RedisClient>;
  refs: number;
}
const pool = new Map<string, Entry>();

/** A client shared with other users of `url` in this thread; give it back with {@link releaseRedis}. */
export function acquireRedis(url: string, who: string): Promise<RedisClient> {
  let e = pool.get(url);
  if (!e) {
    const client = connectRedis(url, who);
    client.catch(() => pool.delete(url));
    e = { client, refs: 0 };
    pool.set(url, e);
  }
  e.refs++;
  return e.client;
}

export function releaseRedis(url: string): void {
  const e = pool.get(url);
  if (!e || --e.refs > 0) return;
  pool.delete(url);
  e.client.then(
    (c) => c.close().catch(() => c.destroy()),
    () => undefined,
  );
}
