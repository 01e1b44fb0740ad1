// maxPartialMatches: pathological patterns (followedByAny + allowCombinations) are bounded per NFA, by
// failing with a clear error or by dropping the oldest partial matches and counting them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NFA, PartialMatchLimitError, Pattern } from '../../src/cep/index.ts';
import { events, is, type Ev } from './cep-test-kit.ts';

const explosive = () => Pattern.begin<Ev>('a').where(is('a'))
  .followedByAny('b').where(is('b')).oneOrMore().allowCombinations()
  .followedBy('c').where(is('c'));
const input = events(`a ${'b '.repeat(30)}`);

test('without a limit the number of partial matches explodes', () => {
  const nfa = NFA.compile(explosive());
  input.slice(0, 14).forEach((e, i) => nfa.process(e, i));
  assert.ok(nfa.partialMatchCount > 1000, String(nfa.partialMatchCount));
});

test("limitPolicy 'error' throws PartialMatchLimitError", () => {
  const nfa = NFA.compile(explosive(), { maxPartialMatches: 100 });
  assert.throws(() => input.forEach((e, i) => nfa.process(e, i)), (e: unknown) =>
    e instanceof PartialMatchLimitError && e.limit === 100 && /maxPartialMatches = 100/.test(e.message));
});

test("limitPolicy 'drop-oldest' keeps the count bounded and counts drops", () => {
  const nfa = NFA.compile(explosive(), { maxPartialMatches: 100, limitPolicy: 'drop-oldest' });
  input.forEach((e, i) => {
    nfa.process(e, i);
    assert.ok(nfa.partialMatchCount <= 100);
  });
  assert.ok(nfa.metrics.droppedPartialMatches > 0);
  // the buffer only holds what the surviving partial matches reference
  assert.ok(nfa.bufferSize <= 100 * 32);
  const again = NFA.restore(explosive(), nfa.snapshot(), { maxPartialMatches: 100, limitPolicy: 'drop-oldest' });
  assert.equal(again.metrics.droppedPartialMatches, nfa.metrics.droppedPartialMatches);
});
