/**
 * The Nexmark connector: the benchmark's data model (people, auctions, bids), a seeded deterministic
 * generator with random access by event number (so parallel readers agree on every event), range
 * splitting for parallel sources, and JSON-lines output for the CLI. Imports only `core` (and later
 * `api` for the source); never the runtime.
 */
export type { Person, Auction, Bid, EventKind, PersonEvent, AuctionEvent, BidEvent, NexmarkEvent } from './model.ts';
export { isBid, isAuction, isPerson } from './model.ts';
export type { NexmarkConfig, ResolvedNexmarkConfig, EventRange } from './config.ts';
export {
  resolveConfig, splitRange, timestampForEvent, eventKindOf, lastBase0PersonId, lastBase0AuctionId,
  DEFAULT_BASE_TIME, DEFAULT_RATE, WATERMARK_DELAY_MS, FIRST_PERSON_ID, FIRST_AUCTION_ID, FIRST_CATEGORY_ID,
} from './config.ts';
export { generateEvent, NexmarkGenerator } from './generator.ts';
export type { JsonLinesOptions } from './json-lines.ts';
export { jsonLinesChunks, writeJsonLines } from './json-lines.ts';
export { HOT_CHANNELS } from './strings.ts';
export { NexmarkSource } from './source.ts';
export type { NexmarkSplit, NexmarkSourceOptions } from './source.ts';
