import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  SlidingEventTimeWindows,
  SlidingProcessingTimeWindows,
  EventTimeSessionWindows,
  ProcessingTimeSessionWindows,
  GlobalWindows,
  GlobalWindow,
  TimeWindow,
  EventTimeTrigger,
  ProcessingTimeTrigger,
  NeverTrigger,
  mergeTimeWindows,
  windowToNamespace,
  namespaceToWindow,
} from '../../src/api/index.ts';

const ctx = (now: number) => ({ getCurrentProcessingTime: () => now });
const bounds = (ws: Array<TimeWindow | GlobalWindow>) => ws.map((w) => (w instanceof TimeWindow ? [w.start, w.end] : 'G'));

describe('TimeWindow', () => {
  test('maxTimestamp is end - 1; intersects and cover', () => {
    const w = new TimeWindow(0, 5000);
    assert.equal(w.maxTimestamp(), 4999);
    assert.ok(w.intersects(new TimeWindow(5000, 6000)));
    assert.ok(!w.intersects(new TimeWindow(5001, 6000)));
    assert.deepEqual(w.cover(new TimeWindow(-10, 10)), new TimeWindow(-10, 5000));
  });
  test('window start with offset, negative timestamps', () => {
    assert.equal(TimeWindow.getWindowStartWithOffset(-1, 0, 5000), -5000);
    assert.equal(TimeWindow.getWindowStartWithOffset(-5000, 0, 5000), -5000);
    assert.equal(TimeWindow.getWindowStartWithOffset(-5001, 0, 5000), -10000);
    assert.equal(TimeWindow.getWindowStartWithOffset(7, 3, 5), 3);
    assert.equal(TimeWindow.getWindowStartWithOffset(2, 3, 5), -2);
  });
  test('namespace encoding round-trips', () => {
    for (const w of [new TimeWindow(0, 10), new TimeWindow(-20, -10), new TimeWindow(-5, 5)]) assert.deepEqual(namespaceToWindow(windowToNamespace(w)), w);
    assert.equal(windowToNamespace(new TimeWindow(-20, -10)), '-20:-10');
    assert.equal(namespaceToWindow(windowToNamespace(GlobalWindow.get())), GlobalWindow.get());
  });
});

describe('tumbling assigners', () => {
  test('event time: bounds, negative timestamps', () => {
    const a = TumblingEventTimeWindows.of(5000);
    const at = (ts: number) => bounds(a.assignWindows(null, ts));
    assert.deepEqual(at(0), [[0, 5000]]);
    assert.deepEqual(at(4999), [[0, 5000]]);
    assert.deepEqual(at(5000), [[5000, 10000]]);
    assert.deepEqual(at(-1), [[-5000, 0]]);
    assert.deepEqual(at(-5000), [[-5000, 0]]);
    assert.deepEqual(at(-5001), [[-10000, -5000]]);
    assert.ok(a.isEventTime());
    assert.ok(a.getDefaultTrigger() instanceof EventTimeTrigger);
    assert.equal(a.isMerging(), false);
  });
  test('event time with offsets', () => {
    assert.deepEqual(bounds(TumblingEventTimeWindows.of(5000, 1000).assignWindows(null, 0)), [[-4000, 1000]]);
    assert.deepEqual(bounds(TumblingEventTimeWindows.of(5000, 1000).assignWindows(null, 1000)), [[1000, 6000]]);
    assert.deepEqual(bounds(TumblingEventTimeWindows.of(5000, -1000).assignWindows(null, 0)), [[-1000, 4000]]);
    assert.deepEqual(bounds(TumblingEventTimeWindows.of(5000, -1000).assignWindows(null, -1001)), [[-6000, -1000]]);
  });
  test('processing time uses the clock', () => {
    const a = TumblingProcessingTimeWindows.of(1000);
    assert.deepEqual(bounds(a.assignWindows(null, 0, ctx(2500))), [[2000, 3000]]);
    assert.deepEqual(bounds(TumblingProcessingTimeWindows.of(1000, 100).assignWindows(null, 0, ctx(50))), [[-900, 100]]);
    assert.ok(!a.isEventTime());
    assert.ok(a.getDefaultTrigger() instanceof ProcessingTimeTrigger);
  });
  test('invalid sizes and offsets name the assigner', () => {
    assert.throws(() => TumblingEventTimeWindows.of(0), /TumblingEventTimeWindows\.of: size must be a positive/);
    assert.throws(() => TumblingEventTimeWindows.of(-5), /size must be a positive/);
    assert.throws(() => TumblingEventTimeWindows.of(NaN), /size must be a positive/);
    assert.throws(() => TumblingEventTimeWindows.of(1000, 1000), /offset must satisfy \|offset\| < size/);
    assert.throws(() => TumblingProcessingTimeWindows.of(0), /TumblingProcessingTimeWindows\.of: size/);
  });
  test('records without (or with NaN) timestamps are rejected', () => {
    const a = TumblingEventTimeWindows.of(1000);
    assert.throws(() => a.assignWindows(null, NaN), /TumblingEventTimeWindows: record timestamp is NaN/);
    assert.throws(() => a.assignWindows(null, -Number.MAX_VALUE), /no timestamp.*assignTimestampsAndWatermarks/);
  });
});

