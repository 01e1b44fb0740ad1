// Restart strategies on a manual clock: the exact delay the JobManager waits after each failure, and when
// it gives up. Semantics follow Flink's ExponentialDelay- and FailureRateRestartBackoffTimeStrategy:
// - exponential delay: initial, ×multiplier up to max; the backoff (and the attempt count) resets once the
//   job has *run* resetAfterMs without failing, i.e. resetAfterMs after the restart, not after the failure;
//   no jitter: the same failures give the same delays.
// - failure rate: the job fails when maxFailures failures fall within intervalMs (the failure that makes
//   maxFailures is not restarted); a failure exactly intervalMs old still counts, older ones slide out.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RestartStrategies, UserFunctionError, SerializationError, type RestartStrategyConfig } from 'eddy';
import { ManualClock } from 'eddy/testing';
import { RestartTracker } from '../../src/runtime/restart-strategy.ts';

const failure = () => new UserFunctionError('boom', 'op', 0, new Error('boom'));

/** A tracker on a manual clock; `at(t)` reports a failure at time t and returns the decision. */
function tracker(config: RestartStrategyConfig) {
  const clock = new ManualClock(1_000_000);
  const t = new RestartTracker(config, () => clock.now());
  const start = clock.now();
  return {
    t,
    at(ms: number, error: Error = failure()): number | undefined {
      clock.set(start + ms);
      return t.onFailure(error);
    },
  };
}

/**
 * Feeds failures that each come `runMs` after the previous restart (failure time + delay) and returns the
 * delays; stops at the first give-up (undefined).
 */
function crashLoop(config: RestartStrategyConfig, failures: number, runMs: number): (number | undefined)[] {
  const { at } = tracker(config);
  const out: (number | undefined)[] = [];
  let now = 0;
  for (let i = 0; i < failures; i++) {
    const d = at(now);
    out.push(d);
    if (d === undefined) break;
    now += d + runMs;
  }
  return out;
}

