// Exceptions in snapshotState, in initializeState on restore, and in close; a checkpoint that times out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJob, liveWorkerCount } from 'eddy';

const JOB = new URL('../jobs/lifecycle-faults.ts', import.meta.url);
const committed = (out: string) =>
  readdirSync(out)
    .filter((f) => !f.startsWith('.'))
    .flatMap((f) => readFileSync(join(out, f), 'utf8').split('\n').filter(Boolean));

async function run(fault: string) {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-life-'));
  const out = join(dir, 'out');
  const log: string[] = [];
  try {
    const r = await runJob(JOB, { params: { fault, out, n: 4000 }, checkpointDir: join(dir, 'cp'), log: (l) => log.push(l) }).then(
      (x) => ({ ok: true as const, r: x }),
      (e: Error) => ({ ok: false as const, e }),
    );
    return { ...r, lines: committed(out), log: log.join('\n') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const fault of ['snapshot', 'restore']) {
  test(`an exception in ${fault === 'snapshot' ? 'snapshotState' : 'initializeState on restore'} restarts the job; output exactly once`, async () => {
    const x = await run(fault);
    assert.ok(x.ok, x.ok ? '' : x.e.message);
    assert.match(x.log, /injected failure in snapshotState/);
    if (fault === 'restore') assert.match(x.log, /injected failure in initializeState/);
    assert.equal(x.lines.length, 4000);
    assert.equal(new Set(x.lines).size, 4000);
  });
}

test('an exception in close() after the output was committed fails the job without duplicating it', async () => {
  const x = await run('close');
  assert.equal(x.ok, false);
  assert.match((x as { e: Error }).e.message, /close\(\) failed after the job's output was committed: .*injected failure in close/);
  assert.equal(x.lines.length, 4000);
  assert.equal(new Set(x.lines).size, 4000);
  assert.equal(liveWorkerCount(), 0);
});

test('a checkpoint that times out is aborted and counted; the job goes on', async () => {
  const x = await run('timeout');
  assert.ok(x.ok, x.ok ? '' : x.e.message);
  const cps = x.r.checkpoints as { completed: number; failed: number };
  assert.ok(cps.failed >= 1, JSON.stringify(cps));
  assert.match(x.log, /checkpoint \d+ aborted: timed out after 60 ms/);
  assert.equal(x.lines.length, 4000);
});
