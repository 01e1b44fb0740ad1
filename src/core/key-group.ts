/**
 * Key groups: the unit of keyed-state partitioning and redistribution.
 *
 * `keyGroup = murmur3(hash(key)) % maxParallelism`; subtask *i* of *p* owns the contiguous range
 * `[ceil(i * max / p), ceil((i + 1) * max / p) - 1]`, so a rescale moves whole ranges (Flink's scheme).
 * Keys are normalised before hashing: `-0` and `0` are the same key, object keys hash by a canonical
 * JSON encoding with sorted property names, so equal-looking objects land in the same group.
 */

export const DEFAULT_MAX_PARALLELISM = 128;

/** An inclusive range of key groups `[start, end]`. Empty when `end < start`. */
export class KeyGroupRange {
  constructor(
    readonly start: number,
    readonly end: number,
  ) {}
  contains(kg: number): boolean {
    return kg >= this.start && kg <= this.end;
  }
  get size(): number {
    return Math.max(0, this.end - this.start + 1);
  }
  toString(): string {
    return `KeyGroupRange{${this.start}..${this.end}}`;
  }
  /** The key-group range owned by `subtask` of `parallelism` out of `maxParallelism` groups. */
  static forSubtask(maxParallelism: number, parallelism: number, subtask: number): KeyGroupRange {
    const start = Math.ceil((subtask * maxParallelism) / parallelism);
    const end = Math.ceil(((subtask + 1) * maxParallelism) / parallelism) - 1;
    return new KeyGroupRange(start, end);
  }
}

/** The subtask that owns `keyGroup` (inverse of {@link KeyGroupRange.forSubtask}). */
export function subtaskForKeyGroup(maxParallelism: number, parallelism: number, keyGroup: number): number {
  return Math.floor((keyGroup * parallelism) / maxParallelism);
}

/** murmur3 finaliser-style 32-bit mix of an integer hash (Flink's MathUtils.murmurHash idea). */
export function murmurMix(h: number): number {
  h = Math.imul(h, 0xcc9e2d51);
  h = (h << 15) | (h >>> 17);
  h = Math.imul(h, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  h ^= 4;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function hashString(s: string): number {
  // FNV-1a over UTF-16 code units; mixed by murmurMix afterwards.
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/**
 * A stable 32-bit hash of a key. Numbers: integers in int32 range hash as themselves, other numbers by
 * their float64 bits (`-0` is folded into `0`); strings by their code units; booleans, null, bigint and
 * objects/arrays by their canonical string (see {@link canonicalKey}).
 */
export function hashKey(key: unknown): number {
  switch (typeof key) {
    case 'number': {
      if ((key | 0) === key) return key | 0; // also folds -0 to 0
      f64[0] = key;
      return (u32[0]! ^ Math.imul(u32[1]!, 31)) | 0;
    }
    case 'string':
      return hashString(key);
    case 'undefined':
      throw new TypeError('key is undefined');
    default:
      return hashString(canonicalKey(key));
  }
}

/** The key group of a key. */
export function keyGroupOf(key: unknown, maxParallelism: number): number {
  return uint32Mod(murmurMix(hashKey(key)), maxParallelism);
}

/**
 * `u % m` for an unsigned 32-bit `u` and an integer `m` ≥ 1, without `%`: V8 compiles `%` on a value
 * above 2^31 as a floating-point remainder (the x87 `fprem` loop, tens of nanoseconds), paid for every
 * record on a keyed edge. A power of two (the default maximum parallelism, 128) is a mask; otherwise the
 * quotient is exact: below 2^32, a double division cannot round up to the next integer.
 */
export function uint32Mod(u: number, m: number): number {
  return (m & (m - 1)) === 0 ? u & (m - 1) : u - Math.floor(u / m) * m;
}

/** Prefix of {@link keyIdentity} for non-primitive keys (so they never equal a string key). */
const OBJECT_KEY_PREFIX = '\u0000\u0001key:';

/**
 * A key's identity as a Map key, for tables keyed by the job's keys: numbers (with -0 as 0) and strings as
 * themselves (no allocation), other keys by their canonical form behind a prefix no string key starts with.
 */
export function keyIdentity(key: unknown): unknown {
  const t = typeof key;
  if (t === 'number') return (key as number) === 0 ? 0 : key;
  if (t === 'string') return key;
  return OBJECT_KEY_PREFIX + canonicalKey(key);
}

/**
 * A canonical string for a key, usable as a Map key: strings map to themselves prefixed with `s`,
 * numbers with `n` (`-0` → `n0`), everything else with `j` + JSON with sorted object properties.
 * Two keys are the same key iff their canonical strings are equal.
 */
export function canonicalKey(key: unknown): string {
  switch (typeof key) {
    case 'string':
      return 's' + key;
    case 'number':
      return 'n' + (Object.is(key, -0) ? '0' : String(key));
    case 'bigint':
      return 'b' + key.toString();
    case 'boolean':
      return key ? 'T' : 'F';
    case 'undefined':
      throw new TypeError('key is undefined');
    default:
      if (key === null) return 'N';
      return 'j' + stableJson(key);
  }
}

function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'bigint') return `"${v}n"`;
    if (typeof v === 'number' && Object.is(v, -0)) return '0';
    return JSON.stringify(v) ?? 'null';
  }
  if (Array.isArray(v)) return '[' + v.map(stableJson).join(',') + ']';
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  const keys = Object.keys(v).sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + stableJson((v as Record<string, unknown>)[k])).join(',') + '}';
}
