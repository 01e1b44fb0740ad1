// Unaligned checkpoints through the public API with real workers. The job (test/jobs/unaligned.ts) is
// backpressured: a fast source feeds a slow keyed operator through a keyed shuffle (two input channels per
// downstream subtask, full queues). Checked: unaligned checkpoints complete and store in-flight data;
// a failure after such a checkpoint restores that data and the output is exactly once (each record once,
// every key's running sums consistent); `alignedTimeoutMs` switches aligned checkpoints to unaligned, by
// the slot's timer when no barrier arrives after the deadline; in-flight data does not restore at
// another parallelism.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJob, liveWorkerCount, type JobExecutionResult } from 'eddy';
import { readCheckpointDir, type ChannelState } from '../../src/checkpoint/index.ts';

const JOB = new URL('../jobs/unaligned.ts', import.meta.url);
type Row = { key: number; v: number; sum: number };
type Checkpoints = { completed: number; failed: number; durationsMs: number[] };
const cps = (r: JobExecutionResult) => r.checkpoints as Checkpoints;

/** Exactly once vs the oracle: each of 1..n once, and each key's sums are the running sums of its values in output order. */
function checkExactlyOnce(r: JobExecutionResult, n: number): void {
  const rows = r.collected as Row[];
  const seen = new Uint8Array(n + 1);
  const sums = new Map<number, number>();
  for (const x of rows) {
    assert.ok(x.v >= 1 && x.v <= n, `record ${x.v} out of range`);
    assert.equal(seen[x.v], 0, `record ${x.v} emitted twice`);
    seen[x.v] = 1;
    const s = (sums.get(x.key) ?? 0) + x.v;
    assert.equal(x.sum, s, `key ${x.key}: running sum ${x.sum} after record ${x.v}, expected ${s} (state replayed or lost)`);
    sums.set(x.key, s);
  }
  assert.equal(rows.length, n, `every record once: ${n - rows.length} missing`);
}

interface Stored {
  id: number;
  dir: string;
  /** Channel state per operator subtask: `"<operator>/<subtask>"`. */
  channels: Map<string, ChannelState>;
}

async function storedCheckpoints(root: string): Promise<Stored[]> {
  if (!existsSync(root)) return [];
  const out: Stored[] = [];
  for (const d of readdirSync(root).filter((x) => x.startsWith('chk-'))) {
    const cp = await readCheckpointDir(join(root, d));
    const channels = new Map<string, ChannelState>();
    for (const [op, states] of cp.states) for (const s of states) if (s.channels) channels.set(`${op}/${s.subtask}`, s.channels);
    out.push({ id: cp.metadata.checkpointId, dir: join(root, d), channels });
  }
  return out.sort((a, b) => a.id - b.id);
}

const inputRecords = (cs: ChannelState) => cs.inputs.reduce((n, e) => n + e.elements.length, 0);

