// One run of the chaos job under the operations a user performs, for kill-resume.ts (`ops: true`): it
// starts the job (`--resume`, or from a stop-with-savepoint's directory), takes savepoints at random times,
// and may end with a stop-with-savepoint; the chaos runner may SIGKILL it at any time.
// Usage: node --import tsx test/chaos/ops-driver.ts '<json DriverOptions>'
// Prints `stopped <savepoint dir>` or `finished` on stdout; exits 0 either way.
import { runJob, type JobClient } from 'eddy';

interface DriverOptions {
  checkpointDir: string;
  savepointDir: string;
  params: Record<string, unknown>;
  fromSavepoint?: string;
  /** ms between savepoints (randomised ±50 %) */
  savepointEveryMs: number;
  /** stop with a savepoint after this many ms (undefined: run to the end) */
  stopAfterMs?: number;
  seed: number;
}

const o = JSON.parse(process.argv[2]!) as DriverOptions;
let x = o.seed >>> 0 || 1;
const random = (): number => {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return (x >>> 0) / 0x100000000;
};
const log = (l: string) => process.stderr.write(`[eddy] ${l}\n`);

let client: JobClient | undefined;
const timers: NodeJS.Timeout[] = [];
const run = runJob(new URL('../jobs/chaos-job.ts', import.meta.url), {
  params: o.params,
  checkpointDir: o.checkpointDir,
  ...(o.fromSavepoint ? { fromSavepoint: o.fromSavepoint } : { resume: true }),
  log,
  onJobStart: (c) => {
    client = c;
    const next = () => {
      timers.push(
        setTimeout(() => {
          client!
            .triggerSavepoint(o.savepointDir)
            .then((p) => log(`savepoint ${p}`))
            .catch((e: Error) => log(`savepoint failed: ${e.message}`))
            .finally(next);
        }, o.savepointEveryMs * (0.5 + random())),
      );
    };
    next();
    if (o.stopAfterMs !== undefined)
      timers.push(
        setTimeout(() => {
          client!.stopWithSavepoint(o.savepointDir).catch((e: Error) => log(`stop-with-savepoint failed: ${e.message}`));
        }, o.stopAfterMs),
      );
  },
});
const r = await run;
for (const t of timers) clearTimeout(t);
process.stdout.write(r.status === 'stopped' ? `stopped ${r.savepoint as string}\n` : 'finished\n');
