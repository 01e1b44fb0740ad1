// MQTT connector against the real broker (Mosquitto): the source receives every QoS 1 message, also those
// published while its connection was down (dropped by an in-process TCP proxy; the client reconnects by
// itself and the persistent session delivers them, with the unacknowledged ones again); messages are
// acknowledged only when their checkpoint completes (without checkpoints they stay on the broker); the
// sink publishes every record with PUBACKs; bad configuration fails with a clear error. Skipped (with
// the reason) without a broker, except in CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { runJob } from 'eddy';
import { MqttSink, MqttSource } from 'eddy/connectors/mqtt';
import { startTcpProxy } from './tcp-proxy.ts';
import { MQTT_URL, mqttSkipReason, dropSession, openSession, unique } from './mqtt-test-kit.ts';

const JOB = new URL('../jobs/mqtt-job.ts', import.meta.url);
const T = { timeout: 120_000 };
const bodies = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `m${i + from}`);
const skipReason = mqttSkipReason;

async function publisher(): Promise<mqtt.MqttClient> {
  return mqtt.connectAsync(MQTT_URL, { reconnectPeriod: 0 });
}

/** Each value once, in the order of its first appearance, and how many values came more than once. */
function firstSeen(values: string[]): { distinct: string[]; duplicates: number } {
  const seen = new Set<string>();
  for (const v of values) seen.add(v);
  return { distinct: [...seen], duplicates: values.length - seen.size };
}

test('options are validated at the call', T, () => {
  assert.throws(() => MqttSource.of({ url: 'http://x', topics: 't', clientId: 'c' }), /MqttSource: option 'url' must be an mqtt:\/\/ URL/);
  assert.throws(() => MqttSource.of({ url: MQTT_URL, topics: [], clientId: 'c' }), /option 'topics' must name at least one topic filter/);
  assert.throws(() => MqttSource.of({ url: MQTT_URL, topics: 't', clientId: '' }), /option 'clientId' is required/);
  assert.throws(() => MqttSource.of({ url: MQTT_URL, topics: 't', clientId: 'c', receiveMaximum: 0 }), /option 'receiveMaximum' must be an integer between 1 and 65535, got 0/);
  assert.throws(() => MqttSource.of({ url: MQTT_URL, topics: 't', clientId: 'c', sessionExpirySec: 0 }), /option 'sessionExpirySec' must be an integer between 1 and 4294967295 \(0 would end the session/);
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
    // at-least-once: what was emitted and not yet acknowledged at the drop comes again after the reconnect
    const { distinct, duplicates } = firstSeen(r.collected as string[]);
    assert.deepEqual(distinct, bodies(300));
    assert.ok(duplicates <= 100, `${duplicates} duplicates: at most the messages emitted before the drop`);
  } finally {
    await pub.endAsync();
    await proxy.close();
    await dropSession(clientId).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('source: without a completed checkpoint nothing is acknowledged: the session holds every message', T, async (t) => {
  const why = await skipReason();
  if (why) return t.skip(why);
  const topic = unique('eddy/noack');
  const clientId = unique('eddy-noack');
  const dir = mkdtempSync(join(tmpdir(), 'eddy-mqtt-'));
  await openSession(clientId, topic);
  const pub = await publisher();
  try {
    for (const b of [...bodies(50), 'END']) await pub.publishAsync(topic, b, { qos: 1 });
    const r = await runJob(JOB, { params: { url: MQTT_URL, topic, clientId, interval: 0 }, checkpointDir: dir });
    assert.deepEqual(r.collected, bodies(50));
    // the session resumed by a plain client: the broker sends all 51 again (none was acknowledged)
    const got: string[] = [];
    // listening before the connection is up: the resent messages may follow the CONNACK in one read
    const c = mqtt.connect(MQTT_URL, { clientId, clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 60 }, reconnectPeriod: 0 });
    c.on('message', (_t, p) => got.push(p.toString()));
    for (let i = 0; i < 100 && got.length < 51; i++) await new Promise((res) => setTimeout(res, 50));
    await c.endAsync();
    assert.deepEqual(got, [...bodies(50), 'END']);
  } finally {
    await pub.endAsync();
    await dropSession(clientId).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Runs the sink job for `n` records with `interval` ms between checkpoints (0: none before the end of
 * input) while a subscriber at `qos` collects the topic; returns what it received, in order.
 */
async function sinkRun(n: number, interval: number, qos: 0 | 1): Promise<string[]> {
  const topic = unique('eddy/sink');
  const sub = await mqtt.connectAsync(MQTT_URL, { reconnectPeriod: 0 });
  const got: string[] = [];
  sub.on('message', (_t, p) => got.push(p.toString()));
  await sub.subscribeAsync(topic, { qos });
  const dir = mkdtempSync(join(tmpdir(), 'eddy-mqtt-'));
  try {
    await runJob(JOB, { params: { mode: 'sink', url: MQTT_URL, topic, n, interval }, checkpointDir: dir });
    for (let i = 0; i < 100 && got.length < n; i++) await new Promise((r) => setTimeout(r, 100));
    return got;
  } finally {
    await sub.endAsync();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('sink: every record published at QoS 1', T, async (t) => {
  const why = await skipReason();
  if (why) return t.skip(why);
  assert.deepEqual(await sinkRun(1000, 50, 1), bodies(1000));
});

test('sink: more records between two barriers than MQTT has packet ids (65 535), every one published', T, async (t) => {
  const why = await skipReason();
  if (why) return t.skip(why);
  // No checkpoint before the end of input: every record waits for its PUBACK at the final flush. QoS 0
  // for the test's own subscription: the broker then forwards as it receives, instead of queueing at
  // most max_queued_messages for a subscriber it considers slow.
  const got = await sinkRun(70_000, 0, 0);
  assert.equal(got.length, 70_000);
  assert.deepEqual(got, bodies(70_000));
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
