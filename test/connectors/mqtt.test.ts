// MQTT connector against the real broker (Mosquitto): the source receives every QoS 1 message in order,
// also those published while its connection was down (dropped by an in-process TCP proxy; the client
// reconnects by itself and the persistent session delivers them); the sink publishes every record with
// PUBACKs; bad configuration fails with a clear error. Skipped (with the reason) without a broker,
// except in CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { runJob } from 'eddy';
import { MqttSink, MqttSource } from 'eddy/connectors/mqtt';
import { startTcpProxy } from './tcp-proxy.ts';

const MQTT_URL = process.env.EDDY_TEST_MQTT ?? 'mqtt://127.0.0.1:1883';
const JOB = new URL('../jobs/mqtt-job.ts', import.meta.url);
const T = { timeout: 120_000 };
const bodies = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `m${i + from}`);

async function skipReason(): Promise<string | undefined> {
  try {
    const c = await mqtt.connectAsync(MQTT_URL, { connectTimeout: 3000, reconnectPeriod: 0 });
    await c.endAsync();
    return undefined;
  } catch (e) {
    const why = `MQTT broker is not reachable at ${MQTT_URL}: ${(e as Error).message}`;
    if (process.env.CI === 'true') throw new Error(`${why} (CI requires it)`);
    return why;
  }
}

async function publisher(): Promise<mqtt.MqttClient> {
  return mqtt.connectAsync(MQTT_URL, { reconnectPeriod: 0 });
}

/** Removes a persistent session the test's source left on the broker. */
async function dropSession(clientId: string): Promise<void> {
  const c = await mqtt.connectAsync(MQTT_URL, { clientId, clean: true, reconnectPeriod: 0 });
  await c.endAsync();
}

const unique = (base: string) => `${base}-${process.pid}-${Math.floor(Math.random() * 1e9)}`;

test('options are validated at the call', T, () => {
  assert.throws(() => MqttSource.of({ url: 'http://x', topics: 't', clientId: 'c' }), /MqttSource: option 'url' must be an mqtt:\/\/ URL/);
  assert.throws(() => MqttSource.of({ url: MQTT_URL, topics: [], clientId: 'c' }), /option 'topics' must name at least one topic filter/);
  assert.throws(() => MqttSource.of({ url: MQTT_URL, topics: 't', clientId: '' }), /option 'clientId' is required/);
  assert.throws(() => MqttSink.of({ url: MQTT_URL, topic: 'a/#' }), /MqttSink: option 'topic' must be a topic name without wildcards, got 'a\/#'/);
});

test('source: every message in order, including those published while the connection was down', T, async (t) => {
  const why = await skipReason();
  if (why) return t.skip(why);
  const proxy = await startTcpProxy(1883);
  const topic = unique('eddy/test');
  const clientId = unique('eddy-src');
  const dir = mkdtempSync(join(tmpdir(), 'eddy-mqtt-'));
  const pub = await publisher();
  try {
    const job = runJob(JOB, { params: { url: `mqtt://127.0.0.1:${proxy.port}`, topic, clientId }, checkpointDir: dir });
    for (let i = 0; i < 200 && proxy.accepted === 0; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 700)); // connected: now subscribed
    for (const b of bodies(100)) await pub.publishAsync(topic, b, { qos: 1 });
    await new Promise((r) => setTimeout(r, 300));
    proxy.drop(2000);
    for (const b of bodies(100, 101)) await pub.publishAsync(topic, b, { qos: 1 }); // while the source is away
    await new Promise((r) => setTimeout(r, 3500)); // the client reconnects by itself
    for (const b of bodies(100, 201)) await pub.publishAsync(topic, b, { qos: 1 });
    await pub.publishAsync(topic, 'END', { qos: 1 });
    const r = await job;
    assert.ok(proxy.accepted >= 2, `reconnected (${proxy.accepted} connections)`);
    assert.deepEqual(r.collected, bodies(300));
  } finally {
    await pub.endAsync();
    await proxy.close();
    await dropSession(clientId).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sink: every record published at QoS 1', T, async (t) => {
  const why = await skipReason();
  if (why) return t.skip(why);
  const topic = unique('eddy/sink');
  const sub = await mqtt.connectAsync(MQTT_URL, { reconnectPeriod: 0 });
  const got: string[] = [];
  sub.on('message', (_t, p) => got.push(p.toString()));
  await sub.subscribeAsync(topic, { qos: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'eddy-mqtt-'));
  try {
    await runJob(JOB, { params: { mode: 'sink', url: MQTT_URL, topic, n: 1000 }, checkpointDir: dir });
    for (let i = 0; i < 50 && got.length < 1000; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(got, bodies(1000));
  } finally {
    await sub.endAsync();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad configuration: unreachable broker', T, async (t) => {
  const why = await skipReason();
  if (why) return t.skip(why);
  await assert.rejects(
    runJob(JOB, { params: { url: 'mqtt://127.0.0.1:1', topic: 'x', interval: 0 } }),
    /MqttSource \(client 'eddy-test', mqtt:\/\/127\.0\.0\.1:1\): cannot connect: .*ECONNREFUSED/,
  );
  await assert.rejects(
    runJob(JOB, { params: { mode: 'sink', url: 'mqtt://user:secret@127.0.0.1:1', topic: 'x', interval: 0 } }),
    /MqttSink \(mqtt:\/\/user:\*\*\*@127\.0\.0\.1:1, topic 'x'\): cannot connect: .*ECONNREFUSED/,
  );
});
