// Nexmark q8 — monitor new users: the people who opened an auction within the same 10 s tumbling window
// in which they registered. A window join of persons and auctions on `person.id = auction.seller`, one
// row per such person and window (SQL groups each side by id and window before joining, so a seller
// with several auctions in the window still gives one row): a window coGroup that emits the person when
// the window also holds an auction of theirs. Only the fields the query uses cross the keyBy exchange.
// Run: eddy run examples/nexmark/q8.ts events=1000000
import { StreamEnvironment, TumblingEventTimeWindows, WatermarkStrategy, jobParameters } from 'eddy';
import type { Collector } from 'eddy';
import { NexmarkSource } from 'eddy/connectors/nexmark';
import type { NexmarkEvent } from 'eddy/connectors/nexmark';
import { sinkFor } from './sink.ts';

interface NewUser { id: number; name: string; windowStart: number; windowEnd: number }
interface NewPerson { id: number; name: string; dateTime: number }

const SIZE = 10_000;

// `rate`: events per second of event time (default Nexmark's 10 000); tests lower it to span more windows.
const { events = 1_000_000, seed = 1, rate } = jobParameters<{ events?: number; seed?: number; rate?: number }>();
const env = StreamEnvironment.create();
const all = env.fromSource(
  NexmarkSource.events({ events, seed, rate }),
  WatermarkStrategy.forBoundedOutOfOrderness<NexmarkEvent>(4000).withTimestampAssigner((e) => e.dateTime),
  'events',
);
const persons = all
  .flatMap((e: NexmarkEvent, out: Collector<NewPerson>) => {
    if (e.kind === 'person') out.collect({ id: e.id, name: e.name, dateTime: e.dateTime });
  })
  .name('persons');
const auctions = all
  .flatMap((e: NexmarkEvent, out: Collector<number>) => {
    if (e.kind === 'auction') out.collect(e.seller);
  })
  .name('auction sellers');
const out = persons
  .coGroup(auctions)
  .where((p) => p.id)
  .equalTo((seller) => seller)
  .window(TumblingEventTimeWindows.of(SIZE))
  .apply((ps: NewPerson[], sellers: number[], out: Collector<NewUser>) => {
    if (sellers.length === 0) return;
    for (const p of ps) {
      // the coGroup function does not see its window: every element of it has the same start
      const windowStart = p.dateTime - (p.dateTime % SIZE);
      out.collect({ id: p.id, name: p.name, windowStart, windowEnd: windowStart + SIZE });
    }
  })
  .name('q8: persons with an auction in their window');
await sinkFor(out, 'nexmark-q8');
