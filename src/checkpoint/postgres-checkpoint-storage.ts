/**
 * Checkpoints in PostgreSQL (`postgres://…` storage specs). Two tables, created on first use:
 * `eddy_checkpoint_blobs` holds one msgpackr blob per operator subtask with its SHA-256, and
 * `eddy_checkpoints` one metadata row (the canonical {@link CheckpointMetadata} as jsonb) per completed
 * checkpoint. A checkpoint's blobs and metadata are written in one transaction, metadata last, so a
 * checkpoint is complete exactly when its metadata row exists. Loading verifies every blob's size and
 * checksum; a corrupt one in the newest checkpoint stops `loadLatest` with an error naming the bad row
 * (never a silent fall-back to an older checkpoint, which would replay committed output).
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { Packr } from 'msgpackr';
import { EddyError, faultPoint } from '../core/index.ts';
import type { CheckpointStorage } from './checkpoint-storage.ts';
import { CheckpointCorruptError, unusableCheckpointMessage, type CheckpointLog, type CheckpointToWrite } from './fs-checkpoint-storage.ts';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_VERSION,
  type CheckpointMetadata,
  type CompletedCheckpoint,
  type OperatorMetadata,
  type OperatorSubtaskState,
} from './checkpoint-format.ts';

// The same encoding as the directory storage's state files.
const packr = new Packr({ useRecords: false, moreTypes: true, structuredClone: true });

const SCHEMA = `
CREATE TABLE IF NOT EXISTS eddy_checkpoint_blobs (
  job text NOT NULL, checkpoint_id bigint NOT NULL, operator_id text NOT NULL, subtask integer NOT NULL,
  data bytea NOT NULL, sha256 text NOT NULL,
  PRIMARY KEY (job, checkpoint_id, operator_id, subtask));
CREATE TABLE IF NOT EXISTS eddy_checkpoints (
  job text NOT NULL, checkpoint_id bigint NOT NULL, metadata jsonb NOT NULL,
  completed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job, checkpoint_id));`;

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** The name of a blob row, as it appears in metadata (`file`) and messages. */
function rowName(job: string, id: number, operatorId: string, subtask: number): string {
  return `eddy_checkpoint_blobs(job='${job}', checkpoint_id=${id}, operator_id='${operatorId}', subtask=${subtask})`;
}

