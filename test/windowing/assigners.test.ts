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
