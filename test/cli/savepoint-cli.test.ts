// The savepoint commands as a user runs them from a second terminal: `eddy savepoint`, `eddy stop
// --savepoint`, then `eddy run --from-savepoint` and `--resume`, with the job's committed output checked
// exactly once at the end and the savepoint target's own files untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EDDY = join(ROOT, 'bin/eddy.mjs');
const JOB = join(ROOT, 'test/jobs/safety-job.ts');

/** tsx maps `eddy` to the sources through the repository's tsconfig.json; from a temporary cwd it is named. */
const ENV = { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json') };

function eddy(cwd: string, args: string[]) {
  return spawnSync(process.execPath, [EDDY, ...args], { cwd, env: ENV, encoding: 'utf8', timeout: 90_000 });
}

function committedIds(out: string): number[] {
  const ids: number[] = [];
  for (const f of readdirSync(out)) if (!f.startsWith('.')) for (const l of readFileSync(join(out, f), 'utf8').split('\n')) if (l) ids.push(Number(l));
  return ids.sort((a, b) => a - b);
}

test('eddy savepoint and eddy stop --savepoint write new directories and print them; --from-savepoint and --resume continue exactly once', { timeout: 240_000 }, async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'eddy-cli-sp-'));
  const n = 300_000;
  const out = join(cwd, 'out');
  const params = [`n=${n}`, `out=${out}`, 'interval=200'];
  try {
    const target = join(cwd, 'savepoints');
    mkdirSync(target);
    writeFileSync(join(target, 'keep.txt'), 'mine');
    const run = spawn(process.execPath, [EDDY, 'run', JOB, '--no-progress', '--rest-port', '0', ...params, 'pace=2'], { cwd, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    run.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => run.on('exit', (c) => r(c)));
    // the job registers itself in .eddy/jobs of its directory once its REST server listens
    for (let i = 0; !/safety/.test(eddy(cwd, ['list']).stdout); i++) {
      assert.ok(i < 300, `the job never appeared in eddy list: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const sp = eddy(cwd, ['savepoint', 'safety', target]);
    assert.equal(sp.status, 0, sp.stderr);
    const first = /savepoint written to (\S+)/.exec(sp.stdout)?.[1];
    assert.ok(first && dirname(first) === target && /^savepoint-[0-9a-f]{6}-[0-9a-f]{12}$/.test(basename(first)), sp.stdout);
    assert.ok(existsSync(join(first, '_metadata')));
    const stop = eddy(cwd, ['stop', 'safety', '--savepoint', target]);
    assert.equal(stop.status, 0, stop.stderr);
    const stopped = /savepoint written to (\S+); job stopped/.exec(stop.stdout)?.[1];
    assert.ok(stopped && dirname(stopped) === target && stopped !== first, stop.stdout);
    assert.equal(await exited, 0, stderr);
    assert.deepEqual(readdirSync(target).sort(), [basename(first), basename(stopped), 'keep.txt'].sort());
    assert.equal(readFileSync(join(target, 'keep.txt'), 'utf8'), 'mine');
    const before = committedIds(out).length;
    assert.ok(before > 0 && before < n, `stopped part-way with its output up to the savepoint committed (${before} of ${n})`);

    const restored = eddy(cwd, ['run', JOB, '--no-progress', '--no-rest', '--from-savepoint', stopped, ...params]);
    assert.equal(restored.status, 0, restored.stderr);
    assert.match(restored.stderr, /restoring from savepoint/);
    const ids = committedIds(out);
    assert.equal(ids.length, n);
    for (let i = 0; i < n; i++) if (ids[i] !== i + 1) assert.fail(`id ${i + 1} is missing or duplicated (found ${ids[i]})`);

    const again = eddy(cwd, ['run', JOB, '--no-progress', '--no-rest', '--resume', ...params]);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /job 'safety' finished in its last run/);
    assert.equal(committedIds(out).length, n);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});
