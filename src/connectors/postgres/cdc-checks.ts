/**
 * What change data capture needs from the server, checked before anything is read, with errors that name
 * the setting, table, publication or slot and say how to fix it: `wal_level = logical`, the captured
 * tables, a publication that covers them (created when missing unless told not to) and the replication
 * slot.
 */
import type pg from 'pg';
import { ConfigurationError, EddyError } from '../../core/index.ts';

/** A connection string without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/** The message for a server whose `wal_level` is not `logical`. */
export function walLevelMessage(walLevel: string, server: string): string {
  return (
    `PostgresCdcSource: PostgreSQL at ${redactUrl(server)} has wal_level = ${walLevel}: logical replication is disabled; ` +
    `set it (ALTER SYSTEM SET wal_level = logical; restart PostgreSQL)`
  );
}

/** Throws the {@link walLevelMessage} unless `walLevel` (the result of `SHOW wal_level`) is `logical`. */
export function checkWalLevel(walLevel: string, server: string): void {
  if (walLevel !== 'logical') throw new ConfigurationError(walLevelMessage(walLevel, server));
}

/** A captured table: `schema.table` as PostgreSQL spells it, and its parts. */
export interface TableId {
  schema: string;
  name: string;
  /** `schema.name`, unquoted: the `table` of change events. */
  qualified: string;
  /** For SQL: `"schema"."name"`. */
  sql: string;
}

const IDENT = /^(?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")+")$/;

const unquote = (s: string): string => (s.startsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s.toLowerCase());
export const quoteIdent = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/** Parses `table` or `schema.table` (quoted parts allowed; unquoted parts fold to lower case). */
export function parseTableName(name: string, where: string): TableId {
  const parts = typeof name === 'string' ? name.match(/(?:"(?:[^"]|"")+"|[^.]+)/g) : null;
  if (!parts || parts.length > 2 || parts.join('.') !== name || !parts.every((p) => IDENT.test(p)))
    throw new ConfigurationError(`${where}: '${name}' is not a table name (table or schema.table)`);
  const schema = parts.length === 2 ? unquote(parts[0]!) : 'public';
  const table = unquote(parts[parts.length - 1]!);
  return { schema, name: table, qualified: `${schema}.${table}`, sql: `${quoteIdent(schema)}.${quoteIdent(table)}` };
}

/** A name for a slot or publication: PostgreSQL allows lower-case letters, digits and underscores (slots). */
export function checkSlotName(name: string, option: string, where: string): void {
  if (typeof name !== 'string' || !/^[a-z0-9_]{1,63}$/.test(name))
    throw new ConfigurationError(`${where}: option '${option}' must be 1–63 characters of [a-z0-9_], got '${name}'`);
}

/** Fails naming every table that does not exist. */
export async function assertTablesExist(c: pg.Client, tables: TableId[], server: string, where: string): Promise<void> {
  for (const t of tables) {
    const r = await c.query<{ oid: string | null }>('SELECT to_regclass($1)::oid AS oid', [t.sql]);
    if (r.rows[0]?.oid == null) throw new ConfigurationError(`${where}: table '${t.qualified}' does not exist in ${redactUrl(server)}`);
  }
}

/**
 * Makes sure publication `name` exists and covers `tables`: creates it (`FOR TABLE …`) when missing and
 * `create` is set; otherwise fails with the statement to run. Returns whether it created it.
 */
export async function ensurePublication(c: pg.Client, name: string, tables: TableId[], create: boolean, where: string): Promise<boolean> {
  const exists = (await c.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [name])).rowCount! > 0;
  if (!exists) {
    const ddl = `CREATE PUBLICATION ${quoteIdent(name)} FOR TABLE ${tables.map((t) => t.sql).join(', ')}`;
    if (!create) throw new ConfigurationError(`${where}: publication '${name}' does not exist (create it: ${ddl}; or let the source create it)`);
    await c.query(ddl);
    return true;
  }
  const r = await c.query<{ schemaname: string; tablename: string }>('SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1', [name]);
  const covered = new Set(r.rows.map((x) => `${x.schemaname}.${x.tablename}`));
  const missing = tables.filter((t) => !covered.has(t.qualified));
  if (missing.length)
    throw new ConfigurationError(
      `${where}: publication '${name}' does not publish ${missing.map((t) => `'${t.qualified}'`).join(', ')} ` +
        `(ALTER PUBLICATION ${quoteIdent(name)} ADD TABLE ${missing.map((t) => t.sql).join(', ')})`,
    );
  return false;
}

/** The slot's plugin and confirmed position, or undefined when there is no such slot. */
export async function findSlot(c: pg.Client, slot: string): Promise<{ plugin: string; confirmedFlushLsn: string | null; database: string } | undefined> {
  const r = await c.query<{ plugin: string; confirmed_flush_lsn: string | null; database: string }>(
    'SELECT plugin, confirmed_flush_lsn::text, database FROM pg_replication_slots WHERE slot_name = $1',
    [slot],
  );
  const row = r.rows[0];
  return row ? { plugin: row.plugin, confirmedFlushLsn: row.confirmed_flush_lsn, database: row.database } : undefined;
}

/** Errors of the server or the network: a restart may help. */
export function externalError(message: string, cause: unknown): EddyError {
  return new EddyError(message, { domain: 'external', retriable: true, cause });
}
