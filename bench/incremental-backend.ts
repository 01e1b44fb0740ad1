/**
 * Incremental lmdb checkpoints at the backend level (no job, no workers): builds `--keys` value-state
 * entries of ~100 B, takes a first checkpoint and waits for its base copy, then for `--rounds` rounds
 * updates `--touch` random keys and checkpoints: duration (capture → finish) and delta size vs the total.
 * Then restores the last checkpoint by the fast path (base file copy + deltas) and times it.
 *
 *   node --import tsx bench/incremental-backend.ts --keys 1000000 --touch 10000 --rounds 10 [--dir /work/tmp] [--json out.json]
 *
 * The backend alone; the job-level figures (1 GB of state, checkpoints every second, SIGKILL recovery) come
 * from the job benchmark bench/incremental.ts. Removes its files at the end.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { KeyGroupRange, ManualClock } from '../src/core/index.ts';
import { createKeyedStateBackend, ValueStateDescriptor, type KeyedStateSnapshot } from '../src/state/index.ts';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const sarg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const KEYS = arg('keys', 1_000_000);
const TOUCH = arg('touch', 10_000);
const ROUNDS = arg('rounds', 10);
const root = mkdtempSync(join(sarg('dir') ?? tmpdir(), 'eddy-incr-bench-'));
const shared = join(root, 'shared');
const range = KeyGroupRange.forSubtask(128, 1, 0);
const mk = (dir: string) =>
  createKeyedStateBackend({ kind: 'lmdb', dir: join(root, dir), incremental: { sharedDir: shared, minMaterializeBytes: 1 }, operatorId: 'bench', maxParallelism: 128, keyGroupRange: range, clock: new ManualClock(0) });
const desc = new ValueStateDescriptor<{ n: number; pad: string }>('v');
const pad = 'x'.repeat(80);

try {
  const b = mk('a');
  const v = b.getState(desc);
  let t = performance.now();
  for (let i = 0; i < KEYS; i += 10_000)
    b.batch(() => {
      for (let k = i; k < Math.min(KEYS, i + 10_000); k++) {
        b.setCurrentKey(k);
        v.update({ n: k, pad });
      }
    });
  const buildMs = performance.now() - t;
  t = performance.now();
  const first = b.snapshot(1);
  const firstMs = performance.now() - t;
  // wait for the base copy (a child process) to finish, then reference it
  t = performance.now();
  let s: KeyedStateSnapshot = first;
  for (let id = 2; s.incremental!.base === undefined; id++) {
    await new Promise((r) => setTimeout(r, 100));
    s = b.snapshot(id);
    if (performance.now() - t > 600_000) throw new Error('no base after 10 minutes');
  }
  const baseMs = performance.now() - t;
  let id = s.checkpointId;
  const durations: number[] = [];
  const sizes: number[] = [];
  let x = 12345;
  for (let r = 0; r < ROUNDS; r++) {
    b.batch(() => {
      for (let j = 0; j < TOUCH; j++) {
        x = (x * 1103515245 + 12345) % 2147483648;
        const k = x % KEYS;
        b.setCurrentKey(k);
        v.update({ n: k + r, pad });
      }
    });
    t = performance.now();
    const p = b.captureSnapshot(++id);
    while (!p.writeSome(4));
    s = p.finish();
    durations.push(performance.now() - t);
    const d = s.incremental!.deltas;
    sizes.push(d[d.length - 1]!.size);
  }
  const base = s.incremental!.base!;
  const total = base.size + s.incremental!.deltas.reduce((n, d) => n + d.size, 0);
  t = performance.now();
  const r2 = mk('b');
  r2.restore([s]);
  const restoreMs = performance.now() - t;
  r2.getState(desc);
  r2.setCurrentKey(KEYS - 1);
  const ok = (r2.getState(desc).value() as { n: number } | null)?.n !== undefined;
  const sorted = [...durations].sort((a, c) => a - c);
  const pct = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const result = {
    keys: KEYS,
    touch: TOUCH,
    rounds: ROUNDS,
    buildMs: Math.round(buildMs),
    firstCheckpointMs: Math.round(firstMs),
    firstDeltaBytes: first.incremental!.deltas[0]!.size,
    baseBytes: base.size,
    baseReadyAfterMs: Math.round(baseMs),
    checkpointMs: { p50: +pct(0.5).toFixed(1), p99: +pct(0.99).toFixed(1), max: +sorted[sorted.length - 1]!.toFixed(1) },
    deltaBytes: { mean: Math.round(sizes.reduce((a, c) => a + c, 0) / sizes.length), max: Math.max(...sizes) },
    totalReferencedBytes: total,
    fastRestoreMs: Math.round(restoreMs),
    restoredReadable: ok,
  };
  console.table(Object.entries(result).map(([k, val]) => ({ metric: k, value: typeof val === 'object' ? JSON.stringify(val) : val })));
  const out = sarg('json');
  if (out) writeFileSync(out, JSON.stringify(result, null, 1));
  b.dispose();
  r2.dispose();
} finally {
  rmSync(root, { recursive: true, force: true });
}
