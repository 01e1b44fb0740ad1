/**
 * Test hook for crash testing: with `EDDY_FAULT=<point>[:<n>]` in the environment, the process is killed
 * (SIGKILL, as by the OS) the n-th time (default 1st) execution reaches the named point. The points are
 * the steps of the checkpoint and commit protocol (see docs/chaos.md). Without the variable this is a
 * single comparison.
 */
const spec = typeof process !== 'undefined' ? process.env.EDDY_FAULT : undefined;
const parsed = spec ? /^(.*?)(?::(\d+))?$/.exec(spec) : null;
const faultName = parsed ? parsed[1] : undefined;
const faultNth = parsed && parsed[2] ? Number(parsed[2]) : 1;
let hits = 0;

/** Named points of the checkpoint/commit protocol. */
export type FaultPoint =
  | 'task:after-snapshot'
  | 'task:after-ack'
  | 'coordinator:before-metadata'
  | 'coordinator:after-metadata'
  | 'sink:before-commit'
  | 'sink:after-commit'
  /** The job's final checkpoint (every task finished) is written; its committables are not committed yet. */
  | 'job:final-checkpoint-written'
  /** Every sink committed its final output; the job has not reported its end yet. */
  | 'job:final-committed'
  /** A stop-with-savepoint is written (savepoint and checkpoint copy); nothing of it is committed yet. */
  | 'job:stop-savepoint-written'
  /** A slot worker has just started a background base copy (incremental lmdb checkpoints): the copy is in flight. */
  | 'lmdb:copy-started'
  /** A delta file's bytes are written but it is not fsynced, closed or referenced yet. */
  | 'lmdb:delta-written';

export function faultPoint(name: FaultPoint): void {
  if (faultName === undefined || name !== faultName) return;
  if (++hits >= faultNth) process.kill(process.pid, 'SIGKILL');
}
