/**
 * The registry of dynamic patterns: id → current version and its compiled NFA factory.
 *
 * Updates arrive as data (`{ op: 'upsert', spec }` / `{ op: 'remove', id }`, e.g. from a broadcast stream)
 * and are validated completely before anything changes, so a bad update never disturbs the running
 * patterns. Versions make updates idempotent and ordered: re-sending the current version is a no-op, an
 * older version is ignored as stale, and a different definition under the current version is rejected.
 * One registry serves every key: per-key state lives in {@link DynamicPatternSet}s, which follow the
 * registry's `revision`.
 */
import { ConfigurationError } from '../../core/index.ts';
import type { Pattern } from '../pattern/pattern.ts';
import { NFAFactory } from '../nfa/nfa-factory.ts';
import type { NFAOptions } from '../nfa/nfa-config.ts';
import type { FieldTypes } from './expression-compiler.ts';
import { compilePatternSpec, PatternSpecError, type PatternSpec } from './pattern-spec.ts';

/** A pattern update, as carried by a broadcast stream. */
export type PatternUpdate = { op: 'upsert'; spec: PatternSpec } | { op: 'remove'; id: string };

/** What an update did. */
export type UpdateResult = 'added' | 'replaced' | 'unchanged' | 'stale' | 'removed' | 'absent';

/** A registered pattern. */
export interface RegisteredPattern<T> {
  readonly id: string;
  readonly version: number;
  readonly factory: NFAFactory<T>;
  /** The JSON definition, or `null` for a pattern registered from code. */
  readonly spec: PatternSpec | null;
}

/** Options shared by every pattern of a registry. */
export interface PatternRegistryOptions {
  /** Event fields every pattern may read. */
  fields?: FieldTypes;
  /** Limits for each NFA (the skip strategy comes from each pattern). */
  nfa?: Omit<NFAOptions, 'skip'>;
}

/** The serialisable definitions of a registry (patterns registered from code are not included). */
export interface PatternRegistrySnapshot {
  readonly format: 1;
  readonly specs: PatternSpec[];
}

/**
 * Pattern definitions by id.
 *
 * @example
 * ```ts
 * const registry = new PatternRegistry<Reading>({ fields: { temp: 'number', host: 'string' } });
 * registry.apply({ op: 'upsert', spec: { id: 'hot', version: 1, stages: [{ name: 'h', where: 'temp > 90' }] } });
 * ```
 */
export class PatternRegistry<T> {
  private readonly entries = new Map<string, RegisteredPattern<T>>();
  /** Increases on every change; sets compare it to know when to resynchronise. */
  revision = 0;

  constructor(private readonly options: PatternRegistryOptions = {}) {}

  /** Applies an update. @throws PatternSpecError (nothing changed) when the update is invalid */
  apply(update: PatternUpdate): UpdateResult {
    if (update === null || typeof update !== 'object') throw new PatternSpecError('pattern update must be an object');
    if (update.op === 'upsert') return this.upsert(update.spec);
    if (update.op === 'remove') return this.remove(update.id);
    throw new PatternSpecError(`pattern update: unknown op ${JSON.stringify((update as { op?: unknown }).op)} (use upsert or remove)`);
  }

  /** Adds a pattern or replaces it with a newer version. */
  upsert(spec: PatternSpec): UpdateResult {
    const compiled = compilePatternSpec<T>(spec, this.options.fields);
    const current = this.entries.get(compiled.id);
    if (current !== undefined) {
      if (compiled.version < current.version) return 'stale';
      if (compiled.version === current.version) {
        if (current.spec !== null && JSON.stringify(current.spec) === JSON.stringify(spec)) return 'unchanged';
        throw new PatternSpecError(`dynamic pattern "${spec.id}" v${spec.version}: this version is already registered with a different definition; bump the version`);
      }
    }
    const factory = this.factory(compiled.pattern, compiled.skip, `dynamic pattern "${spec.id}" v${spec.version}`);
    return this.put({ id: compiled.id, version: compiled.version, factory, spec: structuredClone(spec) }, current !== undefined);
  }

  /** Registers a pattern written in code (not included in registry snapshots). */
  register(id: string, version: number, pattern: Pattern<T, any>, options: Pick<NFAOptions, 'skip'> = {}): UpdateResult {
    if (typeof id !== 'string' || id.length === 0) throw new ConfigurationError('dynamic pattern: id must be a non-empty string');
    if (!Number.isInteger(version) || version < 1) throw new ConfigurationError(`dynamic pattern "${id}": version must be an integer >= 1`);
    const current = this.entries.get(id);
    if (current !== undefined && version <= current.version) return version < current.version ? 'stale' : 'unchanged';
    const factory = this.factory(pattern, options.skip ?? pattern.getAfterMatchSkipStrategy(), `dynamic pattern "${id}" v${version}`);
    return this.put({ id, version, factory, spec: null }, current !== undefined);
  }

  /** Removes a pattern; its partial matches are dropped by every set on its next event. */
  remove(id: string): UpdateResult {
    if (!this.entries.delete(id)) return 'absent';
    this.revision++;
    return 'removed';
  }

  /** The current entry for `id`. */
  get(id: string): RegisteredPattern<T> | undefined {
    return this.entries.get(id);
  }

  /** Registered patterns, in registration order. */
  list(): RegisteredPattern<T>[] {
    return [...this.entries.values()];
  }

  /** The JSON definitions, to keep in broadcast state. */
  snapshot(): PatternRegistrySnapshot {
    return { format: 1, specs: this.list().flatMap((e) => (e.spec === null ? [] : [structuredClone(e.spec)])) };
  }

  /** Rebuilds a registry from {@link PatternRegistry.snapshot}. */
  static restore<T>(snapshot: PatternRegistrySnapshot, options: PatternRegistryOptions = {}): PatternRegistry<T> {
    if (snapshot?.format !== 1) throw new ConfigurationError('CEP: unknown pattern registry snapshot format');
    const r = new PatternRegistry<T>(options);
    for (const spec of snapshot.specs) r.upsert(spec);
    return r;
  }

  private factory(pattern: Pattern<T, any>, skip: NFAOptions['skip'], label: string): NFAFactory<T> {
    try {
      return NFAFactory.of(pattern, { ...this.options.nfa, skip });
    } catch (e) {
      if (e instanceof ConfigurationError && !(e instanceof PatternSpecError)) throw new PatternSpecError(`${label}: ${e.message}`, e);
      throw e;
    }
  }

  private put(entry: RegisteredPattern<T>, replacing: boolean): UpdateResult {
    this.entries.set(entry.id, entry);
    this.revision++;
    return replacing ? 'replaced' : 'added';
  }
}
