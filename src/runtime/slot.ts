/**
 * A slot: one worker thread running subtask *i* of every vertex whose parallelism exceeds *i*.
 *
 * The mailbox loop: `runSlice()` steps runnable tasks round-robin for up to {@link SLICE_MS}, fires due
 * processing-time timers, flushes partial batches, and then yields to the event loop (`setImmediate`)
 * so channel messages, credits and split assignments arrive. With nothing runnable it sleeps until a
 * message, a reader's wake-up, or the next timer.
 */
import { join } from 'node:path';
import { ElementKind, EddyError, errorToRecord, type StreamElement } from '../core/index.ts';
import type { EnvironmentConfig, SourceReader } from '../api/index.ts';
import { WatermarkEmitter, FINAL_CHECKPOINT, createUserLogger } from '../api/index.ts';
import type { JobGraph, JobVertex } from '../graph/index.ts';
import { InputChannel, OutputChannel } from './channels.ts';
import { RecordWriter } from './record-writer.ts';
import { RingInputChannel, RingOutputChannel, type ByteCounter } from './ring-channels.ts';
import { Ring, WakeFlags } from './ring.ts';
import { shapeOfRecordType } from './shape-codec.ts';
import { InputGate } from './input-gate.ts';
import { OperatorChain, type ChainEnv, type RestoredOperatorState } from './operator-chain.ts';
import { InputTask, SourceTask, type BarrierOptions, type StreamTask } from './stream-task.ts';
import { decodeChannelElement, edgeKey } from './channel-state.ts';
import type { ChannelState } from '../checkpoint/index.ts';
import type { Scheduler } from './scheduler.ts';
import type { LogLevel, WorkerToMain } from './protocol.ts';
import type { MetricSample } from '../metrics/index.ts';
import { queryKeyedState } from './state-query.ts';

export const SLICE_MS = 10;
/** Time per slice spent encoding captured keyed state of pending checkpoints (their asynchronous phase). */
export const ENCODE_MS = 2;

export interface PeerPort {
  postMessage(m: unknown, transfer?: ArrayBuffer[]): void;
}

export interface SlotOptions {
  slot: number;
  graph: JobGraph;
  config: EnvironmentConfig;
  jobName: string;
  jobId: string;
  attempt: number;
  /** Incremental lmdb checkpoints write their files here (unset: full snapshots). */
  sharedStateDir?: string;
  ports: Map<number, PeerPort>;
  post: (m: WorkerToMain) => void;
  scheduler: Scheduler;
  /** Whether checkpoints are taken, and in which mode. */
  checkpointMode: 'exactly-once' | 'at-least-once' | undefined;
  /** Pulls pending peer messages synchronously (receiveMessageOnPort), so credits and data arrive mid-slice. */
  pollPeers?: () => boolean;
  /** The job's log level (user loggers; default info). */
  logLevel?: LogLevel | 'silent';
  /** The shared-memory ring of each remote channel (by channel id), and every slot's sleep flag. */
  rings: Map<number, SharedArrayBuffer>;
  wakeFlags: SharedArrayBuffer;
}

/** One operator subtask's figures in a report (metrics on: watermarks and its metric group's values too). */
export interface OperatorStatsReport {
  id: string;
  name: string;
  recordsIn: number;
  recordsOut: number;
  inputWatermark?: number;
  outputWatermark?: number;
  /** The operator's metric group: its own counters (numLateRecordsDropped …) and user metrics. */
  metrics?: MetricSample[];
  /** Live state size: keyed entries (and bytes where the backend knows them), operator-state entries. */
  state?: { keyedEntries?: number; keyedBytes?: number; operatorEntries: number };
}

/**
 * What a slot reports of each task every {@link REPORT_MS} (and when it finishes): cumulative counts and
 * times since the attempt started; the JobManager derives rates from two reports.
 */
