/**
 * The per-key runtime of dynamic patterns: one NFA per registered pattern, kept in step with a
 * {@link PatternRegistry}.
 *
 * Before each event (or time advance) the set compares the registry's revision with the one it last saw;
 * when it changed, NFAs of removed patterns and of replaced versions are dropped with their partial
 * matches, and new versions start clean. Every match is tagged with the pattern id and version that
 * produced it. Pure and synchronous, like the NFA: an operator keeps one set per key and snapshots it.
 */
import { ConfigurationError } from '../../core/index.ts';
import type { Match, NFA } from '../nfa/nfa.ts';
import type { NFASnapshot } from '../nfa/nfa-snapshot.ts';
import { PatternRegistry, type PatternUpdate, type UpdateResult } from './pattern-registry.ts';

/** A match and the pattern (id, version) that produced it. */
export interface TaggedMatch<T> {
  readonly patternId: string;
  readonly version: number;
  readonly match: Match<T>;
}

/** A timed-out partial match and its pattern. */
export interface TaggedTimedOutMatch<T> extends TaggedMatch<T> {
  readonly timestamp: number;
}

/** The serialisable per-key state of a set. */
export interface DynamicPatternSetSnapshot<T> {
  readonly format: 1;
  readonly nfas: Array<{ id: string; version: number; nfa: NFASnapshot<T> }>;
}

interface Running<T> {
  readonly id: string;
  readonly version: number;
  readonly nfa: NFA<T>;
}

/**
 * Runs every pattern of a registry over one key's events.
 *
 * @example
 * ```ts
 * const set = new DynamicPatternSet<Reading>(registry);
 * for (const m of set.process(reading, reading.ts)) alert(m.patternId, m.version, m.match);
 * ```
 */
export class DynamicPatternSet<T> {
  /** Partial matches dropped because their pattern was removed or replaced. */
  droppedOnUpdate = 0;
  private running: Running<T>[] = [];
  private seenRevision = -1;

  constructor(readonly registry: PatternRegistry<T> = new PatternRegistry<T>()) {}

  /** Applies an update to the registry (convenience for a set that owns its registry). */
  apply(update: PatternUpdate): UpdateResult {
    return this.registry.apply(update);
  }

  /** Feeds an event to every pattern; returns the matches, tagged. */
  process(event: T, timestamp: number): TaggedMatch<T>[] {
    this.sync();
    const out: TaggedMatch<T>[] = [];
    for (const r of this.running) {
      const ms = r.nfa.process(event, timestamp);
      for (let i = 0; i < ms.length; i++) out.push({ patternId: r.id, version: r.version, match: ms[i]! });
    }
    return out;
  }

  /** Advances time for every pattern (see `NFA.advanceTime`). */
  advanceTime(timestamp: number): { matches: TaggedMatch<T>[]; timedOut: TaggedTimedOutMatch<T>[] } {
    this.sync();
    const matches: TaggedMatch<T>[] = [];
    const timedOut: TaggedTimedOutMatch<T>[] = [];
    for (const r of this.running) {
      const res = r.nfa.advanceTime(timestamp);
      for (const match of res.matches) matches.push({ patternId: r.id, version: r.version, match });
      for (const t of res.timedOut) timedOut.push({ patternId: r.id, version: r.version, match: t.match, timestamp: t.timestamp });
    }
    return { matches, timedOut };
  }

  /** Whether a fresh set would take `event` in any pattern (an operator keeps no state for keys where not). */
  static canStart<T>(registry: PatternRegistry<T>, event: T, timestamp: number): boolean {
    for (const entry of registry.list()) if (entry.factory.canStart(event, timestamp)) return true;
    return false;
  }

  /** True when no pattern holds anything (the key's state can be cleared). */
  get isEmpty(): boolean {
    this.sync();
    for (const r of this.running) if (!r.nfa.isEmpty) return false;
    return true;
  }

  /** The earliest `NFA.nextTimeout` over the patterns. */
  nextTimeout(): number | undefined {
    let min: number | undefined;
    for (const r of this.running) {
      const t = r.nfa.nextTimeout();
      if (t !== undefined && (min === undefined || t < min)) min = t;
    }
    return min;
  }

  /** Partial matches dropped by `maxPartialMatches` (`drop-oldest`), over the running patterns. */
  get droppedPartialMatches(): number {
    let n = 0;
    for (const r of this.running) n += r.nfa.metrics.droppedPartialMatches;
    return n;
  }

  /** Open partial matches of the patterns this set runs now (without applying registry changes first). */
  get partialMatchCount(): number {
    let n = 0;
    for (const r of this.running) n += r.nfa.partialMatchCount;
    return n;
  }

  /** Open partial matches by pattern id. */
  partialMatchCounts(): Map<string, number> {
    this.sync();
    return new Map(this.running.map((r) => [r.id, r.nfa.partialMatchCount]));
  }

  /** The NFA state of every pattern, tagged with its version. */
  snapshot(): DynamicPatternSetSnapshot<T> {
    return { format: 1, nfas: this.running.map((r) => ({ id: r.id, version: r.version, nfa: r.nfa.snapshot() })) };
  }

  /** Rebuilds a set; NFAs whose pattern version is no longer registered are dropped. */
  static restore<T>(registry: PatternRegistry<T>, snapshot: DynamicPatternSetSnapshot<T>): DynamicPatternSet<T> {
    if (snapshot?.format !== 1) throw new ConfigurationError('CEP: unknown dynamic pattern set snapshot format');
    const set = new DynamicPatternSet(registry);
    const saved = new Map(snapshot.nfas.map((s) => [s.id, s]));
    for (const entry of registry.list()) {
      const s = saved.get(entry.id);
      const nfa = s !== undefined && s.version === entry.version ? entry.factory.restore(s.nfa) : entry.factory.create();
      set.running.push({ id: entry.id, version: entry.version, nfa });
    }
    set.seenRevision = registry.revision;
    return set;
  }

  private sync(): void {
    if (this.seenRevision === this.registry.revision) return;
    const old = new Map(this.running.map((r) => [r.id, r]));
    const next: Running<T>[] = [];
    for (const entry of this.registry.list()) {
      const r = old.get(entry.id);
      if (r !== undefined && r.version === entry.version) {
        next.push(r);
        old.delete(entry.id);
      } else {
        next.push({ id: entry.id, version: entry.version, nfa: entry.factory.create() });
      }
    }
    // what is left in `old` was removed or replaced: its partial matches are dropped
    for (const r of old.values()) this.droppedOnUpdate += r.nfa.partialMatchCount;
    this.running = next;
    this.seenRevision = this.registry.revision;
  }
}
