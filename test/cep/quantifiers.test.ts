// Quantifiers: times, times(min, max), timesOrMore, oneOrMore, optional, consecutive, allowCombinations,
// greedy and until; expected matches worked out by hand (the looping cases follow Flink's documentation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NFA, Pattern } from '../../src/cep/index.ts';
import { is, run, runSorted, type Ev } from './cep-test-kit.ts';

const loop = (inner?: 'consecutive' | 'allowCombinations') => {
  const middle = Pattern.begin<Ev>('start').where(is('c')).followedBy('middle').where(is('a')).oneOrMore();
  if (inner === 'consecutive') middle.consecutive();
  if (inner === 'allowCombinations') middle.allowCombinations();
  return middle.followedBy('end').where(is('b'));
};
const DOC_INPUT = 'c d a a a d a b'; // c0 d1 a2 a3 a4 d5 a6 b7

test('oneOrMore with relaxed inner contiguity (the default)', () => {
  assert.deepEqual(runSorted(loop(), DOC_INPUT), ['c0 a2 a3 a4 a6 b7', 'c0 a2 a3 a4 b7', 'c0 a2 a3 b7', 'c0 a2 b7']);
});

test('oneOrMore().consecutive(): the d in between ends the loop', () => {
  assert.deepEqual(runSorted(loop('consecutive'), DOC_INPUT), ['c0 a2 a3 a4 b7', 'c0 a2 a3 b7', 'c0 a2 b7']);
});

test('oneOrMore().allowCombinations(): every subset after the first a', () => {
  assert.deepEqual(runSorted(loop('allowCombinations'), DOC_INPUT), [
    'c0 a2 a3 a4 a6 b7', 'c0 a2 a3 a4 b7', 'c0 a2 a3 a6 b7', 'c0 a2 a3 b7',
    'c0 a2 a4 a6 b7', 'c0 a2 a4 b7', 'c0 a2 a6 b7', 'c0 a2 b7',
  ]);
});

const xay = (f: (p: Pattern<Ev>) => Pattern<Ev>) =>
  f(Pattern.begin<Ev>('x').where(is('x')).followedBy('a').where(is('a'))).followedBy('y').where(is('y'));

test('times(2): relaxed, consecutive and allowCombinations', () => {
  assert.deepEqual(run(xay((p) => p.times(2)), 'x a b a a y'), ['x0 a1 a3 y5']);
  assert.deepEqual(runSorted(xay((p) => p.times(2).allowCombinations()), 'x a b a a y'), ['x0 a1 a3 y5', 'x0 a1 a4 y5']);
  assert.deepEqual(run(xay((p) => p.times(2).consecutive()), 'x a b a a y'), []);
  assert.deepEqual(run(xay((p) => p.times(2).consecutive()), 'x a a b y'), ['x0 a1 a2 y4']);
});

test('times(1, 3): one to three events', () => {
  assert.deepEqual(runSorted(xay((p) => p.times(1, 3)), 'x a a a a y'), ['x0 a1 a2 a3 y5', 'x0 a1 a2 y5', 'x0 a1 y5']);
});

test('times(0, 2) makes the stage optional', () => {
  assert.deepEqual(run(xay((p) => p.times(0, 2)), 'x y'), ['x0 y1']);
  assert.deepEqual(runSorted(xay((p) => p.times(0, 2)), 'x a y'), ['x0 a1 y2', 'x0 y2']);
});

test('timesOrMore(2)', () => {
  assert.deepEqual(runSorted(xay((p) => p.timesOrMore(2)), 'x a a a y'), ['x0 a1 a2 a3 y4', 'x0 a1 a2 y4']);
  assert.deepEqual(run(xay((p) => p.timesOrMore(2)), 'x a y'), []);
});

test('optional(): with and without the optional event', () => {
  const p = Pattern.begin<Ev>('a').where(is('a')).followedBy('b').where(is('b')).optional().followedBy('c').where(is('c'));
  assert.deepEqual(runSorted(p, 'a b c'), ['a0 b1 c2', 'a0 c2']);
  assert.deepEqual(run(p, 'a c'), ['a0 c1']);
});

