import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TumblingEventTimeWindows,
  SlidingEventTimeWindows,
  EventTimeSessionWindows,
  GlobalWindows,
  CountTrigger,
  PurgingTrigger,
  ProcessWindowFunction,
  OutputTag,
  TimeWindow,
  type DataStream,
  type ProcessWindowContext,
  type Collector,
} from '../../src/api/index.ts';
import { ValueStateDescriptor } from '../../src/state/index.ts';
import { OperatorHarness } from '../../src/testing/index.ts';
import { BACKENDS, countSum, ev, sum, type Ev } from './helpers.ts';

for (const backend of BACKENDS) {
  describe(`window operator on ${backend}`, () => {
    test('tumbling reduce: one result per key and window at the watermark, stamped maxTimestamp', () => {
      const h = OperatorHarness.of((s: DataStream<Ev>) => s.keyBy((r) => r.key).window(TumblingEventTimeWindows.of(3000)).reduce(sum), { stateBackend: backend });
      h.processElement(ev('a', 1), 1000);
      h.processElement(ev('a', 2), 2000);
      h.processElement(ev('b', 5), 2999);
      h.processElement(ev('a', 7), 3000);
      h.processWatermark(2998);
      assert.deepEqual(h.values(), []);
      h.processWatermark(2999);
      h.processWatermark(6000);
      assert.deepEqual(h.output(), [
        { watermark: 2998 },
        { value: ev('a', 3), timestamp: 2999 },
        { value: ev('b', 5), timestamp: 2999 },
        { watermark: 2999 },
        { value: ev('a', 7), timestamp: 5999 },
        { watermark: 6000 },
      ]);
      h.close();
    });

    test('sliding aggregate: each element counted in size/slide windows', () => {
      const h = OperatorHarness.of((s: DataStream<Ev>) => s.keyBy((r) => r.key).window(SlidingEventTimeWindows.of(2000, 1000)).aggregate(countSum), { stateBackend: backend });
      h.processElement(ev('a', 1), 500);
      h.processElement(ev('a', 10), 1500);
      h.processWatermark(10_000);
      assert.deepEqual(h.records(), [
        { value: { count: 1, sum: 1 }, timestamp: 999 },
        { value: { count: 2, sum: 11 }, timestamp: 1999 },
        { value: { count: 1, sum: 10 }, timestamp: 2999 },
      ]);
      h.close();
    });

    test('session process: windows merge, the function sees every element of the session', () => {
      const h = OperatorHarness.of(
        (s: DataStream<Ev>) =>
          s
            .keyBy((r) => r.key)
            .window(EventTimeSessionWindows.withGap(1000))
            .process({
              process(key: string, ctx: ProcessWindowContext<TimeWindow>, els: readonly Ev[], out: Collector<string>) {
                const w = ctx.window();
                out.collect(`${key}[${w.start},${w.end}):${els.map((e) => e.n).join(',')}`);
              },
            }),
        { stateBackend: backend },
      );
      h.processElement(ev('a', 1), 0);
      h.processElement(ev('a', 2), 1500);
      h.processElement(ev('b', 9), 100);
      h.processElement(ev('a', 3), 800); // bridges [0,1000) and [1500,2500)
      h.processElement(ev('a', 4), 5000);
      h.processWatermark(2499);
      assert.deepEqual(h.values(), ['b[100,1100):9', 'a[0,2500):1,2,3']);
      h.processWatermark(Infinity);
      assert.deepEqual(h.values(), ['b[100,1100):9', 'a[0,2500):1,2,3', 'a[5000,6000):4']);
      h.close();
    });

    test('global window with a purging count trigger', () => {
      const h = OperatorHarness.of(
        (s: DataStream<Ev>) => s.keyBy((r) => r.key).window(GlobalWindows.create()).trigger(PurgingTrigger.of(CountTrigger.of(2))).reduce(sum),
        { stateBackend: backend },
      );
      for (let i = 1; i <= 5; i++) h.processElement(ev('a', i));
      h.processElement(ev('b', 100));
      assert.deepEqual(h.values(), [ev('a', 3), ev('a', 7)]);
      assert.deepEqual(h.records()[0]!.timestamp, Number.MAX_VALUE);
      h.close();
    });
  });
}