export interface TaskStats {
  vertex: number;
  subtask: number;
  operators: OperatorStatsReport[];
  finished: boolean;
  backpressured: boolean;
  /** Epoch ms of the report. */
  at?: number;
  /** Bytes of record batches received from and sent to other slots (binary batches; local channels pass references). */
  bytesIn?: number;
  bytesOut?: number;
  /** Milliseconds spent processing (busy), waiting for output credit (backpressured), and since the start. */
  busyMs?: number;
  backPressuredMs?: number;
  sinceMs?: number;
}

/** Per-task time accounting (metrics on): busy time measured per step, backpressure per slice. */
interface TaskTimes {
  busyMs: number;
  backPressuredMs: number;
  /** performance.now() when the task was last seen blocked on output, or -1. */
  blockedSince: number;
}

export class Slot {
  readonly tasks: StreamTask[] = [];
  /** Time accounting per task (same order as {@link tasks}); empty when metrics are off. */
  private readonly times: TaskTimes[] = [];
  private startedAt = performance.now();
  private readonly inputs = new Map<number, InputChannel>();
  private readonly outputs = new Map<number, OutputChannel>();
  /** Remote input channels: read from their rings each step and when woken. */
  private readonly ringInputs: RingInputChannel[] = [];
  private readonly ringOutputs: RingOutputChannel[] = [];
  private readonly wakeFlags: WakeFlags;
  /** Bytes through remote channels per task (same order as {@link tasks}). */
  private readonly bytesIn: ByteCounter[] = [];
  private readonly bytesOut: ByteCounter[] = [];
  private readonly sources = new Map<number, SourceTask>();
  private scheduled = false;
  private sleeping: (() => void) | undefined;
  private nextTimeAt = -Infinity;
  private dead = false;
  private done = false;

  constructor(private readonly o: SlotOptions) {
    this.wakeFlags = new WakeFlags(o.wakeFlags);
    for (const v of o.graph.vertices) if (v.parallelism > o.slot) this.buildTask(v);
  }

