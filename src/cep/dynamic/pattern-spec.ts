/**
 * Patterns as data: the JSON form of a pattern (stages, contiguity, quantifiers, `within`, skip strategy and
 * conditions in the expression language), its validation, and its compilation into a {@link Pattern}.
 *
 * ```json
 * { "id": "fraud", "version": 2,
 *   "fields": { "amount": "number", "kind": "string" },
 *   "stages": [
 *     { "name": "small", "where": "amount < 1" },
 *     { "name": "confirm", "contiguity": "notFollowedBy", "where": "kind == 'confirm'" },
 *     { "name": "large", "contiguity": "followedBy", "where": "amount > 500" } ],
 *   "within": 60000, "skip": "skipPastLastEvent" }
 * ```
 * Unknown keys, unknown fields and malformed expressions are rejected with a {@link PatternSpecError}
 * naming the pattern, version, stage and position.
 */
import { ConfigurationError } from '../../core/index.ts';
import { Pattern, type WithinType } from '../pattern/pattern.ts';
import { AfterMatchSkipStrategy } from '../pattern/after-match-skip-strategy.ts';
import { validatePattern } from '../pattern/validate-pattern.ts';
import { checkFieldTypes, compileCondition, type FieldTypes } from './expression-compiler.ts';

export type Contiguity = 'next' | 'followedBy' | 'followedByAny' | 'notNext' | 'notFollowedBy';
export type WithinSpec = number | { ms: number; type?: WithinType };
export type SkipSpec =
  | 'noSkip' | 'skipToNext' | 'skipPastLastEvent'
  | { strategy: 'noSkip' | 'skipToNext' | 'skipPastLastEvent' }
  | { strategy: 'skipToFirst' | 'skipToLast'; stage: string; throwExceptionOnMiss?: boolean };

/** One stage (or a group of stages with `group`). */
export interface StageSpec {
  name?: string;
  /** How the stage follows the previous one; not allowed on the first stage. Default `followedBy`. */
  contiguity?: Contiguity;
  where?: string;
  group?: StageSpec[];
  times?: number | [number, number];
  timesOrMore?: number;
  oneOrMore?: boolean;
  optional?: boolean;
  greedy?: boolean;
  consecutive?: boolean;
  allowCombinations?: boolean;
  until?: string;
  within?: WithinSpec;
}

/** A whole pattern, identified by id and version. */
export interface PatternSpec {
  id: string;
  version: number;
  /** Event fields conditions may read (merged over the fields given to the pattern set). */
  fields?: FieldTypes;
  stages: StageSpec[];
  within?: WithinSpec;
  skip?: SkipSpec;
}

/** A rejected pattern spec. */
export class PatternSpecError extends ConfigurationError {}

/** The compiled form of a spec. */
export interface CompiledSpec<T> {
  readonly id: string;
  readonly version: number;
  readonly pattern: Pattern<T, any>;
  readonly skip: AfterMatchSkipStrategy;
  readonly spec: PatternSpec;
}

const STAGE_KEYS = new Set(['name', 'contiguity', 'where', 'group', 'times', 'timesOrMore', 'oneOrMore', 'optional', 'greedy',
  'consecutive', 'allowCombinations', 'until', 'within']);
const SPEC_KEYS = new Set(['id', 'version', 'fields', 'stages', 'within', 'skip']);
const CONTIGUITIES = new Set(['next', 'followedBy', 'followedByAny', 'notNext', 'notFollowedBy']);

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

class SpecCompiler<T> {
  private readonly prefix: string;
  constructor(private readonly spec: PatternSpec, private readonly fields: FieldTypes, private readonly stageNames: Set<string>) {
    this.prefix = `dynamic pattern "${spec.id}" v${spec.version}`;
  }

  fail(where: string, message: string, cause?: unknown): never {
    throw new PatternSpecError(`${this.prefix}${where ? `, ${where}` : ''}: ${message}`, cause);
  }

  /** Runs `f`, re-throwing any ConfigurationError with the location prefixed. */
  at<R>(where: string, f: () => R): R {
    try {
      return f();
    } catch (e) {
      if (e instanceof PatternSpecError) throw e;
      if (e instanceof ConfigurationError) this.fail(where, e.message, e);
      throw e;
    }
  }

  chain(stages: unknown, path: string, skip: AfterMatchSkipStrategy): Pattern<T, any> {
    if (!Array.isArray(stages) || stages.length === 0) this.fail(path, 'stages must be a non-empty array');
    let p: Pattern<T, any> | null = null;
    stages.forEach((raw: unknown, i) => {
      const where = `${path}[${i}]${isObject(raw) && typeof raw.name === 'string' ? ` ("${raw.name}")` : ''}`;
      if (!isObject(raw)) this.fail(where, 'a stage must be an object');
      for (const k of Object.keys(raw)) if (!STAGE_KEYS.has(k)) this.fail(where, `unknown key "${k}"`);
      const s = raw as StageSpec;
      p = this.at(where, () => this.stage(s, p, i, where, skip));
    });
    return p!;
  }

