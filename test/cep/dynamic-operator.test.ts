// Dynamic patterns in a running operator (TwoInputOperatorHarness: keyed events on input 1, broadcast
// updates on input 2): tagged matches, rejected updates to a side output without failing, removal and
// replacement dropping partial matches, updates taking effect at the watermark in event time, restore.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutputTag, type DataStream } from '../../src/api/index.ts';
import { TwoInputOperatorHarness, type HarnessOptions } from '../../src/testing/index.ts';
import { CEP, type PatternUpdate, type RejectedPatternUpdate, type TaggedMatch, type TaggedTimedOutMatch, type PatternSpec } from '../../src/cep/index.ts';

interface R {
  host: string;
  temp: number;
  id: string;
}
const r = (host: string, temp: number, id: string): R => ({ host, temp, id });
const REJECTED = new OutputTag<RejectedPatternUpdate>('rejected');
const TIMED_OUT = new OutputTag<TaggedTimedOutMatch<R>>('timed-out');
const fmt = (m: TaggedMatch<R>) => `${m.patternId}@${m.version}: ${[...m.match.values()].flat().map((e) => e.id).join(' ')}`;

const hot = (version: number, threshold: number, times = 2): PatternSpec => ({
  id: 'hot', version, stages: [{ name: 'h', where: `temp > ${threshold}`, times }], within: 100, skip: 'skipPastLastEvent',
});
const upsert = (spec: PatternSpec): PatternUpdate => ({ op: 'upsert', spec });

function harness(opts: { timeDomain?: 'event-time' | 'processing-time'; initialPatterns?: PatternSpec[] } = {}, h: HarnessOptions = {}) {
  const build = (a: DataStream<R>, b: DataStream<PatternUpdate>) =>
    CEP.dynamicPatterns(a.keyBy((x) => x.host), b, {
      fields: { temp: 'number', host: 'string' }, rejectedUpdatesTag: REJECTED, timedOutTag: TIMED_OUT, ...opts,
    });
  return { h: TwoInputOperatorHarness.of(build, h), build };
}

for (const stateBackend of ['heap', 'lmdb'] as const) {
  test(`${stateBackend}: matches are tagged with pattern and version; a bad update is rejected with its reason`, () => {
    const { h } = harness({ timeDomain: 'processing-time' }, { stateBackend });
    h.processElement2(upsert(hot(1, 90)));
    h.processElement1(r('a', 95, 'a1'));
    h.processElement1(r('b', 95, 'b1'));
    h.processElement1(r('a', 96, 'a2'));
    assert.deepEqual(h.values().map(fmt), ['hot@1: a1 a2']);
    h.processElement2(upsert({ id: 'hot', version: 2, stages: [{ name: 'h', where: 'tmp > 1' }] }));
    h.processElement2({ op: 'explode' } as never);
    h.processElement2(null as never);
    const rejected = h.sideOutput(REJECTED).map((x) => x.value.reason);
    assert.equal(rejected.length, 3);
    assert.match(rejected[0]!, /unknown field "tmp"/);
    assert.match(rejected[1]!, /unknown op/);
    assert.equal(h.counter('numRejectedPatternUpdates'), 3);
    h.processElement1(r('b', 97, 'b2')); // the running v1 pattern is undisturbed
    assert.deepEqual(h.values().map(fmt), ['hot@1: a1 a2', 'hot@1: b1 b2']);
    h.close();
  });

  test(`${stateBackend}: a replaced pattern starts clean, a removed one drops its partial matches`, () => {
    const { h } = harness({ timeDomain: 'processing-time', initialPatterns: [hot(1, 90)] }, { stateBackend });
    h.processElement1(r('a', 95, 'a1'));
    h.processElement2(upsert(hot(2, 80)));
    h.processElement1(r('a', 85, 'a2')); // v1's partial match (a1) is gone: v2 starts at a2
    assert.deepEqual(h.values(), []);
    h.processElement1(r('a', 85, 'a3'));
    assert.deepEqual(h.values().map(fmt), ['hot@2: a2 a3']);
    h.processElement1(r('a', 85, 'a4'));
    h.processElement2({ op: 'remove', id: 'hot' });
    h.processElement2(upsert(hot(3, 80)));
    h.processElement1(r('a', 85, 'a5'));
    h.processElement1(r('a', 85, 'a6'));
    assert.deepEqual(h.values().map(fmt), ['hot@2: a2 a3', 'hot@3: a5 a6']);
    h.close();
  });
}

test('event time: an update takes effect when the watermark reaches its timestamp; timeouts are tagged', () => {
  const { h } = harness({ initialPatterns: [hot(1, 90)] });
  h.processElement1(r('a', 85, 'a1'), 10);
  h.processElement1(r('a', 85, 'a2'), 20);
  h.processElement2(upsert(hot(2, 80)), 15); // from t = 15 on, v2
  h.processElement1(r('a', 95, 'a0'), 5);
  h.processElement1(r('a', 85, 'a3'), 30);
  h.processWatermark(100);
  assert.deepEqual(h.values().map(fmt), ['hot@2: a2 a3']);
  assert.deepEqual(h.sideOutput(TIMED_OUT).map((x) => `${x.value.patternId}@${x.value.version} ${x.value.timestamp}`), []);
  h.processElement1(r('a', 85, 'a4'), 150);
  h.processWatermark(300);
  assert.deepEqual(h.sideOutput(TIMED_OUT).map((x) => `${x.value.patternId}@${x.value.version} ${x.value.timestamp}`), ['hot@2 250']);
  h.close();
});

for (const stateBackend of ['heap', 'lmdb'] as const) {
  test(`${stateBackend}: the registry, pending updates and per-key sets survive snapshot/restore`, () => {
    const { h, build } = harness({}, { stateBackend });
    h.processElement2(upsert(hot(1, 90)));
    h.processElement2(upsert({ id: 'cold', version: 1, stages: [{ name: 'c', where: 'temp < 0' }] }));
    h.processElement2(upsert(hot(2, 80)), 50); // pending until the watermark reaches 50
    h.processElement1(r('a', 95, 'a1'), 10);
    h.processWatermark(20);
    const snap = structuredClone(h.snapshot());
    h.close();
    const h2 = TwoInputOperatorHarness.restore(build, snap, { stateBackend });
    h2.processElement1(r('a', 95, 'a2'), 30);
    h2.processElement1(r('b', -5, 'b1'), 31);
    h2.processElement1(r('a', 85, 'a3'), 60);
    h2.processElement1(r('a', 85, 'a4'), 61);
    h2.processElement1(r('a', 85, 'a5'), 5); // late: the restored watermark is 20
    h2.processWatermark(100);
    assert.deepEqual(h2.values().map(fmt), ['hot@1: a1 a2', 'cold@1: b1', 'hot@2: a3 a4']);
    assert.equal(h2.counter('numLateRecordsDropped'), 1);
    h2.close();
  });
}
