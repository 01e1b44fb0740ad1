// skipToFirst / skipToLast with and without throwExceptionOnMiss, after Flink's AfterMatchSkipITCase:
// skipping to the match's own first event throws with the flag (testSkipToFirstElementOfMatch) and prunes
// nothing without it (testSkipToFirstAtStartPosition, testSkipToFirstWithOptionalMatch); a stage that took
// nothing throws with the flag and is ignored without it (testSkipTo{First,Last}NonExistentPosition[WithoutException]).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AfterMatchSkipStrategy as S, Pattern, SkipStrategyMissError } from '../../src/cep/index.ts';
import { run, runSkip, type Ev } from './cep-test-kit.ts';

const T = { timeout: 30_000 };
const has = (t: string) => (e: Ev) => e.type.includes(t);

/** The error thrown when the event to skip to is the match's first event. */
function skipsToStart(stage: string, kind: string) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof SkipStrategyMissError, `expected SkipStrategyMissError, got ${String(e)}`);
    assert.equal(e.stage, stage);
    assert.equal(e.reason, 'match-start');
    assert.match(e.message, new RegExp(`${kind}\\("${stage}"\\)\\.throwExceptionOnMiss\\(\\)`));
    assert.match(e.message, /first event of the match/);
    return true;
  };
}

test('skipToFirst(a).throwExceptionOnMiss() when a starts the match: throws (Flink testSkipToFirstElementOfMatch)', T, () => {
  const p = Pattern.begin<Ev>('a', S.skipToFirst('a').throwExceptionOnMiss()).where(has('a'));
  assert.throws(() => run(p, 'a'), skipsToStart('a', 'skip-to-first'));
});

test('without throwExceptionOnMiss, skipping to the match start prunes nothing (Flink testSkipToFirstAtStartPosition)', T, () => {
  const p = Pattern.begin<Ev>('b', S.skipToFirst('b')).where(has('b')).next('c').where(has('c'));
  assert.deepEqual(run(p, 'ab c ab c'), ['ab0 c1', 'ab2 c3']);
  assert.deepEqual(run(Pattern.begin<Ev>('a', S.skipToFirst('a')).where(has('a')), 'a a'), ['a0', 'a1']);
  const thrown = Pattern.begin<Ev>('b', S.skipToFirst('b').throwExceptionOnMiss()).where(has('b')).next('c').where(has('c'));
  assert.throws(() => run(thrown, 'ab c ab c'), skipsToStart('b', 'skip-to-first'));
});

test('skipToFirst on the stage after an optional loop (Flink testSkipToFirstWithOptionalMatch)', T, () => {
  const p = (skip: S) => Pattern.begin<Ev>('x', skip).where(has('x')).oneOrMore().optional()
    .next('b').where(has('b')).next('c').where(has('c'));
  assert.deepEqual(run(p(S.skipToFirst('b')), 'ab c ab c'), ['ab0 c1', 'ab2 c3']);
  // x0 ab1 c2 skips to ab1; ab1 c2, which starts there, is kept (the same as noSkip)
  assert.deepEqual(run(p(S.skipToFirst('b')), 'x ab c'), ['x0 ab1 c2', 'ab1 c2']);
  assert.deepEqual(run(p(S.noSkip()), 'x ab c'), ['x0 ab1 c2', 'ab1 c2']);
  assert.throws(() => run(p(S.skipToFirst('b').throwExceptionOnMiss()), 'ab c'), skipsToStart('b', 'skip-to-first'));
  // the first match starts at x0, before ab1: fine; the second starts at ab1 itself: thrown
  assert.throws(() => run(p(S.skipToFirst('b').throwExceptionOnMiss()), 'x ab c'), skipsToStart('b', 'skip-to-first'));
});

test('skipToLast(a).throwExceptionOnMiss() when the last a is the match start: throws too (Flink checks both)', T, () => {
  const ab = (skip: S) => Pattern.begin<Ev>('a', skip).where(has('a')).next('b').where(has('b'));
  assert.deepEqual(run(ab(S.skipToLast('a')), 'a b a b'), ['a0 b1', 'a2 b3']);
  assert.throws(() => run(ab(S.skipToLast('a').throwExceptionOnMiss()), 'a b'), skipsToStart('a', 'skip-to-last'));
  // Flink's testSkipToLastWithOneOrMoreAtBeginning: a1 a2 a3 b1 then a3 b1; with the flag, a3 b1 starts at a3
  const loop = (skip: S) => Pattern.begin<Ev>('a', skip).where(has('a')).oneOrMore().consecutive().greedy()
    .next('b').where(has('b'));
  assert.deepEqual(run(loop(S.skipToLast('a')), 'a a a b'), ['a0 a1 a2 b3', 'a2 b3']);
  assert.throws(() => run(loop(S.skipToLast('a').throwExceptionOnMiss()), 'a a a b'), skipsToStart('a', 'skip-to-last'));
});

test('a stage that took nothing: thrown with the flag, no skip without it (Flink MissedSkipTo cases)', T, () => {
  const p = Pattern.begin<Ev>('a').where(has('a')).next('b').where(has('b')).oneOrMore().optional().consecutive()
    .next('c').where(has('c'));
  const missed = (stage: string) => (e: unknown): boolean =>
    e instanceof SkipStrategyMissError && e.stage === stage && e.reason === 'no-event' && /took no event/.test(e.message);
  assert.throws(() => runSkip(p, 'a c', S.skipToFirst('b').throwExceptionOnMiss()), missed('b'));
  assert.throws(() => runSkip(p, 'a c', S.skipToLast('b').throwExceptionOnMiss()), missed('b'));
  assert.deepEqual(runSkip(p, 'a c', S.skipToFirst('b')), ['a0 c1']);
  assert.deepEqual(runSkip(p, 'a c', S.skipToLast('b')), ['a0 c1']);
  // b took events that do not start the match: no error with the flag
  assert.deepEqual(runSkip(p, 'a b b c', S.skipToFirst('b').throwExceptionOnMiss()), ['a0 b1 b2 c3']);
  assert.deepEqual(runSkip(p, 'a b b c', S.skipToLast('b').throwExceptionOnMiss()), ['a0 b1 b2 c3']);
});
