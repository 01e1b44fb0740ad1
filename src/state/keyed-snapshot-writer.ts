/**
 * {@link KeyedSnapshotWriter}: the second phase of a keyed-state snapshot. It holds the captured views of
 * every state (see `StateTable.capture`) and encodes them key group by key group into the canonical format
 * (`keyed-state-snapshot.ts`), dropping expired TTL entries of states configured with
 * `cleanupFullSnapshot` (as of the capture time).
 */
import { EddyError, type KeyGroupRange } from '../core/index.ts';
import type { StateKind } from './state-descriptor.ts';
import type { TableCapture } from './state-table.ts';
import type { TtlPolicy } from './abstract-kv-state.ts';
import {
  KEYED_STATE_SNAPSHOT_VERSION,
  type KeyedStateSnapshot,
  type KeyGroupBlob,
  type PendingKeyedSnapshot,
  type SnapshotStateMeta,
} from './keyed-state-snapshot.ts';
import { concatMsgpackArray, packDetached } from './type-serializer.ts';

/** One captured state and, if its expired entries are to be left out, its TTL policy. */
export interface CapturedState {
  name: string;
  kind: StateKind;
  view: TableCapture;
  purge: TtlPolicy | undefined;
}

/** What a writer needs besides the captures. */
export interface SnapshotWriterOptions {
  operatorId: string;
  maxParallelism: number;
  checkpointId: number;
  backend: string;
  keyGroupRange: KeyGroupRange;
  states: SnapshotStateMeta[];
  captured: CapturedState[];
  /** Clock time of the capture (TTL cleanup in full snapshots). */
  now: number;
  /** Frees the capture (called once, by `finish` or `release`). */
  onRelease: () => void;
}

/** Encodes a captured keyed-state snapshot, incrementally. */
export class KeyedSnapshotWriter implements PendingKeyedSnapshot {
  readonly checkpointId: number;
  private next: number;
  private readonly keyGroups: KeyGroupBlob[] = [];
  private released = false;
  /** Some capture can hand out encoded bytes: build blobs from chunks. */
  private readonly raw: boolean;

  constructor(private readonly o: SnapshotWriterOptions) {
    this.checkpointId = o.checkpointId;
    this.next = o.keyGroupRange.start;
    this.raw = o.captured.some((c) => c.view.encodeKeyGroup !== undefined);
  }

  writeSome(maxKeyGroups: number): boolean {
    if (this.released) throw new EddyError(`snapshot ${this.checkpointId} of operator ${this.o.operatorId} was already finished or released`);
    const end = this.o.keyGroupRange.end;
    for (let n = 0; n < maxKeyGroups && this.next <= end; n++, this.next++) {
      const kg = this.next;
      const data = this.raw ? this.encodeRaw(kg) : this.encodeValues(kg);
      if (data !== undefined) this.keyGroups.push({ keyGroup: kg, data });
      for (const c of this.o.captured) c.view.doneWith?.(kg);
    }
    return this.next > end;
  }

  /** Packs the entries of `kg` from their values (heap; TTL cleanup). */
  private encodeValues(kg: number): Uint8Array | undefined {
    const entries: unknown[] = [];
    for (const c of this.o.captured) {
      c.view.forEachInKeyGroup(kg, (key, ns, value) => {
        const v = c.purge === undefined ? value : purgeCanonical(c.kind, c.purge, value, this.o.now);
        if (v !== undefined) entries.push([c.name, key, ns, v]);
      });
    }
    return entries.length > 0 ? packDetached(entries) : undefined;
  }

  /** Splices stored bytes where the capture offers them (lmdb), packs the other entries one by one. */
  private encodeRaw(kg: number): Uint8Array | undefined {
    const chunks: Uint8Array[] = [];
    let count = 0;
    for (const c of this.o.captured) {
      if (c.purge === undefined && c.view.encodeKeyGroup) {
        const r = c.view.encodeKeyGroup(kg);
        count += r.count;
        for (const ch of r.chunks) chunks.push(ch);
        continue;
      }
      c.view.forEachInKeyGroup(kg, (key, ns, value) => {
        const v = c.purge === undefined ? value : purgeCanonical(c.kind, c.purge, value, this.o.now);
        if (v === undefined) return;
        chunks.push(packDetached([c.name, key, ns, v]));
        count++;
      });
    }
    if (count === 0) return undefined;
    return concatMsgpackArray(count, chunks);
  }

  finish(): KeyedStateSnapshot {
    this.writeSome(Infinity);
    this.release();
    const o = this.o;
    return {
      version: KEYED_STATE_SNAPSHOT_VERSION,
      operatorId: o.operatorId,
      maxParallelism: o.maxParallelism,
      checkpointId: o.checkpointId,
      backend: o.backend,
      states: o.states,
      keyGroups: this.keyGroups,
    };
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    for (const c of this.o.captured) c.view.release?.();
    this.o.onRelease();
  }
}

/** The canonical value without expired parts, `undefined` when nothing is left. */
function purgeCanonical(kind: StateKind, ttl: TtlPolicy, value: unknown, now: number): unknown {
  if (kind === 'list') return ttl.purgeList(value as [unknown, number][], now);
  if (kind === 'map') {
    const live = (value as Array<[unknown, [unknown, number]]>).filter((e) => !ttl.expired(e[1], now));
    return live.length === 0 ? undefined : live;
  }
  return ttl.expired(value as [unknown, number], now) ? undefined : value;
}
