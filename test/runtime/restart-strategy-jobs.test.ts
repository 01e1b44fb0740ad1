// Restart strategies end to end: a checkpointed job that fails a known number of times restarts with the
// strategy's delays (read from the JobManager's log) and finishes with exactly its output, or fails with
// the task's error when the strategy gives up. Delays are a few milliseconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJob, liveWorkerCount, type JobExecutionResult } from 'eddy';

const JOB = new URL('../jobs/restarts.ts', import.meta.url);
const N = 2000;
const ALL = Array.from({ length: N }, (_, i) => i + 1);

interface Run {
  result?: JobExecutionResult;
  error?: Error;
  /** The delays of the restarts, in order, as logged by the JobManager. */
  delays: number[];
  log: string;
}

async function run(params: Record<string, unknown>): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-restart-'));
  const lines: string[] = [];
  try {
    let result: JobExecutionResult | undefined;
    let error: Error | undefined;
    try {
      result = await runJob(JOB, { params: { n: N, ...params }, checkpointDir: dir, stateDir: join(dir, 'state'), log: (l) => lines.push(l) });
    } catch (e) {
      error = e as Error;
    }
    assert.equal(liveWorkerCount(), 0, 'every worker has exited');
    const log = lines.join('\n');
    const delays = [...log.matchAll(/restarting in (\S+) ms/g)].map((m) => Number(m[1]));
    return { result, error, delays, log };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sorted = (xs: unknown[]) => (xs as number[]).slice().sort((a, b) => a - b);

test('exponentialDelay: three failures restart after 1, 3 and 5 ms (×3, at most 5); the output is exact', { timeout: 60_000 }, async () => {
  const r = await run({ failures: 3, restart: { kind: 'exponential', initialMs: 1, multiplier: 3, maxMs: 5, resetAfterMs: 60_000 } });
  assert.equal(r.error, undefined, r.log);
  assert.deepEqual(r.delays, [1, 3, 5], r.log);
  assert.equal(r.result!.restarts, 3);
  assert.deepEqual(sorted(r.result!.collected!), ALL);
});

test('exponentialDelay: the backoff resets when each attempt runs longer than resetAfterMs', { timeout: 60_000 }, async () => {
  // every attempt runs ≥ 60 ms before it fails, above resetAfterMs = 30: the delay stays at initialMs
  const r = await run({ failures: 2, runMs: 60, restart: { kind: 'exponential', initialMs: 2, multiplier: 2, maxMs: 100, resetAfterMs: 30 } });
  assert.equal(r.error, undefined, r.log);
  assert.deepEqual(r.delays, [2, 2], r.log);
  assert.equal(r.result!.restarts, 2);
  assert.deepEqual(sorted(r.result!.collected!), ALL);
});

test('exponentialDelay: gives up after `attempts` restarts in a row with the task error', { timeout: 60_000 }, async () => {
  const r = await run({ failures: 99, restart: { kind: 'exponential', initialMs: 1, multiplier: 3, maxMs: 50, resetAfterMs: 60_000, attempts: 2 } });
  assert.equal(r.result, undefined, 'the job must fail');
  assert.match(r.error!.message, /planned failure 3 of 99/);
  assert.match(r.error!.message, /operator 'fails'/);
  assert.deepEqual(r.delays, [1, 3], r.log);
});

test('failureRate: fewer than maxFailures failures in the interval restart after delayMs; the output is exact', { timeout: 60_000 }, async () => {
  const r = await run({ failures: 2, restart: { kind: 'failure-rate', maxFailures: 3, intervalMs: 60_000, delayMs: 1 } });
  assert.equal(r.error, undefined, r.log);
  assert.deepEqual(r.delays, [1, 1], r.log);
  assert.equal(r.result!.restarts, 2);
  assert.deepEqual(sorted(r.result!.collected!), ALL);
});

test('failureRate: the maxFailures-th failure within the interval fails the job', { timeout: 60_000 }, async () => {
  const r = await run({ failures: 3, restart: { kind: 'failure-rate', maxFailures: 3, intervalMs: 60_000, delayMs: 1 } });
  assert.equal(r.result, undefined, 'the job must fail');
  assert.match(r.error!.message, /planned failure 3 of 3/);
  assert.deepEqual(r.delays, [1, 1], r.log);
});

test('failureRate: failures further apart than the interval slide out and the job finishes', { timeout: 60_000 }, async () => {
  // each attempt runs ≥ 60 ms before it fails, so two failures are never within 30 ms of each other
  const r = await run({ failures: 2, runMs: 60, restart: { kind: 'failure-rate', maxFailures: 2, intervalMs: 30, delayMs: 1 } });
  assert.equal(r.error, undefined, r.log);
  assert.deepEqual(r.delays, [1, 1], r.log);
  assert.equal(r.result!.restarts, 2);
  assert.deepEqual(sorted(r.result!.collected!), ALL);
});
