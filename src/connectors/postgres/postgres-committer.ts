/**
 * The PostgreSQL sink's committer: `COMMIT PREPARED` for each committable (a gid) once its checkpoint
 * completes, idempotently (a gid no longer in `pg_prepared_xacts` was committed before). Commits are
 * recorded in a per-thread registry so the writer stops carrying committed gids in its state.
 */
import pg from 'pg';
import type { Committer } from '../../api/index.ts';
import { commitPrepared, rollbackPrepared } from './two-phase.ts';

/** A prepared transaction to commit. */
export interface PostgresCommittable {
  gid: string;
}

const committed = new Set<string>();

/** Whether a gid was committed (or found already committed) by a committer of this thread; forgets it. */
export function takeCommitted(gid: string): boolean {
  return committed.delete(gid);
}

export class PostgresCommitter implements Committer<PostgresCommittable> {
  private pool: pg.Pool | undefined;
  constructor(private readonly connectionString: string) {}

  private client(): Promise<pg.PoolClient> {
    this.pool ??= new pg.Pool({ connectionString: this.connectionString, max: 1, idleTimeoutMillis: 1_000, allowExitOnIdle: true });
    return this.pool.connect();
  }

  async commit(committables: PostgresCommittable[]): Promise<void> {
    if (committables.length === 0) return;
    const c = await this.client();
    try {
      for (const { gid } of committables) {
        await commitPrepared(c, gid);
        committed.add(gid);
      }
    } finally {
      c.release();
    }
  }

  async abort(committables: PostgresCommittable[]): Promise<void> {
    if (committables.length === 0) return;
    const c = await this.client();
    try {
      for (const { gid } of committables) await rollbackPrepared(c, gid);
    } finally {
      c.release();
    }
  }
}
