// PostgresTableSource against the real server: exact rows at parallelism 1 and 3 (bigint keys with gaps,
// more splits than readers, a `where`), every row exactly once across a failure and restore in the middle
// of the read, and clear errors for bad configuration (password masked). Skipped (with the reason)
// without PostgreSQL, except in CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { runJob } from 'eddy';
import { PostgresTableSource } from 'eddy/connectors/postgres';
import { PG_URL, pgClient, pgSkipReason, uniqueName } from './pg-test-kit.ts';

const JOB = new URL('../jobs/table-source-job.ts', import.meta.url);
const T = { timeout: 60_000 };

/** A table `(id bigint primary key, v text, n int)` with `rows` rows, ids `start + 3 i` (gaps); dropped after. */
async function withTable(rows: number, fn: (c: pg.Client, table: string, ids: number[]) => Promise<void>, start = 5_000_000_000): Promise<void> {
  const c = await pgClient();
  const table = uniqueName('eddy_tbl');
  try {
    await c.query(`CREATE TABLE ${table} (id bigint PRIMARY KEY, v text NOT NULL, n int, u int UNIQUE NOT NULL, f float8 UNIQUE NOT NULL)`);
    await c.query(`INSERT INTO ${table} SELECT $1::bigint + 3 * i, 'v' || i, i % 7, i, i FROM generate_series(0, $2 - 1) i`, [start, rows]);
    const ids = Array.from({ length: rows }, (_, i) => start + 3 * i);
    await fn(c, table, ids);
  } finally {
    await c.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await c.end();
  }
}

const expected = (ids: number[], keep: (i: number) => boolean = () => true) => ids.flatMap((id, i) => (keep(i) ? [`${id}:v${i}`] : [])).sort();

test('options are validated at the call', T, () => {
  assert.throws(() => PostgresTableSource.of({ connection: 'http://x', table: 't' }), /option 'connection' must be a postgres:\/\/ URL/);
  assert.throws(() => PostgresTableSource.of({ connection: PG_URL, table: 'a;b' }), /'a;b' is not a table name/);
  assert.throws(() => PostgresTableSource.of({ connection: PG_URL, table: 't', splits: 0 }), /option 'splits' must be an integer >= 1, got 0/);
  assert.throws(() => PostgresTableSource.of({ connection: PG_URL, table: 't', fetchSize: 1.5 }), /option 'fetchSize' must be an integer >= 1/);
  assert.throws(() => PostgresTableSource.of({ connection: PG_URL, table: 't', columns: [] }), /option 'columns' must list at least one column/);
  assert.throws(() => PostgresTableSource.of({ connection: PG_URL, table: 't', bogus: 1 } as never), /unknown option 'bogus'/);
  assert.equal(PostgresTableSource.of({ connection: PG_URL, table: 'S.T' }).settings.table.qualified, 's.t');
  assert.equal(PostgresTableSource.of({ connection: PG_URL, table: 't' }).boundedness, 'bounded');
});

for (const p of [1, 3]) {
  test(`exact rows at parallelism ${p}`, T, async (t) => {
    const why = await pgSkipReason();
    if (why) return t.skip(why);
    await withTable(2_500, async (_c, table, ids) => {
      const r = await runJob(JOB, { params: { url: PG_URL, table, p, splits: p * 3, fetchSize: 97, interval: 0 } });
      const got = (r.collected as string[]).sort();
      assert.equal(got.length, ids.length);
      assert.deepEqual(got, expected(ids));
      // a condition, and a unique integer column other than the key
      const r2 = await runJob(JOB, { params: { url: PG_URL, table, p, splitColumn: 'u', where: 'n = 3', fetchSize: 50, interval: 0 } });
      assert.deepEqual((r2.collected as string[]).sort(), expected(ids, (i) => i % 7 === 3));
    });
  });
}

test('an empty table, and a table smaller than the splits', T, async (t) => {
  const why = await pgSkipReason();
  if (why) return t.skip(why);
  await withTable(0, async (_c, table) => {
    const r = await runJob(JOB, { params: { url: PG_URL, table, p: 2, interval: 0 } });
    assert.deepEqual(r.collected, []);
  });
  await withTable(2, async (_c, table, ids) => {
    const r = await runJob(JOB, { params: { url: PG_URL, table, p: 3, splits: 50, interval: 0 } });
    assert.deepEqual((r.collected as string[]).sort(), expected(ids));
  }, -7);
});

test('a failure and restore in the middle of the read: every row exactly once', T, async (t) => {
  const why = await pgSkipReason();
  if (why) return t.skip(why);
  const dir = mkdtempSync(join(tmpdir(), 'eddy-tbl-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await withTable(30_000, async (_c, table, ids) => {
    const log: string[] = [];
    const r = await runJob(JOB, {
      params: { url: PG_URL, table, p: 3, splits: 5, fetchSize: 200, interval: 30, pace: 3, fault: 'throw', failAt: 4_000 },
      checkpointDir: join(dir, 'cp'),
      log: (l) => log.push(l),
    });
    assert.equal(r.restarts, 1, log.join('\n'));
    const got = r.collected as string[];
    const counts = new Map<string, number>();
    for (const g of got) counts.set(g, (counts.get(g) ?? 0) + 1);
    const duplicates = [...counts.values()].filter((n) => n > 1).length;
    const lost = expected(ids).filter((e) => !counts.has(e)).length;
    assert.deepEqual({ duplicates, lost, rows: got.length }, { duplicates: 0, lost: 0, rows: ids.length });
  });
});

test('bad configuration: unreachable server, missing table and column, unusable split column', T, async (t) => {
  const why = await pgSkipReason();
  if (why) return t.skip(why);
  await withTable(10, async (c, table) => {
    const run = (p: Record<string, unknown>) => runJob(JOB, { params: { url: PG_URL, table, interval: 0, ...p } });
    await assert.rejects(run({ url: 'postgres://app:secret@127.0.0.1:1/test' }), /PostgresTableSource \(table 'public\..*', postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/test\): cannot connect: .*ECONNREFUSED/);
    await assert.rejects(run({ table: 'no_such_table' }), /table 'public\.no_such_table' does not exist/);
    await assert.rejects(run({ columns: 'id,nope' }), /no column 'nope' \(the table has id, v, n, u, f\)/);
    await assert.rejects(run({ splitColumn: 'nope' }), /no split column 'nope'/);
    await assert.rejects(run({ splitColumn: 'v' }), /split column 'v' is of type text; it must be an integer/);
    await assert.rejects(run({ splitColumn: 'f' }), /split column 'f' is of type double precision; it must be an integer/);
    await assert.rejects(run({ splitColumn: 'n' }), /split column 'n' must be NOT NULL and unique/);
    const nopk = uniqueName('eddy_nopk');
    await c.query(`CREATE TABLE ${nopk} (id int, v text)`);
    try {
      await assert.rejects(run({ table: nopk }), /the table has no primary key; set option 'splitColumn'/);
    } finally {
      await c.query(`DROP TABLE ${nopk}`);
    }
  });
});
