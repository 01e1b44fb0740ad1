/**
 * Card fraud with eddy/cep, as an eddy job: a small payment (< 1.00), then a large one (> 500) on the same
 * card within 60 s, with no confirmation from the card holder in between.
 *
 * Transactions (seeded, a few seconds out of order) are keyed by card; `CEP.pattern` runs one NFA per card
 * in keyed state, in event time: events are reordered by the watermark, late ones go to a side output, and
 * small payments that see no large one within 60 s reach the timed-out handler.
 *
 * Run: node bin/eddy.mjs run examples/cep/fraud.ts [n=20000] [p=1] [backend=heap|lmdb] [timeouts=true]
 *      [collect=true] (collect: results gathered by the client, as tests do; otherwise printed)
 */
import { StreamEnvironment, WatermarkStrategy, OutputTag, jobParameters } from 'eddy';
import { AfterMatchSkipStrategy, CEP, Pattern, type Match, type PatternProcessFunction } from 'eddy/cep';

export interface Transaction {
  id: number;
  card: string;
  kind: 'payment' | 'confirmation';
  amount: number;
  ts: number;
}

/** The fraud pattern, exactly as it would be written with Flink's CEP library. */
export const fraud = Pattern.begin<Transaction>('small', AfterMatchSkipStrategy.skipPastLastEvent())
  .where((t) => t.kind === 'payment' && t.amount < 1)
  .notFollowedBy('confirmation')
  .where((t) => t.kind === 'confirmation')
  .followedBy('large')
  .where((t) => t.kind === 'payment' && t.amount > 500)
  .within(60_000);

/**
 * Transaction `i` of seeded synthetic traffic: 200 cards, an event every 250 ms on average (up to 3 s
 * out of order), 3% tiny and 3% large payments, 2% confirmations.
 */
export function transaction(i: number): Transaction {
  let s = Math.imul(i + 1, 2654435761) >>> 0;
  const rnd = () => ((s = (Math.imul(s ^ (s >>> 15), 48271) + 11) >>> 0) / 4294967296);
  const card = `card-${String(Math.floor(rnd() * 200)).padStart(3, '0')}`;
  const ts = 1_700_000_000_000 + i * 250 - Math.floor(rnd() * 3000);
  const r = rnd();
  if (r < 0.03) return { id: i, card, kind: 'payment', amount: Math.round(rnd() * 99) / 100, ts };
  if (r < 0.05) return { id: i, card, kind: 'confirmation', amount: 0, ts };
  if (r < 0.08) return { id: i, card, kind: 'payment', amount: 500 + Math.round(rnd() * 2000), ts };
  return { id: i, card, kind: 'payment', amount: 5 + Math.round(rnd() * 120), ts };
}

/** `card-042: 0.37 then 1210.00 after 12.5 s`. */
export function describe(m: Match<Transaction>): string {
  const small = m.get('small')![0]!;
  const large = m.get('large')![0]!;
  return `ALERT ${small.card}: ${small.amount.toFixed(2)} then ${large.amount.toFixed(2)} after ${((large.ts - small.ts) / 1000).toFixed(1)} s`;
}

const TIMED_OUT = new OutputTag<string>('timed-out');

/** Alerts as strings; small payments without a large one within 60 s to `TIMED_OUT`. */
const alerts: PatternProcessFunction<Transaction, string> = {
  processMatch: (m, _ctx, out) => out.collect(describe(m)),
  processTimedOutMatch: (m, ctx) => ctx.output(TIMED_OUT, `timed out: ${m.get('small')![0]!.card} small payment at ${ctx.timestamp()! - 60_000}`),
};

const { n = 20_000, p = 1, backend = 'heap', collect = false, timeouts = false } = jobParameters<{
  n?: number;
  p?: number;
  backend?: 'heap' | 'lmdb';
  collect?: boolean;
  timeouts?: boolean;
}>();

const env = StreamEnvironment.create({ parallelism: p, stateBackend: backend });
const transactions = env
  .fromSequence(0, n - 1)
  .map(transaction)
  .name('transactions')
  .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Transaction>(3000).withTimestampAssigner((t) => t.ts));

const matches = CEP.pattern(transactions.keyBy((t) => t.card), fraud, { comparator: (a, b) => a.id - b.id })
  .process(alerts)
  .uid('fraud-cep');

if (collect) {
  await matches.executeAndCollect('cep-fraud');
} else {
  matches.print();
  if (timeouts) matches.getSideOutput(TIMED_OUT).print();
  await env.execute('cep-fraud');
}
