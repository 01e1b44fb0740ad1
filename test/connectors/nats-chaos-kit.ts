// SIGKILL and resume: runs `eddy run <job> --resume` with checkpoints in a directory, kills it at random
// times (seeded) and starts it again until it exits 0, for the NATS and Redis chaos tests.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { xorshift as rng } from '../seeded-random.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `args` under `eddy run … --resume`, SIGKILLing it `kills` times at random; returns the number of kills. */
export async function killAndResume(job: string, params: string[], o: { kills: number; seed: number; minDelayMs: number; maxDelayMs: number; dir: string }): Promise<number> {
  const random = rng(o.seed);
  const args = [join(ROOT, 'bin/eddy.mjs'), 'run', job, '--checkpoint-dir', join(o.dir, 'checkpoints'), '--resume', '--no-progress', '--no-rest', ...params];
  let kills = 0;
  for (let runs = 1; ; runs++) {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    let code: number | null;
    if (kills < o.kills) {
      const delay = o.minDelayMs + random() * (o.maxDelayMs - o.minDelayMs);
      const done = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), delay))]);
      if (!done) {
        child.kill('SIGKILL');
        kills++;
      }
      code = await exited;
    } else code = await exited;
    writeFileSync(join(o.dir, `run-${runs}.log`), stderr);
    if (code === 0) return kills;
    if (code !== null) throw new Error(`eddy exited with ${code}:\n${stderr}`);
    if (runs > o.kills + 10) throw new Error(`the job did not complete after ${runs} runs:\n${stderr}`);
  }
}

