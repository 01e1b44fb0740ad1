// PostgresSink: rows become visible only when the checkpoint that prepared them completes; a checkpointed
// job with no fault, an exception or a dying worker commits every record exactly once; lingering
// prepared transactions of the sink are rolled back on recovery; a server without two-phase commit is
// refused at open with a clear message; at-least-once, a barrier commits and a failure re-inserts at
// most what followed the last checkpoint. Skipped (with the reason) without PostgreSQL, except in CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJob, liveWorkerCount, type SinkWriterContext } from 'eddy';
import {
  PostgresSink,
  PostgresSinkWriter,
  TWO_PHASE_DISABLED_MESSAGE,
  checkMaxPreparedTransactions,
  gidSubtask,
  type PostgresCommittable,
} from 'eddy/connectors/postgres';
import { PG_URL, pgClient, pgSkipReason, plantPrepared, preparedGids, rollbackOwnPrepared, uniqueName } from './pg-test-kit.ts';

const JOB = new URL('../jobs/pg-sink-job.ts', import.meta.url);

function ctx(subtaskIndex = 0, parallelism = 1, attemptNumber = 0): SinkWriterContext {
  return { subtaskIndex, parallelism, jobName: 'pg-test', attemptNumber, checkpointing: true };
}

async function withTable<R>(fn: (table: string) => Promise<R>): Promise<R> {
  const table = uniqueName('eddy_sink_t');
  const c = await pgClient();
  try {
    await c.query(`CREATE TABLE ${table} (id bigint NOT NULL, note text)`);
    return await fn(table);
  } finally {
    await rollbackOwnPrepared(c).catch(() => undefined);
    await c.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await c.end();
  }
}

async function ids(table: string): Promise<number[]> {
  const c = await pgClient();
  try {
    return (await c.query<{ id: string }>(`SELECT id FROM ${table} ORDER BY id`)).rows.map((r) => Number(r.id));
  } finally {
    await c.end();
  }
}

test('max_prepared_transactions = 0 is refused with a clear message', () => {
  assert.throws(() => checkMaxPreparedTransactions('0'), (e: Error) => e.message === TWO_PHASE_DISABLED_MESSAGE);
  assert.equal(
    TWO_PHASE_DISABLED_MESSAGE,
    'PostgreSQL has max_prepared_transactions = 0: two-phase commit is disabled; set it (ALTER SYSTEM SET max_prepared_transactions = 64; restart PostgreSQL)',
  );
  checkMaxPreparedTransactions('64');
  assert.equal(gidSubtask('p', 'p.3.n.1'), 3);
  assert.equal(gidSubtask('p', 'px.3.n.1'), undefined);
});

test('builder validates its options', () => {
  assert.throws(() => PostgresSink.builder({ connectionString: PG_URL, table: 'x; drop', columns: ['a'] }).build(), /not an SQL name/);
  assert.throws(() => PostgresSink.builder({ connectionString: PG_URL, table: 't' }).build(), /set columns/);
  assert.throws(() => PostgresSink.builder({ connectionString: PG_URL, table: 't', columns: ['a'], transactionIdPrefix: 'a.b' }).build(), /transactionIdPrefix/);
});

test('an unreachable server fails the writer at open', () => {
  const sink = PostgresSink.builder({ connectionString: 'postgres://postgres@127.0.0.1:1/test', table: 't', columns: ['id'], timeoutMs: 5_000 }).build();
  assert.throws(() => sink.createWriter(ctx()), /ECONNREFUSED|connect/);
});

