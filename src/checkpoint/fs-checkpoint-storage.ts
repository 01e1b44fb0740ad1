/**
 * Checkpoints in a directory: `<root>/<job>/chk-<id>/` with one state file per operator subtask and a
 * `_metadata` file written last, atomically (temp file, fsync, rename, directory fsync). Every state
 * file's SHA-256 is in the metadata, and the metadata carries a checksum of itself; a file that does not
 * match is detected on load and named. A damaged newest checkpoint stops a resume with an error rather
 * than falling back silently: an older checkpoint would replay output the newest one already committed.
 * Savepoints go into a new directory `savepoint-<job id prefix>-<random>` under the target the user
 * names; nothing already in the target is deleted or overwritten.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs, constants as fsc } from 'node:fs';
import { join, resolve } from 'node:path';
import { Packr } from 'msgpackr';
import { EddyError, faultPoint } from '../core/index.ts';
import { hashFile, sharedFilesOf, type SharedStateFile } from '../state/index.ts';
import type { CheckpointStorage } from './checkpoint-storage.ts';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_VERSION,
  METADATA_FILE,
  type CheckpointMetadata,
  type CompletedCheckpoint,
  type OperatorMetadata,
  type OperatorSubtaskState,
} from './checkpoint-format.ts';

const packr = new Packr({ useRecords: false, moreTypes: true, structuredClone: true });

export interface CheckpointToWrite {
  metadata: Omit<CheckpointMetadata, 'operators' | 'format' | 'version'> & { operators: Omit<OperatorMetadata, 'subtasks'>[] };
  states: Map<string, OperatorSubtaskState[]>;
}

export type CheckpointLog = (line: string) => void;

export class CheckpointCorruptError extends EddyError {
  constructor(message: string, readonly file: string) {
    super(message, { domain: 'external', retriable: false });
  }
}

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, '_');
}

async function fsyncPath(path: string, dir = false): Promise<void> {
  const fh = await fs.open(path, dir ? fsc.O_RDONLY | (fsc.O_DIRECTORY ?? 0) : 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** The checksum of a metadata object (without its own `checksum` field), as written to `_metadata`. */
function metadataChecksum(m: Omit<CheckpointMetadata, 'checksum'>): string {
  return sha256(Buffer.from(JSON.stringify(m, null, 1)));
}

/**
 * Creates a new, empty savepoint directory `savepoint-<job id prefix>-<random>` under `target` (created
 * if missing) and returns its path; never touches what `target` already holds. The new entry is fsynced.
 */
export async function createSavepointDir(target: string, jobId: string): Promise<string> {
  const root = resolve(target);
  await fs.mkdir(root, { recursive: true });
  const prefix = jobId.replace(/[^0-9a-fA-F]/g, '').slice(0, 6).toLowerCase() || 'eddy';
  for (let i = 0; ; i++) {
    const dir = join(root, `savepoint-${prefix}-${randomBytes(6).toString('hex')}`);
    try {
      await fs.mkdir(dir); // not recursive: fails if the name exists
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && i < 10) continue;
      throw e;
    }
    await fsyncPath(root, true);
    return dir;
  }
}

/**
 * Writes a checkpoint or savepoint into `dir`, which must exist and be empty (a new savepoint directory,
 * or a checkpoint directory the storage just created): nothing in it is deleted.
 */
export async function writeCheckpointDir(dir: string, cp: CheckpointToWrite): Promise<CheckpointMetadata> {
  // Files are written and fsynced concurrently: the metadata, written after all of them, is the commit point.
  const operators: OperatorMetadata[] = await Promise.all(
    cp.metadata.operators.map(async (op) => {
      const subtasks = await Promise.all(
        (cp.states.get(op.operatorId) ?? []).map(async (st) => {
          const bytes = packr.pack(st);
          const file = `${safeName(op.operatorId)}-${st.subtask < 0 ? 'coordinator' : st.subtask}.state`;
          const fh = await fs.open(join(dir, file), 'w');
          try {
            await fh.writeFile(bytes);
            await fh.sync();
          } finally {
            await fh.close();
          }
          return { subtask: st.subtask, file, size: bytes.length, sha256: sha256(bytes) };
        }),
      );
      return { ...op, subtasks };
    }),
  );
  const shared = new Map<string, SharedStateFile>();
  for (const list of cp.states.values()) for (const st of list) for (const f of sharedFilesOf(st.keyed)) shared.set(f.file, f);
  const unsigned: CheckpointMetadata = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_FORMAT_VERSION,
    ...cp.metadata,
    operators,
    ...(shared.size > 0 ? { shared: [...shared.values()] } : {}),
  };
  const metadata: CheckpointMetadata = { ...unsigned, checksum: metadataChecksum(unsigned) };
  faultPoint('coordinator:before-metadata');
  const tmp = join(dir, METADATA_FILE + '.tmp');
  await fs.writeFile(tmp, JSON.stringify(metadata, null, 1));
  await fsyncPath(tmp);
  await fs.rename(tmp, join(dir, METADATA_FILE));
  await fsyncPath(dir, true);
  faultPoint('coordinator:after-metadata');
  return metadata;
}

