/**
 * {@link InternalTimerService}: event-time and processing-time timers of one keyed operator subtask, per
 * (key, namespace, timestamp), deduplicated and deletable (Flink's `InternalTimerServiceImpl`). Timers live
 * on the heap for both backends (one {@link TimerHeap} per time domain and a Map for deduplication) and are
 * snapshotted by key group in the canonical format, so they rescale with the keyed state.
 *
 * Firing sets the backend's current key before each callback. The watermark (or processing time) is
 * advanced before firing, so a timer registered during a callback for a time at or before it fires in the
 * same advance, after the timers already due (Flink behaviour).
 */
import { ConfigurationError, EddyError, canonicalKey, type KeyGroupRange } from '../../core/index.ts';
import type { KeyedStateBackend } from '../keyed-state-backend.ts';
import type { KeyGroupBlob } from '../keyed-state-snapshot.ts';
import type { Namespace } from '../internal-kv-state.ts';
import { packDetached, unpackState } from '../type-serializer.ts';
import { TimerHeap, type Timer } from './timer-heap.ts';

/** Called for each firing timer, with the backend's current key already set to `key`. */
export type OnTimer = (key: unknown, namespace: Namespace, timestamp: number) => void;

/** Snapshot of a timer service: blobs of `[domain (0 event, 1 processing), key, namespace, ts][]` per key group. */
export interface TimerServiceSnapshot {
  version: 1;
  name: string;
  maxParallelism: number;
  keyGroups: KeyGroupBlob[];
}

/** Prefix of index ids of non-primitive keys (so they never equal a string key). */
const OBJECT_KEY_PREFIX = '\u0000\u0001key:';
const EVENT = 0;
const PROCESSING = 1;

/** Timers of one keyed operator subtask. */
export class InternalTimerService {
  readonly name: string;
  private readonly heaps = [new TimerHeap(), new TimerHeap()];
  /**
   * Deduplication index per domain: timestamp → namespace → key id → timer. Nested Maps instead of a
   * composite string id: registering a timer (several per record in sliding windows) allocates no string
   * for number and string keys.
   */
  private readonly index = [new Map<number, Map<Namespace, Map<unknown, Timer>>>(), new Map<number, Map<Namespace, Map<unknown, Timer>>>()];
  private watermark = -Infinity;
  private processingTime = -Infinity;
  private seq = 0;

  constructor(
    private readonly backend: KeyedStateBackend,
    opts: { name?: string } = {},
  ) {
    this.name = opts.name ?? 'timers';
  }

  registerEventTimeTimer(ns: Namespace, ts: number): void {
    this.register(EVENT, ns, ts);
  }
  registerProcessingTimeTimer(ns: Namespace, ts: number): void {
    this.register(PROCESSING, ns, ts);
  }
  deleteEventTimeTimer(ns: Namespace, ts: number): void {
    this.delete(EVENT, ns, ts);
  }
  deleteProcessingTimeTimer(ns: Namespace, ts: number): void {
    this.delete(PROCESSING, ns, ts);
  }

  /** Sets the watermark to `wm` and fires every event-time timer with `ts <= wm`, in timestamp order. */
  advanceWatermark(wm: number, onTimer: OnTimer): void {
    if (wm > this.watermark) this.watermark = wm;
    this.fire(EVENT, this.watermark, onTimer);
  }
  /** Sets processing time to `now` and fires every processing-time timer with `ts <= now`. */
  advanceProcessingTime(now: number, onTimer: OnTimer): void {
    if (now > this.processingTime) this.processingTime = now;
    this.fire(PROCESSING, this.processingTime, onTimer);
  }
  /** The earliest processing-time timer (to schedule a wake-up), if any. */
  nextProcessingTime(): number | undefined {
    return this.heaps[PROCESSING]!.peek()?.ts;
  }
  /** The earliest event-time timer, if any. */
  nextEventTime(): number | undefined {
    return this.heaps[EVENT]!.peek()?.ts;
  }
  currentWatermark(): number {
    return this.watermark;
  }
  currentProcessingTime(): number {
    return this.processingTime;
  }
  numEventTimeTimers(): number {
    return this.heaps[EVENT]!.size;
  }
  numProcessingTimeTimers(): number {
    return this.heaps[PROCESSING]!.size;
  }

  /** Captures all timers, grouped by the key group of their key. */
  snapshot(): TimerServiceSnapshot {
    const groups = new Map<number, unknown[]>();
    for (const d of [EVENT, PROCESSING]) {
      for (const t of this.heaps[d]!.values()) {
        let g = groups.get(t.keyGroup);
        if (g === undefined) groups.set(t.keyGroup, (g = []));
        g.push([d, t.key, t.ns, t.ts, t.seq]);
      }
    }
    const keyGroups = [...groups.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([keyGroup, entries]) => ({ keyGroup, data: packDetached((entries as number[][]).sort((a, b) => a[4]! - b[4]!).map((e) => e.slice(0, 4))) }));
    return { version: 1, name: this.name, maxParallelism: this.backend.maxParallelism, keyGroups };
  }

