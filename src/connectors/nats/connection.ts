/**
 * NATS connections shared per worker thread: every reader, writer and committer of the same servers
 * and credentials in one thread uses one connection (NATS multiplexes), counted by reference and
 * closed when the last user releases it. The client reconnects by itself (forever, every 250 ms);
 * only the first connect fails fast, with an error naming the server (without its password).
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { EddyError } from '../../core/index.ts';

/** How to reach NATS: `servers` as `nats://host:port` (one or a list), optional credentials. */
export interface NatsConnectionOptions {
  servers: string | string[];
  user?: string;
  pass?: string;
  token?: string;
  /** First connect timeout (ms, default 5000). */
  connectTimeoutMs?: number;
}

interface Entry {
  nc: Promise<NatsConnection>;
  refs: number;
}
const pool = new Map<string, Entry>();

/** Server URLs for messages: passwords and tokens in URLs are masked. */
export function describeServers(servers: string | string[]): string {
  const list = Array.isArray(servers) ? servers : [servers];
  return list.map(maskUrl).join(', ');
}

function maskUrl(s: string): string {
  try {
    const u = new URL(s.includes('://') ? s : `nats://${s}`);
    if (u.password) u.password = '***';
    else if (u.username && !u.password) u.username = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return s.replace(/:[^:@/]*@/, ':***@');
  }
}

function key(o: NatsConnectionOptions): string {
  return JSON.stringify([o.servers, o.user ?? null, o.pass ?? null, o.token ?? null]);
}

/** A connection to `o.servers`, shared with other users in this thread; give it back with {@link releaseNats}. */
export function acquireNats(o: NatsConnectionOptions, who: string): Promise<NatsConnection> {
  const k = key(o);
  let e = pool.get(k);
  if (!e) {
    const nc = connect({
      servers: o.servers,
      user: o.user,
      pass: o.pass,
      token: o.token,
      timeout: o.connectTimeoutMs ?? 5_000,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      ignoreClusterUpdates: true,
      name: 'eddy',
    }).catch((err: unknown) => {
      pool.delete(k);
      throw new EddyError(`${who}: cannot connect to NATS at ${describeServers(o.servers)}: ${(err as Error)?.message ?? err}`, {
        domain: 'external',
        retriable: true,
        cause: err,
      });
    });
    nc.catch(() => undefined); // users see the error where they await it
    e = { nc, refs: 0 };
    pool.set(k, e);
  }
  e.refs++;
  return e.nc;
}

/** Gives a connection from {@link acquireNats} back; the last release drains and closes it. */
export function releaseNats(o: NatsConnectionOptions): void {
  const k = key(o);
  const e = pool.get(k);
  if (!e) return;
  if (--e.refs > 0) return;
  pool.delete(k);
  e.nc.then(
    (nc) => nc.close().catch(() => undefined),
    () => undefined,
  );
}
