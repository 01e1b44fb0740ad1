import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  KeyedProcessFunction,
  OutputTag,
  TumblingEventTimeWindows,
  type Collector,
  type DataStream,
  type KeyedProcessContext,
  type OnTimerContext,
} from '../../src/api/index.ts';
import { StreamEnvironment } from '../../src/api/index.ts';
import { ValueStateDescriptor } from '../../src/state/index.ts';
import { OperatorHarness, TwoInputOperatorHarness } from '../../src/testing/index.ts';

interface Cmd {
  key: string;
  op: 'event' | 'proc' | 'del-event' | 'del-proc' | 'count';
  at?: number;
}

/** Registers/deletes timers on command; onTimer reports key, domain, time and a per-key count. */
class TimerFn extends KeyedProcessFunction<string, Cmd, string> {
  private readonly count = new ValueStateDescriptor<number>('count', { defaultValue: 0 });
  processElement(c: Cmd, ctx: KeyedProcessContext<string>, out: Collector<string>): void {
    const ts = ctx.timerService();
    const st = this.getRuntimeContext().getState(this.count);
    st.update((st.value() ?? 0) + 1);
    if (c.op === 'event') ts.registerEventTimeTimer(c.at!);
    else if (c.op === 'proc') ts.registerProcessingTimeTimer(c.at!);
    else if (c.op === 'del-event') ts.deleteEventTimeTimer(c.at!);
    else if (c.op === 'del-proc') ts.deleteProcessingTimeTimer(c.at!);
    else out.collect(`${ctx.getCurrentKey()}:${st.value()}`);
  }
  override onTimer(t: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
    out.collect(`${ctx.getCurrentKey()}@${t}/${ctx.timeDomain()}/${this.getRuntimeContext().getState(this.count).value()}`);
  }
}
const timers = (s: DataStream<Cmd>) => s.keyBy((c) => c.key).process(new TimerFn());

describe('OperatorHarness with keyed process functions', () => {
  test('event-time timers: per key, deduplicated, deletable, fired by the watermark in order', { timeout: 60_000 }, () => {
    const h = OperatorHarness.of(timers);
    h.processElement({ key: 'a', op: 'event', at: 20 }, 1);
    h.processElement({ key: 'a', op: 'event', at: 20 }, 2); // same timer: once
    h.processElement({ key: 'b', op: 'event', at: 10 }, 3);
    h.processElement({ key: 'b', op: 'event', at: 30 }, 4);
    h.processElement({ key: 'b', op: 'del-event', at: 30 }, 5);
    h.processWatermark(19);
    h.processWatermark(100);
    assert.deepEqual(h.output(), [
      { value: 'b@10/event-time/3', timestamp: 10 },
      { watermark: 19 },
      { value: 'a@20/event-time/2', timestamp: 20 },
      { watermark: 100 },
    ]);
  });

  test('processing-time timers fire when the manual clock advances', { timeout: 60_000 }, () => {
    const h = OperatorHarness.of(timers, { processingTime: 1000 });
    h.processElement({ key: 'a', op: 'proc', at: 1500 });
    h.processElement({ key: 'b', op: 'proc', at: 1200 });
    h.processElement({ key: 'b', op: 'proc', at: 1300 });
    h.processElement({ key: 'b', op: 'del-proc', at: 1300 });
    h.setProcessingTime(1199);
    assert.deepEqual(h.values(), []);
    h.setProcessingTime(2000);
    assert.deepEqual(h.records(), [{ value: 'b@1200/processing-time/3' }, { value: 'a@1500/processing-time/1' }]);
    assert.equal(h.getProcessingTime(), 2000);
  });

  test('snapshot (structured-clone-able) and restore keep state and timers', { timeout: 60_000 }, () => {
    const h = OperatorHarness.of(timers, { processingTime: 0 });
    h.processElement({ key: 'a', op: 'event', at: 50 }, 1);
    h.processElement({ key: 'a', op: 'proc', at: 70 });
    const snap = h.snapshot();
    h.close();
    const r = OperatorHarness.restore(timers, structuredClone(snap));
    r.processElement({ key: 'a', op: 'count' }, 2);
    r.processWatermark(60);
    r.setProcessingTime(80);
    assert.deepEqual(r.values(), ['a:3', 'a@50/event-time/3', 'a@70/processing-time/3']);
    r.close();
  });

  test('restoring into another pipeline is an error', { timeout: 60_000 }, () => {
    const h = OperatorHarness.of(timers);
    h.processElement({ key: 'a', op: 'event', at: 50 }, 1);
    const snap = h.snapshot();
    assert.throws(() => OperatorHarness.restore((s: DataStream<Cmd>) => s.map((c) => c.key), snap), /the snapshot has state of operator 'op0-KeyedProcess'/);
  });
});