test('unaligned: checkpoints complete under backpressure and store in-flight data; output exactly once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-ua-'));
  try {
    const n = 20_000;
    const r = await runJob(JOB, { params: { n, unaligned: true }, checkpointDir: dir, stateDir: join(dir, 'state'), log: () => {} });
    checkExactlyOnce(r, n);
    assert.ok(cps(r).completed >= 3, `checkpoints completed: ${cps(r).completed}`);
    const stored = await storedCheckpoints(join(dir, 'unaligned'));
    const withInput = stored.filter((c) => [...c.channels.entries()].some(([k, cs]) => k.startsWith('slow-sum/') && inputRecords(cs) > 0));
    assert.ok(withInput.length >= 1, `some checkpoint holds the slow operator's in-flight input (${stored.length} stored)`);
    const sourceOutput = stored.some((c) => [...c.channels.values()].some((cs) => cs.outputs.length > 0));
    assert.ok(sourceOutput, 'some checkpoint holds output channel state (a backlog the barrier overtook)');
    assert.equal(liveWorkerCount(), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unaligned: a failure after a checkpoint with in-flight data restores it; output exactly once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-ua-'));
  try {
    const n = 20_000;
    const log: string[] = [];
    const r = await runJob(JOB, { params: { n, unaligned: true, failAt: 4000 }, checkpointDir: dir, stateDir: join(dir, 'state'), log: (l) => log.push(l) });
    assert.equal(r.restarts, 1, log.join('\n'));
    const m = /restarting in 0 ms from checkpoint (\d+)/.exec(log.join('\n'));
    assert.ok(m, log.join('\n'));
    const restored = (await storedCheckpoints(join(dir, 'unaligned'))).find((c) => c.id === Number(m[1]))!;
    assert.ok([...restored.channels.values()].some((cs) => inputRecords(cs) > 0), `checkpoint ${m[1]} holds in-flight input records`);
    checkExactlyOnce(r, n);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('alignedTimeoutMs: the checkpoint starts aligned and turns unaligned when alignment takes longer', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-ua-'));
  try {
    const n = 20_000;
    // 2 ms of alignment allowed: under this backpressure every checkpoint turns unaligned
    const r = await runJob(JOB, { params: { n, alignedTimeoutMs: 2 }, checkpointDir: join(dir, 'short'), log: () => {} });
    checkExactlyOnce(r, n);
    const short = await storedCheckpoints(join(dir, 'short', 'unaligned'));
    assert.ok(short.some((c) => c.channels.size > 0), 'in-flight data stored');
    // a minute allowed: the same job aligns every checkpoint
    const r2 = await runJob(JOB, { params: { n, unaligned: true, alignedTimeoutMs: 60_000 }, checkpointDir: join(dir, 'long'), log: () => {} });
    checkExactlyOnce(r2, n);
    const long = await storedCheckpoints(join(dir, 'long', 'unaligned'));
    assert.ok(long.length >= 3);
    assert.ok(long.every((c) => c.channels.size === 0), 'aligned checkpoints store no in-flight data');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('alignedTimeoutMs: the slot timer switches a checkpoint whose barrier is still queued behind data', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-ua-'));
  try {
    // One channel into the slow operator (p = 1): 400 µs per record, 4 buffers of 64 records queued, so a
    // barrier waits ~100 ms to reach the head. It is queued within ~25 ms (one batch), before the 50 ms
    // deadline, and nothing else arrives that could look at it later: only the timer can switch it.
    const n = 2500;
    const r = await runJob(JOB, { params: { n, p: 1, slowUs: 400, alignedTimeoutMs: 50, interval: 60 }, checkpointDir: dir, log: () => {} });
    checkExactlyOnce(r, n);
    const stored = await storedCheckpoints(join(dir, 'unaligned'));
    const switched = stored.filter((c) => { const cs = c.channels.get('slow-sum/0'); return cs !== undefined && inputRecords(cs) > 0; });
    assert.ok(switched.length >= 1, `a checkpoint switched to unaligned at the slow operator (${stored.length} stored, durations ${cps(r).durationsMs.join(', ')})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('in-flight data restores only at the same parallelism: another parallelism fails naming the operator', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-ua-'));
  try {
    await runJob(JOB, { params: { n: 10_000, unaligned: true }, checkpointDir: dir, log: () => {} });
    // keep only checkpoints holding in-flight data, so the newest one does
    const stored = await storedCheckpoints(join(dir, 'unaligned'));
    for (const c of stored) if (c.channels.size === 0) rmSync(c.dir, { recursive: true, force: true });
    assert.ok(stored.some((c) => c.channels.size > 0));
    await assert.rejects(
      runJob(JOB, { params: { n: 10_000, unaligned: true, p: 3 }, checkpointDir: dir, resume: true, log: () => {} }),
      /in-flight data of operator '(slow-sum|numbers|Source[^']*|Sequence[^']*)'.*same parallelism/s,
    );
    assert.equal(liveWorkerCount(), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unaligned and alignedTimeoutMs need exactly-once; savepoints are always aligned', async () => {
  const { resolveCheckpointConfig, barrierStart } = await import('../../src/checkpoint/index.ts');
  assert.throws(() => resolveCheckpointConfig(100, { mode: 'at-least-once', unaligned: true }), /need mode 'exactly-once'/);
  assert.throws(() => resolveCheckpointConfig(100, { mode: 'at-least-once', alignedTimeoutMs: 10 }), /need mode 'exactly-once'/);
  const ua = resolveCheckpointConfig(100, { unaligned: true });
  assert.equal(ua.alignedTimeoutMs, 0);
  assert.deepEqual(barrierStart(ua, false, 1000), { unaligned: true });
  assert.deepEqual(barrierStart(ua, true, 1000), {}, 'a savepoint starts aligned');
  assert.deepEqual(barrierStart(resolveCheckpointConfig(100, { alignedTimeoutMs: 30 }), false, 1000), { alignedUntil: 1030 });
  assert.deepEqual(barrierStart(resolveCheckpointConfig(100, {}), false, 1000), {});
});
