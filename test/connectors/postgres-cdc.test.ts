// PostgresCdcSource against the real server: exact insert/update/delete events with before/after images
// in commit order; snapshot + stream under a concurrent writer with no gap and no duplicate (checked by
// replaying the events onto the snapshot: every before image must match, the end state must equal the
// table), also across a failure and restore and a killed replication connection; the slot's
// confirmed_flush_lsn moves only when checkpoints complete; clear errors for bad configuration.
// Skipped (with the reason) without PostgreSQL, except in CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { runJob } from 'eddy';
import { PostgresCdcSource, checkWalLevel, formatLsn, parseLsn } from 'eddy/connectors/postgres';
import { PG_URL, pgClient, pgSkipReason, uniqueName } from './pg-test-kit.ts';

const JOB = new URL('../jobs/cdc-job.ts', import.meta.url);
const T = { timeout: 120_000 };

interface Fixture {
  c: pg.Client;
  table: string;
  ctl: string;
  slot: string;
  pub: string;
  dir: string;
}

/** A captured table (id primary key, v text, REPLICA IDENTITY FULL), an end-marker table, names; cleaned up after. */
async function withFixture(fn: (f: Fixture) => Promise<void>): Promise<void> {
  const c = await pgClient();
  const base = uniqueName('cdc');
  const f: Fixture = { c, table: `${base}_t`, ctl: `${base}_ctl`, slot: `${base}_slot`, pub: `${base}_pub`, dir: mkdtempSync(join(tmpdir(), 'eddy-cdc-')) };
  try {
    await c.query(`CREATE TABLE ${f.table} (id int PRIMARY KEY, v text)`);
    await c.query(`ALTER TABLE ${f.table} REPLICA IDENTITY FULL`);
    await c.query(`CREATE TABLE ${f.ctl} (id int)`);
    await fn(f);
  } finally {
    await c.query(`SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL`, [f.slot]).catch(() => undefined);
    for (let i = 0; i < 20; i++) {
      const r = await c.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [f.slot]).catch(() => undefined);
      if (r) break;
      await new Promise((res) => setTimeout(res, 250));
    }
    await c.query(`DROP PUBLICATION IF EXISTS ${f.pub}`).catch(() => undefined);
    await c.query(`DROP TABLE IF EXISTS ${f.table}, ${f.ctl}`).catch(() => undefined);
    await c.end();
    rmSync(f.dir, { recursive: true, force: true });
  }
}

const params = (f: Fixture, extra: Record<string, unknown> = {}) => ({
  url: PG_URL,
  tables: `${f.table},${f.ctl}`,
  slot: f.slot,
  publication: f.pub,
  snapshotDir: f.dir,
  ...extra,
});

const currentLsn = async (c: pg.Client) => (await c.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0]!.l;
const confirmedFlush = async (c: pg.Client, slot: string) =>
  (await c.query<{ l: string | null }>('SELECT confirmed_flush_lsn::text AS l FROM pg_replication_slots WHERE slot_name = $1', [slot])).rows[0]?.l ?? null;

test('wal_level other than logical is refused with the setting and the fix', T, () => {
  assert.throws(
    () => checkWalLevel('replica', 'postgres://app:secret@db:5432/shop'),
    (e: Error) =>
      e.message ===
      'PostgresCdcSource: PostgreSQL at postgres://app:***@db:5432/shop has wal_level = replica: logical replication is disabled; set it (ALTER SYSTEM SET wal_level = logical; restart PostgreSQL)',
  );
  checkWalLevel('logical', PG_URL);
});

test('options are validated at the call', T, () => {
  assert.throws(() => PostgresCdcSource.of({ connection: 'http://x', tables: ['t'] }), /option 'connection' must be a postgres:\/\/ URL/);
  assert.throws(() => PostgresCdcSource.of({ connection: PG_URL, tables: [] }), /option 'tables' must list at least one table/);
  assert.throws(() => PostgresCdcSource.of({ connection: PG_URL, tables: ['a;b'] }), /'a;b' is not a table name/);
  assert.throws(() => PostgresCdcSource.of({ connection: PG_URL, tables: ['t'], slot: 'Bad-Slot' }), /option 'slot' must be 1–63 characters of \[a-z0-9_\], got 'Bad-Slot'/);
  assert.throws(() => PostgresCdcSource.of({ connection: PG_URL, tables: ['t'], stopAtLsn: 'x' }), /option 'stopAtLsn' must be an LSN/);
  assert.throws(() => PostgresCdcSource.of({ connection: PG_URL, tables: ['t'], bogus: 1 } as never), /unknown option 'bogus'/);
  assert.equal(PostgresCdcSource.of({ connection: PG_URL, tables: ['t'] }).boundedness, 'unbounded');
  assert.equal(PostgresCdcSource.of({ connection: PG_URL, tables: ['s.T'], stopAtLsn: '0/1' }).settings.tables[0]!.qualified, 's.t');
  assert.equal(formatLsn(parseLsn('16/B374D848')), '16/B374D848');
  assert.equal(parseLsn('1/0'), 2 ** 32);
});