describe('OperatorHarness pipelines', () => {
  test('map/filter chains keep timestamps and forward watermarks; records without timestamps have none', { timeout: 60_000 }, () => {
    const h = OperatorHarness.of((s: DataStream<number>) => s.map((n) => n * 2).filter((n) => n > 2).rebalance().map((n) => `#${n}`));
    h.processElement(1, 5);
    h.processElement(2, 6);
    h.processElement(3);
    h.processWatermark(10);
    assert.deepEqual(h.output(), [{ value: '#4', timestamp: 6 }, { value: '#6' }, { watermark: 10 }]);
  });

  test('side outputs: recorded per tag, and observable as the built stream', { timeout: 60_000 }, () => {
    const odd = new OutputTag<number>('odd');
    const build = (s: DataStream<number>) =>
      s.process({
        processElement(n: number, ctx, out: Collector<number>) {
          if (n % 2) ctx.output(odd, n);
          else out.collect(n);
        },
      });
    const h = OperatorHarness.of(build);
    for (const n of [1, 2, 3]) h.processElement(n, n);
    assert.deepEqual(h.values(), [2]);
    assert.deepEqual(h.sideOutput(odd), [
      { value: 1, timestamp: 1 },
      { value: 3, timestamp: 3 },
    ]);
    const side = OperatorHarness.of((s: DataStream<number>) => build(s).getSideOutput(odd).map((n) => -n));
    for (const n of [1, 2, 3]) side.processElement(n, n);
    assert.deepEqual(side.values(), [-1, -3]);
  });

  test('endInput sends the final watermark and finishes the operators', { timeout: 60_000 }, () => {
    const h = OperatorHarness.of((s: DataStream<number>) => s.keyBy(() => 0).window(TumblingEventTimeWindows.of(1000)).reduce((a, b) => a + b));
    h.processElement(1, 1);
    h.processElement(2, 2);
    h.endInput();
    assert.deepEqual(h.values(), [3]);
  });

  test('a pipeline that reads another source is rejected', { timeout: 60_000 }, () => {
    const other = StreamEnvironment.create().fromElements(1, 2);
    assert.throws(() => OperatorHarness.of((s: DataStream<number>) => s.union(other)), /union: streams belong to different environments|reads from source/);
    assert.throws(() => OperatorHarness.of((s: DataStream<number>) => s.union(s.env.fromElements(5))), /the pipeline reads from source 'fromElements'/);
  });

  test('lmdb keyed state through the harness', { timeout: 60_000 }, () => {
    const h = OperatorHarness.of(timers, { stateBackend: 'lmdb' });
    h.processElement({ key: 'a', op: 'event', at: 5 }, 1);
    h.processElement({ key: 'a', op: 'count' }, 2);
    h.processWatermark(10);
    assert.deepEqual(h.values(), ['a:2', 'a@5/event-time/2']);
    h.close();
  });
});

