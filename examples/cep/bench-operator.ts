/**
 * CEP operator benchmark: the same detection as a CEP job and as a hand-written keyed state machine
 * (a `KeyedProcessFunction` with a `ValueState` per card), each run as an eddy job at parallelism 1.
 *
 * Pattern (keyed by card, 1 M cards): a small payment (< 1), then one or more medium ones (1–100), then a
 * large one (> 500), all within 60 s, `skipPastLastEvent`, in event time (timestamps in order, so nothing
 * is late and the hand-written machine needs no buffer). The hand-written machine keeps, per card, the time
 * of the latest small payment and of the latest small payment followed by a medium one — the same alerts
 * (checked). Also measured: the CEP job without the heap backend's live-NFA cache (`stateCache: false`:
 * every event rebuilds the key's NFA from its snapshot in keyed state) and, with `--lmdb`, on lmdb.
 * Events/s are wall-clock over the whole job (start-up included), best of `--rounds` (default 1).
 *
 * State (heap backend, needs `--expose-gc`): the same events through the CEP operator in this process
 * (`OperatorHarness`, a watermark every 10 000 events, the last at the newest timestamp so nothing waits
 * in the buffer), then the heap growth per open partial match: the operator's whole state (NFAs, shared
 * buffer nodes, the events they hold, keyed-state entries, `within` timers), counted with a standalone
 * NFA per card over the same events.
 *
 * Run: node --expose-gc --import tsx examples/cep/bench-operator.ts [events=1000000] [cards=1000000] [--sparse] [--lmdb] [--rounds=N] [--no-state] [--json]
 */
import { StreamEnvironment, WatermarkStrategy, KeyedProcessFunction, ValueStateDescriptor, jobParameters, runJob } from 'eddy';
import type { Collector, KeyedProcessContext, ValueState } from 'eddy';
import { AfterMatchSkipStrategy, CEP, NFAFactory, Pattern, type NFA } from 'eddy/cep';

interface Tx {
  card: number;
  amount: number;
  ts: number;
}
type Variant = 'cep' | 'cep-nocache' | 'hand';
type Params = {
  variant?: Variant;
  events?: number;
  cards?: number;
  sparse?: boolean;
  backend?: 'heap' | 'lmdb';
};
const WINDOW = 60_000;

/** Event `i`, 50 per ms, cards uniform; dense: 20% small, 40% medium, 10% large, 30% neutral (sparse: 2/50/1/47). */
export function tx(i: number, cards: number, sparse: boolean): Tx {
  let s = Math.imul(i + 1, 2654435761) >>> 0;
  const rnd = () => ((s = (Math.imul(s ^ (s >>> 15), 1103515245) + 12345) >>> 0) / 4294967296);
  const [small, medium, large] = sparse ? [0.02, 0.52, 0.53] : [0.2, 0.6, 0.7];
  const r = rnd();
  const amount = r < small ? 0.5 : r < medium ? 1 + Math.floor(rnd() * 100) : r < large ? 501 + Math.floor(rnd() * 1000) : 200;
  return { card: Math.floor(rnd() * cards), amount, ts: Math.floor(i / 50) };
}

function pattern() {
  return Pattern.begin<Tx>('small', AfterMatchSkipStrategy.skipPastLastEvent())
    .where((t) => t.amount < 1)
    .followedBy('medium').where((t) => t.amount >= 1 && t.amount <= 100).oneOrMore()
    .followedBy('large').where((t) => t.amount > 500)
    .within(WINDOW);
}

interface CardState {
  lastSmall: number;
  armed: number; // latest small followed by a medium
}

/** The hand-written equivalent of `pattern()`. */
class HandWritten extends KeyedProcessFunction<number, Tx, number> {
  private state!: ValueState<CardState>;
  override open(): void {
    this.state = this.getRuntimeContext().getState(new ValueStateDescriptor<CardState>('card'));
  }
  processElement(t: Tx, _ctx: KeyedProcessContext<number>, out: Collector<number>): void {
    const a = t.amount;
    const st = this.state.value();
    if (a < 1) {
      this.state.update(st === undefined ? { lastSmall: t.ts, armed: -Infinity } : { lastSmall: t.ts, armed: st.armed });
      return;
    }
    if (st === undefined) return;
    if (a <= 100) {
      if (st.lastSmall > st.armed) this.state.update({ lastSmall: st.lastSmall, armed: st.lastSmall });
    } else if (a > 500 && st.armed + WINDOW > t.ts) {
      out.collect(t.card);
      this.state.clear();
      return;
    }
    if (st.lastSmall + WINDOW <= t.ts) this.state.clear(); // everything expired
  }
}

async function job(p: Params): Promise<void> {
  const { events = 1_000_000, cards = 1_000_000, sparse = false, backend = 'heap', variant = 'cep' } = p;
  const env = StreamEnvironment.create({ parallelism: 1, stateBackend: backend });
  const input = env
    .fromSequence(0, events - 1)
    .map((i) => tx(i, cards, sparse))
    .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Tx>().withTimestampAssigner((t) => t.ts))
    .keyBy((t) => t.card);
  const alerts =
    variant === 'hand'
      ? input.process(new HandWritten())
      : CEP.pattern(input, pattern(), { stateCache: variant === 'cep' }).select((m) => m.get('large')![0]!.card);
  await alerts.executeAndCollect(`bench-${variant}`);
}