  private buildTask(v: JobVertex): void {
    const s = this.o.slot;
    const { config, ports } = this.o;
    const writers = new Map<number, RecordWriter>();
    const bytesOut: ByteCounter = { bytes: 0 };
    const bytesIn: ByteCounter = { bytes: 0 };
    for (const e of v.outputs) {
      const chans: OutputChannel[] = [];
      const edgeName = `${e.sourceNode.name} -> ${e.target.head.name}`;
      const declared = e.sourceNode.recordType !== undefined ? shapeOfRecordType(e.sourceNode.recordType) : undefined;
      const targets: number[] = [];
      for (const ch of e.channels) {
        if (ch.from !== s) continue;
        const local = ch.to === s;
        const port = local ? undefined : ports.get(ch.to);
        const oc = local
          ? new OutputChannel(ch.id, config.buffersPerChannel, { deliver: (id, el) => this.deliverLocal(id, el) }, false, () => this.wake())
          : new RingOutputChannel(ch.id, this.ringOf(ch.id), port!, ch.to, this.wakeFlags, edgeName, () => this.wake(), bytesOut, declared);
        if (oc instanceof RingOutputChannel) this.ringOutputs.push(oc);
        oc.edgeKey = edgeKey(e);
        oc.peer = ch.to;
        oc.peerParallelism = e.target.parallelism;
        this.outputs.set(ch.id, oc);
        chans.push(oc);
        targets.push(ch.to);
      }
      const name = `${e.sourceNode.name} -> ${e.target.head.name}`;
      writers.set(
        e.index,
        new RecordWriter(name, chans, targets, e.partitioner, e.keySelector, e.target.maxParallelism, e.target.parallelism, config.batchSize, s),
      );
    }
    const env: ChainEnv = {
      jobName: this.o.jobName,
      subtask: s,
      attempt: this.o.attempt,
      clock: { now: () => this.o.scheduler.now() },
      stateBackend: config.stateBackend,
      stateDir: config.stateDir,
      workDir: join(config.stateDir, `${this.o.jobId}-a${this.o.attempt}-slot-${s}`),
      incremental: this.o.sharedStateDir
        ? {
            ...(typeof config.incrementalCheckpoints === 'object' ? config.incrementalCheckpoints : {}),
            sharedDir: this.o.sharedStateDir,
            warn: (message: string) => this.o.post({ t: 'log', slot: s, message }),
          }
        : undefined,
      writers,
      requestWakeup: (opIndex, at) => {
        const op = chain.operators[opIndex]!;
        if (at < op.wakeupAt) op.wakeupAt = at;
        this.requestTime(at);
      },
      requestMail: (opIndex) => {
        // from a completion callback on the event loop: flag the operator and its task, wake the loop
        chain.operators[opIndex]!.mail = true;
        task.mail = true;
        this.wake();
      },
      sendToCoordinator: (operatorId, message) => this.o.post({ t: 'coordinator', operatorId, subtask: s, message }),
      checkpointing: this.o.checkpointMode !== undefined,
      reportAsyncError: (e) => this.fail(e),
      userLogger: (operatorId, operatorName) =>
        createUserLogger(this.o.logLevel ?? 'info', (level, message, fields) =>
          this.o.post({ t: 'log', slot: s, level, message, operator: operatorName, operatorId, subtask: s, fields }),
        ),
    };
    const chain = new OperatorChain(v, env);
    let task: StreamTask;
    if (v.head.kind === 'source') {
      const src = v.head.source!;
      let reader!: SourceReader<unknown, unknown>;
      const vi = v.index;
      const t: SourceTask = new SourceTask(
        chain,
        s,
        (reader = src.createReader({
          subtaskIndex: s,
          parallelism: v.parallelism,
          sendSplitRequest: () => this.o.post({ t: 'split-request', vertex: vi, subtask: s }),
          wakeup: () => {
            t.wakeup();
            this.wake();
          },
        })),
        v.head.watermarkStrategy
          ? new WatermarkEmitter<unknown>(
              v.head.watermarkStrategy,
              { now: () => this.o.scheduler.now() },
              `source '${v.head.name}' (subtask ${s + 1}/${v.parallelism})`,
              {
                emitWatermark: (wm) => chain.headOutput.emitWatermark(wm),
                markIdle: () => (chain.headOutput as { markIdle?(): void }).markIdle?.(),
                markActive: () => (chain.headOutput as { markActive?(): void }).markActive?.(),
              },
              config.autoWatermarkInterval,
            )
          : undefined,
      );
      void reader;
      this.sources.set(vi, t);
      task = t;
    } else {
      const chans: InputChannel[] = [];
      for (const e of v.inputs) {
        for (const ch of e.channels) {
          if (ch.to !== s) continue;
          const local = ch.from === s;
          const port = local ? undefined : ports.get(ch.from);
          let ic: InputChannel;
          if (local) ic = new InputChannel(ch.id, chans.length, e.inputIndex, ch.from, e.index, (id) => this.outputs.get(id)!.addCredit(1));
          else {
            const rc = new RingInputChannel(ch.id, chans.length, e.inputIndex, ch.from, e.index, this.ringOf(ch.id), port!, bytesIn, this.wakeFlags);
            this.ringInputs.push(rc);
            ic = rc;
          }
          ic.edgeKey = edgeKey(e);
          ic.peerParallelism = e.source.parallelism;
          this.inputs.set(ch.id, ic);
          chans.push(ic);
        }
      }
      task = new InputTask(chain, s, new InputGate(chans), this.o.checkpointMode !== 'at-least-once');
    }
    const taskKey = `${v.index}/${s}`;
    task.onCheckpoint = (checkpointId, states) => this.o.post({ t: 'ack', checkpointId, task: taskKey, states });
    task.time = { now: () => this.o.scheduler.now(), requestTime: (at) => this.requestTime(at) };
    this.tasks.push(task);
    this.bytesIn.push(bytesIn);
    this.bytesOut.push(bytesOut);
    if (config.metrics) this.times.push({ busyMs: 0, backPressuredMs: 0, blockedSince: -1 });
  }

