// greedy(): scenarios after Flink's GreedyITCase (c a* d and variants), expected matches worked out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pattern } from '../../src/cep/index.ts';
import { is, runSorted, type Ev } from './cep-test-kit.ts';

/** c a* d with a greedy, optional looping middle; `end` tweaks the last stage. */
const cad = (opts: { consecutive?: boolean; endOptional?: boolean; until?: (e: Ev) => boolean } = {}) => {
  const middle = Pattern.begin<Ev>('start').where(is('c')).followedBy('middle').where(is('a')).oneOrMore().optional();
  if (opts.consecutive) middle.consecutive();
  middle.greedy();
  if (opts.until) middle.until(opts.until);
  const end = middle.followedBy('end').where(is('d'));
  return opts.endOptional ? end.optional() : end;
};

test('greedy zero-or-more takes every a', () => {
  assert.deepEqual(runSorted(cad(), 'c a a a d'), ['c0 a1 a2 a3 d4']);
});

test('greedy zero-or-more, consecutive', () => {
  assert.deepEqual(runSorted(cad({ consecutive: true }), 'c a a a d'), ['c0 a1 a2 a3 d4']);
  // x ends the consecutive loop; the match waiting for d may not skip a4 either (greedy guards the next
  // stage's edges with "not an a"), so nothing matches
  assert.deepEqual(runSorted(cad({ consecutive: true }), 'c a a x a d'), []);
});

test('greedy with other events in between and around the loop', () => {
  assert.deepEqual(runSorted(cad(), 'c x a x a x a d'), ['c0 a2 a4 a6 d7']);
  assert.deepEqual(runSorted(cad(), 'c a a x d'), ['c0 a1 a2 d4']);
  assert.deepEqual(runSorted(cad(), 'c x d'), ['c0 d2']);
});

test('an optional stage right after a greedy one is rejected (as in current Flink)', () => {
  assert.throws(() => cad({ endOptional: true }), /optional stage cannot follow the greedy stage "middle"/);
  assert.throws(() => Pattern.begin<Ev>('a').oneOrMore().allowCombinations().greedy(), /does not combine/);
  assert.throws(() => Pattern.begin<Ev>('a').oneOrMore().consecutive().allowCombinations(), /not both/);
});

test('greedy times(1, 3) takes as many as it can, up to the maximum', () => {
  const p = Pattern.begin<Ev>('start').where(is('c')).followedBy('m').where(is('a')).times(1, 3).greedy()
    .followedBy('end').where(is('d'));
  assert.deepEqual(runSorted(p, 'c a a d'), ['c0 a1 a2 d3']);
  // a fourth a can be neither taken (max 3) nor skipped by the waiting match (greedy guard)
  assert.deepEqual(runSorted(p, 'c a a a a d'), []);
  assert.deepEqual(runSorted(p, 'c a a a x d'), ['c0 a1 a2 a3 d5']);
});

test('greedy with until: the loop stops at the first event matching until', () => {
  // prices 2, 3, 3, 4: the a with price 4 stops the loop
  assert.deepEqual(runSorted(cad({ until: (e) => e.v > 3 }), 'c:1 a:2 a:3 a:3 a:4 d:3'), ['c0 a1 a2 a3 d5']);
});
