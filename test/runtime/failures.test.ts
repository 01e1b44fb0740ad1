import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runJob, liveWorkerCount, UserFunctionError, ConfigurationError, StreamEnvironment } from 'eddy';

const JOB = new URL('../jobs/failing.ts', import.meta.url);

async function failure(mode: string, p = 2): Promise<Error> {
  try {
    await runJob(JOB, { params: { mode, p } });
  } catch (e) {
    assert.equal(liveWorkerCount(), 0, 'every worker has exited when the job settles');
    return e as Error;
  }
  assert.fail(`job '${mode}' should fail`);
}

test('an exception in a user function names operator, subtask and record, keeps the user stack', async () => {
  const e = await failure('throw');
  assert.ok(e instanceof UserFunctionError, `got ${e.name}`);
  assert.match(e.message, /operator 'explode'/);
  assert.match(e.message, /subtask 1\/2/); // 1234 is in the first half of the sequence
  assert.match(e.message, /record #1234 of its (input|source) \(1234\)/);
  assert.match(e.message, /bad value 1234/);
  const cause = e.cause as Error;
  assert.equal(cause.name, 'RangeError');
  assert.match(cause.stack ?? '', /explode/);
  assert.match(cause.stack ?? '', /failing\.ts/);
});

test('a class instance on a network edge is rejected with the edge and the type', async () => {
  const e = await failure('class-instance');
  assert.match(e.message, /instance of Money/);
  assert.match(e.message, /edge 'to money -> Map'/);
});

test('a function inside a record on a network edge is rejected', async () => {
  const e = await failure('function');
  assert.match(e.message, /holds a function f at the record\.f/);
  assert.match(e.message, /edge .with function -> Collect./);
});

test('a key selector returning undefined fails the job naming the operator', async () => {
  const e = await failure('undefined-key');
  assert.match(e.message, /key selector/);
  assert.match(e.message, /undefined/);
});

test('a NaN event timestamp fails naming the operator', async () => {
  const e = await failure('bad-timestamp', 1);
  assert.match(e.message, /stamps/);
  assert.match(e.message, /timestamp is NaN/);
});

test('a worker that exits fails the job and no worker is left', async () => {
  const e = await failure('exit');
  // process.exit() in user code fails the task naming the operator; the worker then exits (see worker.ts)
  assert.match(e.message, /operator .exits.*process\.exit\(3\)|exited unexpectedly|exit code 3/);
});

test('invalid configuration is rejected before anything runs', () => {
  assert.throws(() => StreamEnvironment.create({ parallelism: 0 }), ConfigurationError);
  assert.throws(() => StreamEnvironment.create({ parallelism: 4, maxParallelism: 2 }), /maxParallelism \(2\) must be ≥ parallelism \(4\)/);
  assert.throws(() => StreamEnvironment.create({ paralelism: 2 } as never), /unknown environment option 'paralelism'/);
  assert.throws(() => StreamEnvironment.create({ stateBackend: 'rocksdb' } as never), /'heap' or 'lmdb'/);
  const env = StreamEnvironment.create();
  assert.throws(() => env.fromSequence(5, 1), /from ≤ to/);
  assert.throws(() => env.fromSequence(1, 2).setParallelism(0), /setParallelism\(0\)/);
  assert.throws(() => env.fromSequence(1, 2).map(42 as never), /map: expected a function/);
});
