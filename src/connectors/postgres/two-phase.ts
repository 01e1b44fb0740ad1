/**
 * PostgreSQL two-phase-commit helpers shared by the sink's I/O thread and its committer: transaction
 * ids (gids) of a sink, the `max_prepared_transactions` check, idempotent `COMMIT PREPARED`, and the
 * recovery step that commits a restored subtask's known transactions and rolls back its lingering ones.
 */
import type pg from 'pg';

/** The error raised at open when the server cannot prepare transactions. */
export const TWO_PHASE_DISABLED_MESSAGE =
  'PostgreSQL has max_prepared_transactions = 0: two-phase commit is disabled; set it (ALTER SYSTEM SET max_prepared_transactions = 64; restart PostgreSQL)';

/** Throws {@link TWO_PHASE_DISABLED_MESSAGE} when `SHOW max_prepared_transactions` returned 0. */
export function checkMaxPreparedTransactions(value: string | number): void {
  if (Number(value) <= 0) throw new Error(TWO_PHASE_DISABLED_MESSAGE);
}

/** Reads the server's `max_prepared_transactions` and fails with a clear message when it is 0. */
export async function assertTwoPhaseEnabled(client: pg.ClientBase): Promise<void> {
  const r = await client.query<{ max_prepared_transactions: string }>('SHOW max_prepared_transactions');
  checkMaxPreparedTransactions(r.rows[0]!.max_prepared_transactions);
}

/** A gid prefix of `[A-Za-z0-9_]` (at most 120 characters) from free text. */
export function sanitizeGidPrefix(s: string): string {
  const clean = s.replace(/[^A-Za-z0-9_]+/g, '_');
  if (clean.length <= 120) return clean;
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return `${clean.slice(0, 110)}_${(h >>> 0).toString(16)}`;
}

/** `<prefix>.<subtask>.<nonce>.<seq>`: unique across attempts and runs (the nonce is per writer). */
export function makeGid(prefix: string, subtask: number, nonce: string, seq: number): string {
  return `${prefix}.${subtask}.${nonce}.${seq}`;
}

/** The subtask encoded in a gid of `prefix`, or undefined when the gid is not this sink's. */
export function gidSubtask(prefix: string, gid: string): number | undefined {
  if (!gid.startsWith(prefix + '.')) return undefined;
  const s = gid.slice(prefix.length + 1).split('.')[0];
  return s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined;
}

function literal(gid: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(gid)) throw new Error(`invalid transaction id '${gid}'`);
  return `'${gid}'`;
}

function isUndefinedObject(e: unknown): boolean {
  return (e as { code?: string })?.code === '42704';
}

/** Prepared transactions of this database whose gid starts with `<prefix>.`. */
export async function listPrepared(client: pg.ClientBase, prefix: string): Promise<string[]> {
  const r = await client.query<{ gid: string }>(
    'SELECT gid FROM pg_prepared_xacts WHERE database = current_database() AND left(gid, $2) = $1 ORDER BY prepared',
    [prefix + '.', prefix.length + 1],
  );
  return r.rows.map((x) => x.gid);
}

/**
 * Commits a prepared transaction; idempotent: a gid that is no longer prepared (committed earlier, by
 * this or another attempt) is a no-op. Resolves to whether this call committed it.
 */
export async function commitPrepared(client: pg.ClientBase, gid: string): Promise<boolean> {
  const r = await client.query('SELECT 1 FROM pg_prepared_xacts WHERE gid = $1 AND database = current_database()', [gid]);
  if (r.rowCount === 0) return false;
  try {
    await client.query(`COMMIT PREPARED ${literal(gid)}`);
    return true;
  } catch (e) {
    if (isUndefinedObject(e)) return false; // committed concurrently
    throw e;
  }
}

/** Rolls back a prepared transaction (no-op when it is gone). */
export async function rollbackPrepared(client: pg.ClientBase, gid: string): Promise<boolean> {
  try {
    await client.query(`ROLLBACK PREPARED ${literal(gid)}`);
    return true;
  } catch (e) {
    if (isUndefinedObject(e)) return false;
    throw e;
  }
}

/** What {@link recoverPrepared} did. */
export interface RecoveryResult {
  committed: string[];
  rolledBack: string[];
}

/**
 * Recovery of one writer: among the sink's prepared transactions owned by `subtask` (those whose
 * encoded subtask `s` has `s % parallelism === subtask`), commits the ones in `known` (prepared for a
 * completed checkpoint) and rolls back the rest (lingering: prepared for a checkpoint that never
 * completed, or by a run whose state was discarded) — Flink's abort of lingering transactions.
 */
export async function recoverPrepared(
  client: pg.ClientBase,
  prefix: string,
  subtask: number,
  parallelism: number,
  known: ReadonlySet<string>,
): Promise<RecoveryResult> {
  const out: RecoveryResult = { committed: [], rolledBack: [] };
  for (const gid of await listPrepared(client, prefix)) {
    const s = gidSubtask(prefix, gid);
    if (s === undefined || s % parallelism !== subtask) continue;
    if (known.has(gid)) {
      if (await commitPrepared(client, gid)) out.committed.push(gid);
    } else if (await rollbackPrepared(client, gid)) out.rolledBack.push(gid);
  }
  return out;
}
