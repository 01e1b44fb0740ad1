/**
 * Strings with lone surrogates through msgpack. A JavaScript string is any sequence of UTF-16 code units:
 * half of a surrogate pair without its other half is a valid string (a text cut in the middle of an emoji
 * has one), but UTF-8, which msgpack uses for strings, cannot carry it: msgpackr writes or reads it as
 * U+FFFD, so the value that came back was not the value that went in.
 *
 * Before a value goes to msgpack, {@link protectLoneSurrogates} replaces every string that holds a lone
 * surrogate (a value, an object key, a Map key) by an extension that carries its UTF-16 code units; the
 * extension decodes to the same string. Values without one are returned as they are, not copied; a value
 * with one is copied along the path to it (the caller's value is never changed).
 *
 * The check of a string is one regular-expression test: V8 answers it without reading a string it holds
 * one byte a character (no surrogate can be in it), and scans only two-byte strings.
 */
import { addExtension } from 'msgpackr';

/** Half of a surrogate pair without the other half. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A string with a lone surrogate, carried as UTF-16 code units. */
class Utf16String {
  constructor(readonly s: string) {}
}

/** A plain object one of whose keys holds a lone surrogate: its keys and values side by side. */
class Utf16KeyedObject {
  constructor(
    readonly keys: unknown[],
    readonly values: unknown[],
    readonly nullProto: boolean,
  ) {}
}

// Extension type codes are global to msgpackr (1-100 are left to applications): two codes for eddy's two types.
addExtension({
  Class: Utf16String,
  type: 69, // 'E'
  pack: (w: Utf16String) => Buffer.from(w.s, 'utf16le'),
  unpack: (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf16le'),
});
addExtension({
  Class: Utf16KeyedObject,
  type: 70, // 'F'
  write: (o: Utf16KeyedObject) => [o.keys, o.values, o.nullProto],
  read: ([keys, values, nullProto]: [string[], unknown[], boolean]) => {
    const o: Record<string, unknown> = nullProto ? Object.create(null) : {};
    // defineProperty: a key named __proto__ is a key like any other
    for (let i = 0; i < keys.length; i++) Object.defineProperty(o, keys[i]!, { value: values[i], enumerable: true, writable: true, configurable: true });
    return o;
  },
});

/** Whether `s` holds half of a surrogate pair without the other half. */
export function hasLoneSurrogate(s: string): boolean {
  return LONE_SURROGATE.test(s);
}

/** Nesting deeper than this is left to msgpack as it is (which fails on cycles anyway). */
const MAX_DEPTH = 512;

/**
 * `v`, or a copy of it where every string holding a lone surrogate is replaced by a msgpack extension
 * that decodes to the same string (see the file comment). Plain objects, arrays, Maps and Sets are
 * walked; other objects are returned as they are.
 */
export function protectLoneSurrogates(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return LONE_SURROGATE.test(v) ? new Utf16String(v) : v;
  if (typeof v !== 'object' || v === null || depth > MAX_DEPTH) return v;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      const y = protectLoneSurrogates(x, depth + 1);
      if (y !== x) (out ??= v.slice())[i] = y;
    }
    return out ?? v;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) {
    const o = v as Record<string, unknown>;
    let out: Record<string, unknown> | undefined;
    let keyed = false;
    for (const k in o) {
      if (LONE_SURROGATE.test(k)) keyed = true;
      const x = o[k];
      const y = protectLoneSurrogates(x, depth + 1);
      if (y !== x) (out ??= { ...o })[k] = y;
    }
    if (!keyed) return out ?? v;
    const src = out ?? o;
    const keys = Object.keys(src);
    return new Utf16KeyedObject(keys.map((k) => protectLoneSurrogates(k)), keys.map((k) => src[k]), proto === null);
  }
  if (v instanceof Map) {
    let changed = false;
    const entries: [unknown, unknown][] = [];
    for (const [k, x] of v) {
      const k2 = protectLoneSurrogates(k, depth + 1);
      const x2 = protectLoneSurrogates(x, depth + 1);
      if (k2 !== k || x2 !== x) changed = true;
      entries.push([k2, x2]);
    }
    return changed ? new Map(entries) : v;
  }
  if (v instanceof Set) {
    let changed = false;
    const items: unknown[] = [];
    for (const x of v) {
      const x2 = protectLoneSurrogates(x, depth + 1);
      if (x2 !== x) changed = true;
      items.push(x2);
    }
    return changed ? new Set(items) : v;
  }
  return v;
}
