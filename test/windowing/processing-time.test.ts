import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TumblingProcessingTimeWindows,
  SlidingProcessingTimeWindows,
  ProcessingTimeSessionWindows,
  type DataStream,
} from '../../src/api/index.ts';
import { OperatorHarness } from '../../src/testing/index.ts';
import { BACKENDS, countSum, ev, sum, type Ev } from './helpers.ts';

const keyed = (s: DataStream<Ev>) => s.keyBy((r) => r.key);

for (const backend of BACKENDS) {
  describe(`processing-time windows on ${backend}`, () => {
    test('tumbling: elements by arrival time, fired by the manual clock; watermarks do not fire', () => {
      const h = OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(TumblingProcessingTimeWindows.of(1000)).reduce(sum), { stateBackend: backend, processingTime: 100 });
      h.processElement(ev('a', 1), 5_000_000);
      h.processWatermark(Number.MAX_SAFE_INTEGER);
      assert.deepEqual(h.values(), []);
      h.setProcessingTime(1500);
      h.processElement(ev('a', 2));
      h.processElement(ev('b', 3));
      assert.deepEqual(h.values(), [ev('a', 1)]);
      h.setProcessingTime(5000);
      assert.deepEqual(h.records().slice(0, 3), [
        { value: ev('a', 1), timestamp: 999 },
        { value: ev('a', 2), timestamp: 1999 },
        { value: ev('b', 3), timestamp: 1999 },
      ]);
      h.close();
    });
  });
}

describe('processing-time windows', () => {
  test('sliding', () => {
    const h = OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(SlidingProcessingTimeWindows.of(2000, 1000)).aggregate(countSum));
    h.setProcessingTime(500);
    h.processElement(ev('a', 1));
    h.setProcessingTime(1500);
    h.processElement(ev('a', 2));
    h.setProcessingTime(10_000);
    assert.deepEqual(h.values(), [
      { count: 1, sum: 1 },
      { count: 2, sum: 3 },
      { count: 1, sum: 2 },
    ]);
  });

  test('sessions merge by arrival time; dynamic gaps', () => {
    const h = OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(ProcessingTimeSessionWindows.withDynamicGap((e: Ev) => e.n * 100)).reduce(sum));
    h.setProcessingTime(0);
    h.processElement(ev('a', 1)); // [0,100)
    h.setProcessingTime(50);
    h.processElement(ev('a', 5)); // [50,550) → [0,550)
    h.setProcessingTime(548);
    assert.deepEqual(h.values(), []);
    h.setProcessingTime(549);
    assert.deepEqual(h.records(), [{ value: ev('a', 6), timestamp: 549 }]);
  });
});