test('writer: toRow, a custom insertSql run per row, full and partial batches, and a row of the wrong width', async (t) => {
  const why = await pgSkipReason();
  if (why) return t.skip(why);
  await withTable(async (table) => {
    const c = await pgClient();
    try {
      await c.query(`ALTER TABLE ${table} ADD PRIMARY KEY (id)`);
    } finally {
      await c.end();
    }
    const committer = (s: PostgresSink<number>) => s.createCommitter();
    // toRow with the default multi-row INSERT: batches of 3 (a prepared statement) and the rest of 2
    const byRow = PostgresSink.builder<number>({ connectionString: PG_URL, table, toRow: (i) => (Array.isArray(i) ? i : [i, `n${i}`]), batchSize: 3, transactionIdPrefix: uniqueName('eddy_r') }).build();
    const w = byRow.createWriter(ctx());
    for (let i = 1; i <= 8; i++) w.write(i, 0);
    await committer(byRow).commit(w.prepareCommit!(1) as PostgresCommittable[]);
    for (let i = 9; i <= 13; i++) w.write(i, 0);
    await committer(byRow).commit(w.prepareCommit!(2) as PostgresCommittable[]);
    assert.throws(() => w.write([1, 2, 3] as never, 0), /a row has 3 values, expected 2/);
    w.close();
    assert.deepEqual(await ids(table), Array.from({ length: 13 }, (_, i) => i + 1));
    // an upsert per row that skips ids already there
    const upsert = PostgresSink.builder<number>({
      connectionString: PG_URL,
      table,
      toRow: (i) => [i, `u${i}`],
      insertSql: `INSERT INTO ${table} (id, note) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`,
      batchSize: 4,
      transactionIdPrefix: uniqueName('eddy_u'),
    }).build();
    const w2 = upsert.createWriter(ctx());
    for (let i = 10; i <= 20; i++) w2.write(i, 0);
    await committer(upsert).commit(w2.prepareCommit!(1) as PostgresCommittable[]);
    w2.close();
    assert.deepEqual(await ids(table), Array.from({ length: 20 }, (_, i) => i + 1));
    const r = await pgClient();
    try {
      const notes = (await r.query(`SELECT note FROM ${table} WHERE id IN (13, 14) ORDER BY id`)).rows.map((x) => x.note);
      assert.deepEqual(notes, ['n13', 'u14']);
    } finally {
      await r.end();
    }
  });
});

test('writer: prepared rows are invisible until committed; commit is idempotent; restore commits known and rolls back lingering', async (t) => {
  const why = await pgSkipReason();
  if (why) return t.skip(why);
  await withTable(async (table) => {
    const prefix = uniqueName('eddy_w');
    const sink = PostgresSink.builder<{ id: number; note: string }>({ connectionString: PG_URL, table, columns: ['id', 'note'], batchSize: 2, transactionIdPrefix: prefix }).build();
    const committer = sink.createCommitter();
    const w = sink.createWriter(ctx());
    for (let i = 1; i <= 5; i++) w.write({ id: i, note: 'a' }, 0);
    const c1 = w.prepareCommit!(1) as PostgresCommittable[];
    assert.equal(c1.length, 1);
    assert.deepEqual(w.prepareCommit!(2), [], 'no rows: nothing to prepare');
    assert.deepEqual(await ids(table), [], 'prepared rows are not visible');
    await committer.commit(c1);
    await committer.commit(c1); // again (as after a restore): a no-op
    assert.deepEqual(await ids(table), [1, 2, 3, 4, 5]);
    w.write({ id: 6, note: 'b' }, 0);
    const c2 = w.prepareCommit!(3) as PostgresCommittable[];
    const state = w.snapshotState!(3);
    assert.deepEqual(state, [{ subtask: 0, gids: [c2[0]!.gid] }], 'committed gids leave the state');
    w.write({ id: 7, note: 'after the checkpoint' }, 0);
    const c3 = w.prepareCommit!(4) as PostgresCommittable[]; // a checkpoint that never completes
    w.close();
    await plantPrepared(table, `${prefix}.0.old.9`, [100]); // lingering, same subtask
    await plantPrepared(table, `${prefix}.1.old.9`, [200]); // another subtask's: not ours to touch
    // restore from checkpoint 3: its gid is committed, the later one and the planted one are rolled back
    const w2 = sink.createWriter(ctx(0, 2, 1), state) as PostgresSinkWriter<unknown>;
    assert.deepEqual(w2.recovery.committed, [c2[0]!.gid]);
    assert.deepEqual(w2.recovery.rolledBack.sort(), [c3[0]!.gid, `${prefix}.0.old.9`].sort());
    await committer.commit(c2); // the operator's re-commit of restored committables: a no-op
    w2.close();
    assert.deepEqual(await ids(table), [1, 2, 3, 4, 5, 6]);
    const c = await pgClient();
    try {
      assert.deepEqual(await preparedGids(c, prefix), [`${prefix}.1.old.9`]);
      await c.query(`ROLLBACK PREPARED '${prefix}.1.old.9'`);
    } finally {
      await c.end();
    }
  });
});

