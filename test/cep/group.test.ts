// Group patterns: followedBy/next a group, quantified groups (oneOrMore, times, optional), nested groups.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pattern } from '../../src/cep/index.ts';
import { is, run, runSorted, type Ev } from './cep-test-kit.ts';

const ab = () => Pattern.begin<Ev>('m1').where(is('a')).followedBy('m2').where(is('b'));
const c = () => Pattern.begin<Ev>('start').where(is('c'));

test('followedBy(group)', () => {
  const p = c().followedBy(ab()).followedBy('end').where(is('d'));
  assert.deepEqual(run(p, 'c x a x b d', { byStage: true }), ['start=c0 m1=a2 m2=b4 end=d5']);
});

test('next(group): the group must start right away', () => {
  const p = c().next(ab()).followedBy('end').where(is('d'));
  assert.deepEqual(run(p, 'c x a b d'), []);
  assert.deepEqual(run(p, 'c a x b d'), ['c0 a1 b3 d4']);
});

test('group oneOrMore: (a b)+ repeated (events render grouped by stage)', () => {
  const p = c().followedBy(ab()).oneOrMore().followedBy('end').where(is('d'));
  assert.deepEqual(runSorted(p, 'c a b a b d'), ['c0 a1 a3 b2 b4 d5', 'c0 a1 b2 d5']);
});

test('group times(2)', () => {
  const p = c().followedBy(ab()).times(2).followedBy('end').where(is('d'));
  assert.deepEqual(run(p, 'c a b a b d', { byStage: true }), ['start=c0 m1=a1,a3 m2=b2,b4 end=d5']);
  assert.deepEqual(run(p, 'c a b d'), []);
});

test('optional group', () => {
  const p = c().followedBy(ab()).optional().followedBy('end').where(is('d'));
  assert.deepEqual(run(p, 'c d'), ['c0 d1']);
  assert.deepEqual(runSorted(p, 'c a b d'), ['c0 a1 b2 d3', 'c0 d3']);
});

test('begin(group)', () => {
  const p = Pattern.begin<Ev>(ab()).next('end').where(is('d'));
  assert.deepEqual(run(p, 'a b d a x b d'), ['a0 b1 d2', 'a3 b5 d6']);
});

test('nested groups', () => {
  const inner = Pattern.begin<Ev>('y').where(is('y')).followedBy('z').where(is('z'));
  const outer = Pattern.begin<Ev>('x').where(is('x')).next(inner);
  const p = Pattern.begin<Ev>('s').where(is('s')).followedBy(outer).followedBy('w').where(is('w'));
  assert.deepEqual(run(p, 's x y q z w', { byStage: true }), ['s=s0 x=x1 y=y2 z=z4 w=w5']);
  assert.deepEqual(run(p, 's x q y z w'), []);
});

test('group followedByAny', () => {
  const p = c().followedByAny(ab()).followedBy('end').where(is('d'));
  assert.deepEqual(runSorted(p, 'c a a b d'), ['c0 a1 b3 d4', 'c0 a2 b3 d4']);
});

// scenarios after Flink's GroupITCase (events render grouped by stage: start, m1, m2, end)
const CABABABD = 'c a b a b a b d';

test('followedByAny((a b)).oneOrMore(): any start, relaxed repetitions', () => {
  const p = c().followedByAny(ab()).oneOrMore().followedBy('end').where(is('d'));
  assert.deepEqual(runSorted(p, CABABABD), [
    'c0 a1 a3 a5 b2 b4 b6 d7', 'c0 a1 a3 b2 b4 d7', 'c0 a1 b2 d7', 'c0 a3 a5 b4 b6 d7', 'c0 a3 b4 d7', 'c0 a5 b6 d7',
  ]);
});

test('next((a b)).oneOrMore().optional().consecutive()', () => {
  const p = c().next(ab()).oneOrMore().optional().consecutive().followedBy('end').where(is('d'));
  assert.deepEqual(runSorted(p, CABABABD), ['c0 a1 a3 a5 b2 b4 b6 d7', 'c0 a1 a3 b2 b4 d7', 'c0 a1 b2 d7', 'c0 d7']);
});

test('a group followed by notFollowedBy', () => {
  const p = c().followedByAny(ab()).notFollowedBy('nd').where(is('d')).followedBy('end').where(is('e'));
  assert.deepEqual(runSorted(p, 'c a b d a b e'), ['c0 a4 b5 e6']);
});
