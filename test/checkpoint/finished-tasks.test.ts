// Checkpoints after tasks finished (Flink's FLIP-147): a bounded side input or branch that ends does not
// stop checkpointing; a restart restores it finished (it neither reads again nor finishes again); a sink
// whose input ended commits its data at the next checkpoint instead of at the end of the job; a partly
// finished operator refuses another parallelism with a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJob, liveWorkerCount } from 'eddy';
import { readCheckpointDir } from '../../src/checkpoint/index.ts';
import { assignRestore } from '../../src/runtime/restore-assignment.ts';

const JOB = new URL('../jobs/finished-tasks.ts', import.meta.url);
const N = 3000;

test('a bounded broadcast input finishes at once: checkpoints go on, and a restart restores it finished, with its state', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-finished-'));
  const log: string[] = [];
  try {
    const r = await runJob(JOB, { params: { n: N, failAt: 1500 }, checkpointDir: dir, log: (l) => log.push(l) });
    const text = log.join('\n');
    assert.equal(r.restarts, 1, text);
    const from = /restarting in 0 ms from checkpoint (\d+)/.exec(text);
    assert.ok(from, `a restart from a checkpoint (none would complete once the rules source finished): ${text}`);
    const out = r.collected as string[];
    // every record exactly once, and each parallel instance announced each rule exactly once: the rules
    // source did not run again after the restart
    const values = out.filter((l) => l.startsWith('v:')).map((l) => Number(l.split(':')[1]));
    assert.equal(values.length, N);
    assert.equal(new Set(values).size, N);
    assert.deepEqual(out.filter((l) => l.startsWith('rule:')).sort(), ['rule:a', 'rule:a', 'rule:b', 'rule:b', 'rule:c', 'rule:c']);
    // after the restart every record saw the 3 rules: they came back from the checkpoint's broadcast state
    const last = out.find((l) => l.startsWith(`v:${N}:`));
    assert.equal(last, `v:${N}:3`);
    assert.ok((r.checkpoints as { completed: number }).completed >= 3);
    assert.equal(liveWorkerCount(), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a checkpoint marks finished subtasks; a partly finished operator restores only at its parallelism', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-finished-'));
  try {
    // a run that fails for good (no restart) at record 2000, leaving its checkpoints
    await assert.rejects(runJob(JOB, { params: { n: N, failAt: 2000, restarts: 0 }, checkpointDir: dir, log: () => {} }), /injected failure/);
    const jobDir = join(dir, 'finished-tasks');
    const newest = readdirSync(jobDir).filter((d) => /^chk-\d+$/.test(d)).sort((a, b) => Number(b.slice(4)) - Number(a.slice(4)))[0]!;
    const cp = await readCheckpointDir(join(jobDir, newest));
    const rulesStates = cp.states.get('rules')!.filter((s) => s.subtask >= 0);
    assert.deepEqual(rulesStates.map((s) => s.finished), [true], 'the rules source is marked finished');
    assert.ok(cp.states.get('main')!.filter((s) => s.subtask >= 0).every((s) => s.finished === undefined), 'the main source runs');
    // a partly finished operator (made up from this checkpoint: one of two subtasks finished)
    const partly = structuredClone(cp);
    const apply = partly.states.get('apply')!;
    apply.find((s) => s.subtask === 0)!.finished = true;
    const graph = { vertices: [{ index: 0, parallelism: 3, maxParallelism: 128, nodes: [{ operatorId: 'apply', name: 'apply', kind: 'operator' }] }], edges: [], slots: 3 };
    assert.throws(() => assignRestore(partly, graph as never), /1 of the 2 subtasks of operator 'apply' .* had finished .*restores only at its parallelism \(2\), the job now runs it at 3/);
    const same = assignRestore(partly, { ...graph, vertices: [{ ...graph.vertices[0]!, parallelism: 2 }], slots: 2 } as never);
    assert.deepEqual(same.perSlot.map((s) => s.apply?.finished === true), [true, false]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a sink whose input ended commits at the next checkpoint, not at the end of the job', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-finished-'));
  const early = join(dir, 'early');
  mkdirSync(early);
  try {
    const r = await runJob(JOB, { params: { n: 1500, early }, checkpointDir: join(dir, 'cp'), log: () => {} });
    const out = r.collected as string[];
    const seen = out.find((l) => l.startsWith('early-committed:'));
    assert.ok(seen !== undefined && Number(seen.split(':')[1]) >= 1, `the early branch's output was committed while the job ran: ${seen}`);
    const lines = readdirSync(early).filter((f) => !f.startsWith('.'));
    assert.ok(lines.length >= 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
