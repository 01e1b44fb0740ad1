/**
 * Working directories of a job's attempts (`<stateDir>/<jobId>-a<attempt>-slot-<n>`, lmdb environments) are
 * removed when an attempt stops. A run killed with SIGKILL cannot do that, so each run marks the directories
 * it owns with `<stateDir>/<jobId>.owner` (its process id); a later run removes those of processes that no
 * longer exist. Runs of live processes (also other jobs in this process) are left alone.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const OWNER = /^(.+)\.owner$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes what dead runs left under `stateDir` (logging each), then marks `jobId`'s directories as this process's. */
export async function claimStateDir(stateDir: string, jobId: string, log: (line: string) => void): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const names = await readdir(stateDir);
  for (const name of names) {
    const m = OWNER.exec(name);
    if (!m) continue;
    const pid = Number((await readFile(join(stateDir, name), 'utf8').catch(() => '')).trim());
    if (!Number.isInteger(pid) || pid <= 0 || alive(pid)) continue;
    const dirs = names.filter((n) => n.startsWith(`${m[1]}-a`));
    for (const d of dirs) await rm(join(stateDir, d), { recursive: true, force: true });
    await rm(join(stateDir, name), { force: true });
    log(`removed ${dirs.length} working ${dirs.length === 1 ? 'directory' : 'directories'} of a run that ended without cleaning up (process ${pid}) under ${stateDir}`);
  }
  await writeFile(join(stateDir, `${jobId}.owner`), String(process.pid));
}

/** The run ended and removed its directories: drop the mark. */
export async function releaseStateDir(stateDir: string, jobId: string): Promise<void> {
  await rm(join(stateDir, `${jobId}.owner`), { force: true });
}
