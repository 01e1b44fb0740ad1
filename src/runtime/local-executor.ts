/**
 * The JobManager of local mode, in the client's main thread: builds the job graph, starts one worker
 * thread per slot (connected pairwise by MessagePorts), runs the source split enumerators and the
 * checkpoint coordinator, restarts the job from its latest completed checkpoint when a task fails
 * (per the restart strategy), and finishes or fails the job. No worker outlives the job: on success,
 * failure or cancellation every worker has exited before `execute()` settles.
 */
import { Worker, MessageChannel, type MessagePort } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EddyError, ConfigurationError, JobCancelledError, errorFromRecord, faultPoint } from '../core/index.ts';
import {
  getLaunchContext,
  RestartStrategies,
  type JobExecutionResult,
  type JobExecutor,
  type JobPlan,
  type SplitEnumerator,
  type OperatorResult,
  type SinkCoordinatorListener,
} from '../api/index.ts';
import { buildJobGraph, buildStreamGraph, type JobGraph } from '../graph/index.ts';
import {
  CheckpointCoordinator,
  createCheckpointStorage,
  FsCheckpointStorage,
  type CheckpointStorage,
  readCheckpointDir,
  resolveCheckpointConfig,
  type CompletedCheckpoint,
} from '../checkpoint/index.ts';
import type { MainToWorker, WorkerData, WorkerToMain } from './protocol.ts';
import type { TaskStats } from './slot.ts';
import { RestartTracker } from './restart-strategy.ts';
import { assignRestore, checkCompatible } from './restore-assignment.ts';
import { claimStateDir, releaseStateDir } from './state-dir-owner.ts';
import { JobMetrics } from './job-metrics.ts';
import { Ring, WakeFlags, ringCapacity } from './ring.ts';
import { CheckpointHistory } from './checkpoint-history.ts';
import { workerBundle, type WorkerBundle } from './worker-bundle.ts';
import type { LogLevel } from './protocol.ts';

export interface JobProgress {
  jobName: string;
  jobId: string;
  elapsedMs: number;
  attempt: number;
  operators: OperatorResult[];
  finished: boolean;
  checkpoints: { completed: number; failed: number; lastDurationMs: number };
}

/** How a launch asks to start: fresh, from the latest checkpoint, or from a savepoint. */
export interface StartOptions {
  checkpointDir?: string;
  resume?: boolean;
  fromSavepoint?: string;
  allowNonRestoredState?: boolean;
  log?: (line: string) => void;
  /** Structured log records (the CLI's logger): level, message and fields (job, slot, operator, subtask). */
  logRecord?: (level: LogLevel, msg: string, fields: Record<string, unknown>) => void;
  /** The level of the job's log (default info): user loggers drop records below it in the worker. */
  logLevel?: LogLevel | 'silent';
}

/** Flink's job states (those eddy's jobs go through). */
export type JobStatus = 'INITIALIZING' | 'RUNNING' | 'RESTARTING' | 'FINISHED' | 'FAILED' | 'CANCELED';

/** A failure of the job (a restart or its end), for `/jobs/:jobid/exceptions`. */
export interface JobException {
  timestamp: number;
  name: string;
  message: string;
  stack: string;
}

/** A vertex id as Flink has them: 32 hex digits, derived from the head operator's id (stable across runs). */
export function vertexIdOf(operatorId: string): string {
  return createHash('md5').update(`eddy-vertex:${operatorId}`).digest('hex');
}

/** How long after terminate() a worker that has not exited is reported as stuck. */
const STUCK_WORKER_MS = 10_000;
const WORKER_URL = new URL('./worker-entry.mjs', import.meta.url);
/** Running from the compiled package (dist/*.js) rather than the TypeScript sources. */
const COMPILED = import.meta.url.endsWith('.js');

let liveWorkers = 0;
/** Worker threads started by jobs in this process that have not exited yet. */
export function liveWorkerCount(): number {
  return liveWorkers;
}

