// Recovery equivalence: a checkpointed job that fails (an exception in user code, a worker thread that
// dies) restarts from its latest completed checkpoint and produces exactly the output of a run without
// faults — nothing lost, nothing duplicated — on both state backends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJob, liveWorkerCount } from 'eddy';

const JOB = new URL('../jobs/recovery.ts', import.meta.url);
type Row = { key: number; v: number };

/** Per key: how many outputs (one per input record) and the final running sum. */
function summary(rows: Row[]): string[] {
  const per = new Map<number, { n: number; max: number }>();
  for (const r of rows) {
    const e = per.get(r.key) ?? { n: 0, max: 0 };
    e.n++;
    e.max = Math.max(e.max, r.v);
    per.set(r.key, e);
  }
  return [...per].sort((a, b) => a[0] - b[0]).map(([k, e]) => `${k}:${e.n}:${e.max}`);
}

const N = 20_000;
const expected = Array.from({ length: 7 }, (_, k) => {
  let n = 0;
  let sum = 0;
  for (let v = 1; v <= N; v++)
    if (v % 7 === k) {
      n++;
      sum += v;
    }
  return `${k}:${n}:${sum}`;
});

for (const backend of ['heap', 'lmdb'] as const) {
  for (const fault of ['none', 'throw', 'exit']) {
    test(`${backend}: fault '${fault}' → restart from the latest checkpoint, output exactly once`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'eddy-rec-'));
      const log: string[] = [];
      try {
        const r = await runJob(JOB, {
          params: { n: N, fault, backend, pace: 2, failAt: 6000 },
          checkpointDir: dir,
          stateDir: join(dir, 'state'),
          log: (l) => log.push(l),
        });
        assert.deepEqual(summary(r.collected as Row[]), expected);
        assert.equal((r.collected as Row[]).length, N);
        if (fault === 'none') assert.equal(r.restarts, 0);
        else {
          assert.equal(r.restarts, 1, log.join('\n'));
          assert.match(log.join('\n'), /restarting in 0 ms from checkpoint \d+/);
        }
        assert.equal(liveWorkerCount(), 0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}

test('a job that keeps failing gives up after the restart attempts and reports the cause', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-rec-'));
  try {
    await assert.rejects(
      runJob(JOB, { params: { n: 5000, fault: 'always', failAt: 100 }, checkpointDir: dir, log: () => {} }),
      /injected failure at record 100/,
    );
    assert.equal(liveWorkerCount(), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a sink subtask that finished early commits only when the whole job has finished', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-final-'));
  try {
    const out = join(dir, 'out');
    const r = await runJob(new URL('../jobs/final-commit-job.ts', import.meta.url), { params: { dir: out, n: 4000 }, checkpointDir: join(dir, 'cp'), log: () => {} });
    assert.equal(r.restarts, 1);
    const { readdirSync, readFileSync } = await import('node:fs');
    const lines = readdirSync(out)
      .filter((f) => !f.startsWith('.'))
      .flatMap((f) => readFileSync(join(out, f), 'utf8').split('\n').filter(Boolean));
    assert.equal(lines.length, 4000, 'every record exactly once');
    assert.equal(new Set(lines).size, 4000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('operator list and union-list state of a CheckpointedFunction survive a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-opstate-'));
  try {
    const r = await runJob(new URL('../jobs/operator-state-job.ts', import.meta.url), { params: { n: 6000, failAt: 2000 }, checkpointDir: dir, log: () => {} });
    assert.equal(r.restarts, 1);
    const rows = (r.collected as string[]).map((l) => l.split(':'));
    for (const s of ['0', '1']) {
      const counts = rows.filter((x) => x[0] === s).map((x) => Number(x[1]));
      assert.equal(Math.max(...counts), 3000, `subtask ${s} counted its 3000 records across the restart`);
      assert.equal(counts.length, 3000, `subtask ${s}: every record once`);
    }
    const unionSeen = rows.filter((x) => x[2]).map((x) => x[2]);
    assert.ok(unionSeen.length > 0, 'records after the restart');
    for (const u of unionSeen) assert.equal(u, 'subtask-0+subtask-1', 'union list state: every subtask gets every entry');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
