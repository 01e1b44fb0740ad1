// Snapshot/restore: for several patterns and seeded random inputs, a run that is snapshotted, cloned
// (structured clone and msgpack) and restored between any two events gives the same output as a straight run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Packr } from 'msgpackr';
import { AfterMatchSkipStrategy as S, NFA, Pattern, type NFAOptions, type NFASnapshot } from '../../src/cep/index.ts';
import { fmt, is, type Ev } from './cep-test-kit.ts';
import { mulberry32 as rng } from '../seeded-random.ts';

function randomInput(seed: number, n: number): Array<[Ev, number]> {
  const r = rng(seed);
  const out: Array<[Ev, number]> = [];
  let ts = 0;
  for (let i = 0; i < n; i++) {
    const type = 'abcx'[Math.floor(r() * 4)]!;
    ts += Math.floor(r() * 3);
    out.push([{ id: `${type}${i}`, type, v: Math.floor(r() * 5) }, ts]);
  }
  return out;
}

const a = () => Pattern.begin<Ev>('a').where(is('a'));
const PATTERNS: Array<[string, () => Pattern<Ev, any>, NFAOptions]> = [
  ['a b+ c within', () => a().followedBy('b').where(is('b')).oneOrMore().followedBy('c').where(is('c')).within(8), {}],
  ['a followedByAny b, skipToNext', () => a().followedByAny('b').where(is('b')).followedBy('c').where(is('c')), { skip: S.skipToNext() }],
  ['notFollowedBy at end', () => a().notFollowedBy('nb').where(is('b')).within(5), {}],
  ['notNext + optional', () => a().notNext('nx').where(is('x')).followedBy('b').where(is('b')).optional().followedBy('c').where(is('c')), {}],
  ['greedy times(1,3), skipPastLast', () => a().followedBy('b').where(is('b')).times(1, 3).greedy().followedBy('c').where(is('c')), { skip: S.skipPastLastEvent() }],
  ['iterative sum', () => a().followedBy('b').where((e, ctx) => e.type === 'b' && ctx.getEventsForPattern('b').reduce((s, x) => s + x.v, 0) + e.v < 8).oneOrMore().followedBy('c').where(is('c')).within(12), { skip: S.skipToLast('b') }],
  ['group+ previous-and-current', () => a().followedBy(Pattern.begin<Ev>('g1').where(is('b')).followedBy('g2').where(is('c'))).oneOrMore().followedBy('x').where(is('x')).within(4, 'previous-and-current'), {}],
];

type Step = string[];
function step(nfa: NFA<Ev>, e: Ev, ts: number): Step {
  const out = nfa.process(e, ts).map((m) => `M ${fmt(m)}`);
  const adv = nfa.advanceTime(ts);
  for (const m of adv.matches) out.push(`M ${fmt(m)}`);
  for (const t of adv.timedOut) out.push(`T ${fmt(t.match)} @${t.timestamp}`);
  return out;
}

const packr = new Packr({ structuredClone: true });
const codecs: Array<[string, (s: NFASnapshot<Ev>) => NFASnapshot<Ev>]> = [
  ['structuredClone', (s) => structuredClone(s)],
  ['msgpack', (s) => packr.unpack(packr.pack(s)) as NFASnapshot<Ev>],
];

for (const [name, make, opts] of PATTERNS) {
  test(`snapshot/restore between any two events: ${name}`, () => {
    for (let seed = 1; seed <= 6; seed++) {
      const input = randomInput(seed * 7919 + name.length, 24);
      const straight = NFA.compile(make(), opts);
      const golden = input.map(([e, ts]) => step(straight, e, ts));
      for (const [codecName, codec] of codecs) {
        for (let k = 0; k <= input.length; k++) {
          let nfa = NFA.compile(make(), opts);
          const got: Step[] = [];
          input.forEach(([e, ts], i) => {
            if (i === k) nfa = NFA.restore(make(), codec(nfa.snapshot()), opts);
            got.push(step(nfa, e, ts));
          });
          assert.deepEqual(got, golden, `${codecName}, seed ${seed}, restored before event ${k}`);
        }
      }
    }
  });
}

test('a snapshot is plain data and shares no events twice', () => {
  const nfa = NFA.compile(a().followedByAny('b').where(is('b')).followedByAny('c').where(is('c')));
  const evs: Ev[] = [{ id: 'a0', type: 'a', v: 0 }, { id: 'b1', type: 'b', v: 0 }, { id: 'b2', type: 'b', v: 0 }];
  evs.forEach((e, i) => nfa.process(e, i));
  const snap = nfa.snapshot();
  assert.equal(snap.format, 1);
  assert.equal(snap.events.length, 3);
  assert.equal(snap.partials.length, nfa.partialMatchCount + 1);
  assert.deepEqual(JSON.parse(JSON.stringify(snap)), snap);
});

test('restoring into a different pattern is rejected with a clear error', () => {
  const nfa = NFA.compile(a().followedBy('b').where(is('b')));
  nfa.process({ id: 'a0', type: 'a', v: 0 }, 0);
  assert.throws(() => NFA.restore(a().followedBy('z').where(is('b')), nfa.snapshot()), /state "b" does not exist/);
});

test('the buffer is empty once every partial match resolved', () => {
  const nfa = NFA.compile(a().followedBy('b').where(is('b')).oneOrMore().followedBy('c').where(is('c')).within(10));
  randomInput(3, 50).forEach(([e, ts]) => step(nfa, e, ts));
  nfa.advanceTime(1e9);
  assert.equal(nfa.partialMatchCount, 0);
  assert.equal(nfa.bufferSize, 0);
  assert.ok(nfa.isEmpty);
});
