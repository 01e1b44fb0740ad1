// Invalid arguments to the job API are rejected where they are given (or, for checkpoint options, when
// the job starts, before anything runs), with a ConfigurationError naming the call and the value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigurationError, OutputTag, RestartStrategies, StreamEnvironment, runJob, type EnvironmentOptions, type RestartStrategyConfig } from 'eddy';

const T = { timeout: 60_000 };
const JOB = new URL('./jobs/configured.ts', import.meta.url);

/** Asserts that `f` throws a ConfigurationError whose message is exactly `message`. */
function rejects(f: () => unknown, message: string): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof ConfigurationError, `expected a ConfigurationError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}

test('StreamEnvironment.create rejects each invalid option, naming the call, the option and the value', T, () => {
  const cases: [unknown, string][] = [
    [{ parallelism: 0 }, "StreamEnvironment.create: option 'parallelism' must be an integer between 1 and 1024, got 0"],
    [{ parallelism: NaN }, "StreamEnvironment.create: option 'parallelism' must be an integer between 1 and 1024, got NaN"],
    [{ parallelism: 1.5 }, "StreamEnvironment.create: option 'parallelism' must be an integer between 1 and 1024, got 1.5"],
    [{ parallelism: '2' }, 'StreamEnvironment.create: option \'parallelism\' must be an integer between 1 and 1024, got "2"'],
    [{ maxParallelism: Infinity }, "StreamEnvironment.create: option 'maxParallelism' must be an integer between 1 and 32768, got Infinity"],
    [{ batchSize: 0 }, "StreamEnvironment.create: option 'batchSize' must be an integer between 1 and 1048576, got 0"],
    [{ buffersPerChannel: -1 }, "StreamEnvironment.create: option 'buffersPerChannel' must be an integer between 1 and 1024, got -1"],
    [{ autoWatermarkInterval: 2 ** 31 }, "StreamEnvironment.create: option 'autoWatermarkInterval' must be an integer between 1 and 2147483647, got 2147483648"],
    [{ stateBackend: 'rocksdb' }, 'StreamEnvironment.create: option \'stateBackend\' must be \'heap\' or \'lmdb\', got "rocksdb"'],
    [{ stateDir: '' }, 'StreamEnvironment.create: option \'stateDir\' must be a non-empty string (a directory), got ""'],
    [{ stateDir: 5 }, "StreamEnvironment.create: option 'stateDir' must be a non-empty string (a directory), got 5"],
    [{ incrementalCheckpoints: 'yes' }, 'StreamEnvironment.create: option \'incrementalCheckpoints\' must be a boolean or an options object, got "yes"'],
    [{ incrementalCheckpoints: { maxDeltas: 1.5 } }, "StreamEnvironment.create: option 'incrementalCheckpoints.maxDeltas' must be an integer ≥ 1, got 1.5"],
    [{ incrementalCheckpoints: { materializeRatio: NaN } }, "StreamEnvironment.create: option 'incrementalCheckpoints.materializeRatio' must be a finite number > 0, got NaN"],
    [{ incrementalCheckpoints: { every: 3 } }, "StreamEnvironment.create: unknown option 'incrementalCheckpoints.every' (known: materializeRatio, maxDeltas, minMaterializeBytes)"],
    [{ paralelism: 2 }, "StreamEnvironment.create: unknown environment option 'paralelism' (known: parallelism, maxParallelism, stateBackend, stateDir, incrementalCheckpoints, batchSize, buffersPerChannel, autoWatermarkInterval, metrics)"],
    [null, 'StreamEnvironment.create: options must be an object, got null'],
    [[2], 'StreamEnvironment.create: options must be an object, got [2]'],
    [{ parallelism: 4, maxParallelism: 2 }, 'maxParallelism (2) must be ≥ parallelism (4): maxParallelism from StreamEnvironment.create, parallelism from StreamEnvironment.create'],
  ];
  for (const [opts, message] of cases) rejects(() => StreamEnvironment.create(opts as EnvironmentOptions), message);
});

test('an invalid option in the job is rejected even when the launch overrides it (runJob)', T, async () => {
  const launched = (options: object, overrides: Record<string, unknown>) => runJob(JOB, { ...overrides, params: { options: JSON.stringify(options) } });
  for (const [options, overrides, message] of [
    [{ parallelism: 0 }, { parallelism: 2 }, "StreamEnvironment.create: option 'parallelism' must be an integer between 1 and 1024, got 0"],
    [{ maxParallelism: 0 }, { maxParallelism: 64 }, "StreamEnvironment.create: option 'maxParallelism' must be an integer between 1 and 32768, got 0"],
    [{ stateBackend: 'rocksdb' }, { stateBackend: 'heap' }, 'StreamEnvironment.create: option \'stateBackend\' must be \'heap\' or \'lmdb\', got "rocksdb"'],
    [{}, { parallelism: 0 }, "the launch (eddy run / runJob): option 'parallelism' must be an integer between 1 and 1024, got 0"],
    [{ maxParallelism: 2 }, { parallelism: 4 }, 'maxParallelism (2) must be ≥ parallelism (4): maxParallelism from StreamEnvironment.create, parallelism from the launch (eddy run / runJob)'],
  ] as const) {
    await assert.rejects(launched(options, overrides), (e: Error) => {
      assert.ok(e instanceof ConfigurationError, String(e));
      assert.equal(e.message, message);
      return true;
    });
  }
  // a valid value in the job is still overridden by the launch
  const r = await launched({ parallelism: 1 }, { parallelism: 2 });
  assert.deepEqual(
    r.operators.map((o) => [o.name, o.parallelism]),
    [['fromElements', 2], ['times ten', 2], ['Collect', 2]],
  );
  assert.deepEqual([...(r.collected as number[])].sort((a, b) => a - b), [10, 20, 30, 40]);
});

test('enableCheckpointing rejects a bad interval at once and bad options when the job starts', T, async () => {
  const env = StreamEnvironment.create();
  for (const [interval, shown] of [[0, '0'], [-5, '-5'], [1.5, '1.5'], [NaN, 'NaN'], [Infinity, 'Infinity'], [2 ** 31, '2147483648']] as const)
    rejects(() => env.enableCheckpointing(interval), `enableCheckpointing: the interval must be an integer of ms between 1 and 2147483647, got ${shown}`);
  rejects(() => env.enableCheckpointing(100, null as never), 'enableCheckpointing: options must be an object, got null');

  const cases: [Record<string, unknown>, string][] = [
    [{ timeoutMs: NaN }, "enableCheckpointing: option 'timeoutMs' must be an integer between 1 and 2147483647, got NaN"],
    [{ timeoutMs: Infinity }, "enableCheckpointing: option 'timeoutMs' must be an integer between 1 and 2147483647, got Infinity"],
    [{ timeoutMs: 0 }, "enableCheckpointing: option 'timeoutMs' must be an integer between 1 and 2147483647, got 0"],
    [{ minPauseMs: -1 }, "enableCheckpointing: option 'minPauseMs' must be an integer between 0 and 2147483647, got -1"],
    [{ maxConcurrent: Infinity }, "enableCheckpointing: option 'maxConcurrent' must be an integer between 1 and 1024, got Infinity"],
    [{ retained: 2.5 }, "enableCheckpointing: option 'retained' must be an integer between 1 and 1000000, got 2.5"],
    [{ tolerableFailures: 0.5 }, "enableCheckpointing: option 'tolerableFailures' must be an integer between 0 and 9007199254740991 (or Infinity), got 0.5"],
    [{ alignedTimeoutMs: -1 }, "enableCheckpointing: option 'alignedTimeoutMs' must be an integer between 0 and 2147483647 (or Infinity), got -1"],
    [{ mode: 'exactly_once' }, 'enableCheckpointing: option \'mode\' must be \'exactly-once\' or \'at-least-once\', got "exactly_once"'],
    [{ unaligned: 'yes' }, 'enableCheckpointing: option \'unaligned\' must be a boolean, got "yes"'],
    [{ storage: '' }, 'enableCheckpointing: option \'storage\' must be a directory or a postgres:// URL, got ""'],
    [{ timeout: 100 }, "enableCheckpointing: unknown checkpointing option 'timeout' (known: mode, timeoutMs, minPauseMs, maxConcurrent, retained, tolerableFailures, unaligned, alignedTimeoutMs, storage)"],
  ];
  for (const [options, message] of cases) {
    const e2 = StreamEnvironment.create();
    e2.enableCheckpointing(100, options);
    await assert.rejects(e2.fromElements(1).executeAndCollect('bad-checkpointing'), (e: Error) => {
      assert.ok(e instanceof ConfigurationError, String(e));
      assert.equal(e.message, message);
      return true;
    });
  }
});

test('restart strategies reject negative, fractional, NaN and out-of-range arguments, naming the factory', T, () => {
  rejects(() => RestartStrategies.fixedDelay(-1, 0), 'RestartStrategies.fixedDelay: attempts must be an integer ≥ 0 (or Infinity), got -1');
  rejects(() => RestartStrategies.fixedDelay(1.5, 0), 'RestartStrategies.fixedDelay: attempts must be an integer ≥ 0 (or Infinity), got 1.5');
  rejects(() => RestartStrategies.fixedDelay(NaN, 0), 'RestartStrategies.fixedDelay: attempts must be an integer ≥ 0 (or Infinity), got NaN');
  rejects(() => RestartStrategies.fixedDelay(3, Infinity), 'RestartStrategies.fixedDelay: delayMs must be an integer of ms between 0 and 2147483647, got Infinity');
  rejects(() => RestartStrategies.fixedDelay(3, -1), 'RestartStrategies.fixedDelay: delayMs must be an integer of ms between 0 and 2147483647, got -1');
  rejects(() => RestartStrategies.exponentialDelay({ initialMs: 0 }), 'RestartStrategies.exponentialDelay: initialMs must be an integer of ms between 1 and 2147483647, got 0');
  rejects(() => RestartStrategies.exponentialDelay({ initialMs: 100, maxMs: 10 }), 'RestartStrategies.exponentialDelay: maxMs (10) must be ≥ initialMs (100)');
  rejects(() => RestartStrategies.exponentialDelay({ multiplier: 0.5 }), 'RestartStrategies.exponentialDelay: multiplier must be a finite number ≥ 1, got 0.5');
  rejects(() => RestartStrategies.exponentialDelay({ multiplier: Infinity }), 'RestartStrategies.exponentialDelay: multiplier must be a finite number ≥ 1, got Infinity');
  rejects(() => RestartStrategies.exponentialDelay({ attempts: -1 }), 'RestartStrategies.exponentialDelay: attempts must be an integer ≥ 0 (or Infinity), got -1');
  rejects(() => RestartStrategies.exponentialDelay({ resetAfterMs: NaN }), 'RestartStrategies.exponentialDelay: resetAfterMs must be an integer of ms between 1 and 2147483647 (or Infinity), got NaN');
  rejects(
    () => RestartStrategies.exponentialDelay({ initialDelayMs: 5 } as never),
    "RestartStrategies.exponentialDelay: unknown option 'initialDelayMs' (known: initialMs, maxMs, multiplier, resetAfterMs, attempts)",
  );
  rejects(() => RestartStrategies.failureRate(0, 1000, 0), 'RestartStrategies.failureRate: maxFailures must be an integer ≥ 1, got 0');
  rejects(() => RestartStrategies.failureRate(Infinity, 1000, 0), 'RestartStrategies.failureRate: maxFailures must be an integer ≥ 1, got Infinity');
  rejects(() => RestartStrategies.failureRate(3, 0, 0), 'RestartStrategies.failureRate: intervalMs must be an integer of ms between 1 and 2147483647, got 0');
  rejects(() => RestartStrategies.failureRate(3, 1000, 0.5), 'RestartStrategies.failureRate: delayMs must be an integer of ms between 0 and 2147483647, got 0.5');
  // what stays valid: unlimited attempts, zero delays, a backoff that never resets
  assert.deepEqual(RestartStrategies.fixedDelay(Infinity, 0), { kind: 'fixed-delay', attempts: Infinity, delayMs: 0 });
  assert.deepEqual(RestartStrategies.exponentialDelay({ resetAfterMs: Infinity }), {
    kind: 'exponential-delay',
    initialMs: 1000,
    maxMs: 60_000,
    multiplier: 2,
    resetAfterMs: Infinity,
    attempts: Infinity,
  });

  const env = StreamEnvironment.create();
  const fixedDelay: unknown = RestartStrategies.fixedDelay;
  rejects(
    () => env.setRestartStrategy(fixedDelay as RestartStrategyConfig),
    'setRestartStrategy: expected RestartStrategies.noRestart(), fixedDelay(attempts, delayMs), exponentialDelay({...}) or failureRate(maxFailures, intervalMs, delayMs), got function fixedDelay',
  );
  rejects(
    () => env.setRestartStrategy({ kind: 'fixed-delay', attempts: -2, delayMs: 0 }),
    'setRestartStrategy: attempts must be an integer ≥ 0 (or Infinity), got -2',
  );
  rejects(
    () => env.setRestartStrategy({ kind: 'linear' } as never),
    'setRestartStrategy: unknown restart strategy kind "linear" (expected RestartStrategies.noRestart(), fixedDelay(attempts, delayMs), exponentialDelay({...}) or failureRate(maxFailures, intervalMs, delayMs))',
  );
});

test('setParallelism, name, uid and execute reject invalid values, naming the call', T, async () => {
  const env = StreamEnvironment.create({ maxParallelism: 8 });
  const mapped = env.fromElements(1, 2).map((x) => x + 1);
  rejects(() => mapped.setParallelism(0), "setParallelism(0) on 'Map': must be an integer ≥ 1");
  rejects(() => mapped.setParallelism(NaN), "setParallelism(NaN) on 'Map': must be an integer ≥ 1");
  rejects(() => mapped.setParallelism(9), "setParallelism(9) on 'Map' exceeds maxParallelism 8");
  rejects(() => mapped.name(''), 'name(""): the name must be a non-empty string');
  rejects(() => mapped.name(undefined as never), 'name(undefined): the name must be a non-empty string');
  rejects(() => mapped.uid(''), 'uid(""): the uid must be a non-empty string');
  const sink = mapped.print();
  rejects(() => sink.setParallelism(2.5), "setParallelism(2.5) on sink 'Print': must be an integer ≥ 1");
  rejects(() => sink.name(''), 'name("") on sink \'Print\': the name must be a non-empty string');
  rejects(() => sink.uid(''), 'uid("") on sink \'Print\': the uid must be a non-empty string');
  await assert.rejects(env.fromElements(1).executeAndCollect(42 as never), { name: 'ConfigurationError', message: 'execute(): the job name must be a non-empty string, got 42' });
  await assert.rejects(env.execute('job', { fromSavepoint: 3 } as never), {
    name: 'ConfigurationError',
    message: "execute('job'): option 'fromSavepoint' must be a path (a non-empty string), got 3",
  });
});

test('a KeyedStream has no name, uid, parallelism or chaining: calls fail instead of being dropped', T, () => {
  const env = StreamEnvironment.create();
  const keyed = env.fromElements(1, 2, 3).keyBy((x) => x % 2);
  const hint = (call: string, property: string) =>
    `keyBy(...).${call}: keyBy(...) is a partitioning (a KeyedStream), not an operator: it has no ${property} of its own (as in Flink); ` +
    `set it on the operator that follows, e.g. keyBy(...).map(fn).${call}`;
  // the methods are typed `this: never`, so these calls do not compile either
  // @ts-expect-error a KeyedStream has no name
  rejects(() => keyed.name('by parity'), hint('name("by parity")', 'name'));
  // @ts-expect-error a KeyedStream has no uid
  rejects(() => keyed.uid('parity'), hint("uid('parity')", 'uid'));
  // @ts-expect-error a KeyedStream has no parallelism
  rejects(() => keyed.setParallelism(2), hint('setParallelism(2)', 'parallelism'));
  // @ts-expect-error a KeyedStream is never chained
  rejects(() => keyed.disableChaining(), hint('disableChaining()', 'chaining'));
  // @ts-expect-error a KeyedStream is never chained
  rejects(() => keyed.startNewChain(), hint('startNewChain()', 'chaining'));
  // the operator after keyBy takes them
  const summed = keyed.sum().name('sum by parity').uid('sums').setParallelism(1);
  assert.equal(summed.transformation.name, 'sum by parity');
  assert.equal(summed.transformation.uid, 'sums');

  // the same for the other streams that are not operators
  rejects(
    () => env.fromElements(1).rebalance().name('spread'),
    'rebalance().name("spread"): rebalance() is a partitioning, not an operator: it has no name of its own (as in Flink); set it on the operator that follows, e.g. rebalance().map(fn).name("spread")',
  );
  rejects(
    () => env.fromElements(1).union(env.fromElements(2)).uid('both'),
    "union(...).uid('both'): union(...) is a union of streams, not an operator: it has no uid of its own (as in Flink); set it on the operator that follows, e.g. union(...).map(fn).uid('both')",
  );
  rejects(
    () => env.fromElements(1).getSideOutput(new OutputTag<number>('late')).disableChaining(),
    "getSideOutput('late').disableChaining(): getSideOutput('late') is a side output of an operator, not an operator: it has no chaining of its own (as in Flink); set it on the operator that follows, e.g. getSideOutput('late').map(fn).disableChaining()",
  );
});

test('sources reject invalid arguments, naming the call', T, () => {
  const env = StreamEnvironment.create();
  rejects(() => env.fromCollection(42 as never), 'fromCollection: expected an iterable (an array, a Set …), got 42');
  rejects(() => env.fromCollection(null as never), 'fromCollection: expected an iterable (an array, a Set …), got null');
  rejects(() => env.fromSequence(1, NaN), 'fromSequence: need integers with from ≤ to, got 1..NaN');
  rejects(() => env.socketTextStream('localhost', 70_000), "socketTextStream('localhost', 70000): port must be an integer between 1 and 65535");
  rejects(() => env.socketTextStream('localhost', NaN), "socketTextStream('localhost', NaN): port must be an integer between 1 and 65535");
  rejects(() => env.socketTextStream('', 9000), 'socketTextStream: host must be a non-empty string, got ""');
  rejects(() => env.socketTextStream('localhost', 9000, ''), 'socketTextStream(\'localhost\', 9000): the delimiter must be a non-empty string, got ""');
  rejects(() => env.readTextFile(''), 'readTextFile: path must be a non-empty string, got ""');
  rejects(() => env.readTextFile('in.txt', null as never), "readTextFile('in.txt'): options must be an object, got null");
  rejects(() => env.readTextFile('in.txt', { splitSize: 0.5 }), "readTextFile('in.txt'): splitSize must be a positive integer of bytes, got 0.5");
  rejects(() => env.readTextFile('in.txt', { split: 64 } as never), "readTextFile('in.txt'): unknown option 'split' (known: splitSize)");
  rejects(() => env.fromSource(env.fromElements(1) as never, null as never, 'src'), "fromSource('src'): not a Source (needs createEnumerator and createReader)");
  rejects(() => env.fromSource({} as never, null as never, undefined as never), 'fromSource: the name (third argument) must be a non-empty string, got undefined');
});