/** Handle on a running job (cancel it, read its progress, take a savepoint). */
export class JobClient {
  /** 32 hex digits, as Flink's JobID (a savepoint's directory name starts with the first 6). */
  readonly jobId = randomBytes(16).toString('hex');
  readonly startedAt = Date.now();
  /** The job's state, and when it entered each (Flink's `timestamps`). */
  status: JobStatus = 'INITIALIZING';
  readonly timestamps: Partial<Record<JobStatus, number>> = { INITIALIZING: this.startedAt };
  /** When the job ended (0 while it runs). */
  endedAt = 0;
  /** Failures (restarts and the final one), oldest first. */
  readonly exceptions: JobException[] = [];
  /** Task and operator metrics from the slots' reports: what REST, UI and Prometheus read. */
  readonly metrics: JobMetrics;
  /** Checkpoint and savepoint statistics. */
  readonly checkpointHistory = new CheckpointHistory();
  /** The job parameters it was launched with. */
  readonly params: Record<string, unknown> = { ...((getLaunchContext().params as Record<string, unknown> | undefined) ?? {}) };
  private readonly requests = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextRequest = 1;
  /** When the current attempt started running (after module loading and deployment). */
  runningSince = 0;
  /** When every sink committed its final data (before the workers are shut down). */
  private finishedAt = 0;
  attempt = 0;
  private workers: Worker[] = [];
  private exited: Promise<void>[] = [];
  /** Slots of the current attempt that have restored and opened their tasks. */
  private readonly startedSlots = new Set<number>();
  /** Slots of the current attempt whose worker thread has exited. */
  private readonly exitedSlots = new Set<number>();
  private settled = false;
  private stopping = false;
  private stats = new Map<number, TaskStats[]>();
  private finishedSlots = new Set<number>();
  private committedSlots = new Set<number>();
  private enumerators = new Map<number, SplitEnumerator<unknown, unknown>>();
  private resolve!: (r: JobExecutionResult) => void;
  private reject!: (e: Error) => void;
  readonly result: Promise<JobExecutionResult>;
  private readonly listeners = new Map<string, SinkCoordinatorListener>();
  private readonly restart: RestartTracker;
  private coordinator: CheckpointCoordinator | undefined;
  private readonly storage: CheckpointStorage | undefined;
  private initialRestore: CompletedCheckpoint | undefined;
  /** Workers load this bundle instead of the sources through tsx (see worker-bundle.ts). */
  private bundle: WorkerBundle | undefined;
  /** Ids of new checkpoints start here: above every checkpoint the job's storage already holds. */
  private firstCheckpointId = 1;
  /** A resume found the job's final checkpoint: the last run had finished; nothing runs again. */
  private resumedFinished = false;
  /** A stop-with-savepoint waiting for every slot to commit what the savepoint covers. */
  private stopCommit: { checkpointId: number; slots: Set<number>; done: () => void; failed: (e: Error) => void } | undefined;
  /** Restart history: when each failure happened and when output resumed. */
  readonly recoveries: { failedAt: number; runningAt: number; cause: string }[] = [];
  private readonly log: (line: string) => void;

