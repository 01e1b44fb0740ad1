// The short chaos suite (the long one: `npm run chaos`). A self-checking job (test/jobs/chaos-job.ts)
// is killed with SIGKILL — at random times and at each named step of the checkpoint and commit
// protocol — and resumed with `eddy run --resume`; its committed output must be exactly once with no
// alerts. The oracles are shown to catch an injected duplicate and an injected loss, and damaged
// checkpoints and a full disk are survived.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChaos } from './kill-resume.ts';
import { clean, committedLines, verify } from './verify.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const show = (r: object) => JSON.stringify(r);

test('random SIGKILLs: the resumed job commits every record exactly once, no alerts', async () => {
  const r = await runChaos({ kills: 3, seed: 11, n: 30_000, pace: 10, maxDelayMs: 2500 });
  try {
    assert.ok(r.kills >= 1, show(r));
    assert.ok(clean(r), show(r));
    assert.equal(r.records, 30_000);
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
});

test('lmdb, incremental checkpoints — random SIGKILLs: exactly once, no alerts; no copy process outlives a kill; what killed runs left in shared/ and in the state directory is swept', async () => {
  const r = await runChaos({ kills: 3, seed: 23, n: 30_000, pace: 10, maxDelayMs: 2500, backend: 'lmdb-incremental' });
  try {
    assert.ok(r.kills >= 1, show(r));
    assert.ok(clean(r), show(r));
    assert.equal(r.records, 30_000);
    assert.equal(r.lingeringCopies, 0, show(r));
    assert.deepEqual(r.notSwept, [], show(r));
    assert.deepEqual(r.stateLeft, [], show(r));
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
});

// A SIGKILL while a background base copy (a child process) is in flight, and while a delta file is half
// written: the orphaned copy must die at once, the partial files must not break the resume (they are swept).
for (const point of ['lmdb:copy-started:1', 'lmdb:delta-written:3']) {
  test(`lmdb, incremental checkpoints: a crash at '${point}' is survived exactly once, the partial files swept, no copy process left`, async () => {
    const r = await runChaos({ kills: 1, seed: 1, n: 12_000, pace: 12, maxDelayMs: 0, faultPoint: point, backend: 'lmdb-incremental', maxDeltas: 2 });
    try {
      assert.equal(r.kills, 1, show(r));
      assert.ok(clean(r), show(r));
      assert.equal(r.lingeringCopies, 0, show(r));
      assert.ok(r.leftBehind >= 1, `the crash left a partial shared file: ${show(r)}`);
      assert.deepEqual(r.notSwept, [], show(r));
    } finally {
      rmSync(r.dir, { recursive: true, force: true });
    }
  });
}

for (const point of ['task:after-snapshot', 'task:after-ack', 'coordinator:before-metadata', 'coordinator:after-metadata', 'sink:before-commit', 'sink:after-commit']) {
  test(`a crash at '${point}' is survived exactly once`, async () => {
    const r = await runChaos({ kills: 1, seed: 1, n: 12_000, pace: 8, maxDelayMs: 0, faultPoint: `${point}:2` });
    try {
      assert.equal(r.kills, 1, show(r));
      assert.ok(clean(r), show(r));
    } finally {
      rmSync(r.dir, { recursive: true, force: true });
    }
  });
}

function runOnce(dir: string, extra: string[] = [], env: Record<string, string> = {}) {
  return spawnSync(
    process.execPath,
    ['bin/eddy.mjs', 'run', 'test/jobs/chaos-job.ts', '--checkpoint-dir', join(dir, 'checkpoints'), '--resume', '--no-progress', '--no-rest', `out=${join(dir, 'out')}`, 'n=8000', ...extra],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 180_000 },
  );
}

test('the oracles catch one injected duplicate and one injected loss', () => {
  for (const inject of ['dup:500', 'drop:700']) {
    const dir = mkdtempSync(join(tmpdir(), 'eddy-oracle-'));
    try {
      const r = runOnce(dir, [`inject=${inject}`]);
      assert.equal(r.status, 0, r.stderr);
      const v = verify(committedLines(join(dir, 'out')), 8000, 10, 1000);
      if (inject.startsWith('dup')) assert.equal(v.duplicated, 1, show(v));
      else assert.equal(v.lost, 1, show(v));
      assert.ok(v.alerts >= 1, `the in-job sequence checker alerts: ${show(v)}`);
      assert.ok(v.wrongSums >= 1 || v.wrongWindows >= 1, `the recomputation disagrees: ${show(v)}`);
      assert.equal(clean(v), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('a bit-flipped or truncated newest checkpoint stops the resume, naming the file and the explicit way on; nothing is written', { timeout: 180_000 }, () => {
  for (const damage of ['flip', 'truncate'] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'eddy-corrupt-'));
    try {
      const killed = runOnce(dir, ['pace=12'], { EDDY_FAULT: 'coordinator:after-metadata:4' });
      assert.equal(killed.status, null, `killed at the 4th checkpoint: ${killed.stderr}`);
      const jobDir = join(dir, 'checkpoints', 'chaos');
      const chks = readdirSync(jobDir).filter((d) => d.startsWith('chk-')).sort((a, b) => Number(b.slice(4)) - Number(a.slice(4)));
      const newest = join(jobDir, chks[0]!);
      const file = join(newest, readdirSync(newest).find((f) => f.startsWith('checker-'))!);
      const bytes = readFileSync(file);
      if (damage === 'flip') {
        bytes[Math.floor(bytes.length / 2)] ^= 0x10;
        writeFileSync(file, bytes);
      } else writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
      const output = committedLines(join(dir, 'out'));
      const r = runOnce(dir, ['pace=12']);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`newest checkpoint ${chks[0]!.slice(4)} is unusable: checkpoint file .*checker-.* is corrupt`));
      assert.match(r.stderr, new RegExp(`--from-savepoint .*${chks[1]!}`));
      assert.deepEqual(committedLines(join(dir, 'out')), output, 'the refused resume wrote nothing');
      assert.ok(readdirSync(jobDir).includes(chks[0]!), 'the damaged checkpoint is kept for inspection');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('when no checkpoint is usable the run fails naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-corrupt-'));
  try {
    const killed = runOnce(dir, ['pace=12'], { EDDY_FAULT: 'coordinator:after-metadata:1' });
    assert.equal(killed.status, null);
    const jobDir = join(dir, 'checkpoints', 'chaos');
    for (const c of readdirSync(jobDir)) {
      const f = join(jobDir, c, readdirSync(join(jobDir, c)).find((x) => x.startsWith('checker-'))!);
      writeFileSync(f, 'garbage');
    }
    const r = runOnce(dir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /newest checkpoint \d+ is unusable: checkpoint file .*checker-.*\.state/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a full disk fails checkpoints (counted, logged) without losing or duplicating output', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-fulldisk-'));
  const cpDir = join(dir, 'checkpoints');
  mkdirSync(cpDir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48k', 'tmpfs', cpDir], { stdio: 'ignore' });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    if (process.env.CI === 'true') throw new Error(`cannot mount a small tmpfs to simulate a full disk: ${(e as Error).message}`);
    t.skip('cannot mount a tmpfs here (needs root) to simulate a full disk');
    return;
  }
  try {
    const r = runOnce(dir, ['pace=30', 'tolerable=1000']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /aborted: writing it failed: .*(ENOSPC|no space left)/i);
    const v = verify(committedLines(join(dir, 'out')), 8000, 10, 1000);
    assert.ok(clean(v), show(v));
  } finally {
    spawnSync('umount', [cpDir]);
    rmSync(dir, { recursive: true, force: true });
  }
});
