// Savepoints: stop a running job with a savepoint, restore it at another parallelism, and get exactly
// the output of an uninterrupted run; bad savepoints are refused before anything runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { runJob, type JobClient } from 'eddy';

const JOB = new URL('../jobs/savepoint-job.ts', import.meta.url);
type Row = { key: number; v: number };
/**
 * Running sums interleave differently run to run (two sources feed each key), so compare what is
 * invariant: records per key (a loss or duplicate changes it) and each key's final sum.
 */
const sortRows = (rows: Row[]) => {
  const per = new Map<number, { n: number; max: number }>();
  for (const r of rows) {
    const e = per.get(r.key) ?? { n: 0, max: 0 };
    e.n++;
    e.max = Math.max(e.max, r.v);
    per.set(r.key, e);
  }
  return [...per].sort((a, b) => a[0] - b[0]).map(([k, e]) => `${k}: ${e.n} records, sum ${e.max}`);
};
const quiet = () => {};

/** Waits until the running job has read `n` records (progress is reported every 500 ms). */
async function readAtLeast(get: () => JobClient | undefined, n: number): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    const c = get();
    if (c && c.progress().operators[0]!.recordsOut >= n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the job did not start');
}

test('stop with a savepoint, restore at parallelism 1 and 3: the output equals one uninterrupted run', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-sp-'));
  try {
    const straight = await runJob(JOB, { params: { pace: 0 }, checkpointDir: join(dir, 'c0'), log: quiet });
    const expected = sortRows(straight.collected as Row[]);
    for (const p2 of [1, 3]) {
      let client: JobClient | undefined;
      const first = runJob(JOB, { params: { p: 2 }, checkpointDir: join(dir, `c${p2}`), onJobStart: (c) => (client = c), log: quiet });
      await readAtLeast(() => client, 1500);
      const sp = join(dir, `sp-${p2}`);
      const location = await client!.stopWithSavepoint(sp);
      const r1 = await first;
      assert.equal(r1.status, 'stopped');
      assert.equal(r1.savepoint, location);
      assert.equal(dirname(location), sp);
      assert.match(basename(location), new RegExp(`^savepoint-${r1.jobId.replace(/-/g, '').slice(0, 6)}-[0-9a-f]{12}$`));
      const part1 = r1.collected as Row[];
      assert.ok(part1.length > 0 && part1.length < 12_000, `stopped half-way (${part1.length} of 12000)`);
      const r2 = await runJob(JOB, { params: { p: p2, pace: 0 }, fromSavepoint: location, checkpointDir: join(dir, `c${p2}`), log: quiet });
      assert.equal(r2.status, 'finished');
      assert.deepEqual(sortRows([...part1, ...(r2.collected as Row[])]), expected, `restored at parallelism ${p2}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a savepoint that does not exist, is corrupt, or has unknown operators is refused with a clear error', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-sp-'));
  try {
    await assert.rejects(runJob(JOB, { fromSavepoint: join(dir, 'nope'), log: quiet }), /cannot restore from savepoint .*nope.*no checkpoint metadata/);
    // take a real savepoint, then damage one state file
    let client: JobClient | undefined;
    const run = runJob(JOB, { checkpointDir: join(dir, 'c'), onJobStart: (c) => (client = c), log: quiet });
    await readAtLeast(() => client, 1000);
    const sp = await client!.stopWithSavepoint(join(dir, 'sp'));
    await run;
    const meta = JSON.parse(readFileSync(join(sp, '_metadata'), 'utf8'));
    const sums = meta.operators.find((o: { operatorId: string }) => o.operatorId === 'sums');
    const file = join(sp, sums.subtasks[0].file);
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(file, bytes);
    await assert.rejects(runJob(JOB, { fromSavepoint: sp, log: quiet }), (e: Error) => e.message.includes(file) && /corrupt/.test(e.message));
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(file, bytes);
    // an operator the job does not have
    delete meta.checksum; // edited by hand: as metadata written before checksums existed
    meta.operators.push({ operatorId: 'gone', name: 'gone', uid: true, parallelism: 1, maxParallelism: 128, subtasks: [sums.subtasks[0]] });
    writeFileSync(join(sp, '_metadata'), JSON.stringify(meta));
    await assert.rejects(runJob(JOB, { fromSavepoint: sp, log: quiet }), /state for operator 'gone'.*--allow-non-restored-state/);
    const r = await runJob(JOB, { fromSavepoint: sp, allowNonRestoredState: true, params: { pace: 0 }, checkpointDir: join(dir, 'c'), log: quiet });
    assert.equal(r.status, 'finished');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
