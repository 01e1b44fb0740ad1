// PostgresCheckpointStorage: checkpoints written and read back verified, corrupt rows skipped with a log
// line naming them, pruning to the newest N, `postgres://` specs recognised, and a job checkpointing to
// PostgreSQL that restarts after a fault with exactly-once output. Skipped without PostgreSQL, except in CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runJob } from 'eddy';
import { CheckpointCorruptError, PostgresCheckpointStorage, createCheckpointStorage, type CheckpointToWrite, type OperatorSubtaskState } from '../../src/checkpoint/index.ts';
import { PG_URL, pgClient, pgSkipReason, rollbackOwnPrepared, uniqueName } from './pg-test-kit.ts';

const JOB = new URL('../jobs/pg-sink-job.ts', import.meta.url);

function checkpoint(jobName: string, checkpointId: number): CheckpointToWrite {
  const ops = [
    { operatorId: 'src', name: 'Source', uid: false, parallelism: 1, maxParallelism: 128 },
    { operatorId: 'sums', name: 'Sums', uid: true, parallelism: 2, maxParallelism: 128 },
  ];
  const states = new Map<string, OperatorSubtaskState[]>([
    ['src', [{ operatorId: 'src', subtask: -1, custom: { offset: checkpointId * 10 } }]],
    [
      'sums',
      [0, 1].map((subtask) => ({ operatorId: 'sums', subtask, custom: { bytes: new Uint8Array([checkpointId, subtask]), big: 'x'.repeat(1000) } })),
    ],
  ]);
  return { metadata: { kind: 'checkpoint', jobName, checkpointId, timestamp: 1_700_000_000_000 + checkpointId, operators: ops }, states };
}

async function cleanup(job: string): Promise<void> {
  const c = await pgClient();
  try {
    await c.query('DELETE FROM eddy_checkpoints WHERE job = $1', [job]);
    await c.query('DELETE FROM eddy_checkpoint_blobs WHERE job = $1', [job]);
  } finally {
    await c.end();
  }
}

test('postgres:// specs pick the PostgreSQL storage; passwords are not shown', { timeout: 60_000 }, () => {
  const s = createCheckpointStorage('postgres://u:secret@127.0.0.1:5432/test');
  assert.ok(s instanceof PostgresCheckpointStorage);
  assert.equal(s.describe('j'), "postgres://u:***@127.0.0.1:5432/test (table eddy_checkpoints, job 'j')");
  assert.ok(createCheckpointStorage('postgresql://127.0.0.1/test') instanceof PostgresCheckpointStorage);
});

test('write, load the latest, skip a corrupt row to the previous checkpoint, prune', { timeout: 60_000 }, async (t) => {
  const why = await pgSkipReason();
  if (why) return t.skip(why);
  const job = uniqueName('eddy-cp-test');
  const s = new PostgresCheckpointStorage(PG_URL);
  const log: string[] = [];
  try {
    assert.equal(await s.loadLatest(job, (l) => log.push(l)), undefined);
    for (const id of [1, 2, 3]) assert.match(await s.write(checkpoint(job, id)), new RegExp(`#${job}/chk-${id}$`));
    await s.write(checkpoint(job, 3)); // rewriting an id replaces it
    const latest = (await s.loadLatest(job, (l) => log.push(l)))!;
    assert.equal(latest.metadata.checkpointId, 3);
    assert.equal(latest.metadata.format, 'eddy-checkpoint');
    assert.deepEqual(latest.states.get('src'), [{ operatorId: 'src', subtask: -1, custom: { offset: 30 } }]);
    assert.deepEqual((latest.states.get('sums')![1]!.custom as { bytes: Uint8Array }).bytes, new Uint8Array([3, 1]));
    assert.equal(latest.metadata.operators[1]!.subtasks.length, 2);

    const c = await pgClient();
    try {
      // blobs without a metadata row (an incomplete checkpoint) are removed on load
      await c.query(`INSERT INTO eddy_checkpoint_blobs VALUES ($1, 9, 'src', -1, '\\x00', 'x')`, [job]);
      await c.query(`UPDATE eddy_checkpoint_blobs SET data = '\\xdeadbeef' WHERE job = $1 AND checkpoint_id = 3 AND operator_id = 'sums' AND subtask = 1`, [job]);
      log.length = 0;
      // a damaged newest checkpoint stops the load, naming the row (no silent fall-back to checkpoint 2)
      await assert.rejects(
        s.loadLatest(job, (l) => log.push(l)),
        (e: unknown) =>
          e instanceof CheckpointCorruptError &&
          /newest checkpoint 3 is unusable: checkpoint row eddy_checkpoint_blobs\(job='[^']+', checkpoint_id=3, operator_id='sums', subtask=1\) is corrupt/.test(e.message) &&
          /checkpoint 2/.test(e.message),
      );
      assert.match(log.join('\n'), /removed 1 state rows of incomplete checkpoints/);
      assert.equal((await s.read(job, 2)).metadata.checkpointId, 2, 'the previous checkpoint is intact');

      await s.prune(job, 2);
      assert.deepEqual(await s.list(job), [3, 2]);
      await s.prune(job, 1, 2);
      assert.deepEqual(await s.list(job), [3, 2], 'keep is kept');
      await s.prune(job, 1);
      assert.deepEqual(await s.list(job), [3]);
      const blobs = await c.query('SELECT DISTINCT checkpoint_id FROM eddy_checkpoint_blobs WHERE job = $1', [job]);
      assert.deepEqual(blobs.rows.map((r) => Number(r.checkpoint_id)), [3]);
      await assert.rejects(s.loadLatest(job, () => {}), (e: unknown) => e instanceof CheckpointCorruptError && /newest checkpoint 3 is unusable/.test(e.message));
    } finally {
      await c.end();
    }
  } finally {
    await cleanup(job);
    await s.close();
  }
});

test("a job with enableCheckpointing(50, { storage: 'postgres://…' }) restarts from a PostgreSQL checkpoint, output exactly once", { timeout: 60_000 }, async (t) => {
  const why = await pgSkipReason();
  if (why) return t.skip(why);
  const job = uniqueName('eddy-cp-job');
  const table = uniqueName('eddy_cp_t');
  const prefix = uniqueName('eddy_cpj');
  const c = await pgClient();
  const log: string[] = [];
  const N = 4_000;
  try {
    await c.query(`CREATE TABLE ${table} (id bigint NOT NULL, note text)`);
    const r = await runJob(JOB, {
      params: { job, url: PG_URL, table, prefix, n: N, fault: 'throw', pace: 40, failAt: 200, interval: 50, storage: PG_URL },
      log: (l) => log.push(l),
    });
    assert.equal(r.restarts, 1, log.join('\n'));
    assert.match(log.join('\n'), /restarting in 0 ms from checkpoint \d+/);
    const ids = (await c.query<{ id: string }>(`SELECT id FROM ${table} ORDER BY id`)).rows.map((x) => Number(x.id));
    assert.deepEqual(ids, Array.from({ length: N }, (_, i) => i + 1));
    // the job ran long enough to complete more checkpoints than are retained (default 3): exactly 3 are kept
    const completed = (r.checkpoints as { completed: number }).completed;
    assert.ok(completed >= 3, `checkpoints completed: ${completed}`);
    const stored = await c.query('SELECT count(*)::int AS n FROM eddy_checkpoints WHERE job = $1', [job]);
    assert.equal(stored.rows[0].n, 3, 'the retained checkpoints are in PostgreSQL, older ones pruned');
  } finally {
    await rollbackOwnPrepared(c).catch(() => undefined);
    await c.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await c.end();
    await cleanup(job);
  }
});