test('a failed insert fails the writer (and nothing is prepared)', async (t) => {
  const why = await pgSkipReason();
  if (why) return t.skip(why);
  await withTable(async (table) => {
    const prefix = uniqueName('eddy_f');
    const sink = PostgresSink.builder<{ id: number | null }>({ connectionString: PG_URL, table, columns: ['id'], batchSize: 1, transactionIdPrefix: prefix }).build();
    const w = sink.createWriter(ctx());
    w.write({ id: null }, 0); // violates NOT NULL
    assert.throws(() => w.prepareCommit!(1), /null value in column "id"/);
    w.close();
    const c = await pgClient();
    try {
      assert.deepEqual(await preparedGids(c, prefix), []);
    } finally {
      await c.end();
    }
  });
});

for (const fault of ['none', 'throw', 'exit']) {
  test(`checkpointed job, fault '${fault}': every record committed exactly once, lingering transactions rolled back`, async (t) => {
    const why = await pgSkipReason();
    if (why) return t.skip(why);
    await withTable(async (table) => {
      const prefix = uniqueName('eddy_j');
      await plantPrepared(table, `${prefix}.0.lingering.1`, [-1]);
      await plantPrepared(table, `${prefix}.1.lingering.1`, [-2]);
      const dir = mkdtempSync(join(tmpdir(), 'eddy-pgsink-'));
      const log: string[] = [];
      const N = 4_000;
      try {
        const r = await runJob(JOB, { params: { url: PG_URL, table, prefix, n: N, fault, pace: 40, failAt: 200 }, checkpointDir: dir, log: (l) => log.push(l) });
        assert.equal(r.restarts, fault === 'none' ? 0 : 1, log.join('\n'));
        if (fault !== 'none') assert.match(log.join('\n'), /restarting in 0 ms from checkpoint \d+/);
        assert.deepEqual(await ids(table), Array.from({ length: N }, (_, i) => i + 1));
        const c = await pgClient();
        try {
          assert.deepEqual(await preparedGids(c, prefix), []);
        } finally {
          await c.end();
        }
        assert.equal(liveWorkerCount(), 0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

test('writer, at-least-once: a barrier commits, nothing is prepared', async (t) => {
  const why = await pgSkipReason();
  if (why) return t.skip(why);
  await withTable(async (table) => {
    const prefix = uniqueName('eddy_l');
    const sink = PostgresSink.builder<{ id: number; note: string }>({ connectionString: PG_URL, table, columns: ['id', 'note'], batchSize: 2, transactionIdPrefix: prefix, deliveryGuarantee: 'at-least-once' }).build();
    const w = sink.createWriter(ctx());
    for (let i = 1; i <= 5; i++) w.write({ id: i, note: 'a' }, 0);
    w.flush(false);
    assert.deepEqual(w.prepareCommit!(1), []);
    assert.deepEqual(await ids(table), [1, 2, 3, 4, 5], 'committed on the barrier');
    w.write({ id: 6, note: 'b' }, 0);
    w.close(); // not flushed: rolled back
    assert.deepEqual(await ids(table), [1, 2, 3, 4, 5]);
    const c = await pgClient();
    try {
      assert.deepEqual(await preparedGids(c, prefix), []);
    } finally {
      await c.end();
    }
  });
  assert.throws(
    () => PostgresSink.builder({ connectionString: PG_URL, table: 't', columns: ['a'], deliveryGuarantee: 'none' as never }).build(),
    /deliveryGuarantee must be 'exactly-once' or 'at-least-once' \(got none\)/,
  );
});

test("checkpointed job, at-least-once, fault 'throw': every record committed at least once", async (t) => {
  const why = await pgSkipReason();
  if (why) return t.skip(why);
  await withTable(async (table) => {
    const prefix = uniqueName('eddy_jl');
    await plantPrepared(table, `${prefix}.0.lingering.1`, [-1]);
    const dir = mkdtempSync(join(tmpdir(), 'eddy-pgsink-'));
    const log: string[] = [];
    const N = 4_000;
    try {
      const r = await runJob(JOB, { params: { url: PG_URL, table, prefix, n: N, fault: 'throw', pace: 40, failAt: 200, guarantee: 'at-least-once' }, checkpointDir: dir, log: (l) => log.push(l) });
      assert.equal(r.restarts, 1, log.join('\n'));
      const got = await ids(table);
      assert.deepEqual([...new Set(got)], Array.from({ length: N }, (_, i) => i + 1));
      assert.ok(got.length >= N);
      const c = await pgClient();
      try {
        assert.deepEqual(await preparedGids(c, prefix), [], 'nothing prepared; the lingering transaction rolled back');
      } finally {
        await c.end();
      }
      assert.equal(liveWorkerCount(), 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
