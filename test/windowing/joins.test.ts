import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TumblingEventTimeWindows,
  EventTimeSessionWindows,
  OutputTag,
  ProcessJoinFunction,
  type DataStream,
  type Collector,
  type ProcessJoinContext,
} from '../../src/api/index.ts';
import { TwoInputOperatorHarness } from '../../src/testing/index.ts';

interface A {
  id: number;
  x: string;
}
interface B {
  id: number;
  y: string;
}
const a = (id: number, x: string): A => ({ id, x });
const b = (id: number, y: string): B => ({ id, y });

describe('window join and coGroup', () => {
  test('join pairs every a with every b of the same key and window; results at maxTimestamp', () => {
    const h = TwoInputOperatorHarness.of((l: DataStream<A>, r: DataStream<B>) =>
      l
        .join(r)
        .where((v) => v.id)
        .equalTo((v) => v.id)
        .window(TumblingEventTimeWindows.of(10))
        .apply((x: A, y: B) => `${x.x}-${y.y}`),
    );
    h.processElement1(a(1, 'a1'), 1);
    h.processElement1(a(1, 'a2'), 2);
    h.processElement2(b(1, 'b1'), 3);
    h.processElement2(b(2, 'b2'), 4);
    h.processElement1(a(3, 'a9'), 5);
    h.processElement1(a(1, 'a3'), 12);
    h.processElement2(b(1, 'b3'), 15);
    h.processWatermark1(100);
    assert.deepEqual(h.values(), [], 'the combined watermark is the minimum of both inputs');
    h.processWatermark2(100);
    assert.deepEqual(h.records(), [
      { value: 'a1-b1', timestamp: 9 },
      { value: 'a2-b1', timestamp: 9 },
      { value: 'a3-b3', timestamp: 19 },
    ]);
    assert.deepEqual(h.watermarks(), [100]);
  });

  test('flat join (three parameters) emits any number of results', () => {
    const h = TwoInputOperatorHarness.of((l: DataStream<A>, r: DataStream<B>) =>
      l
        .join(r)
        .where((v) => v.id)
        .equalTo((v) => v.id)
        .window(TumblingEventTimeWindows.of(10))
        .apply({
          join(x: A, y: B, out: Collector<string>) {
            if (x.x !== 'skip') out.collect(x.x + y.y);
          },
        }),
    );
    h.processElement1(a(1, 'skip'), 1);
    h.processElement1(a(1, 'p'), 1);
    h.processElement2(b(1, 'q'), 1);
    h.processWatermark(9);
    assert.deepEqual(h.values(), ['pq']);
  });

  test('coGroup gets both sides per key and window, one side possibly empty', () => {
    const h = TwoInputOperatorHarness.of((l: DataStream<A>, r: DataStream<B>) =>
      l
        .coGroup(r)
        .where((v) => v.id)
        .equalTo((v) => v.id)
        .window(EventTimeSessionWindows.withGap(5))
        .apply((xs: A[], ys: B[], out: Collector<string>) => out.collect(`${xs.map((v) => v.x).join('')}|${ys.map((v) => v.y).join('')}`)),
    );
    h.processElement1(a(1, 'a'), 0);
    h.processElement2(b(1, 'b'), 3);
    h.processElement1(a(1, 'c'), 7);
    h.processElement2(b(2, 'z'), 1);
    h.processWatermark(100);
    assert.deepEqual(h.values().sort(), ['ac|b', '|z']);
  });

  test('join key selectors are validated', () => {
    assert.throws(
      () => TwoInputOperatorHarness.of((l: DataStream<A>, r: DataStream<B>) => l.join(r).where(42 as never).equalTo((v) => v.id).window(TumblingEventTimeWindows.of(1)).apply(() => 1)),
      /Join\.where: expected a key selector/,
    );
  });
});

