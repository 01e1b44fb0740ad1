// Working directories of runs killed with SIGKILL are removed by a later run; those of live processes stay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimStateDir, releaseStateDir } from '../../src/runtime/state-dir-owner.ts';

test('a run removes the working directories of runs whose process is gone, and only those', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-state-'));
  try {
    // a process that has exited: its pid is free (and not reused this soon)
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    for (const d of ['killed-a0-slot-0', 'killed-a0-slot-1', 'killed-a1-slot-0', 'live-a0-slot-0']) mkdirSync(join(dir, d, 'env'), { recursive: true });
    writeFileSync(join(dir, 'killed.owner'), String(deadPid));
    writeFileSync(join(dir, 'live.owner'), String(process.pid));
    const log: string[] = [];
    await claimStateDir(dir, 'mine', (l) => log.push(l));
    assert.deepEqual(readdirSync(dir).sort(), ['live-a0-slot-0', 'live.owner', 'mine.owner']);
    assert.match(log.join('\n'), new RegExp(`removed 3 working directories of a run that ended without cleaning up \\(process ${deadPid}\\)`));
    await releaseStateDir(dir, 'mine');
    assert.deepEqual(readdirSync(dir).sort(), ['live-a0-slot-0', 'live.owner']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a mark whose process id now belongs to another process (a reused id) is a dead run', { timeout: 30_000, skip: process.platform !== 'linux' && 'process start times are read from /proc (Linux)' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-state-'));
  try {
    // this process's id, with a start time it did not start at: the run that wrote it is gone
    mkdirSync(join(dir, 'reused-a0-slot-0', 'env'), { recursive: true });
    writeFileSync(join(dir, 'reused.owner'), `${process.pid} 1`);
    // and this process's own mark, as claimStateDir writes it: alive
    await claimStateDir(dir, 'mine', () => {});
    assert.deepEqual(readdirSync(dir).sort(), ['mine.owner']);
    await claimStateDir(dir, 'other', () => {});
    assert.deepEqual(readdirSync(dir).sort(), ['mine.owner', 'other.owner'], 'a mark of this live process stays');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