  constructor(
    readonly plan: JobPlan,
    readonly graph: JobGraph,
    private readonly moduleUrl: string,
    private readonly targetExecution: number,
    private readonly opts: StartOptions = {},
  ) {
    this.result = new Promise((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    this.result.catch(() => undefined);
    this.metrics = new JobMetrics(graph);
    const rec = opts.logRecord;
    this.log = opts.log ?? (rec ? (l) => rec('info', l, this.logFields()) : (l) => process.stderr.write(`[eddy] ${l}\n`));
    for (const v of graph.vertices)
      for (const n of v.nodes) {
        const l = n.sink?.createCoordinatorListener?.();
        if (l) this.listeners.set(n.operatorId, l);
      }
    const cp = plan.checkpointing;
    this.restart = new RestartTracker(plan.restartStrategy ?? (cp ? RestartStrategies.fixedDelay(Infinity, 1000) : RestartStrategies.noRestart()), () => Date.now());
    const storageOpt = (cp?.options.storage as string | undefined) ?? opts.checkpointDir ?? '.eddy/checkpoints';
    if (cp || opts.resume) this.storage = createCheckpointStorage(storageOpt);
    if (cp && plan.config.incrementalCheckpoints !== false) {
      if (plan.config.stateBackend !== 'lmdb') this.log(`incremental checkpoints apply to the lmdb state backend only; the ${plan.config.stateBackend} backend takes full snapshots`);
      else if (this.storage instanceof FsCheckpointStorage) this.sharedStateDir = this.storage.sharedDir(plan.jobName);
      else this.log(`incremental checkpoints need a directory checkpoint storage; ${this.storage?.describe(plan.jobName)} gets full canonical snapshots`);
    }
  }

  /** Incremental lmdb checkpoints: the job's shared directory, given to every worker. */
  private sharedStateDir: string | undefined;

  /** Loads what to restore from, then starts the first attempt. */
  async start(): Promise<void> {
    try {
      await claimStateDir(this.plan.config.stateDir, this.jobId, this.log);
      if (this.opts.fromSavepoint) {
        this.initialRestore = await readCheckpointDir(this.opts.fromSavepoint).catch((e: Error) => {
          throw new ConfigurationError(`cannot restore from savepoint '${this.opts.fromSavepoint}': ${e.message}`, e);
        });
        checkCompatible(this.initialRestore, this.graph, this.opts.allowNonRestoredState === true);
        this.noteRestore(this.initialRestore);
        this.log(`restoring from ${this.initialRestore.metadata.kind} ${this.initialRestore.location} (checkpoint ${this.initialRestore.metadata.checkpointId})`);
      } else if (this.opts.resume && this.storage) {
        this.initialRestore = await this.storage.loadLatest(this.plan.jobName, this.log);
        if (this.sharedStateDir) await this.storage.removeUnreferencedShared?.(this.plan.jobName);
        if (this.initialRestore?.metadata.jobFinished) {
          // Restoring it commits the sinks' last committables again (a no-op unless the crash came
          // between writing it and committing them); every task comes back finished, so nothing is read.
          this.resumedFinished = true;
          checkCompatible(this.initialRestore, this.graph, this.opts.allowNonRestoredState === true);
          this.log(
            `job '${this.plan.jobName}' finished in its last run (final checkpoint ${this.initialRestore.metadata.checkpointId}, ${this.initialRestore.location}): ` +
              `nothing to resume; its output is committed. Run it without --resume to process the input again`,
          );
        } else if (this.initialRestore) {
          checkCompatible(this.initialRestore, this.graph, this.opts.allowNonRestoredState === true);
          this.noteRestore(this.initialRestore);
          this.log(`resuming job '${this.plan.jobName}' from checkpoint ${this.initialRestore.metadata.checkpointId} (${this.initialRestore.location})`);
        } else this.log(`no checkpoint of job '${this.plan.jobName}' under ${this.storage.describe(this.plan.jobName)}: starting fresh`);
      }
      if (this.storage && this.plan.checkpointing) {
        const highest = await this.storage.highestId(this.plan.jobName);
        this.firstCheckpointId = highest + 1;
        if (!this.opts.resume && highest > 0)
          this.log(
            `job '${this.plan.jobName}' has checkpoints up to ${highest} under ${this.storage.describe(this.plan.jobName)} from an earlier run: starting fresh ` +
              `(--resume would continue from them); new checkpoints are numbered from ${highest + 1}`,
          );
      }
    } catch (e) {
      this.settled = true;
      this.reject(e as Error);
      return;
    }
    if (!COMPILED) this.bundle = await workerBundle(this.moduleUrl);
    if (this.settled) return; // cancelled while it was loading: no worker starts
    this.launch(this.initialRestore);
  }

  private launch(restore: CompletedCheckpoint | undefined): void {
    const slots = this.graph.slots;
    const ports: Record<number, MessagePort>[] = Array.from({ length: slots }, () => ({}));
    for (let a = 0; a < slots; a++)
      for (let b = a + 1; b < slots; b++) {
        const ch = new MessageChannel();
        ports[a]![b] = ch.port1;
        ports[b]![a] = ch.port2;
      }
    // one shared-memory ring per channel between two slots, given to both ends
    const rings: Record<number, SharedArrayBuffer>[] = Array.from({ length: slots }, () => ({}));
    const ringBytes = ringCapacity(this.plan.config.buffersPerChannel);
    for (const v of this.graph.vertices)
      for (const e of v.outputs)
        for (const ch of e.channels)
          if (ch.from !== ch.to) rings[ch.from]![ch.id] = rings[ch.to]![ch.id] = Ring.allocate(ringBytes);
    const wakeFlags = WakeFlags.allocate(slots);
    // a bundle removed since (rebuilt by another run after the sources changed): load the sources
    if (this.bundle && !existsSync(fileURLToPath(this.bundle.job))) this.bundle = undefined;
    const ready = new Set<number>();
    const attempt = this.attempt;
    this.workers = [];
    this.exited = [];
    this.exitedSlots.clear();
    this.startedSlots.clear();
    this.stats.clear();
    this.metrics.reset();
    this.finishedSlots.clear();
    this.committedSlots.clear();
    for (let s = 0; s < slots; s++) {
      const data: WorkerData = {
        slot: s,
        slots,
        moduleUrl: this.moduleUrl,
        overrides: getLaunchContext().overrides,
        params: (getLaunchContext().params as Record<string, unknown>) ?? {},
        targetExecution: this.targetExecution,
        attempt,
        jobId: this.jobId,
        ports: ports[s]!,
        rings: rings[s]!,
        wakeFlags,
        compiled: COMPILED,
        bundle: this.bundle,
        sharedStateDir: this.sharedStateDir,
        logLevel: this.opts.logLevel ?? 'info',
      };
      const w = new Worker(WORKER_URL, {
        workerData: data,
        transferList: Object.values(ports[s]!) as never[],
        stdout: false,
        stderr: false,
        resourceLimits: workerHeapLimit(),
      });
      this.workers.push(w);
      liveWorkers++;
      this.exited.push(new Promise((r) => w.once('exit', () => r())));
      w.once('exit', () => attempt === this.attempt && this.exitedSlots.add(s));
      w.on('message', (m: WorkerToMain) => {
        if (attempt !== this.attempt || this.stopping) return;
        try {
          this.onMessage(s, m, ready, restore);
        } catch (e) {
          this.onFailure(e instanceof Error ? e : new Error(String(e)));
        }
      });
      // An uncaught error is reported at the worker's exit: Node delivers the messages the worker posted
      // before it stopped first, so a failure it reported itself (a task's error, user code calling
      // process.exit) wins over what went wrong while it shut down.
      let crash: Error | undefined;
      w.on('error', (e) => {
        crash ??= e;
      });
      w.on('exit', (code) => {
        liveWorkers--;
        if (attempt === this.attempt && !this.settled && !this.stopping)
          this.onFailure(
            crash
              ? new EddyError(`worker for slot ${s} crashed: ${crash.message}`, { domain: 'internal', retriable: true, cause: crash })
              : new EddyError(`worker for slot ${s} exited unexpectedly (exit code ${code})`, { domain: 'internal', retriable: true }),
          );
      });
    }
  }

  private onMessage(slot: number, m: WorkerToMain, ready: Set<number>, restore: CompletedCheckpoint | undefined): void {
    if (this.settled) return;
    switch (m.t) {
      case 'ready':
        if (m.fingerprint !== this.graph.fingerprint) {
          this.fail(
            new ConfigurationError(
              `the job graph built in worker ${slot} differs from the client's: the job module must build the same graph every time it is evaluated ` +
                `(no randomness, time or environment-dependent branches before execute())`,
            ),
          );
          return;
        }
        ready.add(slot);
        if (ready.size === this.graph.slots) this.startAttempt(restore);
        break;
      case 'started':
        this.startedSlots.add(slot);
        if (this.startedSlots.size === this.graph.slots) this.coordinator?.start();
        break;
      case 'reader-registered':
        this.enumerators.get(m.vertex)!.addReader(m.subtask);
        break;
      case 'split-request':
        this.enumerators.get(m.vertex)!.handleSplitRequest(m.subtask);
        break;
      case 'coordinator':
        this.listeners.get(m.operatorId)?.message(m.subtask, m.message);
        break;
      case 'metrics':
        this.stats.set(slot, m.stats);
        this.metrics.onReport(m.stats);
        break;
      case 'reply': {
        const r = this.requests.get(m.requestId);
        this.requests.delete(m.requestId);
        if (r && m.ok) r.resolve(m.value);
        else if (r && !m.ok) r.reject(Object.assign(new EddyError(m.message, { domain: 'user' }), { status: m.status }));
        break;
      }
      case 'finished':
        this.stats.set(slot, m.stats);
        this.metrics.onReport(m.stats);
        this.finishedSlots.add(slot);
        if (this.finishedSlots.size === this.graph.slots) this.allFinished();
        break;
      case 'stop-committed': {
        const sc = this.stopCommit;
        if (sc && sc.checkpointId === m.checkpointId) {
          sc.slots.add(slot);
          if (sc.slots.size === this.graph.slots) sc.done();
        }
        break;
      }
      case 'log':
        if (this.opts.logRecord && !this.opts.log)
          this.opts.logRecord(m.level ?? 'warn', m.message, { ...m.fields, ...this.logFields(), slot, operator: m.operator, operator_id: m.operatorId, subtask: m.subtask });
        else this.log(`slot ${slot}${m.operator === undefined ? '' : ` ${m.operator} (${(m.subtask ?? 0) + 1})`}: ${m.level && m.level !== 'warn' ? `[${m.level}] ` : ''}${m.message}${m.fields ? ` ${JSON.stringify(m.fields)}` : ''}`);
        break;
      case 'committed':
        this.committedSlots.add(slot);
        if (this.committedSlots.size === this.graph.slots) {
          faultPoint('job:final-committed');
          this.finishedAt = Date.now();
          void this.succeed({ status: 'finished', ...(this.resumedFinished ? { alreadyFinished: true } : {}) });
        }
        break;
      case 'ack':
        this.checkpointHistory.ack(m.checkpointId, Number(m.task.split('/')[0]), m.states, Date.now());
        this.coordinator?.acknowledge(m.checkpointId, m.task, m.states);
        break;
      case 'failed':
        this.onFailure(errorFromRecord(m.error));
        break;
    }
  }

  /**
   * Every task finished. With checkpointing, the job's final checkpoint is written first (it holds the
   * sinks' last committables), then the sinks commit: a crash in between or after leaves a checkpoint
   * that a resume recognises as finished, and commits again idempotently instead of replaying the tail.
   */
  private allFinished(): void {
    const c = this.coordinator;
    const commit = (): void => {
      c?.stop(true);
      for (let s = 0; s < this.graph.slots; s++) this.post(s, { t: 'final-commit' });
    };
    if (!c?.config || !this.storage) {
      commit();
      return;
    }
    const attempt = this.attempt;
    c.triggerFinal().then(
      (id) => {
        if (attempt !== this.attempt || this.settled || this.stopping) return;
        faultPoint('job:final-checkpoint-written');
        // A restart from here on restores the final checkpoint, which re-sends nothing: its data is final.
        const states = c.latest?.metadata.checkpointId === id ? c.latest.states : undefined;
        this.checkpointHistory.complete(id, Date.now(), c.latest?.metadata.checkpointId === id ? c.latest.location : undefined);
        for (const [op, l] of this.listeners) l.checkpointComplete?.(id, states ? finishedSubtasks(states, op) : []);
        commit();
      },
      (e: Error) => {
        if (attempt !== this.attempt || this.settled || this.stopping) return; // the attempt failed meanwhile
        // The output must not wait on a checkpoint that cannot be written (a full disk, say): commit without
        // it, as without checkpointing. Only a crash before the job ends could then replay the tail on --resume.
        this.log(
          `the job's final checkpoint could not be written (${e.message}); committing its last output without it ` +
            `(a crash before the job ends would make --resume replay the input since checkpoint ${c.latest?.metadata.checkpointId ?? 0})`,
        );
        commit();
      },
    );
  }

  private post(slot: number, m: MainToWorker): void {
    this.workers[slot]!.postMessage(m);
  }

  private startAttempt(restore: CompletedCheckpoint | undefined): void {
    const assignment = restore ? assignRestore(restore, this.graph) : undefined;
    this.enumerators.clear();
    for (const v of this.graph.vertices) {
      if (v.head.kind !== 'source') continue;
      const vi = v.index;
      const registered = new Set<number>();
      const r = assignment?.sources.get(vi);
      const en = v.head.source!.createEnumerator(
        {
          parallelism: v.parallelism,
          registeredReaders: () => [...registered],
          assignSplit: (split, subtask) => this.post(subtask, { t: 'splits', vertex: vi, subtask, splits: [split] }),
          signalNoMoreSplits: (subtask) => this.post(subtask, { t: 'no-more-splits', vertex: vi, subtask }),
        },
        r ? (r.enumState ?? []) : undefined,
      );
      if (r) for (const s of r.splits) if (s.splits.length) en.addSplitsBack(s.splits, s.subtask);
      this.enumerators.set(vi, en);
      en.start();
    }
    this.coordinator = this.makeCoordinator(restore);
    this.runningSince = Date.now();
    this.setStatus('RUNNING');
    const last = this.recoveries[this.recoveries.length - 1];
    if (last && last.runningAt === 0) last.runningAt = this.runningSince;
    for (let s = 0; s < this.graph.slots; s++) this.post(s, { t: 'start', restored: assignment?.perSlot[s] });
    // Periodic checkpoints start once every slot has restored and opened its tasks (as Flink triggers only
    // when all tasks are running): a barrier would otherwise wait for a long restore and count it as its duration.
    this.markRunning();
  }

  private makeCoordinator(restore: CompletedCheckpoint | undefined): CheckpointCoordinator {
    const cp = this.plan.checkpointing;
    const config = cp ? resolveCheckpointConfig(cp.intervalMs, cp.options) : undefined;
    const sourceVertices = this.graph.vertices.filter((v) => v.head.kind === 'source');
    const previous = this.coordinator;
    const c = new CheckpointCoordinator(config, this.storage, this.plan.jobName, {
      now: () => Date.now(),
      after: (ms, fn) => {
        const t = setTimeout(fn, ms);
        t.unref?.();
        return () => clearTimeout(t);
      },
      // Every task acknowledges, finished ones too (as finished: Flink's checkpoints after tasks finished).
      expectedAcks: () => {
        const keys: string[] = [];
        for (const v of this.graph.vertices) for (let s = 0; s < v.parallelism; s++) keys.push(`${v.index}/${s}`);
        for (const v of sourceVertices) keys.push(`enum/${v.index}`);
        return keys;
      },
      triggerSources: (id, savepoint, start) => {
        this.checkpointHistory.trigger(id, savepoint, start.unaligned === true, this.graph.vertices.reduce((n, v) => n + v.parallelism, 0) + sourceVertices.length, Date.now());
        for (const v of sourceVertices) {
          const en = this.enumerators.get(v.index)!;
          this.checkpointHistory.ack(id, v.index, [], Date.now());
          this.coordinator!.acknowledge(id, `enum/${v.index}`, [{ operatorId: v.head.operatorId, subtask: -1, custom: en.snapshotState(id) }]);
        }
        // Every slot hears of it: its running sources inject the barrier, its finished tasks acknowledge at once.
        for (let s = 0; s < this.graph.slots; s++) this.post(s, { t: 'checkpoint', checkpointId: id, savepoint, ...start });
      },
      notifyComplete: (id, states, location) => {
        // (the coordinator's latest may already be a newer checkpoint: location comes with the notification)
        this.checkpointHistory.complete(id, Date.now(), location);
        for (const [op, l] of this.listeners) l.checkpointComplete?.(id, finishedSubtasks(states, op));
        for (let s = 0; s < this.graph.slots; s++) this.post(s, { t: 'checkpoint-complete', checkpointId: id });
      },
      notifyAborted: (id) => {
        this.checkpointHistory.fail(id, Date.now(), 'aborted (timed out, or a subtask failed or could not write its state)');
        for (let s = 0; s < this.graph.slots; s++) this.post(s, { t: 'checkpoint-aborted', checkpointId: id });
      },
      operators: () =>
        this.graph.vertices.flatMap((v) =>
          v.nodes.map((n) => ({ operatorId: n.operatorId, name: n.name, uid: n.uid !== undefined, parallelism: v.parallelism, maxParallelism: v.maxParallelism })),
        ),
      log: this.log,
      failJob: (e) => this.onFailure(e),
    }, restore ?? previous?.latest, { firstId: Math.max(this.firstCheckpointId, previous?.nextCheckpointId ?? 1), jobId: this.jobId });
    if (previous) Object.assign(c.stats, { ...previous.stats, inProgress: 0 });
    return c;
  }

  private markRunning!: () => void;
  private readonly running = new Promise<void>((r) => (this.markRunning = r));

  /**
   * Takes a savepoint of the running job (waiting until it runs) into a new directory
   * `savepoint-<job id prefix>-<random>` under `target`; resolves to that directory. Nothing already in
   * `target` is touched. A savepoint commits no output (the next checkpoint does).
   */
  async triggerSavepoint(target: string): Promise<string> {
    return (await this.savepoint(target, false)).location;
  }

  /** Fields every log record of this job carries. */
  logFields(): Record<string, unknown> {
    return { job_id: this.jobId, job_name: this.plan.jobName };
  }

  private setStatus(s: JobStatus): void {
    this.status = s;
    this.timestamps[s] = Date.now();
    if (s === 'FINISHED' || s === 'FAILED' || s === 'CANCELED') this.endedAt = this.timestamps[s]!;
  }

  private noteRestore(cp: CompletedCheckpoint): void {
    this.checkpointHistory.noteRestored({ id: cp.metadata.checkpointId, at: Date.now(), savepoint: cp.metadata.kind === 'savepoint', location: cp.location });
  }

  private noteException(e: Error): void {
    // The user's own frames are in the cause the task boundary wrapped: shown as Flink does ("Caused by:").
    let stack = e.stack ?? `${e.name}: ${e.message}`;
    for (let c = e.cause, depth = 0; c instanceof Error && depth < 5; c = c.cause, depth++) stack += `\nCaused by: ${c.stack ?? `${c.name}: ${c.message}`}`;
    this.exceptions.push({ timestamp: Date.now(), name: e.name || 'Error', message: e.message, stack });
    if (this.exceptions.length > 100) this.exceptions.shift();
  }

  /** The 32-hex vertex id of a vertex of this job. */
  vertexId(vertexIndex: number): string {
    return vertexIdOf(this.graph.vertices[vertexIndex]!.id);
  }

  /**
   * Asks the slot running subtask `slot` a question (state browser, CPU profile) and waits for its answer.
   * Rejects with an error carrying `status` (HTTP) when the job does not run or the worker says no.
   */
  request(slot: number, m: { t: 'query-state'; operatorId: string; state?: string; key?: unknown; namespace?: string | number } | { t: 'profile'; ms: number }, timeoutMs = 10_000): Promise<unknown> {
    const w = this.workers[slot];
    if (this.settled || this.status !== 'RUNNING' || w === undefined || !this.startedSlots.has(slot))
      return Promise.reject(Object.assign(new EddyError(`the job is not running (${this.status.toLowerCase()})`, { domain: 'user' }), { status: 409 }));
    const requestId = this.nextRequest++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.requests.delete(requestId);
        reject(Object.assign(new EddyError(`slot ${slot} did not answer within ${timeoutMs} ms`), { status: 504 }));
      }, timeoutMs);
      timer.unref?.();
      this.requests.set(requestId, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      w.postMessage({ ...m, requestId } as MainToWorker);
    });
  }

  private async savepoint(target: string, stop: boolean): Promise<{ location: string; checkpointId: number }> {
    await Promise.race([this.running, this.result.then(() => undefined, () => undefined)]);
    if (!this.coordinator || this.settled) throw new EddyError('cannot take a savepoint: the job is not running', { domain: 'user' });
    const r = await this.coordinator.triggerSavepoint(target, { stop });
    const h = this.checkpointHistory.latest((x) => x.savepoint && x.status === 'COMPLETED' && x.location === undefined);
    if (h) h.location = r.location;
    return r;
  }

  /**
   * Takes a savepoint (as {@link triggerSavepoint}), commits the output it covers, then stops the job;
   * `execute()` resolves with `status: 'stopped'` and the savepoint's directory. With checkpointing, the
   * savepoint is also written to the job's checkpoint storage, so `--resume` continues from it as
   * `--from-savepoint` does.
   */
  async stopWithSavepoint(target: string): Promise<string> {
    const { location, checkpointId } = await this.savepoint(target, true);
    faultPoint('job:stop-savepoint-written');
    if (this.settled) return location;
    await new Promise<void>((resolve, reject) => {
      // A failure meanwhile (onFailure) restarts the job from this savepoint's checkpoint copy, which commits it.
      this.stopCommit = { checkpointId, slots: new Set(), done: resolve, failed: reject };
      const stopped = this.coordinator?.latest?.metadata.checkpointId === checkpointId ? this.coordinator.latest.states : undefined;
      for (const [op, l] of this.listeners) l.checkpointComplete?.(checkpointId, stopped ? finishedSubtasks(stopped, op) : []);
      for (let s = 0; s < this.graph.slots; s++) this.post(s, { t: 'stop-commit', checkpointId });
      void this.result.then(
        () => reject(new EddyError('the job ended before the stop-with-savepoint committed')),
        (e: Error) => reject(e),
      );
    }).finally(() => (this.stopCommit = undefined));
    await this.succeed({ status: 'stopped', savepoint: location });
    return location;
  }

  /** Per-operator totals over all subtasks, from the latest reports. */
  operatorResults(): OperatorResult[] {
    const byId = new Map<string, OperatorResult>();
    for (const v of this.graph.vertices)
      for (const n of v.nodes) byId.set(n.operatorId, { id: n.operatorId, name: n.name, parallelism: n.parallelism, recordsIn: 0, recordsOut: 0 });
    for (const list of this.stats.values())
      for (const t of list)
        for (const o of t.operators) {
          const r = byId.get(o.id);
          if (r) {
            r.recordsIn += o.recordsIn;
            r.recordsOut += o.recordsOut;
          }
        }
    return [...byId.values()];
  }

  progress(): JobProgress {
    const cs = this.coordinator?.stats;
    return {
      jobName: this.plan.jobName,
      jobId: this.jobId,
      elapsedMs: Date.now() - this.startedAt,
      attempt: this.attempt,
      operators: this.operatorResults(),
      finished: this.settled,
      checkpoints: { completed: cs?.completed ?? 0, failed: cs?.failed ?? 0, lastDurationMs: cs?.lastDurationMs ?? 0 },
    };
  }

  /** Stops the current attempt: coordinator, enumerators, workers. */
  private async stopAttempt(): Promise<void> {
    this.stopping = true;
    this.coordinator?.stop();
    for (const en of this.enumerators.values()) {
      try {
        en.close();
      } catch {
        /* closing enumerators must not mask the job's outcome */
      }
    }
    // Ask workers to stop between slices first (they close their state backends cleanly); terminating a
    // thread in the middle of a native lmdb write transaction can leave it unable to stop.
    for (const w of this.workers) {
      try {
        w.postMessage({ t: 'cancel' } satisfies MainToWorker);
      } catch {
        /* already gone */
      }
    }
    const graceful = await Promise.race([Promise.all(this.exited).then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 2000).unref())]);
    if (!graceful) {
      // A thread stuck in native code cannot be stopped (nor can the process exit while it exists): say so
      // rather than wait silently. User code's process.exit() no longer gets here (see worker.ts).
      const stuck = setTimeout(() => {
        const slots = this.workers.map((_, s) => s).filter((s) => !this.exitedSlots.has(s));
        this.log(`the worker thread(s) of slot(s) ${slots.join(', ')} did not stop within ${STUCK_WORKER_MS / 1000} s of being terminated (stuck in native code?); still waiting`);
      }, STUCK_WORKER_MS);
      stuck.unref();
      await Promise.all(this.workers.map((w) => w.terminate().catch(() => 0)));
      clearTimeout(stuck);
    }
    await Promise.all(this.exited);
    // Working state of the stopped attempt (lmdb environments) is not needed: restores come from checkpoints.
    await removeAttemptDirs(this.plan.config.stateDir, this.jobId, this.attempt, this.graph.slots);
    this.stopping = false;
  }

  private onFailure(e: Error): void {
    if (this.settled || this.stopping) return;
    const delay = this.restart.onFailure(e);
    if (delay === undefined) {
      this.fail(e);
      return;
    }
    const failedAt = Date.now();
    this.stopCommit?.failed(new EddyError(`the job failed while stopping with a savepoint (${e.message}); it restarts from that savepoint's checkpoint`));
    this.noteException(e);
    this.setStatus('RESTARTING');
    this.checkpointHistory.failPending(failedAt, `the job failed: ${e.message}`);
    const failedAttempt = this.attempt;
    const lateBefore = this.coordinator?.lateCompletedId ?? 0;
    this.recoveries.push({ failedAt, runningAt: 0, cause: e.message });
    void this.stopAttempt().then(async () => {
      if (this.settled) return;
      // A checkpoint acknowledged by every task before the failure may still be being written: once written
      // it is complete (a crash now would resume from it), so the restart restores it too, never an older one
      // whose replay would repeat what it committed.
      await this.coordinator?.settled();
      if (this.settled) return;
      const latestId = this.coordinator?.latest?.metadata.checkpointId ?? 0;
      const lateCp = this.coordinator?.latest;
      if (lateCp && this.coordinator!.lateCompletedId > lateBefore)
        for (const [op, l] of this.listeners) l.checkpointComplete?.(this.coordinator!.lateCompletedId, finishedSubtasks(lateCp.states, op));
      const restore = this.coordinator?.latest ?? this.initialRestore;
      const from = restore ? `${restore.metadata.kind} ${restore.metadata.checkpointId}` : 'the beginning';
      const lateNote = latestId > 0 && latestId === this.coordinator?.lateCompletedId ? ' (its write completed after the failure)' : '';
      this.log(`job '${this.plan.jobName}' failed (attempt ${failedAttempt}): ${e.message}; restarting in ${delay} ms from ${from}${lateNote}`);
      // Shared files written for checkpoints that never completed belong to no checkpoint: drop them.
      if (this.sharedStateDir) await this.storage?.removeUnreferencedShared?.(this.plan.jobName).catch((e: Error) => this.log(`cleaning shared checkpoint files failed: ${e.message}`));
      if (this.settled) return;
      for (const l of this.listeners.values()) l.reset?.();
      if (restore) this.noteRestore(restore);
      this.attempt++;
      const t = setTimeout(() => {
        if (!this.settled) this.launch(restore);
      }, delay);
      void t;
    });
  }

  private async succeed(extra: Record<string, unknown> = { status: 'finished' }): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    await this.stopAttempt();
    this.setStatus('FINISHED');
    this.checkpointHistory.failPending(Date.now(), 'the job ended before it completed');
    await this.sweepShared();
    await releaseStateDir(this.plan.config.stateDir, this.jobId).catch(() => undefined);
    if (extra.status === 'finished') for (const l of this.listeners.values()) l.checkpointComplete?.(Infinity);
    const collected = this.graph.vertices.flatMap((v) => v.nodes).find((n) => n.sink && typeof (n.sink as { results?: unknown }).results === 'function');
    const cs = this.coordinator?.stats;
    const result: JobExecutionResult = {
      jobName: this.plan.jobName,
      jobId: this.jobId,
      durationMs: Date.now() - this.startedAt,
      runningMs: (this.finishedAt || Date.now()) - this.runningSince,
      startupMs: this.runningSince - this.startedAt,
      restarts: this.restart.restarts,
      recoveries: this.recoveries,
      checkpoints: cs && this.plan.checkpointing ? { completed: cs.completed, failed: cs.failed, durationsMs: cs.durationsMs } : undefined,
      operators: this.operatorResults(),
      ...extra,
    };
    if (collected) result.collected = (collected.sink as unknown as { results(): unknown[] }).results();
    this.resolve(result);
  }

  fail(e: Error): void {
    if (this.settled) return;
    this.settled = true;
    if (e instanceof JobCancelledError) this.setStatus('CANCELED');
    else {
      this.noteException(e);
      this.setStatus('FAILED');
    }
    this.checkpointHistory.failPending(Date.now(), e instanceof JobCancelledError ? 'the job was cancelled' : `the job failed: ${e.message}`);
    for (const r of this.requests.values()) r.reject(Object.assign(new EddyError('the job ended'), { status: 409 }));
    this.requests.clear();
    void this.stopAttempt()
      .then(() => this.sweepShared())
      .then(() => releaseStateDir(this.plan.config.stateDir, this.jobId).catch(() => undefined))
      .then(() => this.reject(e));
  }

  /**
   * After the last attempt: shared files of incremental checkpoints that no retained checkpoint references
   * (written for checkpoints that never completed, or a base copy still in flight at the end) are removed.
   */
  private async sweepShared(): Promise<void> {
    await this.coordinator?.settled();
    if (!this.sharedStateDir) return;
    await this.storage?.removeUnreferencedShared?.(this.plan.jobName).catch((e: Error) => this.log(`cleaning shared checkpoint files failed: ${e.message}`));
  }

  cancel(): void {
    this.fail(new JobCancelledError());
  }
}

