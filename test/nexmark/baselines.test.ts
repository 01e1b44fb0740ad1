/**
 * The benchmark baselines (plain loops and RxJS pipelines) compute the same rows as the oracles: equal
 * row counts and checksums on 12 s of generated events. Guards the "physical limit" numbers against
 * baselines that skip work.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NexmarkGenerator } from '../../src/connectors/nexmark/index.ts';
import type { NexmarkEvent } from '../../src/connectors/nexmark/index.ts';
import { nexmarkLoops } from '../../bench/baselines/nexmark-loops.ts';
import { nexmarkRx } from '../../bench/rxjs/nexmark-rxjs.ts';
import { checksumRows, rowChecksum } from '../../bench/baselines/checksum.ts';
import { keyedRollingCount, q0, q1, q2, q5, q7 } from './oracle.ts';

const N = 123_457;
const SEED = 11;
const events: NexmarkEvent[] = [];
const g = new NexmarkGenerator({ events: N, seed: SEED });
for (let e = g.next(); e !== undefined; e = g.next()) events.push(e);

const expected = {
  generate: checksumRows(events, (e) => e.dateTime),
  q0: checksumRows(q0(events), rowChecksum.q0),
  q1: checksumRows(q1(events), rowChecksum.q1),
  q2: checksumRows(q2(events), rowChecksum.q2),
  keyedCount: checksumRows(keyedRollingCount(events), rowChecksum.keyedCount),
  q5: checksumRows(q5(events), rowChecksum.q5),
  q7: checksumRows(q7(events), rowChecksum.q7),
};

test('plain-loop baselines match the oracles', () => {
  for (const [name, fn] of Object.entries(nexmarkLoops)) {
    assert.deepEqual(fn(N, SEED), expected[name as keyof typeof expected], name);
  }
  assert.ok(expected.q5.count > 0 && expected.q7.count > 0 && expected.q2.count > 0);
});

test('RxJS baselines match the oracles', () => {
  for (const [name, fn] of Object.entries(nexmarkRx)) {
    const key = (name === 'keyedCountMap' ? 'keyedCount' : name) as keyof typeof expected;
    assert.deepEqual(fn(N, SEED), expected[key], name);
  }
});
