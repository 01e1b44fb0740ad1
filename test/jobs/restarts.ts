// A checkpointed job that fails a known number of times, for restart-strategy tests: every attempt below
// `failures` throws at the record `failAt` (after running at least `runMs` since it opened), later attempts
// pass. The restart strategy comes from the `restart` parameter. Output: the numbers 1..n, exactly once.
import { StreamEnvironment, RichMapFunction, RestartStrategies, jobParameters, type RestartStrategyConfig } from 'eddy';

type Restart =
  | { kind: 'exponential'; initialMs?: number; maxMs?: number; multiplier?: number; resetAfterMs?: number; attempts?: number }
  | { kind: 'failure-rate'; maxFailures: number; intervalMs: number; delayMs: number };

const { restart, failures = 0, n = 2000, failAt = 700, runMs = 0, p = 2 } = jobParameters<{
  restart: Restart;
  failures?: number;
  n?: number;
  failAt?: number;
  runMs?: number;
  p?: number;
}>();

function strategy(r: Restart): RestartStrategyConfig {
  if (r.kind === 'failure-rate') return RestartStrategies.failureRate(r.maxFailures, r.intervalMs, r.delayMs);
  const { kind: _, ...o } = r;
  return RestartStrategies.exponentialDelay(o);
}

class FailingMap extends RichMapFunction<number, number> {
  private openedAt = 0;
  override open(): void {
    this.openedAt = Date.now();
  }
  map(v: number): number {
    const attempt = this.getRuntimeContext().getAttemptNumber();
    if (v === failAt && attempt < failures) {
      const wait = this.openedAt + runMs - Date.now();
      if (wait > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait);
      throw new Error(`planned failure ${attempt + 1} of ${failures}`);
    }
    return v;
  }
}

const env = StreamEnvironment.create({ parallelism: p });
env.enableCheckpointing(20);
env.setRestartStrategy(strategy(restart));
await env.fromSequence(1, n).map(new FailingMap()).name('fails').executeAndCollect('restarts');
