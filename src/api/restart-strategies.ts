/**
 * Restart strategies (Flink's names): what the JobManager does when a task fails. Restarts resume from
 * the latest completed checkpoint. Without checkpointing the default is `noRestart()`; with it,
 * `fixedDelay(Infinity, 1000)` as in Flink. Errors marked not retriable (bad configuration, a record
 * that cannot be serialized) fail the job at once.
 *
 * Arguments are checked where they are given, with the call and the value in the message: counts are
 * integers (`Infinity` where it means "unlimited"), delays integers of ms that a timer can wait
 * (at most {@link MAX_TIMER_MS}).
 */
import { ConfigurationError } from '../core/index.ts';
import { MAX_TIMER_MS, isPlainObject, showValue } from './config.ts';

export type RestartStrategyConfig =
  | { kind: 'none' }
  | { kind: 'fixed-delay'; attempts: number; delayMs: number }
  | { kind: 'exponential-delay'; initialMs: number; maxMs: number; multiplier: number; resetAfterMs: number; attempts: number }
  | { kind: 'failure-rate'; maxFailures: number; intervalMs: number; delayMs: number };

export interface ExponentialDelayOptions {
  /** First delay (default 1000 ms, ≥ 1). */
  initialMs?: number;
  /** Upper bound of the delay (default 60 000 ms, ≥ initialMs). */
  maxMs?: number;
  /** Growth of the delay per failure (default 2, ≥ 1). */
  multiplier?: number;
  /** The delay starts again from `initialMs` after this long without a failure (default 1 h; Infinity: never). */
  resetAfterMs?: number;
  /** Restarts before the job fails (default Infinity). */
  attempts?: number;
}

/** An integer count ≥ `min`; `Infinity` too when `unlimited`. */
function count(call: string, name: string, v: unknown, min: number, unlimited: boolean): number {
  if (typeof v === 'number' && ((Number.isSafeInteger(v) && v >= min) || (unlimited && v === Infinity))) return v;
  throw new ConfigurationError(`${call}: ${name} must be an integer ≥ ${min}${unlimited ? ' (or Infinity)' : ''}, got ${showValue(v)}`);
}

/** A duration in ms that a timer can wait: an integer in [min, MAX_TIMER_MS]; `Infinity` too when `unlimited`. */
function millis(call: string, name: string, v: unknown, min: number, unlimited = false): number {
  if (typeof v === 'number' && ((Number.isInteger(v) && v >= min && v <= MAX_TIMER_MS) || (unlimited && v === Infinity))) return v;
  throw new ConfigurationError(`${call}: ${name} must be an integer of ms between ${min} and ${MAX_TIMER_MS}${unlimited ? ' (or Infinity)' : ''}, got ${showValue(v)}`);
}

function fixedDelay(call: string, attempts: unknown, delayMs: unknown): RestartStrategyConfig {
  return { kind: 'fixed-delay', attempts: count(call, 'attempts', attempts, 0, true), delayMs: millis(call, 'delayMs', delayMs, 0) };
}

const EXPONENTIAL_KEYS = ['initialMs', 'maxMs', 'multiplier', 'resetAfterMs', 'attempts'];

function exponentialDelay(call: string, o: unknown): RestartStrategyConfig {
  if (!isPlainObject(o)) throw new ConfigurationError(`${call}: options must be an object, got ${showValue(o)}`);
  for (const k of Object.keys(o)) if (!EXPONENTIAL_KEYS.includes(k)) throw new ConfigurationError(`${call}: unknown option '${k}' (known: ${EXPONENTIAL_KEYS.join(', ')})`);
  const initialMs = millis(call, 'initialMs', o.initialMs ?? 1000, 1);
  const maxMs = millis(call, 'maxMs', o.maxMs ?? Math.max(60_000, initialMs), 1);
  if (maxMs < initialMs) throw new ConfigurationError(`${call}: maxMs (${maxMs}) must be ≥ initialMs (${initialMs})`);
  const multiplier = o.multiplier ?? 2;
  if (typeof multiplier !== 'number' || !Number.isFinite(multiplier) || multiplier < 1)
    throw new ConfigurationError(`${call}: multiplier must be a finite number ≥ 1, got ${showValue(multiplier)}`);
  return {
    kind: 'exponential-delay',
    initialMs,
    maxMs,
    multiplier,
    resetAfterMs: millis(call, 'resetAfterMs', o.resetAfterMs ?? 3_600_000, 1, true),
    attempts: count(call, 'attempts', o.attempts ?? Infinity, 0, true),
  };
}

function failureRate(call: string, maxFailures: unknown, intervalMs: unknown, delayMs: unknown): RestartStrategyConfig {
  return {
    kind: 'failure-rate',
    maxFailures: count(call, 'maxFailures', maxFailures, 1, false),
    intervalMs: millis(call, 'intervalMs', intervalMs, 1),
    delayMs: millis(call, 'delayMs', delayMs, 0),
  };
}

/**
 * Checks a strategy handed to `setRestartStrategy` (the factories' results pass; a hand-written or
 * mistyped config, or a factory passed without calling it, is rejected naming `call`).
 */
export function checkRestartStrategy(call: string, s: unknown): RestartStrategyConfig {
  const kinds = "RestartStrategies.noRestart(), fixedDelay(attempts, delayMs), exponentialDelay({...}) or failureRate(maxFailures, intervalMs, delayMs)";
  if (!isPlainObject(s) || typeof s.kind !== 'string') throw new ConfigurationError(`${call}: expected ${kinds}, got ${showValue(s)}`);
  const fields = (names: string[]) => {
    for (const k of Object.keys(s)) if (k !== 'kind' && !names.includes(k)) throw new ConfigurationError(`${call}: unknown field '${k}' in a '${String(s.kind)}' strategy`);
  };
  switch (s.kind) {
    case 'none':
      fields([]);
      return { kind: 'none' };
    case 'fixed-delay':
      fields(['attempts', 'delayMs']);
      return fixedDelay(call, s.attempts, s.delayMs);
    case 'exponential-delay': {
      const { kind: _kind, ...o } = s;
      return exponentialDelay(call, o);
    }
    case 'failure-rate':
      fields(['maxFailures', 'intervalMs', 'delayMs']);
      return failureRate(call, s.maxFailures, s.intervalMs, s.delayMs);
    default:
      throw new ConfigurationError(`${call}: unknown restart strategy kind ${showValue(s.kind)} (expected ${kinds})`);
  }
}

export const RestartStrategies = {
  noRestart(): RestartStrategyConfig {
    return { kind: 'none' };
  },
  /** Up to `attempts` restarts (an integer, or Infinity), `delayMs` apart. */
  fixedDelay(attempts: number, delayMs: number): RestartStrategyConfig {
    return fixedDelay('RestartStrategies.fixedDelay', attempts, delayMs);
  },
  /** Delays grow by `multiplier` from `initialMs` up to `maxMs`; reset after `resetAfterMs` without failure. */
  exponentialDelay(o: ExponentialDelayOptions = {}): RestartStrategyConfig {
    return exponentialDelay('RestartStrategies.exponentialDelay', o);
  },
  /** Restarts after `delayMs`, until `maxFailures` failures fall within `intervalMs` (then the job fails). */
  failureRate(maxFailures: number, intervalMs: number, delayMs: number): RestartStrategyConfig {
    return failureRate('RestartStrategies.failureRate', maxFailures, intervalMs, delayMs);
  },
};
