// The sliced sliding-window operator (used for mergeable aggregates) and the generic window operator both
// give exactly the output of a direct computation, including late data, across snapshots, on both backends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OperatorHarness } from '../../src/testing/index.ts';
import { SlidingEventTimeWindows, OutputTag, type DataStream, type TimeWindow } from '../../src/api/index.ts';
import { BACKENDS, type Ev } from './helpers.ts';

const late = new OutputTag<Ev>('late');
const count = {
  createAccumulator: () => [0, 0] as [number, number],
  add: (v: Ev, a: [number, number]): [number, number] => [a[0] + 1, a[1] + v.n],
  getResult: (a: [number, number]) => a,
};
const mergeable = { ...count, merge: (a: [number, number], b: [number, number]): [number, number] => [a[0] + b[0], a[1] + b[1]] };
const withWindow = (key: string, w: TimeWindow, [r]: readonly [number, number][], out: { collect(v: unknown): void }) =>
  out.collect({ key, start: w.start, end: w.end, count: r![0], sum: r![1] });

/**
 * Mergeable, mutating its arguments as Flink allows: `add` updates the accumulator it is given, `merge`
 * adds the first into the second and returns it. A slice's accumulator is in several windows: the
 * operator must not let a window's merge change it.
 */
const mutating = {
  createAccumulator: () => [0, 0] as [number, number],
  add: (v: Ev, a: [number, number]): [number, number] => {
    a[0] += 1;
    a[1] += v.n;
    return a;
  },
  getResult: (a: [number, number]): [number, number] => [a[0], a[1]],
  merge: (a: [number, number], b: [number, number]): [number, number] => {
    b[0] += a[0];
    b[1] += a[1];
    return b;
  },
};
type Variant = 'sliced' | 'generic' | 'mutating';

function build(variant: Variant) {
  return (s: DataStream<Ev>) =>
    s
      .keyBy((e) => e.key)
      .window(SlidingEventTimeWindows.of(1000, 250))
      .sideOutputLateData(late)
      .aggregate(variant === 'sliced' ? mergeable : variant === 'generic' ? count : mutating, withWindow);
}

/** Seeded pseudo-random events, mostly in order, some out of order and some late. */
function events(seed: number, n: number): [Ev, number][] {
  let x = seed;
  const rnd = () => (x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const out: [Ev, number][] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += Math.floor(rnd() * 40);
    const ts = rnd() < 0.1 ? t - Math.floor(rnd() * 1500) : t;
    out.push([{ key: `k${Math.floor(rnd() * 5)}`, n: i }, ts]);
  }
  return out;
}

function run(variant: Variant, backend: 'heap' | 'lmdb', input: [Ev, number][]): unknown {
  let h = OperatorHarness.of(build(variant), { stateBackend: backend });
  const out: unknown[] = [];
  const lateOut: unknown[] = [];
  let wm = -Infinity;
  input.forEach(([e, ts], i) => {
    if (i % 50 === 0) h.processWatermark((wm = ts - 300));
    if (i === 300) {
      const snap = h.snapshot();
      out.push(...h.output());
      lateOut.push(...h.sideOutput(late));
      h.close();
      h = OperatorHarness.restore(build(variant), snap, { stateBackend: backend });
      h.processWatermark(wm); // watermarks are not part of snapshots: the last one is sent again
    }
    h.processElement(e, ts);
  });
  h.processWatermark(Infinity);
  // Timers of different keys due at the same time fire in registration order, which the two operators
  // do not share (Flink does not define it either): compare outputs in a canonical order.
  out.push(...h.output());
  lateOut.push(...h.sideOutput(late));
  const r = [out.filter((x) => 'value' in (x as object)).map((x) => JSON.stringify(x)).sort(), lateOut.map((x) => JSON.stringify(x)).sort()];
  h.close();
  return r;
}

/**
 * The same run computed directly (Flink's WindowOperator with allowedLateness 0): an element goes into
 * each of its windows whose max timestamp is above the operator's watermark, and to the late output when
 * there is none; a window fires (and is cleared) when the watermark reaches its max timestamp. After the
 * restore the operator's watermark is the one sent again, as in `run`.
 */
function oracle(input: [Ev, number][]): unknown {
  const SIZE = 1000;
  const SLIDE = 250;
  const open = new Map<string, { key: string; start: number; count: number; sum: number }>();
  const out: string[] = [];
  const lateOut: string[] = [];
  let wm = -Infinity; // the operator's watermark
  let sent = -Infinity; // the last watermark passed to processWatermark
  const advance = (to: number) => {
    if (to <= wm) return;
    wm = to;
    for (const [id, w] of [...open].sort((a, b) => a[1].start - b[1].start))
      if (w.start + SIZE - 1 <= wm) {
        out.push(JSON.stringify({ value: { key: w.key, start: w.start, end: w.start + SIZE, count: w.count, sum: w.sum }, timestamp: w.start + SIZE - 1 }));
        open.delete(id);
      }
  };
  input.forEach(([e, ts], i) => {
    if (i % 50 === 0) advance((sent = ts - 300));
    if (i === 300) {
      wm = -Infinity; // a restored operator starts without a watermark …
      advance(sent); // … and gets the last one again
    }
    const last = ts - (((ts % SLIDE) + SLIDE) % SLIDE);
    let added = false;
    for (let start = last; start > ts - SIZE; start -= SLIDE) {
      if (start + SIZE - 1 <= wm) continue; // this window has fired: late for it
      const id = `${e.key}@${start}`;
      const w = open.get(id) ?? { key: e.key, start, count: 0, sum: 0 };
      w.count++;
      w.sum += e.n;
      open.set(id, w);
      added = true;
    }
    if (!added) lateOut.push(JSON.stringify({ value: e, timestamp: ts }));
  });
  advance(Infinity);
  return [out.sort(), lateOut.sort()];
}

for (const backend of BACKENDS) {
  test(`${backend}: sliced and generic sliding windows both give the oracle's output (with late data and a snapshot half-way)`, { timeout: 60_000 }, () => {
    for (const seed of [1, 2, 3]) {
      const input = events(seed, 600);
      const expected = oracle(input) as [string[], string[]];
      assert.ok(expected[0].length > 100 && expected[1].length > 0, `seed ${seed}: windows and late records (${expected[0].length}, ${expected[1].length})`);
      assert.deepEqual(run('sliced', backend, input), expected, `sliced, seed ${seed}`);
      assert.deepEqual(run('generic', backend, input), expected, `generic, seed ${seed}`);
      assert.deepEqual(run('mutating', backend, input), expected, `sliced, an aggregate that mutates its arguments, seed ${seed}`);
    }
  });
}
