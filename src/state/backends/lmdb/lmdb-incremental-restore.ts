/**
 * Reading incremental lmdb checkpoints (see `lmdb-incremental-snapshot.ts`): {@link materializeIncremental}
 * turns a handle's base file and deltas into a live lmdb environment (the fast restore path: a file copy
 * plus the deltas), and {@link incrementalToCanonical} converts a handle into the canonical key-group
 * format (restore into the heap backend, at another parallelism, or into a savepoint).
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Database, RootDatabase } from 'lmdb';
import { EddyError, type KeyGroupRange } from '../../../core/index.ts';
import { KEYED_STATE_SNAPSHOT_VERSION, type IncrementalKeyedHandle, type KeyedStateSnapshot, type KeyGroupBlob } from '../../keyed-state-snapshot.ts';
import { concatMsgpackArray } from '../../type-serializer.ts';
import { applyMergedDeltas, mergeDeltaFiles } from './delta-file.ts';
import { encodeLmdbKeyGroup } from './lmdb-snapshot-encoder.ts';
import { openLmdbEnvironment } from './lmdb-env.ts';

/** A live environment built from an incremental handle. */
export interface MaterializedState {
  env: RootDatabase;
  db: Database<Uint8Array, Buffer>;
}

/**
 * Copies the handle's base file to `envDir/data.mdb` (an empty environment when there is none), opens it
 * and applies the deltas, merged (newest entry per key), in key order and 1000 entries per write
 * transaction. With `keep`, delta entries of other key groups are skipped (the base keeps them; callers
 * filter when reading).
 */
export function materializeIncremental(h: IncrementalKeyedHandle, envDir: string, keep?: (keyGroup: number) => boolean): MaterializedState {
  rmSync(envDir, { recursive: true, force: true });
  mkdirSync(envDir, { recursive: true });
  if (h.base) {
    const src = join(h.dir, h.base.file);
    try {
      copyFileSync(src, join(envDir, 'data.mdb'));
    } catch (e) {
      throw new EddyError(`incremental checkpoint base file ${src} cannot be copied to ${envDir}: ${(e as Error).message}`, { domain: 'external', cause: e });
    }
  }
  const env = openLmdbEnvironment(envDir);
  const db = env.openDB<Buffer, Buffer>({ name: h.dbName, keyEncoding: 'binary', encoding: 'binary' });
  if (h.deltas.length > 0) {
    const merged = mergeDeltaFiles(h.deltas.map((d) => join(h.dir, d.file)), keep);
    applyMergedDeltas(merged, db);
  }
  return { env, db };
}

/**
 * The canonical form (key-group blobs) of an incremental snapshot, restricted to `range`. Builds the
 * state in a temporary environment under `tmpRoot` (default: the OS temp directory) and removes it.
 */
export function incrementalToCanonical(s: KeyedStateSnapshot, range: KeyGroupRange, tmpRoot = tmpdir()): KeyedStateSnapshot {
  const h = s.incremental!;
  const first = Math.max(range.start, h.keyGroupRange[0]);
  const last = Math.min(range.end, h.keyGroupRange[1]);
  const keyGroups: KeyGroupBlob[] = [];
  if (first <= last) {
    const dir = mkdtempSync(join(tmpRoot, 'eddy-incremental-'));
    try {
      const { env, db } = materializeIncremental(h, join(dir, 'env'), (kg) => kg >= first && kg <= last);
      try {
        for (let kg = first; kg <= last; kg++) {
          const chunks: Uint8Array[] = [];
          let count = 0;
          for (let i = 0; i < s.states.length; i++) {
            const m = s.states[i]!;
            const r = encodeLmdbKeyGroup(db, undefined, kg, h.stateIds[i]!, m.kind, m.name);
            count += r.count;
            for (const c of r.chunks) chunks.push(c);
          }
          if (count > 0) keyGroups.push({ keyGroup: kg, data: concatMsgpackArray(count, chunks) });
        }
      } finally {
        void env.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return {
    version: KEYED_STATE_SNAPSHOT_VERSION,
    operatorId: s.operatorId,
    maxParallelism: s.maxParallelism,
    checkpointId: s.checkpointId,
    backend: s.backend,
    states: s.states,
    keyGroups,
  };
}
