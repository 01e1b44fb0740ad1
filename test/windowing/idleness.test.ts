// WatermarkStrategy.withIdleness: an input without events for the idle timeout stops holding back the
// watermark downstream. Checked on a manual clock (the watermark emitter, the input gate's valve) and end
// to end: a source with two splits, one of which goes quiet without ending, fires event-time windows
// only with idleness.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runJob, liveWorkerCount } from 'eddy';
import { ManualClock } from 'eddy/testing';
import { WatermarkStrategy, WatermarkEmitter } from '../../src/api/index.ts';
import { InputGate } from '../../src/runtime/input-gate.ts';
import { InputChannel } from '../../src/runtime/channels.ts';

type Ev = { ts: number };

/** An emitter on a manual clock that logs what it sends downstream. */
function emitter(idleMs: number | undefined, interval = 10) {
  const clock = new ManualClock(0);
  let s = WatermarkStrategy.forMonotonousTimestamps<Ev>().withTimestampAssigner((e) => e.ts);
  if (idleMs !== undefined) s = s.withIdleness(idleMs);
  const log: string[] = [];
  const em = new WatermarkEmitter<Ev>(s, clock, 'test', { emitWatermark: (w) => log.push(`wm ${w}`), markIdle: () => log.push('idle'), markActive: () => log.push('active') }, interval);
  /** Steps the clock to `to`, calling `periodic` whenever it is due (as the source task does). */
  const runUntil = (to: number) => {
    while (em.nextPeriodicAt <= to) {
      clock.set(em.nextPeriodicAt);
      em.periodic(clock.now());
    }
    clock.set(to);
  };
  const record = (ts: number) => em.onRecord({ ts }, Number.NaN);
  return { em, log, runUntil, record, clock };
}

describe('the watermark emitter on a manual clock', () => {
  test('marks the input idle once no event came for the timeout, active again on the next event', { timeout: 60_000 }, () => {
    const { log, runUntil, record } = emitter(100);
    runUntil(5);
    record(1000);
    runUntil(10); // periodic at 10: events since the last one, watermark 999
    assert.deepEqual(log, ['wm 999']);
    runUntil(109); // 99 ms without an event
    assert.deepEqual(log, ['wm 999']);
    runUntil(110); // 100 ms
    assert.deepEqual(log, ['wm 999', 'idle']);
    runUntil(500);
    assert.deepEqual(log, ['wm 999', 'idle'], 'idle once, no watermark while idle');
    record(2000);
    assert.deepEqual(log, ['wm 999', 'idle', 'active'], 'active before the record goes out');
    runUntil(510);
    assert.deepEqual(log, ['wm 999', 'idle', 'active', 'wm 1999']);
    runUntil(609);
    assert.deepEqual(log, ['wm 999', 'idle', 'active', 'wm 1999']);
    runUntil(610);
    assert.deepEqual(log, ['wm 999', 'idle', 'active', 'wm 1999', 'idle']);
  });

  test('an input that never had an event goes idle after the timeout from its start', { timeout: 60_000 }, () => {
    const { log, runUntil } = emitter(50);
    const initial = `wm ${-Number.MAX_SAFE_INTEGER}`; // the generator's watermark before any event (Flink: Long.MIN_VALUE + bound + 1 − bound − 1)
    runUntil(49);
    assert.deepEqual(log, [initial]);
    runUntil(50);
    assert.deepEqual(log, [initial, 'idle']);
  });

  test('without withIdleness the input never goes idle', { timeout: 60_000 }, () => {
    const { log, runUntil, record } = emitter(undefined);
    record(1000);
    runUntil(100_000);
    assert.deepEqual(log, ['wm 999']);
  });

  test('withIdleness rejects a timeout that is not > 0', { timeout: 60_000 }, () => {
    assert.throws(() => WatermarkStrategy.forMonotonousTimestamps().withIdleness(0), /withIdleness: timeout must be > 0 ms, got 0/);
  });
});

