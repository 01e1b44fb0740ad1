import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TumblingEventTimeWindows,
  SlidingEventTimeWindows,
  EventTimeSessionWindows,
  TumblingProcessingTimeWindows,
  GlobalWindows,
  CountTrigger,
  CountEvictor,
  ContinuousEventTimeTrigger,
  OutputTag,
  type DataStream,
  type ProcessWindowContext,
  type TimeWindow,
  type Collector,
} from '../../src/api/index.ts';
import { OperatorHarness, type HarnessRecord } from '../../src/testing/index.ts';
import { BACKENDS, countSum, ev, sum, type Ev } from './helpers.ts';

type Op = { e: Ev; ts: number } | { wm: number } | { pt: number };

/** Seeded input: keys a–d, out-of-order by up to 300 ms, a watermark every 7 records, some late records. */
function workload(seed: number, n: number): Op[] {
  let x = seed;
  const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const ops: Op[] = [];
  let maxTs = 0;
  for (let i = 0; i < n; i++) {
    const late = rnd() < 0.05;
    const ts = late ? Math.max(0, maxTs - 900) : i * 40 + Math.floor(rnd() * 300);
    maxTs = Math.max(maxTs, ts);
    ops.push({ e: ev('abcd'[Math.floor(rnd() * 4)]!, 1 + Math.floor(rnd() * 9)), ts });
    if (i % 7 === 6) ops.push({ wm: maxTs - 300 });
    if (i % 11 === 10) ops.push({ pt: i * 40 });
  }
  ops.push({ wm: Infinity });
  ops.push({ pt: n * 40 + 100_000 });
  return ops;
}

function apply(h: OperatorHarness<Ev, unknown>, ops: Op[]): void {
  for (const o of ops) {
    if ('e' in o) h.processElement(o.e, o.ts);
    else if ('wm' in o) h.processWatermark(o.wm);
    else h.setProcessingTime(o.pt);
  }
}

const late = new OutputTag<Ev>('late');
const keyed = (s: DataStream<Ev>) => s.keyBy((r) => r.key);
const listing = {
  process: (k: string, c: ProcessWindowContext<TimeWindow>, els: readonly Ev[], out: Collector<string>) =>
    out.collect(`${k}[${c.window().start},${c.window().end}):${els.map((e) => e.n).join(',')}`),
};
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- DataStream is invariant in its element type
const PIPELINES: Record<string, (s: DataStream<Ev>) => DataStream<any>> = {
  'tumbling reduce + lateness + late side output': (s) => keyed(s).window(TumblingEventTimeWindows.of(500)).allowedLateness(400).sideOutputLateData(late).reduce(sum),
  'sliding aggregate': (s) => keyed(s).window(SlidingEventTimeWindows.of(1000, 250)).aggregate(countSum),
  'session process': (s) => keyed(s).window(EventTimeSessionWindows.withGap(120)).allowedLateness(200).process(listing),
  'global count trigger + evictor': (s) => keyed(s).window(GlobalWindows.create()).trigger(CountTrigger.of(3)).evictor(CountEvictor.of(2)).reduce(sum),
  'continuous event-time trigger': (s) => keyed(s).window(TumblingEventTimeWindows.of(2000)).trigger(ContinuousEventTimeTrigger.of(300)).reduce(sum),
  'processing-time tumbling': (s) => keyed(s).window(TumblingProcessingTimeWindows.of(700)).aggregate(countSum),
};

const records = (h: OperatorHarness<Ev, unknown>) => h.records();
/**
 * Timers of different keys due at the same time may fire in another order after a restore (as in Flink),
 * so outputs are compared as sequences sorted by (timestamp, value).
 */
const canon = (rs: HarnessRecord<unknown>[]) =>
  rs.map((r) => [r.timestamp ?? 0, JSON.stringify(r.value)] as const).sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));

for (const backend of BACKENDS) {
  describe(`snapshot/restore on ${backend}`, () => {
    for (const [name, build] of Object.entries(PIPELINES)) {
      test(`${name}: restoring mid-stream gives the same output as a straight run`, { timeout: 60_000 }, () => {
        const ops = workload(name.length * 7919, 160);
        const straight = OperatorHarness.of(build, { stateBackend: backend });
        apply(straight, ops);
        const expected = records(straight);
        const expectedLate = straight.sideOutput(late);
        assert.ok(expected.length > 5, 'the workload produces output');
        straight.close();

        for (const cut of [37, 95]) {
          // cut right after a watermark, and re-send it after the restore (as a replaying source would)
          let at = ops.findIndex((o, i) => i >= cut && 'wm' in o);
          const lastWm = (ops[at] as { wm: number }).wm;
          at += 1;
          const first = OperatorHarness.of(build, { stateBackend: backend });
          apply(first, ops.slice(0, at));
          const snap = first.snapshot();
          const got: HarnessRecord<unknown>[] = records(first);
          const gotLate = first.sideOutput(late);
          first.close();
          const second = OperatorHarness.restore(build, structuredClone(snap), { stateBackend: backend });
          second.processWatermark(lastWm);
          apply(second, ops.slice(at));
          got.push(...records(second));
          gotLate.push(...second.sideOutput(late));
          second.close();
          assert.deepEqual(canon(got), canon(expected), `cut at op ${at}`);
          assert.deepEqual(gotLate, expectedLate);
        }
      });
    }

    test('a snapshot restores into the other backend', { timeout: 60_000 }, () => {
      const build = PIPELINES['session process']!;
      const ops = workload(42, 80);
      const straight = OperatorHarness.of(build);
      apply(straight, ops);
      const other = backend === 'heap' ? 'lmdb' : 'heap';
      const first = OperatorHarness.of(build, { stateBackend: backend });
      const at = ops.findIndex((o, i) => i > 40 && 'wm' in o) + 1;
      apply(first, ops.slice(0, at));
      const second = OperatorHarness.restore(build, first.snapshot(), { stateBackend: other });
      second.processWatermark((ops[at - 1] as { wm: number }).wm);
      apply(second, ops.slice(at));
      assert.ok(first.records().length > 0 && second.records().length > 0, 'output before and after the restore');
      assert.deepEqual(canon([...first.records(), ...second.records()]), canon(straight.records()));
      first.close();
      second.close();
      straight.close();
    });
  });
}
