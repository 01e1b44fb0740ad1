// Redis Streams connector against the real server: bounded reads over two streams give exactly their
// entries; start positions; a job that fails once restores the source positions and the exactly-once
// sink's output stream holds every record once (counted on the server); committing again (or a commit
// resumed halfway) appends nothing twice; a reader connection killed by the server (CLIENT KILL) is
// survived; bad configuration fails naming the server or the stream. Skipped (with the reason) without
// Redis, except in CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJob, type SinkWriterContext } from 'eddy';
import { RedisStreamSource, RedisStreamSink, type RedisStreamCommittable } from 'eddy/connectors/redis';
import { REDIS_URL, append, length, redisSkipReason, values, withKeys, withRedis } from './redis-test-kit.ts';

const JOB = new URL('../jobs/redis-job.ts', import.meta.url);

function committedLines(dir: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir).sort()) if (!f.startsWith('.')) out.push(...readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean));
  return out;
}
function tempDir(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'eddy-redis-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}
const sorted = (xs: string[]) => [...xs].sort();
const items = (n: number, tag = 'r') => Array.from({ length: n }, (_, i) => `${tag}${i}`);
const why = (e: Error) => `${e.message} ${(e.cause as Error)?.message ?? ''}`;

test('options are checked at the call, naming the option', { timeout: 10_000 }, () => {
  assert.throws(() => RedisStreamSource.of({ url: 'http://x', streams: ['a'] }), /RedisStreamSource.of: option 'url' must be a redis:\/\//);
  assert.throws(() => RedisStreamSource.of({ url: REDIS_URL, streams: [] }), /option 'streams'/);
  assert.throws(() => RedisStreamSource.of({ url: REDIS_URL, streams: ['a', 'a'] }), /lists a key twice/);
  assert.throws(() => RedisStreamSource.of({ url: REDIS_URL, streams: ['a'], start: { id: 'x' } }), /option 'start'/);
  assert.throws(() => RedisStreamSink.of({ url: REDIS_URL }), /exactly one of 'stream' and 'streamOf'/);
  assert.throws(() => RedisStreamSink.of({ url: 'redis://u:secret@h:1', stream: 's', chunkSize: 0 }), /chunkSize/);
  assert.throws(() => RedisStreamSource.of({ url: 'redis//u:secret@h', streams: ['a'] }), (e: Error) => !e.message.includes('secret'));
});

test('bounded: two streams on two subtasks read exactly their entries, then stop', { timeout: 120_000 }, async (t) => {
  const skip = await redisSkipReason();
  if (skip) return t.skip(skip);
  await withKeys(['eddy-src-a', 'eddy-src-b'], async (a, b) => {
    const input = items(3_000);
    await append(input, (i) => (i % 3 === 0 ? a! : b!));
    const out = tempDir(t);
    await runJob(JOB, { params: { url: REDIS_URL, streams: `${a},${b}`, p: 2, outDir: out } });
    assert.deepEqual(sorted(committedLines(out)), sorted(input));
  });
});

test('start: after an id, and latest (bounded reads nothing new)', { timeout: 120_000 }, async (t) => {
  const skip = await redisSkipReason();
  if (skip) return t.skip(skip);
  await withKeys(['eddy-start'], async (k) => {
    await append(items(100), () => k!);
    const ids = await withRedis(async (c) => ((await c.xRange(k!, '-', '+')) ?? []).map((e) => e!.id));
    const out1 = tempDir(t);
    await runJob(JOB, { params: { url: REDIS_URL, streams: k, start: ids[39], p: 1, outDir: out1 } });
    assert.deepEqual(committedLines(out1), items(100).slice(40));
    const out2 = tempDir(t);
    await runJob(JOB, { params: { url: REDIS_URL, streams: k, start: 'latest', p: 1, outDir: out2 } });
    assert.deepEqual(committedLines(out2), []);
  });
});

test('a failure restores source positions; the exactly-once sink appends every record once', { timeout: 120_000 }, async (t) => {
  const skip = await redisSkipReason();
  if (skip) return t.skip(skip);
  await withKeys(['eddy-in-a', 'eddy-in-b', 'eddy-out', 'eddy-pfx'], async (a, b, out, prefix) => {
    const input = items(6_000);
    await append(input, (i) => (i % 2 ? a! : b!));
    const r = await runJob(JOB, { params: { url: REDIS_URL, streams: `${a},${b}`, p: 2, outStream: out, prefix, fault: 'throw', failAt: 1_500, pace: 20, restarts: 3 } });
    assert.equal(r.restarts, 1, 'the job failed once and restarted');
    assert.equal(await length(out!), 6_000, 'entries on the server');
    assert.deepEqual(sorted(await values(out!)), sorted(input));
  });
});

test('sink: nothing visible before commit; a repeated or resumed commit appends nothing twice', { timeout: 60_000 }, async (t) => {
  const skip = await redisSkipReason();
  if (skip) return t.skip(skip);
  await withKeys(['eddy-sink', 'eddy-sinkpfx'], async (k, prefix) => {
    const sink = RedisStreamSink.of<{ k: number }>({ url: REDIS_URL, streamOf: (r) => `${k}:${r.k % 2}`, idPrefix: prefix, chunkSize: 3 });
    const ctx: SinkWriterContext = { subtaskIndex: 0, parallelism: 1, jobName: 'redis-sink-test', attemptNumber: 0, checkpointing: true };
    const w = sink.createWriter(ctx);
    for (let i = 0; i < 10; i++) w.write({ k: i }, 0);
    const [c1] = w.prepareCommit(1) as RedisStreamCommittable[];
    assert.equal(c1!.count, 10);
    assert.equal((await length(`${k}:0`)) + (await length(`${k}:1`)), 0);
    // a commit interrupted after its first two chunks (of four), then resumed from the checkpoint's copy
    const firstTwo: RedisStreamCommittable = { ...c1!, entries: c1!.entries.slice(0, 6 * 4), count: 6 }; // 6 entries of 4 items each
    await sink.createCommitter().commit([structuredClone(firstTwo)]);
    assert.equal((await length(`${k}:0`)) + (await length(`${k}:1`)), 6);
    const committer = sink.createCommitter();
    await committer.commit([structuredClone(c1!)]);
    assert.equal(committer.skippedChunks, 2);
    assert.equal(committer.appended, 4);
    await sink.createCommitter().commit([structuredClone(c1!)]);
    assert.deepEqual(await values(`${k}:0`), [0, 2, 4, 6, 8].map((i) => JSON.stringify({ k: i })));
    assert.deepEqual(await values(`${k}:1`), [1, 3, 5, 7, 9].map((i) => JSON.stringify({ k: i })));
    // the next checkpoint of the same writer applies; an older one does not
    w.write({ k: 10 }, 0);
    const [c2] = w.prepareCommit(2) as RedisStreamCommittable[];
    await committer.commit([c2!, structuredClone(c1!)]);
    assert.equal(await length(`${k}:0`), 6);
    assert.equal(await length(`${k}:1`), 5);
    w.close();
  });
});

test('a reader connection killed by the server (CLIENT KILL) is survived: exact output', { timeout: 120_000 }, async (t) => {
  const skip = await redisSkipReason();
  if (skip) return t.skip(skip);
  await withKeys(['eddy-rin', 'eddy-rout', 'eddy-rpfx', 'eddy-rname'], async (src, out, prefix, name) => {
    const clientName = name!.replace(/:/g, '-');
    const input = items(8_000);
    await append(input, () => src!);
    let finished = false;
    const job = runJob(JOB, { params: { url: REDIS_URL, streams: src, p: 1, outStream: out, prefix, pace: 25, interval: 100, clientName, count: 200, job: 'redis-reconnect' } }).finally(
      () => (finished = true),
    );
    let killed = 0;
    for (let i = 0; i < 200 && killed === 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
      killed = await withRedis(async (c) => {
        const list = (await c.sendCommand(['CLIENT', 'LIST'])) as unknown as string;
        const ids = list
          .split('\n')
          .filter((l) => l.includes(` name=${clientName} `))
          .map((l) => /id=(\d+)/.exec(l)![1]!);
        if (ids.length === 0 || i < 8) return 0;
        for (const id of ids) await c.sendCommand(['CLIENT', 'KILL', 'ID', id]);
        return ids.length;
      });
    }
    assert.ok(killed > 0 && !finished, 'the reader connection was killed while the job ran');
    await job;
    assert.equal(await length(out!), 8_000);
    assert.deepEqual(sorted(await values(out!)), sorted(input));
  });
});

test('bad configuration: unreachable server, wrong password, missing stream', { timeout: 120_000 }, async (t) => {
  const skip = await redisSkipReason();
  if (skip) return t.skip(skip);
  const out = tempDir(t);
  await assert.rejects(runJob(JOB, { params: { url: 'redis://127.0.0.1:1', streams: 'x', p: 1, outDir: out } }), (e: Error) =>
    /cannot connect to Redis at redis:\/\/127\.0\.0\.1:1/.test(why(e)),
  );
  await assert.rejects(runJob(JOB, { params: { url: 'redis://eddy:wrong-secret@127.0.0.1:6379', streams: 'x', p: 1, outDir: out } }), (e: Error) => {
    const m = why(e);
    return /cannot connect to Redis at redis:\/\/eddy:\*\*\*@127\.0\.0\.1:6379/.test(m) && /WRONGPASS/.test(m) && !m.includes('wrong-secret');
  });
  await withKeys(['eddy-missing'], async (k) => {
    await assert.rejects(runJob(JOB, { params: { url: REDIS_URL, streams: k, p: 1, outDir: out } }), (e: Error) => new RegExp(`stream '${k}' does not exist`).test(why(e)));
  });
});
