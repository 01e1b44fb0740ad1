import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TumblingEventTimeWindows, EventTimeSessionWindows, SlidingEventTimeWindows, OutputTag, type DataStream } from '../../src/api/index.ts';
import { OperatorHarness } from '../../src/testing/index.ts';
import { countSum, ev, sum, type Ev } from './helpers.ts';

const keyed = (s: DataStream<Ev>) => s.keyBy((r) => r.key);

describe('allowed lateness and late data', () => {
  test('late elements within the lateness cause late firings with the full contents; cleanup after maxTimestamp + lateness', () => {
    const h = OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(TumblingEventTimeWindows.of(100)).allowedLateness(50).reduce(sum));
    h.processElement(ev('a', 1), 10);
    h.processWatermark(99);
    h.processElement(ev('a', 2), 20); // late, within lateness: fires again at once
    h.processWatermark(148);
    h.processElement(ev('a', 4), 30); // still within (cleanup at 149)
    h.processWatermark(149); // cleanup
    h.processElement(ev('a', 8), 40); // beyond: dropped
    assert.deepEqual(h.records(), [
      { value: ev('a', 1), timestamp: 99 },
      { value: ev('a', 3), timestamp: 99 },
      { value: ev('a', 7), timestamp: 99 },
    ]);
    assert.equal(h.counter('numLateRecordsDropped'), 1);
  });

  test('without lateness, elements behind the watermark are dropped and counted', () => {
    const h = OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(TumblingEventTimeWindows.of(100)).reduce(sum));
    h.processWatermark(99);
    h.processElement(ev('a', 1), 99);
    h.processElement(ev('a', 1), 0);
    h.processElement(ev('a', 1), 100);
    h.processWatermark(1000);
    assert.deepEqual(h.values(), [ev('a', 1)]);
    assert.equal(h.counter('numLateRecordsDropped'), 2);
  });

  test('late data goes to the side output instead when configured', () => {
    const late = new OutputTag<Ev>('late');
    const h = OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(TumblingEventTimeWindows.of(100)).sideOutputLateData(late).allowedLateness(10).aggregate(countSum));
    h.processElement(ev('a', 1), 5);
    h.processWatermark(109);
    h.processElement(ev('a', 2), 50);
    assert.deepEqual(h.sideOutput(late), [{ value: ev('a', 2), timestamp: 50 }]);
    assert.equal(h.counter('numLateRecordsDropped'), 0);
    assert.deepEqual(h.values(), [{ count: 1, sum: 1 }]);
  });

  test('a sliding element late for some windows only is kept in the others', () => {
    const h = OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(SlidingEventTimeWindows.of(200, 100)).reduce(sum));
    h.processWatermark(150);
    h.processElement(ev('a', 1), 50); // windows [-100,100) (late) and [0,200) (on time)
    h.processWatermark(1000);
    assert.deepEqual(h.records(), [{ value: ev('a', 1), timestamp: 199 }]);
    assert.equal(h.counter('numLateRecordsDropped'), 0);
  });

  test('sessions with allowed lateness: a late element extends and re-fires the session', () => {
    const h = OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(EventTimeSessionWindows.withGap(10)).allowedLateness(100).aggregate(countSum));
    h.processElement(ev('a', 1), 0);
    h.processWatermark(20);
    assert.deepEqual(h.values(), [{ count: 1, sum: 1 }]);
    h.processElement(ev('a', 2), 5); // merges with [0,10) into [0,15), already due: fires at once
    assert.deepEqual(h.values(), [
      { count: 1, sum: 1 },
      { count: 2, sum: 3 },
    ]);
    assert.equal(h.records()[1]!.timestamp, 14);
    h.processWatermark(500);
    h.processElement(ev('a', 4), 6);
    assert.equal(h.counter('numLateRecordsDropped'), 1);
  });
});

describe('late data side output as a stream', () => {
  test('getSideOutput(tag) of the windowed result yields the late elements', () => {
    const late = new OutputTag<Ev>('late');
    const h = OperatorHarness.of((s: DataStream<Ev>) =>
      keyed(s).window(TumblingEventTimeWindows.of(10)).sideOutputLateData(late).reduce(sum).getSideOutput(late).map((e) => e.n),
    );
    h.processWatermark(50);
    h.processElement(ev('a', 7), 3);
    h.processElement(ev('a', 8), 60);
    assert.deepEqual(h.records(), [{ value: 7, timestamp: 3 }]);
  });
});
