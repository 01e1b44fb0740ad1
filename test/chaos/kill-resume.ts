/**
 * Kills `eddy run … --resume` with SIGKILL at random times and starts it again, until the job completes;
 * then verifies the committed output with the oracles of verify.ts. Recovery time is measured from each
 * restart to the first new committed output file ("restart to first output").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { committedLines, verify, type Verdict } from './verify.ts';

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
}

export interface ChaosResult extends Verdict {
  kills: number;
  runs: number;
  recoveryMs: number[];
  dir: string;
  exitCodes: (number | null)[];
}

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

const committedCount = (out: string) => (existsSync(out) ? readdirSync(out).filter((f) => !f.startsWith('.')).length : 0);

export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'eddy-chaos-'));
  const out = join(dir, 'out');
  const keys = o.keys ?? 10;
  const window = o.window ?? 1000;
  const random = rng(o.seed);
  const args = [
    EDDY, 'run', 'test/jobs/chaos-job.ts', '--checkpoint-dir', join(dir, 'checkpoints'), '--resume', '--no-progress', '--no-rest', '--json',
    `out=${out}`, `n=${o.n}`, `keys=${keys}`, `window=${window}`, `pace=${o.pace}`, ...(o.inject ? [`inject=${o.inject}`] : []),
  ];
  const recoveryMs: number[] = [];
  const exitCodes: (number | null)[] = [];
  let kills = 0;
  let runs = 0;
  for (;;) {
    runs++;
    const before = committedCount(out);
    const started = Date.now();
    const faulty = o.faultPoint !== undefined && kills < o.kills;
    const child: ChildProcess = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, ...(faulty ? { EDDY_FAULT: o.faultPoint } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
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
        child.kill('SIGKILL');
        kills++;
      }
      code = await exited;
    } else {
      code = await exited;
      if (faulty && code !== 0) kills++;
    }
    clearInterval(poll);
    if (firstOutput === 0 && committedCount(out) > before) firstOutput = Date.now();
    if (runs > 1 && firstOutput > 0) recoveryMs.push(firstOutput - started);
    exitCodes.push(code);
    if (code === 0) break;
    if (code !== null) throw new Error(`eddy exited with ${code}:\n${stderr}`);
    if (runs > o.kills + 20) throw new Error(`the job did not complete after ${runs} runs:\n${stderr}`);
  }
  const verdict = verify(committedLines(out), o.n, keys, window);
  return { ...verdict, kills, runs, recoveryMs, dir, exitCodes };
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
