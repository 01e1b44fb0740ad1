// Nexmark q8 — monitor new users: the people who opened an auction within the same 10 s tumbling window
// in which they registered. A window join of persons and auctions on `person.id = auction.seller`, one
// row per such person and window (SQL groups each side by id and window before joining, so a seller
// with several auctions in the window still gives one row): a window coGroup that emits the person when
// the window also holds an auction of theirs.
// Run: eddy run examples/nexmark/q8.ts events=1000000
import { StreamEnvironment, TumblingEventTimeWindows, WatermarkStrategy, jobParameters } from 'eddy';
import type { Collector } from 'eddy';
import { NexmarkSource } from 'eddy/connectors/nexmark';
import type { AuctionEvent, NexmarkEvent, PersonEvent } from 'eddy/connectors/nexmark';
import { sinkFor } from './sink.ts';

interface NewUser { id: number; name: string; windowStart: number; windowEnd: number }

const SIZE = 10_000;

const { events = 1_000_000, seed = 1 } = jobParameters<{ events?: number; seed?: number }>();
const env = StreamEnvironment.create();
const all = env.fromSource(
  NexmarkSource.events({ events, seed }),
  WatermarkStrategy.forBoundedOutOfOrderness<NexmarkEvent>(4000).withTimestampAssigner((e) => e.dateTime),
  'events',
);
const persons = all
  .flatMap((e: NexmarkEvent, out: Collector<PersonEvent>) => {
    if (e.kind === 'person') out.collect(e);
  })
  .name('persons');
const auctions = all
  .flatMap((e: NexmarkEvent, out: Collector<AuctionEvent>) => {
    if (e.kind === 'auction') out.collect(e);
  })
  .name('auctions');
const out = persons
  .coGroup(auctions)
  .where((p) => p.id)
  .equalTo((a) => a.seller)
  .window(TumblingEventTimeWindows.of(SIZE))
  .apply((ps: PersonEvent[], as: AuctionEvent[], out: Collector<NewUser>) => {
    if (as.length === 0) return;
    for (const p of ps) {
      // the coGroup function does not see its window: every element of it has the same start
      const windowStart = p.dateTime - (p.dateTime % SIZE);
      out.collect({ id: p.id, name: p.name, windowStart, windowEnd: windowStart + SIZE });
    }
  })
  .name('q8: persons with an auction in their window');
await sinkFor(out, 'nexmark-q8');
