/**
 * Local pre-aggregation in real jobs (worker threads, the keyBy exchange between them): results equal
 * the oracle with and without it, at parallelism 1 and 2, with late data and allowed lateness; after a
 * failure and a restore from a checkpoint; and across savepoints taken in one mode and restored in the
 * other. The job is `jobs/local-aggregation-job.ts`; the oracle is computed here from the same seeded input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJob, liveWorkerCount, type JobClient } from 'eddy';
import { oracle, randomSteps } from './local-aggregation-oracle.ts';

const JOB = new URL('./jobs/local-aggregation-job.ts', import.meta.url);
const quiet = () => {};
type Params = { seed?: number; n?: number; disorder?: number; lag?: number; late?: number; size?: number; slide?: number; offset?: number; lateness?: number };

function expected(p: Params): { rows: string[]; dropped: number; records: number } {
  const steps = randomSteps(p.seed ?? 1, p.n ?? 3000, p.disorder ?? 150, p.lag ?? 100, p.late ?? 0);
  const size = p.size ?? 100;
  const r = oracle(steps, { size, slide: p.slide || size, offset: p.offset ?? 0 }, p.lateness ?? 0);
  return { ...r, records: steps.filter((s) => !('wm' in s)).length };
}

const byName = (ops: { name: string; recordsIn: number; recordsOut: number }[], prefix: string) => ops.find((o) => o.name.startsWith(prefix));

const CASES: Array<{ name: string; params: Params; p: number; up: number }> = [
  { name: 'tumbling 100, lateness 150, late records, p=1', params: { late: 0.05, lateness: 150 }, p: 1, up: 1 },
  { name: 'tumbling 100, lateness 150, late records, p=2', params: { late: 0.05, lateness: 150 }, p: 2, up: 1 },
  { name: 'sliding 300/100 (sliced), late records, p=2', params: { late: 0.05, size: 300, slide: 100 }, p: 2, up: 1 },
  { name: 'sliding 250/100 offset 20, lateness 60, late records, p=1', params: { seed: 5, late: 0.05, size: 250, slide: 100, offset: 20, lateness: 60 }, p: 1, up: 1 },
  // two upstream subtasks: the window operator's watermark is the minimum of both, so only in-order-enough
  // input (disorder ≤ watermark lag: nothing late) has one right answer
  { name: 'sliding 250/100, lateness 50, upstream and window at p=2', params: { seed: 3, disorder: 90, size: 250, slide: 100, lateness: 50 }, p: 2, up: 2 },
  { name: 'tumbling 100, upstream at p=2, window at p=1', params: { seed: 4, disorder: 90 }, p: 1, up: 2 },
];

for (const c of CASES) {
  test(`${c.name}: the same results as the oracle with and without local aggregation`, { timeout: 120_000 }, async () => {
    const want = expected(c.params);
    if (c.params.late) assert.ok(want.dropped > 0, 'the input has records dropped as late');
    else assert.equal(want.dropped, 0);
    for (const mode of ['on', 'off']) {
      const r = await runJob(JOB, { params: { ...c.params, mode, p: c.p, up: c.up }, log: quiet });
      assert.deepEqual((r.collected as string[]).slice().sort(), want.rows, `mode ${mode}`);
      const local = byName(r.operators, 'local aggregate');
      const win = byName(r.operators, 'windows')!;
      if (mode === 'on') {
        // the local phase counts every record in; fewer partials than records cross the exchange
        assert.equal(local?.recordsIn, want.records);
        assert.equal(win.recordsIn, local!.recordsOut);
        assert.ok(win.recordsIn < want.records, `${win.recordsIn} partials for ${want.records} records`);
      } else {
        assert.equal(local, undefined);
        assert.equal(win.recordsIn, want.records);
      }
    }
    assert.equal(liveWorkerCount(), 0);
  });
}

test('a failure restarts from the latest checkpoint: results equal the oracle, exactly once', { timeout: 120_000 }, async () => {
  const params: Params = { seed: 9, n: 6000, disorder: 90, size: 300, slide: 100 };
  const want = expected(params);
  for (const mode of ['on', 'off']) {
    const dir = mkdtempSync(join(tmpdir(), 'eddy-localagg-'));
    const log: string[] = [];
    try {
      const r = await runJob(JOB, {
        params: { ...params, mode, p: 2, up: 1, fault: 'throw', failAt: 2500, interval: 30, pace: 3 },
        checkpointDir: dir,
        log: (l) => log.push(l),
      });
      assert.equal(r.restarts, 1, log.join('\n'));
      assert.match(log.join('\n'), /restarting in 0 ms from checkpoint \d+/);
      assert.deepEqual((r.collected as string[]).slice().sort(), want.rows, `mode ${mode}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  assert.equal(liveWorkerCount(), 0);
});

/** Waits until the job's first operator has emitted `n` records. */
async function readAtLeast(get: () => JobClient | undefined, n: number): Promise<void> {
  for (let i = 0; i < 2400; i++) {
    const c = get();
    if (c && c.progress().operators[0]!.recordsOut >= n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the job did not start');
}

test('savepoints taken with local aggregation restore without it, and the other way round', { timeout: 180_000 }, async () => {
  const params: Params = { seed: 11, n: 6000, disorder: 90, size: 100, lateness: 40 };
  const want = expected(params);
  const dir = mkdtempSync(join(tmpdir(), 'eddy-localagg-sp-'));
  try {
    for (const [a, b] of [['on', 'off'], ['off', 'on']]) {
      let client: JobClient | undefined;
      const first = runJob(JOB, { params: { ...params, mode: a, p: 2, up: 1, interval: 50, pace: 10 }, checkpointDir: join(dir, `c-${a}`), onJobStart: (c) => (client = c), log: quiet });
      await readAtLeast(() => client, 1500);
      const location = await client!.stopWithSavepoint(join(dir, `sp-${a}`));
      const r1 = await first;
      assert.equal(r1.status, 'stopped');
      const part1 = r1.collected as string[];
      assert.ok(part1.length > 0 && part1.length < want.rows.length, `stopped half-way (${part1.length} of ${want.rows.length})`);
      const r2 = await runJob(JOB, { params: { ...params, mode: b, p: 2, up: 1, interval: 50 }, fromSavepoint: location, checkpointDir: join(dir, `c-${a}-${b}`), log: quiet });
      assert.equal(r2.status, 'finished');
      assert.deepEqual([...part1, ...(r2.collected as string[])].sort(), want.rows, `savepoint ${a} → restored ${b}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(liveWorkerCount(), 0);
});
