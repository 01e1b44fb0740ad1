/**
 * The checkpoint coordinator (in the JobManager): triggers checkpoints at the sources on a timer,
 * collects every subtask's acknowledgement with its state, writes the completed checkpoint to storage,
 * then notifies every task (`notifyCheckpointComplete`, when two-phase-commit sinks commit). A
 * checkpoint that does not complete within `timeoutMs` is aborted and counted; more than
 * `tolerableFailures` failures in a row fail the job.
 *
 * Which snapshots commit side effects (docs/checkpoint-format.md, "Snapshots and side effects"): only
 * those a failover may restore from. A periodic checkpoint commits when it completes. A savepoint does
 * not: it is the user's copy of the state, written into a new directory under the target, and its
 * committables are committed by the next checkpoint that completes. A stop-with-savepoint ends the job,
 * so it commits, and it is also written to the checkpoint storage so that a resume continues from it.
 * The job's final checkpoint (every task finished) holds the sinks' last committables; it is written
 * before they are committed, so a resume after the job finished commits them again (idempotently) and
 * runs nothing twice. Checkpoint ids never repeat: a restart continues the numbering.
 */
import { ConfigurationError, EddyError } from '../core/index.ts';
import type { CheckpointToWrite } from './fs-checkpoint-storage.ts';
import type { CheckpointStorage } from './checkpoint-storage.ts';
import { createSavepointDir, writeCheckpointDir } from './fs-checkpoint-storage.ts';
import { toCanonicalStates } from './savepoint-states.ts';
import type { CompletedCheckpoint, OperatorMetadata, OperatorSubtaskState } from './checkpoint-format.ts';

export interface CheckpointConfig {
  intervalMs: number;
  mode: 'exactly-once' | 'at-least-once';
  timeoutMs: number;
  minPauseMs: number;
  maxConcurrent: number;
  /** Completed checkpoints kept in storage. */
  retained: number;
  /** Failed checkpoints in a row tolerated before the job fails. */
  tolerableFailures: number;
  /** Checkpoints may be unaligned (`unaligned: true`, or an `alignedTimeoutMs` was given). */
  unaligned: boolean;
  /** With `unaligned`: 0 = start unaligned; n = start aligned, switch after n ms from the trigger; Infinity = never. */
  alignedTimeoutMs: number;
}

const KNOWN = ['mode', 'timeoutMs', 'minPauseMs', 'maxConcurrent', 'retained', 'tolerableFailures', 'unaligned', 'alignedTimeoutMs', 'storage'];

export function resolveCheckpointConfig(intervalMs: number, o: Record<string, unknown>): CheckpointConfig {
  // Messages name the call the values came from: this runs when the job starts, not where they were written.
  const where = 'enableCheckpointing';
  const MAX_TIMER_MS = 2_147_483_647; // a Node timer waits at most this long (longer ones fire after 1 ms)
  const show = (v: unknown) => (typeof v === 'number' || v === undefined ? String(v) : typeof v === 'function' ? 'a function' : JSON.stringify(v));
  if (typeof intervalMs !== 'number' || !Number.isInteger(intervalMs) || intervalMs < 1 || intervalMs > MAX_TIMER_MS)
    throw new ConfigurationError(`${where}: the interval must be an integer of ms between 1 and ${MAX_TIMER_MS}, got ${show(intervalMs)}`);
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new ConfigurationError(`${where}: options must be an object, got ${show(o)}`);
  for (const k of Object.keys(o)) if (!KNOWN.includes(k)) throw new ConfigurationError(`${where}: unknown checkpointing option '${k}' (known: ${KNOWN.join(', ')})`);
  const mode = o.mode ?? 'exactly-once';
  if (mode !== 'exactly-once' && mode !== 'at-least-once') throw new ConfigurationError(`${where}: option 'mode' must be 'exactly-once' or 'at-least-once', got ${show(mode)}`);
  /** An integer option in [min, max]; `Infinity` too when it means "no limit". */
  const int = (k: string, d: number, min: number, max: number, unlimited = false): number => {
    const v = o[k] ?? d;
    if (typeof v === 'number' && ((Number.isInteger(v) && v >= min && v <= max) || (unlimited && v === Infinity))) return v;
    throw new ConfigurationError(`${where}: option '${k}' must be an integer between ${min} and ${max}${unlimited ? ' (or Infinity)' : ''}, got ${show(v)}`);
  };
  if (o.unaligned !== undefined && typeof o.unaligned !== 'boolean') throw new ConfigurationError(`${where}: option 'unaligned' must be a boolean, got ${show(o.unaligned)}`);
  if (o.storage !== undefined && (typeof o.storage !== 'string' || o.storage === ''))
    throw new ConfigurationError(`${where}: option 'storage' must be a directory or a postgres:// URL, got ${show(o.storage)}`);
  const unaligned = o.unaligned === true;
  // Flink: with unaligned checkpoints on, an aligned-checkpoint timeout of 0 (the default) starts them unaligned.
  // Infinity (the default otherwise) never switches.
  const alignedTimeoutMs = int('alignedTimeoutMs', unaligned ? 0 : Infinity, 0, MAX_TIMER_MS, true);
  if (mode === 'at-least-once' && (unaligned || o.alignedTimeoutMs !== undefined))
    throw new ConfigurationError(`${where}: unaligned checkpoints ('unaligned', 'alignedTimeoutMs') need mode 'exactly-once' (at-least-once never aligns)`);
  return {
    intervalMs,
    mode,
    timeoutMs: int('timeoutMs', 10 * 60_000, 1, MAX_TIMER_MS),
    minPauseMs: int('minPauseMs', 0, 0, MAX_TIMER_MS),
    maxConcurrent: int('maxConcurrent', 1, 1, 1024),
    retained: int('retained', 3, 1, 1_000_000),
    tolerableFailures: int('tolerableFailures', 10, 0, Number.MAX_SAFE_INTEGER, true),
    unaligned: unaligned || o.alignedTimeoutMs !== undefined,
    alignedTimeoutMs,
  };
}

