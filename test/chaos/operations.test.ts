// The chaos suite's operations and the job's end (the rest: chaos.test.ts): crashes after the final
// checkpoint and after the final commit, savepoints, stop-with-savepoint followed by --from-savepoint or
// --resume, a failover in user code, random SIGKILLs; the committed output must be exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChaos } from './kill-resume.ts';
import { clean, committedLines, verify } from './verify.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const show = (r: object) => JSON.stringify(r);

function runOnce(dir: string) {
  return spawnSync(
    process.execPath,
    ['bin/eddy.mjs', 'run', 'test/jobs/chaos-job.ts', '--checkpoint-dir', join(dir, 'checkpoints'), '--resume', '--no-progress', '--no-rest', `out=${join(dir, 'out')}`, 'n=8000'],
    { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
  );
}

// The job's end: a crash after its final checkpoint is written (before the sinks commit), and after they
// committed (before the process reports the end). The resume must not replay the tail into committed
// output: it finds the final checkpoint, commits again idempotently, says the job had finished, exits 0.
for (const point of ['job:final-checkpoint-written', 'job:final-committed']) {
  test(`a crash at '${point}' is survived exactly once; the resume says the job had finished`, { timeout: 180_000 }, async () => {
    const r = await runChaos({ kills: 1, seed: 1, n: 6_000, pace: 4, maxDelayMs: 0, faultPoint: `${point}:1` });
    try {
      assert.equal(r.kills, 1, show(r));
      assert.ok(clean(r), show(r));
      assert.equal(r.records, 6_000);
      assert.match(readFileSync(join(r.dir, `run-${r.runs}.log`), 'utf8'), /job 'chaos' finished in its last run \(final checkpoint \d+/);
    } finally {
      rmSync(r.dir, { recursive: true, force: true });
    }
  });
}

// Operations as a user performs them, under SIGKILL: savepoints while the job runs (they commit nothing),
// stop-with-savepoints followed by --from-savepoint or by --resume, and a failover in user code.
test('savepoints, stop-with-savepoint + restore or resume, a failover and random SIGKILLs: exactly once, no alerts', { timeout: 300_000 }, async () => {
  const r = await runChaos({ kills: 2, seed: 5, n: 30_000, pace: 10, maxDelayMs: 2500, ops: { savepointEveryMs: 400, stops: 2, failAt: 9_000 } });
  try {
    assert.ok(clean(r), show(r));
    assert.equal(r.records, 30_000);
    // the failover ran once, unless a SIGKILL ended its run between the failure and its log line
    assert.equal(r.failovers, r.failoverKilled ? 0 : 1, show(r));
    assert.ok(r.savepoints >= 2, show(r));
    assert.ok(r.stops.length >= 1, show(r));
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
});

test("a crash at 'job:stop-savepoint-written' (a stop-with-savepoint written, nothing of it committed) is survived exactly once", { timeout: 300_000 }, async () => {
  const r = await runChaos({ kills: 1, seed: 7, n: 12_000, pace: 8, maxDelayMs: 1500, faultPoint: 'job:stop-savepoint-written:1', ops: { savepointEveryMs: 100_000, stops: 2, stopFirst: true } });
  try {
    assert.equal(r.kills, 1, show(r));
    assert.ok(clean(r), show(r));
    assert.equal(r.records, 12_000);
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
});

test('a resume of a job whose last run finished says so, exits 0 and writes nothing again', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-finished-'));
  try {
    const first = runOnce(dir);
    assert.equal(first.status, 0, first.stderr);
    const before = committedLines(join(dir, 'out')).length;
    const again = runOnce(dir);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /job 'chaos' finished in its last run \(final checkpoint \d+, .*\): nothing to resume; its output is committed/);
    assert.equal(committedLines(join(dir, 'out')).length, before);
    assert.ok(clean(verify(committedLines(join(dir, 'out')), 8000, 10, 1000)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

