/**
 * Local pre-aggregation before the keyBy exchange of windowed reduce/aggregate: the local operator alone
 * (folding, flush rules, no state), the plan (where it is used, where not, the option), and results equal
 * to an independent oracle of Flink's window semantics — random keys, out-of-order and late records,
 * allowed lateness, watermarks — with and without the local phase, and across snapshots restored from one
 * mode into the other.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  StreamEnvironment,
  TumblingEventTimeWindows,
  SlidingEventTimeWindows,
  TumblingProcessingTimeWindows,
  EventTimeSessionWindows,
  CountTrigger,
  CountEvictor,
  OutputTag,
  WatermarkStrategy,
  type DataStream,
  type ProcessWindowContext,
  type TimeWindow,
  type Collector,
  type WindowAssigner,
  type WindowAggregationOptions,
} from '../../src/api/index.ts';
import type { AggregateFunction } from '../../src/state/index.ts';
import { LocalWindowAggregateOperator } from '../../src/api/operators/pre-aggregate-operator.ts';
import { buildJobGraph, buildStreamGraph } from '../../src/graph/index.ts';
import { OperatorHarness, type HarnessSnapshot } from '../../src/testing/index.ts';
import { countSum, ev, sum, type Ev } from './helpers.ts';
import { oracle, randomSteps, type Step, type Win } from './local-aggregation-oracle.ts';

const T = { timeout: 60_000 };

// ---------------------------------------------------------------------------------------------------
// The local operator alone

/** A harness around the local operator: count and sum per key and pane of `pane` ms. */
function localHarness(pane: number, maxKeys = 1000, offset = 0) {
  return OperatorHarness.of((s: DataStream<Ev>) =>
    s.transform<[string, [number, number]]>('local', () =>
      new LocalWindowAggregateOperator<Ev, [number, number], string>({
        keySelector: (e) => e.key,
        aggregate: countSum,
        paneSize: pane,
        paneOffset: offset,
        maxKeys,
        assignerName: 'TumblingEventTimeWindows',
      }),
    ),
  );
}

describe('local window aggregate operator', () => {
  test('folds per key and pane; emits partials stamped paneEnd - 1 just before the watermark', T, () => {
    const h = localHarness(100);
    h.processElement(ev('a', 1), 10);
    h.processElement(ev('b', 2), 20);
    h.processElement(ev('a', 4), 99);
    h.processElement(ev('a', 8), 100); // next pane
    h.processElement(ev('a', 16), -1); // pane [-100, 0)
    assert.deepEqual(h.output(), []);
    h.processWatermark(5);
    assert.deepEqual(h.output(), [
      { value: ['a', [1, 16]], timestamp: -1 },
      { value: ['a', [2, 5]], timestamp: 99 },
      { value: ['b', [1, 2]], timestamp: 99 },
      { value: ['a', [1, 8]], timestamp: 199 },
      { watermark: 5 },
    ]);
    h.clearOutput();
    h.processWatermark(6); // nothing held: only the watermark
    assert.deepEqual(h.output(), [{ watermark: 6 }]);
  });

  test('a record whose pane has ended by the watermark is shipped at once, on its own', T, () => {
    const h = localHarness(100);
    h.processWatermark(199);
    h.clearOutput();
    h.processElement(ev('a', 1), 150); // pane [100, 200) ended: maybe late downstream
    h.processElement(ev('a', 2), 199);
    h.processElement(ev('a', 4), 200); // pane [200, 300): held
    assert.deepEqual(h.output(), [
      { value: ['a', [1, 1]], timestamp: 199 },
      { value: ['a', [1, 2]], timestamp: 199 },
    ]);
    h.endInput();
    assert.deepEqual(h.records().slice(2), [{ value: ['a', [1, 4]], timestamp: 299 }]);
  });

  test('flushes when maxKeys partials are held, at a snapshot (holding no state), and at end of input', T, () => {
    const h = localHarness(100, 3);
    h.processElement(ev('a', 1), 1);
    h.processElement(ev('a', 1), 2);
    h.processElement(ev('b', 1), 3);
    assert.equal(h.records().length, 0);
    h.processElement(ev('c', 1), 4); // the third partial: flush
    assert.deepEqual(h.values(), [['a', [2, 2]], ['b', [1, 1]], ['c', [1, 1]]]);
    h.clearOutput();
    h.processElement(ev('a', 5), 5);
    const snap = h.snapshot(); // flushes first
    assert.deepEqual(h.values(), [['a', [1, 5]]]);
    const own = Object.values(snap.operators)[0]!;
    assert.equal(own.keyed, undefined);
    assert.equal(own.timers, undefined);
    assert.equal(own.custom, undefined);
    assert.deepEqual(own.operator?.states ?? [], []);
    h.clearOutput();
    h.processElement(ev('z', 3), 7);
    h.endInput();
    // the final watermark flushes, ahead of itself
    assert.deepEqual(h.output().map((o) => ('value' in o ? o : 'watermark')), [{ value: ['z', [1, 3]], timestamp: 99 }, 'watermark']);
  });

  test('panes follow the offset, also for negative timestamps', T, () => {
    const h = localHarness(100, 1000, 30);
    h.processElement(ev('a', 1), 29); // [-70, 30)
    h.processElement(ev('a', 2), 30); // [30, 130)
    h.processElement(ev('a', 4), -71); // [-170, -70)
    h.processWatermark(0);
    assert.deepEqual(h.records(), [
      { value: ['a', [1, 4]], timestamp: -71 },
      { value: ['a', [1, 1]], timestamp: 29 },
      { value: ['a', [1, 2]], timestamp: 129 },
    ]);
  });

  test('records without a timestamp or with a key selector returning undefined fail naming the problem', T, () => {
    const h = localHarness(100);
    assert.throws(() => h.processElement(ev('a')), /TumblingEventTimeWindows: record has no timestamp/);
    assert.throws(() => h.processElement(ev('a'), NaN), /TumblingEventTimeWindows: record timestamp is NaN/);
    const u = OperatorHarness.of((s: DataStream<Ev>) =>
      s.transform('local', () => new LocalWindowAggregateOperator<Ev, [number, number], string>({ keySelector: () => undefined as never, aggregate: countSum, paneSize: 10, paneOffset: 0, maxKeys: 5, assignerName: 'X' })),
    );
    assert.throws(() => u.processElement(ev('a'), 1), /operator 'local': the key selector returned undefined for record \{"key":"a","n":1\}/);
  });
});

