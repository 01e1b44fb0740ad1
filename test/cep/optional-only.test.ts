// Patterns whose every stage is optional, above all one optional looping stage (`a*`): accepted, as in Flink,
// and every match holds at least one event (the automaton reaches its final state only by taking an event).
// Scenarios after Flink's NFAITCase (testStartAndEndWithZeroOrMore, testStartWithZeroOrMoreStrict) and
// GreedyITCase (testEndWithZeroOrMoreGreedy, testEndWithZeroOrMoreConsecutiveGreedy: a greedy last stage
// still completes at every event); the times/timesOrMore expectations follow from the same automaton.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePatternSpec, NFA, NFAFactory, Pattern } from '../../src/cep/index.ts';
import { events, fmt, is, run, type Ev } from './cep-test-kit.ts';

const T = { timeout: 30_000 };
const a = () => Pattern.begin<Ev>('a').where(is('a'));

test('oneOrMore().optional() alone: every non-empty run, none empty (Flink testStartAndEndWithZeroOrMore)', T, () => {
  // Flink: c a1 a2 a3 d d d → {a1 a2 a3}, {a1 a2}, {a1}, {a2 a3}, {a2}, {a3}
  assert.deepEqual(run(a().oneOrMore().optional(), 'c a a a d d d'), ['a1', 'a1 a2', 'a2', 'a1 a2 a3', 'a2 a3', 'a3']);
  assert.deepEqual(run(a().oneOrMore().optional(), 'x y z', { end: 100 }), []);
});

test('oneOrMore().optional().consecutive() alone (Flink testStartWithZeroOrMoreStrict)', T, () => {
  // Flink: c a1 c a2 a3 → {a1}, {a2 a3}, {a2}, {a3}; the same as without optional()
  const want = ['a1', 'a3', 'a3 a4', 'a4'];
  assert.deepEqual(run(a().oneOrMore().optional().consecutive(), 'c a c a a'), want);
  assert.deepEqual(run(a().oneOrMore().consecutive(), 'c a c a a'), want);
});

test('greedy(): as the last stage it still completes at every event (Flink GreedyITCase end-with-zero-or-more)', T, () => {
  assert.deepEqual(run(a().oneOrMore().optional().greedy(), 'c a a a d'), ['a1', 'a1 a2', 'a2', 'a1 a2 a3', 'a2 a3', 'a3']);
  // consecutive: x ends every open run; a3 starts a new one
  assert.deepEqual(run(a().oneOrMore().optional().consecutive().greedy(), 'a a x a'), ['a0', 'a0 a1', 'a1', 'a3']);
});

test('oneOrMore().optional().allowCombinations(): every subsequence', T, () => {
  assert.deepEqual(run(a().oneOrMore().optional().allowCombinations(), 'a x a a'),
    ['a0', 'a0 a2', 'a2', 'a0 a2 a3', 'a0 a3', 'a2 a3', 'a3']);
});

test('timesOrMore(2).optional() alone: runs of two or more', T, () => {
  assert.deepEqual(run(a().timesOrMore(2).optional(), 'a a a'), ['a0 a1', 'a0 a1 a2', 'a1 a2']);
  assert.deepEqual(run(a().timesOrMore(2).optional(), 'a x a a'), ['a0 a2', 'a0 a2 a3', 'a2 a3']);
  assert.deepEqual(run(a().timesOrMore(2).optional().consecutive(), 'a x a a a'), ['a2 a3', 'a2 a3 a4', 'a3 a4']);
  assert.deepEqual(run(a().timesOrMore(2).optional().greedy(), 'a a a x'), ['a0 a1', 'a0 a1 a2', 'a1 a2']);
  assert.deepEqual(run(a().timesOrMore(2).optional(), 'a x y'), []);
});

test('times(n).optional() and times(0, n) alone', T, () => {
  assert.deepEqual(run(a().times(2).optional(), 'a a a'), ['a0 a1', 'a1 a2']);
  assert.deepEqual(run(a().times(2).optional().consecutive(), 'a x a a'), ['a2 a3']);
  assert.deepEqual(run(a().times(2).optional().allowCombinations(), 'a a a'), ['a0 a1', 'a0 a2', 'a1 a2']);
  assert.deepEqual(run(a().times(2, 3).optional().greedy(), 'a a a a'), ['a0 a1', 'a0 a1 a2', 'a1 a2', 'a1 a2 a3', 'a2 a3']);
  assert.deepEqual(run(a().times(0, 2), 'a a x'), ['a0', 'a0 a1', 'a1']);
});

test('other all-optional patterns: a?, a? b?, an optional group', T, () => {
  assert.deepEqual(run(a().optional(), 'a x a'), ['a0', 'a2']);
  assert.deepEqual(run(a().optional().followedBy('b').where(is('b')).optional(), 'a b x b a'), ['a0', 'a0 b1', 'b1', 'b3', 'a4']);
  const ab = () => a().followedBy('b').where(is('b'));
  assert.deepEqual(run(Pattern.begin<Ev>(ab()).optional(), 'a b a x b'), ['a0 b1', 'a2 b4']);
  assert.deepEqual(run(Pattern.begin<Ev>(ab()).oneOrMore().optional(), 'a b a b', { byStage: true }),
    ['a=a0 b=b1', 'a=a0,a2 b=b1,b3', 'a=a2 b=b3']);
});

test('a* through NFAFactory, snapshot/restore and a dynamic spec', T, () => {
  const p = a().oneOrMore().optional();
  const factory = NFAFactory.of(p);
  const [ea, ex] = events('a x');
  assert.equal(factory.canStart(ea!, 0), true);
  assert.equal(factory.canStart(ex!, 0), false);
  // restored between any two events, the run continues as an uninterrupted one
  const input = events('a x a a b a');
  const straight = run(p, 'a x a a b a');
  for (let split = 0; split <= input.length; split++) {
    let nfa = factory.create();
    const out: string[] = [];
    input.forEach((e, i) => {
      if (i === split) nfa = factory.restore(structuredClone(nfa.snapshot()));
      for (const m of nfa.process(e, i)) out.push(fmt(m));
    });
    assert.deepEqual(out, straight, `split at ${split}`);
  }
  const spec = compilePatternSpec<Ev>({
    id: 'runs', version: 1, fields: { type: 'string' },
    stages: [{ name: 'a', where: "type == 'a'", oneOrMore: true, optional: true, consecutive: true }],
  });
  const nfa = NFA.compile(spec.pattern, { skip: spec.skip });
  assert.deepEqual(events('a a x').flatMap((e, i) => nfa.process(e, i).map(fmt)), ['a0', 'a0 a1', 'a1']);
});
