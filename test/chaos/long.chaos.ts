// The long chaos run (`npm run chaos`): SIGKILLs 0–6 s apart against the self-checking job, resumed each
// time with `eddy run --resume` — at least 20 with keyed state on the heap, then at least 10 with keyed state
// in lmdb with incremental checkpoints (kills also land while base copies run in child processes). Prints
// and saves kills survived, records checked, duplicates, losses, alerts and recovery time (restart to first
// committed output) p50/p95/max; for lmdb also the kills during a base copy, copy processes left alive
// (must be 0) and the partial shared files killed runs left (all swept on resume). Then the same under the
// operations a user performs (test/chaos/ops-driver.ts): savepoints every ~0.5 s, stop-with-savepoints
// followed by --from-savepoint or --resume, a failover in user code, and SIGKILLs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { runChaos, percentile, type ChaosOptions } from './kill-resume.ts';
import { clean } from './verify.ts';

const KILLS = Number(process.env.CHAOS_KILLS ?? 20);
const LMDB_KILLS = Number(process.env.CHAOS_LMDB_KILLS ?? 10);
const SEED = Number(process.env.CHAOS_SEED ?? 42);
const OPS_KILLS = Number(process.env.CHAOS_OPS_KILLS ?? 10);

async function longRun(label: string, kills: number, n: number, o: Partial<ChaosOptions> = {}): Promise<void> {
  const t0 = Date.now();
  // long enough that the job is still running after every kill: ~2 s of work per 10 000 records
  const r = await runChaos({ kills, seed: SEED, n, pace: 20, maxDelayMs: 6000, ...o });
  const summary = {
    backend: label,
    kills: r.kills,
    runs: r.runs,
    recordsChecked: r.records,
    duplicates: r.duplicated,
    losses: r.lost,
    outOfOrder: r.outOfOrder,
    alerts: r.alerts,
    wrongSums: r.wrongSums,
    windowsChecked: r.windows,
    recoveryMs: { p50: percentile(r.recoveryMs, 50), p95: percentile(r.recoveryMs, 95), max: Math.max(...r.recoveryMs), samples: r.recoveryMs.length },
    ...(o.ops ? { savepoints: r.savepoints, stopsThenRestored: r.stops.filter((x) => x === 'savepoint').length, stopsThenResumed: r.stops.filter((x) => x === 'resume').length, failovers: r.failovers } : {}),
    ...(o.backend === 'lmdb-incremental'
      ? { killsDuringBaseCopy: r.killsDuringCopy, lingeringCopyProcesses: r.lingeringCopies, partialSharedFilesLeft: r.leftBehind, notSwept: r.notSwept.length }
      : {}),
    wallSeconds: (Date.now() - t0) / 1000,
  };
  console.log(JSON.stringify(summary, null, 2));
  mkdirSync(new URL('../../bench/results/', import.meta.url), { recursive: true });
  writeFileSync(new URL(`../../bench/results/chaos-${label}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url), JSON.stringify(summary, null, 2));
  try {
    assert.ok(r.kills >= kills, `only ${r.kills} kills happened before the job completed`);
    assert.ok(clean(r), JSON.stringify(r.firstProblems));
    assert.equal(r.records, n);
    assert.equal(r.lingeringCopies, 0, 'a base copy process outlived its killed run');
    assert.deepEqual(r.notSwept, [], 'shared files left by killed runs were not swept');
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
}

test(`heap: ${KILLS} SIGKILLs 0–6 s apart: exactly-once output, no alerts`, { timeout: 30 * 60_000 }, () => longRun('heap', KILLS, 400_000));

test(`lmdb, incremental checkpoints: ${LMDB_KILLS} SIGKILLs 0–6 s apart: exactly-once output, no alerts, no copy process left`, { timeout: 30 * 60_000 }, () =>
  longRun('lmdb-incremental', LMDB_KILLS, 200_000, { backend: 'lmdb-incremental' }),
);

test(`operations: savepoints, stop-with-savepoint + restore or resume, a failover and ${OPS_KILLS} SIGKILLs: exactly-once output, no alerts`, { timeout: 30 * 60_000 }, () =>
  longRun('operations', OPS_KILLS, 200_000, { ops: { savepointEveryMs: 500, stops: 4, failAt: 70_000 } }),
);