test('stream from an existing slot: exact inserts, updates and deletes with before/after images, in commit order', T, async (t) => {
  const why = await pgSkipReason();
  if (why) return t.skip(why);
  await withFixture(async (f) => {
    const { c } = f;
    await c.query(`INSERT INTO ${f.table} VALUES (1, 'before the slot')`);
    await c.query(`CREATE PUBLICATION ${f.pub} FOR TABLE ${f.table}, ${f.ctl}`);
    await c.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [f.slot]);
    await c.query(`INSERT INTO ${f.table} VALUES (2, 'a'), (3, 'b')`);
    await c.query('BEGIN');
    await c.query(`UPDATE ${f.table} SET v = 'a2' WHERE id = 2`);
    await c.query(`DELETE FROM ${f.table} WHERE id = 1`);
    await c.query('COMMIT');
    await c.query(`UPDATE ${f.table} SET id = 4 WHERE id = 3`);
    await c.query(`DELETE FROM ${f.table} WHERE id = 2`);
    const stop = await currentLsn(c);
    const r = await runJob(JOB, { params: params(f, { snapshot: false, stopAtLsn: stop, interval: 0 }) });
    const T1 = `public.${f.table}`;
    assert.deepEqual(r.collected, [
      `insert ${T1} null {"id":2,"v":"a"}`,
      `insert ${T1} null {"id":3,"v":"b"}`,
      `update ${T1} {"id":2,"v":"a"} {"id":2,"v":"a2"}`,
      `delete ${T1} {"id":1,"v":"before the slot"} null`,
      `update ${T1} {"id":3,"v":"b"} {"id":4,"v":"b"}`,
      `delete ${T1} {"id":2,"v":"a2"} null`,
    ]);
  });
});

