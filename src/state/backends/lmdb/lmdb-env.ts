/**
 * Opening lmdb environments the way every part of the lmdb backend needs them: a directory holding
 * `data.mdb`, `noSync` (a working copy: durability comes from checkpoints), binary keys and values.
 */
import { mkdirSync } from 'node:fs';
import { open, type RootDatabase } from 'lmdb';

/** Opens (creating it if missing) the lmdb environment in directory `path`. */
export function openLmdbEnvironment(path: string): RootDatabase {
  mkdirSync(path, { recursive: true });
  return open({ path, noSync: true, noMemInit: true, maxDbs: 1024, mapSize: 2 ** 40, keyEncoding: 'binary', encoding: 'binary' });
}
