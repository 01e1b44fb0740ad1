// Nexmark q3 — local item suggestion: who sells in category 10 in Oregon, Idaho or California?
// For every auction in category 10 whose seller is a person living in OR, ID or CA, emit the seller's
// name, city and state with the auction id. In SQL this is a regular (unwindowed) inner join of auction
// and person on `seller = id`; with a bounded input its final table is every matching pair.
// Here: both sides keyed by person id into a CoProcessFunction that keeps the person and the auctions
// still waiting for their seller in keyed state, and emits each match once, whichever side came first.
// Only the fields the query uses cross the keyBy exchange (projection before the join, as the SQL planner
// does).
// Run: eddy run examples/nexmark/q3.ts events=1000000
import {
  CoProcessFunction,
  ListStateDescriptor,
  StreamEnvironment,
  ValueStateDescriptor,
  WatermarkStrategy,
  jobParameters,
} from 'eddy';
import type { Collector, ListState, ProcessContext, ValueState } from 'eddy';
import { NexmarkSource } from 'eddy/connectors/nexmark';
import type { NexmarkEvent } from 'eddy/connectors/nexmark';
import { sinkFor } from './sink.ts';

interface Seller { name: string; city: string; state: string }
interface LocalAuction { id: number; seller: number }
interface LocalPerson extends Seller { id: number }
interface LocalItem { name: string; city: string; state: string; id: number }

/** Keyed by person id: auctions (input 1) meet their seller (input 2). */
class LocalItemJoin extends CoProcessFunction<LocalAuction, LocalPerson, LocalItem> {
  private seller!: ValueState<Seller>;
  private waiting!: ListState<number>;
  override open(): void {
    this.seller = this.getRuntimeContext().getState(new ValueStateDescriptor<Seller>('seller'));
    this.waiting = this.getRuntimeContext().getListState(new ListStateDescriptor<number>('waiting-auctions'));
  }
  processElement1(a: LocalAuction, _ctx: ProcessContext, out: Collector<LocalItem>): void {
    const p = this.seller.value();
    if (p !== undefined) out.collect({ name: p.name, city: p.city, state: p.state, id: a.id });
    else this.waiting.add(a.id); // the seller registers later (or lives elsewhere: then it stays here)
  }
  processElement2(p: LocalPerson, _ctx: ProcessContext, out: Collector<LocalItem>): void {
    this.seller.update({ name: p.name, city: p.city, state: p.state });
    for (const id of this.waiting.get()) out.collect({ name: p.name, city: p.city, state: p.state, id });
    this.waiting.clear();
  }
}

// `rate`: events per second of event time (default Nexmark's 10 000); the answer does not depend on it.
const { events = 1_000_000, seed = 1, rate } = jobParameters<{ events?: number; seed?: number; rate?: number }>();
const env = StreamEnvironment.create();
const all = env.fromSource(
  NexmarkSource.events({ events, seed, rate }),
  WatermarkStrategy.forBoundedOutOfOrderness<NexmarkEvent>(4000).withTimestampAssigner((e) => e.dateTime),
  'events',
);
const auctions = all
  .flatMap((e: NexmarkEvent, out: Collector<LocalAuction>) => {
    if (e.kind === 'auction' && e.category === 10) out.collect({ id: e.id, seller: e.seller });
  })
  .name('auctions in category 10');
const persons = all
  .flatMap((e: NexmarkEvent, out: Collector<LocalPerson>) => {
    if (e.kind === 'person' && (e.state === 'OR' || e.state === 'ID' || e.state === 'CA'))
      out.collect({ id: e.id, name: e.name, city: e.city, state: e.state });
  })
  .name('persons in OR, ID, CA');
const out = auctions
  .connect(persons)
  .keyBy((a) => a.seller, (p) => p.id)
  .process(new LocalItemJoin())
  .name('q3: join seller = id');
await sinkFor(out, 'nexmark-q3');
