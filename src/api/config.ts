/**
 * Environment options and their validation. Unknown option names and invalid values are rejected
 * before anything runs, with the option's name in the message.
 */
import { ConfigurationError, DEFAULT_MAX_PARALLELISM } from '../core/index.ts';
import { DEFAULT_AUTO_WATERMARK_INTERVAL } from './operators/timestamps-and-watermarks.ts';

/** Tuning of incremental checkpoints of the lmdb backend (see docs/state.md). */
export interface IncrementalCheckpointOptions {
  /** Materialize a new base when the deltas since the base exceed this fraction of it (default 0.05). */
  materializeRatio?: number;
  /** …or when this many deltas reference the base (default 8). */
  maxDeltas?: number;
  /** No materialization before the deltas since the base reach this many bytes (default 16 MiB). */
  minMaterializeBytes?: number;
}

export interface EnvironmentOptions {
  /** Default parallelism of every operator (default: 1). */
  parallelism?: number;
  /** Number of key groups, the upper bound for rescaling (default 128). */
  maxParallelism?: number;
  /** Where keyed state lives: 'heap' (default) or 'lmdb' (on disk). */
  stateBackend?: 'heap' | 'lmdb';
  /** Working directory of the lmdb backend (default `./.eddy/state`). */
  stateDir?: string;
  /**
   * lmdb backend: checkpoints write only what changed since the previous one (plus, now and then, a copy
   * of the database in the background) into `<checkpoint dir>/<job>/shared/` (Flink's
   * `state.backend.incremental`). Default false. `true` or tuning options.
   */
  incrementalCheckpoints?: boolean | IncrementalCheckpointOptions;
  /** Records per batch on channels (default 1024). */
  batchSize?: number;
  /** Batches in flight per channel before the sender waits (credits, default 8). */
  buffersPerChannel?: number;
  /** Period of watermark generation in ms (default 50; see {@link DEFAULT_AUTO_WATERMARK_INTERVAL}). */
  autoWatermarkInterval?: number;
  /**
   * Task and operator metrics beyond record counts (busy/backpressured/idle time, watermarks, user metrics;
   * see docs/metrics.md). Default true; false leaves only the record counts (the metrics overhead benchmark).
   */
  metrics?: boolean;
}

export type EnvironmentConfig = Required<Omit<EnvironmentOptions, 'stateDir'>> & { stateDir: string };

const KNOWN: Record<keyof EnvironmentOptions, true> = {
  parallelism: true,
  maxParallelism: true,
  stateBackend: true,
  stateDir: true,
  incrementalCheckpoints: true,
  batchSize: true,
  buffersPerChannel: true,
  autoWatermarkInterval: true,
  metrics: true,
};

/** The largest delay a Node timer honours (~24.8 days); longer ones fire after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/** A value as it should appear in an error message: `NaN`, `Infinity`, `"x"`, `null`, `function f`. */
export function showValue(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' || v === undefined) return String(v);
  if (typeof v === 'function') return `function ${v.name || '(anonymous)'}`;
  if (typeof v === 'symbol') return v.toString();
  try {
    const s = JSON.stringify(v);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return Object.prototype.toString.call(v);
  }
}

/** True for `{...}` objects (not null, arrays, class instances such as Date). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Where a set of options came from, for error messages. */
const FROM_CODE = 'StreamEnvironment.create';
const FROM_LAUNCH = 'the launch (eddy run / runJob)';

function positiveInt(where: string, name: string, v: unknown, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max)
    throw new ConfigurationError(`${where}: option '${name}' must be an integer between 1 and ${max}, got ${showValue(v)}`);
  return v;
}

const LIMITS = { parallelism: 1024, maxParallelism: 32768, batchSize: 1 << 20, buffersPerChannel: 1024, autoWatermarkInterval: MAX_TIMER_MS } as const;

/**
 * Checks every option that is set, on its own: a value written in the job is rejected even when the
 * launch (the CLI's `--parallelism`, say) overrides it, so a job never runs only because of a flag.
 */
