// The standalone NFA API: factory, empty results, isEmpty/bufferSize bookkeeping, out-of-order timestamps,
// and buffer sharing between branches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AfterMatchSkipStrategy, NFA, NFAFactory, Pattern } from '../../src/cep/index.ts';
import { events, fmt, is, type Ev } from './cep-test-kit.ts';

const abc = () => Pattern.begin<Ev>('a').where(is('a')).followedByAny('b').where(is('b')).followedBy('c').where(is('c'));

test('NFAFactory compiles once and creates independent instances', () => {
  const factory = NFAFactory.of(abc(), { skip: AfterMatchSkipStrategy.skipToNext() });
  assert.equal(factory.skip.kind, 'skip-to-next');
  const x = factory.create();
  const y = factory.create();
  const [a, b, c] = events('a b c');
  x.process(a!, 0);
  x.process(b!, 1);
  assert.deepEqual(y.process(c!, 2), []);
  assert.deepEqual(x.process(c!, 2).map(fmt), ['a0 b1 c2']);
  const z = factory.restore(x.snapshot());
  assert.equal(z.partialMatchCount, x.partialMatchCount);
});

test('no match: a frozen, shared empty array', () => {
  const nfa = NFA.compile(abc());
  const r = nfa.process(events('x')[0]!, 0);
  assert.equal(r.length, 0);
  assert.ok(Object.isFrozen(r));
});

test('isEmpty, partialMatchCount and bufferSize follow the partial matches', () => {
  const nfa = NFA.compile(abc());
  assert.ok(nfa.isEmpty);
  const evs = events('a b b c');
  nfa.process(evs[0]!, 0);
  assert.equal(nfa.partialMatchCount, 1);
  assert.equal(nfa.bufferSize, 1);
  nfa.process(evs[1]!, 1);
  nfa.process(evs[2]!, 2);
  // a0 waits for another b; a0 b1 and a0 b2 wait for c; a0 is stored once, shared by all three
  assert.equal(nfa.partialMatchCount, 3);
  assert.equal(nfa.bufferSize, 3);
  assert.deepEqual(nfa.process(evs[3]!, 3).map(fmt).sort(), ['a0 b1 c3', 'a0 b2 c3']);
  assert.equal(nfa.partialMatchCount, 1);
  assert.equal(nfa.bufferSize, 1);
  assert.ok(!nfa.isEmpty);
});

test('events with decreasing timestamps keep partial matches ordered by first event', () => {
  const p = Pattern.begin<Ev>('a').where(is('a')).followedByAny('b').where(is('b'));
  const nfa = NFA.compile(p, { skip: AfterMatchSkipStrategy.skipPastLastEvent() });
  const [a1, a2, b] = events('a a b');
  nfa.process(a1!, 10);
  nfa.process(a2!, 5); // earlier than a1: it becomes the oldest partial match
  assert.deepEqual(nfa.partials.slice(0, -1).map((s) => s.startTs), [5, 10]);
  assert.deepEqual(nfa.process(b!, 11).map(fmt), ['a1 b2']);
  assert.equal(nfa.partialMatchCount, 0);
});

test('a condition may read earlier stages on every branch (followedByAny + iterative)', () => {
  const p = Pattern.begin<Ev>('a').where(is('a'))
    .followedByAny('b').where((e, ctx) => e.type === 'b' && e.v > ctx.getEventsForPattern('a')[0]!.v);
  const nfa = NFA.compile(p);
  const out = events('a:2 a:5 b:3 b:6').flatMap((e, i) => nfa.process(e, i).map(fmt));
  assert.deepEqual(out.sort(), ['a0 b2', 'a0 b3', 'a1 b3']);
});

test('NFAFactory.canStart tells whether a fresh NFA would take the event', () => {
  const factory = NFAFactory.of(abc());
  const [a, b] = events('a b');
  assert.equal(factory.canStart(a!, 0), true);
  assert.equal(factory.canStart(b!, 0), false);
  // an optional first stage: the second stage can start a match too
  const opt = NFAFactory.of(Pattern.begin<Ev>('a').where(is('a')).optional().followedBy('b').where(is('b')));
  assert.equal(opt.canStart(b!, 0), true);
  assert.equal(opt.canStart(events('x')[0]!, 0), false);
  for (const e of events('a b x')) {
    const fresh = opt.create();
    const changed = fresh.process(e, 0).length > 0 || !fresh.isEmpty;
    assert.equal(changed, opt.canStart(e, 0), e.id);
  }
});
