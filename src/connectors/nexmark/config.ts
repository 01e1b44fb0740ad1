/**
 * Generator configuration: the user-facing {@link NexmarkConfig} (a count and a seed, everything else
 * defaulted as in nexmark-flink's `NexmarkConfiguration`), its resolved form, and the pure arithmetic on
 * event numbers that every generator shares — which kind event `n` is, its timestamp, the last person and
 * auction ids that exist at `n` — plus {@link splitRange} for parallel readers. No randomness here.
 */
import { ConfigurationError } from '../../core/index.ts';
import type { EventKind } from './model.ts';

/** Options of the Nexmark generator. Only `events` and `seed` are required. */
export interface NexmarkConfig {
  /** Total number of events (numbers `0 .. events-1`); `Infinity` for an unbounded stream. */
  events: number;
  /** Seed: event `n` depends only on `(seed, n)` and the options below. Any safe integer. */
  seed: number;
  /** Events per second of event time (default 10 000): event `n` is at `baseTime + ⌊n·10⁶/rate/1000⌋` ms. */
  rate?: number;
  /** Event time of event 0, epoch ms (default 2026-01-01T00:00:00Z, so output is reproducible). */
  baseTime?: number;
  /** Proportions per `personProportion + auctionProportion + bidProportion` events (default 1 : 3 : 46). */
  personProportion?: number;
  auctionProportion?: number;
  bidProportion?: number;
  /** Average serialized sizes that `extra` pads up to (defaults 200, 500, 100 bytes). */
  avgPersonByteSize?: number;
  avgAuctionByteSize?: number;
  avgBidByteSize?: number;
  /** 1 − 1/ratio of bids go to the hot auction (default 2: 50%). */
  hotAuctionRatio?: number;
  /** 1 − 1/ratio of bids come from the hot bidder (default 4: 75%). */
  hotBiddersRatio?: number;
  /** 1 − 1/ratio of auctions are by the hot seller (default 4: 75%). */
  hotSellersRatio?: number;
  /** Non-hot bids pick among this many most recent auctions, plus 10 ahead (default 100). */
  numInFlightAuctions?: number;
  /** Non-hot bidders and sellers are among this many most recent people, plus 10 ahead (default 1000). */
  numActivePeople?: number;
}

/** A {@link NexmarkConfig} with every option filled in and derived values precomputed. */
export interface ResolvedNexmarkConfig extends Required<NexmarkConfig> {
  /** `personProportion + auctionProportion + bidProportion`. */
  readonly totalProportion: number;
  /** Microseconds of event time between consecutive events: `1e6 / rate`. */
  readonly interEventDelayUs: number;
}

/** Default `baseTime`: 2026-01-01T00:00:00Z. */
export const DEFAULT_BASE_TIME = Date.UTC(2026, 0, 1);
/** Default event rate, events per second of event time. */
export const DEFAULT_RATE = 10_000;
/** Nexmark's bounded out-of-orderness: the watermark is `dateTime − 4 s` (`WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND`). */
export const WATERMARK_DELAY_MS = 4000;
/** The first person id and the first auction id (ids are dense from here). */
export const FIRST_PERSON_ID = 1000;
export const FIRST_AUCTION_ID = 1000;
/** The first category id; categories are `10..14`. */
export const FIRST_CATEGORY_ID = 10;

const DEFAULTS: Omit<Required<NexmarkConfig>, 'events' | 'seed'> = {
  rate: DEFAULT_RATE,
  baseTime: DEFAULT_BASE_TIME,
  personProportion: 1,
  auctionProportion: 3,
  bidProportion: 46,
  avgPersonByteSize: 200,
  avgAuctionByteSize: 500,
  avgBidByteSize: 100,
  hotAuctionRatio: 2,
  hotBiddersRatio: 4,
  hotSellersRatio: 4,
  numInFlightAuctions: 100,
  numActivePeople: 1000,
};

const resolved = new WeakMap<NexmarkConfig, ResolvedNexmarkConfig>();

/**
 * Fills in defaults and validates. Memoized per config object, so calling it per event is cheap.
 * @throws ConfigurationError on a negative or non-integer count, a non-integer seed, or a non-positive rate.
 */
