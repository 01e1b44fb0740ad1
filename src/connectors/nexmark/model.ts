/**
 * The Nexmark data model: people register, open auctions and place bids. Field names and meanings
 * follow the public Nexmark benchmark (nexmark/nexmark, Flink flavour); times are epoch milliseconds
 * (whole numbers) instead of `Instant`s. A generated event is one flat object tagged by `kind`, so the
 * stream carries a single object per event and JSON lines read `{"kind":"bid","auction":…}`.
 */

/** A person who registered on the auction site (2% of events by default). */
export interface Person {
  /** Unique id, dense from 1000 in event number. */
  id: number;
  /** `"<first> <last>"` from small fixed lists. */
  name: string;
  emailAddress: string;
  /** Four groups of four digits separated by spaces. */
  creditCard: string;
  city: string;
  /** US state code: one of AZ, CA, ID, OR, WA, WY. */
  state: string;
  /** Event time, epoch milliseconds. */
  dateTime: number;
  /** Padding so that the record averages about 200 bytes. */
  extra: string;
}

/** An auction opened by a seller (6% of events by default). */
export interface Auction {
  /** Unique id, dense from 1000 in event number. */
  id: number;
  itemName: string;
  description: string;
  /** Starting price, in cents. */
  initialBid: number;
  /** Reserve price, in cents (always above `initialBid`). */
  reserve: number;
  /** Event time, epoch milliseconds. */
  dateTime: number;
  /** When the auction closes, epoch milliseconds (after `dateTime`). */
  expires: number;
  /** Person id of the seller. */
  seller: number;
  /** Category id in 10..14. */
  category: number;
  /** Padding so that the record averages about 500 bytes. */
  extra: string;
}

/** A bid on an auction (92% of events by default). */
export interface Bid {
  /** Auction id (may name an auction a few events in the future, as in Nexmark). */
  auction: number;
  /** Person id of the bidder (may name a person a few events in the future). */
  bidder: number;
  /** Price in cents, log-uniform in [100, 100 000 000]. */
  price: number;
  /** `Google`, `Facebook`, `Baidu`, `Apple` (hot, half the bids) or `channel-<0..9999>`. */
  channel: string;
  url: string;
  /** Event time, epoch milliseconds. */
  dateTime: number;
  /** Padding so that the record averages about 100 bytes. */
  extra: string;
}

/** The tag of a {@link NexmarkEvent}. */
export type EventKind = 'person' | 'auction' | 'bid';

/** A {@link Person} as it appears on the event stream. */
export type PersonEvent = { kind: 'person' } & Person;
/** An {@link Auction} as it appears on the event stream. */
export type AuctionEvent = { kind: 'auction' } & Auction;
/** A {@link Bid} as it appears on the event stream. */
export type BidEvent = { kind: 'bid' } & Bid;

/**
 * One generated Nexmark event: a flat object whose `kind` says which of the three it is. Every kind has
 * `dateTime` (event time, epoch ms), so `(e) => e.dateTime` is a timestamp assigner for all of them.
 *
 * @example
 * ```ts
 * if (e.kind === 'bid') total += e.price; // e narrowed to BidEvent
 * ```
 */
export type NexmarkEvent = PersonEvent | AuctionEvent | BidEvent;

/** Type guard for bids, handy in `filter`. */
export function isBid(e: NexmarkEvent): e is BidEvent {
  return e.kind === 'bid';
}

/** Type guard for auctions. */
export function isAuction(e: NexmarkEvent): e is AuctionEvent {
  return e.kind === 'auction';
}

/** Type guard for people. */
export function isPerson(e: NexmarkEvent): e is PersonEvent {
  return e.kind === 'person';
}
