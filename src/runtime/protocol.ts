/** Messages between the JobManager (main thread) and slot workers. */
import type { MessagePort } from 'node:worker_threads';
import type { ErrorRecord } from '../core/index.ts';
import type { TaskStats } from './slot.ts';
import type { OperatorSubtaskState } from '../checkpoint/index.ts';
import type { RestoredOperatorState } from './operator-chain.ts';

export type WorkerToMain =
  | { t: 'ready'; slot: number; fingerprint: string }
  /** Every task of the slot restored its state and opened (checkpoints may be triggered from now on). */
  | { t: 'started'; slot: number }
  | { t: 'reader-registered'; vertex: number; subtask: number }
  | { t: 'split-request'; vertex: number; subtask: number }
  | { t: 'coordinator'; operatorId: string; subtask: number; message: unknown }
  | { t: 'metrics'; slot: number; stats: TaskStats[] }
  | { t: 'finished'; slot: number; stats: TaskStats[] }
  | { t: 'committed'; slot: number }
  /** A record for the job's log (by default a warning: something failed without failing the job). */
  | { t: 'log'; slot: number; message: string; level?: LogLevel; operator?: string; subtask?: number; operatorId?: string; fields?: Record<string, unknown> }
  /** The answer to a request of the JobManager (state browser, CPU profile). */
  | { t: 'reply'; requestId: number; ok: true; value: unknown }
  | { t: 'reply'; requestId: number; ok: false; status: number; message: string }
  | { t: 'failed'; slot: number; error: ErrorRecord }
  | { t: 'ack'; checkpointId: number; task: string; states: OperatorSubtaskState[] }
  | { t: 'stop-committed'; slot: number; checkpointId: number };

export type MainToWorker =
  | { t: 'start'; restored?: Record<string, RestoredOperatorState> }
  /** Trigger at the sources; `unaligned`/`alignedUntil` are copied into the barriers (see BarrierElement). */
  | { t: 'checkpoint'; checkpointId: number; savepoint: boolean; unaligned?: boolean; alignedUntil?: number }
  | { t: 'checkpoint-complete'; checkpointId: number }
  | { t: 'checkpoint-aborted'; checkpointId: number }
  | { t: 'splits'; vertex: number; subtask: number; splits: unknown[] }
  | { t: 'no-more-splits'; vertex: number; subtask: number }
  | { t: 'final-commit' }
  /** State browser: the value of `key` in keyed state `state` of operator `operatorId` (its subtask in this slot). */
  | { t: 'query-state'; requestId: number; operatorId: string; state?: string; key?: unknown; namespace?: string | number }
  /** Flame graph: profile this worker thread for `ms` milliseconds. */
  | { t: 'profile'; requestId: number; ms: number }
  /** Stop-with-savepoint: commit what the savepoint `checkpointId` covers, answer `stop-committed`; the job then stops. */
  | { t: 'stop-commit'; checkpointId: number }
  | { t: 'cancel' };

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface WorkerData {
  slot: number;
  slots: number;
  moduleUrl: string;
  overrides: Record<string, unknown>;
  params: Record<string, unknown>;
  targetExecution: number;
  attempt: number;
  jobId: string;
  /** peer slot → port */
  ports: Record<number, MessagePort>;
  /** The shared-memory ring of each remote channel this slot sends or receives on, by channel id. */
  rings: Record<number, SharedArrayBuffer>;
  /** One sleep flag per slot (see ring.ts). */
  wakeFlags: SharedArrayBuffer;
  /** The runtime runs from compiled JS (dist/): the worker loads worker.js without tsx. */
  compiled?: boolean;
  /** Running from the sources: the prebuilt bundle of the worker entry and the job module (worker-bundle.ts). */
  bundle?: { worker: string; job: string; io: Record<string, string> };
  /** Incremental lmdb checkpoints: the job's shared checkpoint directory (unset: full snapshots). */
  sharedStateDir?: string;
  /** The job's log level: user loggers in the worker drop records below it before posting them. */
  logLevel?: LogLevel | 'silent';
}
