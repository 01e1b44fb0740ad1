// The CEP operator through the operator harness: event-time reordering by watermark, late data (dropped
// and counted, or to a side output), timeouts to the timed-out handler, comparator ties, processing time
// with the manual clock, non-keyed streams, select/flatSelect, partial-match limits, on heap and lmdb.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutputTag, type DataStream } from '../../src/api/index.ts';
import { OperatorHarness, type HarnessOptions } from '../../src/testing/index.ts';
import { CEP, Pattern, AfterMatchSkipStrategy, type Match, type PatternProcessFunction, type PatternStreamOptions } from '../../src/cep/index.ts';

export interface E {
  k: string;
  id: string;
}
const ev = (k: string, id: string): E => ({ k, id });
const is = (t: string) => (e: E) => e.id.startsWith(t);
const fmt = (m: Match<E>) => [...m.values()].flat().map((e) => e.id).join(' ');

/** a → b within 10 ms, keyed by `k`. */
export const ab = () => Pattern.begin<E>('a').where(is('a')).followedBy('b').where(is('b')).within(10);

const TIMED_OUT = new OutputTag<string>('timed-out');
/** Emits `key: match`, timeouts `key: match @ts` to TIMED_OUT. */
export const render: PatternProcessFunction<E, string> = {
  processMatch: (m, _ctx, out) => out.collect(`${[...m.values()][0]![0]!.k}: ${fmt(m)}`),
  processTimedOutMatch: (m, ctx) => ctx.output(TIMED_OUT, `${[...m.values()][0]![0]!.k}: ${fmt(m)} @${ctx.timestamp()}`),
};

function harness(opts: PatternStreamOptions<E> = {}, h: HarnessOptions = {}, pattern = ab()) {
  return OperatorHarness.of((s: DataStream<E>) => CEP.pattern(s.keyBy((e) => e.k), pattern, opts).process(render), h);
}

for (const stateBackend of ['heap', 'lmdb'] as const) {
  test(`${stateBackend}: out-of-order events are matched in timestamp order once the watermark passes`, () => {
    const h = harness({}, { stateBackend });
    h.processElement(ev('x', 'b1'), 5);
    h.processElement(ev('x', 'a1'), 3);
    h.processElement(ev('y', 'a2'), 4);
    assert.deepEqual(h.records(), []);
    h.processWatermark(4);
    assert.deepEqual(h.records(), []);
    h.processWatermark(6);
    assert.deepEqual(h.records(), [{ value: 'x: a1 b1', timestamp: 5 }]);
    h.processElement(ev('y', 'b2'), 7);
    h.processWatermark(7);
    assert.deepEqual(h.values(), ['x: a1 b1', 'y: a2 b2']);
    h.close();
  });

  test(`${stateBackend}: late events are dropped and counted, or sent to the late-data side output`, () => {
    const h = harness({}, { stateBackend });
    h.processWatermark(10);
    h.processElement(ev('x', 'a1'), 10);
    h.processElement(ev('x', 'a2'), 3);
    assert.equal(h.counter('numLateRecordsDropped'), 2);
    h.close();
    const late = new OutputTag<E>('late');
    const h2 = harness({ lateDataOutputTag: late }, { stateBackend });
    h2.processWatermark(10);
    h2.processElement(ev('x', 'a1'), 9);
    h2.processElement(ev('x', 'a2'), 11);
    h2.processElement(ev('x', 'b2'), 12);
    h2.processWatermark(20);
    assert.deepEqual(h2.sideOutput(late), [{ value: ev('x', 'a1'), timestamp: 9 }]);
    assert.equal(h2.counter('numLateRecordsDropped'), 0);
    assert.deepEqual(h2.values(), ['x: a2 b2']);
    h2.close();
  });

  test(`${stateBackend}: partial matches time out at the watermark into the timed-out handler`, () => {
    const h = harness({}, { stateBackend });
    h.processElement(ev('x', 'a1'), 1);
    h.processElement(ev('y', 'a2'), 5);
    h.processElement(ev('x', 'b1'), 12); // too late for a1 (1 + 10 ≤ 12)
    h.processWatermark(11);
    assert.deepEqual(h.sideOutput(TIMED_OUT), [{ value: 'x: a1 @11', timestamp: 11 }]);
    h.processWatermark(100);
    assert.deepEqual(h.sideOutput(TIMED_OUT).map((r) => r.value), ['x: a1 @11', 'y: a2 @15']);
    assert.deepEqual(h.values(), []);
    h.close();
  });
}

