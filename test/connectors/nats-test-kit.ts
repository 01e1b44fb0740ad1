// Helpers for tests that need NATS JetStream: the server URL (EDDY_TEST_NATS, default the local server),
// whether it is reachable (in CI an unreachable server is a failure, elsewhere the test is skipped with
// the reason), unique streams that are deleted afterwards, publishing, and reading a stream back.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, DeliverPolicy } from '@nats-io/jetstream';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';

export const NATS_URL = process.env.EDDY_TEST_NATS ?? 'nats://127.0.0.1:4222';

let probe: Promise<string | undefined> | undefined;

/** Why NATS tests cannot run here, or undefined when they can; throws in CI when it is unreachable. */
export async function natsSkipReason(): Promise<string | undefined> {
  probe ??= (async () => {
    try {
      const nc = await connect({ servers: NATS_URL, timeout: 3_000 });
      try {
        await (await jetstreamManager(nc)).getAccountInfo();
      } finally {
        await nc.close();
      }
      return undefined;
    } catch (e) {
      return `NATS JetStream is not reachable at ${NATS_URL}: ${(e as Error).message}`;
    }
  })();
  const why = await probe;
  if (why && process.env.CI === 'true') throw new Error(`${why} (CI requires NATS)`);
  return why;
}

export function uniqueName(base: string): string {
  return `${base}_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
}

export async function withNats<R>(fn: (nc: NatsConnection) => Promise<R>): Promise<R> {
  const nc = await connect({ servers: NATS_URL });
  try {
    return await fn(nc);
  } finally {
    await nc.close();
  }
}

/** Creates stream `name` on subjects `<name>.>` (duplicate window in ms), runs `fn`, deletes the stream. */
export async function withStream<R>(name: string, fn: () => Promise<R>, duplicateWindowMs = 120_000): Promise<R> {
  await withNats(async (nc) => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name, subjects: [`${name}.>`], duplicate_window: duplicateWindowMs * 1e6 });
  });
  try {
    return await fn();
  } finally {
    await withNats(async (nc) => (await jetstreamManager(nc)).streams.delete(name)).catch(() => undefined);
  }
}

/** Publishes `payloads[i]` to `subjectOf(i)` and waits for every ack. */
export async function publish(payloads: string[], subjectOf: (i: number) => string): Promise<void> {
  await withNats(async (nc) => {
    const js = jetstream(nc);
    for (let from = 0; from < payloads.length; from += 500) {
      const acks = [];
      for (let i = from; i < Math.min(payloads.length, from + 500); i++) acks.push(js.publish(subjectOf(i), payloads[i]!));
      await Promise.all(acks);
    }
  });
}

/** Every message of `stream` (optionally one subject filter) in stream order: subject and payload. */
export async function readStream(stream: string, filter?: string): Promise<{ subject: string; data: string; seq: number }[]> {
  return withNats(async (nc) => {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(stream);
    const out: { subject: string; data: string; seq: number }[] = [];
    if (info.state.messages === 0) return out;
    const c = await jetstream(nc).consumers.get(stream, { deliver_policy: DeliverPolicy.All, ...(filter ? { filter_subjects: filter } : {}) });
    for (;;) {
      let got = 0;
      let last = false;
      for await (const m of await c.fetch({ max_messages: 1000, expires: 1000 })) {
        got++;
        out.push({ subject: m.subject, data: m.string(), seq: m.seq });
        if (m.info.pending === 0) last = true;
      }
      if (last || got === 0) return out;
    }
  });
}

/** Messages the stream holds. */
export async function streamCount(stream: string): Promise<number> {
  return withNats(async (nc) => (await (await jetstreamManager(nc)).streams.info(stream)).state.messages);
}

/**
 * A TCP proxy to the NATS server that can drop every connection and refuse new ones for a while
 * (a network partition), to test reconnects without touching the shared server.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private blocked = false;
  port = 0;
  /** Connections accepted and proxied so far. */
  accepted = 0;
  constructor(
    private readonly host: string,
    private readonly targetPort: number,
  ) {}
  async start(): Promise<string> {
    this.server = createServer((client) => {
      if (this.blocked) return client.destroy();
      this.accepted++;
      const upstream = tcpConnect(this.targetPort, this.host);
      this.sockets.add(client).add(upstream);
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
    return `nats://127.0.0.1:${this.port}`;
  }
  /** Drops every open connection and refuses new ones until {@link restore}. */
  cut(): void {
    this.blocked = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }
  restore(): void {
    this.blocked = false;
  }
  /** Connections currently proxied (both directions counted once each). */
  get open(): number {
    return this.sockets.size;
  }
  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
