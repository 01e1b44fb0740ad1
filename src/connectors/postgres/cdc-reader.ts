/**
 * The reader of {@link PostgresCdcSource}. Its I/O runs on the task's own event loop (between mailbox
 * slices) and fills a bounded queue that `pollNext` drains; the socket is paused while the queue is full.
 *
 * Phases of the split: `init` checks the server (wal_level, tables, publication), creates the slot with
 * `EXPORT_SNAPSHOT` and stages the tables read in that snapshot to a local file — nothing is emitted
 * yet, so a failure here simply starts over (dropping the half-made slot). `snapshot` emits the staged
 * rows from a byte offset (the offset is the checkpointed position, so a restore continues exactly where
 * the checkpoint was, although the exported snapshot itself is gone). `stream` runs
 * `START_REPLICATION … LOGICAL <lsn>` and emits the changes of every transaction that committed after
 * the position; events of the partly emitted transaction that were already emitted are skipped.
 *
 * A run that creates the slot for a snapshot leaves a marker file next to the staged snapshot
 * (`<slot>.slot-created.json`: the server and the slot's consistent point) until a checkpoint taken
 * after the staging completes. A fresh run (no checkpoint to resume) that finds the slot and the marker,
 * with the slot still at that consistent point, knows the slot is its own from a run killed before any
 * checkpoint covered its snapshot: nothing of it was committed downstream (and the slot confirmed nothing),
 * so it drops the slot and takes a new snapshot. A slot without the marker is refused as before.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { PgoutputPlugin, type Pgoutput } from 'pg-logical-replication';
import { ConfigurationError, EddyError } from '../../core/index.ts';
import { InputStatus, type ReaderOutput, type SourceReader, type SourceReaderContext } from '../../api/index.ts';
import { assertTablesExist, checkWalLevel, ensurePublication, externalError, findSlot, quoteIdent, redactUrl } from './cdc-checks.ts';
import type { CdcSettings, CdcSplit, ChangeEvent, SpillTable } from './postgres-cdc-source.ts';
import { formatLsn, parseLsn, standbyStatusUpdate } from './lsn.ts';

const HIGH_WATER = 8_192;
const FETCH_ROWS = 2_000;
const READ_CHUNK = 256 * 1024;

/** A queued change, or the end of its transaction (`event` undefined). */
interface Item {
  event: ChangeEvent | undefined;
  txn: number;
  end: number;
}

type Parser = (raw: string) => unknown;

export class CdcReader implements SourceReader<ChangeEvent, CdcSplit> {
  private split: CdcSplit | undefined;
  private error: Error | undefined;
  private closed = false;
  private noMoreSplits = false;
  /** Stream position: commit end of the last fully emitted transaction; partly emitted one and count. */
  private lsn = 0;
  private txn = -1;
  private skip = 0;
  private queue: Item[] = [];
  private head = 0;
  private repl: pg.Client | undefined;
  private paused = false;
  private attempts = 0;
  /** LSN recorded per checkpoint (stream phase), confirmed to the server when that checkpoint completes. */
  private readonly pendingConfirm = new Map<number, number>();
  private confirmed = 0;
  // staged snapshot reading
  private fd = -1;
  private buf = Buffer.alloc(0);
  private bufPos = 0;
  private fileReadPos = 0;
  private parsers: Parser[][] = [];
  private consistentLsn = '0/0';
  private readonly where: string;
  private readonly isEnd: ((e: ChangeEvent) => boolean) | undefined;
  private ended = false;
  /** The marker of a slot this run created (see the file's summary), removed when `markerCheckpoint` completes. */
  private readonly marker: string;
  private markerCheckpoint = -1;

  constructor(
    private readonly ctx: SourceReaderContext,
    private readonly s: Readonly<CdcSettings>,
  ) {
    this.isEnd = s.isEndOfStream;
    this.where = `PostgresCdcSource (slot '${s.slot}', ${redactUrl(s.connection)})`;
    this.marker = join(s.snapshotDir, `${s.slot}.slot-created.json`);
  }

