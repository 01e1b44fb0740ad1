/**
 * NATS JetStream and Redis Streams connectors against a plain loop of the same client library on the
 * same data, in one run: each source (bounded read of n messages into a counting sink) against a plain
 * consumer loop, each exactly-once sink (n records, checkpoint every second, committed at the end)
 * against a plain producer loop (the same pipelining: 1024 publishes in flight / 1000 XADDs per MULTI).
 * eddy's figures include starting the job (worker threads), measured alone with an empty input and
 * shown separately.
 *
 *   node --import tsx bench/connectors-nats-redis.ts [--n 200000]
 *
 * Prints a table and writes bench/results/connectors-nats-redis-latest.json.
 */
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, DeliverPolicy } from '@nats-io/jetstream';
import { createClient } from 'redis';
import { runJob } from 'eddy';
import { reportConnectors, type ConnectorRow } from './connectors-report.ts';

const args = process.argv.slice(2);
const N = Number(args[args.indexOf('--n') + 1] ?? 0) || 200_000;
const NATS = process.env.EDDY_TEST_NATS ?? 'nats://127.0.0.1:4222';
const REDIS = process.env.EDDY_TEST_REDIS ?? 'redis://127.0.0.1:6379';
const JOB = new URL('./connectors-nats-redis-job.ts', import.meta.url);
const tag = `${process.pid}`;

const nc = await connect({ servers: NATS });
const jsm = await jetstreamManager(nc);
const js = jetstream(nc);
const rc = createClient({ url: REDIS });
await rc.connect();

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}
async function natsPublish(subject: string, n: number): Promise<void> {
  for (let from = 0; from < n; from += 1024) {
    const acks = [];
    for (let i = from; i < Math.min(n, from + 1024); i++) acks.push(js.publish(subject, `payload-${i + 1}`));
    await Promise.all(acks);
  }
}
async function redisAppend(key: string, n: number): Promise<void> {
  for (let from = 0; from < n; from += 1000) {
    const m = rc.multi();
    for (let i = from; i < Math.min(n, from + 1000); i++) m.xAdd(key, '*', { value: `payload-${i + 1}` });
    await m.exec();
  }
}

const rows: ConnectorRow[] = [];
const names = { src: `bench_src_${tag}`, snk: `bench_snk_${tag}`, empty: `bench_empty_${tag}` };
try {
  for (const s of Object.values(names)) await jsm.streams.add({ name: s, subjects: [`${s}.>`] });
  await natsPublish(`${names.src}.x`, N);
  const startupNats = await time(() => runJob(JOB, { params: { mode: 'nats-source', servers: NATS, stream: names.empty } }));
  const plainRead = await time(async () => {
    const c = await js.consumers.get(names.src, { deliver_policy: DeliverPolicy.All });
    let got = 0;
    while (got < N) for await (const m of await c.fetch({ max_messages: 512, expires: 1000 })) got += m.data.length > 0 ? 1 : 0;
  });
  const eddyRead = await time(() => runJob(JOB, { params: { mode: 'nats-source', servers: NATS, stream: names.src } }));
  rows.push({ what: 'JetStreamSource vs ordered-consumer fetch loop', baseline: plainRead, eddy: eddyRead, startup: startupNats });
  const plainPub = await time(() => natsPublish(`${names.snk}.plain`, N));
  const eddyPub = await time(() => runJob(JOB, { params: { mode: 'nats-sink', servers: NATS, subject: `${names.snk}.eddy`, n: N } }));
  const stored = (await jsm.streams.info(names.snk)).state.messages;
  if (stored !== 2 * N) throw new Error(`the sink stream holds ${stored} messages, expected ${2 * N}`);
  rows.push({ what: 'JetStreamSink (exactly-once) vs publish loop', baseline: plainPub, eddy: eddyPub, startup: startupNats });

  const rk = { src: `bench:src:${tag}`, snk: `bench:snk:${tag}`, plain: `bench:plain:${tag}`, empty: `bench:empty:${tag}` };
  await redisAppend(rk.src, N);
  await rc.xAdd(rk.empty, '*', { value: 'x' });
  const startupRedis = await time(() => runJob(JOB, { params: { mode: 'redis-source', url: REDIS, stream: rk.empty } }));
  const plainXread = await time(async () => {
    let id = '0-0';
    let got = 0;
    while (got < N) {
      const r = (await rc.xRead([{ key: rk.src, id }], { COUNT: 512 })) as { messages: { id: string }[] }[] | null;
      const ms = r?.[0]?.messages ?? [];
      got += ms.length;
      id = ms[ms.length - 1]!.id;
    }
  });
  const eddyXread = await time(() => runJob(JOB, { params: { mode: 'redis-source', url: REDIS, stream: rk.src } }));
  rows.push({ what: 'RedisStreamSource vs XREAD loop', baseline: plainXread, eddy: eddyXread, startup: startupRedis });
  const plainXadd = await time(() => redisAppend(rk.plain, N));
  const eddyXadd = await time(() => runJob(JOB, { params: { mode: 'redis-sink', url: REDIS, stream: rk.snk, n: N } }));
  const len = await rc.xLen(rk.snk);
  if (len !== N) throw new Error(`the sink stream holds ${len} entries, expected ${N}`);
  rows.push({ what: 'RedisStreamSink (exactly-once) vs MULTI/XADD loop', baseline: plainXadd, eddy: eddyXadd, startup: startupRedis });
  for (const k of Object.values(rk)) await rc.del(k);
  for await (const batch of rc.scanIterator({ MATCH: 'eddy:redis-sink:bench-redis-sink:*', COUNT: 1000 })) if ((batch as unknown as string[]).length) await rc.del(batch as unknown as string[]);
} finally {
  for (const s of Object.values(names)) await jsm.streams.delete(s).catch(() => undefined);
  await nc.close();
  rc.destroy();
}

reportConnectors('connectors-nats-redis', 'NATS and Redis connectors', N, rows);
