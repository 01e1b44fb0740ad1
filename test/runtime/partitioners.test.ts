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

/** Every record of the sequence exactly once (across subtasks). */
function assertEachOnce(rows: [number, number][], copies = 1): void {
  assert.equal(rows.length, N * copies);
  const values = rows.map(([v]) => v).sort((a, b) => a - b);
  assert.deepEqual(values, Array.from({ length: N * copies }, (_, i) => Math.floor(i / copies)));
}

function countBy(rows: [number, number][]): Map<number, number> {
  const m = new Map<number, number>();
  for (const [, s] of rows) m.set(s, (m.get(s) ?? 0) + 1);
  return m;
}

test('forward keeps each record in its subtask', { timeout: 60_000 }, async () => {
  const rows = await route('forward', 2, 2);
  assertEachOnce(rows);
  // the sequence is split in halves: subtask 0 reads 0..999
  for (const [v, s] of rows) assert.equal(s, v < N / 2 ? 0 : 1);
});

test('rebalance spreads round-robin over every downstream subtask', { timeout: 60_000 }, async () => {
  const rows = await route('rebalance');
  assertEachOnce(rows);
  // each upstream subtask deals its 1000 records round-robin over 4 channels: 250 to each, wherever it starts
  const c = countBy(rows);
  assert.deepEqual([...c].sort((a, b) => a[0] - b[0]), [[0, N / 4], [1, N / 4], [2, N / 4], [3, N / 4]]);
});

test('rescale connects each upstream subtask to its own subset', { timeout: 60_000 }, async () => {
  const rows = await route('rescale');
  assertEachOnce(rows);
  for (const [v, s] of rows) assert.ok(v < N / 2 ? s === 0 || s === 1 : s === 2 || s === 3, `record ${v} went to ${s}`);
  // round-robin within each subset: 1000 records over 2 subtasks
  const c = countBy(rows);
  assert.deepEqual([...c].sort((a, b) => a[0] - b[0]), [[0, N / 4], [1, N / 4], [2, N / 4], [3, N / 4]]);
});

test('shuffle reaches every downstream subtask', { timeout: 60_000 }, async () => {
  const rows = await route('shuffle');
  assertEachOnce(rows);
  const c = countBy(rows);
  assert.equal(c.size, 4);
  for (const n of c.values()) assert.ok(n > N / 8, `skewed: ${[...c.values()]}`);
});

test('broadcast sends every record to every downstream subtask', { timeout: 60_000 }, async () => {
  const rows = await route('broadcast');
  assertEachOnce(rows, 4);
  // and each subtask got each record once
  for (let s = 0; s < 4; s++)
    assert.deepEqual(
      rows.filter((r) => r[1] === s).map(([v]) => v).sort((a, b) => a - b),
      Array.from({ length: N }, (_, i) => i),
      `subtask ${s}`,
    );
});

test('global sends everything to subtask 0', { timeout: 60_000 }, async () => {
  const rows = await route('global');
  assertEachOnce(rows);
  for (const [, s] of rows) assert.equal(s, 0);
});

test('keyBy routes by key group to the owner of its range', { timeout: 60_000 }, async () => {
  const rows = await route('hash');
  assertEachOnce(rows);
  for (const [v, s] of rows) {
    const kg = keyGroupOf(v % 97, 128);
    assert.ok(KeyGroupRange.forSubtask(128, 4, s).contains(kg), `key ${v % 97} (group ${kg}) at subtask ${s}`);
  }
});