  private deliverLocal(id: number, e: StreamElement): void {
    this.inputs.get(id)!.push(e);
    this.wake();
  }

  private ringOf(channel: number): Ring {
    const sab = this.o.rings.get(channel);
    if (sab === undefined) throw new EddyError(`no shared-memory ring for remote channel ${channel}`);
    return new Ring(sab, this.o.config.buffersPerChannel);
  }

  /** Reads every remote input channel's ring; returns whether anything arrived. */
  private pullRings(): boolean {
    let got = false;
    for (const c of this.ringInputs) if (c.pull()) got = true;
    return got;
  }

  /** Sends what waits on full rings, as far as their receivers released room; returns whether anything went. */
  private retryOutputs(): boolean {
    let sent = false;
    for (const c of this.ringOutputs) if (c.retry()) sent = true;
    return sent;
  }

  /**
   * A message from a peer slot (see ring-channels.ts): [2, channel, bytes] an oversized batch, [3] wake up
   * (whatever woke it is found by the slice: frames in rings, room released in rings).
   */
  onPeerMessage(m: unknown[]): void {
    try {
      switch (m[0]) {
        case 2:
          (this.inputs.get(m[1] as number) as RingInputChannel).addOversize(m[2] as Uint8Array);
          break;
        case 3:
          break;
      }
    } catch (e) {
      this.fail(e);
      return;
    }
    if (!this.inSlice) this.wake();
  }
  private inSlice = false;

  source(vertex: number): SourceTask | undefined {
    return this.sources.get(vertex);
  }

  /** Opens every operator (downstream tasks first), restoring state when given, and starts the loop. */
  start(restored?: Record<string, RestoredOperatorState>): void {
    for (let i = this.tasks.length - 1; i >= 0; i--) {
      const t = this.tasks[i]!;
      t.finishedOnRestore = restored !== undefined && t.chain.operators.every((o) => restored[o.node.operatorId]?.finished === true);
      try {
        t.chain.open(restored);
        const cs = restored?.[t.chain.head.node.operatorId]?.channels;
        if (cs !== undefined) this.restoreChannelState(t, cs);
      } catch (e) {
        this.fail(t.wrap(e, 'open()'));
        return;
      }
    }
    // A source restored finished reads nothing: it is not registered, so its enumerator assigns it nothing.
    for (const [vi, t] of this.sources) if (!t.finishedOnRestore) this.o.post({ t: 'reader-registered', vertex: vi, subtask: this.o.slot });
    this.o.post({ t: 'started', slot: this.o.slot });
    this.startedAt = performance.now();
    this.nextTimeAt = this.o.scheduler.now();
    this.wake();
  }

  /**
   * Puts an unaligned checkpoint's in-flight data back before anything runs: input channel state is queued
   * ahead of every new element of its channel, output channel state is sent first.
   */
  private restoreChannelState(t: StreamTask, cs: ChannelState): void {
    const where = `operator '${t.chain.head.node.name}' (subtask ${t.subtask + 1}/${t.chain.vertex.parallelism})`;
    if (cs.inputs.length > 0) {
      const byKey = new Map<string, InputChannel>();
      if (t instanceof InputTask) for (const c of t.gate.channels) byKey.set(`${c.edgeKey}@${c.fromSubtask}`, c);
      for (const entry of cs.inputs) {
        const c = byKey.get(`${entry.edge}@${entry.peer}`);
        if (c === undefined) throw new EddyError(`the checkpoint holds in-flight data of ${where} for an input channel this job does not have (edge ${entry.edge}, from subtask ${entry.peer + 1})`, { domain: 'user', retriable: false });
        c.restore(entry.elements.map(decodeChannelElement));
      }
    }
    if (cs.outputs.length > 0) {
      const byKey = new Map<string, OutputChannel>();
      for (const w of t.chain.writers) for (const oc of w.outputChannels) byKey.set(`${oc.edgeKey}@${oc.peer}`, oc);
      for (const entry of cs.outputs) {
        const oc = byKey.get(`${entry.edge}@${entry.peer}`);
        if (oc === undefined) throw new EddyError(`the checkpoint holds in-flight data of ${where} for an output channel this job does not have (edge ${entry.edge}, to subtask ${entry.peer + 1})`, { domain: 'user', retriable: false });
        for (const b of entry.elements) oc.send(decodeChannelElement(b));
      }
    }
  }

