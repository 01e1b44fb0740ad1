// The long chaos run (`npm run chaos`): at least 20 SIGKILLs 0–6 s apart against the self-checking job,
// resumed each time with `eddy run --resume`. Prints and saves kills survived, records checked,
// duplicates, losses, alerts and recovery time (restart to first committed output) p50/p95/max.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { runChaos, percentile } from './kill-resume.ts';
import { clean } from './verify.ts';

const KILLS = Number(process.env.CHAOS_KILLS ?? 20);

test(`${KILLS} SIGKILLs 0–6 s apart: exactly-once output, no alerts`, { timeout: 30 * 60_000 }, async () => {
  const t0 = Date.now();
  // long enough that the job is still running after every kill: ~2 s of work per 10 000 records
  const r = await runChaos({ kills: KILLS, seed: Number(process.env.CHAOS_SEED ?? 42), n: 400_000, pace: 20, maxDelayMs: 6000 });
  const summary = {
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
    wallSeconds: (Date.now() - t0) / 1000,
  };
  console.log(JSON.stringify(summary, null, 2));
  mkdirSync(new URL('../../bench/results/', import.meta.url), { recursive: true });
  writeFileSync(new URL(`../../bench/results/chaos-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url), JSON.stringify(summary, null, 2));
  try {
    assert.ok(r.kills >= KILLS, `only ${r.kills} kills happened before the job completed`);
    assert.ok(clean(r), JSON.stringify(r.firstProblems));
    assert.equal(r.records, 400_000);
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
});
