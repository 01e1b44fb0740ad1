// Runs the `eddy` command as a user does, from a temporary working directory (so `.eddy/` state stays
// out of the repository), for the CLI and REST tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const EDDY = join(ROOT, 'bin/eddy.mjs');
/** A file of the repository, by absolute path (the tests run eddy from elsewhere). */
export const repo = (path: string) => join(ROOT, path);

/**
 * Inside the repository tsx maps `eddy` to the sources through tsconfig.json `paths`; tsx reads the
 * tsconfig of the working directory, so from a temporary one it is named explicitly.
 */
const ENV = { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json') };

/** A new empty directory, removed when the test (or suite) ends. */
export function tempDir(t: { after(fn: () => void): void }, prefix = 'eddy-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs `eddy args…` in `cwd` to completion. */
export function eddy(args: string[], cwd: string) {
  return spawnSync(process.execPath, [EDDY, ...args], { cwd, env: ENV, encoding: 'utf8', timeout: 60_000 });
}

export interface RunningEddy {
  child: ChildProcess;
  /** What the process wrote so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves to the exit code when the process ends. */
  exited: Promise<number | null>;
  /** Ends the process if it still runs (SIGTERM, then SIGKILL) and waits for it. */
  stop(): Promise<void>;
}

/** Starts `eddy args…` in `cwd` without waiting for it. */
export function startEddy(args: string[], cwd: string): RunningEddy {
  const child = spawn(process.execPath, [EDDY, ...args], { cwd, env: ENV });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Polls `probe` every 50 ms until it returns a value (not undefined); fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Registration {
  id: string;
  name: string;
  pid: number;
  url: string;
}

/** Waits until the job started by `run` in `cwd` is registered in `.eddy/jobs/`, and returns its registration. */
export function registration(cwd: string, run: RunningEddy): Promise<Registration> {
  const dir = join(cwd, '.eddy/jobs');
  return waitFor('the job to register in .eddy/jobs', () => {
    if (run.child.exitCode !== null) throw new Error(`eddy exited with ${run.child.exitCode} before the job registered:\n${run.stderr()}`);
    if (!existsSync(dir)) return undefined;
    for (const f of readdirSync(dir)) {
      if (!f.endsWith('.json') || f.startsWith('.')) continue;
      const r = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Registration;
      if (r.pid === run.child.pid) return r;
    }
    return undefined;
  });
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}
