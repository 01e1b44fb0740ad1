/**
 * {@link InternalTimerService}: event-time and processing-time timers of one keyed operator subtask, per
 * (key, namespace, timestamp), deduplicated and deletable (Flink's `InternalTimerServiceImpl`). Timers live
 * on the heap for both backends (one {@link TimerQueue} per time domain — sorted runs for timers registered
 * in order, a heap for the rest — and a Map for deduplication) and are snapshotted by key group in the
 * canonical format, so they rescale with the keyed state.
 *
 * Firing sets the backend's current key before each callback. The watermark (or processing time) is
 * advanced before firing, so a timer registered during a callback for a time at or before it fires in the
 * same advance, after the timers already due (Flink behaviour).
 */
import { ConfigurationError, EddyError, keyIdentity, type KeyGroupRange } from '../../core/index.ts';
import type { KeyedStateBackend } from '../keyed-state-backend.ts';
import type { KeyGroupBlob } from '../keyed-state-snapshot.ts';
import type { Namespace } from '../internal-kv-state.ts';
import { packDetached, unpackState } from '../type-serializer.ts';
import type { Timer } from './timer-heap.ts';
import { TimerQueue } from './timer-queue.ts';

/** Called for each firing timer, with the backend's current key already set to `key`. */
export type OnTimer = (key: unknown, namespace: Namespace, timestamp: number) => void;

/** Snapshot of a timer service: blobs of `[domain (0 event, 1 processing), key, namespace, ts][]` per key group. */
export interface TimerServiceSnapshot {
  version: 1;
  name: string;
  maxParallelism: number;
  keyGroups: KeyGroupBlob[];
}

/** Timers due at one timestamp: one, a few, or namespace → key → timer. */
type TimerSlot = Timer | Timer[] | Map<Namespace, Map<unknown, Timer>>;
const SMALL_SLOT = 8;

function addToMap(m: Map<Namespace, Map<unknown, Timer>>, t: Timer): void {
  let byKey = m.get(t.ns);
  if (byKey === undefined) m.set(t.ns, (byKey = new Map()));
  byKey.set(t.id, t);
}

const EVENT = 0;
const PROCESSING = 1;

/** Timers of one keyed operator subtask. */
export class InternalTimerService {
  readonly name: string;
  private readonly queues = [new TimerQueue(), new TimerQueue()];
  /**
   * Deduplication index per domain: timestamp → the timers due then. Most timestamps hold one timer (CEP
   * registers one per event time) or a few, stored inline without allocating; a timestamp shared by many
   * (a window end, for every key of the window) gets a namespace → key → timer map. No composite string
   * ids: registering a timer allocates nothing but the timer for number and string keys.
   */
  private readonly index = [new Map<number, TimerSlot>(), new Map<number, TimerSlot>()];
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
    return this.queues[PROCESSING]!.peek()?.ts;
  }
  /** The earliest event-time timer, if any. */
  nextEventTime(): number | undefined {
    return this.queues[EVENT]!.peek()?.ts;
  }
  currentWatermark(): number {
    return this.watermark;
  }
  currentProcessingTime(): number {
    return this.processingTime;
  }
  numEventTimeTimers(): number {
    return this.queues[EVENT]!.size;
  }
  numProcessingTimeTimers(): number {
    return this.queues[PROCESSING]!.size;
  }

  /** Captures all timers, grouped by the key group of their key. */
  snapshot(): TimerServiceSnapshot {
    const groups = new Map<number, unknown[]>();
    for (const d of [EVENT, PROCESSING]) {
      for (const t of this.queues[d]!.values()) {
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

  private find(d: number, ns: Namespace, ts: number, id: unknown): Timer | undefined {
    const slot = this.index[d]!.get(ts);
    if (slot === undefined) return undefined;
    if (slot instanceof Map) return slot.get(ns)?.get(id);
    if (Array.isArray(slot)) {
      for (let i = 0; i < slot.length; i++) {
        const t = slot[i]!;
        if (t.id === id && t.ns === ns) return t;
      }
      return undefined;
    }
    return slot.id === id && slot.ns === ns ? slot : undefined;
  }
  private addToIndex(d: number, t: Timer): void {
    const byTs = this.index[d]!;
    const slot = byTs.get(t.ts);
    if (slot === undefined) byTs.set(t.ts, t);
    else if (slot instanceof Map) addToMap(slot, t);
    else if (Array.isArray(slot)) {
      if (slot.length < SMALL_SLOT) slot.push(t);
      else {
        const m = new Map<Namespace, Map<unknown, Timer>>();
        for (const x of slot) addToMap(m, x);
        addToMap(m, t);
        byTs.set(t.ts, m);
      }
    } else byTs.set(t.ts, [slot, t]);
  }
  private unindex(d: number, t: Timer): void {
    const byTs = this.index[d]!;
    const slot = byTs.get(t.ts);
    if (slot === undefined) return;
    if (slot instanceof Map) {
      const byKey = slot.get(t.ns);
      if (byKey === undefined) return;
      byKey.delete(t.id);
      if (byKey.size === 0) {
        slot.delete(t.ns);
        if (slot.size === 0) byTs.delete(t.ts);
      }
    } else if (Array.isArray(slot)) {
      const i = slot.indexOf(t);
      if (i >= 0) slot.splice(i, 1);
      if (slot.length === 1) byTs.set(t.ts, slot[0]!);
      else if (slot.length === 0) byTs.delete(t.ts);
    } else if (slot === t) byTs.delete(t.ts);
  }
  private register(d: number, ns: Namespace, ts: number): void {
    const key = this.backend.getCurrentKey();
    if (key === undefined) throw new EddyError(`timer registered outside a keyed context (operator ${this.backend.operatorId})`, { domain: 'user' });
    if (typeof ts !== 'number' || Number.isNaN(ts)) throw new ConfigurationError(`timer timestamp must be a number, got ${String(ts)}`);
    const id = keyIdentity(key);
    if (this.find(d, ns, ts, id) !== undefined) return;
    const t: Timer = { ts, key, ns, keyGroup: this.backend.getCurrentKeyGroup(), seq: this.seq++, id, pos: -1 };
    this.addToIndex(d, t);
    this.queues[d]!.push(t);
  }
  private delete(d: number, ns: Namespace, ts: number): void {
    const key = this.backend.getCurrentKey();
    if (key === undefined) return;
    const t = this.find(d, ns, ts, keyIdentity(key));
    if (t === undefined) return;
    this.unindex(d, t);
    this.queues[d]!.remove(t);
  }
  private fire(d: number, upTo: number, onTimer: OnTimer): void {
    const queue = this.queues[d]!;
    const top = queue.peek();
    if (top === undefined || top.ts > upTo) return;
    this.backend.batch(() => {
      for (let t = queue.pollUpTo(upTo); t !== undefined; t = queue.pollUpTo(upTo)) {
        this.unindex(d, t);
        this.backend.setCurrentKeyInGroup(t.key, t.keyGroup);
        onTimer(t.key, t.ns, t.ts);
      }
    });
  }
}