test('optional first stage: the match may start at the second stage', () => {
  const p = Pattern.begin<Ev>('a').where(is('a')).optional().followedBy('b').where(is('b'));
  assert.deepEqual(runSorted(p, 'a b'), ['a0 b1', 'b1']);
});

test('oneOrMore().optional() last stage completes on every taken event', () => {
  const p = Pattern.begin<Ev>('a').where(is('a')).followedBy('b').where(is('b')).oneOrMore().optional();
  assert.deepEqual(run(p, 'a b b'), ['a0', 'a0 b1', 'a0 b1 b2']);
});

test('greedy(): the loop takes every matching event before the next stage may start (Flink docs skip table input)', () => {
  const greedy = Pattern.begin<Ev>('b').where(is('b')).oneOrMore().greedy().followedBy('c').where(is('c'));
  assert.deepEqual(run(greedy, 'b b b c'), ['b0 b1 b2 c3', 'b1 b2 c3', 'b2 c3']);
  const lazy = Pattern.begin<Ev>('b').where(is('b')).oneOrMore().followedBy('c').where(is('c'));
  assert.deepEqual(runSorted(lazy, 'b b b c'), ['b0 b1 b2 c3', 'b0 b1 c3', 'b0 c3', 'b1 b2 c3', 'b1 c3', 'b2 c3']);
});

test('greedy() when the next stage accepts the same events', () => {
  // the next stage matches any v>0 event; greedy keeps events matching the loop out of it
  const p = Pattern.begin<Ev>('a').where(is('a')).followedBy('b').where(is('b')).oneOrMore().greedy()
    .followedBy('z').where((e) => e.v > 0);
  assert.deepEqual(runSorted(p, 'a b b:1 c:1'), ['a0 b1 b2 c3']);
});

test('until(): the stop event ends the loop and is not taken', () => {
  const p = Pattern.begin<Ev>('a').where(is('a')).followedBy('b').where(is('b')).oneOrMore().until(is('x'))
    .followedBy('c').where(is('c'));
  assert.deepEqual(runSorted(p, 'a b b x b c'), ['a0 b1 b2 c5', 'a0 b1 c5']);
  const noUntil = Pattern.begin<Ev>('a').where(is('a')).followedBy('b').where(is('b')).oneOrMore().followedBy('c').where(is('c'));
  assert.deepEqual(runSorted(noUntil, 'a b b x b c'), ['a0 b1 b2 b4 c5', 'a0 b1 b2 c5', 'a0 b1 c5']);
});

test('until() on a looping last stage', () => {
  const p = Pattern.begin<Ev>('a').where(is('a')).followedBy('b').where(is('b')).oneOrMore().until(is('x'));
  assert.deepEqual(run(p, 'a b x b'), ['a0 b1']);
});

test('or(): alternatives for one stage; where() after or() narrows both', () => {
  const p = Pattern.begin<Ev>('s').where(is('a')).or(is('b')).next('t').where(is('c'));
  assert.deepEqual(run(p, 'a c b c d c'), ['a0 c1', 'b2 c3']);
  const q = Pattern.begin<Ev>('s').where(is('a')).or(is('b')).where((e) => e.v > 0);
  assert.deepEqual(run(q, 'a b:1 a:2 c:3'), ['b1', 'a2']);
});

test('subtype() narrows with a type guard', () => {
  type Shape = { kind: 'circle'; r: number } | { kind: 'square'; side: number };
  const p = Pattern.begin<Shape>('c')
    .subtype((s): s is Extract<Shape, { kind: 'circle' }> => s.kind === 'circle')
    .where((c) => c.r > 1);
  const nfa = NFA.compile(p);
  assert.deepEqual(nfa.process({ kind: 'square', side: 5 }, 0), []);
  assert.deepEqual(nfa.process({ kind: 'circle', r: 0.5 }, 1), []);
  assert.equal(nfa.process({ kind: 'circle', r: 2 }, 2).length, 1);
});
