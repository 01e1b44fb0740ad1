// Incremental lmdb checkpoints through the public API, with real workers and real lmdb: checkpoint sizes
// follow the changed state; a crash recovers from base + deltas exactly once; shared files go when no
// retained checkpoint uses them; a bit-flipped shared file makes its checkpoint unusable (the previous one
// is used); resuming into the heap backend and at another parallelism works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJob, liveWorkerCount } from 'eddy';

const JOB = new URL('../jobs/incremental.ts', import.meta.url);
type Row = { key: number; sum: number };
const KEYS = 20_000;
const HOT = 50;
const N = 40_000;
const keyOf = (i: number) => (i <= KEYS ? i : ((i - KEYS) % HOT) + 1);

/** The oracle: final running sum per key for records 1..n. */
function finalSums(n: number): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 1; i <= n; i++) m.set(keyOf(i), (m.get(keyOf(i)) ?? 0) + i);
  return m;
}
/** Final sum per key seen in the output (sums only grow). */
function lastSums(rows: Row[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const r of rows) m.set(r.key, Math.max(m.get(r.key) ?? 0, r.sum));
  return m;
}
interface Meta {
  checkpointId: number;
  shared?: { file: string; size: number }[];
  jobFinished?: true;
}
function checkpoints(dir: string): Meta[] {
  const jd = join(dir, 'incremental');
  return readdirSync(jd)
    .filter((n) => /^chk-\d+$/.test(n) && existsSync(join(jd, n, '_metadata')))
    .map((n) => JSON.parse(readFileSync(join(jd, n, '_metadata'), 'utf8')) as Meta)
    .sort((a, b) => b.checkpointId - a.checkpointId);
}
const sharedFiles = (dir: string) => readdirSync(join(dir, 'incremental', 'shared'));

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'eddy-incr-'));
}

