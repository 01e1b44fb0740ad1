// within: first-and-last (the default) and previous-and-current windows, timeouts from advanceTime and
// from process (reported by the next advanceTime), hand-worked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NFA, Pattern } from '../../src/cep/index.ts';
import { events, fmt, fmtStages, is, run, type Ev } from './cep-test-kit.ts';

const ab = (ms: number) => Pattern.begin<Ev>('a').where(is('a')).followedBy('b').where(is('b')).within(ms);

test('first-and-last: the last event must come less than `ms` after the first', () => {
  assert.deepEqual(run(ab(5), 'a b', { ts: [0, 4] }), ['a0 b1']);
  assert.deepEqual(run(ab(5), 'a b', { ts: [0, 5] }), []);
});

test('advanceTime reports expired partial matches with their expiry time', () => {
  const nfa = NFA.compile(ab(5));
  const [a] = events('a');
  assert.deepEqual(nfa.process(a!, 10), []);
  assert.deepEqual(nfa.advanceTime(14), { matches: [], timedOut: [] });
  const r = nfa.advanceTime(15);
  assert.equal(r.timedOut.length, 1);
  assert.equal(fmtStages(r.timedOut[0]!.match), 'a=a0');
  assert.equal(r.timedOut[0]!.timestamp, 15);
  assert.equal(nfa.partialMatchCount, 0);
  assert.equal(nfa.bufferSize, 0);
});

test('a partial match expired by process is reported by the next advanceTime', () => {
  const nfa = NFA.compile(ab(5));
  const [a, b] = events('a b');
  nfa.process(a!, 0);
  assert.deepEqual(nfa.process(b!, 7), []);
  const r = nfa.advanceTime(7);
  assert.deepEqual(r.timedOut.map((t) => [fmt(t.match), t.timestamp]), [['a0', 5]]);
  assert.deepEqual(nfa.advanceTime(8).timedOut, []);
});

test('the smallest first-and-last window of all stages applies', () => {
  const p = Pattern.begin<Ev>('a').where(is('a')).within(3).followedBy('b').where(is('b')).within(10);
  assert.deepEqual(run(p, 'a b', { ts: [0, 3] }), []);
  assert.deepEqual(run(p, 'a b', { ts: [0, 2] }), ['a0 b1']);
});

test('previous-and-current: each event of the stage must come within `ms` of the previous one', () => {
  const p = Pattern.begin<Ev>('a').where(is('a')).followedBy('b').where(is('b'))
    .followedBy('c').where(is('c')).within(3, 'previous-and-current');
  assert.deepEqual(run(p, 'a b c', { ts: [0, 10, 12] }), ['a0 b1 c2']);
  assert.deepEqual(run(p, 'a b c', { ts: [0, 10, 13] }), []);
  const nfa = NFA.compile(p);
  events('a b').forEach((e, i) => nfa.process(e, [0, 10][i]!));
  const r = nfa.advanceTime(13);
  assert.deepEqual(r.timedOut.map((t) => [fmt(t.match), t.timestamp]), [['a0 b1', 13]]);
});

test('within with a looping stage: the loop stops growing when the window closes', () => {
  const p = Pattern.begin<Ev>('a').where(is('a')).followedBy('b').where(is('b')).oneOrMore()
    .followedBy('c').where(is('c')).within(10);
  assert.deepEqual(run(p, 'a b b c', { ts: [0, 3, 6, 9] }).sort(), ['a0 b1 b2 c3', 'a0 b1 c3']);
  assert.deepEqual(run(p, 'a b b c', { ts: [0, 3, 6, 10] }), []);
});

test('timed-out partial matches of a looping stage each report their events', () => {
  const p = Pattern.begin<Ev>('a').where(is('a')).followedBy('b').where(is('b')).oneOrMore()
    .followedBy('c').where(is('c')).within(10);
  const nfa = NFA.compile(p);
  events('a b b').forEach((e, i) => nfa.process(e, i));
  const got = nfa.advanceTime(100).timedOut.map((t) => `${fmt(t.match)}@${t.timestamp}`).sort();
  // waiting in the loop after b2, and waiting for c after b1 (b2 moved it there); "waiting for c after
  // b2" only exists once an event after b2 arrives
  assert.deepEqual(got, ['a0 b1 b2@10', 'a0 b1@10']);
  assert.equal(nfa.bufferSize, 0);
});
