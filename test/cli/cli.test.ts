// The `eddy` command end to end, as a user runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EDDY = fileURLToPath(new URL('../../bin/eddy.mjs', import.meta.url));

function eddy(args: string[]) {
  return spawnSync(process.execPath, [EDDY, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
}

test('eddy run --json prints a summary with per-operator counts', () => {
  const r = eddy(['run', 'examples/nexmark/q2.ts', '--parallelism', '2', '--json', 'events=20000']);
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.status, 'finished');
  assert.equal(s.jobName, 'nexmark-q2');
  const src = s.operators.find((o: { name: string }) => o.name === 'bids');
  assert.equal(src.parallelism, 2);
  assert.equal(src.recordsOut, 18_400); // 46 of every 50 events are bids
  assert.ok(s.durationMs > 0);
});

test('eddy run prints a table summary without --json', () => {
  const r = eddy(['run', 'examples/nexmark/q1.ts', 'events=5000']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /job 'nexmark-q1' finished in/);
  assert.match(r.stderr, /q1: to euros\s+1\s+4600\s+4600/);
});

test('eddy run reports a failing job with the operator and exit code 1', () => {
  const r = eddy(['run', 'test/jobs/failing.ts', 'mode=throw']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /error: operator 'explode'/);
  assert.match(r.stderr, /caused by: RangeError: bad value 1234/);
});

test('eddy run rejects a missing job file and bad options', () => {
  const r = eddy(['run', 'nope.ts']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /job module 'nope.ts' not found/);
  const r2 = eddy(['run', 'examples/nexmark/q1.ts', '--parallelism', '0']);
  assert.notEqual(r2.status, 0);
  assert.match(r2.stderr, /--parallelism must be an integer/);
});

test('eddy nexmark generate writes JSON lines with the Nexmark mix', () => {
  const r = eddy(['nexmark', 'generate', '--events', '100', '--seed', '3']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 100);
  const kinds = lines.map((l) => l.kind);
  assert.deepEqual([kinds.filter((k) => k === 'person').length, kinds.filter((k) => k === 'auction').length, kinds.filter((k) => k === 'bid').length], [2, 6, 92]);
  assert.deepEqual(Object.keys(lines.find((l) => l.kind === 'bid')), ['kind', 'auction', 'bidder', 'price', 'channel', 'url', 'dateTime', 'extra']);
});

test('Ctrl-C cancels an unbounded job cleanly: workers stop and the process exits', async () => {
  const child = spawn(process.execPath, [EDDY, 'run', 'examples/nexmark/count.ts', '-p', '2', 'events=Infinity'], { cwd: ROOT });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  await new Promise((r) => setTimeout(r, 2500));
  const t0 = Date.now();
  child.kill('SIGINT');
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  assert.equal(code, 130, stderr);
  assert.ok(Date.now() - t0 < 5000, 'exits promptly');
  assert.match(stderr, /SIGINT: cancelling 1 running job/);
  assert.match(stderr, /job cancelled; all workers stopped/);
});
