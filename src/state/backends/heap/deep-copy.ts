/**
 * {@link deepCopy}: a copy of a state value that shares nothing mutable with the original, keeping
 * prototypes (class instances stay instances, unlike `structuredClone`). Used by the heap backend's
 * copy-on-write snapshots: user functions may mutate values they read (accumulators, say), so a key
 * group's values are copied before the first access after a capture. Private `#fields` are not copied.
 */
import { UserKeyMap } from './user-key-map.ts';

/** Copies plain data, arrays, Maps, Sets, Dates, typed arrays and class instances, recursively. */
export function deepCopy<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  return copyObject(v as object, new Map()) as T;
}

function copy(v: unknown, seen: Map<object, unknown>): unknown {
  return typeof v !== 'object' || v === null ? v : copyObject(v, seen);
}

function copyObject(o: object, seen: Map<object, unknown>): unknown {
  const done = seen.get(o);
  if (done !== undefined) return done;
  if (Array.isArray(o)) {
    const out: unknown[] = new Array(o.length);
    seen.set(o, out);
    for (let i = 0; i < o.length; i++) out[i] = copy(o[i], seen);
    return out;
  }
  if (o instanceof Map) {
    const out = new Map();
    seen.set(o, out);
    for (const [k, x] of o) out.set(copy(k, seen), copy(x, seen));
    return out;
  }
  if (o instanceof Set) {
    const out = new Set();
    seen.set(o, out);
    for (const x of o) out.add(copy(x, seen));
    return out;
  }
  if (o instanceof Date) return new Date(o.getTime());
  if (ArrayBuffer.isView(o)) return (o as unknown as { slice(): unknown }).slice?.() ?? o;
  if (o instanceof UserKeyMap) {
    const out = UserKeyMap.from(o.entries().map(([k, x]) => [k, copy(x, seen)]));
    seen.set(o, out);
    return out;
  }
  const out = Object.create(Object.getPrototypeOf(o)) as Record<string, unknown>;
  seen.set(o, out);
  for (const k of Object.keys(o)) out[k] = copy((o as Record<string, unknown>)[k], seen);
  return out;
}
