// Snapshot/restore of the CEP operator: a harness snapshot taken between any two inputs (events, late
// events, watermarks) and restored into a fresh harness continues exactly as an uninterrupted run, on the
// heap and lmdb backends, in event time (buffered events, timers, NFAs in keyed state) and processing time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutputTag, type DataStream } from '../../src/api/index.ts';
import { OperatorHarness, type HarnessOptions, type HarnessSnapshot } from '../../src/testing/index.ts';
import { CEP, Pattern, AfterMatchSkipStrategy, type Match } from '../../src/cep/index.ts';

interface E {
  k: string;
  id: string;
}
type Action = ['e', E, number] | ['w', number] | ['t', number];

const fmt = (m: Match<E>) => [...m.entries()].map(([s, es]) => `${s}=${es.map((e) => e.id).join(',')}`).join(' ');
const TIMEOUTS = new OutputTag<string>('timeouts');
const LATE = new OutputTag<E>('late');

const pattern = () =>
  Pattern.begin<E>('a', AfterMatchSkipStrategy.skipPastLastEvent())
    .where((e) => e.id.startsWith('a'))
    .followedBy('b').where((e) => e.id.startsWith('b')).oneOrMore()
    .followedBy('c').where((e) => e.id.startsWith('c'))
    .within(25);

function build(timeDomain: 'event-time' | 'processing-time') {
  return (s: DataStream<E>) =>
    CEP.pattern(s.keyBy((e) => e.k), pattern(), { timeDomain, lateDataOutputTag: LATE }).process<string>({
      processMatch: (m, ctx, out) => out.collect(`${ctx.timestamp()}: ${fmt(m)}`),
      processTimedOutMatch: (m, ctx) => ctx.output(TIMEOUTS, `${ctx.timestamp()}: ${fmt(m)}`),
    });
}

/** Seeded input: 3 keys, timestamps up to 8 ms out of order, a watermark every few events, some late. */
function actions(n: number, seed: number, processing: boolean): Action[] {
  let s = seed;
  const rnd = () => ((s = (Math.imul(s, 48271) + 11) >>> 0) / 4294967296);
  const out: Action[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += 1 + Math.floor(rnd() * 3);
    const type = 'abbc'[Math.floor(rnd() * 4)]!;
    out.push(['e', { k: 'xyz'[Math.floor(rnd() * 3)]!, id: `${type}${i}` }, t - Math.floor(rnd() * 8)]);
    if (rnd() < 0.3) out.push(processing ? ['t', t] : ['w', t - 6]);
  }
  out.push(processing ? ['t', t + 100] : ['w', t + 100]);
  return out;
}

type H = OperatorHarness<E, string>;
function run(h: H, list: Action[]): void {
  for (const a of list) {
    if (a[0] === 'e') h.processElement(a[1], a[2]);
    else if (a[0] === 'w') h.processWatermark(a[1]);
    else h.setProcessingTime(a[1]);
  }
}
function observed(h: H): string[] {
  return [
    ...h.records().map((r) => `out ${r.value}`),
    ...h.sideOutput(TIMEOUTS).map((r) => `timeout ${r.value}`),
    ...h.sideOutput(LATE).map((r) => `late ${r.value.id}`),
  ];
}

for (const [stateBackend, stride] of [['heap', 1], ['lmdb', 7]] as const) {
  for (const domain of ['event-time', 'processing-time'] as const) {
    test(`${stateBackend}, ${domain}: restore between any two inputs equals a straight run`, () => {
      const opts: HarnessOptions = { stateBackend };
      const list = actions(70, 11, domain === 'processing-time');
      const straight = OperatorHarness.of(build(domain), opts);
      run(straight, list);
      const expected = observed(straight).sort();
      straight.close();
      assert.ok(expected.filter((l) => l.startsWith('out')).length >= 3, `too few matches: ${expected.join('\n')}`);
      assert.ok(expected.some((l) => l.startsWith('timeout')));
      if (domain === 'event-time') assert.ok(expected.some((l) => l.startsWith('late')));
      for (let split = 0; split <= list.length; split += stride) {
        const first = OperatorHarness.of(build(domain), opts);
        run(first, list.slice(0, split));
        const snap: HarnessSnapshot = structuredClone(first.snapshot());
        const before = observed(first);
        first.close();
        const second = OperatorHarness.restore(build(domain), snap, opts);
        run(second, list.slice(split));
        assert.deepEqual([...before, ...observed(second)].sort(), expected, `split at ${split}`);
        second.close();
      }
    });
  }
}
