// RedisStreamSource → RedisStreamSink under SIGKILL: `eddy run test/jobs/redis-job.ts --resume` is killed
// at random times and started again until it completes; the output stream must then hold every input
// entry exactly once — counted on the server (0 duplicates, 0 losses). Skipped (with the reason) without
// Redis, except in CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REDIS_URL, append, length, redisSkipReason, values, withKeys } from '../connectors/redis-test-kit.ts';
import { killAndResume } from '../connectors/nats-chaos-kit.ts';

test('random SIGKILLs + --resume: every entry exactly once in the output stream', { timeout: 300_000 }, async (t) => {
  const why = await redisSkipReason();
  if (why) return t.skip(why);
  const dir = mkdtempSync(join(tmpdir(), 'eddy-redis-chaos-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await withKeys(['eddy-chaos-a', 'eddy-chaos-b', 'eddy-chaos-out', 'eddy-chaos-pfx'], async (a, b, out, prefix) => {
    const n = 20_000;
    const input = Array.from({ length: n }, (_, i) => `c${i}`);
    await append(input, (i) => (i % 2 ? a! : b!));
    const kills = await killAndResume(
      'test/jobs/redis-job.ts',
      [`url=${REDIS_URL}`, `streams=${a},${b}`, 'p=2', `outStream=${out}`, `prefix=${prefix}`, 'pace=15', 'interval=100', 'job=redis-chaos'],
      { kills: 4, seed: 13, minDelayMs: 1_200, maxDelayMs: 3_500, dir },
    );
    assert.ok(kills >= 1, `killed ${kills} times`);
    const got = await values(out!);
    const counts = new Map<string, number>();
    for (const v of got) counts.set(v, (counts.get(v) ?? 0) + 1);
    const duplicates = [...counts.values()].filter((c) => c > 1).length;
    const lost = input.filter((v) => !counts.has(v)).length;
    assert.deepEqual({ duplicates, lost, stored: await length(out!) }, { duplicates: 0, lost: 0, stored: n });
  });
});
