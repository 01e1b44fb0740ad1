// Every Nexmark example gives the oracle's answer at parallelism 1, 2 and 4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runJob } from 'eddy';
import { NexmarkGenerator, type NexmarkEvent } from 'eddy/connectors/nexmark';
import * as oracle from '../nexmark/oracle.ts';

const EVENTS = 20_000;
const SEED = 7;
const events: NexmarkEvent[] = [...new NexmarkGenerator({ events: EVENTS, seed: SEED })];

const cases: [string, (ev: NexmarkEvent[]) => object[]][] = [
  ['q0', oracle.q0],
  ['q1', oracle.q1],
  ['q2', oracle.q2],
  ['count', oracle.keyedRollingCount],
];

for (const [name, answer] of cases) {
  const expected = oracle.canonicalSort(answer(events));
  for (const parallelism of [1, 2, 4]) {
    test(`examples/nexmark/${name}.ts at parallelism ${parallelism} matches the oracle`, async () => {
      const r = await runJob(new URL(`../../examples/nexmark/${name}.ts`, import.meta.url), {
        parallelism,
        params: { events: EVENTS, seed: SEED, collect: true },
      });
      const got = oracle.canonicalSort(r.collected as object[]);
      assert.equal(got.length, expected.length);
      assert.deepEqual(got, expected);
    });
  }
}
