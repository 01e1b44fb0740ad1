/**
 * {@link PendingEvents}: the in-memory side of the CEP operator's event-time buffer. Events that wait for
 * the watermark are kept here, by timestamp and key, instead of in the key's `MapState<timestamp, T[]>`
 * (`cep-event-buffer`), until a checkpoint: the operator moves them into that MapState just before the
 * checkpoint captures keyed state (`snapshotFunctionState`), so checkpoints and savepoints hold exactly
 * what they held before (the same state, the same timers) and restore, rescale and older snapshots work
 * unchanged.
 *
 * Why: with many keys, every buffered event cost two lookups of the key's state in a large table (add, then
 * take when the watermark passes), plus a `MapState` per key. Here both are lookups in a small, hot map
 * of the timestamps between the watermark and the newest event. Cost: O(1) per `add` and `take`.
 */

/** Two or more events of one (timestamp, key); a single event is stored as itself (most entries). */
class Several<T> {
  constructor(readonly events: T[]) {}
}

/** Events by timestamp and key, in arrival order. Not re-entrant; holds event references (no copies). */
export class PendingEvents<T> {
  /** timestamp → key id → the event, or several */
  private readonly byTs = new Map<number, Map<unknown, T | Several<T>>>();
  /** key id → original key, for keys that are not numbers or strings (flushing needs the key itself) */
  private readonly objectKeys = new Map<unknown, unknown>();
  /** Number of (timestamp, key) entries. */
  size = 0;

  /** Appends `event` for (`ts`, key); true when the entry is new (the caller then registers a timer). */
  add(ts: number, key: unknown, id: unknown, event: T): boolean {
    let byKey = this.byTs.get(ts);
    if (byKey === undefined) this.byTs.set(ts, (byKey = new Map()));
    if (byKey.has(id)) {
      const e = byKey.get(id)!;
      if (e instanceof Several) e.events.push(event);
      else byKey.set(id, new Several([e as T, event]));
      return false;
    }
    byKey.set(id, event);
    if (id !== key) this.objectKeys.set(id, key);
    this.size++;
    return true;
  }

  /** Removes and returns the events of (`ts`, key id), in arrival order. */
  take(ts: number, id: unknown): T[] | undefined {
    const byKey = this.byTs.get(ts);
    if (byKey === undefined) return undefined;
    if (!byKey.has(id)) return undefined;
    const e = byKey.get(id)!;
    if (byKey.size === 1) this.byTs.delete(ts);
    else byKey.delete(id);
    this.size--;
    if (this.objectKeys.size > 0) this.objectKeys.delete(id);
    return e instanceof Several ? e.events : [e as T];
  }

  /** Hands every entry to `fn` (timestamps ascending, then arrival order of keys) and empties the buffer. */
  drain(fn: (ts: number, key: unknown, events: T[]) => void): void {
    const stamps = [...this.byTs.keys()].sort((a, b) => a - b);
    for (const ts of stamps) {
      for (const [id, e] of this.byTs.get(ts)!) fn(ts, this.objectKeys.has(id) ? this.objectKeys.get(id) : id, e instanceof Several ? e.events : [e as T]);
    }
    this.byTs.clear();
    this.objectKeys.clear();
    this.size = 0;
  }
}
