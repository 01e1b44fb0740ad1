// Which snapshots commit side effects, and what a restore may restore (docs/checkpoint-format.md,
// "Snapshots and side effects"): a savepoint writes into a new directory and never touches what its target
// holds; a savepoint commits nothing, so a failover after it is exactly once; a checkpoint written after a
// task failed is the one the restart restores; a restored commit that fails later is retried, not lost;
// a damaged `_metadata` is named; the hidden part files of failed attempts are removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runJob, type JobClient } from 'eddy';
import { pgClient, pgSkipReason, PG_URL, rollbackOwnPrepared, uniqueName } from '../connectors/pg-test-kit.ts';

const JOB = new URL('../jobs/safety-job.ts', import.meta.url);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const quiet = () => {};

/** Every line of the committed part files (visible names only). */
function committedIds(out: string): number[] {
  if (!existsSync(out)) return [];
  const ids: number[] = [];
  for (const f of readdirSync(out)) if (!f.startsWith('.')) for (const l of readFileSync(join(out, f), 'utf8').split('\n')) if (l) ids.push(Number(l));
  return ids;
}

/** 1..n each exactly once: the missing and the duplicated ids (empty when exactly once). */
function exactlyOnce(ids: number[], n: number): { count: number; missing: number[]; duplicated: number[] } {
  const seen = new Map<number, number>();
  for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
  const missing: number[] = [];
  for (let i = 1; i <= n; i++) if (!seen.has(i)) missing.push(i);
  const duplicated = [...seen].filter(([, c]) => c > 1).map(([id]) => id);
  return { count: ids.length, missing: missing.slice(0, 10), duplicated: duplicated.slice(0, 10) };
}

