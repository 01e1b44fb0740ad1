/**
 * Oracle tests: the window operator's incremental results equal a naive batch recomputation over the same
 * seeded, out-of-order (but never late) input, for tumbling, sliding and session windows.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TumblingEventTimeWindows,
  SlidingEventTimeWindows,
  EventTimeSessionWindows,
  type DataStream,
  type ProcessWindowContext,
  type TimeWindow,
  type Collector,
} from '../../src/api/index.ts';
import { OperatorHarness } from '../../src/testing/index.ts';
import { BACKENDS, countSum, ev, type Ev } from './helpers.ts';

const GAP = 170;
const DISORDER = 300;

function input(seed: number, n: number): Array<{ e: Ev; ts: number }> {
  let x = seed;
  const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, (_, i) => ({ e: ev('abc'[Math.floor(rnd() * 3)]!, 1 + Math.floor(rnd() * 5)), ts: i * 45 - 2000 + Math.floor(rnd() * DISORDER) }));
}

type Row = string; // `${key} ${start} ${end} ${count} ${sum}`
const row = (k: string, start: number, end: number, count: number, s: number): Row => `${k} ${start} ${end} ${count} ${s}`;

function fixedOracle(data: Array<{ e: Ev; ts: number }>, size: number, slide: number): Row[] {
  const acc = new Map<string, [number, number]>();
  for (const { e, ts } of data) {
    const last = ts - (((ts % slide) + slide) % slide);
    for (let start = last; start > ts - size; start -= slide) {
      const k = `${e.key} ${start} ${start + size}`;
      const a = acc.get(k) ?? [0, 0];
      acc.set(k, [a[0] + 1, a[1] + e.n]);
    }
  }
  return [...acc].map(([k, [c, s]]) => `${k} ${c} ${s}`).sort();
}

function sessionOracle(data: Array<{ e: Ev; ts: number }>): Row[] {
  const rows: Row[] = [];
  for (const key of 'abc') {
    const ev = data.filter((d) => d.e.key === key).sort((p, q) => p.ts - q.ts);
    let cur: { start: number; end: number; c: number; s: number } | undefined;
    for (const { e, ts } of ev) {
      if (cur && ts <= cur.end) {
        cur.end = Math.max(cur.end, ts + GAP);
        cur.c++;
        cur.s += e.n;
      } else {
        if (cur) rows.push(row(key, cur.start, cur.end, cur.c, cur.s));
        cur = { start: ts, end: ts + GAP, c: 1, s: e.n };
      }
    }
    if (cur) rows.push(row(key, cur.start, cur.end, cur.c, cur.s));
  }
  return rows.sort();
}

const withWindow = {
  process(key: string, ctx: ProcessWindowContext<TimeWindow>, [r]: readonly { count: number; sum: number }[], out: Collector<Row>) {
    out.collect(row(key, ctx.window().start, ctx.window().end, r!.count, r!.sum));
  },
};

function run(build: (s: DataStream<Ev>) => DataStream<Row>, data: Array<{ e: Ev; ts: number }>, backend: 'heap' | 'lmdb'): Row[] {
  const h = OperatorHarness.of(build, { stateBackend: backend });
  let maxTs = -Infinity;
  data.forEach(({ e, ts }, i) => {
    h.processElement(e, ts);
    maxTs = Math.max(maxTs, ts);
    if (i % 5 === 4) h.processWatermark(maxTs - DISORDER - GAP - 1);
  });
  h.processWatermark(Infinity);
  assert.equal(h.counter('numLateRecordsDropped'), 0);
  const out = h.values().sort();
  h.close();
  return out;
}

for (const backend of BACKENDS) {
  describe(`window results equal a batch recomputation (${backend})`, () => {
    const seeds = backend === 'heap' ? [1, 2, 3] : [4];
    for (const seed of seeds) {
      const data = input(seed, 300);
      test(`tumbling, seed ${seed}`, () => {
        const got = run((s) => s.keyBy((e) => e.key).window(TumblingEventTimeWindows.of(250)).aggregate(countSum, withWindow), data, backend);
        assert.deepEqual(got, fixedOracle(data, 250, 250));
      });
      test(`sliding, seed ${seed}`, () => {
        const got = run((s) => s.keyBy((e) => e.key).window(SlidingEventTimeWindows.of(400, 100)).aggregate(countSum, withWindow), data, backend);
        assert.deepEqual(got, fixedOracle(data, 400, 100));
      });
      test(`sessions, seed ${seed}`, () => {
        const got = run((s) => s.keyBy((e) => e.key).window(EventTimeSessionWindows.withGap(GAP)).aggregate(countSum, withWindow), data, backend);
        const expected = sessionOracle(data);
        assert.ok(expected.length > 10 && expected.some((r) => Number(r.split(' ')[3]) > 3), 'many sessions, some merged');
        assert.deepEqual(got, expected);
      });
    }
  });
}
