// After-match skip strategies: noSkip, skipToNext, skipPastLastEvent, skipToFirst, skipToLast, and
// throwExceptionOnMiss; including matches held back until earlier partial matches resolve.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AfterMatchSkipStrategy as S, NFA, Pattern, SkipStrategyMissError } from '../../src/cep/index.ts';
import { events, is, runSkip, type Ev } from './cep-test-kit.ts';

// Flink's documentation table: pattern b+ c (greedy), input b1 b2 b3 c
const bc = () => Pattern.begin<Ev>('b').where(is('b')).oneOrMore().greedy().followedBy('c').where(is('c'));
const BBBC = 'b b b c';

test('noSkip keeps every match', () => {
  assert.deepEqual(runSkip(bc(), BBBC, S.noSkip()), ['b0 b1 b2 c3', 'b1 b2 c3', 'b2 c3']);
});
test('skipToNext: no other match starts at b0', () => {
  assert.deepEqual(runSkip(bc(), BBBC, S.skipToNext()), ['b0 b1 b2 c3', 'b1 b2 c3', 'b2 c3']);
});
test('skipPastLastEvent discards everything that started before c3', () => {
  assert.deepEqual(runSkip(bc(), BBBC, S.skipPastLastEvent()), ['b0 b1 b2 c3']);
});
test('skipToFirst(b): nothing started before b0; later matches wait for the open b0 loop (Flink)', () => {
  // after c3, the greedy loop that started at b0 is still open (it may take more b's), so matches that
  // started later are held back; once it expires they are emitted, and nothing was pruned
  assert.deepEqual(runSkip(bc(), BBBC, S.skipToFirst('b')), ['b0 b1 b2 c3']);
  assert.deepEqual(runSkip(bc().within(10), BBBC, S.skipToFirst('b'), { end: 100 }), ['b0 b1 b2 c3', 'b1 b2 c3', 'b2 c3']);
});
test('skipToLast(b): the match starting at b1 (before b2) is discarded', () => {
  assert.deepEqual(runSkip(bc(), BBBC, S.skipToLast('b')), ['b0 b1 b2 c3', 'b2 c3']);
});

test('skipToNext drops other branches of the same start', () => {
  const p = Pattern.begin<Ev>('a').where(is('a')).followedByAny('b').where(is('b'));
  assert.deepEqual(runSkip(p, 'a b b', S.noSkip()), ['a0 b1', 'a0 b2']);
  assert.deepEqual(runSkip(p, 'a b b', S.skipToNext()), ['a0 b1']);
  assert.deepEqual(runSkip(p, 'a a b b', S.skipToNext()), ['a0 b2', 'a1 b2']);
  assert.deepEqual(runSkip(p, 'a a b b', S.skipPastLastEvent()), ['a0 b2']);
});

test('a match is held back while an earlier partial match is open, then pruned by it', () => {
  // s takes a or c; e must have the same value as s. c1 e2 completes first but a0 started earlier.
  const p = Pattern.begin<Ev>('s').where((e) => e.type === 'a' || e.type === 'c')
    .followedBy('e').where((e, ctx) => e.type === 'e' && e.v === ctx.getEventsForPattern('s')[0]!.v);
  const input = 'a:1 c:2 e:2 e:1';
  assert.deepEqual(runSkip(p, input, S.noSkip()), ['c1 e2', 'a0 e3']);
  assert.deepEqual(runSkip(p, input, S.skipToNext()), ['a0 e3', 'c1 e2']);
  assert.deepEqual(runSkip(p, input, S.skipPastLastEvent()), ['a0 e3']);
});

test('held-back matches are released when the earlier partial match times out', () => {
  const p = Pattern.begin<Ev>('s').where((e) => e.type === 'a' || e.type === 'c')
    .followedBy('e').where((e, ctx) => e.type === 'e' && e.v === ctx.getEventsForPattern('s')[0]!.v).within(10);
  const nfa = NFA.compile(p, { skip: S.skipPastLastEvent() });
  const [a, c, e] = events('a:1 c:2 e:2');
  nfa.process(a!, 0);
  nfa.process(c!, 1);
  assert.deepEqual(nfa.process(e!, 2), []);
  const r = nfa.advanceTime(10);
  assert.equal(r.timedOut.length, 1);
  assert.deepEqual(r.matches.map((m) => [...m.values()].flat().map((x) => x.id).join(' ')), ['c1 e2']);
});

test('skipToFirst on a stage that took nothing: ignored, or thrown with throwExceptionOnMiss', () => {
  const p = Pattern.begin<Ev>('a').where(is('a')).followedBy('b').where(is('b')).optional().followedBy('c').where(is('c'));
  assert.deepEqual(runSkip(p, 'a c', S.skipToFirst('b')), ['a0 c1']);
  assert.throws(() => runSkip(p, 'a c', S.skipToFirst('b').throwExceptionOnMiss()), (e: unknown) =>
    e instanceof SkipStrategyMissError && e.stage === 'b' && /skip-to-first\("b"\)/.test(e.message));
  assert.throws(() => runSkip(p, 'a c', S.skipToLast('b').throwExceptionOnMiss()), SkipStrategyMissError);
  assert.deepEqual(runSkip(p, 'a b c', S.skipToFirst('b').throwExceptionOnMiss()), ['a0 b1 c2']);
});

