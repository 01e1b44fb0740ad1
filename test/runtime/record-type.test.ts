import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runJob, StreamEnvironment } from 'eddy';

const T = { timeout: 60_000 };

/** The job's records, computed here independently of the engine. */
function expected(n: number): unknown[] {
  return Array.from({ length: n }, (_, i): unknown => {
    if (i % 5 !== 4) return { id: i, name: `n${i % 7}`, tags: [`t${i % 3}`], pos: { x: i / 2, ok: i % 2 === 0 } };
    if (i % 15 === 4) return { id: String(i), name: 'string id', tags: [], pos: { x: 0, ok: true } };
    if (i % 15 === 9) return { id: i, name: 'extra field', tags: ['a'], pos: { x: 1, ok: false }, extra: [1n, 2n] };
    return new Map<string, unknown>([['id', i], ['when', new Date(i)]]);
  });
}

const idOf = (r: unknown): number => (r instanceof Map ? (r.get('id') as number) : Number((r as { id: number | string }).id));

test('records of a declared type cross threads unchanged, those that do not match it too', T, async () => {
  const n = 5000;
  const r = await runJob(new URL('../jobs/record-type.ts', import.meta.url), { params: { n } });
  const got = (r.collected as unknown[]).slice().sort((a, b) => idOf(a) - idOf(b));
  assert.deepStrictEqual(got, expected(n));
});

test('a malformed declaration is refused naming the operator and the path', T, () => {
  const env = StreamEnvironment.create();
  const s = env.fromSequence(0, 1).map((x) => ({ x })).name('to x');
  assert.throws(() => s.returns({ x: 'int' } as never), /returns\(\) on 'to x': the type\.x is "int"; expected 'number'/);
  assert.throws(() => s.returns({ xs: ['number', 'string'] } as never), /the type\.xs is an array of 2 types/);
  assert.throws(() => s.returns({} as never), /an object without fields/);
  assert.throws(() => s.keyBy((r) => r.x).returns('number'), /not an operator/);
});
