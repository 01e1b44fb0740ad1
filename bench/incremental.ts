/**
 * Job-level bench of incremental lmdb checkpoints with about 1 GB of state: runs
 * bench/incremental-job.ts through the real CLI (`eddy run … --resume`, real workers), lmdb state with
 * incremental checkpoints every second, watched from outside:
 *
 * 1. build phase: `--keys` new keys as fast as the job goes (~1 GB of lmdb files), then an update phase of
 *    `--rate` updates per second to pseudo-random existing keys;
 * 2. `--kill-after` seconds into the update phase the `eddy run` process is SIGKILLed and started again
 *    with `--resume`; it restores the latest checkpoint and runs the rest of the update phase to the end;
 * 3. recovery (restart → first record out of the sink) and its parts, measured again offline on the
 *    checkpoint that was restored: load + verify (SHA-256 of every shared file), copy of the base file,
 *    deltas applied.
 *
 * Per checkpoint (from the `_metadata` files, polled every 50 ms): duration (trigger → metadata written),
 * bytes of the new delta files, bytes of a new base (copied in the background, outside the checkpoint's
 * duration) and bytes referenced in total (base + deltas). Prints one JSON line (for bench/run.ts) and,
 * with `--table`, a table per checkpoint. Removes its directories at the end.
 *
 *   node --import tsx bench/incremental.ts [--keys 2000000] [--bytes 200] [--rate 20000] [--seconds 30] [--kill-after 20] [--p 1] [--max-deltas 8] [--ratio 0.05] [--dir /tmp] [--table]
 */
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCheckpointDir } from '../src/checkpoint/fs-checkpoint-storage.ts';
import { applyMergedDeltas, mergeDeltaFiles } from '../src/state/backends/lmdb/delta-file.ts';
import { openLmdbEnvironment } from '../src/state/backends/lmdb/lmdb-env.ts';
import type { CheckpointMetadata } from '../src/checkpoint/checkpoint-format.ts';

const argv = process.argv.slice(2);
const arg = (name: string, d: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : d;
};
const KEYS = arg('keys', 2_000_000);
const BYTES = arg('bytes', 200);
const RATE = arg('rate', 20_000);
const SECONDS = arg('seconds', 30);
const KILL_AFTER = arg('kill-after', 20);
const P = arg('p', 1);
const MAX_DELTAS = arg('max-deltas', 8);
const RATIO = arg('ratio', 0.05);
const dirArg = argv.includes('--dir') ? argv[argv.indexOf('--dir') + 1]! : tmpdir();
const TABLE = argv.includes('--table');

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const root = mkdtempSync(join(dirArg, 'eddy-incremental-job-'));
const cpDir = join(root, 'checkpoints');
const jobDir = join(cpDir, 'incremental-bench');
const sharedDir = join(jobDir, 'shared');
const outFile = join(root, 'out.jsonl');
const stateDir = join(root, 'state');
const command = [
  join(ROOT, 'bin/eddy.mjs'), 'run', 'bench/incremental-job.ts', '--checkpoint-dir', cpDir, '--resume', '--no-progress', '--no-rest', '--json',
  `out=${outFile}`, `state=${stateDir}`, `keys=${KEYS}`, `bytes=${BYTES}`, `rate=${RATE}`, `seconds=${SECONDS}`, `p=${P}`,
  `maxDeltas=${MAX_DELTAS}`, `ratio=${RATIO}`,
];

interface Cp {
  id: number;
  run: number;
  triggeredAt: number;
  completedAt: number;
  durationMs: number;
  /** new .delta files first referenced by this checkpoint */
  deltaBytes: number;
  /** a new base first referenced by this checkpoint (copied in the background before) */
  baseBytes: number;
  referencedBytes: number;
  deltas: number;
}
const cps = new Map<number, Cp>();
const seenFiles = new Set<string>();
let run = 0;

function pollCheckpoints(): void {
  let names: string[];
  try {
    names = readdirSync(jobDir);
  } catch {
    return;
  }
  const ids = names.map((n) => /^chk-(\d+)$/.exec(n)).filter((m) => m !== null).map((m) => Number(m![1])).sort((a, b) => a - b);
  for (const id of ids) {
    if (cps.has(id)) continue;
    const path = join(jobDir, `chk-${id}`, '_metadata');
    let m: CheckpointMetadata;
    let mtime: number;
    try {
      m = JSON.parse(readFileSync(path, 'utf8')) as CheckpointMetadata;
      mtime = statSync(path).mtimeMs;
    } catch {
      continue; // not complete yet (or pruned meanwhile)
    }
    let deltaBytes = 0;
    let baseBytes = 0;
    let referencedBytes = 0;
    let deltas = 0;
    for (const f of m.shared ?? []) {
      referencedBytes += f.size;
      if (f.file.endsWith('.delta')) deltas++;
      if (seenFiles.has(f.file)) continue;
      seenFiles.add(f.file);
      if (f.file.endsWith('.base.mdb')) baseBytes += f.size;
      else deltaBytes += f.size;
    }
    cps.set(id, { id, run, triggeredAt: m.timestamp, completedAt: Math.round(mtime), durationMs: Math.round(mtime - m.timestamp), deltaBytes, baseBytes, referencedBytes, deltas });
  }
}

