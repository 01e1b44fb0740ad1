// Contiguity: next, followedBy, followedByAny, notNext, notFollowedBy (middle and last), hand-worked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pattern } from '../../src/cep/index.ts';
import { is, run, runSorted, type Ev } from './cep-test-kit.ts';

const ab = () => Pattern.begin<Ev>('a').where(is('a'));

test('next: strict contiguity takes only the very next event', () => {
  assert.deepEqual(run(ab().next('b').where(is('b')), 'a c b a b'), ['a3 b4']);
});

test('followedBy: relaxed contiguity skips non-matching events, takes the first match only', () => {
  // a0 skips c1 and takes b2 (not b4); a3 takes b4
  assert.deepEqual(run(ab().followedBy('b').where(is('b')), 'a c b a b'), ['a0 b2', 'a3 b4']);
});

test('followedByAny: non-deterministic relaxed contiguity also skips matching events', () => {
  assert.deepEqual(run(ab().followedByAny('b').where(is('b')), 'a c b a b'), ['a0 b2', 'a0 b4', 'a3 b4']);
});

test('three stages mixing next and followedBy', () => {
  const p = ab().next('b').where(is('b')).followedBy('c').where(is('c'));
  assert.deepEqual(run(p, 'a b x c a x b c'), ['a0 b1 c3']);
});

test('notNext: the event right after a must not be b', () => {
  const p = ab().notNext('nb').where(is('b')).followedBy('c').where(is('c'));
  // a0 is followed by b1 -> dropped; a3 is followed by x4 -> fine, then c5
  assert.deepEqual(run(p, 'a b c a x c'), ['a3 c5']);
});

test('notNext as the last stage completes on the next non-matching event', () => {
  const p = ab().notNext('nb').where(is('b'));
  assert.deepEqual(run(p, 'a b a x a'), ['a2']);
});

test('notFollowedBy in the middle: no b between a and c', () => {
  const p = ab().notFollowedBy('nb').where(is('b')).followedBy('c').where(is('c'));
  // a0: b1 kills it; a2: x3, c4 -> match; a5: c6 -> match
  assert.deepEqual(run(p, 'a b a x c a c'), ['a2 c4', 'a5 c6']);
});

test('notFollowedBy between followedByAny stages', () => {
  const p = ab().notFollowedBy('nb').where(is('b')).followedByAny('c').where(is('c'));
  // a0 takes c1 and c2; b3 ends a0's remaining branch; a4 takes c5
  assert.deepEqual(runSorted(p, 'a c c b a c'), ['a0 c1', 'a0 c2', 'a4 c5']);
});

test('notFollowedBy after a looping stage stops the loop too', () => {
  const p = ab().followedBy('m').where(is('m')).oneOrMore().notFollowedBy('nb').where(is('b')).followedBy('c').where(is('c'));
  // a0 m1 m2 then b3: every branch of a0 dies (waiting for c or still looping)
  assert.deepEqual(run(p, 'a m m b c'), []);
  assert.deepEqual(runSorted(p, 'a m m c'), ['a0 m1 c3', 'a0 m1 m2 c3']);
});

test('notFollowedBy as the last stage completes when within runs out', () => {
  const p = ab().notFollowedBy('nb').where(is('b')).within(10);
  // a0 (t=0) completes when time reaches 10, a1 (t=8) at 18; b2 (t=12) comes too late to stop a0 but kills a1
  assert.deepEqual(run(p, 'a a', { ts: [0, 8], end: 9 }), []);
  assert.deepEqual(run(p, 'a a', { ts: [0, 8], end: 10 }), ['a0']);
  assert.deepEqual(run(p, 'a a', { ts: [0, 8], end: 18 }), ['a0', 'a1']);
  assert.deepEqual(run(p, 'a a b', { ts: [0, 8, 12], end: 100 }), ['a0']);
});

test('a trailing notFollowedBy match is found by a later event too (process advances time first)', () => {
  const p = ab().notFollowedBy('nb').where(is('b')).within(10);
  assert.deepEqual(run(p, 'a x b', { ts: [0, 3, 12] }), ['a0']);
});

test('followedBy with an optional stage and a notFollowedBy before it (Flink: taking the optional cancels the not)', () => {
  const p = ab().notFollowedBy('nb').where(is('b')).followedByAny('c').where(is('c')).optional().followedByAny('d').where(is('d'));
  // a c b d: c taken before b, so the not no longer applies -> a0 c1 d3; the path skipping c dies at b
  assert.deepEqual(runSorted(p, 'a c b d'), ['a0 c1 d3']);
  // a b d: no optional event taken, b kills the match
  assert.deepEqual(run(p, 'a b d'), []);
});