describe('TwoInputOperatorHarness', () => {
  test('keyed connect: per-input key selectors; the operator watermark is the minimum of both inputs', { timeout: 60_000 }, () => {
    const h = TwoInputOperatorHarness.of((a: DataStream<{ k: string }>, b: DataStream<{ id: string; v: number }>) =>
      a
        .connect(b)
        .keyBy(
          (x) => x.k,
          (y) => y.id,
        )
        .process({
          processElement1(x, ctx, out: Collector<string>) {
            ctx.timerService().registerEventTimeTimer(10);
            out.collect(`1:${x.k}`);
          },
          processElement2(y, _ctx, out: Collector<string>) {
            out.collect(`2:${y.id}=${y.v}`);
          },
          onTimer(t, ctx, out: Collector<string>) {
            out.collect(`timer ${ctx.getCurrentKey()}@${t}`);
          },
        }),
    );
    h.processElement1({ k: 'x' }, 1);
    h.processElement2({ id: 'y', v: 2 }, 1);
    h.processWatermark1(20);
    h.processWatermark2(5);
    assert.deepEqual(h.output(), [{ value: '1:x', timestamp: 1 }, { value: '2:y=2', timestamp: 1 }, { watermark: 5 }]);
    h.processWatermark2(30);
    assert.deepEqual(h.output().slice(3), [{ value: 'timer x@10', timestamp: 10 }, { watermark: 20 }]);
  });

  test('an undefined key on input 2 names the operator and the input', { timeout: 60_000 }, () => {
    const h = TwoInputOperatorHarness.of((a: DataStream<{ k?: string }>, b: DataStream<{ k?: string }>) =>
      a
        .connect(b)
        .keyBy(
          (x) => x.k,
          (y) => y.k,
        )
        .process({ processElement1() {}, processElement2() {} }),
    );
    assert.throws(() => h.processElement2({}, 1), /operator 'CoProcess': the key selector of input 2 returned undefined for record \{\}/);
  });
});

describe('OperatorHarness wake-ups', () => {
  test('assignTimestampsAndWatermarks: timestamps from the record, periodic watermarks on processing time', { timeout: 60_000 }, async () => {
    const { WatermarkStrategy, DEFAULT_AUTO_WATERMARK_INTERVAL } = await import('../../src/api/index.ts');
    const h = OperatorHarness.of((s: DataStream<{ t: number }>) =>
      s.assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<{ t: number }>(100).withTimestampAssigner((e) => e.t)).map((e) => e.t),
    );
    h.processElement({ t: 1000 });
    h.processElement({ t: 1500 });
    assert.deepEqual(h.records(), [
      { value: 1000, timestamp: 1000 },
      { value: 1500, timestamp: 1500 },
    ]);
    // one step over three intervals: one periodic emission (the next is due an interval later)
    h.setProcessingTime(DEFAULT_AUTO_WATERMARK_INTERVAL * 3);
    assert.deepEqual(h.watermarks(), [1399]);
    h.processElement({ t: 1200 });
    h.setProcessingTime(DEFAULT_AUTO_WATERMARK_INTERVAL * 4);
    assert.deepEqual(h.watermarks(), [1399], 'an older timestamp does not move the watermark');
    h.processElement({ t: 2000 });
    h.setProcessingTime(DEFAULT_AUTO_WATERMARK_INTERVAL * 5 - 1);
    assert.deepEqual(h.watermarks(), [1399], 'not due yet');
    h.setProcessingTime(DEFAULT_AUTO_WATERMARK_INTERVAL * 5);
    assert.deepEqual(h.watermarks(), [1399, 1899]);
  });
});

describe('OperatorHarness options', () => {
  test('simulating one subtask: keys of other key groups are rejected', { timeout: 60_000 }, async () => {
    const { keyGroupOf, KeyGroupRange } = await import('../../src/core/index.ts');
    const range = KeyGroupRange.forSubtask(128, 2, 0);
    const mine = ['a', 'b', 'c', 'd', 'e', 'f'].find((k) => range.contains(keyGroupOf(k, 128)))!;
    const other = ['a', 'b', 'c', 'd', 'e', 'f'].find((k) => !range.contains(keyGroupOf(k, 128)))!;
    const h = OperatorHarness.of(timers, { parallelism: 2, subtaskIndex: 0 });
    h.processElement({ key: mine, op: 'count' }, 1);
    assert.throws(() => h.processElement({ key: other, op: 'count' }, 1), /outside this subtask's KeyGroupRange\{0\.\.63\}/);
  });

  test('windowAll sets parallelism 1 on its operator', { timeout: 60_000 }, () => {
    const env = StreamEnvironment.create({ parallelism: 4 });
    const out = env.fromElements(1, 2).windowAll(TumblingEventTimeWindows.of(10)).reduce((a, b) => a + b);
    assert.equal(out.transformation.parallelism, 1);
  });
});