/** A connection string without its password, for messages. */
export function redactConnectionString(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/** Checkpoint storage in a PostgreSQL database; see the file comment for the layout. */
export class PostgresCheckpointStorage implements CheckpointStorage {
  private pool: pg.Pool | undefined;
  private ready: Promise<void> | undefined;

  constructor(readonly connectionString: string) {}

  /** Recognises `postgres://` and `postgresql://` specs (for {@link registerCheckpointStorage}). */
  static fromSpec(spec: string): PostgresCheckpointStorage | undefined {
    return /^postgres(ql)?:\/\//i.test(spec) ? new PostgresCheckpointStorage(spec) : undefined;
  }

  describe(jobName: string): string {
    return `${redactConnectionString(this.connectionString)} (table eddy_checkpoints, job '${jobName}')`;
  }

  private location(jobName: string, id: number): string {
    return `${redactConnectionString(this.connectionString)}#${encodeURIComponent(jobName)}/chk-${id}`;
  }

  /** A pooled client, with the tables created on first use. */
  private async client(): Promise<pg.PoolClient> {
    // pg is loaded on first use: every process that imports the runtime would pay for it otherwise.
    const { default: PG } = await import('pg');
    this.pool ??= new PG.Pool({ connectionString: this.connectionString, max: 2, idleTimeoutMillis: 1_000, allowExitOnIdle: true });
    let c: pg.PoolClient;
    try {
      c = await this.pool.connect();
    } catch (e) {
      throw new EddyError(`cannot reach checkpoint storage ${redactConnectionString(this.connectionString)}: ${(e as Error).message}`, {
        domain: 'external',
        retriable: true,
        cause: e,
      });
    }
    try {
      this.ready ??= (async () => {
        await c.query('BEGIN');
        await c.query(`SELECT pg_advisory_xact_lock(hashtext('eddy_checkpoint_schema'))`);
        await c.query(SCHEMA);
        await c.query('COMMIT');
      })().catch(async (e: unknown) => {
        await c.query('ROLLBACK').catch(() => undefined);
        this.ready = undefined;
        throw e;
      });
      await this.ready;
    } catch (e) {
      c.release();
      throw e;
    }
    return c;
  }

  private async tx<R>(fn: (c: pg.PoolClient) => Promise<R>): Promise<R> {
    const c = await this.client();
    try {
      await c.query('BEGIN');
      const r = await fn(c);
      await c.query('COMMIT');
      return r;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  async write(cp: CheckpointToWrite): Promise<string> {
    const job = cp.metadata.jobName;
    const id = cp.metadata.checkpointId;
    await this.tx(async (c) => {
      // A rewrite of the same id (after a failed attempt) replaces it.
      await c.query('DELETE FROM eddy_checkpoints WHERE job = $1 AND checkpoint_id = $2', [job, id]);
      await c.query('DELETE FROM eddy_checkpoint_blobs WHERE job = $1 AND checkpoint_id = $2', [job, id]);
      const operators: OperatorMetadata[] = [];
      for (const op of cp.metadata.operators) {
        const subtasks = [];
        for (const st of cp.states.get(op.operatorId) ?? []) {
          const bytes = packr.pack(st);
          const sum = sha256(bytes);
          await c.query('INSERT INTO eddy_checkpoint_blobs (job, checkpoint_id, operator_id, subtask, data, sha256) VALUES ($1, $2, $3, $4, $5, $6)', [
            job,
            id,
            op.operatorId,
            st.subtask,
            bytes,
            sum,
          ]);
          subtasks.push({ subtask: st.subtask, file: rowName(job, id, op.operatorId, st.subtask), size: bytes.length, sha256: sum });
        }
        operators.push({ ...op, subtasks });
      }
      const metadata: CheckpointMetadata = { format: CHECKPOINT_FORMAT, version: CHECKPOINT_FORMAT_VERSION, ...cp.metadata, operators };
      faultPoint('coordinator:before-metadata');
      // The commit point: a checkpoint is complete iff this row exists (and the transaction committed).
      await c.query('INSERT INTO eddy_checkpoints (job, checkpoint_id, metadata) VALUES ($1, $2, $3)', [job, id, JSON.stringify(metadata)]);
    });
    faultPoint('coordinator:after-metadata');
    return this.location(job, id);
  }

  /** Completed checkpoint ids of a job, newest first. */
  async list(jobName: string): Promise<number[]> {
    const c = await this.client();
    try {
      const r = await c.query<{ id: string }>('SELECT checkpoint_id AS id FROM eddy_checkpoints WHERE job = $1 ORDER BY checkpoint_id DESC', [jobName]);
      return r.rows.map((x) => Number(x.id));
    } finally {
      c.release();
    }
  }

  /** Reads and verifies one checkpoint; throws {@link CheckpointCorruptError} naming the bad row. */
  async read(jobName: string, id: number): Promise<CompletedCheckpoint> {
    const c = await this.client();
    try {
      const m = await c.query<{ metadata: CheckpointMetadata }>('SELECT metadata FROM eddy_checkpoints WHERE job = $1 AND checkpoint_id = $2', [jobName, id]);
      const where = `eddy_checkpoints(job='${jobName}', checkpoint_id=${id})`;
      const metadata = m.rows[0]?.metadata;
      if (!metadata) throw new CheckpointCorruptError(`no checkpoint metadata row ${where}`, where);
      if (metadata.format !== CHECKPOINT_FORMAT) throw new CheckpointCorruptError(`${where} is not an eddy checkpoint`, where);
      if (metadata.version > CHECKPOINT_FORMAT_VERSION)
        throw new CheckpointCorruptError(`${where} has format version ${metadata.version}; this eddy reads up to ${CHECKPOINT_FORMAT_VERSION}`, where);
      const rows = await c.query<{ operator_id: string; subtask: number; data: Buffer; sha256: string }>(
        'SELECT operator_id, subtask, data, sha256 FROM eddy_checkpoint_blobs WHERE job = $1 AND checkpoint_id = $2',
        [jobName, id],
      );
      const blobs = new Map(rows.rows.map((r) => [`${r.operator_id}\u0000${r.subtask}`, r]));
      const states = new Map<string, OperatorSubtaskState[]>();
      for (const op of metadata.operators) {
        const list: OperatorSubtaskState[] = [];
        for (const ref of op.subtasks) {
          const name = rowName(jobName, id, op.operatorId, ref.subtask);
          const row = blobs.get(`${op.operatorId}\u0000${ref.subtask}`);
          if (!row) throw new CheckpointCorruptError(`checkpoint row ${name} is missing`, name);
          if (row.data.length !== ref.size || sha256(row.data) !== ref.sha256 || row.sha256 !== ref.sha256)
            throw new CheckpointCorruptError(`checkpoint row ${name} is corrupt (size ${row.data.length}, expected ${ref.size}; checksum mismatch)`, name);
          list.push(packr.unpack(row.data) as OperatorSubtaskState);
        }
        states.set(op.operatorId, list);
      }
      return { metadata, location: this.location(jobName, id), states };
    } finally {
      c.release();
    }
  }

  async loadLatest(jobName: string, log: CheckpointLog): Promise<CompletedCheckpoint | undefined> {
    const orphans = await this.tx((c) =>
      c.query(
        'DELETE FROM eddy_checkpoint_blobs b WHERE b.job = $1 AND NOT EXISTS (SELECT 1 FROM eddy_checkpoints m WHERE m.job = b.job AND m.checkpoint_id = b.checkpoint_id)',
        [jobName],
      ),
    );
    if (orphans.rowCount) log(`removed ${orphans.rowCount} state rows of incomplete checkpoints of job '${jobName}' from ${this.describe(jobName)}`);
    const ids = await this.list(jobName);
    if (ids.length === 0) return undefined;
    try {
      return await this.read(jobName, ids[0]!);
    } catch (e) {
      if (!(e instanceof CheckpointCorruptError)) throw e;
      throw new CheckpointCorruptError(unusableCheckpointMessage(jobName, ids[0]!, e.message, ids[1] !== undefined ? `checkpoint ${ids[1]}: delete checkpoint ${ids[0]}'s rows from eddy_checkpoints and resume` : undefined), e.file);
    }
  }

  async highestId(jobName: string): Promise<number> {
    const ids = await this.list(jobName);
    return ids[0] ?? 0;
  }

  async prune(jobName: string, retain: number, keep?: number): Promise<void> {
    const ids = await this.list(jobName);
    const drop: number[] = [];
    let kept = 0;
    for (const id of ids) {
      if (id === keep || kept < retain) kept++;
      else drop.push(id);
    }
    if (drop.length === 0) return;
    await this.tx(async (c) => {
      await c.query('DELETE FROM eddy_checkpoints WHERE job = $1 AND checkpoint_id = ANY($2::bigint[])', [jobName, drop]);
      await c.query('DELETE FROM eddy_checkpoint_blobs WHERE job = $1 AND checkpoint_id = ANY($2::bigint[])', [jobName, drop]);
    });
  }

  async close(): Promise<void> {
    const p = this.pool;
    this.pool = undefined;
    this.ready = undefined;
    await p?.end();
  }
}
