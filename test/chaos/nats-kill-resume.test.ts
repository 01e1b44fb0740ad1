// JetStreamSource → JetStreamSink under SIGKILL: `eddy run test/jobs/nats-job.ts --resume` is killed at
// random times and started again until it completes; the output stream must then hold every input
// message exactly once — counted on the server (0 duplicates, 0 losses). Skipped (with the reason)
// without NATS, except in CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAndResume } from '../connectors/nats-chaos-kit.ts';
import { NATS_URL, natsSkipReason, publish, readStream, streamCount, uniqueName, withStream } from '../connectors/nats-test-kit.ts';

test('random SIGKILLs + --resume: every message exactly once in the output stream', { timeout: 300_000 }, async (t) => {
  const why = await natsSkipReason();
  if (why) return t.skip(why);
  const src = uniqueName('eddy_chaos_in');
  const dst = uniqueName('eddy_chaos_out');
  const dir = mkdtempSync(join(tmpdir(), 'eddy-nats-chaos-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await withStream(src, () =>
    withStream(dst, async () => {
      const n = 20_000;
      const input = Array.from({ length: n }, (_, i) => `c${i}`);
      await publish(input, (i) => `${src}.${i % 2 ? 'a' : 'b'}`);
      const kills = await killAndResume(
        'test/jobs/nats-job.ts',
        [`servers=${NATS_URL}`, `stream=${src}`, `subjects=${src}.a,${src}.b`, 'p=2', `outSubject=${dst}.all`, 'pace=15', 'interval=100', 'job=nats-chaos'],
        { kills: 4, seed: 7, minDelayMs: 1_200, maxDelayMs: 3_500, dir },
      );
      assert.ok(kills >= 1, `killed ${kills} times`);
      const out = (await readStream(dst)).map((m) => m.data);
      const counts = new Map<string, number>();
      for (const v of out) counts.set(v, (counts.get(v) ?? 0) + 1);
      const duplicates = [...counts.values()].filter((c) => c > 1).length;
      const lost = input.filter((v) => !counts.has(v)).length;
      assert.deepEqual({ duplicates, lost, stored: await streamCount(dst) }, { duplicates: 0, lost: 0, stored: n });
    }),
  );
});
