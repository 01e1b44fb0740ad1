import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MergingWindowSet, EventTimeSessionWindows, TimeWindow, type DataStream } from '../../src/api/index.ts';
import type { ValueState } from '../../src/state/index.ts';
import { OperatorHarness } from '../../src/testing/index.ts';
import { countSum, ev, type Ev } from './helpers.ts';

function fakeState(): ValueState<[string, string][]> & { writes: number } {
  let v: [string, string][] | undefined;
  return {
    writes: 0,
    value: () => v,
    update(x) {
      this.writes++;
      v = x ?? undefined;
    },
    clear() {
      this.writes++;
      v = undefined;
    },
  };
}
const tw = (s: number, e: number) => new TimeWindow(s, e);
type Call = { result: string; merged: string[]; target: string; sources: string[] };

function setup() {
  const state = fakeState();
  const set = new MergingWindowSet<TimeWindow>(EventTimeSessionWindows.withGap(10), state);
  const calls: Call[] = [];
  const add = (w: TimeWindow) =>
    set.addWindow(w, (result, merged, target, sources) => calls.push({ result: `${result.start}:${result.end}`, merged: merged.map((m) => `${m.start}:${m.end}`), target, sources }));
  return { state, set, calls, add };
}

describe('MergingWindowSet', () => {
  test('separate windows map to themselves; nothing merges', () => {
    const { set, calls, add, state } = setup();
    assert.deepEqual(add(tw(0, 10)), tw(0, 10));
    assert.deepEqual(add(tw(20, 30)), tw(20, 30));
    assert.deepEqual(calls, []);
    assert.equal(set.getStateWindow(tw(0, 10)), '0:10');
    set.persist();
    assert.deepEqual(state.value(), [
      ['0:10', '0:10'],
      ['20:30', '20:30'],
    ]);
  });

  test('an overlapping window merges into the existing state window', () => {
    const { set, calls, add } = setup();
    add(tw(0, 10));
    assert.deepEqual(add(tw(5, 15)), tw(0, 15));
    assert.deepEqual(calls, [{ result: '0:15', merged: ['0:10'], target: '0:10', sources: [] }]);
    assert.equal(set.getStateWindow(tw(0, 15)), '0:10');
    assert.equal(set.getStateWindow(tw(0, 10)), undefined);
  });

  test('a window inside an in-flight window (or equal to it) is absorbed without a merge call', () => {
    const { set, calls, add } = setup();
    add(tw(0, 10));
    assert.deepEqual(add(tw(2, 8)), tw(0, 10));
    assert.deepEqual(add(tw(0, 10)), tw(0, 10));
    assert.deepEqual(calls, []);
    assert.equal(set.getStateWindow(tw(0, 10)), '0:10');
  });

  test('a bridging window merges two sessions: one keeps its state window, the other is merged into it', () => {
    const { set, calls, add } = setup();
    add(tw(0, 10));
    add(tw(20, 30));
    assert.deepEqual(add(tw(9, 21)), tw(0, 30));
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.result, '0:30');
    assert.deepEqual(calls[0]!.merged.sort(), ['0:10', '20:30']);
    assert.equal(calls[0]!.sources.length, 1);
    assert.deepEqual([calls[0]!.target, calls[0]!.sources[0]].sort(), ['0:10', '20:30']);
    assert.equal(set.getStateWindow(tw(0, 30)), calls[0]!.target);
  });

  test('retire and persist only when changed', () => {
    const { set, add, state } = setup();
    add(tw(0, 10));
    set.persist();
    const writes = state.writes;
    const again = new MergingWindowSet<TimeWindow>(EventTimeSessionWindows.withGap(10), state);
    again.addWindow(tw(1, 5), () => assert.fail('no merge'));
    again.persist();
    assert.equal(state.writes, writes, 'unchanged: no write');
    again.retireWindow(tw(0, 10));
    again.persist();
    assert.equal(state.value(), undefined);
    assert.throws(() => again.retireWindow(tw(0, 10)), /not in the in-flight window set/);
  });
});

describe('sessions end to end', () => {
  test('point sessions: several elements with the same timestamp form one session', () => {
    const h = OperatorHarness.of((s: DataStream<Ev>) => s.keyBy((r) => r.key).window(EventTimeSessionWindows.withGap(10)).aggregate(countSum));
    for (let i = 0; i < 3; i++) h.processElement(ev('a', 1), 100);
    h.processElement(ev('a', 1), 200);
    h.processWatermark(1000);
    assert.deepEqual(h.records(), [
      { value: { count: 3, sum: 3 }, timestamp: 109 },
      { value: { count: 1, sum: 1 }, timestamp: 209 },
    ]);
  });
});
