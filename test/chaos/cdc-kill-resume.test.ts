// PostgresCdcSource → PostgresSink under SIGKILL: `eddy run test/jobs/cdc-chaos-job.ts --resume` reads a
// pre-filled table (snapshot) and the changes a writer makes meanwhile; it is killed at random times and
// started again, then the writer stops and a row in the control table ends the stream. Verified on the
// server: no event key twice in the sink table (0 duplicates), every change the writer committed after
// the snapshot's consistent point present, and the events, replayed in LSN order onto nothing, give
// exactly the table (every before image matches, 0 losses). Skipped (with the reason) without
// PostgreSQL, except in CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { PG_URL, pgClient, pgSkipReason, preparedGids, uniqueName } from '../connectors/pg-test-kit.ts';
import { xorshift as rng } from '../seeded-random.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Expect {
  /** pg_current_wal_insert_lsn() inside the transaction, before its commit */
  before: string;
  keys: string[];
}

/** Random transactions (1–3 distinct ids, insert / update / delete, a fresh v per write) until stopped. */
function startWriter(c: pg.Client, table: string, seed: number): { stop: () => Promise<Expect[]> } {
  const random = rng(seed);
  let running = true;
  let v = 1_000_000;
  const log: Expect[] = [];
  const done = (async () => {
    while (running) {
      const ids = new Set<number>();
      const n = 1 + Math.floor(random() * 3);
      while (ids.size < n) ids.add(1 + Math.floor(random() * 4_000));
      const keys: string[] = [];
      await c.query('BEGIN');
      for (const id of ids) {
        const k = random();
        if (k < 0.4) {
          const r = await c.query(`INSERT INTO ${table} VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING v`, [id, ++v]);
          if (r.rowCount) keys.push(`w${v}`);
          else {
            const u = await c.query(`UPDATE ${table} SET v = $2 WHERE id = $1 RETURNING v`, [id, ++v]);
            if (u.rowCount) keys.push(`w${v}`);
          }
        } else if (k < 0.75) {
          const u = await c.query(`UPDATE ${table} SET v = $2 WHERE id = $1 RETURNING v`, [id, ++v]);
          if (u.rowCount) keys.push(`w${v}`);
        } else {
          const d = await c.query<{ v: number }>(`DELETE FROM ${table} WHERE id = $1 RETURNING v`, [id]);
          if (d.rowCount) keys.push(`d${d.rows[0]!.v}`);
        }
      }
      const before = (await c.query<{ l: string }>('SELECT pg_current_wal_insert_lsn()::text AS l')).rows[0]!.l;
      await c.query('COMMIT');
      log.push({ before, keys });
      await sleep(5);
    }
    return log;
  })();
  return {
    stop: async () => {
      running = false;
      return done;
    },
  };
}