// ---------------------------------------------------------------------------------------------------
// Plan

/** Operator names per job-graph vertex, head first. */
function vertices(build: (env: StreamEnvironment) => void, parallelism = 2): string[][] {
  const env = StreamEnvironment.create({ parallelism });
  build(env);
  return buildJobGraph(buildStreamGraph(env.transformations, env.config)).vertices.map((v) => v.nodes.map((n) => `${n.name}@${n.parallelism}`));
}

const source = (env: StreamEnvironment) => env.fromSequence(1, 10).map((v) => ev(`k${v % 3}`, v));
const tumbling = TumblingEventTimeWindows.of(100);

describe('local aggregation in the plan', () => {
  test('chained to the upstream at its parallelism, named after the window operator; ids of the rest unchanged', T, () => {
    const withLocal = vertices((env) => {
      source(env).name('events').keyBy((e) => e.key).window(tumbling).aggregate(countSum).name('counts').print();
    });
    assert.deepEqual(withLocal, [['Sequence 1..10@2', 'events@2', 'local aggregate: counts@2'], ['counts@2', 'Print@2']]);
    // the upstream's parallelism, even when set after window(): the local phase follows and chains to it
    const followed = vertices((env) => {
      const events = source(env).name('events');
      events.keyBy((e) => e.key).window(tumbling).reduce(sum).name('sums').print();
      events.setParallelism(1);
    });
    assert.deepEqual(followed, [['Sequence 1..10@2'], ['events@1', 'local aggregate: sums@1'], ['sums@2', 'Print@2']]);
    // operator ids do not depend on the local phase
    const ids = (local: boolean) => {
      const env = StreamEnvironment.create({ parallelism: 2 });
      source(env).keyBy((e) => e.key).window(tumbling).aggregate(countSum, undefined, { localAggregation: local }).map((x) => x).print();
      return buildStreamGraph(env.transformations, env.config).nodes.filter((n) => !n.name.startsWith('local aggregate')).map((n) => n.operatorId);
    };
    assert.deepEqual(ids(true), ids(false));
  });

  test('on by default only where results cannot change; off with localAggregation: false', T, () => {
    const has = (build: (k: ReturnType<typeof keyedEvents>) => DataStream<unknown>) =>
      vertices((env) => void build(keyedEvents(env)).print()).flat().some((n) => n.startsWith('local aggregate'));
    const keyedEvents = (env: StreamEnvironment) => source(env).keyBy((e) => e.key);
    assert.equal(has((k) => k.window(tumbling).reduce(sum)), true);
    assert.equal(has((k) => k.window(SlidingEventTimeWindows.of(300, 100)).aggregate(countSum)), true);
    assert.equal(has((k) => k.window(SlidingEventTimeWindows.of(250, 100)).allowedLateness(10).aggregate(countSum)), true);
    assert.equal(has((k) => k.window(tumbling).reduce(sum, undefined, { localAggregation: false })), false);
    assert.equal(has((k) => k.window(TumblingProcessingTimeWindows.of(100)).reduce(sum)), false);
    assert.equal(has((k) => k.window(EventTimeSessionWindows.withGap(100)).aggregate(countSum)), false);
    assert.equal(has((k) => k.window(tumbling).trigger(CountTrigger.of(2)).reduce(sum)), false);
    assert.equal(has((k) => k.window(tumbling).evictor(CountEvictor.of(2)).reduce(sum)), false);
    assert.equal(has((k) => k.window(tumbling).sideOutputLateData(new OutputTag<Ev>('late')).reduce(sum)), false);
    const { merge: _m, ...noMerge } = countSum;
    assert.equal(has((k) => k.window(tumbling).aggregate(noMerge)), false);
    class Acc {
      n = 0;
    }
    const classAcc: AggregateFunction<Ev, Acc, number> = { createAccumulator: () => new Acc(), add: (e, a) => ((a.n += e.n), a), getResult: (a) => a.n, merge: (a, b) => ((a.n += b.n), a) };
    assert.equal(has((k) => k.window(tumbling).aggregate(classAcc)), false);
    assert.equal(has((k) => k.window(tumbling).process({ process() {} })), false);
    // an idle input's status bypasses the operators of its task: no local phase below withIdleness
    const idle = (env: StreamEnvironment) => source(env).assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Ev>().withIdleness(100));
    const plans = (fromIdle: boolean) => vertices((env) => void (fromIdle ? idle(env) : source(env)).map((e) => e).keyBy((e) => e.key).window(tumbling).reduce(sum).print()).flat();
    assert.equal(plans(true).some((n) => n.startsWith('local aggregate')), false);
    assert.equal(plans(false).some((n) => n.startsWith('local aggregate')), true);
    assert.throws(
      () => idle(StreamEnvironment.create()).keyBy((e) => e.key).window(tumbling).reduce(sum, undefined, { localAggregation: true }),
      /localAggregation: true is not possible: an input upstream may go idle \(withIdleness\)/,
    );
  });

  test('localAggregation: true where it is impossible, and bad options, are refused naming the reason', T, () => {
    const env = StreamEnvironment.create();
    const k = source(env).keyBy((e) => e.key);
    assert.throws(() => k.window(TumblingProcessingTimeWindows.of(100)).reduce(sum, undefined, { localAggregation: true }), /reduce\(\) on TumblingProcessingTimeWindows\(100\): localAggregation: true is not possible: it needs event-time tumbling or sliding windows/);
    assert.throws(() => k.window(tumbling).trigger(CountTrigger.of(2)).aggregate(countSum, undefined, { localAggregation: true }), /localAggregation: true is not possible: a custom trigger sees every record/);
    const { merge: _m, ...noMerge } = countSum;
    assert.throws(() => k.window(tumbling).aggregate(noMerge, undefined, { localAggregation: true }), /the AggregateFunction has no merge\(a, b\)/);
    assert.throws(() => k.window(tumbling).reduce(sum, undefined, { localAggregation: 'yes' } as never), /reduce\(\) on TumblingEventTimeWindows\(100\): localAggregation must be true or false, got string/);
    assert.throws(() => k.window(tumbling).reduce(sum, undefined, { localAggregationMaxKeys: 0 }), /localAggregationMaxKeys must be an integer ≥ 1, got 0/);
    assert.throws(() => k.window(tumbling).reduce(sum, undefined, { localAgg: true } as never), /unknown option 'localAgg' \(known: localAggregation, localAggregationMaxKeys\)/);
  });
});