  /** True when `slot` was created by a run of this job that no completed checkpoint covers (the marker says so). */
  private ownUncheckpointedSlot(slot: { confirmedFlushLsn: string | null }): boolean {
    let m: { server?: string; point?: string };
    try {
      m = JSON.parse(readFileSync(this.marker, 'utf8')) as { server?: string; point?: string };
    } catch {
      return false;
    }
    if (m.server !== redactUrl(this.s.connection)) return false;
    // created and never confirmed past its consistent point (or killed while creating it)
    return m.point === undefined || (slot.confirmedFlushLsn !== null && parseLsn(slot.confirmedFlushLsn) === parseLsn(m.point));
  }

  /** Removes the staged snapshot of the slot the marker names (a killed run's, never to be read). */
  private removeStaleSpill(): void {
    try {
      const m = JSON.parse(readFileSync(this.marker, 'utf8')) as { point?: string };
      if (m.point === undefined) return;
      const file = join(this.s.snapshotDir, `${this.s.slot}-${parseLsn(m.point).toString(16)}.jsonl`);
      rmSync(file, { force: true });
      rmSync(`${file}.tmp`, { force: true });
    } catch {
      /* no marker: nothing staged by a run of this job */
    }
  }

  private writeMarker(point: string | undefined): void {
    mkdirSync(this.s.snapshotDir, { recursive: true });
    writeFileSync(this.marker, JSON.stringify({ server: redactUrl(this.s.connection), slot: this.s.slot, ...(point ? { point } : {}) }));
  }

  start(): void {}

  addSplits(splits: CdcSplit[]): void {
    const split = splits[0];
    if (!split || this.split) return;
    this.split = split;
    void this.begin().catch((e: unknown) => this.fail(e));
  }

  notifyNoMoreSplits(): void {
    this.noMoreSplits = true;
    this.ctx.wakeup();
  }

  private fail(e: unknown): void {
    if (this.closed) return;
    if (e instanceof EddyError) this.error ??= e;
    else this.error ??= externalError(`${this.where}: ${(e as Error)?.message ?? e}`, e);
    this.ctx.wakeup();
  }

