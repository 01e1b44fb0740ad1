import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  EventTimeSessionWindows,
  GlobalWindows,
  CountTrigger,
  PurgingTrigger,
  EventTimeTrigger,
  ProcessingTimeTrigger,
  ContinuousEventTimeTrigger,
  ContinuousProcessingTimeTrigger,
  NeverTrigger,
  TriggerResult,
  type DataStream,
  type Trigger,
} from '../../src/api/index.ts';
import { OperatorHarness } from '../../src/testing/index.ts';
import { countSum, ev, sum, type Ev } from './helpers.ts';

const keyed = (s: DataStream<Ev>) => s.keyBy((r) => r.key);

describe('triggers', () => {
  test('CountTrigger fires every n elements and keeps the contents (accumulating)', () => {
    const h = OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(GlobalWindows.create()).trigger(CountTrigger.of(2)).reduce(sum));
    for (let i = 1; i <= 5; i++) h.processElement(ev('a', i));
    assert.deepEqual(h.values(), [ev('a', 3), ev('a', 10)]);
  });

  test('CountTrigger replaces the event-time trigger: the watermark fires nothing', () => {
    const h = OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(TumblingEventTimeWindows.of(100)).trigger(CountTrigger.of(3)).reduce(sum));
    h.processElement(ev('a', 1), 1);
    h.processElement(ev('a', 1), 2);
    h.processWatermark(1000);
    assert.deepEqual(h.values(), []);
  });

  test('CountTrigger counts merge when sessions merge', () => {
    const h = OperatorHarness.of((s: DataStream<Ev>) =>
      keyed(s).window(EventTimeSessionWindows.withGap(1000)).trigger(CountTrigger.of(3)).aggregate(countSum),
    );
    h.processElement(ev('a', 1), 0);
    h.processElement(ev('a', 2), 2000);
    assert.deepEqual(h.values(), []);
    h.processElement(ev('a', 3), 1000); // merges all three: count 1 + 1 + 1
    assert.deepEqual(h.values(), [{ count: 3, sum: 6 }]);
  });

  test('PurgingTrigger turns FIRE into FIRE_AND_PURGE', () => {
    const h = OperatorHarness.of((s: DataStream<Ev>) =>
      keyed(s).window(TumblingEventTimeWindows.of(100)).allowedLateness(50).trigger(PurgingTrigger.of(EventTimeTrigger.create())).reduce(sum),
    );
    h.processElement(ev('a', 1), 10);
    h.processElement(ev('a', 2), 20);
    h.processWatermark(99);
    h.processElement(ev('a', 5), 30); // late firing with only the new element: the window was purged
    assert.deepEqual(h.values(), [ev('a', 3), ev('a', 5)]);
  });

  test('ContinuousEventTimeTrigger fires every interval of event time and at the window end', () => {
    const h = OperatorHarness.of((s: DataStream<Ev>) =>
      keyed(s).window(TumblingEventTimeWindows.of(5000)).trigger(ContinuousEventTimeTrigger.of(1000)).reduce(sum),
    );
    h.processElement(ev('a', 1), 100);
    h.processWatermark(999);
    assert.deepEqual(h.values(), []);
    h.processWatermark(1000);
    assert.deepEqual(h.values(), [ev('a', 1)]);
    h.processElement(ev('a', 2), 1200);
    h.processWatermark(2500);
    h.processWatermark(4999);
    assert.deepEqual(h.values(), [ev('a', 1), ev('a', 3), ev('a', 3), ev('a', 3), ev('a', 3)]);
    assert.ok(h.records().every((r) => r.timestamp === 4999));
    h.processWatermark(20_000);
    assert.equal(h.values().length, 5, 'no firing after cleanup');
  });

  test('ProcessingTimeTrigger fires when the clock reaches the window end', () => {
    const h = OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(TumblingProcessingTimeWindows.of(1000)).trigger(ProcessingTimeTrigger.create()).reduce(sum));
    h.setProcessingTime(100);
    h.processElement(ev('a', 1));
    h.setProcessingTime(998);
    assert.deepEqual(h.values(), []);
    h.setProcessingTime(999);
    assert.deepEqual(h.records(), [{ value: ev('a', 1), timestamp: 999 }]);
  });

  test('ContinuousProcessingTimeTrigger fires every interval of processing time', () => {
    const h = OperatorHarness.of((s: DataStream<Ev>) =>
      keyed(s).window(GlobalWindows.create()).trigger(ContinuousProcessingTimeTrigger.of(1000)).reduce(sum),
    );
    h.setProcessingTime(500);
    h.processElement(ev('a', 1));
    h.setProcessingTime(999);
    assert.deepEqual(h.values(), []);
    h.setProcessingTime(1000);
    h.processElement(ev('a', 2));
    h.setProcessingTime(2500);
    assert.deepEqual(h.values(), [ev('a', 1), ev('a', 3)]);
  });

  test('NeverTrigger (global default) emits nothing, even at end of input', () => {
    const h = OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(GlobalWindows.create()).trigger(NeverTrigger.create()).reduce(sum));
    h.processElement(ev('a', 1), 1);
    h.endInput();
    assert.deepEqual(h.values(), []);
  });

  test('a custom trigger object with partitioned state and timers', () => {
    // fires when an element with n >= 10 arrives, and 5 ms of event time after the first element
    const trigger: Trigger<Ev> = {
      onElement: (e, ts, _w, ctx) => {
        ctx.registerEventTimeTimer(ts + 5);
        return e.n >= 10 ? TriggerResult.FIRE_AND_PURGE : TriggerResult.CONTINUE;
      },
      onEventTime: () => TriggerResult.FIRE_AND_PURGE,
      onProcessingTime: () => TriggerResult.CONTINUE,
      clear: () => {},
    };
    const h = OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(GlobalWindows.create()).trigger(trigger).reduce(sum));
    h.processElement(ev('a', 1), 0);
    h.processElement(ev('a', 10), 1);
    h.processElement(ev('a', 2), 3);
    h.processWatermark(5);
    assert.deepEqual(h.values(), [ev('a', 11), ev('a', 2)]);
  });

  test('merging windows reject triggers that cannot merge', () => {
    const nonMerging: Trigger<Ev> = { onElement: () => 'CONTINUE', onEventTime: () => 'CONTINUE', onProcessingTime: () => 'CONTINUE', clear: () => {} };
    assert.throws(
      () => OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(EventTimeSessionWindows.withGap(10)).trigger(nonMerging).reduce(sum)),
      /EventTimeSessionWindows\(10\) merges windows, so the trigger must support merging/,
    );
    assert.throws(() => CountTrigger.of(0), /CountTrigger\.of\(0\)/);
    assert.throws(() => ContinuousEventTimeTrigger.of(-1), /ContinuousEventTimeTrigger\.of: interval must be a positive/);
  });
});