describe('window functions', () => {
  test('reduce with a window function gets the reduced value and the window', () => {
    const h = OperatorHarness.of((s: DataStream<Ev>) =>
      s
        .keyBy((r) => r.key)
        .window(TumblingEventTimeWindows.of(10))
        .reduce(sum, (key: string, w: TimeWindow, input: readonly Ev[], out: Collector<string>) => out.collect(`${key}@${w.start}:${input.length}:${input[0]!.n}`)),
    );
    h.processElement(ev('a', 1), 1);
    h.processElement(ev('a', 2), 2);
    h.processWatermark(100);
    assert.deepEqual(h.values(), ['a@0:1:3']);
  });

  test('aggregate with a ProcessWindowFunction; apply with a WindowFunction object', () => {
    class Fmt extends ProcessWindowFunction<{ count: number; sum: number }, string, string, TimeWindow> {
      process(key: string, ctx: ProcessWindowContext<TimeWindow>, els: readonly { count: number; sum: number }[], out: Collector<string>) {
        out.collect(`${key}:${els[0]!.count}/${els[0]!.sum}@${ctx.window().end}`);
      }
    }
    const h = OperatorHarness.of((s: DataStream<Ev>) => s.keyBy((r) => r.key).window(TumblingEventTimeWindows.of(10)).aggregate(countSum, new Fmt()));
    h.processElement(ev('a', 4), 1);
    h.processElement(ev('a', 5), 3);
    h.processWatermark(9);
    assert.deepEqual(h.values(), ['a:2/9@10']);

    const h2 = OperatorHarness.of((s: DataStream<Ev>) =>
      s
        .keyBy((r) => r.key)
        .window(TumblingEventTimeWindows.of(10))
        .apply({ apply: (key: string, _w: TimeWindow, input: readonly Ev[], out: Collector<number>) => out.collect(input.length) }),
    );
    h2.processElement(ev('a'), 1);
    h2.processElement(ev('a'), 2);
    h2.processWatermark(9);
    assert.deepEqual(h2.values(), [2]);
  });

  test('process context: per-window and global state, side output, clear on cleanup, time', () => {
    const fires = new OutputTag<string>('fires');
    const perWindow = new ValueStateDescriptor<number>('fired-in-window');
    const total = new ValueStateDescriptor<number>('fired-total');
    const cleared: string[] = [];
    const h = OperatorHarness.of((s: DataStream<Ev>) =>
      s
        .keyBy((r) => r.key)
        .window(TumblingEventTimeWindows.of(10))
        .allowedLateness(5)
        .process({
          process(key: string, ctx: ProcessWindowContext<TimeWindow>, els: readonly Ev[], out: Collector<string>) {
            const w = ctx.windowState().getState(perWindow);
            w.update((w.value() ?? 0) + 1);
            const g = ctx.globalState().getState(total);
            g.update((g.value() ?? 0) + 1);
            ctx.output(fires, `${key}@${ctx.currentWatermark()}`);
            out.collect(`${key}:${els.length}:w${w.value()}:g${g.value()}`);
          },
          clear(ctx: ProcessWindowContext<TimeWindow>) {
            cleared.push(`${ctx.window().start}:${ctx.windowState().getState(perWindow).value()}`);
            ctx.windowState().getState(perWindow).clear();
          },
        }),
    );
    h.processElement(ev('a'), 1);
    h.processWatermark(9);
    h.processElement(ev('a'), 2); // late firing
    h.processElement(ev('a'), 12);
    h.processWatermark(30);
    assert.deepEqual(h.values(), ['a:1:w1:g1', 'a:2:w2:g2', 'a:1:w1:g3']);
    assert.deepEqual(
      h.sideOutput(fires).map((r) => r.value),
      ['a@9', 'a@9', 'a@30'],
    );
    assert.deepEqual(h.sideOutput(fires)[0]!.timestamp, 9);
    assert.deepEqual(cleared, ['0:2', '10:1']);
  });

  test('windowAll runs with parallelism 1 over every element', () => {
    const h = OperatorHarness.of((s: DataStream<Ev>) =>
      s.windowAll(TumblingEventTimeWindows.of(10)).process({
        process: (_ctx: ProcessWindowContext<TimeWindow>, els: readonly Ev[], out: Collector<string>) => out.collect(els.map((e) => e.key).join('')),
      }),
    );
    h.processElement(ev('a'), 1);
    h.processElement(ev('b'), 2);
    h.processElement(ev('c'), 11);
    h.processWatermark(100);
    assert.deepEqual(h.values(), ['ab', 'c']);
    const h2 = OperatorHarness.of((s: DataStream<Ev>) => s.windowAll(TumblingEventTimeWindows.of(10)).reduce(sum));
    h2.processElement(ev('a', 1), 1);
    h2.processElement(ev('b', 2), 2);
    h2.processWatermark(100);
    assert.deepEqual(h2.values(), [ev('a', 3)]);
  });
});

describe('rich window functions', () => {
  test('open() and runtime-context state (per key, outside any window) in a ProcessWindowFunction', () => {
    const fired = new ValueStateDescriptor<number>('fired', { defaultValue: 0 });
    const events: string[] = [];
    class Numbered extends ProcessWindowFunction<Ev, string, string, TimeWindow> {
      override open(): void {
        events.push('open');
      }
      override close(): void {
        events.push('close');
      }
      process(key: string, ctx: ProcessWindowContext<TimeWindow>, els: readonly Ev[], out: Collector<string>) {
        const st = this.getRuntimeContext().getState(fired);
        st.update(st.value()! + 1);
        out.collect(`${key}#${st.value()}@${ctx.window().start}:${els.length}`);
      }
    }
    const h = OperatorHarness.of((s: DataStream<Ev>) => s.keyBy((r) => r.key).window(TumblingEventTimeWindows.of(10)).process(new Numbered()));
    h.processElement(ev('a'), 1);
    h.processElement(ev('a'), 11);
    h.processElement(ev('b'), 12);
    h.processElement(ev('a'), 21);
    h.processWatermark(100);
    h.close();
    assert.deepEqual(h.values(), ['a#1@0:1', 'a#2@10:1', 'b#1@10:1', 'a#3@20:1']);
    assert.deepEqual(events, ['open', 'close']);
  });

  test('per-window state is refused for merging windows', () => {
    const h = OperatorHarness.of((s: DataStream<Ev>) =>
      s
        .keyBy((r) => r.key)
        .window(EventTimeSessionWindows.withGap(10))
        .process({
          process(_k: string, ctx: ProcessWindowContext<TimeWindow>, _els: readonly Ev[], out: Collector<number>) {
            out.collect(ctx.windowState().getState(new ValueStateDescriptor<number>('x')).value() ?? 0);
          },
        }),
    );
    h.processElement(ev('a'), 1);
    assert.throws(() => h.processWatermark(100), /per-window state is not available with merging windows \(EventTimeSessionWindows\(10\)\)/);
  });
});
