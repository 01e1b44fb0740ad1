// AsyncWaitOperator through the OperatorHarness: ordered and unordered emission (watermarks as
// barriers of the unordered mode), capacity, timeouts, failures, and snapshot/restore re-issuing the
// requests that were in flight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncDataStream, RichAsyncFunction, type DataStream, type ResultFuture } from 'eddy';
import { OperatorHarness } from 'eddy/testing';

/** A request the test completes by hand. */
interface Pending {
  input: number;
  rf: ResultFuture<string>;
}

/** An async function that records its requests (and the most in flight at once) for the test to complete. */
function manual() {
  const pending: Pending[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let started = 0;
  const fn = {
    asyncInvoke(input: number, rf: ResultFuture<string>) {
      started++;
      inFlight++;
      if (inFlight > maxInFlight) maxInFlight = inFlight;
      pending.push({
        input,
        rf: {
          complete: (r) => {
            inFlight--;
            rf.complete(r);
          },
          completeExceptionally: (e) => {
            inFlight--;
            rf.completeExceptionally(e);
          },
        },
      });
    },
  };
  /** Completes the request for `input` with `v<input>`. */
  const done = (input: number): void => {
    const i = pending.findIndex((p) => p.input === input);
    assert.ok(i >= 0, `no request in flight for ${input}`);
    pending.splice(i, 1)[0]!.rf.complete([`v${input}`]);
  };
  return { fn, pending, done, stats: () => ({ started, maxInFlight, inFlight }) };
}

test('orderedWait emits in input order with the input timestamps, whatever the completion order', { timeout: 120_000 }, async () => {
  const m = manual();
  const h = OperatorHarness.of((s: DataStream<number>) => AsyncDataStream.orderedWait(s, m.fn, { timeoutMs: 10_000, capacity: 10 }));
  for (let i = 1; i <= 4; i++) h.processElement(i, i * 100);
  h.processWatermark(250);
  h.processElement(5, 500);
  m.done(3);
  m.done(2);
  h.processMail();
  assert.deepEqual(h.output(), [], 'nothing may leave before request 1');
  m.done(1);
  h.processMail();
  assert.deepEqual(h.output(), [
    { value: 'v1', timestamp: 100 },
    { value: 'v2', timestamp: 200 },
    { value: 'v3', timestamp: 300 },
  ]);
  m.done(5);
  m.done(4);
  await h.settle();
  assert.deepEqual(h.output().slice(3), [{ value: 'v4', timestamp: 400 }, { watermark: 250 }, { value: 'v5', timestamp: 500 }]);
  h.endInput();
  assert.deepEqual(h.watermarks(), [250, Infinity]);
  h.close();
});

test('unorderedWait emits as requests complete but never across a watermark', { timeout: 120_000 }, async () => {
  const m = manual();
  const h = OperatorHarness.of((s: DataStream<number>) => AsyncDataStream.unorderedWait(s, m.fn, { timeoutMs: 10_000, capacity: 10 }));
  h.processElement(1, 10);
  h.processElement(2, 20);
  h.processWatermark(20);
  h.processElement(3, 30);
  h.processElement(4, 40);
  h.processWatermark(40);
  h.processElement(5, 50);
  m.done(2);
  m.done(4);
  m.done(5);
  h.processMail();
  assert.deepEqual(h.output(), [{ value: 'v2', timestamp: 20 }], 'only the first segment may emit');
  m.done(3);
  h.processMail();
  assert.deepEqual(h.output().length, 1, 'record 3 is behind watermark 20, which waits for record 1');
  m.done(1);
  h.processMail();
  assert.deepEqual(h.output(), [
    { value: 'v2', timestamp: 20 },
    { value: 'v1', timestamp: 10 },
    { watermark: 20 },
    { value: 'v4', timestamp: 40 },
    { value: 'v3', timestamp: 30 },
    { watermark: 40 },
    { value: 'v5', timestamp: 50 },
  ]);
  // with nothing queued, a watermark passes at once
  h.processWatermark(60);
  assert.deepEqual(h.watermarks(), [20, 40, 60]);
  h.close();
});

test('at most `capacity` requests in flight; waiting records start as places free up', { timeout: 120_000 }, async () => {
  const m = manual();
  const h = OperatorHarness.of((s: DataStream<number>) => AsyncDataStream.orderedWait(s, m.fn, { timeoutMs: 10_000, capacity: 3 }));
  for (let i = 1; i <= 10; i++) h.processElement(i, i);
  assert.deepEqual(m.stats(), { started: 3, maxInFlight: 3, inFlight: 3 });
  m.done(2);
  h.processMail();
  assert.equal(m.stats().started, 3, 'a completed request behind the head still holds its place (ordered)');
  m.done(1);
  h.processMail();
  assert.equal(m.stats().started, 5, 'records 1 and 2 left: two more start');
  // complete everything as it starts
  while (m.pending.length > 0) {
    m.done(m.pending[0]!.input);
    h.processMail();
  }
  assert.deepEqual(h.values(), Array.from({ length: 10 }, (_, i) => `v${i + 1}`));
  assert.equal(m.stats().maxInFlight, 3);
  assert.equal(m.stats().started, 10);
  h.close();
});

test('a function returning a Promise, and a RichAsyncFunction with open/close and its runtime context', { timeout: 120_000 }, async () => {
  const h1 = OperatorHarness.of((s: DataStream<number>) =>
    AsyncDataStream.unorderedWait(s, async (x: number) => [x, x * 10], { timeoutMs: 10_000 }),
  );
  for (let i = 1; i <= 3; i++) h1.processElement(i, i);
  await h1.settle();
  assert.deepEqual(h1.values().sort((a, b) => a - b), [1, 2, 3, 10, 20, 30]);
  h1.close();

  const events: string[] = [];
  class Enrich extends RichAsyncFunction<number, string> {
    private prefix = '';
    override open(): void {
      this.prefix = `${this.getRuntimeContext().getTaskName()}#${this.getRuntimeContext().getIndexOfThisSubtask()}`;
      events.push('open');
    }
    override close(): void {
      events.push('close');
    }
    asyncInvoke(input: number, rf: ResultFuture<string>): void {
      setTimeout(() => rf.complete([`${this.prefix}:${input}`]), 5);
    }
  }
  const h2 = OperatorHarness.of((s: DataStream<number>) => AsyncDataStream.orderedWait(s, new Enrich(), { timeoutMs: 10_000 }).name('enrich'));
  h2.processElement(7);
  await h2.settle();
  h2.close();
  assert.deepEqual(h2.output(), [{ value: 'enrich#0:7' }]);
  assert.deepEqual(events, ['open', 'close']);
});

test('a timeout calls the timeout() handler; without one it fails naming the input', { timeout: 120_000 }, async () => {
  const fallback = {
    asyncInvoke(_input: number, _rf: ResultFuture<string>) {
      /* never completes */
    },
    timeout(input: number, rf: ResultFuture<string>) {
      rf.complete([`timeout ${input}`]);
    },
  };
  const h = OperatorHarness.of((s: DataStream<number>) => AsyncDataStream.orderedWait(s, fallback, { timeoutMs: 100, capacity: 5 }), { processingTime: 1000 });
  h.processElement(1, 1);
  h.setProcessingTime(1050);
  h.processElement(2, 2);
  h.setProcessingTime(1099);
  h.processMail();
  assert.deepEqual(h.values(), []);
  h.setProcessingTime(1100);
  h.processMail();
  assert.deepEqual(h.values(), ['timeout 1']);
  h.setProcessingTime(1150);
  h.processMail();
  assert.deepEqual(h.values(), ['timeout 1', 'timeout 2']);
  h.close();

  const h2 = OperatorHarness.of((s: DataStream<{ id: number }>) => AsyncDataStream.unorderedWait(s, () => new Promise<string[]>(() => {}), { timeoutMs: 100 }));
  h2.processElement({ id: 42 });
  assert.throws(() => h2.setProcessingTime(100), /async request timed out after 100 ms for input \{"id":42\}/);
  h2.close();
});

test('a failed request fails with the input and the cause', { timeout: 120_000 }, async () => {
  const h = OperatorHarness.of((s: DataStream<number>) =>
    AsyncDataStream.unorderedWait(s, async (x: number) => {
      if (x === 3) throw new Error('connection refused');
      return [x];
    }, { timeoutMs: 10_000 }),
  );
  h.processElement(1);
  h.processElement(3);
  await assert.rejects(h.settle(), (e: Error) => /async request failed for input 3: connection refused/.test(e.message) && (e.cause as Error).message === 'connection refused');
  h.close();
  // a Promise resolving to something other than an array is a failure too
  const h2 = OperatorHarness.of((s: DataStream<number>) => AsyncDataStream.orderedWait(s, async (x: number) => x as unknown as number[], { timeoutMs: 10_000 }));
  h2.processElement(1);
  await assert.rejects(h2.settle(), /ResultFuture.complete expects an array \(or iterable\) of results, got number/);
  h2.close();
});

test('snapshot holds queued inputs and watermarks; restore re-issues them and the output is exactly once', { timeout: 120_000 }, async () => {
  for (const mode of ['ordered', 'unordered'] as const) {
    const build = (fn: ReturnType<typeof manual>['fn']) => (s: DataStream<number>) =>
      mode === 'ordered' ? AsyncDataStream.orderedWait(s, fn, { timeoutMs: 10_000, capacity: 2 }).uid('async') : AsyncDataStream.unorderedWait(s, fn, { timeoutMs: 10_000, capacity: 2 }).uid('async');
    const m1 = manual();
    const h1 = OperatorHarness.of(build(m1.fn));
    h1.processElement(1, 1);
    h1.processElement(2, 2);
    h1.processWatermark(2);
    h1.processElement(3, 3); // waits: capacity 2
    m1.done(1);
    h1.processMail(); // 1 leaves, 3 starts
    m1.done(3); // completed but (ordered: behind 2; unordered: behind watermark 2) not emitted
    h1.processMail();
    assert.deepEqual(h1.output(), [{ value: 'v1', timestamp: 1 }]);
    const snap = h1.snapshot();
    h1.close();

    const m2 = manual();
    const h2 = OperatorHarness.restore(build(m2.fn), snap);
    assert.deepEqual(
      m2.pending.map((p) => p.input),
      [2, 3],
      `${mode}: the requests of 2 and 3 start again on restore`,
    );
    h2.processElement(4, 4); // waits: capacity 2
    m2.done(3);
    m2.done(2);
    h2.processMail();
    m2.done(4);
    await h2.settle();
    h2.endInput();
    assert.deepEqual(
      h2.output(),
      [{ value: 'v2', timestamp: 2 }, { watermark: 2 }, { value: 'v3', timestamp: 3 }, { value: 'v4', timestamp: 4 }, { watermark: Infinity }],
      mode,
    );
    assert.equal(m1.stats().started + m2.stats().started, 3 + 3, `${mode}: 2 and 3 were requested twice, 1 and 4 once`);
    h2.close();
  }
});

test('invalid arguments are rejected at the call', { timeout: 120_000 }, () => {
  const h = (opts: unknown, fn: unknown = async () => []) => () =>
    OperatorHarness.of((s: DataStream<number>) => AsyncDataStream.orderedWait(s, fn as never, opts as never));
  assert.throws(h({ timeoutMs: 0 }), /AsyncDataStream.orderedWait: option 'timeoutMs' must be an integer between 1 and 2147483647 \(ms\) or Infinity, got 0/);
  assert.throws(h({ timeoutMs: 100, capacity: 0 }), /option 'capacity' must be an integer between 1 and 1048576, got 0/);
  assert.throws(h({ timeoutMs: 100, capcity: 3 }), /unknown option 'capcity'/);
  assert.throws(h(undefined), /options must be an object \{ timeoutMs, capacity\? \}, got undefined/);
  assert.throws(h({ timeoutMs: 100 }, { invoke() {} }), /expected a function or an AsyncFunction \(an object with asyncInvoke\(\)\)/);
});
