/**
 * Restart strategies (Flink's names): what the JobManager does when a task fails. Restarts resume from
 * the latest completed checkpoint. Without checkpointing the default is `noRestart()`; with it,
 * `fixedDelay(Infinity, 1000)` as in Flink. Errors marked not retriable (bad configuration, a record
 * that cannot be serialized) fail the job at once.
 */
import { ConfigurationError } from '../core/index.ts';

export type RestartStrategyConfig =
  | { kind: 'none' }
  | { kind: 'fixed-delay'; attempts: number; delayMs: number }
  | { kind: 'exponential-delay'; initialMs: number; maxMs: number; multiplier: number; resetAfterMs: number; attempts: number }
  | { kind: 'failure-rate'; maxFailures: number; intervalMs: number; delayMs: number };

function nonNeg(name: string, v: number): number {
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0) throw new ConfigurationError(`restart strategy: ${name} must be a number ≥ 0, got ${v}`);
  return v;
}

export const RestartStrategies = {
  noRestart(): RestartStrategyConfig {
    return { kind: 'none' };
  },
  /** Up to `attempts` restarts, `delayMs` apart. */
  fixedDelay(attempts: number, delayMs: number): RestartStrategyConfig {
    return { kind: 'fixed-delay', attempts: nonNeg('attempts', attempts), delayMs: nonNeg('delayMs', delayMs) };
  },
  /** Delays grow by `multiplier` from `initialMs` up to `maxMs`; reset after `resetAfterMs` without failure. */
  exponentialDelay(o: { initialMs?: number; maxMs?: number; multiplier?: number; resetAfterMs?: number; attempts?: number } = {}): RestartStrategyConfig {
    return {
      kind: 'exponential-delay',
      initialMs: nonNeg('initialMs', o.initialMs ?? 1000),
      maxMs: nonNeg('maxMs', o.maxMs ?? 60_000),
      multiplier: nonNeg('multiplier', o.multiplier ?? 2),
      resetAfterMs: nonNeg('resetAfterMs', o.resetAfterMs ?? 3_600_000),
      attempts: nonNeg('attempts', o.attempts ?? Infinity),
    };
  },
  /** Restarts while fewer than `maxFailures` failures happened within `intervalMs`. */
  failureRate(maxFailures: number, intervalMs: number, delayMs: number): RestartStrategyConfig {
    return { kind: 'failure-rate', maxFailures: nonNeg('maxFailures', maxFailures), intervalMs: nonNeg('intervalMs', intervalMs), delayMs: nonNeg('delayMs', delayMs) };
  },
};