/** Subtasks of operator `op` that had finished when a checkpoint with these states was taken. */
function finishedSubtasks(states: ReadonlyMap<string, { subtask: number; finished?: true }[]>, op: string): number[] {
  return (states.get(op) ?? []).filter((s) => s.finished === true && s.subtask >= 0).map((s) => s.subtask);
}

async function removeAttemptDirs(stateDir: string, jobId: string, attempt: number, slots: number): Promise<void> {
  for (let s = 0; s < slots; s++) await rm(join(stateDir, `${jobId}-a${attempt}-slot-${s}`), { recursive: true, force: true }).catch(() => undefined);
}

/** Workers get the heap limit the process was given (`--max-old-space-size`), as each thread has its own heap. */
function workerHeapLimit(): { maxOldGenerationSizeMb: number } | undefined {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  for (const f of flags) {
    const m = /^--max-old-space-size=(\d+)$/.exec(f);
    if (m) return { maxOldGenerationSizeMb: Number(m[1]) };
  }
  return undefined;
}

const running = new Set<JobClient>();

/** Jobs currently running in this process (the CLI cancels them on Ctrl-C). */
export function runningJobs(): JobClient[] {
  return [...running];
}

export type ProgressListener = (client: JobClient) => void;

export class LocalExecutor implements JobExecutor {
  async execute(plan: JobPlan): Promise<JobExecutionResult> {
    const launch = getLaunchContext();
    const index = launch.executions++;
    const graph = buildJobGraph(buildStreamGraph(plan.transformations, plan.config));
    if (plan.checkpointing) resolveCheckpointConfig(plan.checkpointing.intervalMs, plan.checkpointing.options); // validate before anything runs
    const moduleUrl = launch.moduleUrl ?? (process.argv[1] ? pathToFileURL(process.argv[1]).href : undefined);
    if (!moduleUrl) throw new ConfigurationError('cannot tell which module holds the job: run it with `eddy run <job>` or runJob(url)');
    const start: StartOptions = { ...((launch.start as StartOptions | undefined) ?? {}) };
    if (plan.execute?.fromSavepoint) start.fromSavepoint = plan.execute.fromSavepoint;
    if (plan.execute?.allowNonRestoredState) start.allowNonRestoredState = true;
    const client = new JobClient(plan, graph, moduleUrl, index, start);
    running.add(client);
    (launch.onJobStart as ProgressListener | undefined)?.(client);
    await client.start();
    try {
      const r = await client.result;
      launch.results.push(r);
      return r;
    } finally {
      running.delete(client);
    }
  }
}