/** How the barriers of a checkpoint start (see BarrierElement): unaligned, aligned with a time limit, or aligned. */
export interface BarrierStart {
  unaligned?: boolean;
  /** Epoch ms after which a task still aligning switches to unaligned. */
  alignedUntil?: number;
}

/** The barrier flags of a checkpoint triggered at `now` (savepoints are always aligned). */
export function barrierStart(config: CheckpointConfig | undefined, savepoint: boolean, now: number): BarrierStart {
  if (!config || savepoint || config.mode !== 'exactly-once' || !config.unaligned) return {};
  if (config.alignedTimeoutMs === 0) return { unaligned: true };
  if (Number.isFinite(config.alignedTimeoutMs)) return { alignedUntil: now + config.alignedTimeoutMs };
  return {};
}

export interface CoordinatorHooks {
  now(): number;
  after(ms: number, fn: () => void): () => void;
  /** Subtasks that must acknowledge, as "vertex/subtask" keys; undefined when a checkpoint cannot start now. */
  expectedAcks(): string[] | undefined;
  triggerSources(checkpointId: number, savepoint: boolean, start: BarrierStart): void;
  /** Checkpoint `checkpointId` completed at `location`; `states` are its subtask states by operator id. */
  notifyComplete(checkpointId: number, states: ReadonlyMap<string, OperatorSubtaskState[]>, location: string): void;
  notifyAborted(checkpointId: number): void;
  operators(): Omit<OperatorMetadata, 'subtasks'>[];
  log(line: string): void;
  failJob(e: Error): void;
}

/** What a pending snapshot is, beyond a periodic checkpoint. */
interface SavepointRequest {
  /** The directory the user named; the savepoint goes into a new subdirectory of it. */
  target: string;
  /** Stop-with-savepoint: it commits and is also written to the checkpoint storage. */
  stop: boolean;
}

interface Pending {
  id: number;
  savepoint: SavepointRequest | undefined;
  /** The job's final checkpoint (every task finished). */
  final: boolean;
  startedAt: number;
  waiting: Set<string>;
  states: Map<string, OperatorSubtaskState[]>;
  cancelTimeout: () => void;
  resolve?: (location: string) => void;
  reject?: (e: Error) => void;
}

export interface CheckpointStats {
  completed: number;
  failed: number;
  inProgress: number;
  lastCompletedId: number;
  lastDurationMs: number;
  lastSizeBytes: number;
  durationsMs: number[];
}

export class CheckpointCoordinator {
  private nextId: number;
  private readonly pending = new Map<number, Pending>();
  private cancelTimer: (() => void) | undefined;
  private lastCompletedAt = 0;
  private failuresInARow = 0;
  private stopped = false;
  private jobFinished = false;
  latest: CompletedCheckpoint | undefined;
  /** A checkpoint whose write completed after the job stopped (a task failed meanwhile): it is complete, the restart uses it. */
  lateCompletedId = 0;
  readonly stats: CheckpointStats = { completed: 0, failed: 0, inProgress: 0, lastCompletedId: 0, lastDurationMs: 0, lastSizeBytes: 0, durationsMs: [] };

