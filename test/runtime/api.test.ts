// The DataStream API end to end on real workers: sources, union, side outputs, rich functions,
// rolling aggregations, connect, broadcast state, print.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runJob } from 'eddy';

const JOB = new URL('../jobs/api-cases.ts', import.meta.url);
const run = async (c: string, params: Record<string, unknown> = {}) => (await runJob(JOB, { params: { case: c, ...params } })).collected as unknown[];
const sorted = (xs: unknown[]) => [...xs].map(String).sort();

test('fromElements is split across subtasks and every element arrives once', { timeout: 60_000 }, async () => {
  assert.deepEqual(sorted(await run('elements')), ['10', '20', '30', '40', '50']);
});

test('readTextFile reads byte ranges in parallel: every line once, at any parallelism', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-text-'));
  try {
    const lines = Array.from({ length: 500 }, (_, i) => (i % 7 === 0 ? `ligne ${i} — été ✓` : i % 11 === 0 ? '' : `line ${i}`));
    const file = join(dir, 'in.txt');
    writeFileSync(file, lines.slice(0, 250).join('\n') + '\r\n' + lines.slice(250).join('\r\n')); // CRLF too, no final newline
    for (const p of [1, 2, 3])
      for (const splitSize of [7, 64, 100_000]) {
        const got = await run('text-file', { file, p, splitSize });
        assert.deepEqual(sorted(got), sorted(lines), `p=${p} splitSize=${splitSize}`);
      }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('socketTextStream reads lines until the connection closes', { timeout: 60_000 }, async () => {
  const server = createServer((s) => {
    s.end('alpha\nbeta\r\ngamma\ndelta');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as { port: number }).port;
    assert.deepEqual(sorted(await run('socket', { port })), ['ALPHA', 'BETA', 'DELTA', 'GAMMA']);
  } finally {
    server.close();
  }
});

test('union merges streams of different sources', { timeout: 60_000 }, async () => {
  assert.deepEqual(sorted(await run('union')), sorted([1, 2, 3, 10, 20, 100, 101, 102]));
});

test('side outputs: process() with ctx.output and getSideOutput', { timeout: 60_000 }, async () => {
  assert.deepEqual(sorted(await run('side-output')), sorted([2, 4, 6, 8, 10].map((v) => `even ${v}`).concat([1, 3, 5, 7, 9].map((v) => `odd ${v}`))));
});

test('rich functions see job name, task name, subtask index and parallelism', { timeout: 60_000 }, async () => {
  const got = sorted(await run('rich'));
  assert.deepEqual(got, ['rich-job/tagger/0of2:1', 'rich-job/tagger/0of2:2', 'rich-job/tagger/1of2:3', 'rich-job/tagger/1of2:4']);
});

test('rolling sum/min/max/minBy/maxBy/reduce follow Flink semantics', { timeout: 60_000 }, async () => {
  const got = (await run('rolling')) as string[];
  const of = (kind: string) => got.filter((l) => l.startsWith(kind + ' ')).sort();
  assert.deepEqual(of('sum'), ['sum a 3 1', 'sum a 4 1', 'sum a 5 1', 'sum b 12 3', 'sum b 5 3']);
  assert.deepEqual(of('min'), ['min a 1 1', 'min a 1 1', 'min a 3 1', 'min b 5 3', 'min b 5 3']);
  assert.deepEqual(of('max'), ['max a 3 1', 'max a 3 1', 'max a 3 1', 'max b 5 3', 'max b 7 3']);
  assert.deepEqual(of('minBy'), ['minBy a 1 2', 'minBy a 1 2', 'minBy a 3 1', 'minBy b 5 3', 'minBy b 5 3']);
  assert.deepEqual(of('maxBy'), ['maxBy a 3 1', 'maxBy a 3 1', 'maxBy a 3 1', 'maxBy b 5 3', 'maxBy b 7 5']);
  assert.deepEqual(of('reduce'), ['reduce a 3 1', 'reduce a 3 2', 'reduce a 3 4', 'reduce b 35 5', 'reduce b 5 3']);
});

test('connect: CoMap and CoFlatMap', { timeout: 60_000 }, async () => {
  assert.deepEqual(sorted(await run('connect')), sorted(['w:a', 'w:b', 'n:1', 'n:2', 'aa', 'bb', '2', '4']));
});

test('broadcast state reaches every parallel instance of a keyed stream', { timeout: 60_000 }, async () => {
  const got = (await run('broadcast-state')) as string[];
  const judged = got.map((l) => l.replace(/ @\d$/, '')).sort();
  assert.deepEqual(judged, sorted([1, 2, 3, 4, 5].map((v) => `ok ${v}`).concat([6, 7, 8, 9, 10].map((v) => `over ${v}`))));
  // keys 0..4 (v % 5) spread over both subtasks, and each judged its records by the rule
  assert.deepEqual([...new Set(got.map((l) => l.slice(l.indexOf('@') + 1)))].sort(), ['0', '1']);
});

test('keys such as "__proto__", -0 and 0, and objects with different property order are keys like any other', { timeout: 60_000 }, async () => {
  for (const stateBackend of ['heap', 'lmdb'] as const) {
    const got = (await runJob(JOB, { stateBackend, params: { case: 'odd-keys' } })).collected as string[];
    // sum() keeps the first record of a key: {b:2,a:1} may come first (the two rows are read by different subtasks)
    const lines = got.map((l) => l.replace('{"b":2,"a":1}', '{"a":1,"b":2}')).sort();
    assert.deepEqual(
      lines,
      ['"0"=1', '"__proto__"=1', '"__proto__"=2', '"constructor"=1', '0=1', '0=2', '{"a":1,"b":2}=1', '{"a":1,"b":2}=2'],
      `one running sum per key: -0 and 0 are one key, the string "0" another, objects compare by value (${stateBackend})`,
    );
  }
});

test('print() writes "prefix:subtask> value" lines when parallel', { timeout: 60_000 }, () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const r = spawnSync(process.execPath, ['bin/eddy.mjs', 'run', 'test/jobs/api-cases.ts', 'case=print', '--no-progress'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').sort();
  assert.deepEqual(lines, ['out:1> x', 'out:2> y']);
});