// ---------------------------------------------------------------------------------------------------
// Results against an oracle

const asRow = {
  process(key: string, ctx: ProcessWindowContext<TimeWindow>, [r]: readonly { count: number; sum: number }[], out: Collector<string>) {
    out.collect(`${key} ${ctx.window().start} ${ctx.window().end} ${r!.count} ${r!.sum}`);
  },
};

/** The windowed count-and-sum under test, as aggregate or as reduce (of `[count, sum]` pairs). */
function pipeline(assigner: WindowAssigner<unknown, TimeWindow>, lateness: number, fn: 'aggregate' | 'reduce', opts: WindowAggregationOptions, uid = 'win') {
  return (s: DataStream<Ev>): DataStream<string> => {
    if (fn === 'aggregate') {
      const w = s.keyBy((e) => e.key).window(assigner);
      if (lateness > 0) w.allowedLateness(lateness);
      return w.aggregate(countSum, asRow, opts).uid(uid);
    }
    const w = s.map((e) => ({ key: e.key, c: 1, s: e.n })).keyBy((e) => e.key).window(assigner);
    if (lateness > 0) w.allowedLateness(lateness);
    return w
      .reduce(
        (a, b) => ({ key: a.key, c: a.c + b.c, s: a.s + b.s }),
        (key: string, win: TimeWindow, [r]: readonly { c: number; s: number }[], out: Collector<string>) => out.collect(`${key} ${win.start} ${win.end} ${r!.c} ${r!.s}`),
        opts,
      )
      .uid(uid);
  };
}