describe('sliding assigners', () => {
  test('event time: every slide, negative timestamps, offsets', () => {
    const a = SlidingEventTimeWindows.of(5000, 1000);
    assert.deepEqual(bounds(a.assignWindows(null, 0)), [[0, 5000], [-1000, 4000], [-2000, 3000], [-3000, 2000], [-4000, 1000]]);
    assert.deepEqual(bounds(a.assignWindows(null, -1)), [[-1000, 4000], [-2000, 3000], [-3000, 2000], [-4000, 1000], [-5000, 0]]);
    assert.deepEqual(bounds(SlidingEventTimeWindows.of(5000, 1000, 500).assignWindows(null, 0)), [[-500, 4500], [-1500, 3500], [-2500, 2500], [-3500, 1500], [-4500, 500]]);
    assert.deepEqual(bounds(SlidingEventTimeWindows.of(3000, 3000).assignWindows(null, 4000)), [[3000, 6000]]);
  });
  test('processing time', () => {
    assert.deepEqual(bounds(SlidingProcessingTimeWindows.of(2000, 1000).assignWindows(null, 0, ctx(1500))), [[1000, 3000], [0, 2000]]);
  });
  test('invalid slide or size', () => {
    assert.throws(() => SlidingEventTimeWindows.of(1000, 0), /SlidingEventTimeWindows\.of: slide must be a positive/);
    assert.throws(() => SlidingEventTimeWindows.of(1000, -1), /slide must be a positive/);
    assert.throws(() => SlidingEventTimeWindows.of(1000, 2000), /slide \(2000\) must not exceed size \(1000\)/);
    assert.throws(() => SlidingEventTimeWindows.of(0, 1), /size must be a positive/);
    assert.throws(() => SlidingProcessingTimeWindows.of(1000, 100, 100), /\|offset\| < slide/);
  });
});