describe('interval join', () => {
  const build =
    (lower: number, upper: number, opts: { lowerExclusive?: boolean; upperExclusive?: boolean; late?: OutputTag<A> } = {}) =>
    (l: DataStream<A>, r: DataStream<B>) => {
      let j = l
        .keyBy((v) => v.id)
        .intervalJoin(r.keyBy((v) => v.id))
        .between(lower, upper);
      if (opts.lowerExclusive) j = j.lowerBoundExclusive();
      if (opts.upperExclusive) j = j.upperBoundExclusive();
      if (opts.late) j = j.sideOutputLeftLateData(opts.late);
      return j.process({
        processElement(x: A, y: B, ctx: ProcessJoinContext, out: Collector<string>) {
          out.collect(`${x.x}${y.y}:${ctx.getLeftTimestamp()}/${ctx.getRightTimestamp()}/${ctx.getTimestamp()}`);
        },
      });
    };

  test('inclusive bounds: b.ts in [a.ts + lower, a.ts + upper]; result timestamp max(a, b)', () => {
    const h = TwoInputOperatorHarness.of(build(-2, 2));
    h.processElement1(a(1, 'a'), 10);
    for (const ts of [7, 8, 10, 12, 13]) h.processElement2(b(1, String(ts)), ts);
    h.processElement2(b(2, 'other-key'), 10);
    h.processElement1(a(1, 'c'), 14); // joins 12 and 13 from the buffer
    assert.deepEqual(h.values(), ['a8:10/8/10', 'a10:10/10/10', 'a12:10/12/12', 'c12:14/12/14', 'c13:14/13/14']);
    assert.equal(h.records()[2]!.timestamp, 12);
  });

  test('exclusive bounds', () => {
    const h = TwoInputOperatorHarness.of(build(-2, 2, { lowerExclusive: true, upperExclusive: true }));
    h.processElement1(a(1, 'a'), 10);
    for (const ts of [8, 9, 10, 11, 12]) h.processElement2(b(1, String(ts)), ts);
    assert.deepEqual(
      h.values().map((v) => v.split(':')[0]),
      ['a9', 'a10', 'a11'],
    );
  });

  test('buffers are cleaned up by timers; late records dropped and counted, or side output', () => {
    const late = new OutputTag<A>('late-left');
    const h = TwoInputOperatorHarness.of(build(0, 5, { late }));
    h.processElement1(a(1, 'a'), 10);
    h.processElement2(b(1, 'b'), 3);
    h.processWatermark(100);
    const snap = h.snapshot();
    const op = Object.values(snap.operators)[0]!;
    assert.equal(op.keyed!.keyGroups.length, 0, 'no buffered elements left');
    h.processElement1(a(1, 'x'), 50);
    h.processElement2(b(1, 'y'), 60);
    assert.deepEqual(h.sideOutput(late), [{ value: a(1, 'x'), timestamp: 50 }]);
    assert.equal(h.counter('numLateRecordsDropped'), 1);
    assert.deepEqual(h.values(), []);
  });

  test('a right element waits in the buffer for a later left element; ProcessJoinFunction class', () => {
    class Fmt extends ProcessJoinFunction<A, B, string> {
      processElement(x: A, y: B, _ctx: ProcessJoinContext, out: Collector<string>) {
        out.collect(x.x + y.y);
      }
    }
    const h = TwoInputOperatorHarness.of((l: DataStream<A>, r: DataStream<B>) =>
      l
        .keyBy((v) => v.id)
        .intervalJoin(r.keyBy((v) => v.id))
        .between(-10, -5)
        .process(new Fmt()),
    );
    h.processElement2(b(1, 'early'), 0);
    h.processWatermark(4);
    h.processElement1(a(1, 'late'), 7); // b.ts 0 in [7-10, 7-5] = [-3, 2]
    h.processWatermark(5);
    h.processElement1(a(1, 'x'), 20);
    assert.deepEqual(h.values(), ['lateearly']);
  });

  test('bad bounds and missing timestamps', () => {
    assert.throws(() => TwoInputOperatorHarness.of(build(5, 1)), /lower bound must be ≤ the upper bound/);
    assert.throws(() => TwoInputOperatorHarness.of(build(1, 1, { lowerExclusive: true })), /exclusive bounds is empty/);
    assert.throws(() => TwoInputOperatorHarness.of(build(NaN, 1)), /lower bound must be a finite number/);
    const h = TwoInputOperatorHarness.of(build(0, 1));
    assert.throws(() => h.processElement1(a(1, 'a')), /left record has no valid timestamp.*assignTimestampsAndWatermarks/);
  });
});
