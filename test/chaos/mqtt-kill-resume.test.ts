// MqttSource → FileSink under SIGKILL: the job's persistent session is created and subscribed first, then
// the messages are published (the broker queues them for the session); `eddy run
// test/jobs/mqtt-chaos-job.ts --resume` is killed at random times and started again until it completes
// (at the message 'END'). The source acknowledges messages only when their checkpoint completes, so the
// broker resends what each killed run had not acknowledged: the committed output must hold every message
// (0 losses); duplicates are allowed (at-least-once) and counted. Skipped (with the reason) without a
// broker, except in CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { killAndResume } from '../connectors/nats-chaos-kit.ts';
import { MQTT_URL, mqttSkipReason, dropSession, openSession, unique } from '../connectors/mqtt-test-kit.ts';
import { committedLines } from './verify.ts';

test('random SIGKILLs + --resume: every message in the committed output (at-least-once)', { timeout: 240_000 }, async (t) => {
  const why = await mqttSkipReason();
  if (why) return t.skip(why);
  const dir = mkdtempSync(join(tmpdir(), 'eddy-mqtt-chaos-'));
  let passed = false;
  t.after(() => (passed ? rmSync(dir, { recursive: true, force: true }) : console.log(`mqtt chaos: run logs in ${dir}`)));
  const topic = unique('eddy/mqtt-chaos');
  const clientId = unique('eddy-mqtt-chaos');
  // within Mosquitto's default max_queued_messages (1000) for a session that is offline
  const n = 900;
  const input = Array.from({ length: n }, (_, i) => `m${i}`);
  await openSession(clientId, topic);
  const pub = await mqtt.connectAsync(MQTT_URL, { reconnectPeriod: 0 });
  try {
    for (const v of input) await pub.publishAsync(topic, v, { qos: 1 });
    await pub.publishAsync(topic, 'END', { qos: 1 });
    const out = join(dir, 'out');
    const kills = await killAndResume(
      'test/jobs/mqtt-chaos-job.ts',
      [`url=${MQTT_URL}`, `topic=${topic}`, `clientId=${clientId}`, `outDir=${out}`, 'interval=100', 'pace=1500'],
      { kills: 4, seed: 23, minDelayMs: 3_500, maxDelayMs: 6_000, dir },
    );
    const got = committedLines(out).flat();
    const counts = new Map<string, number>();
    for (const v of got) counts.set(v, (counts.get(v) ?? 0) + 1);
    const duplicates = got.length - counts.size;
    const lost = input.filter((v) => !counts.has(v)).length;
    const unknown = [...counts.keys()].filter((v) => !/^m\d+$/.test(v) || Number(v.slice(1)) >= n);
    console.log(`mqtt chaos: ${kills} kills, ${got.length} records committed, ${duplicates} duplicates, ${lost} losses`);
    assert.ok(kills >= 3, `killed ${kills} times`);
    assert.deepEqual({ lost, unknown }, { lost: 0, unknown: [] });
    assert.equal(counts.size, n);
    passed = true;
  } finally {
    await pub.endAsync();
    await dropSession(clientId).catch(() => undefined);
  }
});