test('equal timestamps: the comparator orders them, then arrival', () => {
  const byId = (a: E, b: E) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const p = Pattern.begin<E>('a').where(is('a')).next('b').where(is('b'));
  const h = harness({ comparator: byId }, {}, p);
  h.processElement(ev('x', 'b1'), 5);
  h.processElement(ev('x', 'a1'), 5);
  h.processWatermark(5);
  assert.deepEqual(h.values(), ['x: a1 b1']);
  const h2 = harness({}, {}, p);
  h2.processElement(ev('x', 'b1'), 5);
  h2.processElement(ev('x', 'a1'), 5);
  h2.processWatermark(5);
  assert.deepEqual(h2.values(), []);
});

test('processing time: arrival order, timeouts by processing-time timers on the manual clock', () => {
  const h = harness({ timeDomain: 'processing-time' });
  h.setProcessingTime(100);
  h.processElement(ev('x', 'b0'));
  h.processElement(ev('x', 'a1'));
  h.setProcessingTime(105);
  h.processElement(ev('x', 'b1'), 42);
  assert.deepEqual(h.records(), [{ value: 'x: a1 b1', timestamp: 42 }]);
  h.processElement(ev('y', 'a2'));
  assert.deepEqual(h.sideOutput(TIMED_OUT), []);
  h.setProcessingTime(115);
  assert.deepEqual(h.sideOutput(TIMED_OUT).map((r) => r.value), ['y: a2 @115']);
  h.close();
});

test('a non-keyed stream runs one NFA at parallelism 1', () => {
  let parallelism: number | undefined;
  const h = OperatorHarness.of((s: DataStream<E>) => {
    const out = CEP.pattern(s, ab()).process(render);
    parallelism = out.transformation.parallelism;
    return out;
  });
  assert.equal(parallelism, 1);
  h.processElement(ev('x', 'a1'), 1);
  h.processElement(ev('y', 'b1'), 2);
  h.processWatermark(3);
  assert.deepEqual(h.values(), ['x: a1 b1']);
});

test('select / flatSelect, with timeout side outputs', () => {
  const late = new OutputTag<string>('t');
  const h = OperatorHarness.of((s: DataStream<E>) =>
    CEP.pattern(s.keyBy((e) => e.k), ab()).select(late, (m, ts) => `${fmt(m)}@${ts}`, (m) => fmt(m).toUpperCase()),
  );
  h.processElement(ev('x', 'a1'), 1);
  h.processElement(ev('x', 'b1'), 2);
  h.processElement(ev('x', 'a2'), 3);
  h.processWatermark(50);
  assert.deepEqual(h.values(), ['A1 B1']);
  assert.deepEqual(h.sideOutput(late).map((r) => r.value), ['a2@13']);
  const h2 = OperatorHarness.of((s: DataStream<E>) =>
    CEP.pattern(s.keyBy((e) => e.k), ab()).flatSelect<string>((m, out) => {
      for (const e of [...m.values()].flat()) out.collect(e.id);
    }),
  );
  h2.processElement(ev('x', 'a1'), 1);
  h2.processElement(ev('x', 'b1'), 2);
  h2.processWatermark(5);
  assert.deepEqual(h2.values(), ['a1', 'b1']);
});

test('maxPartialMatches with drop-oldest counts dropped partial matches', () => {
  const p = Pattern.begin<E>('a').where(is('a')).followedByAny('b').where(is('b')).within(1000);
  const h = harness({ maxPartialMatches: 2, limitPolicy: 'drop-oldest', skip: AfterMatchSkipStrategy.noSkip() }, {}, p);
  for (let i = 0; i < 5; i++) h.processElement(ev('x', `a${i}`), i + 1);
  h.processElement(ev('x', 'b9'), 10);
  h.processWatermark(10);
  assert.deepEqual(h.values(), ['x: a3 b9', 'x: a4 b9']);
  assert.equal(h.counter('numDroppedPartialMatches'), 3);
  h.processWatermark(5000);
  assert.deepEqual(h.sideOutput(TIMED_OUT).map((r) => r.value), ['x: a3 @1004', 'x: a4 @1005']);
});

test('a pattern that cannot be compiled fails when the job is built', () => {
  assert.throws(() => CEP.pattern({} as never, ab()), /DataStream/);
  assert.throws(
    () => OperatorHarness.of((s: DataStream<E>) => CEP.pattern(s, Pattern.begin<E>('a').notFollowedBy('b').where(is('b'))).process(render)),
    /within/,
  );
});
