/**
 * Serializers turn state values into bytes and back. The default is msgpackr with records and its
 * extended types (`Map`, `Set`, `Date`, typed arrays, `undefined` survive a round trip; `-0` becomes `0`;
 * class instances come back as plain objects). Strings with lone surrogates come back as they were (see
 * `core/lone-surrogates.ts`). A descriptor may supply its own {@link TypeSerializer}.
 */
import { Packr } from 'msgpackr';
import { protectLoneSurrogates } from '../core/index.ts';

/** Converts values of type `T` to bytes and back. Must be deterministic and self-contained. */
export interface TypeSerializer<T> {
  serialize(value: T): Uint8Array;
  deserialize(bytes: Uint8Array): T;
}

/**
 * The msgpackr instance eddy's state layer uses for values, snapshots and the lmdb backend.
 * Records (`useRecords`) keep object shapes compact; no shared structures, so every buffer decodes alone.
 * `copyBuffers`: decoded binary values never alias the source (lmdb hands out volatile buffers).
 */
export const statePackr: Packr = new Packr({ moreTypes: true, copyBuffers: true });

/** The default serializer: msgpackr structured encoding (see {@link statePackr}). */
export const DEFAULT_SERIALIZER: TypeSerializer<unknown> = {
  serialize: (v) => packState(v),
  deserialize: (b) => unpackState(b),
};

/** Encodes a value with the state packr. */
export function packState(value: unknown): Uint8Array {
  return statePackr.pack(protectLoneSurrogates(value));
}

/** Decodes bytes written by {@link packState}. */
export function unpackState(bytes: Uint8Array): unknown {
  return statePackr.unpack(bytes);
}

/**
 * Encodes a value into a fresh, exactly sized `Uint8Array` that owns its memory. Use it for anything that
 * is kept or posted to another thread (snapshots): the result of `pack` is a view into msgpackr's shared
 * buffer, which structured clone would copy whole.
 */
export function packDetached(value: unknown): Uint8Array {
  return new Uint8Array(packState(value));
}

/** The msgpack header of an array of `n` elements. */
export function msgpackArrayHeader(n: number): Uint8Array {
  if (n < 16) return Uint8Array.of(0x90 | n);
  if (n < 0x10000) return Uint8Array.of(0xdc, n >>> 8, n & 0xff);
  return Uint8Array.of(0xdd, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/** A msgpack array of `count` already-encoded elements: the header followed by their bytes, in one buffer. */
export function concatMsgpackArray(count: number, chunks: Uint8Array[]): Uint8Array {
  const header = msgpackArrayHeader(count);
  let size = header.length;
  for (const c of chunks) size += c.length;
  const out = new Uint8Array(size);
  out.set(header, 0);
  let at = header.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
