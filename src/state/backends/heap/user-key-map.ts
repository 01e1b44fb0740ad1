/**
 * {@link UserKeyMap}: the map behind one heap `MapState` value. User map keys compare like stream keys:
 * strings and numbers are Map keys as they are (`-0` folded to `0`), other keys go to a second Map under
 * their canonical string, with the original key kept for iteration. Two Maps, so a string key can never
 * collide with the canonical form of an object key.
 */
import { canonicalKey } from '../../../core/index.ts';

/** A Map with value semantics for non-primitive keys. */
export class UserKeyMap {
  private readonly p = new Map<string | number, unknown>();
  private o: Map<string, [unknown, unknown]> | undefined;

  get(k: unknown): unknown {
    if (typeof k === 'string') return this.p.get(k);
    if (typeof k === 'number') return this.p.get(k === 0 ? 0 : k);
    return this.o?.get(canonicalKey(k))?.[1];
  }
  set(k: unknown, v: unknown): void {
    if (typeof k === 'string') this.p.set(k, v);
    else if (typeof k === 'number') this.p.set(k === 0 ? 0 : k, v);
    else (this.o ??= new Map()).set(canonicalKey(k), [k, v]);
  }
  delete(k: unknown): void {
    if (typeof k === 'string') this.p.delete(k);
    else if (typeof k === 'number') this.p.delete(k === 0 ? 0 : k);
    else this.o?.delete(canonicalKey(k));
  }
  get size(): number {
    return this.p.size + (this.o?.size ?? 0);
  }
  /** All entries as `[originalKey, value]` pairs (a fresh array). */
  entries(): Array<[unknown, unknown]> {
    const out: Array<[unknown, unknown]> = [...this.p];
    if (this.o) for (const e of this.o.values()) out.push([e[0], e[1]]);
    return out;
  }
  /** Removes the entries `purge` rejects (TTL); returns how many entries were examined. */
  purge(purge: (stored: unknown) => unknown): number {
    for (const [k, v] of this.p) if (purge(v) === undefined) this.p.delete(k);
    if (this.o) for (const [k, e] of this.o) if (purge(e[1]) === undefined) this.o.delete(k);
    return this.size;
  }
  static from(entries: Array<[unknown, unknown]>): UserKeyMap {
    const m = new UserKeyMap();
    for (const [k, v] of entries) m.set(k, v);
    return m;
  }
}
