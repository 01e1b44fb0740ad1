// Two-phase sinks with checkpointing: a subtask that finished before a checkpoint keeps its output when the
// job later restarts from that checkpoint (the subtask comes back finished and writes nothing again):
// executeAndCollect() and the PostgresSink (whose restored writer must know the transaction it prepared last).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJob } from 'eddy';
import { pgClient, pgSkipReason, PG_URL, rollbackOwnPrepared, uniqueName } from '../connectors/pg-test-kit.ts';

test('a subtask that finished before the restored checkpoint keeps its collected output', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-collect-'));
  const log: string[] = [];
  try {
    const r = await runJob(new URL('../jobs/collect-finished.ts', import.meta.url), {
      checkpointDir: dir,
      log: (l) => log.push(l),
    });
    assert.equal(r.restarts, 1, log.join('\n'));
    assert.match(log.join('\n'), /restarting in 0 ms from checkpoint \d+/);
    const got = (r.collected as number[]).slice().sort((a, b) => a - b);
    assert.deepEqual(got, Array.from({ length: 2000 }, (_, i) => i + 1));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PostgresSink: a subtask that finished before the restored checkpoint keeps its rows; nothing stays prepared', { timeout: 120_000 }, async (t) => {
  const why = await pgSkipReason();
  if (why) return t.skip(why);
  const table = uniqueName('eddy_finished');
  const c = await pgClient();
  const dir = mkdtempSync(join(tmpdir(), 'eddy-collect-'));
  const log: string[] = [];
  try {
    await c.query(`CREATE TABLE ${table} (id integer NOT NULL)`);
    const r = await runJob(new URL('../jobs/collect-finished.ts', import.meta.url), { params: { url: PG_URL, table }, checkpointDir: dir, log: (l) => log.push(l) });
    assert.equal(r.restarts, 1, log.join('\n'));
    const rows = await c.query<{ id: number }>(`SELECT id FROM ${table} ORDER BY id`);
    assert.deepEqual(rows.rows.map((x) => x.id), Array.from({ length: 2000 }, (_, i) => i + 1));
    const prepared = await c.query('SELECT gid FROM pg_prepared_xacts WHERE gid LIKE $1', [`${table}.%`]);
    assert.equal(prepared.rowCount, 0);
  } finally {
    await rollbackOwnPrepared(c).catch(() => undefined);
    await c.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await c.end();
    rmSync(dir, { recursive: true, force: true });
  }
});