test('lmdb incremental: sizes follow the changed state; a crash recovers from base + deltas exactly once; unused shared files are deleted', async () => {
  const dir = tmp();
  const log: string[] = [];
  try {
    const r = await runJob(JOB, { params: { fault: 'exit', failAt: 30_000, pace: 20 }, checkpointDir: dir, stateDir: join(dir, 'state'), log: (l) => log.push(l) });
    const rows = r.collected as Row[];
    assert.equal(rows.length, N, 'every record once');
    assert.deepEqual(lastSums(rows), finalSums(N));
    assert.equal(r.restarts, 1, log.join('\n'));
    assert.match(log.join('\n'), /restarting in 0 ms from checkpoint \d+/);
    assert.ok((r.checkpoints as { completed: number }).completed >= 3, `completed ${(r.checkpoints as { completed: number }).completed}`);

    // the job finished: its final checkpoint (every task finished, no keyed state) is the newest one
    const retained = checkpoints(dir);
    const [final] = retained;
    assert.equal(final?.jobFinished, true);
    assert.equal(final?.shared, undefined);
    assert.ok(retained.length >= 3, `two retained checkpoints besides the final one: ${retained.map((c) => c.checkpointId).join(', ')}`);
    // the newest with keyed state: one taken after both keyed subtasks ended their input (the job still
    // finishing) holds none
    const latest = retained.find((c) => c.shared !== undefined);
    assert.ok(latest, `a retained checkpoint holds keyed state: ${JSON.stringify(retained)}`);
    const shared = latest.shared!;
    const bases = shared.filter((f) => f.file.endsWith('.base.mdb'));
    const deltas = shared.filter((f) => f.file.endsWith('.delta'));
    assert.ok(bases.length >= 1, `a materialized base is referenced: ${JSON.stringify(shared)}`);
    const total = shared.reduce((n, f) => n + f.size, 0);
    const newest = deltas.filter((f) => f.file.endsWith(`-${latest.checkpointId}.delta`));
    for (const d of newest) assert.ok(d.size * 20 < total, `delta ${d.file} (${d.size} B) is far below the state it completes (${total} B)`);
    // reference counting: the shared directory holds exactly what the retained checkpoints reference (files
    // of a checkpoint or base copy still in progress when the job ended are swept when it ends)
    const referenced = new Set(retained.flatMap((c) => c.shared ?? []).map((f) => f.file));
    const files = sharedFiles(dir);
    for (const f of referenced) assert.ok(files.includes(f), `referenced file ${f} exists`);
    const extra = files.filter((f) => !referenced.has(f));
    assert.deepEqual(extra, [], `unreferenced shared files left: ${extra.join(', ')}`);
    assert.ok((r.checkpoints as { completed: number }).completed > referenced.size / 2, 'older checkpoints’ files were deleted');
    assert.equal(liveWorkerCount(), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Runs the job until it fails for good at record `failAt` (no restarts), leaving its checkpoints. */
async function crashedRun(dir: string, failAt: number): Promise<void> {
  await assert.rejects(
    runJob(JOB, { params: { fault: 'always', failAt, restarts: 0, pace: 20 }, checkpointDir: dir, stateDir: join(dir, 'state'), log: () => {} }),
    /injected failure/,
  );
}

for (const variant of [
  { name: 'lmdb, same parallelism (file copy + deltas)', overrides: {} },
  { name: 'the heap backend', overrides: { stateBackend: 'heap' as const } },
  { name: 'parallelism 3', overrides: { parallelism: 3 } },
]) {
  test(`lmdb incremental: --resume into ${variant.name} gives exactly the oracle's state`, async () => {
    const dir = tmp();
    const log: string[] = [];
    let keep = false;
    try {
      // Subtask 1 reads records 20 001-40 000 (paced downstream); the failure comes 6 000 records into them,
      // well before subtask 0 ends its 20 000: a partly finished operator could not be rescaled.
      await crashedRun(dir, 26_000);
      const ids = checkpoints(dir).map((c) => c.checkpointId);
      assert.ok(ids.length >= 1);
      const r = await runJob(JOB, {
        ...variant.overrides,
        params: { ...(variant.overrides.parallelism ? { p: variant.overrides.parallelism } : {}), ...(variant.overrides.stateBackend ? { backend: 'heap' } : {}) },
        resume: true,
        checkpointDir: dir,
        stateDir: join(dir, 'state'),
        log: (l) => log.push(l),
      });
      assert.match(log.join('\n'), new RegExp(`resuming job 'incremental' from checkpoint ${ids[0]}`));
      // the resumed run continues every key's sum from the checkpointed state: its final sums are exact
      const got = lastSums(r.collected as Row[]);
      const want = finalSums(N);
      for (const [k, s] of got) assert.equal(s, want.get(k), `key ${k}`);
      assert.ok(got.size >= HOT, 'the hot keys were updated after the resume');
    } catch (e) {
      // keep the checkpoints for diagnosis
      keep = true;
      throw new Error(`${(e as Error).message} (checkpoints kept in ${dir}; log:\n${log.join('\n')})`, { cause: e });
    } finally {
      if (!keep) rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('lmdb incremental: a bit-flipped delta or base file is detected and named; the resume stops, an explicit restore of the previous checkpoint works', { timeout: 180_000 }, async () => {
  for (const which of ['delta', 'base'] as const) {
    const dir = tmp();
    const log: string[] = [];
    try {
      await crashedRun(dir, 36_000);
      const [latest, previous] = checkpoints(dir);
      assert.ok(latest && previous);
      const prevFiles = new Set((previous.shared ?? []).map((f) => f.file));
      // a file only the latest checkpoint references (its newest delta, or a base the previous one lacks)
      const victim = latest.shared!.find((f) => !prevFiles.has(f.file) && (which === 'delta' ? f.file.endsWith('.delta') : f.file.endsWith('.base.mdb')));
      const file = victim ?? latest.shared!.find((f) => f.file.endsWith('.base.mdb'))!;
      assert.ok(victim || which === 'base', 'the latest checkpoint always has a delta of its own');
      flip(join(dir, 'incremental', 'shared', file.file));
      // never a silent fall-back: the newest checkpoint may have committed output an older one would replay
      await assert.rejects(
        runJob(JOB, { resume: true, checkpointDir: dir, stateDir: join(dir, 'state'), log: (l) => log.push(l) }),
        new RegExp(`newest checkpoint ${latest.checkpointId} is unusable: shared checkpoint file .*${file.file}.* is corrupt.*--from-savepoint .*chk-${previous.checkpointId}`, 's'),
      );
      if (!victim) continue; // both checkpoints share the flipped base: neither restores
      const r = await runJob(JOB, { fromSavepoint: join(dir, 'incremental', `chk-${previous.checkpointId}`), checkpointDir: dir, stateDir: join(dir, 'state'), log: (l) => log.push(l) });
      const want = finalSums(N);
      for (const [k, s] of lastSums(r.collected as Row[])) assert.equal(s, want.get(k), `key ${k}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

function flip(path: string): void {
  const b = readFileSync(path);
  b[Math.floor(b.length / 2)]! ^= 0x10;
  writeFileSync(path, b);
}