test('random SIGKILLs + --resume: CDC into the PostgreSQL sink, every change exactly once', { timeout: 240_000 }, async (t) => {
  const why = await pgSkipReason();
  if (why) return t.skip(why);
  const c = await pgClient();
  const w = await pgClient();
  const base = uniqueName('eddy_cdcx');
  const table = `${base}_t`;
  const ctl = `${base}_ctl`;
  const sinkTable = `${base}_out`;
  const slot = `${base}_slot`;
  const prefix = `${base}_px`;
  const dir = mkdtempSync(join(tmpdir(), 'eddy-cdc-chaos-'));
  let child: ReturnType<typeof spawn> | undefined;
  let writer: { stop: () => Promise<Expect[]> } | undefined;
  let passed = false;
  try {
    await c.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v int NOT NULL)`);
    await c.query(`ALTER TABLE ${table} REPLICA IDENTITY FULL`);
    await c.query(`CREATE TABLE ${ctl} (id int)`);
    await c.query(`CREATE TABLE ${sinkTable} (k text, op text, id int, v int, lsn pg_lsn)`);
    await c.query(`INSERT INTO ${table} SELECT i, i FROM generate_series(1, 3000) i`);
    const args = [
      join(ROOT, 'bin/eddy.mjs'), 'run', 'test/jobs/cdc-chaos-job.ts', '--checkpoint-dir', join(dir, 'checkpoints'), '--resume', '--no-progress', '--no-rest',
      `url=${PG_URL}`, `table=${table}`, `ctl=${ctl}`, `slot=${slot}`, `snapshotDir=${join(dir, 'snapshot')}`, `sinkTable=${sinkTable}`, `prefix=${prefix}`, 'interval=100',
    ];
    const random = rng(11);
    const KILLS = 4;
    let kills = 0;
    let log: Expect[] = [];
    for (let runs = 1; ; runs++) {
      child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((r) => child!.on('exit', (code) => r(code)));
      let ended = false;
      void exited.then(() => (ended = true));
      if (kills < KILLS) {
        // The first run is killed only once a checkpoint past the staging of the snapshot has completed (its
        // rows are committed in the sink table) and the stream runs (the slot is active); then the writer
        // starts. So the slot and its consistent point stay those of the first run: a fresh job killed before
        // its first checkpoint, or one restored from a checkpoint taken while staging, drops the slot and
        // takes a new snapshot, which would fold the writer's changes made meanwhile into `read` events
        // (test/connectors/postgres-cdc.test.ts covers that case).
        const ready = async () =>
          (await c.query(`SELECT 1 FROM ${sinkTable} LIMIT 1`)).rowCount === 1 &&
          (await c.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active', [slot])).rowCount === 1;
        while (runs === 1 && !ended && !(await ready())) await sleep(20);
        writer ??= startWriter(w, table, 5);
        const delay = 800 + random() * 2_200;
        const done = await Promise.race([exited.then(() => true), sleep(delay).then(() => false)]);
        if (!done) {
          child.kill('SIGKILL');
          kills++;
        }
      } else if (writer) {
        await sleep(2_000); // changes while the last run streams
        log = await writer.stop();
        writer = undefined;
        await c.query(`INSERT INTO ${ctl} VALUES (1)`);
      }
      const hung = setTimeout(() => child!.kill('SIGKILL'), 120_000);
      const code = await exited;
      clearTimeout(hung);
      writeFileSync(join(dir, `run-${runs}.log`), stderr);
      if (code === 0) break;
      if (code !== null) throw new Error(`eddy exited with ${code}:\n${stderr.slice(-4000)}`);
      if (runs > KILLS + 5) throw new Error(`the job did not complete after ${runs} runs:\n${stderr.slice(-4000)}`);
    }
    child = undefined;
    assert.equal(kills, KILLS);

    const rows = (await c.query<{ k: string; op: string; id: number; v: number; lsn: string }>(`SELECT k, op, id, v, lsn::text FROM ${sinkTable} ORDER BY lsn, op <> 'read'`)).rows;
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.k, (counts.get(r.k) ?? 0) + 1);
    const duplicates = [...counts.values()].filter((n) => n > 1).length;
    // the snapshot's consistent point: every transaction of the writer that began writing after it is streamed
    const cp = rows.find((r) => r.op === 'read')?.lsn;
    assert.ok(cp, 'the snapshot was read');
    const lsnNum = (l: string) => {
      const [hi, lo] = l.split('/');
      return parseInt(hi!, 16) * 2 ** 32 + parseInt(lo!, 16);
    };
    const missing = log.filter((x) => lsnNum(x.before) > lsnNum(cp)).flatMap((x) => x.keys.filter((k) => !counts.has(k)));
    // replay: each delete and update must find the version it replaces
    const state = new Map<number, number>();
    let mismatches = 0;
    const seen = new Set<string>();
    for (const r of rows) {
      if (seen.has(r.k)) continue;
      seen.add(r.k);
      if (r.op === 'read' || r.op === 'insert') {
        if (state.has(r.id)) mismatches++;
        state.set(r.id, r.v);
      } else if (r.op === 'update') {
        if (!state.has(r.id)) mismatches++;
        state.set(r.id, r.v);
      } else {
        if (state.get(r.id) !== r.v) mismatches++;
        state.delete(r.id);
      }
    }
    const actual = new Map((await c.query<{ id: number; v: number }>(`SELECT id, v FROM ${table}`)).rows.map((x) => [x.id, x.v] as const));
    let diff = 0;
    for (const [id, v] of actual) if (state.get(id) !== v) diff++;
    for (const id of state.keys()) if (!actual.has(id)) diff++;
    const changes = log.reduce((n, x) => n + x.keys.length, 0);
    console.log(`cdc chaos: ${kills} kills, ${rows.length} events in the sink (${rows.filter((r) => r.op === 'read').length} snapshot rows, ${changes} changes written), ${duplicates} duplicates, ${missing.length + mismatches + diff} losses`);
    assert.ok(changes > 100, `the writer made ${changes} changes`);
    assert.deepEqual({ duplicates, missing: missing.length, mismatches, diff }, { duplicates: 0, missing: 0, mismatches: 0, diff: 0 });
    assert.deepEqual(await preparedGids(c, `${prefix}.`), [], 'no prepared transaction left');
    passed = true;
  } finally {
    child?.kill('SIGKILL');
    await writer?.stop().catch(() => undefined);
    for (const gid of await preparedGids(c, `${prefix}`).catch(() => [] as string[])) await c.query(`ROLLBACK PREPARED '${gid}'`).catch(() => undefined);
    await c.query(`SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL`, [slot]).catch(() => undefined);
    for (let i = 0; i < 20; i++) {
      const r = await c.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [slot]).catch(() => undefined);
      if (r) break;
      await sleep(250);
    }
    await c.query(`DROP PUBLICATION IF EXISTS ${slot}_pub`).catch(() => undefined);
    await c.query(`DROP TABLE IF EXISTS ${table}, ${ctl}, ${sinkTable}`).catch(() => undefined);
    await c.end();
    await w.end();
    // the runs' logs stay for diagnosis of a failure
    if (passed) rmSync(dir, { recursive: true, force: true });
    else console.log(`cdc chaos: run logs in ${dir}`);
  }
});
