/**
 * Kills `eddy run … --resume` with SIGKILL at random times and starts it again, until the job completes;
 * then verifies the committed output with the oracles of verify.ts. Recovery time is measured from each
 * restart to the first new committed output file ("restart to first output").
 *
 * With `backend: 'lmdb-incremental'` the job keeps its keyed state in lmdb with incremental checkpoints;
 * then each kill also records whether a background base copy (a child process) was in flight, that no copy
 * process outlives the killed run, and which shared files the killed run left unreferenced (partial deltas,
 * copies) — each must be gone once the job has completed (swept on resume).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { committedLines, verify, type Verdict } from './verify.ts';
import { xorshift as rng } from '../seeded-random.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EDDY = join(ROOT, 'bin/eddy.mjs');

export interface ChaosOptions {
  kills: number;
  seed: number;
  n: number;
  keys?: number;
  window?: number;
  /** ms of busy work per 100 records, to make the job last long enough */
  pace: number;
  /** max ms between (re)start and kill */
  maxDelayMs: number;
  /** kill at a named fault point instead of at random times (EDDY_FAULT) */
  faultPoint?: string;
  inject?: string;
  dir?: string;
  /** Keyed state: on the heap (default), or in lmdb with incremental checkpoints. */
  backend?: 'heap' | 'lmdb-incremental';
  /** lmdb-incremental: a new base copy after this many deltas (default 3, so kills hit copies in flight). */
  maxDeltas?: number;
  /**
   * Operations too (test/chaos/ops-driver.ts): savepoints every `savepointEveryMs`, up to `stops`
   * stop-with-savepoints (the next run restores the savepoint, or resumes, at random), and a failover in
   * user code at record `failAt` (once); each run may still be SIGKILLed.
   */
  ops?: { savepointEveryMs: number; stops: number; failAt?: number; stopFirst?: boolean };
}

export interface ChaosResult extends Verdict {
  kills: number;
  runs: number;
  recoveryMs: number[];
  dir: string;
  exitCodes: (number | null)[];
  /** lmdb-incremental: kills while a base copy process of the job was running. */
  killsDuringCopy: number;
  /** Copy processes of the job still alive 2 s after their run was killed (must be 0). */
  lingeringCopies: number;
  /** Unreferenced shared files (partial deltas, copies, `.tmp-*`) killed runs left behind… */
  leftBehind: number;
  /** …and how many of them still exist after the job completed (must be 0: swept on resume). */
  notSwept: string[];
  /** lmdb-incremental: what is left in the state directory after the job completed (killed runs' working directories must be gone). */
  stateLeft: string[];
  /** ops: stop-with-savepoints taken, and how the next run started after each ('savepoint' or 'resume'). */
  stops: string[];
  /** ops: savepoints taken (not stops). */
  savepoints: number;
  /** ops: failovers in user code (restarts inside a run). */
  failovers: number;
  /**
   * ops: the injected failure was thrown in a run that a SIGKILL ended before the failure was logged (the
   * mark file is written just before the throw): the failure happened, but the kill, not the in-process
   * failover, restarted the job.
   */
  failoverKilled: boolean;
}

/** Pids of base-copy child processes (lmdb-copy-process.mjs) working on files under `dir`. */
export function copyProcesses(dir: string): number[] {
  const pids: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmd.includes('lmdb-copy-process.mjs') && cmd.includes(dir)) pids.push(Number(p));
  }
  return pids;
}

/** Files in the job's shared directory that no completed checkpoint references. */
function unreferencedShared(jobDir: string): string[] {
  const shared = join(jobDir, 'shared');
  if (!existsSync(shared)) return [];
  const referenced = new Set<string>();
  for (const d of readdirSync(jobDir)) {
    if (!/^chk-\d+$/.test(d)) continue;
    try {
      const m = JSON.parse(readFileSync(join(jobDir, d, '_metadata'), 'utf8')) as { shared?: { file: string }[] };
      for (const f of m.shared ?? []) referenced.add(f.file);
    } catch {
      /* incomplete checkpoint */
    }
  }
  return readdirSync(shared).filter((f) => !referenced.has(f));
}

/** How long one run may take before it counts as hung. */
const RUN_LIMIT_MS = Number(process.env.CHAOS_RUN_LIMIT_MS ?? 240_000);

const committedCount = (out: string) => (existsSync(out) ? readdirSync(out).filter((f) => !f.startsWith('.')).length : 0);

