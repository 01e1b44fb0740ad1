import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runJob, KeyGroupRange } from 'eddy';
import { keyGroupOf } from '../../src/core/index.ts';

const JOB = new URL('../jobs/partition.ts', import.meta.url);
const N = 2000;

async function route(mode: string, up = 2, down = 4): Promise<[number, number][]> {
  const r = await runJob(JOB, { params: { mode, n: N, up, down } });
  return r.collected as [number, number][];
}

function countBy(rows: [number, number][]): Map<number, number> {
  const m = new Map<number, number>();
  for (const [, s] of rows) m.set(s, (m.get(s) ?? 0) + 1);
  return m;
}

test('forward keeps each record in its subtask', async () => {
  const rows = await route('forward', 2, 2);
  assert.equal(rows.length, N);
  // the sequence is split in halves: subtask 0 reads 0..999
  for (const [v, s] of rows) assert.equal(s, v < N / 2 ? 0 : 1);
});

test('rebalance spreads round-robin over every downstream subtask', async () => {
  const rows = await route('rebalance');
  assert.equal(rows.length, N);
  const c = countBy(rows);
  assert.deepEqual([...c.keys()].sort(), [0, 1, 2, 3]);
  for (const n of c.values()) assert.ok(Math.abs(n - N / 4) <= 2, `uneven: ${[...c.values()]}`);
});

test('rescale connects each upstream subtask to its own subset', async () => {
  const rows = await route('rescale');
  assert.equal(rows.length, N);
  for (const [v, s] of rows) assert.ok(v < N / 2 ? s === 0 || s === 1 : s === 2 || s === 3, `record ${v} went to ${s}`);
  assert.equal(countBy(rows).size, 4);
});

test('shuffle reaches every downstream subtask', async () => {
  const rows = await route('shuffle');
  assert.equal(rows.length, N);
  const c = countBy(rows);
  assert.equal(c.size, 4);
  for (const n of c.values()) assert.ok(n > N / 8, `skewed: ${[...c.values()]}`);
});

test('broadcast sends every record to every downstream subtask', async () => {
  const rows = await route('broadcast');
  assert.equal(rows.length, N * 4);
  const seen = new Set(rows.map(([v, s]) => `${v}:${s}`));
  assert.equal(seen.size, N * 4);
});

test('global sends everything to subtask 0', async () => {
  const rows = await route('global');
  assert.equal(rows.length, N);
  for (const [, s] of rows) assert.equal(s, 0);
});

test('keyBy routes by key group to the owner of its range', async () => {
  const rows = await route('hash');
  assert.equal(rows.length, N);
  for (const [v, s] of rows) {
    const kg = keyGroupOf(v % 97, 128);
    assert.ok(KeyGroupRange.forSubtask(128, 4, s).contains(kg), `key ${v % 97} (group ${kg}) at subtask ${s}`);
  }
});