/** Random single- and multi-statement transactions on the table, until `stop()`; returns how many ran. */
function startWriter(f: Fixture, seed: number): { stop: () => Promise<number> } {
  let x = seed;
  const rnd = (n: number) => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x % n;
  };
  let running = true;
  let txns = 0;
  const done = (async () => {
    const w = await pgClient();
    try {
      while (running) {
        const ops = 1 + rnd(3);
        await w.query('BEGIN');
        for (let i = 0; i < ops; i++) {
          const id = 1 + rnd(60);
          const k = rnd(3);
          if (k === 0) await w.query(`INSERT INTO ${f.table} VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, [id, `i${txns}`]);
          else if (k === 1) await w.query(`UPDATE ${f.table} SET v = $2 WHERE id = $1`, [id, `u${txns}`]);
          else await w.query(`DELETE FROM ${f.table} WHERE id = $1`, [id]);
        }
        await w.query('COMMIT');
        txns++;
        await new Promise((r) => setTimeout(r, 3));
      }
    } finally {
      await w.end();
    }
    return txns;
  })();
  return {
    stop: async () => {
      running = false;
      return done;
    },
  };
}

/** Replays events onto the snapshot; fails on any gap or duplicate; returns the end state. */
function replay(lines: string[], table: string): Map<number, string> {
  const state = new Map<number, string>();
  let streaming = false;
  for (const [n, line] of lines.entries()) {
    const m = /^(\w+) (\S+) (.*) (null|\{.*\})$/.exec(line)!;
    assert.ok(m, line);
    const [, op, tbl, beforeJ, afterJ] = m;
    assert.equal(tbl, `public.${table}`);
    const before = JSON.parse(beforeJ!) as { id: number; v: string } | null;
    const after = JSON.parse(afterJ!) as { id: number; v: string } | null;
    if (op === 'read') {
      assert.ok(!streaming, `a snapshot row after the stream began (#${n})`);
      assert.ok(!state.has(after!.id), `snapshot row ${after!.id} twice`);
      state.set(after!.id, after!.v);
      continue;
    }
    streaming = true;
    if (op === 'insert') {
      assert.ok(!state.has(after!.id), `#${n} ${line}: insert of an existing row (duplicate)`);
      state.set(after!.id, after!.v);
    } else {
      assert.equal(state.get(before!.id), before!.v, `#${n} ${line}: the before image does not match (gap or duplicate)`);
      state.delete(before!.id);
      if (op === 'update') state.set(after!.id, after!.v);
    }
  }
  return state;
}

for (const mode of ['straight', 'failure and restore', 'replication connection killed'] as const) {
  test(`snapshot then stream under a concurrent writer (${mode}): no gap, no duplicate`, T, async (t) => {
    const why = await pgSkipReason();
    if (why) return t.skip(why);
    await withFixture(async (f) => {
      const { c } = f;
      for (let id = 1; id <= 40; id++) await c.query(`INSERT INTO ${f.table} VALUES ($1, $2)`, [id, `s${id}`]);
      const writer = startWriter(f, 7);
      const cpDir = join(f.dir, 'checkpoints');
      const log: string[] = [];
      const job = runJob(JOB, {
        params: params(f, { endTable: `public.${f.ctl}`, fault: mode === 'failure and restore' ? 'throw' : 'none', failAt: 60 }),
        checkpointDir: cpDir,
        log: (l) => log.push(l),
      });
      // let the writer run while the snapshot is staged and the stream is under way
      let active = false;
      for (let i = 0; i < 200 && !active; i++) {
        active = (await c.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active', [f.slot])).rowCount === 1;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(active, 'the source started streaming');
      await new Promise((r) => setTimeout(r, 700));
      if (mode === 'replication connection killed') {
        const k = await c.query('SELECT pg_terminate_backend(active_pid) AS ok FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL', [f.slot]);
        assert.equal(k.rows[0]?.ok, true);
        await new Promise((r) => setTimeout(r, 1500));
      }
      const txns = await writer.stop();
      assert.ok(txns > 50, `writer ran ${txns} transactions`);
      await c.query(`INSERT INTO ${f.ctl} VALUES (1)`);
      const r = await job;
      assert.equal(r.restarts, mode === 'failure and restore' ? 1 : 0, log.join('\n'));
      const lines = r.collected as string[];
      assert.ok(lines.filter((l) => l.startsWith('read ')).length === 40 || lines.filter((l) => l.startsWith('read ')).length > 0);
      const end = replay(lines, f.table);
      const actual = new Map((await c.query<{ id: number; v: string }>(`SELECT id, v FROM ${f.table}`)).rows.map((x) => [x.id, x.v] as const));
      assert.deepEqual([...end].sort((a, b) => a[0] - b[0]), [...actual].sort((a, b) => a[0] - b[0]));
      assert.ok(lines.some((l) => !l.startsWith('read ')), 'some changes were streamed');
      assert.deepEqual(readdirSync(f.dir).filter((n) => n.endsWith('.jsonl') || n.endsWith('.tmp')), [], 'the staged snapshot is removed');
    });
  });
}

test('confirmed_flush_lsn moves only when checkpoints complete', T, async (t) => {
  const why = await pgSkipReason();
  if (why) return t.skip(why);
  await withFixture(async (f) => {
    const { c } = f;
    await c.query(`CREATE PUBLICATION ${f.pub} FOR TABLE ${f.table}, ${f.ctl}`);
    await c.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [f.slot]);
    const start = (await confirmedFlush(c, f.slot))!;
    for (let id = 1; id <= 20; id++) await c.query(`INSERT INTO ${f.table} VALUES ($1, 'x')`, [id]);
    // no checkpoints: the whole stream is read, nothing is confirmed
    const r0 = await runJob(JOB, { params: params(f, { snapshot: false, stopAtLsn: await currentLsn(c), interval: 0 }) });
    assert.equal((r0.collected as string[]).length, 20);
    assert.equal(await confirmedFlush(c, f.slot), start, 'unchanged without checkpoints');
    // with checkpoints, while the writer runs: it advances during the run
    const writer = startWriter(f, 3);
    const job = runJob(JOB, { params: params(f, { snapshot: false, endTable: `public.${f.ctl}`, interval: 50 }), checkpointDir: join(f.dir, 'cp') });
    let advanced = false;
    for (let i = 0; i < 100 && !advanced; i++) {
      await new Promise((res) => setTimeout(res, 50));
      advanced = parseLsn((await confirmedFlush(c, f.slot))!) > parseLsn(start);
    }
    await writer.stop();
    await c.query(`INSERT INTO ${f.ctl} VALUES (1)`);
    const r1 = await job;
    assert.ok(advanced, 'confirmed_flush_lsn advanced while checkpoints completed');
    assert.ok((r1.collected as string[]).length >= 20, 'the unconfirmed changes are read again');
    assert.ok((r1.collected as string[])[0]!.startsWith(`insert public.${f.table} null {"id":1,`), 'from the first unconfirmed change');
  });
});

test('bad configuration: unreachable server, missing table, publication and slot', T, async (t) => {
  const why = await pgSkipReason();
  if (why) return t.skip(why);
  await withFixture(async (f) => {
    const run = (p: Record<string, unknown>) => runJob(JOB, { params: { ...params(f), stopAtLsn: '0/1', interval: 0, ...p } });
    await assert.rejects(run({ url: 'postgres://postgres@127.0.0.1:1/test' }), /PostgresCdcSource \(slot '.*', postgres:\/\/postgres@127\.0\.0\.1:1\/test\): cannot connect: .*ECONNREFUSED/);
    await assert.rejects(run({ url: 'postgres://nobody_here:pw@127.0.0.1:5432/test' }), /postgres:\/\/nobody_here:\*\*\*@127\.0\.0\.1:5432\/test\): cannot connect: .*nobody_here/);
    await assert.rejects(run({ tables: `${f.table},no_such_table` }), /table 'public\.no_such_table' does not exist/);
    await assert.rejects(run({ create: false }), new RegExp(`publication '${f.pub}' does not exist \\(create it: CREATE PUBLICATION "${f.pub}" FOR TABLE`));
    await c0(f);
    await assert.rejects(run({ create: false, snapshot: false }), new RegExp(`replication slot '${f.slot}' does not exist \\(create it`));
    await f.c.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [f.slot]);
    await assert.rejects(run({}), new RegExp(`replication slot '${f.slot}' already exists; a snapshot needs a new slot`));
  });
});

async function c0(f: Fixture): Promise<void> {
  await f.c.query(`CREATE PUBLICATION ${f.pub} FOR TABLE ${f.table}`);
  await assert.rejects(
    runJob(JOB, { params: { ...params(f), stopAtLsn: '0/1', interval: 0 } }),
    new RegExp(`publication '${f.pub}' does not publish 'public.${f.ctl}' \\(ALTER PUBLICATION "${f.pub}" ADD TABLE "public"."${f.ctl}"\\)`),
  );
  await f.c.query(`ALTER PUBLICATION ${f.pub} ADD TABLE ${f.ctl}`);
}

test('a fresh run killed before its first checkpoint: the next run replaces its own slot and snapshots again, each row once', { timeout: 180_000 }, async (t) => {
  const why = await pgSkipReason();
  if (why) return t.skip(why);
  await withFixture(async (f) => {
    const sinkTable = `${f.table}_out`;
    const prefix = `${f.table}_px`;
    const ckpt = mkdtempSync(join(tmpdir(), 'eddy-cdc-ckpt-'));
    const ROOT = new URL('../../', import.meta.url).pathname;
    const run = (interval: number) =>
      spawn(process.execPath, [
        join(ROOT, 'bin/eddy.mjs'), 'run', 'test/jobs/cdc-chaos-job.ts', '--checkpoint-dir', ckpt, '--resume', '--no-progress', '--no-rest',
        `url=${PG_URL}`, `table=${f.table}`, `ctl=${f.ctl}`, `slot=${f.slot}`, `snapshotDir=${f.dir}`, `sinkTable=${sinkTable}`, `prefix=${prefix}`, `interval=${interval}`,
      ], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    const exit = (p: ReturnType<typeof spawn>) => new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
    // killed in `finally` if still running: a live run holds its sink transaction, and the table cleanup
    // would wait for that lock until the test file times out
    const children: ReturnType<typeof spawn>[] = [];
    try {
      await f.c.query(`CREATE TABLE ${sinkTable} (k text, op text, id int, v text, lsn pg_lsn)`);
      await f.c.query(`INSERT INTO ${f.table} SELECT i, i::text FROM generate_series(1, 500) i`);
      // run 1: no checkpoint completes (interval 10 min); killed once its slot streams (snapshot staged, emitted)
      const first = run(600_000);
      children.push(first);
      let stderr = '';
      first.stderr!.on('data', (d) => (stderr += d));
      const firstExit = exit(first);
      // the slot is active while it is being created too: wait for it to exist with its consistent point
      const active = async () =>
        (await f.c.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active AND confirmed_flush_lsn IS NOT NULL', [f.slot])).rowCount === 1;
      // Creating a logical slot waits for every transaction open in the cluster, other test files' included
      // (they run alongside): wait up to 2 min, and name what was open if the slot never streams.
      // The loop's own answer decides: between the connection that creates the slot and the one that
      // streams from it the slot is briefly inactive, and a second query could land in that gap.
      let streaming = false;
      for (let i = 0; i < 2400 && !(streaming = await active()); i++) await new Promise((r) => setTimeout(r, 50));
      if (!streaming) {
        const open = (await f.c.query<{ pid: number; state: string; xact_start: string; query: string }>(
          "SELECT pid, state, xact_start::text, left(query, 120) AS query FROM pg_stat_activity WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid()",
        )).rows;
        const prepared = (await f.c.query<{ gid: string; prepared: string }>('SELECT gid, prepared::text FROM pg_prepared_xacts')).rows;
        assert.fail(`the first run streams from its slot; open transactions: ${JSON.stringify(open)}; prepared: ${JSON.stringify(prepared)}\n${stderr.slice(-2000)}`);
      }
      for (let i = 0; i < 200 && !readFileSync(join(f.dir, `${f.slot}.slot-created.json`), 'utf8').includes('"point"'); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(readdirSync(f.dir).includes(`${f.slot}.slot-created.json`), 'the slot is marked as created by the job');
      first.kill('SIGKILL');
      await firstExit;
      const slotBefore = await confirmedFlush(f.c, f.slot);
      assert.ok(slotBefore !== null, 'the killed run left its slot');
      assert.equal((await f.c.query(`SELECT 1 FROM ${sinkTable}`)).rowCount, 0, 'nothing committed before a checkpoint');
      // changes after the killed run's consistent point end up in the new snapshot; the ctl row ends it
      await f.c.query(`UPDATE ${f.table} SET v = 'x' || v WHERE id <= 10`);
      await f.c.query(`INSERT INTO ${f.ctl} VALUES (1)`);
      // run 2: no checkpoint to resume, the slot is there: it is dropped and made again with a new snapshot
      const second = run(100);
      children.push(second);
      let stderr2 = '';
      second.stderr!.on('data', (d) => (stderr2 += d));
      assert.equal(await exit(second), 0, stderr2.slice(-3000));
      const rows = (await f.c.query<{ id: number; v: string; op: string }>(`SELECT id, v, op FROM ${sinkTable} ORDER BY id`)).rows;
      const expected = Array.from({ length: 500 }, (_, i) => ({ id: i + 1, v: i < 10 ? `x${i + 1}` : String(i + 1), op: 'read' }));
      assert.deepEqual(rows, expected);
      assert.ok(parseLsn((await confirmedFlush(f.c, f.slot)) ?? '0/0') > parseLsn(slotBefore!), 'a new slot, past the killed run\'s consistent point');
      // the staged snapshot of the killed run is gone, and the marker too once a checkpoint covered the new snapshot
      const left = readdirSync(f.dir);
      assert.ok(!left.some((n) => n.startsWith(`${f.slot}-${parseLsn(slotBefore!).toString(16)}.jsonl`)), `the killed run's staged snapshot is removed: ${left.join(', ')}`);
      assert.ok(!left.includes(`${f.slot}.slot-created.json`), 'the marker is removed once a checkpoint covers the snapshot');
      // a slot without the marker (a completed run's, or the user's) is still refused by a fresh run
      const third = runJob(JOB, { params: { ...params(f, { publication: `${f.slot}_pub` }), interval: 0 } });
      await assert.rejects(third, new RegExp(`replication slot '${f.slot}' already exists; a snapshot needs a new slot`));
    } finally {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? exit(c) : undefined)));
      await f.c.query(`DROP TABLE IF EXISTS ${sinkTable}`).catch(() => undefined);
      for (const { gid } of (await f.c.query<{ gid: string }>('SELECT gid FROM pg_prepared_xacts WHERE left(gid, $2) = $1', [prefix, prefix.length]).catch(() => ({ rows: [] as { gid: string }[] }))).rows)
        await f.c.query(`ROLLBACK PREPARED '${gid}'`).catch(() => undefined);
      await f.c.query(`SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL`, [f.slot]).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
      await f.c.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [f.slot]).catch(() => undefined);
      await f.c.query(`DROP PUBLICATION IF EXISTS ${f.slot}_pub`).catch(() => undefined);
      rmSync(ckpt, { recursive: true, force: true });
    }
  });
});
