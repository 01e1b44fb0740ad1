/**
 * The worker side of a job: evaluates the job module in worker mode; its `execute()` lands here with
 * the same plan the client built, and this builds the slot's tasks, reports `ready`, and runs them
 * when the JobManager says `start`.
 */
import { parentPort, workerData, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { errorToRecord, ConfigurationError, EddyError, setIoThreadBundles } from '../core/index.ts';
import { setLaunchContext, type JobExecutionResult, type JobExecutor, type JobPlan } from '../api/index.ts';
import { buildJobGraph, buildStreamGraph } from '../graph/index.ts';
import { Slot, type PeerPort } from './slot.ts';
import { SystemScheduler } from './scheduler.ts';
import { profileThisThread } from './cpu-profiler.ts';
import type { MainToWorker, WorkerData, WorkerToMain } from './protocol.ts';

/**
 * `process.exit()` called by user code in a worker. The thread must not stop where it stands: inside a
 * keyed operator's batch an lmdb write transaction is open, and lmdb-js's exit cleanup (closing the
 * environment) then waits forever for the write lock that very transaction holds, so the thread never
 * exits and the JobManager would wait for it forever. Instead the call throws this (process.exit() does
 * not return, and the throw aborts the transaction on its way out), the task fails as for any exception,
 * and the worker really exits with the code right after the current slice has unwound.
 */
export class WorkerExitError extends EddyError {
  constructor(
    readonly code: number,
    slot: number,
  ) {
    super(`user code called process.exit(${code}) in the worker thread of slot ${slot}`, { domain: 'user', retriable: true });
  }
}

/** Replaces `process.exit` in this worker thread (see {@link WorkerExitError}); returns the real one. */
function interceptExit(slot: number): (code?: number) => never {
  const realExit = process.exit.bind(process) as (code?: number) => never;
  let requested: number | undefined;
  process.exit = ((code?: number | string | null): never => {
    const c = Number(code ?? process.exitCode ?? 0) || 0;
    if (requested === undefined) {
      requested = c;
      // Runs after the current synchronous slice (lmdb write transactions are synchronous: none is open then),
      // even if user code swallows the exception.
      setImmediate(() => realExit(c));
    }
    throw new WorkerExitError(c, slot);
  }) as typeof process.exit;
  return realExit;
}

export async function runWorker(): Promise<void> {
  const data = workerData as WorkerData;
  const port = parentPort!;
  const post = (m: WorkerToMain) => port.postMessage(m);
  const exit = interceptExit(data.slot);
  let slot: Slot | undefined;
  let execution = 0;
  let reached = false;

  const executor: JobExecutor = {
    execute(plan: JobPlan): Promise<JobExecutionResult> {
      const index = execution++;
      if (index !== data.targetExecution) {
        // An earlier execute() of the same module: not this worker's job.
        return Promise.resolve({ jobName: plan.jobName, jobId: '', durationMs: 0, operators: [] });
      }
      reached = true;
      try {
        const graph = buildJobGraph(buildStreamGraph(plan.transformations, plan.config));
        const peers = new Map<number, PeerPort>();
        const portList: MessagePort[] = Object.values(data.ports);
        const pollPeers = (): boolean => {
          let got = false;
          for (const p of portList) {
            for (let m = receiveMessageOnPort(p); m !== undefined; m = receiveMessageOnPort(p)) {
              slot!.onPeerMessage(m.message as unknown[]);
              got = true;
            }
          }
          return got;
        };
        for (const [k, p] of Object.entries(data.ports)) {
          const peer = Number(k);
          p.on('message', (m: unknown[]) => slot!.onPeerMessage(m));
          peers.set(peer, p);
        }
        slot = new Slot({
          slot: data.slot,
          graph,
          config: plan.config,
          jobName: plan.jobName,
          jobId: data.jobId,
          attempt: data.attempt,
          sharedStateDir: data.sharedStateDir,
          logLevel: data.logLevel,
          ports: peers,
          post,
          scheduler: SystemScheduler,
          pollPeers: portList.length > 0 ? pollPeers : undefined,
          rings: new Map(Object.entries(data.rings).map(([k, v]) => [Number(k), v])),
          wakeFlags: data.wakeFlags,
          checkpointMode: plan.checkpointing ? ((plan.checkpointing.options.mode as 'exactly-once' | 'at-least-once' | undefined) ?? 'exactly-once') : undefined,
        });
        post({ t: 'ready', slot: data.slot, fingerprint: graph.fingerprint });
      } catch (e) {
        post({ t: 'failed', slot: data.slot, error: errorToRecord(e) });
      }
      return new Promise<JobExecutionResult>(() => {}); // the worker is terminated by the JobManager
    },
  };

  port.on('message', (m: MainToWorker) => {
    try {
      switch (m.t) {
        case 'start':
          slot!.start(m.restored);
          setInterval(() => slot && post({ t: 'metrics', slot: data.slot, stats: slot.stats() }), 500).unref();
          break;
        case 'splits':
          slot!.source(m.vertex)?.addSplits(m.splits);
          break;
        case 'no-more-splits':
          slot!.source(m.vertex)?.notifyNoMoreSplits();
          break;
        case 'checkpoint':
          slot!.triggerCheckpoint(m.checkpointId, { savepoint: m.savepoint, unaligned: m.unaligned, alignedUntil: m.alignedUntil });
          break;
        case 'checkpoint-complete':
          slot!.checkpointComplete(m.checkpointId);
          break;
        case 'checkpoint-aborted':
          slot!.checkpointAborted(m.checkpointId);
          break;
        case 'final-commit':
          void slot!.finalCommit();
          break;
        case 'query-state': {
          // handled on the event loop, so between two slices of the mailbox loop (never inside a batch)
          const r = slot ? slot.queryState(m.operatorId, m.state, m.key, m.namespace) : { ok: false as const, status: 409, message: 'the slot is not running' };
          post(r.ok ? { t: 'reply', requestId: m.requestId, ok: true, value: r.value } : { t: 'reply', requestId: m.requestId, ok: false, status: r.status, message: r.message });
          break;
        }
        case 'profile':
          profileThisThread(m.ms).then(
            (value) => post({ t: 'reply', requestId: m.requestId, ok: true, value }),
            (e: Error) => post({ t: 'reply', requestId: m.requestId, ok: false, status: 500, message: `profiling failed: ${e.message}` }),
          );
          break;
        case 'stop-commit':
          void slot!.stopCommit(m.checkpointId);
          break;
        case 'cancel':
          try {
            slot?.close();
          } finally {
            exit(0);
          }
      }
    } catch (e) {
      if (slot) slot.fail(e);
      else post({ t: 'failed', slot: data.slot, error: errorToRecord(e) });
    }
  });

  // connector I/O threads start from the bundle too (see worker-bundle.ts)
  if (data.bundle) setIoThreadBundles(data.bundle.io);
  setLaunchContext({
    mode: 'worker',
    moduleUrl: data.moduleUrl,
    overrides: data.overrides,
    params: data.params,
    executor,
    results: [],
    executions: 0,
    targetExecution: data.targetExecution,
  });
  try {
    void import(data.bundle?.job ?? data.moduleUrl).then(
      () => {
        if (!reached)
          post({
            t: 'failed',
            slot: data.slot,
            error: errorToRecord(new ConfigurationError(`the job module ${data.moduleUrl} did not call execute() in the worker (is execute() conditional?)`)),
          });
      },
      (e) => post({ t: 'failed', slot: data.slot, error: errorToRecord(e) }),
    );
  } catch (e) {
    post({ t: 'failed', slot: data.slot, error: errorToRecord(e) });
  }
}
