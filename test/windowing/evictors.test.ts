import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TumblingEventTimeWindows,
  EventTimeSessionWindows,
  GlobalWindows,
  CountTrigger,
  CountEvictor,
  TimeEvictor,
  DeltaEvictor,
  type DataStream,
  type ProcessWindowContext,
  type TimeWindow,
  type Collector,
} from '../../src/api/index.ts';
import { OperatorHarness } from '../../src/testing/index.ts';
import { countSum, ev, sum, type Ev } from './helpers.ts';

const keyed = (s: DataStream<Ev>) => s.keyBy((r) => r.key);
const ns = {
  process: (_k: string, _c: ProcessWindowContext<TimeWindow>, els: readonly Ev[], out: Collector<number[]>) => out.collect(els.map((e) => e.n)),
};

describe('evictors', () => {
  test('CountEvictor keeps the last n before the function; the buffer keeps them', () => {
    const h = OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(GlobalWindows.create()).trigger(CountTrigger.of(3)).evictor(CountEvictor.of(2)).reduce(sum));
    for (let i = 1; i <= 6; i++) h.processElement(ev('a', i));
    assert.deepEqual(h.values(), [ev('a', 5), ev('a', 11)]);
  });

  test('CountEvictor after the function', () => {
    const h = OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(GlobalWindows.create()).trigger(CountTrigger.of(3)).evictor(CountEvictor.of(2, true)).reduce(sum));
    for (let i = 1; i <= 6; i++) h.processElement(ev('a', i));
    assert.deepEqual(h.values(), [ev('a', 6), ev('a', 20)]);
  });

  test('TimeEvictor keeps the elements within ms of the newest', () => {
    const h = OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(TumblingEventTimeWindows.of(10_000)).evictor(TimeEvictor.of(1000)).process(ns));
    h.processElement(ev('a', 1), 0);
    h.processElement(ev('a', 2), 500);
    h.processElement(ev('a', 3), 1500);
    h.processElement(ev('a', 4), 2000);
    h.processWatermark(10_000);
    assert.deepEqual(h.values(), [[3, 4]]);
  });

  test('DeltaEvictor drops elements too far from the last one', () => {
    const h = OperatorHarness.of((s: DataStream<Ev>) =>
      keyed(s).window(TumblingEventTimeWindows.of(100)).evictor(DeltaEvictor.of(5, (a: Ev, b: Ev) => Math.abs(a.n - b.n))).process(ns),
    );
    for (const [n, ts] of [[1, 1], [4, 2], [10, 3], [12, 4]]) h.processElement(ev('a', n!), ts);
    h.processWatermark(99);
    assert.deepEqual(h.values(), [[10, 12]]);
  });

  test('evicting aggregate and evicting session windows', () => {
    const h = OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(TumblingEventTimeWindows.of(100)).evictor(CountEvictor.of(2)).aggregate(countSum));
    for (let i = 1; i <= 3; i++) h.processElement(ev('a', i), i);
    h.processWatermark(99);
    assert.deepEqual(h.values(), [{ count: 2, sum: 5 }]);

    const s2 = OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(EventTimeSessionWindows.withGap(10)).evictor(CountEvictor.of(2)).process(ns));
    s2.processElement(ev('a', 1), 0);
    s2.processElement(ev('a', 2), 20);
    s2.processElement(ev('a', 3), 10); // merges [0,10), [10,20), [20,30)
    s2.processWatermark(100);
    assert.deepEqual(s2.values(), [[2, 3]]);
  });

  test('invalid evictor parameters', () => {
    assert.throws(() => CountEvictor.of(-1), /CountEvictor\.of\(-1\)/);
    assert.throws(() => TimeEvictor.of(NaN), /TimeEvictor\.of\(NaN\)/);
    assert.throws(() => DeltaEvictor.of(1, 'x' as never), /DeltaEvictor\.of: expected a delta function/);
  });
});