  /** Checks the server, then continues in the split's phase. */
  private async begin(): Promise<void> {
    const sp = this.split!;
    const c = new pg.Client({ connectionString: this.s.connection, connectionTimeoutMillis: 10_000 });
    try {
      try {
        await c.connect();
      } catch (e) {
        throw externalError(`${this.where}: cannot connect: ${(e as Error).message}`, e);
      }
      const wal = await c.query<{ wal_level: string }>('SHOW wal_level');
      checkWalLevel(wal.rows[0]!.wal_level, this.s.connection);
      await assertTablesExist(c, this.s.tables, this.s.connection, 'PostgresCdcSource');
      await ensurePublication(c, this.s.publication, this.s.tables, this.s.create, 'PostgresCdcSource');
      const slot = await findSlot(c, this.s.slot);
      if (sp.phase === 'init') {
        if (slot && sp.fresh && this.s.snapshot && !this.ownUncheckpointedSlot(slot))
          throw new ConfigurationError(
            `PostgresCdcSource: replication slot '${this.s.slot}' already exists; a snapshot needs a new slot ` +
              `(drop it: SELECT pg_drop_replication_slot('${this.s.slot}'); or set snapshot: false to stream from its position)`,
          );
        if (slot && sp.fresh && !this.s.snapshot) {
          if (slot.plugin !== 'pgoutput') throw new ConfigurationError(`PostgresCdcSource: replication slot '${this.s.slot}' uses plugin '${slot.plugin}', not pgoutput`);
          this.enterStream(slot.confirmedFlushLsn ?? '0/0', undefined, 0);
        } else {
          // a slot left by an attempt that failed before emitting anything (or by a fresh run killed
          // before its first checkpoint, marked as ours) is ours to replace
          if (slot) {
            if (sp.fresh) this.removeStaleSpill();
            await dropSlot(c, this.s.slot);
          }
          if (!slot && !this.s.create)
            throw new ConfigurationError(`PostgresCdcSource: replication slot '${this.s.slot}' does not exist (create it: SELECT pg_create_logical_replication_slot('${this.s.slot}', 'pgoutput'); or let the source create it)`);
          await this.createSlotAndStage(c);
        }
      } else {
        if (!slot)
          throw new ConfigurationError(
            `PostgresCdcSource: replication slot '${this.s.slot}' does not exist (was it dropped?); the job cannot continue from its checkpointed LSN ${sp.lsn}`,
          );
        if (sp.phase === 'snapshot') this.openSpill();
        else {
          if (sp.spill) rmSync(sp.spill, { force: true });
          this.enterStream(sp.lsn, sp.txn, sp.skip ?? 0);
        }
      }
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  /** Creates the slot exporting a snapshot, stages every table read in it, then moves to `snapshot`. */
  private async createSlotAndStage(c: pg.Client): Promise<void> {
    const sp = this.split!;
    const r = new pg.Client({ connectionString: this.s.connection, replication: 'database', connectionTimeoutMillis: 10_000 } as pg.ClientConfig);
    await r.connect();
    try {
      const mode = this.s.snapshot ? 'EXPORT_SNAPSHOT' : 'NOEXPORT_SNAPSHOT';
      if (this.s.snapshot) this.writeMarker(undefined);
      const created = await r.query<{ consistent_point: string; snapshot_name: string | null }>(
        `CREATE_REPLICATION_SLOT ${quoteIdent(this.s.slot)} LOGICAL pgoutput ${mode}`,
      );
      const point = created.rows[0]!.consistent_point;
      if (!this.s.snapshot) {
        this.enterStream(point, undefined, 0);
        return;
      }
      this.writeMarker(formatLsn(parseLsn(point)));
      const file = join(this.s.snapshotDir, `${this.s.slot}-${parseLsn(point).toString(16)}.jsonl`);
      const tmp = `${file}.tmp`;
      const fh = await openFile(tmp, 'w');
      const layout: SpillTable[] = [];
      try {
        await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        await c.query(`SET TRANSACTION SNAPSHOT '${created.rows[0]!.snapshot_name}'`);
        const raw = { getTypeParser: () => (v: string) => v };
        for (let ti = 0; ti < this.s.tables.length; ti++) {
          const t = this.s.tables[ti]!;
          await c.query(`DECLARE eddy_snapshot NO SCROLL CURSOR FOR SELECT * FROM ${t.sql}`);
          let fields: { name: string; dataTypeID: number }[] | undefined;
          for (;;) {
            if (this.closed) return;
            const res = await c.query({ text: `FETCH FORWARD ${FETCH_ROWS} FROM eddy_snapshot`, rowMode: 'array', types: raw } as pg.QueryConfig);
            fields ??= res.fields;
            if (res.rows.length === 0) break;
            let chunk = '';
            for (const row of res.rows as unknown[][]) chunk += JSON.stringify([ti, row]) + '\n';
            await fh.write(chunk);
          }
          await c.query('CLOSE eddy_snapshot');
          layout.push({ table: t.qualified, columns: fields!.map((f) => f.name), oids: fields!.map((f) => f.dataTypeID) });
        }
        await c.query('COMMIT');
        await fh.sync();
      } finally {
        await fh.close();
      }
      renameSync(tmp, file);
      const dfd = openSync(this.s.snapshotDir, 'r');
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
      sp.spill = file;
      sp.offset = 0;
      sp.layout = layout;
      sp.lsn = formatLsn(parseLsn(point));
      sp.phase = 'snapshot';
      this.openSpill();
    } finally {
      await r.end().catch(() => undefined);
    }
  }

  private openSpill(): void {
    const sp = this.split!;
    if (!sp.spill || !existsSync(sp.spill))
      throw new EddyError(
        `PostgresCdcSource: the staged snapshot '${sp.spill}' of slot '${this.s.slot}' is missing; the snapshot cannot continue ` +
          `(start the job without its checkpoint, after dropping the slot)`,
        { domain: 'external', retriable: false },
      );
    this.parsers = sp.layout!.map((t) => t.oids.map((oid) => pg.types.getTypeParser(oid, 'text') as Parser));
    this.consistentLsn = sp.lsn;
    this.fd = openSync(sp.spill, 'r');
    this.fileReadPos = sp.offset ?? 0;
    this.buf = Buffer.alloc(0);
    this.bufPos = 0;
    this.ctx.wakeup();
  }

  /** Emits up to `max` staged rows; true at the end of the staged snapshot. */
  private readSpill(out: ReaderOutput<ChangeEvent>, max: number): boolean {
    const sp = this.split!;
    const layout = sp.layout!;
    for (let n = 0; n < max; ) {
      const nl = this.buf.indexOf(10, this.bufPos);
      if (nl < 0) {
        const chunk = Buffer.allocUnsafe(READ_CHUNK);
        const got = readSync(this.fd, chunk, 0, READ_CHUNK, this.fileReadPos);
        if (got === 0) return true;
        this.fileReadPos += got;
        this.buf = Buffer.concat([this.buf.subarray(this.bufPos), chunk.subarray(0, got)]);
        this.bufPos = 0;
        continue;
      }
      const [ti, values] = JSON.parse(this.buf.toString('utf8', this.bufPos, nl)) as [number, (string | null)[]];
      sp.offset! += nl - this.bufPos + 1;
      this.bufPos = nl + 1;
      const t = layout[ti]!;
      const ps = this.parsers[ti]!;
      const row: Record<string, unknown> = {};
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        row[t.columns[i]!] = v === null || v === undefined ? null : ps[i]!(v);
      }
      const ev: ChangeEvent = { op: 'read', table: t.table, before: null, after: row, lsn: this.consistentLsn, commitTime: null };
      if (this.isEnd !== undefined && this.isEnd(ev)) {
        this.ended = true;
        return true;
      }
      out.collect(ev);
      n++;
    }
    return false;
  }

  private enterStream(lsn: string, txn: string | undefined, skip: number): void {
    const sp = this.split!;
    sp.phase = 'stream';
    this.lsn = parseLsn(lsn);
    this.txn = txn === undefined ? -1 : parseLsn(txn);
    this.skip = skip;
    this.connect();
  }

  /** Starts replication from the emitted position; on loss of the connection, tries again. */
  private connect(): void {
    if (this.closed) return;
    this.queue = [];
    this.head = 0;
    this.paused = false;
    const startLsn = this.lsn;
    const skipTxn = this.txn;
    let skipLeft = this.skip;
    const tables = new Set(this.s.tables.map((t) => t.qualified));
    const plugin = new PgoutputPlugin({ protoVersion: 1, publicationNames: [this.s.publication] });
    const r = new pg.Client({ connectionString: this.s.connection, replication: 'database', connectionTimeoutMillis: 10_000 } as pg.ClientConfig);
    this.repl = r;
    let curTxn = 0;
    let curTime: number | null = null;
    let inTxn = false;
    let drop = false;
    let lost = false;
    const onLost = (e: unknown): void => {
      if (lost || this.closed || this.repl !== r) return;
      lost = true;
      this.repl = undefined;
      void r.end().catch(() => undefined);
      if (this.attempts++ >= this.s.reconnectAttempts) {
        this.fail(externalError(`${this.where}: replication connection lost (${(e as Error)?.message ?? e}); gave up after ${this.s.reconnectAttempts} reconnect attempts`, e));
        return;
      }
      const t = setTimeout(() => this.connect(), 1_000);
      t.unref?.();
    };
    r.on('error', onLost);
    r.on('end', () => onLost(new Error('connection ended')));
    void (async () => {
      await r.connect();
      const conn = (r as unknown as { connection: { on(ev: string, f: (m: { chunk: Buffer }) => void): void; sendCopyFromChunk(b: Buffer): void; stream: { pause(): void; resume(): void } } }).connection;
      conn.on('copyData', ({ chunk }) => {
        if (chunk[0] === 0x6b) {
          // primary keepalive: answer when asked, with the confirmed position only
          if (chunk[17] === 1) conn.sendCopyFromChunk(standbyStatusUpdate(this.confirmed));
          // bounded mode: everything before the server's sent position has been received
          if (this.s.stopAtLsn !== undefined && !inTxn) {
            const sent = chunk.readUInt32BE(1) * 0x1_0000_0000 + chunk.readUInt32BE(5);
            this.push({ event: undefined, txn: -1, end: sent }, conn);
          }
          return;
        }
        if (chunk[0] !== 0x77) return;
        const m = plugin.parse(chunk.subarray(25)) as Pgoutput.Message;
        switch (m.tag) {
          case 'begin':
            inTxn = true;
            curTxn = parseLsn(m.commitLsn!);
            curTime = Number((m.commitTime as bigint) / 1000n);
            drop = curTxn < startLsn; // committed before the position: emitted already
            return;
          case 'commit':
            inTxn = false;
            if (!drop) this.push({ event: undefined, txn: curTxn, end: parseLsn(m.commitEndLsn!) }, conn);
            return;
          case 'insert':
          case 'update':
          case 'delete': {
            if (drop) return;
            const table = `${m.relation.schema}.${m.relation.name}`;
            if (!tables.has(table)) return;
            if (curTxn === skipTxn && skipLeft > 0) {
              skipLeft--;
              return;
            }
            const lsn = formatLsn(curTxn);
            const commitTime = curTime;
            const ev: ChangeEvent =
              m.tag === 'insert'
                ? { op: 'insert', table, before: null, after: m.new, lsn, commitTime }
                : m.tag === 'update'
                  ? { op: 'update', table, before: m.old ?? m.key ?? null, after: m.new, lsn, commitTime }
                  : { op: 'delete', table, before: m.old ?? m.key ?? null, after: null, lsn, commitTime };
            this.push({ event: ev, txn: curTxn, end: 0 }, conn);
            return;
          }
          default:
            return;
        }
      });
      conn.on('replicationStart', () => {
        this.attempts = 0;
        if (this.confirmed > 0) conn.sendCopyFromChunk(standbyStatusUpdate(this.confirmed));
        if (this.s.stopAtLsn !== undefined) this.startPings(r, conn);
      });
      await r.query(`START_REPLICATION SLOT ${quoteIdent(this.s.slot)} LOGICAL ${formatLsn(startLsn)} (proto_version '1', publication_names '${this.s.publication}')`);
    })().catch((e: unknown) => {
      const msg = (e as Error)?.message ?? String(e);
      if (/replication slot .* does not exist/.test(msg))
        this.fail(new ConfigurationError(`PostgresCdcSource: replication slot '${this.s.slot}' does not exist (was it dropped?)`, e));
      else if (/publication .* does not exist/.test(msg))
        this.fail(new ConfigurationError(`PostgresCdcSource: publication '${this.s.publication}' does not exist (was it dropped?)`, e));
      else onLost(e);
    });
  }

  private pinger: NodeJS.Timeout | undefined;
  /** Bounded mode: asks the server for a keepalive (with its sent position) now and then, so the end is seen. */
  private startPings(r: pg.Client, conn: { sendCopyFromChunk(b: Buffer): void }): void {
    clearInterval(this.pinger);
    this.pinger = setInterval(() => {
      if (this.repl !== r) return clearInterval(this.pinger);
      conn.sendCopyFromChunk(standbyStatusUpdate(this.confirmed, true));
    }, 200);
    this.pinger.unref?.();
  }

  private push(item: Item, conn: { stream: { pause(): void } }): void {
    this.queue.push(item);
    if (!this.paused && this.queue.length - this.head > HIGH_WATER) {
      this.paused = true;
      conn.stream.pause();
    }
    this.ctx.wakeup();
  }

  pollNext(out: ReaderOutput<ChangeEvent>, max: number): InputStatus {
    const st = this.poll(out, max);
    if (st === InputStatus.EndOfInput && this.markerCheckpoint !== Number.MAX_SAFE_INTEGER) {
      // the end is reached: a later fresh run must not replace the slot (its output may be committed by
      // the final checkpoint), so the marker goes now — a kill before that commit leaves a refused slot
      rmSync(this.marker, { force: true });
      this.markerCheckpoint = Number.MAX_SAFE_INTEGER;
    }
    return st;
  }

  private poll(out: ReaderOutput<ChangeEvent>, max: number): InputStatus {
    if (this.error) throw this.error;
    if (this.ended) return InputStatus.EndOfInput;
    const sp = this.split;
    if (!sp || sp.phase === 'init') return InputStatus.NothingAvailable;
    if (sp.phase === 'snapshot') {
      if (this.fd < 0) return InputStatus.NothingAvailable;
      if (!this.readSpill(out, max)) return InputStatus.MoreAvailable;
      closeSync(this.fd);
      this.fd = -1;
      if (this.ended) return InputStatus.EndOfInput;
      this.enterStream(sp.lsn, undefined, 0);
      return InputStatus.NothingAvailable;
    }
    const q = this.queue;
    let emitted = 0;
    let i = this.head;
    const stop = this.s.stopAtLsn;
    while (i < q.length && emitted < max) {
      const it = q[i++]!;
      if (stop !== undefined && it.txn >= stop) {
        this.ended = true;
        this.head = i - 1;
        return InputStatus.EndOfInput;
      }
      if (it.event === undefined) {
        if (it.end > this.lsn) this.lsn = it.end;
        this.txn = -1;
        this.skip = 0;
        continue;
      }
      if (this.isEnd !== undefined && this.isEnd(it.event)) {
        this.ended = true;
        this.head = i - 1;
        return InputStatus.EndOfInput;
      }
      if (this.txn !== it.txn) {
        this.txn = it.txn;
        this.skip = 0;
      }
      this.skip++;
      out.collect(it.event);
      emitted++;
    }
    this.head = i;
    if (i === q.length) {
      this.queue = [];
      this.head = 0;
      if (this.paused && this.repl) {
        this.paused = false;
        (this.repl as unknown as { connection: { stream: { resume(): void } } }).connection.stream.resume();
      }
      if (stop !== undefined && this.txn < 0 && this.lsn >= stop) {
        this.ended = true;
        return InputStatus.EndOfInput;
      }
      return InputStatus.NothingAvailable;
    }
    return InputStatus.MoreAvailable;
  }

  snapshotState(checkpointId: number): CdcSplit[] {
    const sp = this.split;
    if (!sp) return [];
    if (sp.phase !== 'init' && this.markerCheckpoint < 0) this.markerCheckpoint = checkpointId;
    if (sp.phase === 'stream') {
      this.pendingConfirm.set(checkpointId, this.lsn);
      return [{ id: 'cdc', phase: 'stream', fresh: false, lsn: formatLsn(this.lsn), ...(this.txn >= 0 ? { txn: formatLsn(this.txn), skip: this.skip } : {}), ...(sp.spill ? { spill: sp.spill } : {}) }];
    }
    if (sp.phase === 'init') return [{ id: 'cdc', phase: 'init', fresh: false, lsn: '0/0' }];
    return [{ ...sp, fresh: false, layout: sp.layout!.map((t) => ({ ...t })) }];
  }

  /** The checkpoint is durable: the server may now discard the WAL before its position. */
  notifyCheckpointComplete(checkpointId: number): void {
    if (this.markerCheckpoint >= 0 && checkpointId >= this.markerCheckpoint) {
      // a checkpoint past the staging is durable: a later run resumes from it and never replaces the slot
      rmSync(this.marker, { force: true });
      this.markerCheckpoint = Number.MAX_SAFE_INTEGER;
    }
    let best = -1;
    for (const [id, lsn] of this.pendingConfirm) {
      if (id <= checkpointId) {
        if (lsn > best) best = lsn;
        this.pendingConfirm.delete(id);
      }
    }
    if (best > this.confirmed) {
      this.confirmed = best;
      const sp = this.split;
      if (sp?.spill) {
        rmSync(sp.spill, { force: true }); // the stream phase is checkpointed: the staged snapshot is done with
        sp.spill = undefined;
      }
      const conn = (this.repl as unknown as { connection?: { sendCopyFromChunk(b: Buffer): void } } | undefined)?.connection;
      conn?.sendCopyFromChunk(standbyStatusUpdate(best));
    }
  }

  close(): void {
    this.closed = true;
    clearInterval(this.pinger);
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    const r = this.repl;
    this.repl = undefined;
    if (r) void r.end().catch(() => undefined);
  }
}

/** Drops a slot, waiting (up to 30 s) while the walsender of a killed run still holds it. */
async function dropSlot(c: pg.Client, slot: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await c.query('SELECT pg_drop_replication_slot($1)', [slot]);
      return;
    } catch (e) {
      if (i >= 60 || !/is active/.test((e as Error).message)) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
