/**
 * {@link encodeLmdbKeyGroup}: encodes one state's entries of one key group straight from lmdb's stored
 * bytes into canonical snapshot entries, without decoding and re-encoding the values.
 *
 * A stored value (string or number key) is already the msgpack of the canonical value unit: a value, a list
 * element, or a map entry's `[mapKey, stored]` pair. So an entry is `0x94`, the msgpack of name, key and
 * namespace, then the stored bytes (for lists and maps: an array header and the elements' bytes). msgpackr
 * records are self-contained per value (inline definitions, no shared structures), so concatenated
 * values decode. Entries of other keys carry an envelope with the original key and are re-encoded.
 */
import type { Database, Transaction } from 'lmdb';
import type { StateKind } from '../../state-descriptor.ts';
import { msgpackArrayHeader, packState, unpackState } from '../../type-serializer.ts';
import { parseKey, primitiveFromCanonical, statePrefix } from './lmdb-key-codec.ts';

/** Encoded entries: `count` canonical entries whose msgpack bytes are the concatenation of `chunks`. */
export interface RawEntries {
  count: number;
  chunks: Uint8Array[];
}

/** `[name, key, ns, ` as msgpack: the packed 3-array with its header turned into a 4-array header. */
function entryHead(name: string, key: unknown, ns: unknown): Uint8Array {
  const b = new Uint8Array(packState([name, key, ns]));
  b[0] = 0x94;
  return b;
}

/** Encodes the entries of `stateId` in `keyGroup` as read through `transaction`. */
export function encodeLmdbKeyGroup(
  db: Database<Uint8Array, Buffer>,
  transaction: Transaction | undefined,
  keyGroup: number,
  stateId: number,
  kind: StateKind,
  name: string,
): RawEntries {
  const chunks: Uint8Array[] = [];
  let count = 0;
  const single = kind !== 'list' && kind !== 'map';
  let prefix: Buffer | undefined;
  let head: Uint8Array | undefined;
  let parts: Uint8Array[] = [];
  const flush = () => {
    if (head !== undefined) {
      chunks.push(head, msgpackArrayHeader(parts.length), ...parts);
      count++;
    }
    head = undefined;
    parts = [];
  };
  for (const { key: k, value } of db.getRange({ start: statePrefix(keyGroup, stateId), end: statePrefix(keyGroup, stateId, true), transaction })) {
    const p = parseKey(k);
    const pk = primitiveFromCanonical(p.canonical);
    if (single) {
      if (pk !== undefined) chunks.push(entryHead(name, pk, p.ns), value);
      else {
        const env = unpackState(value) as [unknown, unknown];
        chunks.push(new Uint8Array(packState([name, env[1], p.ns, env[0]])));
      }
      count++;
      continue;
    }
    const kp = k.subarray(0, p.suffixAt);
    if (prefix === undefined || !kp.equals(prefix)) {
      flush();
      prefix = Buffer.from(kp);
      const orig = pk !== undefined ? pk : (unpackState(value) as unknown[])[kind === 'map' ? 2 : 1];
      head = entryHead(name, orig, p.ns);
    }
    if (pk !== undefined) parts.push(value);
    else {
      const env = unpackState(value) as unknown[];
      parts.push(new Uint8Array(packState(kind === 'map' ? [env[0], env[1]] : env[0])));
    }
  }
  flush();
  return { count, chunks };
}
