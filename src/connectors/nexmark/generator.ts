/**
 * The Nexmark event generator. Event number `n` is a person, an auction or a bid by `n % 50` (1 : 3 : 46),
 * its ids are dense in `n`, its time is `baseTime + ⌊n·interEventDelayUs/1000⌋`, and everything random in
 * it is drawn from a stream that depends only on `(seed, n)` ({@link EventRandom}) — so
 * {@link generateEvent} has random access and {@link NexmarkGenerator} yields the same events for any
 * split of the range. Behaviour follows nexmark-flink's Person/Auction/Bid generators (hot auction 50%,
 * hot bidder 75%, hot seller 75%, log-uniform prices, 4 hot channels, `extra` padding), with one fix:
 * Flink adds `FIRST_PERSON_ID` to a bidder twice, so its bidders never match a person; here once.
 *
 * Cost: one object and at most a few substrings per event, about 5 random draws for a bid (decisions that
 * Flink draws separately share a draw where the distribution is unchanged); no regex, no arrays.
 */
import type { AuctionEvent, BidEvent, NexmarkEvent, PersonEvent } from './model.ts';
import {
  FIRST_AUCTION_ID, FIRST_CATEGORY_ID, FIRST_PERSON_ID, resolveConfig, timestampForEvent,
} from './config.ts';
import type { NexmarkConfig, ResolvedNexmarkConfig } from './config.ts';
import { ConfigurationError } from '../../core/index.ts';
import { EventRandom } from './event-random.ts';
import { CHANNELS_NUMBER, HOT_CHANNELS, HOT_URLS, channelName, channelUrl, nextExtra, nextText, nextWord } from './strings.ts';

const HOT_AUCTION_RATIO = 100;
const HOT_BIDDER_RATIO = 100;
const HOT_SELLER_RATIO = 100;
const PERSON_ID_LEAD = 10;
const AUCTION_ID_LEAD = 10;
const NUM_CATEGORIES = 5;
const US_STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'];
const US_CITIES = ['Phoenix', 'Los Angeles', 'San Francisco', 'Boise', 'Portland', 'Bend', 'Redmond', 'Seattle',
  'Kent', 'Cheyenne'];
const FIRST_NAMES = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter'];
const LAST_NAMES = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'];

/**
 * `10^(6k/4096)` for `k < 4096`: the coarse factor of a log-uniform price. Fine factor by a cubic
 * Taylor polynomial of `exp` (relative error < 1e-11); together several times faster than `Math.pow`
 * or `Math.exp` per event, and plain IEEE arithmetic after the table is built.
 */
const PRICE_STEPS = 4096;
const PRICE_TABLE = Float64Array.from({ length: PRICE_STEPS }, (_, k) => Math.pow(10, (6 * k) / PRICE_STEPS));
const PRICE_FINE = (6 * Math.LN10) / PRICE_STEPS / 1048576;

/** Log-uniform price in cents: `round(10^(U·6) · 100)`, in [100, 100 000 000]. One 32-bit draw. */
function nextPrice(rnd: EventRandom): number {
  const u = rnd.nextU32();
  const f = (u & 0xfffff) * PRICE_FINE; // the low 20 bits: exponent within the step, < 0.0034
  return Math.round(PRICE_TABLE[u >>> 20]! * (1 + f * (1 + f * (0.5 + f / 6))) * 100);
}

/** A base-0 person id among the active people, possibly up to 10 ahead of the last one created. */
function nextBase0PersonId(c: ResolvedNexmarkConfig, rnd: EventRandom, lastPerson: number): number {
  const numPeople = lastPerson + 1;
  const active = Math.min(numPeople, c.numActivePeople);
  return numPeople - active + rnd.nextInt(active + PERSON_ID_LEAD);
}

/** A base-0 auction id among the in-flight auctions, possibly up to 10 ahead of the last one created. */
function nextBase0AuctionId(c: ResolvedNexmarkConfig, rnd: EventRandom, lastAuction: number): number {
  const min = Math.max(lastAuction - c.numInFlightAuctions, 0);
  return min + rnd.nextInt(lastAuction - min + 1 + AUCTION_ID_LEAD);
}

function fourDigits(x: number): string {
  return x < 10 ? `000${x}` : x < 100 ? `00${x}` : x < 1000 ? `0${x}` : `${x}`;
}

