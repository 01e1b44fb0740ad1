// NATS JetStream connector against the real server: bounded reads over subject splits give exactly the
// stream's messages; start positions; a job that fails once restores the source positions and the
// exactly-once sink's output holds every record once (counted on the server); committing a checkpoint
// again publishes nothing new; a dropped connection (a TCP proxy cut mid-job) is survived; bad
// configuration fails with errors naming the server, stream or option. Skipped (with the reason)
// without NATS, except in CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJob, type SinkWriterContext } from 'eddy';
import { JetStreamSource, JetStreamSink, type JetStreamCommittable } from 'eddy/connectors/nats';
import { NATS_URL, natsSkipReason, publish, readStream, streamCount, uniqueName, withStream, TcpProxy } from './nats-test-kit.ts';

const JOB = new URL('../jobs/nats-job.ts', import.meta.url);

function committedLines(dir: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir).sort()) if (!f.startsWith('.')) out.push(...readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean));
  return out;
}

function tempDir(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'eddy-nats-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const sorted = (xs: string[]) => [...xs].sort();
const payloads = (n: number, tag = 'm') => Array.from({ length: n }, (_, i) => `${tag}${i}`);

test('options are checked at the call, naming the option', { timeout: 10_000 }, () => {
  assert.throws(() => JetStreamSource.of({ servers: '', stream: 's' }), /JetStreamSource.of: option 'servers'/);
  assert.throws(() => JetStreamSource.of({ servers: NATS_URL, stream: 'a.b' }), /option 'stream' must be a JetStream stream name/);
  assert.throws(() => JetStreamSource.of({ servers: NATS_URL, stream: 's', subjects: ['x', 'x'] }), /lists 'x' twice/);
  assert.throws(() => JetStreamSource.of({ servers: NATS_URL, stream: 's', start: { sequence: 0 } }), /option 'start'/);
  assert.throws(() => JetStreamSource.of({ servers: NATS_URL, stream: 's', bogus: 1 } as never), /unknown option 'bogus'/);
  assert.throws(() => JetStreamSink.of({ servers: NATS_URL }), /exactly one of 'subject' and 'subjectOf'/);
  assert.throws(() => JetStreamSink.of({ servers: NATS_URL, subject: 'a.*' }), /option 'subject' must be a subject without spaces or wildcards/);
  assert.throws(() => JetStreamSink.of({ servers: NATS_URL, subject: 'a', minDuplicateWindowMs: -1 }), /minDuplicateWindowMs/);
});

test('bounded: two subject splits on two subtasks read exactly the stream, then stop', { timeout: 120_000 }, async (t) => {
  const why = await natsSkipReason();
  if (why) return t.skip(why);
  const stream = uniqueName('eddy_src');
  await withStream(stream, async () => {
    const input = payloads(3_000);
    await publish(input, (i) => `${stream}.${i % 3 === 0 ? 'a' : 'b'}`);
    const out = tempDir(t);
    await runJob(JOB, { params: { servers: NATS_URL, stream, subjects: `${stream}.a,${stream}.b`, p: 2, outDir: out } });
    assert.deepEqual(sorted(committedLines(out)), sorted(input));
  });
});

test('start: a sequence, and latest (bounded reads nothing new)', { timeout: 120_000 }, async (t) => {
  const why = await natsSkipReason();
  if (why) return t.skip(why);
  const stream = uniqueName('eddy_start');
  await withStream(stream, async () => {
    const input = payloads(100);
    await publish(input, () => `${stream}.x`);
    const out1 = tempDir(t);
    await runJob(JOB, { params: { servers: NATS_URL, stream, start: 41, p: 1, outDir: out1 } });
    assert.deepEqual(committedLines(out1), input.slice(40)); // sequences 41..100, in order
    const out2 = tempDir(t);
    await runJob(JOB, { params: { servers: NATS_URL, stream, start: 'latest', p: 1, outDir: out2 } });
    assert.deepEqual(committedLines(out2), []);
  });
});

test('a failure restores source positions; the exactly-once sink stores every record once', { timeout: 120_000 }, async (t) => {
  const why = await natsSkipReason();
  if (why) return t.skip(why);
  const src = uniqueName('eddy_in');
  const dst = uniqueName('eddy_out');
  await withStream(src, () =>
    withStream(dst, async () => {
      const input = payloads(6_000);
      await publish(input, (i) => `${src}.${i % 2 ? 'odd' : 'even'}`);
      const r = await runJob(JOB, {
        params: { servers: NATS_URL, stream: src, subjects: `${src}.odd,${src}.even`, p: 2, outSubject: `${dst}.all`, fault: 'throw', failAt: 1_500, pace: 20, restarts: 3 },
      });
      assert.equal(r.restarts, 1, 'the job failed once and restarted');
      assert.equal(await streamCount(dst), 6_000, 'messages stored on the server');
      assert.deepEqual(sorted((await readStream(dst)).map((m) => m.data)), sorted(input));
    }),
  );
});

test('sink: nothing is visible before commit; committing again publishes nothing new', { timeout: 60_000 }, async (t) => {
  const why = await natsSkipReason();
  if (why) return t.skip(why);
  const stream = uniqueName('eddy_sink');
  await withStream(stream, async () => {
    const sink = JetStreamSink.of<{ k: number }>({ servers: NATS_URL, subjectOf: (r) => `${stream}.k${r.k % 2}` });
    const ctx: SinkWriterContext = { subtaskIndex: 0, parallelism: 1, jobName: 'nats-sink-test', attemptNumber: 0, checkpointing: true };
    const w = sink.createWriter(ctx);
    const committer = sink.createCommitter();
    for (let k = 0; k < 10; k++) w.write({ k }, 0);
    const cs = w.prepareCommit(1) as JetStreamCommittable[];
    assert.equal(cs.length, 1);
    assert.equal(cs[0]!.payloads.length, 10);
    assert.equal(await streamCount(stream), 0);
    const copy = structuredClone(cs); // as restored from a checkpoint
    await committer.commit(cs);
    assert.equal(await streamCount(stream), 10);
    await sink.createCommitter().commit(copy);
    assert.equal(await streamCount(stream), 10, 'the re-commit was deduplicated by JetStream');
    const msgs = await readStream(stream);
    assert.deepEqual(
      msgs.map((m) => [m.subject, m.data]),
      Array.from({ length: 10 }, (_, k) => [`${stream}.k${k % 2}`, JSON.stringify({ k })]),
    );
    assert.deepEqual(w.prepareCommit(2), []);
    w.close();
  });
});

test('a connection cut mid-job (TCP proxy) is survived: exact output', { timeout: 120_000 }, async (t) => {
  const why = await natsSkipReason();
  if (why) return t.skip(why);
  const src = uniqueName('eddy_rin');
  const dst = uniqueName('eddy_rout');
  const u = new URL(NATS_URL);
  const proxy = new TcpProxy(u.hostname, Number(u.port || 4222));
  const via = await proxy.start();
  t.after(() => proxy.close());
  await withStream(src, () =>
    withStream(dst, async () => {
      const input = payloads(8_000);
      await publish(input, () => `${src}.x`);
      let cuts = 0;
      let finished = false;
      const job = runJob(JOB, { params: { servers: via, stream: src, p: 1, outSubject: `${dst}.all`, pace: 25, interval: 100, restarts: 5, job: 'nats-reconnect' } }).finally(() => (finished = true));
      // cut once the job has connected, for 1.5 s
      for (let i = 0; i < 200 && proxy.open === 0; i++) await new Promise((r) => setTimeout(r, 25));
      await new Promise((r) => setTimeout(r, 400));
      const before = proxy.accepted;
      assert.ok(!finished, 'the job is still running at the cut');
      proxy.cut();
      cuts++;
      await new Promise((r) => setTimeout(r, 1_500));
      proxy.restore();
      await job;
      assert.equal(cuts, 1);
      assert.ok(proxy.accepted > before, `the job reconnected through the proxy (${proxy.accepted} connections, ${before} before the cut)`);
      assert.equal(await streamCount(dst), 8_000);
      assert.deepEqual(sorted((await readStream(dst)).map((m) => m.data)), sorted(input));
    }),
  );
});

test('bad configuration: unreachable server, missing stream, short duplicate window', { timeout: 120_000 }, async (t) => {
  const why = await natsSkipReason();
  if (why) return t.skip(why);
  const out = tempDir(t);
  await assert.rejects(runJob(JOB, { params: { servers: 'nats://127.0.0.1:1', stream: 'nope', p: 1, outDir: out } }), (e: Error) =>
    /cannot connect to NATS at nats:\/\/127\.0\.0\.1:1/.test(`${e.message} ${(e.cause as Error)?.message ?? ''}`),
  );
  const missing = uniqueName('eddy_missing');
  await assert.rejects(runJob(JOB, { params: { servers: NATS_URL, stream: missing, p: 1, outDir: out } }), (e: Error) =>
    new RegExp(`stream '${missing}' not found`).test(`${e.message} ${(e.cause as Error)?.message ?? ''}`),
  );
  const src = uniqueName('eddy_win_in');
  const dst = uniqueName('eddy_win_out');
  await withStream(src, () =>
    withStream(
      dst,
      async () => {
        await publish(payloads(10), () => `${src}.x`);
        await assert.rejects(runJob(JOB, { params: { servers: NATS_URL, stream: src, p: 1, outSubject: `${dst}.x` } }), (e: Error) =>
          new RegExp(`stream '${dst}' at nats://127.0.0.1:4222 has duplicate_window 5000 ms, shorter than minDuplicateWindowMs 120000 ms`).test(`${e.message} ${(e.cause as Error)?.message ?? ''}`),
        );
        assert.equal(await streamCount(dst), 0);
        await assert.rejects(runJob(JOB, { params: { servers: NATS_URL, stream: src, p: 1, outSubject: 'eddy_no_stream_here.x' } }), (e: Error) =>
          /no JetStream stream captures subject 'eddy_no_stream_here.x' at nats:\/\/127\.0\.0\.1:4222/.test(`${e.message} ${(e.cause as Error)?.message ?? ''}`),
        );
      },
      5_000,
    ),
  );
});