  /** Restores the timers of the key groups in the backend's range (any parallelism). Keeps the current key. */
  restore(snapshots: TimerServiceSnapshot[]): void {
    const range: KeyGroupRange = this.backend.keyGroupRange;
    const saved = this.backend.getCurrentKey();
    for (const s of snapshots) {
      if (s.version !== 1) throw new ConfigurationError(`unsupported timer snapshot version ${String(s.version)}`);
      if (s.maxParallelism !== this.backend.maxParallelism) {
        throw new ConfigurationError(`timer snapshot '${s.name}' has maxParallelism ${s.maxParallelism}, the job uses ${this.backend.maxParallelism}`);
      }
      for (const blob of s.keyGroups) {
        if (!range.contains(blob.keyGroup)) continue;
        for (const [d, key, ns, ts] of unpackState(blob.data) as Array<[number, unknown, Namespace, number]>) {
          this.backend.setCurrentKey(key);
          this.register(d, ns, ts);
        }
      }
    }
    if (saved === undefined) this.backend.clearCurrentKey();
    else this.backend.setCurrentKey(saved);
  }

  /** The key's identity in the index: numbers (with -0 as 0) and strings as themselves, other keys by canonical form. */
  private keyId(key: unknown): unknown {
    const t = typeof key;
    if (t === 'number') return (key as number) === 0 ? 0 : key;
    if (t === 'string') return key;
    return OBJECT_KEY_PREFIX + canonicalKey(key);
  }
  /** One-entry cache of the last (domain, ts, namespace) looked up: window operators register runs of timers for the same window. */
  private lastD = -1;
  private lastTs = NaN;
  private lastNs: Namespace | undefined;
  private lastByKey: Map<unknown, Timer> | undefined;

  private lookup(d: number, ns: Namespace, ts: number, create: boolean): Map<unknown, Timer> | undefined {
    if (d === this.lastD && ts === this.lastTs && ns === this.lastNs) return this.lastByKey;
    const r = this.lookupSlow(d, ns, ts, create);
    if (r !== undefined) {
      this.lastD = d;
      this.lastTs = ts;
      this.lastNs = ns;
      this.lastByKey = r;
    }
    return r;
  }

  private lookupSlow(d: number, ns: Namespace, ts: number, create: boolean): Map<unknown, Timer> | undefined {
    const byTs = this.index[d]!;
    let byNs = byTs.get(ts);
    if (byNs === undefined) {
      if (!create) return undefined;
      byTs.set(ts, (byNs = new Map()));
    }
    let byKey = byNs.get(ns);
    if (byKey === undefined) {
      if (!create) return undefined;
      byNs.set(ns, (byKey = new Map()));
    }
    return byKey;
  }
  private unindex(d: number, t: Timer): void {
    const byNs = this.index[d]!.get(t.ts);
    const byKey = byNs?.get(t.ns);
    if (byKey === undefined) return;
    byKey.delete(t.id);
    if (byKey.size === 0) {
      if (byKey === this.lastByKey) this.lastD = -1;
      byNs!.delete(t.ns);
      if (byNs!.size === 0) this.index[d]!.delete(t.ts);
    }
  }
  private register(d: number, ns: Namespace, ts: number): void {
    const key = this.backend.getCurrentKey();
    if (key === undefined) throw new EddyError(`timer registered outside a keyed context (operator ${this.backend.operatorId})`, { domain: 'user' });
    if (typeof ts !== 'number' || Number.isNaN(ts)) throw new ConfigurationError(`timer timestamp must be a number, got ${String(ts)}`);
    const byKey = this.lookup(d, ns, ts, true)!;
    const id = this.keyId(key);
    if (byKey.has(id)) return;
    const t: Timer = { ts, key, ns, keyGroup: this.backend.getCurrentKeyGroup(), seq: this.seq++, id, pos: -1 };
    byKey.set(id, t);
    this.heaps[d]!.push(t);
  }
  private delete(d: number, ns: Namespace, ts: number): void {
    const key = this.backend.getCurrentKey();
    if (key === undefined) return;
    const byKey = this.lookup(d, ns, ts, false);
    const t = byKey?.get(this.keyId(key));
    if (t === undefined) return;
    this.unindex(d, t);
    this.heaps[d]!.remove(t);
  }
  private fire(d: number, upTo: number, onTimer: OnTimer): void {
    const heap = this.heaps[d]!;
    const top = heap.peek();
    if (top === undefined || top.ts > upTo) return;
    this.backend.batch(() => {
      for (let t = heap.peek(); t !== undefined && t.ts <= upTo; t = heap.peek()) {
        heap.pop();
        this.unindex(d, t);
        this.backend.setCurrentKey(t.key);
        onTimer(t.key, t.ns, t.ts);
      }
    });
  }
}