  /**
   * The coordinator started a checkpoint (every slot hears of it): running sources inject its barrier;
   * finished tasks acknowledge at once as finished; other tasks wait for its barriers, or take it at their
   * end of input when every upstream task had finished before it (Flink's checkpoints after tasks finished).
   */
  triggerCheckpoint(checkpointId: number, o: BarrierOptions): void {
    try {
      for (const t of this.tasks) {
        if (t.finished) t.snapshotFinished(checkpointId);
        else if (t instanceof SourceTask) t.triggerCheckpoint(checkpointId, o);
        else (t as InputTask).expectCheckpoint(checkpointId, o);
      }
    } catch (e) {
      this.fail(e);
      return;
    }
    this.wake();
  }

  checkpointComplete(checkpointId: number): void {
    try {
      // finished tasks too: a finished sink commits the committables its last checkpoint holds
      for (const t of this.tasks) t.notifyCheckpointComplete(checkpointId);
    } catch (e) {
      this.fail(e);
    }
  }

  checkpointAborted(checkpointId: number): void {
    for (const t of this.tasks) t.abortCheckpoint(checkpointId);
    this.wake();
  }

  private requestTime(at: number): void {
    if (at < this.nextTimeAt) {
      this.nextTimeAt = at;
      if (!this.scheduled) this.sleepUntilTime();
    }
  }

  wake(): void {
    if (this.scheduled || this.dead || this.done) return;
    this.scheduled = true;
    this.wakeFlags.awake(this.o.slot);
    if (this.sleeping) {
      this.sleeping();
      this.sleeping = undefined;
    }
    this.o.scheduler.soon(this.runSlice);
  }

  private sleepUntilTime(): void {
    if (this.dead || this.done || this.nextTimeAt === Infinity) return;
    this.sleeping?.();
    const wait = this.nextTimeAt - this.o.scheduler.now();
    this.sleeping = this.o.scheduler.after(wait, () => {
      this.sleeping = undefined;
      this.wake();
    });
  }

  private fireTimers(now: number): void {
    let next = Infinity;
    for (const t of this.tasks) {
      if (t.finished) continue;
      const n = t.onTime(now);
      if (n < next) next = n;
    }
    this.nextTimeAt = next;
  }

