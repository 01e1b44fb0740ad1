/** Window state and timers are removed once a window is cleaned up (maxTimestamp + allowedLateness). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TumblingEventTimeWindows,
  SlidingEventTimeWindows,
  EventTimeSessionWindows,
  TumblingProcessingTimeWindows,
  ContinuousEventTimeTrigger,
  CountTrigger,
  CountEvictor,
  type DataStream,
} from '../../src/api/index.ts';
import { decodeKeyGroup } from '../../src/state/index.ts';
import { OperatorHarness, type HarnessSnapshot } from '../../src/testing/index.ts';
import { BACKENDS, countSum, ev, sum, type Ev } from './helpers.ts';

/** `[state, key, namespace]` of every keyed entry, and the number of timer key groups, in a snapshot. */
function leftovers(snap: HarnessSnapshot): { entries: string[]; timerGroups: number } {
  const entries: string[] = [];
  let timerGroups = 0;
  for (const op of Object.values(snap.operators)) {
    for (const blob of op.keyed?.keyGroups ?? []) for (const [name, key, ns] of decodeKeyGroup(blob)) entries.push(`${name}|${String(key)}|${ns}`);
    timerGroups += (op.timers as { keyGroups: unknown[] } | undefined)?.keyGroups.length ?? 0;
  }
  return { entries: entries.sort(), timerGroups };
}

const keyed = (s: DataStream<Ev>) => s.keyBy((r) => r.key);

for (const backend of BACKENDS) {
  describe(`window cleanup on ${backend}`, () => {
    const cases: Array<[string, (s: DataStream<Ev>) => DataStream<unknown>]> = [
      ['tumbling reduce, lateness', (s) => keyed(s).window(TumblingEventTimeWindows.of(100)).allowedLateness(50).reduce(sum)],
      ['sliding aggregate', (s) => keyed(s).window(SlidingEventTimeWindows.of(100, 25)).aggregate(countSum)],
      ['session process', (s) => keyed(s).window(EventTimeSessionWindows.withGap(30)).process({ process: (_k: string, _c: unknown, els: readonly Ev[], out) => out.collect(els.length) })],
      ['continuous trigger', (s) => keyed(s).window(TumblingEventTimeWindows.of(100)).trigger(ContinuousEventTimeTrigger.of(10)).reduce(sum)],
      ['count trigger + evictor', (s) => keyed(s).window(TumblingEventTimeWindows.of(100)).trigger(CountTrigger.of(2)).evictor(CountEvictor.of(1)).reduce(sum)],
    ];
    for (const [name, build] of cases) {
      test(`${name}: nothing left after the final watermark`, () => {
        const h = OperatorHarness.of(build, { stateBackend: backend });
        for (let i = 0; i < 40; i++) h.processElement(ev('abc'[i % 3]!, i), i * 7);
        h.processWatermark(150);
        const mid = leftovers(h.snapshot());
        // The sliced sliding-window operator keeps its firing times in its keyed state, not in timers.
        assert.ok(mid.entries.length > 0 && (mid.timerGroups > 0 || name === 'sliding aggregate'), 'state while windows are open');
        h.processWatermark(10_000);
        assert.deepEqual(leftovers(h.snapshot()), { entries: [], timerGroups: 0 });
        assert.ok(h.values().length > 0);
        h.close();
      });
    }

    test('processing-time windows are cleaned up at the window end', () => {
      const h = OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(TumblingProcessingTimeWindows.of(100)).reduce(sum), { stateBackend: backend });
      h.processElement(ev('a'));
      h.setProcessingTime(50);
      h.processElement(ev('b'));
      assert.notDeepEqual(leftovers(h.snapshot()).entries, []);
      h.setProcessingTime(99);
      assert.deepEqual(leftovers(h.snapshot()), { entries: [], timerGroups: 0 });
      h.close();
    });

    test('the session merging set is kept in state until the session is cleaned up', () => {
      const h = OperatorHarness.of((s: DataStream<Ev>) => keyed(s).window(EventTimeSessionWindows.withGap(10)).reduce(sum), { stateBackend: backend });
      h.processElement(ev('a'), 0);
      h.processElement(ev('a'), 5);
      const { entries } = leftovers(h.snapshot());
      assert.ok(entries.includes('window-merging-set|a|'), entries.join());
      assert.ok(entries.some((e) => e.startsWith('window-contents|a|')));
      h.processWatermark(14);
      assert.deepEqual(leftovers(h.snapshot()).entries, []);
      h.close();
    });
  });
}
