// Head operators that take whole batches (rolling aggregates, keyed process functions) on real workers:
// exact results against oracles computed here, and failures that still name the record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runJob, UserFunctionError } from 'eddy';

const JOB = new URL('./jobs/batch-keyed.ts', import.meta.url);
const run = async (c: string, p: number, n: number) => (await runJob(JOB, { params: { case: c, p, n } })).collected as unknown[];
async function failure(c: string, p: number, n: number): Promise<Error> {
  try {
    await runJob(JOB, { params: { case: c, p, n } });
  } catch (e) {
    return e as Error;
  }
  assert.fail(`case ${c} should fail`);
}

test('rolling sum at parallelism 1: the exact running sums in input order', { timeout: 120_000 }, async () => {
  const n = 5000;
  const got = (await run('sum', 1, n)) as { k: number; x: number }[];
  const sums = new Map<number, number>();
  const want: { k: number; x: number }[] = [];
  for (let v = 1; v <= n; v++) {
    const k = v % 7;
    const s = (sums.get(k) ?? 0) + v;
    sums.set(k, s);
    want.push({ k, x: s });
  }
  assert.deepEqual(got, want);
});

test('rolling sum at parallelism 2: per key, one strictly rising running sum per record ending at the total', { timeout: 120_000 }, async () => {
  const n = 20_000;
  const got = (await run('sum', 2, n)) as { k: number; x: number }[];
  assert.equal(got.length, n);
  const byKey = new Map<number, number[]>();
  for (const r of got) (byKey.get(r.k) ?? byKey.set(r.k, []).get(r.k)!).push(r.x);
  for (let k = 0; k < 7; k++) {
    let total = 0;
    let count = 0;
    for (let v = 1; v <= n; v++)
      if (v % 7 === k) {
        total += v;
        count++;
      }
    const xs = byKey.get(k)!.sort((a, b) => a - b);
    assert.equal(xs.length, count, `records of key ${k}`);
    assert.equal(xs[xs.length - 1], total, `total of key ${k}`);
    for (let i = 1; i < xs.length; i++) assert.ok(xs[i]! > xs[i - 1]!, `key ${k}: running sums rise`);
  }
});

test('reduce on string keys at parallelism 2: per key, one rising running total per record ending at the total', { timeout: 120_000 }, async () => {
  const n = 10_000;
  const got = (await run('reduce', 2, n)) as { k: string; x: number }[];
  assert.equal(got.length, n);
  for (let k = 0; k < 5; k++) {
    let total = 0;
    let count = 0;
    for (let v = 1; v <= n; v++)
      if (v % 5 === k) {
        total += v;
        count++;
      }
    const xs = got.filter((r) => r.k === `k${k}`).map((r) => r.x).sort((a, b) => a - b);
    assert.equal(xs.length, count, `records of key k${k}`);
    assert.equal(xs[xs.length - 1], total, `total of key k${k}`);
    for (let i = 1; i < xs.length; i++) assert.ok(xs[i]! > xs[i - 1]!, `key k${k}: running totals rise`);
  }
});

test('keyed process function with value state: every key counts 1..m exactly once', { timeout: 120_000 }, async () => {
  const n = 20_000;
  const got = (await run('process', 2, n)) as string[];
  const want: string[] = [];
  const counts = new Map<number, number>();
  for (let v = 1; v <= n; v++) {
    const k = v % 10;
    const c = (counts.get(k) ?? 0) + 1;
    counts.set(k, c);
    want.push(`${k}:${c}`);
  }
  assert.deepEqual([...got].sort(), want.sort());
});

test('a failing aggregate names the operator, subtask, record position and preview', { timeout: 120_000 }, async () => {
  const e = await failure('sum-throw', 1, 5000);
  assert.ok(e instanceof UserFunctionError, `got ${e.name}: ${e.message}`);
  assert.match(e.message, /operator 'sum x'/);
  assert.match(e.message, /subtask 1\/1/);
  assert.match(e.message, /record #4321 of its input \(\{"k":2,"x":"oops"\}\)/);
  assert.match(e.message, /sum\('x'\): field is string, expected a number/);
});

test('a failing keyed process function names the record; the user error is the cause', { timeout: 120_000 }, async () => {
  const e = await failure('process-throw', 1, 5000);
  assert.ok(e instanceof UserFunctionError, `got ${e.name}: ${e.message}`);
  assert.match(e.message, /operator 'count per key' .*subtask 1\/1/);
  assert.match(e.message, /record #777 of its input \(777\)/);
  assert.equal((e.cause as Error).name, 'RangeError');
  assert.match((e.cause as Error).message, /cannot count 777/);
});
