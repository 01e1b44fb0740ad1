/**
 * {@link LmdbKeyCodec}: builds and parses the binary keys of the lmdb backend in one reusable buffer.
 *
 * ```
 * [keyGroup u16 BE][stateId u16 BE][keyLen u16 BE][canonical key, UTF-8][nsLen u16 BE][ns][suffix]
 * ns:     0x00 (VOID) | 0x01 UTF-8 string | 0x02 float64 BE number
 * suffix: none (value, reducing, aggregating) | u64 BE sequence (list element) | canonical map key, UTF-8
 * ```
 * Key group first, so a key-group range is one contiguous scan; the explicit lengths make every
 * (key group, state, key, namespace) prefix unique, and no suffix starts with 0xFF, so `prefix + 0xFF` is an
 * exclusive upper bound for "all entries under this prefix". The key is `canonicalKey(key)` (from core):
 * `-0` is `0`, objects compare by value; strings and numbers are read back from it, other keys are stored
 * with their values.
 */
import { EddyError, canonicalKey, hasLoneSurrogate } from '../../../core/index.ts';
import { VOID_NAMESPACE, type Namespace } from '../../internal-kv-state.ts';

/** lmdb-js's key size limit. */
export const MAX_KEY_BYTES = 1978;

/** Longest key (canonical bytes) accepted, leaving room for namespace and suffix. */
const KEY_LIMIT = 1500;

/** Keys (strings, canonical forms) of at most this many UTF-16 units always fit (≤ 3 UTF-8 bytes per unit). */
export const ALWAYS_FITS_CHARS = Math.floor((KEY_LIMIT - 1) / 3);

/** A key builder with one scratch buffer. Not reentrant: one instance per use site. */
export class LmdbKeyCodec {
  readonly buf = Buffer.allocUnsafe(MAX_KEY_BYTES + 16);
  /** End of `[kg][sid][klen][key]`. */
  keyEnd = 0;
  /** The current key is a string or number (read back from its bytes, not stored with the value). */
  primitive = true;

  /** Writes key group and key; the state id is filled in by {@link forState}. */
  setKey(keyGroup: number, key: unknown): void {
    const b = this.buf;
    b.writeUInt16BE(keyGroup, 0);
    let len: number;
    if (typeof key === 'string') {
      if (hasLoneSurrogate(key)) throw loneSurrogate('key', key);
      b[6] = 0x73; // 's'
      const n = b.write(key, 7, KEY_LIMIT, 'utf8');
      if (n >= KEY_LIMIT - 4 && Buffer.byteLength(key) !== n) throw tooLong(key);
      len = 1 + n;
      this.primitive = true;
    } else {
      const c = canonicalKey(key);
      len = b.write(c, 6, KEY_LIMIT, 'utf8');
      if (Buffer.byteLength(c) !== len) throw tooLong(c);
      this.primitive = typeof key === 'number';
    }
    b.writeUInt16BE(len, 4);
    this.keyEnd = 6 + len;
  }

  /** Sets the state id and namespace; returns the end offset of `[...][ns]`. */
  forState(stateId: number, ns: Namespace): number {
    const b = this.buf;
    b.writeUInt16BE(stateId, 2);
    let p = this.keyEnd + 2;
    if (ns === VOID_NAMESPACE) b[p++] = 0;
    else if (typeof ns === 'string') {
      if (hasLoneSurrogate(ns)) throw loneSurrogate('namespace', ns);
      b[p++] = 1;
      p += b.write(ns, p, MAX_KEY_BYTES - p, 'utf8');
    } else {
      b[p++] = 2;
      b.writeDoubleBE(ns === 0 ? 0 : ns, p);
      p += 8;
    }
    if (p >= MAX_KEY_BYTES - 10) throw new EddyError(`state namespace too long for the lmdb backend (${p} bytes)`, { domain: 'user' });
    b.writeUInt16BE(p - this.keyEnd - 2, this.keyEnd);
    return p;
  }

