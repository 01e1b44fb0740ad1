/**
 * {@link OperatorStateStore}: non-keyed state of one operator subtask (Flink's `OperatorStateStore`).
 * - `getListState`: a list whose elements are split evenly across subtasks on restore (even-split);
 * - `getUnionListState`: every subtask gets every element on restore (union);
 * - `getBroadcastState`: a map that every subtask holds an identical copy of; on restore each takes one copy.
 *
 * Snapshots are structured-clone-able ({@link OperatorStateSnapshot}); the pure function
 * {@link redistributeOperatorState} maps the snapshots of p subtasks to the inputs of p' subtasks
 * (Flink's `RoundRobinOperatorStateRepartitioner`):
 * - split: all elements, in subtask order, cut into p' contiguous chunks whose sizes differ by at most one;
 * - union: every new subtask gets all elements;
 * - broadcast: every new subtask gets one copy (the first subtask's that has the state).
 * No TTL on operator state (as in Flink).
 */
import { ConfigurationError } from '../../core/index.ts';
import type { ListStateDescriptor, MapStateDescriptor } from '../state-descriptor.ts';
import type { ListState, MapState } from '../internal-kv-state.ts';
import { packDetached, unpackState } from '../type-serializer.ts';
import { UserKeyMap } from '../backends/heap/user-key-map.ts';

/** How a state is redistributed when parallelism changes. */
export type OperatorStateMode = 'split' | 'union' | 'broadcast';

/** One state in an {@link OperatorStateSnapshot}: lists encode `T[]`, broadcast maps `[K, V][]`. */
export interface OperatorStateEntry {
  name: string;
  mode: OperatorStateMode;
  data: Uint8Array;
}

/** Operator state of one subtask (version 1). */
export interface OperatorStateSnapshot {
  version: 1;
  operatorId: string;
  states: OperatorStateEntry[];
}

/** A broadcast state: a MapState that every subtask holds identically. */
export type BroadcastState<K, V> = MapState<K, V>;

class OperatorListState<T> implements ListState<T> {
  items: T[] = [];
  get(): T[] {
    return this.items.slice();
  }
  add(v: T): void {
    this.items.push(v);
  }
  addAll(vs: T[]): void {
    for (const v of vs) this.items.push(v);
  }
  update(vs: T[]): void {
    this.items = vs.slice();
  }
  clear(): void {
    this.items = [];
  }
}

class OperatorBroadcastState<K, V> implements BroadcastState<K, V> {
  map = new UserKeyMap();
  get(k: K): V | undefined {
    return this.map.get(k) as V | undefined;
  }
  put(k: K, v: V): void {
    this.map.set(k, v);
  }
  putAll(m: Map<K, V> | Record<string, V>): void {
    for (const [k, v] of m instanceof Map ? m : Object.entries(m)) this.map.set(k, v);
  }
  remove(k: K): void {
    this.map.delete(k);
  }
  contains(k: K): boolean {
    return this.map.get(k) !== undefined;
  }
  entries(): IterableIterator<[K, V]> {
    return (this.map.entries() as Array<[K, V]>)[Symbol.iterator]();
  }
  keys(): IterableIterator<K> {
    return this.map.entries().map((e) => e[0] as K)[Symbol.iterator]();
  }
  values(): IterableIterator<V> {
    return this.map.entries().map((e) => e[1] as V)[Symbol.iterator]();
  }
  isEmpty(): boolean {
    return this.map.size === 0;
  }
  clear(): void {
    this.map = new UserKeyMap();
  }
}

type Registered = { mode: OperatorStateMode; list?: OperatorListState<unknown>; map?: OperatorBroadcastState<unknown, unknown> };

/** Non-keyed state of one operator subtask. */
export class OperatorStateStore {
  private readonly states = new Map<string, Registered>();
  private readonly restored = new Map<string, OperatorStateEntry>();

  constructor(readonly operatorId = '') {}

  /** A list state redistributed by even split. */
  getListState<T>(d: ListStateDescriptor<T>): ListState<T> {
    return this.list(d.name, 'split') as ListState<T>;
  }
  /** A list state whose full contents reach every subtask on restore. */
  getUnionListState<T>(d: ListStateDescriptor<T>): ListState<T> {
    return this.list(d.name, 'union') as ListState<T>;
  }
  /** A broadcast map state. */
  getBroadcastState<K, V>(d: MapStateDescriptor<K, V>): BroadcastState<K, V> {
    const r = this.register(d.name, 'broadcast');
    if (r.map === undefined) {
      r.map = new OperatorBroadcastState();
      const e = this.restored.get(d.name);
      if (e) for (const [k, v] of unpackState(e.data) as Array<[unknown, unknown]>) r.map.put(k, v);
    }
    return r.map as BroadcastState<K, V>;
  }
  /** List elements plus broadcast entries of the registered states (the state-size metric). */
  entryCount(): number {
    let n = 0;
    for (const r of this.states.values()) n += r.list !== undefined ? r.list.items.length : r.map !== undefined ? r.map.map.size : 0;
    return n;
  }
  getRegisteredStateNames(): string[] {
    return [...new Set([...this.states.keys(), ...this.restored.keys()])];
  }

