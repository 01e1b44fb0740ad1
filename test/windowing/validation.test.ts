import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TumblingEventTimeWindows,
  EventTimeSessionWindows,
  ProcessingTimeSessionWindows,
  type DataStream,
} from '../../src/api/index.ts';
import { OperatorHarness } from '../../src/testing/index.ts';
import { countSum, ev, sum, type Ev } from './helpers.ts';

const keyed = (s: DataStream<Ev>) => s.keyBy((r) => r.key);

describe('window validation', () => {
  test('configuration errors name the assigner', () => {
    assert.throws(() => OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window({} as never).reduce(sum)), /window\(\): expected a WindowAssigner/);
    assert.throws(
      () => OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(EventTimeSessionWindows.withGap(10)).aggregate({ ...countSum, merge: undefined })),
      /aggregate\(\) on EventTimeSessionWindows\(10\): merging windows need AggregateFunction\.merge/,
    );
    assert.throws(() => OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(TumblingEventTimeWindows.of(10)).allowedLateness(-1).reduce(sum)), /allowedLateness\(-1\) on TumblingEventTimeWindows\(10\)/);
    assert.throws(() => OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(TumblingEventTimeWindows.of(10)).reduce(42 as never)), /reduce\(\) on TumblingEventTimeWindows\(10\): expected a function/);
    assert.throws(() => OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(TumblingEventTimeWindows.of(10)).process({} as never)), /process\(\) on TumblingEventTimeWindows\(10\): expected a ProcessWindowFunction/);
    assert.throws(() => OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(TumblingEventTimeWindows.of(10)).evictor({} as never).reduce(sum)), /evictor\(\) on TumblingEventTimeWindows\(10\)/);
    assert.throws(() => OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(TumblingEventTimeWindows.of(10)).apply('x' as never)), /apply\(\) on TumblingEventTimeWindows\(10\)/);
  });

  test('run-time errors: NaN and missing timestamps, dynamic gaps ≤ 0', () => {
    const h = OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(TumblingEventTimeWindows.of(10)).reduce(sum));
    assert.throws(() => h.processElement(ev('a'), NaN), /TumblingEventTimeWindows: record timestamp is NaN/);
    assert.throws(() => h.processElement(ev('a')), /TumblingEventTimeWindows: record has no timestamp/);
    const g = OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(EventTimeSessionWindows.withDynamicGap((e: Ev) => e.n)).reduce(sum));
    g.processElement(ev('a', 5), 0);
    assert.throws(() => g.processElement(ev('a', -5), 1), /EventTimeSessionWindows: the dynamic gap extractor returned -5/);
    const p = OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(ProcessingTimeSessionWindows.withDynamicGap((e: Ev) => e.n)).reduce(sum));
    assert.throws(() => p.processElement(ev('a', 0)), /ProcessingTimeSessionWindows: the dynamic gap extractor returned 0/);
  });

  test('a key selector returning undefined is reported with the operator name', () => {
    const h = OperatorHarness.of((s: DataStream<Ev>) => s.keyBy((r) => (r as { missing?: string }).missing).window(TumblingEventTimeWindows.of(10)).reduce(sum));
    assert.throws(() => h.processElement(ev('a'), 1), /operator '(local aggregate: )?Window\(TumblingEventTimeWindows\(10\), EventTimeTrigger\(\), Reduce\)': the key selector returned undefined/);
  });
});