  private readonly runSlice = (): void => {
    this.scheduled = false;
    if (this.dead || this.done) return;
    const sch = this.o.scheduler;
    const batchSize = this.o.config.batchSize;
    this.inSlice = true;
    let encoding = false;
    try {
      let now = sch.now();
      const deadline = now + SLICE_MS;
      for (;;) {
        if (now >= this.nextTimeAt) this.fireTimers(now);
        let progressed = false;
        const times = this.times;
        if (times.length === 0) {
          for (const t of this.tasks) if (t.runnable() && t.step(batchSize)) progressed = true;
        } else
          // metrics: a step is one batch (or control element, or source poll): two clock reads per batch
          for (let i = 0; i < this.tasks.length; i++) {
            const t = this.tasks[i]!;
            if (!t.runnable()) continue;
            const t0 = performance.now();
            if (t.step(batchSize)) progressed = true;
            times[i]!.busyMs += performance.now() - t0;
          }
        if (this.o.pollPeers !== undefined && this.o.pollPeers()) progressed = true;
        if (this.ringInputs.length > 0 && this.pullRings()) progressed = true;
        if (this.ringOutputs.length > 0 && this.retryOutputs()) progressed = true;
        now = sch.now();
        if (!progressed || now >= deadline) break;
      }
      for (const t of this.tasks) if (!t.finished) t.flush();
      if (this.times.length > 0) this.accountBackpressure(performance.now());
      // Asynchronous phase of checkpoints: encode captured keyed state a little at a time, between slices.
      const until = performance.now() + ENCODE_MS;
      for (const t of this.tasks) if (t.encoding && t.encodeSome(until)) encoding = true;
    } catch (e) {
      this.inSlice = false;
      this.fail(e);
      return;
    }
    this.inSlice = false;
    // finished once every task is and nothing waits for room in a ring (the last elements a task sent may)
    if (this.tasks.every((t) => t.finished) && this.ringOutputs.every((c) => !c.blocked)) {
      this.done = true;
      this.sleeping?.();
      // Sinks hold their end-of-input committables until the JobManager, once every slot has
      // finished, sends the final commit (see finalCommit).
      this.o.post({ t: 'finished', slot: this.o.slot, stats: this.stats() });
      return;
    }
    if (this.tasks.some((t) => t.runnable())) this.wake();
    else if ((this.ringInputs.length > 0 || this.ringOutputs.length > 0) && this.sleepOnRings()) this.wake();
    else {
      // Encoding left (e.g. waiting for a background copy): come back soon even without input.
      if (encoding && this.nextTimeAt > sch.now() + 1) this.nextTimeAt = sch.now() + 1;
      this.sleepUntilTime();
    }
  };

  /**
   * About to sleep: raise this slot's flag so peers wake it, then look at the rings once more (a frame
   * written, or room released, before the flag was visible would otherwise wait). Returns whether
   * something arrived or went out.
   */
  private sleepOnRings(): boolean {
    this.wakeFlags.sleep(this.o.slot);
    const pulled = this.pullRings();
    if (!this.retryOutputs() && !pulled) return false;
    this.wakeFlags.awake(this.o.slot);
    return true;
  }

  /** The whole job finished: commit what every sink prepared at end of input, then close. */
  async finalCommit(): Promise<void> {
    try {
      for (const t of this.tasks) t.chain.notifyCheckpointComplete(FINAL_CHECKPOINT);
      await Promise.all(this.tasks.map((t) => t.chain.drain()));
    } catch (e) {
      this.done = false;
      this.fail(e);
      return;
    }
    try {
      for (const t of this.tasks) t.chain.close();
    } catch (e) {
      // The output is committed: restarting would duplicate it, so this failure is final.
      this.done = false;
      this.fail(new EddyError(`close() failed after the job's output was committed: ${(e as Error)?.message ?? e}`, { domain: 'user', retriable: false, cause: e }));
      return;
    }
    this.o.post({ t: 'committed', slot: this.o.slot });
  }

  /** Stop-with-savepoint: commit what the savepoint covers (the job stops next; nothing else is committed). */
  async stopCommit(checkpointId: number): Promise<void> {
    try {
      for (const t of this.tasks) t.notifyCheckpointComplete(checkpointId);
      await Promise.all(this.tasks.map((t) => t.chain.drain()));
    } catch (e) {
      this.fail(e);
      return;
    }
    this.o.post({ t: 'stop-committed', slot: this.o.slot, checkpointId });
  }

  fail(e: unknown): void {
    if (this.dead) return;
    this.dead = true;
    this.sleeping?.();
    for (const t of this.tasks) {
      t.releaseCheckpoints();
      try {
        t.chain.close();
      } catch {
        /* the first failure is the one reported */
      }
    }
    this.o.post({ t: 'failed', slot: this.o.slot, error: errorToRecord(e) });
  }

