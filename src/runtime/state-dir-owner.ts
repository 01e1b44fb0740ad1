/**
 * Working directories of a job's attempts (`<stateDir>/<jobId>-a<attempt>-slot-<n>`, lmdb environments) are
 * removed when an attempt stops. A run killed with SIGKILL cannot do that, so each run marks the directories
 * it owns with `<stateDir>/<jobId>.owner` (its process id and, on Linux, when that process started, so that
 * a process id reused by another process does not keep a dead run's directories); a later run removes those
 * of processes that no longer exist. Runs of live processes (also other jobs in this process) are left alone.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const OWNER = /^(.+)\.owner$/;

/**
 * When the process started (Linux: jiffies since boot, field 22 of /proc/<pid>/stat), so that a process id
 * reused by a later process is not mistaken for the run that wrote the mark; undefined elsewhere.
 */
async function startTime(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

async function alive(pid: number, started: string | undefined): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // the id exists: the same process only if it started when the mark says (when both are known)
  if (started === undefined) return true;
  const now = await startTime(pid);
  return now === undefined || now === started;
}

/** Removes what dead runs left under `stateDir` (logging each), then marks `jobId`'s directories as this process's. */
export async function claimStateDir(stateDir: string, jobId: string, log: (line: string) => void): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const names = await readdir(stateDir);
  for (const name of names) {
    const m = OWNER.exec(name);
    if (!m) continue;
    const [pidText, started] = (await readFile(join(stateDir, name), 'utf8').catch(() => '')).trim().split(' ');
    const pid = Number(pidText);
    if (!Number.isInteger(pid) || pid <= 0 || (await alive(pid, started))) continue;
    const dirs = names.filter((n) => n.startsWith(`${m[1]}-a`));
    for (const d of dirs) await rm(join(stateDir, d), { recursive: true, force: true });
    await rm(join(stateDir, name), { force: true });
    log(`removed ${dirs.length} working ${dirs.length === 1 ? 'directory' : 'directories'} of a run that ended without cleaning up (process ${pid}) under ${stateDir}`);
  }
  const started = await startTime(process.pid);
  await writeFile(join(stateDir, `${jobId}.owner`), started === undefined ? String(process.pid) : `${process.pid} ${started}`);
}

/** The run ended and removed its directories: drop the mark. */
export async function releaseStateDir(stateDir: string, jobId: string): Promise<void> {
  await rm(join(stateDir, `${jobId}.owner`), { force: true });
}
