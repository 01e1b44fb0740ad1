// until(): scenarios after Flink's UntilConditionITCase (prices as values; the loop stops at price 5, which
// the next stage takes), expected matches worked out by hand; the NFA holds nothing afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NFA, Pattern } from '../../src/cep/index.ts';
import { events, fmt, is, type Ev } from './cep-test-kit.ts';

const five = (e: Ev) => e.v === 5;
type Inner = 'relaxed' | 'consecutive' | 'combinations';
const loop = (inner: Inner, optional: boolean, contiguity: 'followedBy' | 'followedByAny' = 'followedBy') => {
  const m = Pattern.begin<Ev>('start').where(is('c'))[contiguity]('middle').where(is('a')).oneOrMore();
  if (optional) m.optional();
  if (inner === 'consecutive') m.consecutive();
  if (inner === 'combinations') m.allowCombinations();
  return m.until(five);
};

function run(p: Pattern<Ev, any>, input: string): { matches: string[]; empty: boolean } {
  const nfa = NFA.compile(p);
  const matches = events(input).flatMap((e, i) => nfa.process(e, i).map(fmt)).sort();
  return { matches, empty: nfa.isEmpty };
}

for (const inner of ['relaxed', 'consecutive'] as const) {
  test(`oneOrMore().until() then the breaking event (${inner})`, () => {
    assert.deepEqual(run(loop(inner, false).followedBy('end').where(five), 'c:1 a:2 a:3 a:5 a:6'),
      { matches: ['c0 a1 a2 a3', 'c0 a1 a3'], empty: true });
  });
  test(`oneOrMore().optional().until() (${inner})`, () => {
    assert.deepEqual(run(loop(inner, true).followedBy('end').where(five), 'c:1 a:2 a:3 a:5 a:6'),
      { matches: ['c0 a1 a2 a3', 'c0 a1 a3', 'c0 a3'], empty: true });
  });
}

test('oneOrMore().allowCombinations().until()', () => {
  assert.deepEqual(run(loop('combinations', false).followedBy('end').where(five), 'c:1 a:2 a:3 a:4 a:5 a:6'), {
    matches: ['c0 a1 a2 a3 a4', 'c0 a1 a2 a4', 'c0 a1 a3 a4', 'c0 a1 a4'],
    empty: true,
  });
  assert.deepEqual(run(loop('combinations', true).followedBy('end').where(five), 'c:1 a:2 a:3 a:4 a:5 a:6').matches,
    ['c0 a1 a2 a3 a4', 'c0 a1 a2 a4', 'c0 a1 a3 a4', 'c0 a1 a4', 'c0 a4']);
});

test('followedByAny(...).oneOrMore().until() as the last stage: later events may start over after the break', () => {
  // the loop stops at a3 (price 5); c0 still waits for "any a" and takes a4
  assert.deepEqual(run(loop('relaxed', false, 'followedByAny'), 'c:1 a:2 a:3 a:5 a:6').matches,
    ['c0 a1', 'c0 a1 a2', 'c0 a2', 'c0 a4']);
});