  constructor(
    readonly config: CheckpointConfig | undefined,
    private readonly storage: CheckpointStorage | undefined,
    private readonly jobName: string,
    private readonly hooks: CoordinatorHooks,
    restored?: CompletedCheckpoint,
    opts: { firstId?: number; jobId?: string } = {},
  ) {
    this.latest = restored;
    this.nextId = Math.max((restored?.metadata.checkpointId ?? 0) + 1, opts.firstId ?? 1);
    this.jobId = opts.jobId ?? '';
  }

  private readonly jobId: string;

  /** The id the next checkpoint will get (a restarted attempt's coordinator continues from it). */
  get nextCheckpointId(): number {
    return this.nextId;
  }

  start(): void {
    if (this.config) this.schedule(this.config.intervalMs);
  }

  /** Stops triggering and abandons pending checkpoints; `jobFinished`: every task finished (not a failure or a cancel). */
  stop(jobFinished = false): void {
    if (jobFinished) this.jobFinished = true;
    this.stopped = true;
    this.cancelTimer?.();
    for (const p of this.pending.values()) {
      p.cancelTimeout();
      p.reject?.(new EddyError(`checkpoint ${p.id} abandoned: the job stopped`));
    }
    this.pending.clear();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.cancelTimer?.();
    this.cancelTimer = this.hooks.after(ms, () => this.tick());
  }

  private tick(): void {
    const c = this.config!;
    const sinceLast = this.hooks.now() - this.lastCompletedAt;
    if (this.pending.size < c.maxConcurrent && sinceLast >= c.minPauseMs) this.trigger(undefined);
    this.schedule(c.intervalMs);
  }

  /**
   * Starts a savepoint into a new directory under `target`; resolves to that directory when complete.
   * `stop`: a stop-with-savepoint (see the file comment).
   */
  triggerSavepoint(target: string, opts: { stop?: boolean } = {}): Promise<{ location: string; checkpointId: number }> {
    return new Promise((resolve, reject) => {
      const p = this.trigger({ target, stop: opts.stop === true });
      if (!p) reject(new EddyError('cannot take a savepoint now: the job is not running', { domain: 'user' }));
      else {
        p.resolve = (location) => resolve({ location, checkpointId: p.id });
        p.reject = reject;
      }
    });
  }

  /**
   * Every task finished: stops periodic checkpoints and takes the job's final checkpoint (the sinks' last
   * committables, which the caller commits once this resolves). Resolves to its id.
   */
  triggerFinal(): Promise<number> {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    return new Promise((resolve, reject) => {
      const p = this.trigger(undefined, true);
      if (!p) reject(new EddyError('cannot take the final checkpoint: the job is not running'));
      else {
        p.resolve = () => resolve(p.id);
        p.reject = reject;
      }
    });
  }

  private trigger(savepoint: SavepointRequest | undefined, final = false): Pending | undefined {
    if (this.stopped) return undefined;
    const expected = this.hooks.expectedAcks();
    if (!expected) return undefined;
    const id = this.nextId++;
    const timeoutMs = this.config?.timeoutMs ?? 10 * 60_000;
    const p: Pending = {
      id,
      savepoint,
      final,
      startedAt: this.hooks.now(),
      waiting: new Set(expected),
      states: new Map(),
      cancelTimeout: this.hooks.after(timeoutMs, () => this.abort(id, `timed out after ${timeoutMs} ms`)),
    };
    this.pending.set(id, p);
    this.stats.inProgress = this.pending.size;
    this.hooks.triggerSources(id, savepoint !== undefined, barrierStart(this.config, savepoint !== undefined, p.startedAt));
    return p;
  }

  acknowledge(id: number, task: string, states: OperatorSubtaskState[]): void {
    const p = this.pending.get(id);
    if (!p || !p.waiting.delete(task)) return;
    if (process.env.EDDY_DEBUG_CHECKPOINTS) this.hooks.log(`checkpoint ${id}: ack from ${task} after ${this.hooks.now() - p.startedAt} ms`);
    for (const s of states) {
      const list = p.states.get(s.operatorId) ?? [];
      list.push(s);
      p.states.set(s.operatorId, list);
    }
    if (p.waiting.size === 0) {
      const w = this.complete(p).finally(() => this.writing.delete(w));
      this.writing.add(w);
    }
  }