function makePerson(c: ResolvedNexmarkConfig, rnd: EventRandom, dateTime: number, lastPerson: number): PersonEvent {
  const id = lastPerson + FIRST_PERSON_ID;
  const name = `${FIRST_NAMES[rnd.nextInt(FIRST_NAMES.length)]} ${LAST_NAMES[rnd.nextInt(LAST_NAMES.length)]}`;
  const emailAddress = `${nextWord(rnd, 7)}@${nextWord(rnd, 5)}.com`;
  const creditCard = `${fourDigits(rnd.nextInt(10000))} ${fourDigits(rnd.nextInt(10000))} ${
    fourDigits(rnd.nextInt(10000))} ${fourDigits(rnd.nextInt(10000))}`;
  const city = US_CITIES[rnd.nextInt(US_CITIES.length)]!;
  const state = US_STATES[rnd.nextInt(US_STATES.length)]!;
  const size = 8 + name.length + emailAddress.length + creditCard.length + city.length + state.length;
  const extra = nextExtra(rnd, size, c.avgPersonByteSize);
  return { kind: 'person', id, name, emailAddress, creditCard, city, state, dateTime, extra };
}

function makeAuction(
  c: ResolvedNexmarkConfig, rnd: EventRandom, n: number, dateTime: number, lastPerson: number, lastAuction: number,
): AuctionEvent {
  const id = lastAuction + FIRST_AUCTION_ID;
  const seller = (rnd.nextInt(c.hotSellersRatio) > 0
    ? Math.floor(lastPerson / HOT_SELLER_RATIO) * HOT_SELLER_RATIO
    : nextBase0PersonId(c, rnd, lastPerson)) + FIRST_PERSON_ID;
  const category = FIRST_CATEGORY_ID + rnd.nextInt(NUM_CATEGORIES);
  const initialBid = nextPrice(rnd);
  // Auction length averages the time until numInFlightAuctions more auctions exist (Flink's horizon).
  const eventsAhead = Math.floor((c.numInFlightAuctions * c.totalProportion) / c.auctionProportion);
  const horizonMs = timestampForEvent(c, n + eventsAhead) - dateTime;
  const expires = dateTime + 1 + rnd.nextInt(Math.max(horizonMs * 2, 1));
  const itemName = nextText(rnd, 20);
  const description = nextText(rnd, 100);
  const reserve = initialBid + nextPrice(rnd);
  const extra = nextExtra(rnd, 8 + itemName.length + description.length + 40, c.avgAuctionByteSize);
  return { kind: 'auction', id, itemName, description, initialBid, reserve, dateTime, expires, seller, category,
    extra };
}

function makeBid(
  c: ResolvedNexmarkConfig, rnd: EventRandom, dateTime: number, lastPerson: number, lastAuction: number,
): BidEvent {
  const auction = (rnd.nextInt(c.hotAuctionRatio) > 0
    ? Math.floor(lastAuction / HOT_AUCTION_RATIO) * HOT_AUCTION_RATIO
    : nextBase0AuctionId(c, rnd, lastAuction)) + FIRST_AUCTION_ID;
  // The hot bidder is the second person of its hundred, so hot bidders and hot sellers differ.
  const bidder = (rnd.nextInt(c.hotBiddersRatio) > 0
    ? Math.floor(lastPerson / HOT_BIDDER_RATIO) * HOT_BIDDER_RATIO + 1
    : nextBase0PersonId(c, rnd, lastPerson)) + FIRST_PERSON_ID;
  const price = nextPrice(rnd);
  let channel: string;
  let url: string;
  // One draw: half the range picks a hot channel (uniform over 4), the other half one of 10 000.
  const ch = rnd.nextInt(2 * CHANNELS_NUMBER);
  if (ch >= CHANNELS_NUMBER) {
    channel = HOT_CHANNELS[ch & 3]!;
    url = HOT_URLS[ch & 3]!;
  } else {
    channel = channelName(ch);
    url = channelUrl(ch);
  }
  const extra = nextExtra(rnd, 32, c.avgBidByteSize);
  return { kind: 'bid', auction, bidder, price, channel, url, dateTime, extra };
}

/**
 * Generates event `n` with a positioned random stream. Shared by every entry point. Computes the epoch
 * (`n / totalProportion`) once and derives the last person and auction ids from it inline (same values
 * as `lastBase0PersonId` / `lastBase0AuctionId`): float divisions are a visible cost per event.
 */
function makeEvent(c: ResolvedNexmarkConfig, rnd: EventRandom, n: number): NexmarkEvent {
  rnd.reset(n);
  const dateTime = c.baseTime + Math.floor((n * c.interEventDelayUs) / 1000);
  const pp = c.personProportion;
  const ap = c.auctionProportion;
  const epoch = Math.floor(n / c.totalProportion);
  const rem = n - epoch * c.totalProportion;
  const lastPerson = epoch * pp + (rem < pp ? rem : pp - 1);
  if (rem >= pp + ap) return makeBid(c, rnd, dateTime, lastPerson, epoch * ap + ap - 1);
  if (rem < pp) return makePerson(c, rnd, dateTime, lastPerson);
  return makeAuction(c, rnd, n, dateTime, lastPerson, epoch * ap + rem - pp);
}

