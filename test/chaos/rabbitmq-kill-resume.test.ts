// RabbitMQSource → FileSink under SIGKILL: messages with ids are published before the job starts;
// `eddy run test/jobs/rabbitmq-chaos-job.ts --resume` is killed at random times and started again until it
// completes (at the message 'END'); the committed output must then hold every message id exactly once
// (0 duplicates, 0 losses), although the broker redelivers what was unacknowledged at each kill.
// Skipped (with the reason) without RabbitMQ, except in CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAndResume } from '../connectors/nats-chaos-kit.ts';
import { AMQP_URL, amqpSkipReason, publish, withQueue } from '../connectors/rabbitmq-test-kit.ts';
import { committedLines } from './verify.ts';

test('random SIGKILLs + --resume: every message id exactly once in the committed output', { timeout: 240_000 }, async (t) => {
  const why = await amqpSkipReason();
  if (why) return t.skip(why);
  const dir = mkdtempSync(join(tmpdir(), 'eddy-rmq-chaos-'));
  let passed = false;
  t.after(() => (passed ? rmSync(dir, { recursive: true, force: true }) : console.log(`rabbitmq chaos: run logs in ${dir}`)));
  await withQueue(async (queue, ch) => {
    const n = 20_000;
    const input = Array.from({ length: n }, (_, i) => `m${i}`);
    for (let i = 0; i < n; i += 2_000) await publish(ch, queue, input.slice(i, i + 2_000));
    await publish(ch, queue, ['END']);
    const out = join(dir, 'out');
    const kills = await killAndResume(
      'test/jobs/rabbitmq-chaos-job.ts',
      [`url=${AMQP_URL}`, `queue=${queue}`, `outDir=${out}`, 'interval=100', 'pace=25', 'job=rabbitmq-chaos'],
      { kills: 4, seed: 17, minDelayMs: 1_500, maxDelayMs: 3_500, dir },
    );
    const got = committedLines(out).flat();
    const counts = new Map<string, number>();
    for (const v of got) counts.set(v, (counts.get(v) ?? 0) + 1);
    const duplicates = [...counts.values()].filter((c) => c > 1).length;
    const lost = input.filter((v) => !counts.has(v)).length;
    console.log(`rabbitmq chaos: ${kills} kills, ${got.length} records committed, ${duplicates} duplicates, ${lost} losses`);
    assert.ok(kills >= 3, `killed ${kills} times`);
    assert.deepEqual({ duplicates, lost, records: got.length }, { duplicates: 0, lost: 0, records: n });
    passed = true;
  });
});