function checkOptions(where: string, o: Record<string, unknown>): void {
  if (!isPlainObject(o)) throw new ConfigurationError(`${where}: options must be an object, got ${showValue(o)}`);
  for (const [k, v] of Object.entries(o)) {
    if (!(k in KNOWN)) throw new ConfigurationError(`${where}: unknown environment option '${k}' (known: ${Object.keys(KNOWN).join(', ')})`);
    if (v === undefined) continue;
    switch (k as keyof EnvironmentOptions) {
      case 'parallelism':
      case 'maxParallelism':
      case 'batchSize':
      case 'buffersPerChannel':
      case 'autoWatermarkInterval':
        positiveInt(where, k, v, LIMITS[k as keyof typeof LIMITS]);
        break;
      case 'stateBackend':
        if (v !== 'heap' && v !== 'lmdb') throw new ConfigurationError(`${where}: option 'stateBackend' must be 'heap' or 'lmdb', got ${showValue(v)}`);
        break;
      case 'stateDir':
        if (typeof v !== 'string' || v === '') throw new ConfigurationError(`${where}: option 'stateDir' must be a non-empty string (a directory), got ${showValue(v)}`);
        break;
      case 'incrementalCheckpoints':
        incrementalOption(where, v);
        break;
      case 'metrics':
        if (typeof v !== 'boolean') throw new ConfigurationError(`${where}: option 'metrics' must be a boolean, got ${showValue(v)}`);
        break;
    }
  }
}

/**
 * The environment's configuration: `opts` (from the job's code) with `overrides` (from the launch:
 * `eddy run` flags, `runJob` options) taking precedence. Both are validated on their own first.
 */
export function resolveConfig(opts: EnvironmentOptions = {}, overrides: Record<string, unknown> = {}): EnvironmentConfig {
  checkOptions(FROM_CODE, opts as Record<string, unknown>);
  checkOptions(FROM_LAUNCH, overrides);
  const given = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const o = { ...opts, ...given } as EnvironmentOptions;
  // `--incremental` (true) switches incremental checkpoints on without dropping the job's own tuning of them
  if (overrides.incrementalCheckpoints === true && typeof opts.incrementalCheckpoints === 'object') o.incrementalCheckpoints = opts.incrementalCheckpoints;
  const parallelism = o.parallelism ?? 1;
  const maxParallelism = o.maxParallelism ?? Math.max(DEFAULT_MAX_PARALLELISM, parallelism);
  if (maxParallelism < parallelism) {
    const from = (k: 'parallelism' | 'maxParallelism') => (k in given ? FROM_LAUNCH : opts[k] !== undefined ? FROM_CODE : 'the default');
    throw new ConfigurationError(
      `maxParallelism (${maxParallelism}) must be ≥ parallelism (${parallelism}): maxParallelism from ${from('maxParallelism')}, parallelism from ${from('parallelism')}`,
    );
  }
  return {
    parallelism,
    maxParallelism,
    stateBackend: o.stateBackend ?? 'heap',
    stateDir: o.stateDir ?? '.eddy/state',
    incrementalCheckpoints: o.incrementalCheckpoints ?? false,
    batchSize: o.batchSize ?? 1024,
    buffersPerChannel: o.buffersPerChannel ?? 8,
    autoWatermarkInterval: o.autoWatermarkInterval ?? DEFAULT_AUTO_WATERMARK_INTERVAL,
    metrics: o.metrics ?? true,
  };
}

function incrementalOption(where: string, v: unknown): void {
  if (typeof v === 'boolean') return;
  if (!isPlainObject(v))
    throw new ConfigurationError(`${where}: option 'incrementalCheckpoints' must be a boolean or an options object, got ${showValue(v)}`);
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined) continue;
    const name = `incrementalCheckpoints.${k}`;
    if (k === 'materializeRatio') {
      if (typeof x !== 'number' || !Number.isFinite(x) || !(x > 0))
        throw new ConfigurationError(`${where}: option '${name}' must be a finite number > 0, got ${showValue(x)}`);
    } else if (k === 'maxDeltas' || k === 'minMaterializeBytes') {
      if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 1)
        throw new ConfigurationError(`${where}: option '${name}' must be an integer ≥ 1, got ${showValue(x)}`);
    } else {
      throw new ConfigurationError(`${where}: unknown option '${name}' (known: materializeRatio, maxDeltas, minMaterializeBytes)`);
    }
  }
}