describe('exponentialDelay', () => {
  const exp = (o: Parameters<typeof RestartStrategies.exponentialDelay>[0]) => RestartStrategies.exponentialDelay(o);

  test('delays start at initialMs and multiply up to maxMs', { timeout: 60_000 }, () => {
    // a failure 5 ms after each restart: never quiet for resetAfterMs
    assert.deepEqual(crashLoop(exp({ initialMs: 10, multiplier: 2, maxMs: 100, resetAfterMs: 1000 }), 8, 5), [10, 20, 40, 80, 100, 100, 100, 100]);
    assert.deepEqual(crashLoop(exp({ initialMs: 7, multiplier: 3, maxMs: 500, resetAfterMs: 1000 }), 6, 0), [7, 21, 63, 189, 500, 500]);
  });

  test('the defaults are Flink-like: 1 s, ×2, at most 60 s', { timeout: 60_000 }, () => {
    assert.deepEqual(crashLoop(exp({}), 9, 0), [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });

  test('no jitter: the same failures give the same delays', { timeout: 60_000 }, () => {
    const cfg = exp({ initialMs: 3, multiplier: 2, maxMs: 50, resetAfterMs: 100 });
    const a = crashLoop(cfg, 12, 1);
    const b = crashLoop(cfg, 12, 1);
    assert.deepEqual(a, b);
    assert.deepEqual(a, [3, 6, 12, 24, 48, 50, 50, 50, 50, 50, 50, 50]);
  });

  test('the backoff resets after resetAfterMs of running without a failure (counted from the restart)', { timeout: 60_000 }, () => {
    const { at } = tracker(exp({ initialMs: 10, multiplier: 2, maxMs: 100, resetAfterMs: 1000 }));
    assert.equal(at(0), 10);
    assert.equal(at(10), 20); // restarted at 10, failed at once
    assert.equal(at(30), 40);
    // restarted at 70; failing 999 ms later is not quiet enough
    assert.equal(at(70 + 999), 80);
    // restarted at 1149; 1000 ms of running: the backoff starts over
    assert.equal(at(1149 + 1000), 10);
    assert.equal(at(2159), 20);
  });

  test('a crash loop with a backoff above resetAfterMs stays at maxMs (the time waiting is not quiet time)', { timeout: 60_000 }, () => {
    // Each attempt fails 10 ms after it started: the job never ran 50 ms, so the backoff must not reset,
    // although the time between two failures (delay + 10 ms) soon exceeds resetAfterMs.
    assert.deepEqual(crashLoop(exp({ initialMs: 10, multiplier: 2, maxMs: 100, resetAfterMs: 50 }), 8, 10), [10, 20, 40, 80, 100, 100, 100, 100]);
    // attempts that run at least resetAfterMs always restart after initialMs
    assert.deepEqual(crashLoop(exp({ initialMs: 10, multiplier: 2, maxMs: 100, resetAfterMs: 50 }), 5, 50), [10, 10, 10, 10, 10]);
    assert.deepEqual(crashLoop(exp({ initialMs: 10, multiplier: 2, maxMs: 100, resetAfterMs: 50 }), 5, 49), [10, 20, 40, 80, 100]);
  });

  test('attempts: gives up after that many restarts in a row; a reset of the backoff resets the count', { timeout: 60_000 }, () => {
    const cfg = exp({ initialMs: 1, multiplier: 2, maxMs: 8, resetAfterMs: 100, attempts: 3 });
    assert.deepEqual(crashLoop(cfg, 10, 0), [1, 2, 4, undefined]);
    const { t, at } = tracker(cfg);
    assert.equal(at(0), 1);
    assert.equal(at(1), 2);
    assert.equal(at(3), 4);
    // ran 100 ms after the restart at 7: backoff and attempts start over
    assert.equal(at(107), 1);
    assert.equal(at(108), 2);
    assert.equal(at(110), 4);
    assert.equal(at(114), undefined);
    assert.equal(t.restarts, 6, 'restarts counts every restart of the job');
  });

  test('attempts: 0 never restarts', { timeout: 60_000 }, () => {
    assert.deepEqual(crashLoop(exp({ attempts: 0 }), 3, 0), [undefined]);
  });
});

describe('failureRate', () => {
  test('maxFailures failures within the interval fail the job; fewer restart after delayMs', { timeout: 60_000 }, () => {
    const { t, at } = tracker(RestartStrategies.failureRate(3, 1000, 5));
    assert.equal(at(0), 5);
    assert.equal(at(100), 5);
    assert.equal(at(999), undefined); // the third failure within 1000 ms
    assert.equal(t.restarts, 2);
  });

  test('older failures slide out of the interval', { timeout: 60_000 }, () => {
    const { t, at } = tracker(RestartStrategies.failureRate(3, 1000, 0));
    assert.equal(at(0), 0);
    assert.equal(at(500), 0);
    assert.equal(at(1001), 0); // the failure at 0 is 1001 ms old: two within the interval (500, 1001)
    assert.equal(at(1600), 0); // 500 slid out: 1001, 1600
    assert.equal(at(2100), 0); // 1001 is 1099 ms old: 1600, 2100
    assert.equal(at(2600), undefined); // 1600, 2100, 2600: three within 1000 ms
    assert.equal(t.restarts, 5);
  });

  test('a failure exactly intervalMs old still counts (as in Flink)', { timeout: 60_000 }, () => {
    const { at } = tracker(RestartStrategies.failureRate(2, 1000, 0));
    assert.equal(at(0), 0);
    assert.equal(at(1000), undefined);
    const other = tracker(RestartStrategies.failureRate(2, 1000, 0));
    assert.equal(other.at(0), 0);
    assert.equal(other.at(1001), 0);
    assert.equal(other.at(2002), 0);
    assert.equal(other.at(2003), undefined);
  });

  test('a steady failure rate below the limit restarts forever', { timeout: 60_000 }, () => {
    const { t, at } = tracker(RestartStrategies.failureRate(2, 100, 1));
    for (let i = 0; i < 50; i++) assert.equal(at(i * 101), 1, `failure ${i}`);
    assert.equal(t.restarts, 50);
  });

  test('maxFailures 1 never restarts', { timeout: 60_000 }, () => {
    const { at } = tracker(RestartStrategies.failureRate(1, 1000, 0));
    assert.equal(at(0), undefined);
  });
});

describe('every strategy', () => {
  const all: [string, RestartStrategyConfig][] = [
    ['fixedDelay', RestartStrategies.fixedDelay(5, 3)],
    ['exponentialDelay', RestartStrategies.exponentialDelay({ initialMs: 3 })],
    ['failureRate', RestartStrategies.failureRate(5, 1000, 3)],
  ];
  for (const [name, cfg] of all) {
    test(`${name}: an error that is not retriable fails the job at once`, { timeout: 60_000 }, () => {
      const { t, at } = tracker(cfg);
      assert.equal(at(0, new SerializationError('cannot clone')), undefined);
      assert.equal(t.restarts, 0);
      assert.equal(at(10), 3, 'a retriable error after it restarts');
    });
  }
  test('noRestart never restarts', { timeout: 60_000 }, () => {
    assert.equal(tracker(RestartStrategies.noRestart()).at(0), undefined);
  });
  test('fixedDelay: exactly `attempts` restarts, each after delayMs', { timeout: 60_000 }, () => {
    assert.deepEqual(crashLoop(RestartStrategies.fixedDelay(3, 7), 10, 0), [7, 7, 7, undefined]);
  });
});