describe('the input gate (watermark valve)', () => {
  const gate = () => {
    const a = new InputChannel(0, 0, 1, 0, 0, () => {});
    const b = new InputChannel(1, 1, 1, 1, 0, () => {});
    return { g: new InputGate([a, b]), a, b };
  };

  test('an idle channel no longer holds the watermark back; when active again it cannot move it back', { timeout: 60_000 }, () => {
    const { g, a, b } = gate();
    assert.equal(g.onWatermark(b, 499), undefined, 'a has no watermark yet');
    assert.equal(g.onWatermark(a, 8999), 499);
    assert.equal(g.onIdle(b), 8999);
    assert.equal(g.idle, false);
    g.onActive(b);
    assert.equal(g.onWatermark(b, 600), undefined, 'b is behind: the watermark stays');
    assert.equal(g.watermark, 8999);
    assert.equal(g.onWatermark(a, 9999), undefined, 'b (600) is the minimum again');
    assert.equal(g.onWatermark(b, 12_000), 9999);
  });

  test('every channel idle: the task is idle and its watermark stays', { timeout: 60_000 }, () => {
    const { g, a, b } = gate();
    assert.equal(g.onWatermark(a, 100), undefined);
    assert.equal(g.onWatermark(b, 200), 100);
    assert.equal(g.onIdle(a), 200);
    assert.equal(g.onIdle(b), undefined);
    assert.equal(g.idle, true);
    assert.equal(g.watermark, 200);
  });

  test('when the last live channel goes idle, the watermark moves up to the highest idle channel (Flink)', { timeout: 60_000 }, () => {
    // a is ahead and goes idle first (its watermark no longer counts), then b goes idle: nothing holds
    // a's watermark back any more
    const { g, a, b } = gate();
    assert.equal(g.onWatermark(a, 9499), undefined);
    assert.equal(g.onWatermark(b, 499), 499);
    assert.equal(g.onIdle(a), undefined, 'b (499) is the minimum of the live channels');
    assert.equal(g.onIdle(b), 9499);
    assert.equal(g.idle, true);
    // a becomes active again; its watermark is not repeated (the emitter only sends higher ones)
    g.onActive(a);
    assert.equal(g.idle, false);
    assert.equal(g.onWatermark(a, 9999), 9999);
  });

  test('an ended channel and an idle one: the watermark does not jump to the ended channel\'s +Infinity', { timeout: 60_000 }, () => {
    const { g, a, b } = gate();
    g.onWatermark(a, 300);
    g.onWatermark(b, 100);
    assert.equal(g.onWatermark(a, Infinity), undefined);
    assert.equal(g.onEnd(a), undefined);
    assert.equal(g.onIdle(b), undefined);
    assert.equal(g.watermark, 100);
    assert.equal(g.idle, true);
  });
});

describe('withIdleness end to end', () => {
  const JOB = new URL('../jobs/idleness.ts', import.meta.url);
  const windows = ['a 0-3000 n=2', 'a 3000-6000 n=3', 'a 6000-9000 n=3', 'a 9000-12000 n=1', 'b 0-3000 n=1'];
  const run = async (params: Record<string, unknown>) => {
    const r = await runJob(JOB, { params: { fired: new SharedArrayBuffer(4), ...params } });
    assert.equal(liveWorkerCount(), 0);
    return (r.collected as string[]).slice().sort();
  };

  test('with idleness, windows fire while the quiet split is still open', { timeout: 60_000 }, async () => {
    // the four windows that end by 9000 fire on split 0's watermark while split 1 is idle (not ended)
    const got = await run({ idleMs: 50, expectEarly: 4, deadlineMs: 30_000 });
    assert.deepEqual(got, [...windows, 'status seen=4']);
  });

  test('without idleness, the quiet split holds every window back until the input ends', { timeout: 60_000 }, async () => {
    const got = await run({ idleMs: 0, expectEarly: 4, deadlineMs: 1000 });
    assert.deepEqual(got, [...windows, 'status seen=0']);
  });
});
