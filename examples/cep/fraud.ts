/**
 * Card fraud with eddy/cep, standalone (no job yet): a small payment (< 1.00), then a large one (> 500)
 * on the same card within 60 s, with no confirmation from the card holder in between.
 *
 * One NFA per card from a shared `NFAFactory`, events in timestamp order, time advanced as a watermark
 * would; partial matches that expire are reported as timeouts. When the CEP operator lands, the same
 * pattern goes into `CEP.pattern(transactions.keyBy((t) => t.card), fraud)`.
 *
 * Run: node --import tsx examples/cep/fraud.ts [transactions=20000]
 */
import { AfterMatchSkipStrategy, NFAFactory, Pattern, type Match, type NFA } from '../../src/cep/index.ts';

export interface Transaction {
  card: string;
  kind: 'payment' | 'confirmation';
  amount: number;
  ts: number;
}

/** The fraud pattern, exactly as it would be written with Flink's CEP library. */
export const fraud = Pattern.begin<Transaction>('small')
  .where((t) => t.kind === 'payment' && t.amount < 1)
  .notFollowedBy('confirmation')
  .where((t) => t.kind === 'confirmation')
  .followedBy('large')
  .where((t) => t.kind === 'payment' && t.amount > 500)
  .within(60_000);

/** Seeded synthetic traffic: 200 cards, an event every ~250 ms, 3% tiny and 3% large payments, 2% confirmations. */
export function* transactions(n: number, seed = 7): Generator<Transaction> {
  let s = seed;
  const rnd = () => ((s = (Math.imul(s, 48271) + 11) >>> 0) / 4294967296);
  let ts = 1_700_000_000_000;
  for (let i = 0; i < n; i++) {
    ts += Math.floor(rnd() * 500);
    const card = `card-${String(Math.floor(rnd() * 200)).padStart(3, '0')}`;
    const r = rnd();
    if (r < 0.03) yield { card, kind: 'payment', amount: Math.round(rnd() * 99) / 100, ts };
    else if (r < 0.05) yield { card, kind: 'confirmation', amount: 0, ts };
    else if (r < 0.08) yield { card, kind: 'payment', amount: 500 + Math.round(rnd() * 2000), ts };
    else yield { card, kind: 'payment', amount: 5 + Math.round(rnd() * 120), ts };
  }
}

function describe(m: Match<Transaction>): string {
  const small = m.get('small')![0]!;
  const large = m.get('large')![0]!;
  return `${small.card}: ${small.amount.toFixed(2)} then ${large.amount.toFixed(2)} after ${((large.ts - small.ts) / 1000).toFixed(1)} s`;
}

function main(): void {
  const n = Number(process.argv[2] ?? 20_000);
  const factory = NFAFactory.of(fraud, { skip: AfterMatchSkipStrategy.skipPastLastEvent() });
  const perCard = new Map<string, NFA<Transaction>>();
  let alerts = 0;
  let timeouts = 0;
  let lastWatermark = 0;
  for (const t of transactions(n)) {
    let nfa = perCard.get(t.card);
    if (nfa === undefined) perCard.set(t.card, (nfa = factory.create()));
    for (const m of nfa.process(t, t.ts)) {
      alerts++;
      if (alerts <= 10) console.log(`ALERT ${describe(m)}`);
    }
    // every simulated second, advance time for all cards as a watermark would (bounded: 1 s late)
    if (t.ts - lastWatermark >= 1000) {
      lastWatermark = t.ts - 1000;
      for (const [card, cardNfa] of perCard) {
        timeouts += cardNfa.advanceTime(lastWatermark).timedOut.length;
        if (cardNfa.isEmpty) perCard.delete(card);
      }
    }
  }
  console.log(`${n} transactions, ${alerts} alerts${alerts > 10 ? ' (first 10 shown)' : ''}, ${timeouts} small payments timed out without a large one`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