/** Heap bytes of the CEP operator's state per open partial match (see the file comment), or null without `gc`. */
async function stateBytes(events: number, cards: number, sparse: boolean): Promise<{ openPartialMatches: number; heapBytesPerPartialMatch: number | null }> {
  // imported here, not at the top: the module is also the job, and the job must not load the test kit
  const { OperatorHarness } = await import('eddy/testing');
  const gc = (globalThis as { gc?: () => void }).gc;
  const factory = NFAFactory.of(pattern());
  const nfas = new Map<number, NFA<Tx>>();
  for (let i = 0; i < events; i++) {
    const t = tx(i, cards, sparse);
    let nfa = nfas.get(t.card);
    if (nfa === undefined) {
      if (!factory.canStart(t, t.ts)) continue;
      nfas.set(t.card, (nfa = factory.create()));
    }
    nfa.process(t, t.ts);
    if (nfa.isEmpty) nfas.delete(t.card);
  }
  let partials = 0;
  for (const n of nfas.values()) partials += n.partialMatchCount;
  nfas.clear();
  if (gc === undefined || partials === 0) return { openPartialMatches: partials, heapBytesPerPartialMatch: null };
  gc();
  const before = process.memoryUsage().heapUsed;
  const h = OperatorHarness.of<Tx, number>((s) => CEP.pattern(s.keyBy((t) => t.card), pattern()).select((m) => m.get('large')![0]!.card), { stateBackend: 'heap' });
  let last = 0;
  for (let i = 0; i < events; i++) {
    const t = tx(i, cards, sparse);
    h.processElement(t, t.ts);
    last = t.ts;
    if (i % 10_000 === 9_999) h.processWatermark(t.ts - 1);
  }
  h.processWatermark(last);
  gc();
  const after = process.memoryUsage().heapUsed;
  h.close();
  return { openPartialMatches: partials, heapBytesPerPartialMatch: Math.round((after - before) / partials) };
}

const launched = jobParameters<Params>();
if (launched.variant !== undefined) {
  await job(launched);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const pos = args.filter((a) => !a.startsWith('--'));
  const params: Params = {
    events: Number(pos[0] ?? 1_000_000),
    cards: Number(pos[1] ?? 1_000_000),
    sparse: args.includes('--sparse'),
    backend: args.includes('--lmdb') ? 'lmdb' : 'heap',
  };
  const rounds = Number(args.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 1);
  const variants: Variant[] = params.backend === 'heap' ? ['hand', 'cep', 'cep-nocache'] : ['hand', 'cep'];
  const best = new Map<Variant, { eventsPerSec: number; alerts: number; seconds: number }>();
  for (let r = 0; r < rounds; r++) {
    for (const variant of variants) {
      const t0 = performance.now();
      const res = await runJob(new URL(import.meta.url), { params: { ...params, variant }, log: () => {} });
      const seconds = (performance.now() - t0) / 1000;
      const alerts = (res.collected as number[]).length;
      const rate = Math.round(params.events! / seconds);
      if ((best.get(variant)?.eventsPerSec ?? 0) < rate) best.set(variant, { eventsPerSec: rate, alerts, seconds: Math.round(seconds * 100) / 100 });
    }
  }
  const hand = best.get('hand')!;
  const cep = best.get('cep')!;
  const state = params.backend === 'heap' && !args.includes('--no-state') ? await stateBytes(params.events!, params.cards!, params.sparse!) : undefined;
  const result = {
    events: params.events,
    cards: params.cards,
    mix: params.sparse ? 'sparse' : 'dense',
    backend: params.backend,
    parallelism: 1,
    ...Object.fromEntries(best),
    ratio: Math.round((cep.eventsPerSec / hand.eventsPerSec) * 1000) / 1000,
    sameAlerts: [...best.values()].every((v) => v.alerts === hand.alerts),
    ...(state === undefined ? {} : { state }),
  };
  if (args.includes('--json')) console.log(JSON.stringify(result));
  else {
    console.log(`CEP operator vs hand-written state machine: ${params.events} events, ${params.cards} cards, ${result.mix}, ${params.backend}, p=1`);
    for (const [v, b] of best) console.log(`  ${v.padEnd(12)} ${b.eventsPerSec.toLocaleString('en').padStart(10)} events/s  (${b.seconds} s, ${b.alerts} alerts)`);
    console.log(`  CEP / hand-written: ${(result.ratio * 100).toFixed(1)}%   same alerts: ${result.sameAlerts}`);
    if (state !== undefined)
      console.log(
        `  state: ${state.openPartialMatches} open partial matches; ${state.heapBytesPerPartialMatch ?? '? (run with --expose-gc)'} heap bytes per open partial match (whole operator state)`,
      );
  }
}