  private stage(s: StageSpec, prev: Pattern<T, any> | null, i: number, where: string, skip: AfterMatchSkipStrategy): Pattern<T, any> {
    const isGroup = s.group !== undefined;
    if (isGroup === (s.name !== undefined)) this.fail(where, 'a stage needs exactly one of "name" or "group"');
    if (isGroup && (s.where !== undefined)) this.fail(where, 'a group cannot have "where"');
    const target: string | Pattern<T, any> = isGroup ? this.chain(s.group, `${where}.group`, skip) : this.name(s.name, where);
    let p: Pattern<T, any>;
    if (i === 0) {
      if (s.contiguity !== undefined) this.fail(where, 'the first stage has no contiguity');
      p = typeof target === 'string' ? Pattern.begin<T>(target, skip) : Pattern.begin<T>(target, skip);
    } else {
      const c = s.contiguity ?? 'followedBy';
      if (!CONTIGUITIES.has(c)) this.fail(where, `unknown contiguity ${JSON.stringify(c)} (use ${[...CONTIGUITIES].join(', ')})`);
      if ((c === 'notNext' || c === 'notFollowedBy') && typeof target !== 'string') this.fail(where, `${c} cannot take a group`);
      p = (prev as Pattern<T, any>)[c](target as string);
    }
    if (s.where !== undefined) p.where(this.condition(s.where, `${where}.where`));
    if (s.times !== undefined) {
      if (Array.isArray(s.times) && s.times.length === 2) p.times(s.times[0], s.times[1]);
      else if (typeof s.times === 'number') p.times(s.times);
      else this.fail(where, 'times must be a number or [min, max]');
    }
    if (s.timesOrMore !== undefined) p.timesOrMore(s.timesOrMore);
    if (this.flag(s.oneOrMore, 'oneOrMore', where)) p.oneOrMore();
    if (this.flag(s.optional, 'optional', where)) p.optional();
    if (this.flag(s.greedy, 'greedy', where)) p.greedy();
    if (this.flag(s.consecutive, 'consecutive', where)) p.consecutive();
    if (this.flag(s.allowCombinations, 'allowCombinations', where)) p.allowCombinations();
    if (s.until !== undefined) p.until(this.condition(s.until, `${where}.until`));
    if (s.within !== undefined) this.within(p, s.within, where);
    return p;
  }

  private name(n: unknown, where: string): string {
    if (typeof n !== 'string' || !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(n)) this.fail(where, `invalid stage name ${JSON.stringify(n)}`);
    return n;
  }

  private flag(v: unknown, key: string, where: string): boolean {
    if (v === undefined) return false;
    if (typeof v !== 'boolean') this.fail(where, `"${key}" must be true or false`);
    return v;
  }

  private condition(src: unknown, where: string) {
    if (typeof src !== 'string') this.fail(where, 'a condition must be an expression string');
    return this.at(where, () => compileCondition<T>(src, this.fields, this.stageNames));
  }

  within(p: Pattern<T, any>, w: unknown, where: string): void {
    if (typeof w === 'number') p.within(w);
    else if (isObject(w) && typeof w.ms === 'number') p.within(w.ms, (w.type ?? 'first-and-last') as WithinType);
    else this.fail(where, 'within must be a number of ms or { ms, type }');
  }

  skip(s: unknown): AfterMatchSkipStrategy {
    if (s === undefined) return AfterMatchSkipStrategy.noSkip();
    const o: Record<string, unknown> = typeof s === 'string' ? { strategy: s } : isObject(s) ? s : this.fail('skip', 'must be a string or an object');
    switch (o.strategy) {
      case 'noSkip': return AfterMatchSkipStrategy.noSkip();
      case 'skipToNext': return AfterMatchSkipStrategy.skipToNext();
      case 'skipPastLastEvent': return AfterMatchSkipStrategy.skipPastLastEvent();
      case 'skipToFirst':
      case 'skipToLast': {
        if (typeof o.stage !== 'string') this.fail('skip', `${o.strategy} needs "stage"`);
        const base = o.strategy === 'skipToFirst' ? AfterMatchSkipStrategy.skipToFirst(o.stage) : AfterMatchSkipStrategy.skipToLast(o.stage);
        return o.throwExceptionOnMiss === true ? base.throwExceptionOnMiss() : base;
      }
      default: this.fail('skip', `unknown strategy ${JSON.stringify(o.strategy)}`);
    }
  }
}

function collectNames(stages: unknown, out: Set<string>): void {
  if (!Array.isArray(stages)) return;
  for (const s of stages) {
    if (!isObject(s)) continue;
    if (typeof s.name === 'string') out.add(s.name);
    collectNames(s.group, out);
  }
}

/**
 * Validates a spec and builds its pattern.
 * @param baseFields fields declared for every pattern (a spec's own `fields` are merged over them)
 * @throws PatternSpecError naming pattern, version, stage and the problem
 */
export function compilePatternSpec<T>(spec: PatternSpec, baseFields: FieldTypes = {}): CompiledSpec<T> {
  if (!isObject(spec)) throw new PatternSpecError('dynamic pattern: a spec must be an object');
  if (typeof spec.id !== 'string' || spec.id.length === 0) throw new PatternSpecError('dynamic pattern: "id" must be a non-empty string');
  if (!Number.isInteger(spec.version) || spec.version < 1) throw new PatternSpecError(`dynamic pattern "${spec.id}": "version" must be an integer >= 1`);
  const fields = { ...baseFields, ...(isObject(spec.fields) ? (spec.fields as FieldTypes) : {}) };
  const names = new Set<string>();
  collectNames(spec.stages, names);
  const c = new SpecCompiler<T>(spec, fields, names);
  for (const k of Object.keys(spec)) if (!SPEC_KEYS.has(k)) c.fail('', `unknown key "${k}"`);
  if (spec.fields !== undefined && !isObject(spec.fields)) c.fail('fields', 'must be an object of name: type');
  c.at('fields', () => checkFieldTypes(fields));
  const skip = c.skip(spec.skip);
  const pattern = c.chain(spec.stages, 'stages', skip);
  if (spec.within !== undefined) c.at('within', () => c.within(pattern, spec.within, 'within'));
  c.at('', () => validatePattern(pattern, skip));
  return { id: spec.id, version: spec.version, pattern, skip, spec };
}