  /** A copy of `buf[0, end)` (for keys kept beyond the next write). */
  copy(end: number): Buffer {
    return Buffer.from(this.buf.subarray(0, end));
  }
  /** A view of `buf[0, end)` (valid until the next write). */
  view(end: number): Buffer {
    return this.buf.subarray(0, end);
  }
  /** Appends a u64 sequence number at `at`; returns the new end. */
  writeSeq(at: number, seq: number): number {
    this.buf.writeUInt32BE(Math.floor(seq / 0x100000000), at);
    this.buf.writeUInt32BE(seq >>> 0, at + 4);
    return at + 8;
  }
  /** Appends a canonical map key at `at`; returns the new end. */
  writeMapKey(at: number, mapKey: unknown): number {
    if (typeof mapKey === 'string' && hasLoneSurrogate(mapKey)) throw loneSurrogate('map key', mapKey);
    const c = canonicalKey(mapKey);
    const n = this.buf.write(c, at, MAX_KEY_BYTES - at, 'utf8');
    if (Buffer.byteLength(c) !== n) throw tooLong(c);
    return at + n;
  }
  /** Appends 0xFF at `at` (exclusive upper bound of everything under `buf[0, at)`); returns the new end. */
  writeUpper(at: number): number {
    this.buf[at] = 0xff;
    return at + 1;
  }
}

/** `[keyGroup][stateId]` as a fresh buffer; with `upper`, the bound just past that prefix. */
export function statePrefix(keyGroup: number, stateId: number, upper = false): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt16BE(keyGroup, 0);
  b.writeUInt16BE(upper ? stateId + 1 : stateId, 2);
  return b;
}

/** The parts of a stored key. */
export interface ParsedKey {
  keyGroup: number;
  stateId: number;
  /** `canonicalKey` of the key. */
  canonical: string;
  ns: Namespace;
  /** Offset where the suffix starts; also the length of the (key, namespace) prefix. */
  suffixAt: number;
}

/** Parses a stored key. */
export function parseKey(k: Uint8Array): ParsedKey {
  const b = Buffer.isBuffer(k) ? k : Buffer.from(k.buffer, k.byteOffset, k.byteLength);
  const klen = b.readUInt16BE(4);
  const canonical = b.toString('utf8', 6, 6 + klen);
  const nsAt = 6 + klen;
  const nslen = b.readUInt16BE(nsAt);
  const tag = b[nsAt + 2];
  const ns: Namespace = tag === 0 ? VOID_NAMESPACE : tag === 1 ? b.toString('utf8', nsAt + 3, nsAt + 2 + nslen) : b.readDoubleBE(nsAt + 3);
  return { keyGroup: b.readUInt16BE(0), stateId: b.readUInt16BE(2), canonical, ns, suffixAt: nsAt + 2 + nslen };
}

/** A string or number key read back from its canonical form, or `undefined` for other keys. */
export function primitiveFromCanonical(c: string): string | number | undefined {
  if (c.charCodeAt(0) === 0x73) return c.slice(1);
  if (c.charCodeAt(0) === 0x6e) return Number(c.slice(1));
  return undefined;
}

/**
 * Keys are stored as UTF-8, which cannot hold half of a surrogate pair: two keys that differ only there
 * would be one key. (Object keys are canonical JSON, which escapes them.)
 */
function loneSurrogate(what: string, s: string): EddyError {
  return new EddyError(
    `the lmdb backend stores a state's ${what}s as UTF-8, which cannot hold the lone surrogate in ${what} ${JSON.stringify(s.length > 60 ? s.slice(0, 60) + '...' : s)}: use the heap backend, or a key without half of a surrogate pair`,
    { domain: 'user' },
  );
}

function tooLong(what: string): EddyError {
  return new EddyError(`key too long for the lmdb backend (max ${MAX_KEY_BYTES - 32} bytes): ${what.slice(0, 60)}...`, { domain: 'user' });
}
