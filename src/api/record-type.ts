/**
 * Declared record types (as Flink's `returns(TypeInformation)`): what the records of a stream look like,
 * so that batches crossing threads are encoded by that shape without deriving it from the records.
 *
 * A type is `'number'`, `'string'`, `'boolean'`, `'any'` (anything: encoded in the general way), an array
 * of one type (`['number']`), or an object of field types (`{ auction: 'number', tags: ['string'] }`).
 * A record that does not match its declared type is still sent, in the general encoding: the declaration
 * is about speed, never correctness.
 */
import { ConfigurationError } from '../core/index.ts';

export type RecordType = 'number' | 'string' | 'boolean' | 'any' | readonly [RecordType] | { readonly [field: string]: RecordType };

/** Checks a declared type; throws naming the path of what is wrong. */
export function checkRecordType(t: unknown, where: string, path = 'the type'): asserts t is RecordType {
  if (t === 'number' || t === 'string' || t === 'boolean' || t === 'any') return;
  if (Array.isArray(t)) {
    if (t.length !== 1) throw new ConfigurationError(`${where}: ${path} is an array of ${t.length} types; declare an array's element type as [type]`);
    checkRecordType(t[0], where, `${path}[0]`);
    return;
  }
  if (typeof t === 'object' && t !== null && Object.getPrototypeOf(t) === Object.prototype) {
    const keys = Object.keys(t);
    if (keys.length === 0) throw new ConfigurationError(`${where}: ${path} is an object without fields`);
    for (const k of keys) {
      if (k === '__proto__') throw new ConfigurationError(`${where}: ${path} has a field named __proto__`);
      checkRecordType((t as Record<string, unknown>)[k], where, `${path}.${k}`);
    }
    return;
  }
  throw new ConfigurationError(`${where}: ${path} is ${JSON.stringify(t) ?? String(t)}; expected 'number', 'string', 'boolean', 'any', [type] or { field: type }`);
}
