/**
 * Environment options and their validation. Unknown option names and invalid values are rejected
 * before anything runs, with the option's name in the message.
 */
import { ConfigurationError, DEFAULT_MAX_PARALLELISM } from '../core/index.ts';

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
  /** Period of watermark generation in ms (default 200). */
  autoWatermarkInterval?: number;
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
};

function positiveInt(name: string, v: unknown, max = 1 << 30): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max)
    throw new ConfigurationError(`option '${name}' must be an integer between 1 and ${max}, got ${JSON.stringify(v)}`);
  return v;
}

export function resolveConfig(opts: EnvironmentOptions = {}, overrides: Record<string, unknown> = {}): EnvironmentConfig {
  for (const src of [opts, overrides]) {
    for (const k of Object.keys(src)) {
      if (!(k in KNOWN)) throw new ConfigurationError(`unknown environment option '${k}' (known: ${Object.keys(KNOWN).join(', ')})`);
    }
  }
  const o = { ...opts, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) } as EnvironmentOptions;
  // `--incremental` (true) switches incremental checkpoints on without dropping the job's own tuning of them
  if (overrides.incrementalCheckpoints === true && typeof opts.incrementalCheckpoints === 'object') o.incrementalCheckpoints = opts.incrementalCheckpoints;
  const parallelism = positiveInt('parallelism', o.parallelism ?? 1, 1024);
  const maxParallelism = positiveInt('maxParallelism', o.maxParallelism ?? Math.max(DEFAULT_MAX_PARALLELISM, parallelism), 32768);
  if (maxParallelism < parallelism)
    throw new ConfigurationError(`maxParallelism (${maxParallelism}) must be ≥ parallelism (${parallelism})`);
  const stateBackend = o.stateBackend ?? 'heap';
  if (stateBackend !== 'heap' && stateBackend !== 'lmdb')
    throw new ConfigurationError(`option 'stateBackend' must be 'heap' or 'lmdb', got ${JSON.stringify(stateBackend)}`);
  return {
    parallelism,
    maxParallelism,
    stateBackend,
    stateDir: o.stateDir ?? '.eddy/state',
    incrementalCheckpoints: incrementalOption(o.incrementalCheckpoints),
    batchSize: positiveInt('batchSize', o.batchSize ?? 1024, 1 << 20),
    buffersPerChannel: positiveInt('buffersPerChannel', o.buffersPerChannel ?? 8, 1024),
    autoWatermarkInterval: positiveInt('autoWatermarkInterval', o.autoWatermarkInterval ?? 200),
  };
}

function incrementalOption(v: unknown): boolean | IncrementalCheckpointOptions {
  if (v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'object' || v === null) throw new ConfigurationError(`option 'incrementalCheckpoints' must be a boolean or an options object, got ${JSON.stringify(v)}`);
  const known = ['materializeRatio', 'maxDeltas', 'minMaterializeBytes'];
  for (const [k, x] of Object.entries(v)) {
    if (!known.includes(k)) throw new ConfigurationError(`unknown option 'incrementalCheckpoints.${k}' (known: ${known.join(', ')})`);
    if (typeof x !== 'number' || !(x > 0)) throw new ConfigurationError(`option 'incrementalCheckpoints.${k}' must be a positive number, got ${JSON.stringify(x)}`);
  }
  return v as IncrementalCheckpointOptions;
}