  /** Checkpoints being written (acknowledged by every task); see {@link settled}. */
  private readonly writing = new Set<Promise<void>>();

  /** Resolves when no checkpoint is being written any more (the job ends: the last one lands before the final sweep). */
  async settled(): Promise<void> {
    while (this.writing.size > 0) await Promise.allSettled([...this.writing]);
  }

  private abort(id: number, reason: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.stats.inProgress = this.pending.size;
    p.cancelTimeout();
    this.stats.failed++;
    this.failuresInARow++;
    this.hooks.log(`checkpoint ${id} aborted: ${reason}`);
    this.hooks.notifyAborted(id);
    p.reject?.(new EddyError(`${p.savepoint ? 'savepoint' : 'checkpoint'} ${id} aborted: ${reason}`));
    // A failed final checkpoint is the caller's to handle (it commits without it); it does not fail the job.
    if (!p.savepoint && !p.final && this.config && this.failuresInARow > this.config.tolerableFailures)
      this.hooks.failJob(new EddyError(`${this.failuresInARow} checkpoints failed in a row (tolerance ${this.config.tolerableFailures}); last: ${reason}`, { retriable: true }));
  }

  private async complete(p: Pending): Promise<void> {
    p.cancelTimeout();
    const sp = p.savepoint;
    const cp: CheckpointToWrite = {
      metadata: {
        kind: sp && !sp.stop ? 'savepoint' : 'checkpoint',
        jobName: this.jobName,
        checkpointId: p.id,
        timestamp: p.startedAt,
        operators: this.hooks.operators(),
        ...(p.final ? { jobFinished: true as const } : {}),
      },
      states: p.states,
    };
    let location = 'memory';
    /** Whether this snapshot is now the one a failover or a resume restores from. */
    let restorable = false;
    try {
      if (sp) {
        location = await createSavepointDir(sp.target, this.jobId);
        await writeCheckpointDir(location, { metadata: { ...cp.metadata, kind: 'savepoint' }, states: toCanonicalStates(cp.states) });
        if (sp.stop && this.storage) {
          // The stopped job's output up to here gets committed: a resume must continue from here too.
          await this.storage.write({ ...cp, metadata: { ...cp.metadata, stopSavepoint: location } });
          restorable = true;
        }
      } else if (this.storage) {
        location = await this.storage.write(cp);
        restorable = true;
      } else restorable = true;
    } catch (e) {
      this.abort(p.id, `writing it failed: ${(e as Error).message}`);
      return;
    }
    const asLatest = (): void => {
      if (!restorable || (this.latest && this.latest.metadata.checkpointId > p.id)) return;
      this.latest = { metadata: { format: 'eddy-checkpoint', version: 1, ...cp.metadata, operators: [] }, location, states: p.states };
    };
    if (this.stopped || !this.pending.has(p.id)) {
      // Written, but the job stopped meanwhile. After a failure, a checkpoint (not a savepoint) written
      // completely is still complete: the restart restores it (its committables are committed then), as a
      // resume after a crash would. After the job finished, the retention still applies.
      if (!p.savepoint && restorable && !this.jobFinished) {
        asLatest();
        if (this.latest?.metadata.checkpointId === p.id) this.lateCompletedId = p.id;
      }
      if (this.jobFinished && restorable && this.storage && this.config) await this.storage.prune(this.jobName, this.config.retained).catch((e) => this.hooks.log(`pruning old checkpoints failed: ${(e as Error).message}`));
      return;
    }
    this.pending.delete(p.id);
    this.stats.inProgress = this.pending.size;
    this.failuresInARow = 0;
    const duration = this.hooks.now() - p.startedAt;
    this.stats.completed++;
    this.stats.lastCompletedId = p.id;
    this.stats.lastDurationMs = duration;
    this.stats.durationsMs.push(duration);
    if (this.stats.durationsMs.length > 1000) this.stats.durationsMs.shift();
    this.lastCompletedAt = this.hooks.now();
    if (restorable) {
      asLatest();
      if (this.storage && this.config) await this.storage.prune(this.jobName, this.config.retained, p.id).catch((e) => this.hooks.log(`pruning old checkpoints failed: ${(e as Error).message}`));
    }
    // Only periodic checkpoints commit here; the caller commits a stop-with-savepoint and the final
    // checkpoint (it then ends the job); a plain savepoint commits nothing.
    if (!p.savepoint && !p.final) this.hooks.notifyComplete(p.id, p.states, location);
    p.resolve?.(location);
  }
}
