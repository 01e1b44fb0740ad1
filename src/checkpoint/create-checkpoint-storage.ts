/** Picks the checkpoint storage for a spec: a registered factory's (e.g. postgres://…) or a directory. */
import type { CheckpointStorage } from './checkpoint-storage.ts';
import { storageFactories } from './checkpoint-storage.ts';
import { FsCheckpointStorage } from './fs-checkpoint-storage.ts';
import { PostgresCheckpointStorage } from './postgres-checkpoint-storage.ts';
import { EddyError } from '../core/index.ts';

export function createCheckpointStorage(spec: string): CheckpointStorage {
  for (const f of storageFactories()) {
    const s = f(spec);
    if (s) return s;
  }
  const pg = PostgresCheckpointStorage.fromSpec(spec);
  if (pg) return pg;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec) && !spec.startsWith('file://'))
    throw new EddyError(`no checkpoint storage for '${spec.replace(/\/\/[^@/]*@/, '//***@')}' (known: a directory path, file://, postgres://)`, { domain: 'user' });
  return new FsCheckpointStorage(spec.startsWith('file://') ? new URL(spec).pathname : spec);
}