const randoms = new WeakMap<ResolvedNexmarkConfig, EventRandom>();

/**
 * The event with number `n` (0-based) under `config`: depends only on `n`, the seed and the options.
 * Ignores `config.events` (any non-negative safe integer `n` works). For ranges prefer
 * {@link NexmarkGenerator}, which skips the per-call lookups.
 * @example generateEvent(0, { events: 10, seed: 1 }).kind // 'person'
 */
export function generateEvent(n: number, config: NexmarkConfig): NexmarkEvent {
  if (!(Number.isSafeInteger(n) && n >= 0)) throw new ConfigurationError(`nexmark: bad event number ${n}`);
  const c = resolveConfig(config);
  let rnd = randoms.get(c);
  if (rnd === undefined) randoms.set(c, (rnd = new EventRandom(c.seed)));
  return makeEvent(c, rnd, n);
}

/**
 * Generates events `from, from+stride, from+2·stride, … < to` in order, each identical to
 * {@link generateEvent} of its number. `to` defaults to (and is capped at) `config.events`.
 * `NexmarkSource`'s reader `i` of `k` uses `from = i, stride = k` (its event time then keeps pace with
 * the stream's); a contiguous range from `splitRange` uses `stride` 1. The position
 * ({@link NexmarkGenerator.position}) is all the state a source needs to checkpoint;
 * {@link NexmarkGenerator.seek} restores it.
 *
 * @example
 * ```ts
 * const g = new NexmarkGenerator({ events: 1000, seed: 7 });
 * for (let e = g.next(); e !== undefined; e = g.next()) if (e.kind === 'bid') sum += e.price;
 * ```
 */
export class NexmarkGenerator {
  /** The resolved configuration. */
  readonly config: ResolvedNexmarkConfig;
  /** One past the last event number this generator may produce. */
  readonly to: number;
  /** Distance between consecutive event numbers. */
  readonly stride: number;
  private readonly rnd: EventRandom;
  private n: number;

  constructor(config: NexmarkConfig, from = 0, to = Infinity, stride = 1) {
    this.config = resolveConfig(config);
    if (!(Number.isSafeInteger(from) && from >= 0)) throw new ConfigurationError(`nexmark: bad range start ${from}`);
    if (!(Number.isSafeInteger(stride) && stride >= 1)) throw new ConfigurationError(`nexmark: bad stride ${stride}`);
    if (!(to === Infinity || Number.isSafeInteger(to))) throw new ConfigurationError(`nexmark: bad range end ${to}`);
    this.to = Math.min(to, this.config.events);
    this.stride = stride;
    this.n = from;
    this.rnd = new EventRandom(this.config.seed);
  }

  /** Number of the event the next call to {@link NexmarkGenerator.next} returns (if below `to`). */
  get position(): number {
    return this.n;
  }

  /** Moves to event number `n` (e.g. a restored checkpoint position). */
  seek(n: number): void {
    if (!(Number.isSafeInteger(n) && n >= 0)) throw new ConfigurationError(`nexmark: bad position ${n}`);
    this.n = n;
  }

  /** Whether {@link NexmarkGenerator.next} will return an event. */
  hasNext(): boolean {
    return this.n < this.to;
  }

  /** The next event, or `undefined` when the range is exhausted. */
  next(): NexmarkEvent | undefined {
    const n = this.n;
    if (n >= this.to) return undefined;
    this.n = n + this.stride;
    return makeEvent(this.config, this.rnd, n);
  }

  /** Iterates the remaining events (convenience; `next()` and `nextBatch` avoid iterator objects). */
  *[Symbol.iterator](): Generator<NexmarkEvent, void, undefined> {
    for (let e = this.next(); e !== undefined; e = this.next()) yield e;
  }

  /**
   * Writes up to `max` next events into `out[0..k)` and returns `k` (0 when exhausted); `out` is reused
   * by the caller across batches, its length is not changed. Cheaper than `next()` per event.
   */
  nextBatch(out: NexmarkEvent[], max: number): number {
    const c = this.config;
    const rnd = this.rnd;
    const stride = this.stride;
    let n = this.n;
    let k = 0;
    const to = this.to;
    while (k < max && n < to) {
      out[k++] = makeEvent(c, rnd, n);
      n += stride;
    }
    this.n = n;
    return k;
  }
}
