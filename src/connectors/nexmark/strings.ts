/**
 * Strings for generated events, built to cost next to nothing per event. Random text is a substring of a
 * constant pool built once at module load from a fixed seed (a slice is one or two draws and, for lengths of
 * 13+ characters, no copy in V8); channel names and urls come from a lazily filled cache of 10 000, as in
 * nexmark-flink's `BidGenerator`. Pools are independent of the user's seed: the seed picks offsets.
 */
import { EventRandom } from './event-random.ts';

const POOL_SIZE = 1 << 16;
const MIN_STRING_LENGTH = 3;

/** Builds a pool of random characters from one long run of the stream at position `base`. */
function makePool(rnd: EventRandom, special: string, base: number): string {
  const chars: string[] = new Array<string>(POOL_SIZE);
  rnd.reset(base);
  for (let i = 0; i < POOL_SIZE; i++) {
    chars[i] = special !== '' && rnd.nextInt(13) === 0 ? special : String.fromCharCode(97 + rnd.nextInt(26));
  }
  return chars.join('');
}

const poolRandom = new EventRandom(0x6e65786d); // "nexm"
/** Lowercase letters only: `extra` padding, e-mail parts. */
const LETTERS = makePool(poolRandom, '', 0);
/** Letters with one space in 13: item names, descriptions (trimmed, as Flink's `nextString`). */
const TEXT = makePool(poolRandom, ' ', 1 << 20);
/** Letters with one `_` in 13: url path segments. */
const URL_TEXT = makePool(poolRandom, '_', 2 << 20);

/** A random string of length `3 .. maxLength-1` with spaces, trimmed (as Flink's `nextString`). */
export function nextText(rnd: EventRandom, maxLength: number): string {
  const len = MIN_STRING_LENGTH + rnd.nextInt(maxLength - MIN_STRING_LENGTH);
  const off = rnd.nextInt(POOL_SIZE - len);
  return TEXT.substring(off, off + len).trim();
}

/** A random lowercase word of length `3 .. maxLength-1`. */
export function nextWord(rnd: EventRandom, maxLength: number): string {
  const len = MIN_STRING_LENGTH + rnd.nextInt(maxLength - MIN_STRING_LENGTH);
  const off = rnd.nextInt(POOL_SIZE - len);
  return LETTERS.substring(off, off + len);
}

/**
 * Padding such that `currentSize + extra.length` averages `averageSize`: uniform in ±20% of the
 * difference, empty when the record is already larger (Flink's `nextExtra`).
 */
export function nextExtra(rnd: EventRandom, currentSize: number, averageSize: number): string {
  if (currentSize > averageSize) return '';
  const want = averageSize - currentSize;
  const delta = Math.round(want * 0.2);
  // One draw for both: the low 16 bits pick the size, the high 16 bits the offset into the pool.
  const u = rnd.nextU32();
  const size = Math.min(want - delta + (delta === 0 ? 0 : (u & 0xffff) % (2 * delta)), POOL_SIZE >> 1);
  const off = Math.floor(((u >>> 16) * (POOL_SIZE - size)) / 65536);
  return LETTERS.substring(off, off + size);
}

function baseUrl(rnd: EventRandom): string {
  const seg = (): string => {
    const len = MIN_STRING_LENGTH + rnd.nextInt(5 - MIN_STRING_LENGTH);
    const off = rnd.nextInt(POOL_SIZE - len);
    return URL_TEXT.substring(off, off + len);
  };
  return `https://www.nexmark.com/${seg()}/${seg()}/${seg()}/item.htm?query=1`;
}

/** The four hot channels; half the bids use one of them. */
export const HOT_CHANNELS: readonly string[] = ['Google', 'Facebook', 'Baidu', 'Apple'];
/** The url of each hot channel (fixed, independent of the seed). */
export const HOT_URLS: readonly string[] = HOT_CHANNELS.map((_, i) => {
  poolRandom.reset((3 << 20) | i);
  return baseUrl(poolRandom);
});

/** Number of non-hot channels, `channel-0 .. channel-9999`. */
export const CHANNELS_NUMBER = 10_000;
// Filled on first use. Tested against `undefined` (a pointer compare) rather than by reading the string,
// which would touch a cold string header per bid.
const channelNames: (string | undefined)[] = new Array<string | undefined>(CHANNELS_NUMBER).fill(undefined);
const channelUrls: (string | undefined)[] = new Array<string | undefined>(CHANNELS_NUMBER).fill(undefined);
const channelRandom = new EventRandom(0x63686e6c); // "chnl"

/** Java's `Integer.reverse` (bit reversal of a 32-bit int), as a signed 32-bit number. */
function reverseBits32(x: number): number {
  x = ((x >>> 1) & 0x55555555) | ((x & 0x55555555) << 1);
  x = ((x >>> 2) & 0x33333333) | ((x & 0x33333333) << 2);
  x = ((x >>> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4);
  x = ((x >>> 8) & 0x00ff00ff) | ((x & 0x00ff00ff) << 8);
  return (x >>> 16) | (x << 16);
}

function fillChannel(i: number): void {
  channelRandom.reset(i);
  let url = baseUrl(channelRandom);
  if (channelRandom.nextInt(10) > 0) url = `${url}&channel_id=${Math.abs(reverseBits32(i))}`;
  channelUrls[i] = url;
  channelNames[i] = `channel-${i}`;
}

/** Name of non-hot channel `i` (`0 <= i < CHANNELS_NUMBER`): `channel-<i>`. */
export function channelName(i: number): string {
  const s = channelNames[i];
  if (s !== undefined) return s;
  fillChannel(i);
  return channelNames[i]!;
}

/** Url of non-hot channel `i`; 90% of them carry `&channel_id=<bit-reversed i>`. */
export function channelUrl(i: number): string {
  const s = channelUrls[i];
  if (s !== undefined) return s;
  fillChannel(i);
  return channelUrls[i]!;
}
