// Nexmark q3, q4, q5, q7, q8, q11 give the oracle's answer at parallelism 1 and 2 (heap) and at
// parallelism 2 on the lmdb backend; q12 (processing-time windows, no deterministic answer) counts every
// bid exactly once at parallelism 1 and 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runJob } from 'eddy';
import { NexmarkGenerator, type NexmarkEvent } from 'eddy/connectors/nexmark';
import * as oracle from '../nexmark/oracle.ts';

const SEED = 11;
const generated = new Map<number, NexmarkEvent[]>();
const eventsOf = (n: number): NexmarkEvent[] => {
  let ev = generated.get(n);
  if (ev === undefined) generated.set(n, (ev = [...new NexmarkGenerator({ events: n, seed: SEED })]));
  return ev;
};

// Event counts per query: enough for a few hundred result rows each, small enough for the whole file
// to stay well under a minute and a half on two cores (q3/q8 need more events: few rows per event).
const cases: [string, number, (ev: NexmarkEvent[]) => object[]][] = [
  ['q3', 40_000, oracle.q3],
  ['q4', 20_000, oracle.q4],
  ['q5', 20_000, (ev) => oracle.q5(ev)],
  ['q7', 20_000, (ev) => oracle.q7(ev)],
  ['q8', 40_000, (ev) => oracle.q8(ev)],
  ['q11', 20_000, (ev) => oracle.q11(ev)],
];
const configs: { parallelism: number; stateBackend: 'heap' | 'lmdb' }[] = [
  { parallelism: 1, stateBackend: 'heap' },
  { parallelism: 2, stateBackend: 'heap' },
  { parallelism: 2, stateBackend: 'lmdb' },
];

for (const [name, events, answer] of cases) {
  for (const { parallelism, stateBackend } of configs) {
    test(`examples/nexmark/${name}.ts at parallelism ${parallelism} on ${stateBackend} matches the oracle (${events} events)`, async () => {
      const expected = oracle.canonicalSort(answer(eventsOf(events)));
      assert.ok(expected.length > 0, 'the oracle has rows');
      const r = await runJob(new URL(`../../examples/nexmark/${name}.ts`, import.meta.url), {
        parallelism,
        stateBackend,
        params: { events, seed: SEED, collect: true },
      });
      const got = oracle.canonicalSort(r.collected as object[]);
      assert.equal(got.length, expected.length);
      assert.deepEqual(got, expected);
    });
  }
}

for (const parallelism of [1, 2]) {
  test(`examples/nexmark/q12.ts at parallelism ${parallelism} counts every bid once`, async () => {
    const events = 20_000;
    const bids = eventsOf(events).filter((e) => e.kind === 'bid').length;
    const r = await runJob(new URL('../../examples/nexmark/q12.ts', import.meta.url), {
      parallelism,
      params: { events, seed: SEED, collect: true },
    });
    const rows = r.collected as { bidder: number; bidCount: number; windowStart: number; windowEnd: number }[];
    assert.ok(rows.length > 0);
    assert.equal(rows.reduce((s, x) => s + x.bidCount, 0), bids);
    const perBidder = new Map<number, number>();
    for (const b of eventsOf(events)) if (b.kind === 'bid') perBidder.set(b.bidder, (perBidder.get(b.bidder) ?? 0) + 1);
    const got = new Map<number, number>();
    const windows = new Set<string>();
    for (const x of rows) {
      assert.equal(x.windowEnd - x.windowStart, 10_000);
      assert.equal(x.windowStart % 10_000, 0);
      const k = `${x.bidder}@${x.windowStart}`;
      assert.ok(!windows.has(k), `one row per bidder and window (${k})`);
      windows.add(k);
      got.set(x.bidder, (got.get(x.bidder) ?? 0) + x.bidCount);
    }
    assert.deepEqual(new Map([...got].sort((a, b) => a[0] - b[0])), new Map([...perBidder].sort((a, b) => a[0] - b[0])));
  });
}