test('skipToFirst / skipToLast on a looping stage', () => {
  // a+ b with relaxed inner: matches start at each a
  const p = Pattern.begin<Ev>('a').where(is('a')).oneOrMore().followedBy('b').where(is('b'));
  // noSkip: every non-empty, order-preserving run of a's ending before b, starting at each a
  assert.deepEqual(runSkip(p, 'a a a b', S.noSkip()).length, 6);
  // skipToFirst(a) prunes nothing; the a0 matches come out, the rest wait while the loop started at a0 is open
  assert.deepEqual(runSkip(p, 'a a a b', S.skipToFirst('a')).sort(), ['a0 a1 a2 b3', 'a0 a1 b3', 'a0 b3']);
  // skipToLast(a): after a0 a1 a2 b3, every partial match that started before a2 is discarded
  assert.deepEqual(runSkip(p, 'a a a b', S.skipToLast('a')), ['a0 a1 a2 b3', 'a2 b3']);
});

test('pattern-level skip strategy from begin() and its override', () => {
  const p = Pattern.begin<Ev>('a', S.skipPastLastEvent()).where(is('a')).followedByAny('b').where(is('b'));
  const nfa = NFA.compile(p);
  const got = events('a b b').flatMap((e, i) => nfa.process(e, i));
  assert.equal(got.length, 1);
  assert.equal(String(p.getAfterMatchSkipStrategy()), 'skip-past-last-event');
  assert.deepEqual(runSkip(p, 'a b b', S.noSkip()).length, 2);
});

test('held-back matches are released as soon as a STOP state ends the partial match blocking them', () => {
  const sameV = (t: string) => (e: Ev, ctx: { getEventsForPattern(n: string): readonly Ev[] }) =>
    e.type === t && e.v === ctx.getEventsForPattern('s')[0]!.v;
  const p = Pattern.begin<Ev>('s').where((e) => e.type === 'a' || e.type === 'c')
    .notFollowedBy('nx').where(sameV('x'))
    .followedBy('e').where(sameV('e'));
  // c1 e2 completes while a0 is open (held back); x3 kills a0, so c1 e2 comes out with x3
  const nfa = NFA.compile(p, { skip: S.skipToNext() });
  const out = events('a:1 c:2 e:2 x:1').map((e, i) => nfa.process(e, i).map((m) => [...m.values()].flat().map((x) => x.id).join(' ')));
  assert.deepEqual(out, [[], [], [], ['c1 e2']]);
});

// scenarios after Flink's AfterMatchSkipITCase
const has = (t: string) => (e: Ev) => e.type.includes(t);

test('times(3) over six a: noSkip overlaps, skipPastLastEvent does not', () => {
  const p = () => Pattern.begin<Ev>('start').where(is('a')).times(3);
  assert.deepEqual(runSkip(p(), 'a a a a a a', S.noSkip()), ['a0 a1 a2', 'a1 a2 a3', 'a2 a3 a4', 'a3 a4 a5']);
  assert.deepEqual(runSkip(p(), 'a a a a a a', S.skipPastLastEvent()), ['a0 a1 a2', 'a3 a4 a5']);
});

test('a looping last stage with skipToNext stops after the first match', () => {
  const p = () => Pattern.begin<Ev>('start').where(is('a')).next('end').where(is('b')).oneOrMore();
  assert.deepEqual(runSkip(p(), 'a b b b', S.noSkip()), ['a0 b1', 'a0 b1 b2', 'a0 b1 b2 b3']);
  assert.deepEqual(runSkip(p(), 'a b b b', S.skipToNext()), ['a0 b1']);
});

test('skipToFirst / skipToLast on times(2) next times(2)', () => {
  const p = () => Pattern.begin<Ev>('start').where(has('a')).times(2).next('end').where(has('b')).times(2);
  assert.deepEqual(runSkip(p(), 'ab ab ab ab ab ab', S.skipToFirst('end')), ['ab0 ab1 ab2 ab3', 'ab2 ab3 ab4 ab5']);
  assert.deepEqual(runSkip(p(), 'ab ab ab ab ab ab ab', S.skipToLast('end')), ['ab0 ab1 ab2 ab3', 'ab3 ab4 ab5 ab6']);
});

test('skipPastLastEvent with followedByAny stages keeps only the first match', () => {
  const p = Pattern.begin<Ev>('a').where(is('a')).followedByAny('b').where(is('b'))
    .followedByAny('c').where(is('c')).followedBy('d').where(is('d'));
  assert.deepEqual(runSkip(p, 'a a b b c c d d', S.skipPastLastEvent()), ['a0 b2 c4 d6']);
  const q = Pattern.begin<Ev>('a').where(is('a')).next('b').where(is('b'));
  assert.deepEqual(runSkip(q, 'a c a b', S.skipPastLastEvent()), ['a2 b3']);
});