/** Reads and verifies a checkpoint or savepoint directory; throws {@link CheckpointCorruptError} naming the bad file. */
export async function readCheckpointDir(dir: string): Promise<CompletedCheckpoint> {
  const metaPath = join(dir, METADATA_FILE);
  let text: string;
  try {
    text = await fs.readFile(metaPath, 'utf8');
  } catch (e) {
    throw new CheckpointCorruptError(`no checkpoint metadata at ${metaPath}: ${(e as Error).message}`, metaPath);
  }
  let metadata: CheckpointMetadata;
  try {
    metadata = JSON.parse(text) as CheckpointMetadata;
  } catch (e) {
    throw new CheckpointCorruptError(`checkpoint metadata ${metaPath} is not valid JSON: ${(e as Error).message}`, metaPath);
  }
  if (metadata === null || typeof metadata !== 'object' || metadata.format !== CHECKPOINT_FORMAT) throw new CheckpointCorruptError(`${metaPath} is not an eddy checkpoint`, metaPath);
  if (metadata.checksum !== undefined) {
    // Written by every writer since the field exists; older metadata (the v1 fixtures) has none.
    const { checksum, ...unsigned } = metadata;
    if (checksum !== metadataChecksum(unsigned)) throw new CheckpointCorruptError(`checkpoint metadata ${metaPath} is corrupt (checksum mismatch)`, metaPath);
  }
  if (metadata.version > CHECKPOINT_FORMAT_VERSION)
    throw new CheckpointCorruptError(`${metaPath} has format version ${metadata.version}; this eddy reads up to ${CHECKPOINT_FORMAT_VERSION}`, metaPath);
  const states = new Map<string, OperatorSubtaskState[]>();
  for (const op of metadata.operators) {
    const list: OperatorSubtaskState[] = [];
    for (const ref of op.subtasks) {
      const path = join(dir, ref.file);
      let bytes: Buffer;
      try {
        bytes = await fs.readFile(path);
      } catch (e) {
        throw new CheckpointCorruptError(`checkpoint file ${path} is missing: ${(e as Error).message}`, path);
      }
      if (bytes.length !== ref.size || sha256(bytes) !== ref.sha256)
        throw new CheckpointCorruptError(`checkpoint file ${path} is corrupt (size ${bytes.length}, expected ${ref.size}; checksum mismatch)`, path);
      list.push(packr.unpack(bytes) as OperatorSubtaskState);
    }
    states.set(op.operatorId, list);
  }
  if (metadata.shared?.length) {
    // Incremental checkpoints: the shared files they reference, checked like the state files.
    const sharedDir = resolve(dir, '..', SHARED_DIR);
    for (const ref of metadata.shared) {
      const path = join(sharedDir, ref.file);
      let got: { size: number; sha256: string };
      try {
        got = await hashFile(path);
      } catch (e) {
        throw new CheckpointCorruptError(`shared checkpoint file ${path} (checkpoint ${metadata.checkpointId}) is missing: ${(e as Error).message}`, path);
      }
      if (got.size !== ref.size || got.sha256 !== ref.sha256)
        throw new CheckpointCorruptError(`shared checkpoint file ${path} (checkpoint ${metadata.checkpointId}) is corrupt (size ${got.size}, expected ${ref.size}; checksum mismatch)`, path);
    }
    for (const list of states.values()) for (const st of list) if (st.keyed?.incremental) st.keyed.incremental.dir = sharedDir;
  }
  return { metadata, location: resolve(dir), states };
}

/** Why a resume stops at a damaged newest checkpoint, and what the user can do. */
export function unusableCheckpointMessage(jobName: string, id: number, problem: string, older: string | undefined): string {
  return (
    `cannot resume job '${jobName}': its newest checkpoint ${id} is unusable: ${problem}. ` +
    `eddy does not fall back to an older checkpoint on its own: checkpoint ${id} may have committed output that a restore of an older one would write again. ` +
    (older !== undefined ? `To continue anyway, restore the older one explicitly (${older}) and expect output committed after it to appear twice, ` : 'To continue, ') +
    `or start the job fresh without --resume.`
  );
}

/** Name of the directory of shared files (incremental checkpoints) next to a job's `chk-<n>` directories. */
export const SHARED_DIR = 'shared';

/** The shared files a checkpoint directory's metadata references (none if it has no readable metadata). */
async function sharedRefs(dir: string): Promise<string[]> {
  try {
    const m = JSON.parse(await fs.readFile(join(dir, METADATA_FILE), 'utf8')) as CheckpointMetadata;
    return (m.shared ?? []).map((f) => f.file);
  } catch {
    return [];
  }
}

