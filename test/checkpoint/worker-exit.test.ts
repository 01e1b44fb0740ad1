// A worker whose user code calls process.exit() inside a keyed operator's batch — with the lmdb backend,
// inside an open lmdb write transaction — must not hang the job: the task fails, the job restarts from its
// latest completed checkpoint with fresh workers, the output is exactly once, and no worker is left.
// (Before the fix the exiting thread deadlocked in lmdb-js's environment cleanup and its `exit` event never
// came, so the JobManager waited forever.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJob, liveWorkerCount } from 'eddy';

const JOB = new URL('../jobs/keyed-exit.ts', import.meta.url);
const N = 20_000;
const KEYS = 64;
type Row = { key: number; count: number; v: number };

/** Every input exactly once, and each key's counts exactly 1 … (its number of records). */
function checkExactlyOnce(rows: Row[]): void {
  assert.equal(rows.length, N);
  const seen = new Set(rows.map((r) => r.v));
  assert.equal(seen.size, N, 'every record once');
  for (let k = 0; k < KEYS; k++) {
    const counts = rows.filter((r) => r.key === k).map((r) => r.count).sort((a, b) => a - b);
    const expected = Array.from({ length: Math.floor((N - k) / KEYS) + (k === 0 ? 0 : 1) }, (_, i) => i + 1);
    assert.deepEqual(counts, expected, `key ${k}: running counts restored from the checkpoint, none repeated or skipped`);
  }
}

for (const [name, params] of [
  ['lmdb', { backend: 'lmdb' }],
  ['lmdb, incremental checkpoints', { backend: 'lmdb', inc: true }],
  ['heap', { backend: 'heap' }],
] as const) {
  test(`${name}: process.exit(7) in a keyed function → restart from the latest checkpoint, output exactly once`, { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eddy-kexit-'));
    const log: string[] = [];
    try {
      const r = await runJob(JOB, { params: { n: N, keys: KEYS, ...params }, checkpointDir: dir, stateDir: join(dir, 'state'), log: (l) => log.push(l) });
      assert.equal(r.restarts, 1, log.join('\n'));
      assert.match(log.join('\n'), /user code called process\.exit\(7\) in the worker thread of slot \d; restarting in 0 ms from checkpoint \d+/);
      checkExactlyOnce(r.collected as Row[]);
      assert.equal(liveWorkerCount(), 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