describe('assigners over a stream of timestamps (the last window is reused)', () => {
  // independent of the assigners: the windows of a timestamp by enumeration of window starts
  const floorTo = (ts: number, size: number, offset: number): number => Math.floor((ts - offset) / size) * size + offset;
  function expected(ts: number, size: number, slide: number, offset: number): number[][] {
    const out: number[][] = [];
    for (let start = floorTo(ts, slide, offset); start > ts - size; start -= slide) out.push([start, start + size]);
    return out;
  }
  test('in order, out of order, negative and far apart: each record gets its own windows', { timeout: 30_000 }, () => {
    let x = 12345;
    const next = (): number => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const stamps: number[] = [];
    let t = 1_700_000_000_000;
    for (let i = 0; i < 5000; i++) {
      const r = next();
      t = r < 0.8 ? t + Math.floor(next() * 700) : r < 0.9 ? t - Math.floor(next() * 30_000) : -Math.floor(next() * 1e6);
      stamps.push(t);
      if (t < 0) t = 1_700_000_000_000 + Math.floor(next() * 1e6);
    }
    const cases: [string, (ts: number) => TimeWindow[], number, number, number][] = [
      ['tumbling 10 s', ((a) => (ts: number) => a.assignWindows(null, ts))(TumblingEventTimeWindows.of(10_000)), 10_000, 10_000, 0],
      ['tumbling 10 s offset 3 s', ((a) => (ts: number) => a.assignWindows(null, ts))(TumblingEventTimeWindows.of(10_000, 3000)), 10_000, 10_000, 3000],
      ['sliding 10 s every 2 s', ((a) => (ts: number) => a.assignWindows(null, ts))(SlidingEventTimeWindows.of(10_000, 2000)), 10_000, 2000, 0],
      ['sliding 10 s every 3 s offset 1 s', ((a) => (ts: number) => a.assignWindows(null, ts))(SlidingEventTimeWindows.of(10_000, 3000, 1000)), 10_000, 3000, 1000],
      ['tumbling processing time', ((a) => (ts: number) => a.assignWindows(null, 0, ctx(ts)))(TumblingProcessingTimeWindows.of(5000)), 5000, 5000, 0],
      ['sliding processing time', ((a) => (ts: number) => a.assignWindows(null, 0, ctx(ts)))(SlidingProcessingTimeWindows.of(6000, 2000)), 6000, 2000, 0],
    ];
    for (const [name, assign, size, slide, offset] of cases)
      for (const ts of stamps) assert.deepEqual(bounds(assign(ts)), expected(ts, size, slide, offset), `${name} at ${ts}`);
  });
});

describe('session and global assigners', () => {
  test('sessions open [ts, ts + gap) and merge overlapping windows', () => {
    const a = EventTimeSessionWindows.withGap(3000);
    assert.deepEqual(bounds(a.assignWindows(null, 10)), [[10, 3010]]);
    assert.deepEqual(bounds(a.assignWindows(null, -10)), [[-10, 2990]]);
    assert.ok(a.isMerging());
    const merges: Array<[number[][], number[]]> = [];
    mergeTimeWindows([new TimeWindow(5, 10), new TimeWindow(0, 5), new TimeWindow(20, 30), new TimeWindow(12, 15), new TimeWindow(14, 16)], (ws, r) =>
      merges.push([ws.map((w) => [w.start, w.end]), [r.start, r.end]]),
    );
    assert.deepEqual(merges, [
      [[[0, 5], [5, 10]], [0, 10]],
      [[[12, 15], [14, 16]], [12, 16]],
    ]);
  });
  test('dynamic gap and processing-time sessions', () => {
    const a = EventTimeSessionWindows.withDynamicGap((e: { gap: number }) => e.gap);
    assert.deepEqual(bounds(a.assignWindows({ gap: 7 }, 100)), [[100, 107]]);
    assert.throws(() => a.assignWindows({ gap: 0 }, 100), /EventTimeSessionWindows: the dynamic gap extractor returned 0/);
    assert.throws(() => a.assignWindows({ gap: NaN }, 100), /returned NaN/);
    const p = ProcessingTimeSessionWindows.withDynamicGap({ extract: (e: number) => e });
    assert.deepEqual(bounds(p.assignWindows(5, 0, ctx(1000))), [[1000, 1005]]);
    assert.deepEqual(bounds(ProcessingTimeSessionWindows.withGap(10).assignWindows(null, 0, ctx(3))), [[3, 13]]);
  });
  test('invalid gaps', () => {
    assert.throws(() => EventTimeSessionWindows.withGap(0), /EventTimeSessionWindows\.withGap: the session gap must be a positive/);
    assert.throws(() => ProcessingTimeSessionWindows.withGap(-1), /ProcessingTimeSessionWindows\.withGap/);
    assert.throws(() => EventTimeSessionWindows.withDynamicGap(42 as never), /withDynamicGap: expected a function/);
  });
  test('global windows', () => {
    const g = GlobalWindows.create();
    assert.deepEqual(g.assignWindows(), [GlobalWindow.get()]);
    assert.ok(g.getDefaultTrigger() instanceof NeverTrigger);
    assert.equal(GlobalWindow.get().maxTimestamp(), Number.MAX_VALUE);
  });
});