export function resolveConfig(config: NexmarkConfig): ResolvedNexmarkConfig {
  if (isResolved(config)) return config;
  const hit = resolved.get(config);
  if (hit !== undefined) return hit;
  const c: Required<NexmarkConfig> = { ...DEFAULTS, events: config.events, seed: config.seed };
  for (const k of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
    const v = config[k];
    if (v !== undefined) c[k] = v;
  }
  const { events, seed, rate } = c;
  if (!(events === Infinity || (Number.isSafeInteger(events) && events >= 0))) {
    throw new ConfigurationError(`nexmark: events must be a non-negative integer or Infinity, got ${events}`);
  }
  if (!Number.isSafeInteger(seed)) throw new ConfigurationError(`nexmark: seed must be a safe integer, got ${seed}`);
  if (!(rate > 0 && Number.isFinite(rate))) throw new ConfigurationError(`nexmark: rate must be > 0, got ${rate}`);
  if (!Number.isFinite(c.baseTime)) throw new ConfigurationError(`nexmark: baseTime must be finite, got ${c.baseTime}`);
  for (const k of ['personProportion', 'auctionProportion', 'bidProportion', 'hotAuctionRatio', 'hotBiddersRatio',
    'hotSellersRatio', 'numInFlightAuctions', 'numActivePeople'] as const) {
    if (!(Number.isSafeInteger(c[k]) && c[k] >= 1)) {
      throw new ConfigurationError(`nexmark: ${k} must be a positive integer, got ${c[k]}`);
    }
  }
  const r: ResolvedNexmarkConfig = {
    ...c,
    totalProportion: c.personProportion + c.auctionProportion + c.bidProportion,
    interEventDelayUs: 1e6 / rate,
  };
  resolved.set(config, r);
  resolved.set(r, r);
  return r;
}

function isResolved(c: NexmarkConfig): c is ResolvedNexmarkConfig {
  return (c as Partial<ResolvedNexmarkConfig>).interEventDelayUs !== undefined && resolved.get(c) === c;
}

/** Event time (epoch ms) of event number `n`: `baseTime + ⌊n · interEventDelayUs / 1000⌋`. Monotonic in `n`. */
export function timestampForEvent(c: ResolvedNexmarkConfig, n: number): number {
  return c.baseTime + Math.floor((n * c.interEventDelayUs) / 1000);
}

/** Which kind event number `n` is: by `n % totalProportion` (default 0 → person, 1–3 → auction, else bid). */
export function eventKindOf(c: ResolvedNexmarkConfig, n: number): EventKind {
  const rem = n % c.totalProportion;
  return rem < c.personProportion ? 'person' : rem < c.personProportion + c.auctionProportion ? 'auction' : 'bid';
}

/** Base-0 id of the last person that exists at event `n` (the person created by `n`, if it is one). */
export function lastBase0PersonId(c: ResolvedNexmarkConfig, n: number): number {
  const epoch = Math.floor(n / c.totalProportion);
  let offset = n - epoch * c.totalProportion;
  if (offset >= c.personProportion) offset = c.personProportion - 1;
  return epoch * c.personProportion + offset;
}

/** Base-0 id of the last auction that exists at event `n` (−1 before the first auction). */
export function lastBase0AuctionId(c: ResolvedNexmarkConfig, n: number): number {
  let epoch = Math.floor(n / c.totalProportion);
  let offset = n - epoch * c.totalProportion;
  if (offset < c.personProportion) {
    epoch--;
    offset = c.auctionProportion - 1;
  } else if (offset >= c.personProportion + c.auctionProportion) {
    offset = c.auctionProportion - 1;
  } else {
    offset -= c.personProportion;
  }
  return epoch * c.auctionProportion + offset;
}

/** A half-open range `[from, to)` of event numbers. */
export interface EventRange {
  from: number;
  to: number;
}

/**
 * Splits `[0, totalEvents)` into `nSplits` contiguous ranges whose sizes differ by at most one (the first
 * `totalEvents % nSplits` get the extra event). Concatenated in order they are `[0, totalEvents)`.
 * An unbounded stream cannot be split contiguously: give each reader `i` of `k` a strided
 * {@link NexmarkGenerator} (`from = i`, `stride = k`) instead.
 * @example splitRange(10, 3) // [{from:0,to:4},{from:4,to:7},{from:7,to:10}]
 * @throws ConfigurationError if `totalEvents` is not a finite non-negative integer or `nSplits < 1`.
 */
export function splitRange(totalEvents: number, nSplits: number): EventRange[] {
  if (!(Number.isSafeInteger(totalEvents) && totalEvents >= 0)) {
    throw new ConfigurationError(`splitRange: totalEvents must be a finite non-negative integer, got ${totalEvents}`);
  }
  if (!(Number.isSafeInteger(nSplits) && nSplits >= 1)) {
    throw new ConfigurationError(`splitRange: nSplits must be a positive integer, got ${nSplits}`);
  }
  const base = Math.floor(totalEvents / nSplits);
  const extra = totalEvents - base * nSplits;
  const out: EventRange[] = [];
  let from = 0;
  for (let i = 0; i < nSplits; i++) {
    const to = from + base + (i < extra ? 1 : 0);
    out.push({ from, to });
    from = to;
  }
  return out;
}