/** Bytes on disk of every lmdb data file under the state directory (the live working copies). */
function lmdbBytes(dir: string): number {
  let n = 0;
  if (!existsSync(dir)) return 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name === 'data.mdb') n += statSync(join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)).size;
  }
  return n;
}

interface OutLine {
  t: number;
  ev: 'first' | 'update' | 'progress';
  i: number;
  updates?: number;
}
function outLines(): OutLine[] {
  if (!existsSync(outFile)) return [];
  return readFileSync(outFile, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as OutLine);
}

interface RunResult {
  code: number | null;
  startedAt: number;
  stdout: string;
  stderr: string;
  /** epoch ms at which each stderr line arrived */
  stderrLines: { t: number; line: string }[];
  maxStateBytes: number;
}

/** Starts `eddy run`; `until` decides every 50 ms whether to SIGKILL it. */
function start(until: (now: number) => boolean): Promise<RunResult> {
  run++;
  const startedAt = Date.now();
  const child = spawn(process.execPath, command, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const r: RunResult = { code: null, startedAt, stdout: '', stderr: '', stderrLines: [], maxStateBytes: 0 };
  let partial = '';
  child.stdout.on('data', (d) => (r.stdout += d));
  child.stderr.on('data', (d) => {
    const t = Date.now();
    r.stderr += d;
    partial += d;
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const line of lines) r.stderrLines.push({ t, line });
  });
  let lastSize = 0;
  const poll = setInterval(() => {
    pollCheckpoints();
    const now = Date.now();
    if (now - lastSize > 1000) {
      lastSize = now;
      r.maxStateBytes = Math.max(r.maxStateBytes, lmdbBytes(stateDir));
    }
    if (until(now)) child.kill('SIGKILL');
  }, 50);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearInterval(poll);
      pollCheckpoints();
      r.code = code;
      resolve(r);
    });
  });
}

const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN;
};
const MB = (b: number) => +(b / 2 ** 20).toFixed(1);