function feed(h: OperatorHarness<Ev, string>, steps: Step[]): void {
  for (const st of steps) {
    if ('wm' in st) h.processWatermark(st.wm);
    else h.processElement(st.e, st.ts);
  }
}

const rowsOf = (h: OperatorHarness<Ev, string>) => h.records().map((r) => `${r.value} @${r.timestamp}`);

const CASES: Array<{ name: string; assigner: WindowAssigner<unknown, TimeWindow>; w: Win; lateness: number }> = [
  { name: 'tumbling 100', assigner: TumblingEventTimeWindows.of(100), w: { size: 100, slide: 100, offset: 0 }, lateness: 0 },
  { name: 'tumbling 100 offset 30, lateness 150', assigner: TumblingEventTimeWindows.of(100, 30), w: { size: 100, slide: 100, offset: 30 }, lateness: 150 },
  { name: 'sliding 300/100 (sliced)', assigner: SlidingEventTimeWindows.of(300, 100), w: { size: 300, slide: 100, offset: 0 }, lateness: 0 },
  { name: 'sliding 300/100, lateness 120', assigner: SlidingEventTimeWindows.of(300, 100), w: { size: 300, slide: 100, offset: 0 }, lateness: 120 },
  { name: 'sliding 250/100 offset 20 (panes of 50)', assigner: SlidingEventTimeWindows.of(250, 100, 20), w: { size: 250, slide: 100, offset: 20 }, lateness: 0 },
];

describe('local aggregation: results equal the oracle, with and without it', () => {
  for (const c of CASES) {
    for (const fn of ['aggregate', 'reduce'] as const) {
      test(`${c.name}, ${fn}: out-of-order and late records`, T, () => {
        for (const seed of [1, 2, 3]) {
          const steps = randomSteps(seed, 600, 150, 100, 0.06);
          const want = oracle(steps, c.w, c.lateness);
          assert.ok(want.dropped > 0 && want.rows.length > 50, `the input has late records (${want.dropped}) and windows (${want.rows.length})`);
          for (const opts of [{ localAggregation: false }, {}, { localAggregationMaxKeys: 2 }] as WindowAggregationOptions[]) {
            const h = OperatorHarness.of(pipeline(c.assigner, c.lateness, fn, opts));
            feed(h, steps);
            h.endInput();
            assert.deepEqual(rowsOf(h).sort(), want.rows, `seed ${seed}, ${JSON.stringify(opts)}`);
            assert.equal(h.counter('numLateRecordsDropped'), want.dropped, `dropped, seed ${seed}, ${JSON.stringify(opts)}`);
            h.close();
          }
        }
      });
    }
  }

  for (const backend of ['heap', 'lmdb'] as const) {
    test(`${backend}: snapshots restore from one mode into the other (the window state format is the same)`, T, () => {
      for (const c of [CASES[1]!, CASES[2]!, CASES[4]!]) {
        const steps = randomSteps(7, 700, 150, 100, 0.05);
        const want = oracle(steps, c.w, c.lateness);
        const cut = 350;
        for (const [a, b] of [[true, false], [false, true], [true, true]]) {
          const h1 = OperatorHarness.of(pipeline(c.assigner, c.lateness, 'aggregate', { localAggregation: a }), { stateBackend: backend });
          feed(h1, steps.slice(0, cut));
          const snap = h1.snapshot();
          const before = rowsOf(h1);
          h1.close();
          // the local phase holds nothing: drop its (empty) entry when restoring into a pipeline without it
          const restored: HarnessSnapshot = { ...snap, operators: { ...snap.operators } };
          assert.equal(Object.keys(restored.operators).filter((id) => id.includes('local aggregate')).length, a ? 1 : 0);
          for (const [id, s] of Object.entries(restored.operators)) {
            if (!id.includes('local aggregate')) continue;
            assert.equal(s.keyed, undefined);
            assert.equal(s.custom, undefined);
            if (!b) delete restored.operators[id];
          }
          const h2 = OperatorHarness.restore(pipeline(c.assigner, c.lateness, 'aggregate', { localAggregation: b }), restored, { stateBackend: backend });
          // watermarks are not part of a snapshot: resume with the last one before the cut
          const lastWm = steps.slice(0, cut).filter((s): s is { wm: number } => 'wm' in s).at(-1);
          if (lastWm) h2.processWatermark(lastWm.wm);
          feed(h2, steps.slice(cut));
          h2.endInput();
          assert.deepEqual([...before, ...rowsOf(h2)].sort(), want.rows, `${c.name}: ${a} → ${b}`);
          h2.close();
        }
      }
    });
  }
});