  /** Captures every state (registered, or restored and not yet registered). */
  snapshot(): OperatorStateSnapshot {
    const states: OperatorStateEntry[] = [];
    for (const [name, r] of this.states) {
      const data = r.mode === 'broadcast' ? packDetached([...r.map!.map.entries()]) : packDetached(r.list!.items);
      states.push({ name, mode: r.mode, data });
    }
    for (const [name, e] of this.restored) if (!this.states.has(name)) states.push({ ...e, data: e.data.slice() });
    return { version: 1, operatorId: this.operatorId, states };
  }
  /** Restores this subtask's (already redistributed) snapshot. Call before registering states. */
  restore(s: OperatorStateSnapshot | undefined): void {
    if (s === undefined) return;
    if (s.version !== 1) throw new ConfigurationError(`unsupported operator state snapshot version ${String(s.version)}`);
    for (const e of s.states) {
      if (this.states.has(e.name)) throw new ConfigurationError(`operator state '${e.name}' restored after it was registered`);
      this.restored.set(e.name, e);
    }
  }

  private list(name: string, mode: OperatorStateMode): OperatorListState<unknown> {
    const r = this.register(name, mode);
    if (r.list === undefined) {
      r.list = new OperatorListState();
      const e = this.restored.get(name);
      if (e) r.list.items = unpackState(e.data) as unknown[];
    }
    return r.list;
  }
  private register(name: string, mode: OperatorStateMode): Registered {
    const had = this.states.get(name) ?? (this.restored.has(name) ? { mode: this.restored.get(name)!.mode } : undefined);
    if (had !== undefined && had.mode !== mode) {
      throw new ConfigurationError(`operator state '${name}' is ${modeName(had.mode)}, cannot register it as ${modeName(mode)}`);
    }
    let r = this.states.get(name);
    if (r === undefined) this.states.set(name, (r = { mode }));
    return r;
  }
}

function modeName(m: OperatorStateMode): string {
  return m === 'split' ? 'a list state' : m === 'union' ? 'a union list state' : 'a broadcast state';
}

/** Redistributes operator state to `newParallelism` subtasks; `snapshots[i]` is old subtask i's (or undefined). */
export function redistributeOperatorState(snapshots: Array<OperatorStateSnapshot | undefined>, newParallelism: number): OperatorStateSnapshot[] {
  if (!Number.isInteger(newParallelism) || newParallelism < 1) throw new ConfigurationError(`parallelism must be a positive integer, got ${newParallelism}`);
  const operatorId = snapshots.find((s) => s !== undefined)?.operatorId ?? '';
  const order: string[] = [];
  const modes = new Map<string, OperatorStateMode>();
  const parts = new Map<string, OperatorStateEntry[]>();
  for (const s of snapshots) {
    if (s === undefined) continue;
    if (s.version !== 1) throw new ConfigurationError(`unsupported operator state snapshot version ${String(s.version)}`);
    for (const e of s.states) {
      const m = modes.get(e.name);
      if (m === undefined) {
        modes.set(e.name, e.mode);
        order.push(e.name);
        parts.set(e.name, []);
      } else if (m !== e.mode) throw new ConfigurationError(`operator state '${e.name}' has mode ${m} in one subtask and ${e.mode} in another`);
      parts.get(e.name)!.push(e);
    }
  }
  const out: OperatorStateSnapshot[] = Array.from({ length: newParallelism }, () => ({ version: 1 as const, operatorId, states: [] }));
  for (const name of order) {
    const mode = modes.get(name)!;
    const ps = parts.get(name)!;
    if (mode === 'broadcast') {
      for (const o of out) o.states.push({ name, mode, data: ps[0]!.data.slice() });
      continue;
    }
    const all: unknown[] = [];
    for (const p of ps) for (const v of unpackState(p.data) as unknown[]) all.push(v);
    if (mode === 'union') {
      const data = packDetached(all);
      for (const o of out) o.states.push({ name, mode, data: data.slice() });
      continue;
    }
    const base = Math.floor(all.length / newParallelism);
    const extra = all.length % newParallelism;
    let at = 0;
    for (let i = 0; i < newParallelism; i++) {
      const n = base + (i < extra ? 1 : 0);
      out[i]!.states.push({ name, mode, data: packDetached(all.slice(at, at + n)) });
      at += n;
    }
  }
  return out;
}