try {
  mkdirSync(stateDir, { recursive: true });
  // Run 1: build, then updates until KILL_AFTER s into the update phase.
  let updateAt = 0;
  let lastCheck = 0;
  const r1 = await start((now) => {
    if (updateAt === 0 && now - lastCheck > 200) {
      lastCheck = now;
      updateAt = outLines().find((l) => l.ev === 'update')?.t ?? 0;
    }
    return updateAt > 0 && now >= updateAt + KILL_AFTER * 1000;
  });
  if (r1.code !== null) throw new Error(`run 1 ended with ${r1.code} before it was killed:\n${r1.stderr}`);
  const killedAt = Date.now();
  const lines1 = outLines();
  const buildStart = lines1.find((l) => l.ev === 'first')!.t;
  const orphan = lmdbBytes(stateDir); // the killed run's working copy, left behind
  // The checkpoint run 2 will restore: the newest complete one.
  pollCheckpoints();
  const latestId = Math.max(...[...cps.values()].filter((c) => c.run === 1).map((c) => c.id));
  const meta = JSON.parse(readFileSync(join(jobDir, `chk-${latestId}`, '_metadata'), 'utf8')) as CheckpointMetadata;
  // Keep the restored checkpoint for the offline split (hard links: run 2 prunes the originals).
  const kept = join(root, 'kept');
  mkdirSync(join(kept, 'shared'), { recursive: true });
  cpSync(join(jobDir, `chk-${latestId}`), join(kept, `chk-${latestId}`), { recursive: true });
  for (const f of meta.shared ?? []) linkSync(join(sharedDir, f.file), join(kept, 'shared', f.file));
  rmSync(stateDir, { recursive: true, force: true }); // the killed run's working copy (the next run starts its own)
  mkdirSync(stateDir, { recursive: true });

  // Run 2: restart with --resume, runs the rest of the update phase to the end.
  const r2 = await start(() => false);
  if (r2.code !== 0) throw new Error(`run 2 (resume) ended with ${r2.code}:\n${r2.stderr}`);
  const summary = JSON.parse(r2.stdout.slice(r2.stdout.indexOf('{'))) as { checkpoints?: { durationsMs: number[] } };
  const first2 = outLines().find((l) => l.ev === 'first' && l.t >= r2.startedAt)!;
  const resumed = r2.stderrLines.find((l) => l.line.includes('resuming job'));
  const restoredId = Number(/from checkpoint (\d+)/.exec(resumed?.line ?? '')?.[1] ?? NaN);

  // Offline split of the restore, on the checkpoint run 2 restored (the kept links).
  const split: Record<string, number> = {};
  const chk = join(kept, `chk-${latestId}`);
  if (existsSync(chk)) {
    let t = performance.now();
    const loaded = await readCheckpointDir(chk);
    split.loadVerifyMs = Math.round(performance.now() - t);
    const h = [...loaded.states.values()].flat().find((s) => s.keyed?.incremental)!.keyed!.incremental!;
    const tmp = join(root, 'restore-split');
    mkdirSync(tmp, { recursive: true });
    t = performance.now();
    if (h.base) copyFileSync(join(h.dir, h.base.file), join(tmp, 'data.mdb'));
    split.copyBaseMs = Math.round(performance.now() - t);
    t = performance.now();
    const env = openLmdbEnvironment(tmp);
    const db = env.openDB<Buffer, Buffer>({ name: h.dbName, keyEncoding: 'binary', encoding: 'binary' });
    const merged = mergeDeltaFiles(h.deltas.map((d) => join(h.dir, d.file)));
    applyMergedDeltas(merged, db);
    split.applyDeltasMs = Math.round(performance.now() - t);
    await env.close();
    split.baseBytes = h.base?.size ?? 0;
    split.deltaFiles = h.deltas.length;
    split.deltaBytes = h.deltas.reduce((n, d) => n + d.size, 0);
  }

  const all = [...cps.values()].sort((a, b) => a.id - b.id);
  const phase = (c: Cp) => (c.run === 2 ? 'resumed' : c.triggeredAt < updateAt ? 'build' : 'update');
  const steady = all.filter((c) => phase(c) !== 'build');
  const d = steady.map((c) => c.durationMs);
  const result = {
    command: `node ${command.slice(0).join(' ').replace(ROOT, '')}`,
    keys: KEYS,
    bytes: BYTES,
    parallelism: P,
    maxDeltas: MAX_DELTAS,
    materializeRatio: RATIO,
    rate: RATE,
    buildSeconds: +((updateAt - buildStart) / 1000).toFixed(1),
    lmdbBytes: { maxDuringRun1: r1.maxStateBytes, atKill: orphan, maxDuringRun2: r2.maxStateBytes },
    checkpoints: {
      build: all.filter((c) => phase(c) === 'build').length,
      steady: steady.length,
      durationMs: { p50: pct(d, 0.5), p99: pct(d, 0.99), max: Math.max(...d) },
      /** Before the kill only (no restart in the window). */
      beforeKillMs: ((u: number[]) => ({ p50: pct(u, 0.5), p99: pct(u, 0.99), max: Math.max(...u) }))(steady.filter((c) => phase(c) === 'update').map((c) => c.durationMs)),
      /** The first checkpoints after the restart (the restored working copy is still being written back). */
      firstAfterRestartMs: steady.filter((c) => phase(c) === 'resumed').slice(0, 3).map((c) => c.durationMs),
      deltaBytes: { p50: pct(steady.map((c) => c.deltaBytes), 0.5), max: Math.max(...steady.map((c) => c.deltaBytes)) },
      referencedBytes: { p50: pct(steady.map((c) => c.referencedBytes), 0.5), max: Math.max(...steady.map((c) => c.referencedBytes)) },
      run2DurationsMs: summary.checkpoints?.durationsMs ?? [],
    },
    recovery: {
      killedAtCheckpoint: latestId,
      restoredCheckpoint: restoredId,
      restartToFirstOutputMs: first2.t - r2.startedAt,
      restartToResumeLogMs: resumed ? resumed.t - r2.startedAt : NaN,
      killToRestartMs: r2.startedAt - killedAt,
      restoredBaseBytes: meta.shared?.filter((f) => f.file.endsWith('.base.mdb')).reduce((n, f) => n + f.size, 0) ?? 0,
      restoredDeltaBytes: meta.shared?.filter((f) => f.file.endsWith('.delta')).reduce((n, f) => n + f.size, 0) ?? 0,
      offline: split,
    },
    perCheckpoint: all.map((c) => ({ ...c, phase: phase(c), at: +((c.triggeredAt - buildStart) / 1000).toFixed(1) })),
  };
  if (TABLE) {
    console.error('id  run phase    at s  ms     delta MB  new base MB  referenced MB  deltas');
    for (const c of result.perCheckpoint)
      console.error(
        `${String(c.id).padStart(3)}  ${c.run}  ${c.phase.padEnd(7)} ${String(c.at).padStart(5)}  ${String(c.durationMs).padStart(5)}  ${String(MB(c.deltaBytes)).padStart(8)}  ${String(MB(c.baseBytes)).padStart(11)}  ${String(MB(c.referencedBytes)).padStart(13)}  ${c.deltas}`,
      );
  }
  process.stdout.write(JSON.stringify(result) + '\n');
} finally {
  if (argv.includes('--keep')) console.error(`kept ${root}`);
  else rmSync(root, { recursive: true, force: true });
}