  /** Closes operators after the job finished or was cancelled. */
  close(): void {
    this.dead = true;
    this.sleeping?.();
    let first: unknown;
    for (const t of this.tasks) {
      t.releaseCheckpoints();
      try {
        t.chain.close();
      } catch (e) {
        first ??= e;
      }
    }
    if (first) throw first;
  }

  /**
   * State browser (between slices): the value of `key` in keyed state `state` of an operator of this slot, or
   * the operator's state names when `state` is not given.
   */
  queryState(operatorId: string, state: string | undefined, key: unknown, namespace?: string | number): { ok: true; value: unknown } | { ok: false; status: number; message: string } {
    for (const t of this.tasks)
      for (const o of t.chain.operators) {
        if (o.node.operatorId !== operatorId) continue;
        const backend = o.state.keyed;
        if (backend === undefined) return { ok: false, status: 400, message: `operator '${o.node.name}' has no keyed state (it is not on a keyed stream)` };
        if (state === undefined) return { ok: true, value: { states: backend.getStateNames() } };
        const r = queryKeyedState(backend, state, key, namespace);
        if ('status' in r) return { ok: false, status: r.status, message: `operator '${o.node.name}': ${r.message}` };
        return { ok: true, value: { ...r, subtask: t.subtask } };
      }
    return { ok: false, status: 404, message: `operator ${operatorId} has no subtask in slot ${this.o.slot}` };
  }

  /** Once per slice: a task blocked on output credit is backpressured from when it was first seen so until it is not. */
  private accountBackpressure(now: number): void {
    for (let i = 0; i < this.tasks.length; i++) {
      const tt = this.times[i]!;
      const blocked = !this.tasks[i]!.finished && this.tasks[i]!.blocked;
      if (blocked) {
        if (tt.blockedSince < 0) tt.blockedSince = now;
      } else if (tt.blockedSince >= 0) {
        tt.backPressuredMs += now - tt.blockedSince;
        tt.blockedSince = -1;
      }
    }
  }

  /** The report of every task (every 500 ms, and when the slot finishes). */
  stats(): TaskStats[] {
    const detailed = this.times.length > 0;
    const now = performance.now();
    if (detailed) this.accountBackpressure(now);
    const at = Date.now();
    return this.tasks.map((t, i) => {
      const head = t.chain.head;
      const s: TaskStats = {
        vertex: t.chain.vertex.index,
        subtask: t.subtask,
        operators: t.chain.operators.map((o) => {
          const r: OperatorStatsReport = {
            id: o.node.operatorId,
            name: o.node.name,
            recordsIn: o.node.kind === 'source' ? o.stats.recordsOut : o.stats.recordsIn,
            recordsOut: o.stats.recordsOut,
          };
          if (detailed) {
            r.inputWatermark = o === head && t instanceof InputTask ? t.gate.watermark : o.stats.inputWatermark;
            r.outputWatermark = o.stats.outputWatermark;
            r.metrics = o.state.metrics.sample();
            const keyed = o.state.keyed?.stateSize();
            r.state = { keyedEntries: keyed?.entries, keyedBytes: keyed?.bytes, operatorEntries: o.state.operatorState.entryCount() };
          }
          return r;
        }),
        finished: t.finished,
        backpressured: t.blocked,
        at,
        bytesIn: this.bytesIn[i]!.bytes,
        bytesOut: this.bytesOut[i]!.bytes,
      };
      if (detailed) {
        const tt = this.times[i]!;
        s.busyMs = tt.busyMs;
        s.backPressuredMs = tt.backPressuredMs + (tt.blockedSince >= 0 ? now - tt.blockedSince : 0);
        s.sinceMs = now - this.startedAt;
      }
      return s;
    });
  }
}

export { ElementKind };