export class FsCheckpointStorage implements CheckpointStorage {
  constructor(readonly root: string) {}

  describe(jobName: string): string {
    return this.jobDir(jobName);
  }

  jobDir(jobName: string): string {
    return resolve(this.root, safeName(jobName));
  }

  /** Where the job's incremental checkpoints keep their shared files. */
  sharedDir(jobName: string): string {
    return join(this.jobDir(jobName), SHARED_DIR);
  }

  async write(cp: CheckpointToWrite): Promise<string> {
    const jd = this.jobDir(cp.metadata.jobName);
    const dir = join(jd, `chk-${cp.metadata.checkpointId}`);
    // Checkpoint ids never repeat within a job's directory; a directory of this id can only be the
    // leftover of an attempt that never completed it.
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(dir, { recursive: true });
    await fsyncPath(jd, true);
    await writeCheckpointDir(dir, cp);
    return dir;
  }

  async highestId(jobName: string): Promise<number> {
    const all = await this.list(jobName);
    return all.length > 0 ? all[0]!.id : 0;
  }

  /** Completed-looking checkpoint directories of a job, newest first. */
  async list(jobName: string): Promise<{ id: number; dir: string; complete: boolean }[]> {
    const jd = this.jobDir(jobName);
    let names: string[];
    try {
      names = await fs.readdir(jd);
    } catch {
      return [];
    }
    const out = [];
    for (const n of names) {
      const m = /^chk-(\d+)$/.exec(n);
      if (!m) continue;
      const dir = join(jd, n);
      const complete = await fs
        .access(join(dir, METADATA_FILE))
        .then(() => true)
        .catch(() => false);
      out.push({ id: Number(m[1]), dir, complete });
    }
    return out.sort((a, b) => b.id - a.id);
  }

  /**
   * The newest completed checkpoint, verified. Incomplete directories (no `_metadata`: never completed,
   * so nothing was committed for them) are removed. A damaged newest checkpoint throws
   * {@link CheckpointCorruptError} naming the bad file: it may have committed output, which restoring an
   * older one would emit again (see {@link unusableCheckpointMessage}).
   */
  async loadLatest(jobName: string, log: CheckpointLog): Promise<CompletedCheckpoint | undefined> {
    const all = await this.list(jobName);
    for (const c of all) {
      if (!c.complete) {
        log(`removing incomplete checkpoint ${c.dir}`);
        await fs.rm(c.dir, { recursive: true, force: true });
        continue;
      }
      try {
        return await readCheckpointDir(c.dir);
      } catch (e) {
        if (!(e instanceof CheckpointCorruptError)) throw e;
        const older = all.find((o) => o.id < c.id && o.complete);
        throw new CheckpointCorruptError(unusableCheckpointMessage(jobName, c.id, e.message, older && `--from-savepoint ${older.dir}`), e.file);
      }
    }
    return undefined;
  }

  /** Keeps the newest `retain` completed checkpoints, removes older and incomplete ones (except `keep`). */
  async prune(jobName: string, retain: number, keep?: number): Promise<void> {
    const all = await this.list(jobName);
    let kept = 0;
    const removed: typeof all = [];
    const retained: typeof all = [];
    for (const c of all) {
      if (c.id === keep || (c.complete && kept < retain)) {
        kept++;
        retained.push(c);
        continue;
      }
      if (!c.complete && keep !== undefined && c.id > keep) continue; // may be in progress
      removed.push(c);
    }
    // Shared files (incremental checkpoints) are reference-counted over the retained checkpoints: a file
    // goes when the last checkpoint that references it goes. Files of checkpoints still in progress are
    // referenced by no removed checkpoint, so they stay.
    const dropped = new Set<string>();
    for (const c of removed) if (c.complete) for (const f of await sharedRefs(c.dir)) dropped.add(f);
    if (dropped.size > 0) for (const c of retained) for (const f of await sharedRefs(c.dir)) dropped.delete(f);
    for (const c of removed) await fs.rm(c.dir, { recursive: true, force: true });
    const sd = this.sharedDir(jobName);
    for (const f of dropped) await fs.rm(join(sd, f), { force: true });
  }

  async removeUnreferencedShared(jobName: string): Promise<void> {
    const sd = this.sharedDir(jobName);
    let names: string[];
    try {
      names = await fs.readdir(sd);
    } catch {
      return;
    }
    const referenced = new Set<string>();
    for (const c of await this.list(jobName)) if (c.complete) for (const f of await sharedRefs(c.dir)) referenced.add(f);
    // Carry on past a file that cannot be removed (the next sweep retries it); report the first failure.
    let first: Error | undefined;
    for (const n of names) if (!referenced.has(n)) await fs.rm(join(sd, n), { recursive: true, force: true }).catch((e: Error) => (first ??= e));
    if (first) throw first;
  }
}
