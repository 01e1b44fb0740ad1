/**
 * The JobManager's statistics of checkpoints and savepoints (Flink's `CheckpointStatsTracker`): when each
 * was triggered, every acknowledgement (time and bytes of state, per vertex), how it ended. Fed by the
 * coordinator's hooks and the acknowledgements the JobClient receives; read by REST and the job metrics.
 */
import type { OperatorSubtaskState } from '../checkpoint/index.ts';

export type CheckpointStatus = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

export interface TaskAckStats {
  acknowledged: number;
  latestAck: number;
  bytes: number;
}

export interface CheckpointRecord {
  id: number;
  status: CheckpointStatus;
  savepoint: boolean;
  unaligned: boolean;
  triggeredAt: number;
  latestAckAt: number;
  /** Epoch ms when it completed or failed. */
  endedAt: number;
  /** Bytes of state acknowledged (keyed state encoded, operator/timer/split state, in-flight data). */
  bytes: number;
  /** Acknowledgements expected and received (subtasks and source enumerators). */
  expected: number;
  acknowledged: number;
  /** Per vertex index ('enum/<v>' acks count towards their vertex). */
  tasks: Map<number, TaskAckStats>;
  /** Per operator id: bytes acknowledged. */
  operatorBytes: Map<string, number>;
  location?: string;
  failure?: string;
}

/** How many checkpoints the history keeps (Flink's `web.checkpoints.history`, default 10). */
export const HISTORY_SIZE = 10;

export class CheckpointHistory {
  private readonly records = new Map<number, CheckpointRecord>();
  /** What the job was restored from (the first attempt's restore, or the latest restart's). */
  restored: { id: number; at: number; savepoint: boolean; location: string } | undefined;
  /** How many times the job was restored from a checkpoint or savepoint (start and restarts). */
  restoredCount = 0;

  noteRestored(r: { id: number; at: number; savepoint: boolean; location: string }): void {
    this.restored = r;
    this.restoredCount++;
  }

  trigger(id: number, savepoint: boolean, unaligned: boolean, expected: number, now: number): void {
    this.records.set(id, { id, status: 'IN_PROGRESS', savepoint, unaligned, triggeredAt: now, latestAckAt: 0, endedAt: 0, bytes: 0, expected, acknowledged: 0, tasks: new Map(), operatorBytes: new Map() });
    // keep the newest ones; checkpoints in progress are never dropped
    if (this.records.size > HISTORY_SIZE * 3)
      for (const [k, r] of this.records) {
        if (this.records.size <= HISTORY_SIZE * 2) break;
        if (r.status !== 'IN_PROGRESS') this.records.delete(k);
      }
  }

  ack(id: number, vertex: number, states: OperatorSubtaskState[], now: number): void {
    const r = this.records.get(id);
    if (r === undefined) return;
    let bytes = 0;
    for (const s of states) {
      const b = sizeOf(s, 0);
      bytes += b;
      r.operatorBytes.set(s.operatorId, (r.operatorBytes.get(s.operatorId) ?? 0) + b);
    }
    r.bytes += bytes;
    r.acknowledged++;
    r.latestAckAt = now;
    const t = r.tasks.get(vertex) ?? { acknowledged: 0, latestAck: 0, bytes: 0 };
    t.acknowledged++;
    t.latestAck = now;
    t.bytes += bytes;
    r.tasks.set(vertex, t);
  }

  complete(id: number, now: number, location?: string): void {
    const r = this.records.get(id);
    if (r === undefined || r.status !== 'IN_PROGRESS') return;
    r.status = 'COMPLETED';
    r.endedAt = now;
    r.location = location;
  }

  fail(id: number, now: number, reason: string): void {
    const r = this.records.get(id);
    if (r === undefined || r.status !== 'IN_PROGRESS') return;
    r.status = 'FAILED';
    r.endedAt = now;
    r.failure = reason;
  }

  /** Checkpoints still open when an attempt ended are failed (as Flink does on a failover). */
  failPending(now: number, reason: string): void {
    for (const r of this.records.values()) if (r.status === 'IN_PROGRESS') this.fail(r.id, now, reason);
  }

  get(id: number): CheckpointRecord | undefined {
    return this.records.get(id);
  }

  /** Newest first, at most {@link HISTORY_SIZE}. */
  history(): CheckpointRecord[] {
    return [...this.records.values()].sort((a, b) => b.id - a.id).slice(0, HISTORY_SIZE);
  }

  /** Every record kept (newest first). */
  all(): CheckpointRecord[] {
    return [...this.records.values()].sort((a, b) => b.id - a.id);
  }

  latest(pred: (r: CheckpointRecord) => boolean): CheckpointRecord | undefined {
    return this.all().find(pred);
  }
}

/** Bytes of a state object: binary data by length, strings by UTF-16 length, numbers 8; depth-limited. */
function sizeOf(v: unknown, depth: number): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'string') return v.length;
  if (typeof v === 'number' || typeof v === 'bigint') return 8;
  if (typeof v === 'boolean') return 1;
  if (ArrayBuffer.isView(v)) return v.byteLength;
  if (v instanceof ArrayBuffer) return v.byteLength;
  if (depth > 12 || typeof v !== 'object') return 0;
  let n = 0;
  if (Array.isArray(v)) for (const x of v) n += sizeOf(x, depth + 1);
  else if (v instanceof Map) for (const [k, x] of v) n += sizeOf(k, depth + 1) + sizeOf(x, depth + 1);
  else for (const k in v as Record<string, unknown>) n += sizeOf((v as Record<string, unknown>)[k], depth + 1);
  return n;
}