export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'eddy-chaos-'));
  const out = join(dir, 'out');
  const keys = o.keys ?? 10;
  const window = o.window ?? 1000;
  const random = rng(o.seed);
  const lmdb = o.backend === 'lmdb-incremental';
  const args = [
    EDDY, 'run', 'test/jobs/chaos-job.ts', '--checkpoint-dir', join(dir, 'checkpoints'), '--resume', '--no-progress', '--no-rest', '--json',
    ...(lmdb ? ['--state-backend', 'lmdb', `state=${join(dir, 'state')}`, `maxDeltas=${o.maxDeltas ?? 3}`] : []),
    `out=${out}`, `n=${o.n}`, `keys=${keys}`, `window=${window}`, `pace=${o.pace}`, ...(o.inject ? [`inject=${o.inject}`] : []),
  ];
  const jobDir = join(dir, 'checkpoints', 'chaos');
  let killsDuringCopy = 0;
  let lingeringCopies = 0;
  const leftBehind = new Set<string>();
  const recoveryMs: number[] = [];
  const exitCodes: (number | null)[] = [];
  let kills = 0;
  let runs = 0;
  let lastStop: string | undefined;
  const stops: string[] = [];
  let savepoints = 0;
  let failovers = 0;
  let failoverKilled = false;
  const failMark = join(dir, 'failed-once');
  for (;;) {
    runs++;
    const before = committedCount(out);
    const started = Date.now();
    const faulty = o.faultPoint !== undefined && kills < o.kills;
    let runArgs = args;
    if (o.ops) {
      const restoreSavepoint = lastStop !== undefined && random() < 0.5;
      if (lastStop !== undefined) stops.push(restoreSavepoint ? 'savepoint' : 'resume');
      const stopping = stops.length < o.ops.stops && (random() < 0.6 || (o.ops.stopFirst === true && runs === 1));
      runArgs = [
        '--import', 'tsx', join(ROOT, 'test/chaos/ops-driver.ts'),
        JSON.stringify({
          checkpointDir: join(dir, 'checkpoints'),
          savepointDir: join(dir, 'savepoints'),
          params: { out, n: o.n, keys, window, pace: o.pace, ...(o.ops.failAt !== undefined ? { failAt: o.ops.failAt, failMark } : {}) },
          ...(restoreSavepoint ? { fromSavepoint: lastStop } : {}),
          savepointEveryMs: o.ops.savepointEveryMs,
          ...(stopping ? { stopAfterMs: 300 + random() * o.maxDelayMs } : {}),
          seed: Math.floor(random() * 1e9),
        }),
      ];
      lastStop = undefined;
    }
    const markedBefore = existsSync(failMark);
    const child: ChildProcess = spawn(process.execPath, runArgs, {
      cwd: ROOT,
      env: { ...process.env, ...(faulty ? { EDDY_FAULT: o.faultPoint } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.stdout!.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    let firstOutput = 0;
    const poll = setInterval(() => {
      if (firstOutput === 0 && committedCount(out) > before) firstOutput = Date.now();
    }, 20);
    let code: number | null;
    if (kills < o.kills && o.faultPoint === undefined) {
      const delay = random() * o.maxDelayMs;
      const done = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), delay))]);
      if (!done) {
        if (lmdb && copyProcesses(dir).length > 0) killsDuringCopy++;
        child.kill('SIGKILL');
        kills++;
      }
      code = await exited;
    } else {
      // A run that neither ends nor is killed within RUN_LIMIT_MS hangs: fail with its log instead of waiting.
      const hung = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
      code = await exited;
      clearTimeout(hung);
      if (code === null && !faulty) {
        writeFileSync(join(dir, `run-${runs}.log`), stderr);
        throw new Error(`run ${runs} did not end within ${RUN_LIMIT_MS / 1000} s (killed; log in ${join(dir, `run-${runs}.log`)}):\n${stderr.slice(-4000)}`);
      }
      if (faulty && code !== 0) kills++;
    }
    if (code === null && lmdb) {
      // The killed run's copy processes must die with it (they watch a pipe from their worker).
      const until = Date.now() + 2000;
      while (copyProcesses(dir).length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      lingeringCopies += copyProcesses(dir).length;
      for (const f of unreferencedShared(jobDir)) leftBehind.add(f);
    }
    clearInterval(poll);
    if (firstOutput === 0 && committedCount(out) > before) firstOutput = Date.now();
    if (runs > 1 && firstOutput > 0) recoveryMs.push(firstOutput - started);
    exitCodes.push(code);
    // each run's log stays next to its checkpoints, for diagnosis of a failed verdict
    writeFileSync(join(dir, `run-${runs}.log`), stderr);
    if (o.ops) {
      savepoints += (stderr.match(/\[eddy\] savepoint \//g) ?? []).length;
      const logged = (stderr.match(/injected failover at record/g) ?? []).length;
      failovers += logged;
      if (logged === 0 && code === null && !markedBefore && existsSync(failMark)) failoverKilled = true;
      const stopped = /^stopped (.+)$/m.exec(stdout);
      if (code === 0 && stopped) {
        lastStop = stopped[1]!;
        continue;
      }
    }
    if (code === 0) break;
    if (code !== null) throw new Error(`eddy exited with ${code}:\n${stderr}`);
    if (runs > o.kills + 20) throw new Error(`the job did not complete after ${runs} runs:\n${stderr}`);
  }
  const verdict = verify(committedLines(out), o.n, keys, window);
  const notSwept = [...leftBehind].filter((f) => existsSync(join(jobDir, 'shared', f)));
  const stateLeft = lmdb && existsSync(join(dir, 'state')) ? readdirSync(join(dir, 'state')) : [];
  return { ...verdict, kills, runs, recoveryMs, dir, exitCodes, killsDuringCopy, lingeringCopies, leftBehind: leftBehind.size, notSwept, stateLeft, stops, savepoints, failovers, failoverKilled };
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
