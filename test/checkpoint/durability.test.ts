// Durability of what a checkpoint's commit point relies on, observed in the system calls of a real run
// (strace -f -y, which prints each file descriptor's path): the job directory is fsynced after `chk-<n>/` is
// created and before `_metadata` lands; `chk-<n>/` is fsynced after the rename of `_metadata`; with
// incremental lmdb checkpoints `shared/` is fsynced after new delta files and after a base copy's rename.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function strace(dir: string, args: string[]): string[] | undefined {
  const out = join(dir, 'trace.txt');
  const r = spawnSync('strace', ['-f', '-y', '-qq', '-e', 'trace=mkdir,mkdirat,fsync,rename,renameat,renameat2', '-o', out, process.execPath, 'bin/eddy.mjs', 'run', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 150_000,
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(out, 'utf8').split('\n');
}

/** Index of the first line at or after `from` matching `re`, or -1. */
const find = (lines: string[], re: RegExp, from = 0) => {
  for (let i = from; i < lines.length; i++) if (re.test(lines[i]!)) return i;
  return -1;
};
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('checkpoint directories: the job directory is fsynced after chk-<n> is created, chk-<n> after _metadata lands', { timeout: 180_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-durable-'));
  try {
    const lines = strace(dir, ['test/jobs/safety-job.ts', '--checkpoint-dir', join(dir, 'chk'), '--no-progress', '--no-rest', 'n=20000', `out=${join(dir, 'out')}`, 'interval=100', 'pace=5']);
    if (!lines) return t.skip('strace is not installed');
    const jobDir = join(dir, 'chk', 'safety');
    let checked = 0;
    for (let id = 1; id <= 3; id++) {
      const chk = join(jobDir, `chk-${id}`);
      const made = find(lines, new RegExp(`mkdir(at)?\\(.*"${esc(chk)}"`));
      if (made < 0) continue;
      const dirSync = find(lines, new RegExp(`fsync\\(\\d+<${esc(jobDir)}>`), made);
      const landed = find(lines, new RegExp(`rename(at2?)?\\(.*${esc(join(chk, '_metadata.tmp'))}.*${esc(join(chk, '_metadata'))}"`), made);
      assert.ok(dirSync > made && landed > dirSync, `chk-${id}: mkdir at ${made}, job dir fsync at ${dirSync}, _metadata at ${landed}`);
      assert.ok(find(lines, new RegExp(`fsync\\(\\d+<${esc(chk)}>`), landed) > landed, `chk-${id} is fsynced after _metadata lands`);
      checked++;
    }
    assert.ok(checked >= 1, 'at least one checkpoint was traced');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('incremental lmdb checkpoints: shared/ is fsynced after new delta files and after a base rename', { timeout: 180_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-durable-'));
  try {
    const lines = strace(dir, ['test/jobs/incremental.ts', '--checkpoint-dir', dir, '--no-progress', '--no-rest', 'n=30000', 'keys=20000', 'pace=20', 'minBytes=1']);
    if (!lines) return t.skip('strace is not installed');
    const shared = join(dir, 'incremental', 'shared');
    const sharedSync = new RegExp(`fsync\\(\\d+<${esc(shared)}>`);
    // a delta file is fsynced (its descriptor shows its path), then its directory
    const delta = find(lines, new RegExp(`fsync\\(\\d+<${esc(shared)}/[^>]+\\.delta>`));
    assert.ok(delta >= 0, 'a delta file was written');
    assert.ok(find(lines, sharedSync, delta) > delta, 'shared/ is fsynced after the delta file');
    const base = find(lines, new RegExp(`rename(at2?)?\\(.*"${esc(shared)}/[^"]+\\.base\\.mdb"`));
    assert.ok(base >= 0, 'a base copy was renamed into shared/');
    assert.ok(find(lines, sharedSync, base) > base, 'shared/ is fsynced after the base rename');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
