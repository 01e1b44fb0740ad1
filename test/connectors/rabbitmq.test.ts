// RabbitMQ connector against the real broker: the source acknowledges only when checkpoints complete
// (without checkpoints every message returns to the queue), drops redelivered messages by message id, and
// delivers each message once to the job's state across a failure and restore and across dropped
// connections (an in-process TCP proxy); the sink publishes every record with confirms, at least once
// across a dropped connection; bad configuration fails with a clear error. Skipped (with the reason)
// without RabbitMQ, except in CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { runJob } from 'eddy';
import { RabbitMQSink, RabbitMQSource } from 'eddy/connectors/rabbitmq';
import { AMQP_URL, amqpSkipReason, publish, ready, withQueue } from './rabbitmq-test-kit.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

const JOB = new URL('../jobs/rabbitmq-job.ts', import.meta.url);
const T = { timeout: 120_000 };
const bodies = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `m${i + from}`);

async function withDir<R>(fn: (dir: string) => Promise<R>): Promise<R> {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-rmq-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A fresh queue reached through an in-process TCP proxy (its URL), and the proxy to drop connections. */
async function withProxiedQueue(fn: (queue: string, ch: amqp.ConfirmChannel, url: string, proxy: TcpProxy) => Promise<void>): Promise<void> {
  const proxy = await startTcpProxy(5672);
  try {
    await withQueue((queue, ch) => fn(queue, ch, `amqp://guest:guest@127.0.0.1:${proxy.port}`, proxy));
  } finally {
    await proxy.close();
  }
}

/** Until the job has connected through the proxy (start-up takes longer on a loaded machine). */
async function connected(proxy: TcpProxy): Promise<void> {
  for (let i = 0; proxy.accepted < 1 && i < 600; i++) await new Promise((res) => setTimeout(res, 50));
}

test('options are validated at the call', T, () => {
  assert.throws(() => RabbitMQSource.of({ url: 'http://x', queue: 'q' }), /RabbitMQSource: option 'url' must be an amqp:\/\/ URL/);
  assert.throws(() => RabbitMQSource.of({ url: AMQP_URL, queue: '' }), /option 'queue' must be a queue name/);
  assert.throws(() => RabbitMQSource.of({ url: AMQP_URL, queue: 'q', prefetch: 0 }), /option 'prefetch' must be an integer between 1 and 65535, got 0/);
  assert.throws(() => RabbitMQSink.of({ url: AMQP_URL, routingKey: 'q', batchSize: 0 }), /RabbitMQSink: option 'batchSize' must be an integer >= 1, got 0/);
  assert.throws(() => RabbitMQSink.of({ url: AMQP_URL, routingKey: 'q', nope: 1 } as never), /unknown option 'nope'/);
});

test('source: each message once, acknowledged when checkpoints complete; redelivered ids dropped', T, async (t) => {
  const why = await amqpSkipReason();
  if (why) return t.skip(why);
  await withQueue(async (queue, ch) => {
    // m1..m200, then m1..m50 again with the same ids (as a redelivery would be), then the end marker
    await publish(ch, queue, [...bodies(200), ...bodies(50), 'END'], [...bodies(200), ...bodies(50), 'end']);
    // no checkpoint completes during the run, so every id is still pending when its copy arrives
    const r = await withDir((dir) => runJob(JOB, { params: { url: AMQP_URL, queue, interval: 60_000, prefetch: 1000 }, checkpointDir: dir }));
    assert.deepEqual(r.collected, bodies(200));
    // without checkpoints nothing is ever acknowledged: every message returns to the queue
    await ch.purgeQueue(queue);
    await publish(ch, queue, [...bodies(30), 'END'], [...bodies(30), 'end']);
    const r0 = await withDir((dir) => runJob(JOB, { params: { url: AMQP_URL, queue, interval: 0 }, checkpointDir: dir }));
    assert.deepEqual(r0.collected, bodies(30));
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(await ready(ch, queue), 31, 'unacknowledged messages are back in the queue');
  });
});

test('source: acknowledged messages leave the queue once their checkpoint completes', T, async (t) => {
  const why = await amqpSkipReason();
  if (why) return t.skip(why);
  await withQueue(async (queue, ch) => {
    await publish(ch, queue, bodies(100));
    const job = withDir((dir) => runJob(JOB, { params: { url: AMQP_URL, queue, interval: 50 }, checkpointDir: dir }));
    // wait until the job has read and checkpointed all 100 (none ready, and none unacknowledged: a fresh consumer gets nothing)
    let consumers = 0;
    for (let i = 0; i < 100; i++) {
      await new Promise((res) => setTimeout(res, 100));
      const q = await ch.checkQueue(queue);
      consumers = q.consumerCount;
      if (q.messageCount === 0 && consumers === 1) break;
    }
    await new Promise((res) => setTimeout(res, 500)); // several checkpoints complete
    await publish(ch, queue, ['END'], ['end']);
    const r = await job;
    assert.deepEqual(r.collected, bodies(100));
    await new Promise((res) => setTimeout(res, 300));
    // all 100 were acknowledged when checkpoints completed; END, read after the last one, may come back
    const left: string[] = [];
    for (let m = await ch.get(queue, { noAck: true }); m !== false; m = await ch.get(queue, { noAck: true })) left.push(m.content.toString());
    assert.ok(left.length === 0 || (left.length === 1 && left[0] === 'END'), `left in the queue: ${left.join(',')}`);
  });
});

test('source: a failure and restore delivers each message once to the job', T, async (t) => {
  const why = await amqpSkipReason();
  if (why) return t.skip(why);
  await withQueue(async (queue, ch) => {
    await publish(ch, queue, [...bodies(600), 'END'], [...bodies(600), 'end']);
    const log: string[] = [];
    const r = await withDir((dir) => runJob(JOB, { params: { url: AMQP_URL, queue, fault: 'throw', failAt: 250, pace: 0.2 }, checkpointDir: dir, log: (l) => log.push(l) }));
    assert.equal(r.restarts, 1, log.join('\n'));
    assert.deepEqual(r.collected, bodies(600));
  });
});

// The first drop comes soon after the start, before the first checkpoint completed: messages emitted on
// the lost channel are acknowledged only through their redelivered copies, which are dropped.
test('source: dropped connections (TCP proxy) lose and duplicate nothing, and reading goes on', T, async (t) => {
  const why = await amqpSkipReason();
  if (why) return t.skip(why);
  await withProxiedQueue(async (queue, ch, url, proxy) => {
    await publish(ch, queue, bodies(300));
    const job = withDir((dir) => runJob(JOB, { params: { url, queue, pace: 1 }, checkpointDir: dir }));
    // the job is connected and reading before the first drop
    await connected(proxy);
    await new Promise((res) => setTimeout(res, 300));
    proxy.drop(1500);
    await new Promise((res) => setTimeout(res, 3000));
    proxy.drop();
    await publish(ch, queue, [...bodies(100, 301), 'END'], [...bodies(100, 301), 'end']);
    const r = await job;
    assert.deepEqual(r.collected, bodies(400));
    assert.ok(proxy.accepted >= 2, `reconnected (${proxy.accepted} connections)`);
  });
});

test('sink: every record published, confirmed, with its message id', T, async (t) => {
  const why = await amqpSkipReason();
  if (why) return t.skip(why);
  await withQueue(async (queue, ch) => {
    await withDir((dir) => runJob(JOB, { params: { mode: 'sink', url: AMQP_URL, queue, n: 1000 }, checkpointDir: dir }));
    const got: string[] = [];
    const ids: string[] = [];
    for (;;) {
      const m = await ch.get(queue, { noAck: true });
      if (m === false) break;
      got.push(m.content.toString());
      ids.push(m.properties.messageId as string);
    }
    assert.deepEqual(got, bodies(1000));
    assert.deepEqual(ids, bodies(1000));
  });
});

// The sink's connection drops mid-run: the barrier (or the next batch) fails, the job restarts from the
// last checkpoint and publishes again what that checkpoint did not cover — every record at least once.
test('sink: a dropped connection (TCP proxy) fails over and loses no record', T, async (t) => {
  const why = await amqpSkipReason();
  if (why) return t.skip(why);
  await withProxiedQueue(async (queue, ch, url, proxy) => {
    const job = withDir((dir) => runJob(JOB, { params: { mode: 'sink', url, queue, n: 1500, pace: 2 }, checkpointDir: dir }));
    await connected(proxy);
    await new Promise((res) => setTimeout(res, 1000));
    proxy.drop();
    await job;
    const got = new Set<string>();
    let count = 0;
    for (;;) {
      const m = await ch.get(queue, { noAck: true });
      if (m === false) break;
      got.add(m.content.toString());
      count++;
    }
    assert.deepEqual([...got].sort(), bodies(1500).sort());
    assert.ok(count >= 1500);
    assert.ok(proxy.accepted >= 2, `reconnected (${proxy.accepted} connections)`);
  });
});

test('bad configuration: unreachable broker, wrong credentials, missing queue and exchange', T, async (t) => {
  const why = await amqpSkipReason();
  if (why) return t.skip(why);
  const run = (p: Record<string, unknown>) => runJob(JOB, { params: { url: AMQP_URL, queue: 'eddy_no_such_queue', interval: 0, ...p } });
  await assert.rejects(run({ url: 'amqp://guest:guest@127.0.0.1:1' }), /RabbitMQSource \(queue 'eddy_no_such_queue', amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1, subtask 0\): cannot connect: .*ECONNREFUSED/);
  await assert.rejects(run({ url: 'amqp://guest:wrong@127.0.0.1:5672' }), /amqp:\/\/guest:\*\*\*@127\.0\.0\.1:5672, subtask 0\): the broker refused the credentials/);
  await assert.rejects(run({}), /queue 'eddy_no_such_queue' does not exist/);
  await assert.rejects(run({ mode: 'sink', url: 'amqp://guest:wrong@127.0.0.1:5672' }), /RabbitMQSink \(amqp:\/\/guest:\*\*\*@127\.0\.0\.1:5672, exchange ''\): the broker refused the credentials/);
  const conn = await amqp.connect(AMQP_URL);
  await conn.close();
});