async function waitFor(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a savepoint goes into a new directory under its target and leaves what the target holds untouched', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-safety-'));
  try {
    const target = join(dir, 'target');
    mkdirSync(join(target, 'sub'), { recursive: true });
    writeFileSync(join(target, 'keep.txt'), 'mine');
    writeFileSync(join(target, 'sub', 'also.txt'), 'mine too');
    writeFileSync(join(target, '_metadata'), 'not a savepoint');
    let client: JobClient | undefined;
    const run = runJob(JOB, { params: { n: 400_000, out: join(dir, 'out'), pace: 1 }, checkpointDir: join(dir, 'chk'), onJobStart: (c) => (client = c), log: quiet });
    await waitFor(() => client !== undefined && client.progress().operators[0]!.recordsOut > 1000, 'the job to run');
    const a = await client!.triggerSavepoint(target);
    const b = await client!.triggerSavepoint(target);
    client!.cancel();
    await run.catch(() => undefined);
    const prefix = client!.jobId.replace(/-/g, '').slice(0, 6);
    for (const sp of [a, b]) {
      assert.equal(dirname(sp), target);
      assert.match(basename(sp), new RegExp(`^savepoint-${prefix}-[0-9a-f]{12}$`));
      assert.ok(existsSync(join(sp, '_metadata')), sp);
    }
    assert.notEqual(a, b);
    assert.deepEqual(readdirSync(target).sort(), ['_metadata', 'keep.txt', 'sub', basename(a), basename(b)].sort());
    assert.equal(readFileSync(join(target, 'keep.txt'), 'utf8'), 'mine');
    assert.equal(readFileSync(join(target, 'sub', 'also.txt'), 'utf8'), 'mine too');
    assert.equal(readFileSync(join(target, '_metadata'), 'utf8'), 'not a savepoint');
    // the new directory restores
    const r = await runJob(JOB, { params: { n: 400_000, out: join(dir, 'out2') }, fromSavepoint: a, checkpointDir: join(dir, 'chk2'), log: quiet });
    assert.equal(r.status, 'finished');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('FileSink: a savepoint then a failover (no checkpoint yet) commits every record exactly once', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-safety-'));
  try {
    const n = 200_000;
    const out = join(dir, 'out');
    const failFile = join(dir, 'fail-now');
    let client: JobClient | undefined;
    const log: string[] = [];
    const run = runJob(JOB, { params: { n, out, failFile, pace: 1 }, checkpointDir: join(dir, 'chk'), onJobStart: (c) => (client = c), log: (l) => log.push(l) });
    await waitFor(() => client !== undefined && client.progress().operators[0]!.recordsOut > 20_000, 'the job to run');
    await client!.triggerSavepoint(join(dir, 'sp'));
    await new Promise((r) => setTimeout(r, 500)); // the failure comes later: a commit of the savepoint would have landed
    writeFileSync(failFile, 'now');
    const r = await run;
    assert.equal(r.restarts, 1, log.join('\n'));
    assert.match(log.join('\n'), /injected failure.*restarting in 0 ms from the beginning/);
    assert.deepEqual(exactlyOnce(committedIds(out), n), { count: n, missing: [], duplicated: [] });
    assert.deepEqual(readdirSync(out).filter((f) => f.startsWith('.')), [], 'no hidden part file of the failed attempt is left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PostgresSink: a savepoint then a failover commits every row exactly once; nothing stays prepared', { timeout: 120_000 }, async (t) => {
  const why = await pgSkipReason();
  if (why) return t.skip(why);
  const table = uniqueName('eddy_safety');
  const c = await pgClient();
  const dir = mkdtempSync(join(tmpdir(), 'eddy-safety-'));
  try {
    await c.query(`CREATE TABLE ${table} (id integer NOT NULL)`);
    const n = 60_000;
    const failFile = join(dir, 'fail-now');
    let client: JobClient | undefined;
    const log: string[] = [];
    const run = runJob(JOB, { params: { n, url: PG_URL, table, failFile, pace: 2 }, checkpointDir: join(dir, 'chk'), onJobStart: (cl) => (client = cl), log: (l) => log.push(l) });
    await waitFor(() => client !== undefined && client.progress().operators[0]!.recordsOut > 10_000, 'the job to run');
    await client!.triggerSavepoint(join(dir, 'sp'));
    await new Promise((r) => setTimeout(r, 500)); // the failure comes later: a commit of the savepoint would have landed
    writeFileSync(failFile, 'now');
    const r = await run;
    assert.equal(r.restarts, 1, log.join('\n'));
    const rows = await c.query<{ id: number }>(`SELECT id FROM ${table}`);
    assert.deepEqual(exactlyOnce(rows.rows.map((x) => x.id), n), { count: n, missing: [], duplicated: [] });
    const prepared = await c.query(`SELECT gid FROM pg_prepared_xacts WHERE gid LIKE $1`, [`${table}.%`]);
    assert.equal(prepared.rowCount, 0);
  } finally {
    await rollbackOwnPrepared(c).catch(() => undefined);
    await c.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await c.end();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a checkpoint whose write completes after a task failed is what the restart restores; ids never repeat', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-safety-'));
  try {
    const n = 60_000;
    const out = join(dir, 'out');
    const log: string[] = [];
    const r = await runJob(JOB, {
      params: { n, out, failFile: join(dir, 'fail-now'), slowAt: 3, interval: 100, pace: 3 },
      checkpointDir: `slow:${join(dir, 'chk')}`,
      log: (l) => log.push(l),
    });
    const text = log.join('\n');
    assert.equal(r.restarts, 1, text);
    assert.match(text, /restarting in 0 ms from checkpoint 3 \(its write completed after the failure\)/);
    assert.deepEqual(exactlyOnce(committedIds(out), n), { count: n, missing: [], duplicated: [] });
    // the restarted attempt numbered its checkpoints after 3, so nothing overwrote checkpoint 3
    const ids = (r.checkpoints as { completed: number }).completed;
    assert.ok(ids >= 1, text);
    const meta = readdirSync(join(dir, 'chk', 'safety')).filter((d) => d.startsWith('chk-')).map((d) => Number(d.slice(4)));
    assert.ok(Math.min(...meta) >= 3, `retained checkpoints ${meta}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function eddyRun(dir: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['bin/eddy.mjs', 'run', 'test/jobs/safety-job.ts', '--checkpoint-dir', join(dir, 'chk'), '--no-progress', '--no-rest', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
}

test('a restored commit that fails after later checkpoints were taken is retried, not lost', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-safety-'));
  try {
    const n = 40_000;
    const out = join(dir, 'out');
    const params = [`n=${n}`, `out=${out}`, 'interval=100', 'pace=20', 'slowMs=1500'];
    // killed just before a commit: the checkpoint it belongs to holds committables not yet committed
    const killed = eddyRun(dir, ['--resume', ...params], { EDDY_FAULT: 'sink:before-commit:3' });
    assert.equal(killed.signal, 'SIGKILL', killed.stderr);
    const marker = join(dir, 'fail-restored-commit');
    writeFileSync(marker, 'on');
    const r = eddyRun(dir, ['--resume', ...params, `failRestoredCommit=${marker}`]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(`${marker}.failed`), 'the restored commit failed once');
    assert.match(r.stderr, /injected failure of a restored commit/);
    assert.deepEqual(exactlyOnce(committedIds(out), n), { count: n, missing: [], duplicated: [] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bit flip inside _metadata, or a torn _metadata, is detected and names the file', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-safety-'));
  try {
    let client: JobClient | undefined;
    const run = runJob(JOB, { params: { n: 400_000, out: join(dir, 'out'), pace: 1 }, checkpointDir: join(dir, 'chk'), onJobStart: (c) => (client = c), log: quiet });
    await waitFor(() => client !== undefined && client.progress().operators[0]!.recordsOut > 1000, 'the job to run');
    const sp = await client!.stopWithSavepoint(join(dir, 'sp'));
    await run;
    const metaPath = join(sp, '_metadata');
    const good = readFileSync(metaPath, 'utf8');
    // a flipped digit of a state file's size: still valid JSON, but no longer what was written
    const flipped = good.replace(/"size": (\d)/, (_m, d: string) => `"size": ${(Number(d) + 1) % 10}`);
    assert.notEqual(flipped, good);
    writeFileSync(metaPath, flipped);
    await assert.rejects(runJob(JOB, { params: { out: join(dir, 'o2') }, fromSavepoint: sp, log: quiet }), (e: Error) => e.message.includes(metaPath) && /corrupt \(checksum mismatch\)/.test(e.message));
    writeFileSync(metaPath, good.slice(0, Math.floor(good.length / 2)));
    await assert.rejects(runJob(JOB, { params: { out: join(dir, 'o2') }, fromSavepoint: sp, log: quiet }), (e: Error) => e.message.includes(metaPath) && /not valid JSON/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hidden part files of an attempt that failed before any checkpoint are removed by the restart', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-safety-'));
  try {
    const n = 100_000;
    const out = join(dir, 'out');
    const failFile = join(dir, 'fail-now');
    let client: JobClient | undefined;
    const run = runJob(JOB, { params: { n, out, failFile, pace: 1 }, checkpointDir: join(dir, 'chk'), onJobStart: (c) => (client = c), log: quiet });
    // the first attempt has rolled part files (2000 records each) and holds an in-progress one
    await waitFor(() => client !== undefined && client.progress().operators[0]!.recordsOut > 9_000, 'the job to run');
    writeFileSync(failFile, 'now');
    const r = await run;
    assert.equal(r.restarts, 1);
    assert.deepEqual(readdirSync(out).filter((f) => f.startsWith('.')), []);
    assert.deepEqual(exactlyOnce(committedIds(out), n), { count: n, missing: [], duplicated: [] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});


