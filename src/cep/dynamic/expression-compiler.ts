/**
 * Type-checks a parsed condition against the declared event fields and compiles it into a plain
 * {@link Condition} built from closures (no `eval`, no `Function`), once, when the pattern is added.
 *
 * Types are `number`, `string`, `boolean` and `null`. Fields must be declared (`{ amount: 'number' }`);
 * comparisons need two numbers or two strings, `&&`/`||`/`!` booleans, `==`/`!=` equal types or `null`.
 * Functions: `abs round floor ceil min max` (numbers), `lower upper trim len startsWith endsWith contains`
 * (strings), and over the current partial match (iterative conditions): `count("stage")`,
 * `sum("stage", "field")`, `avg(…)`, `first(…)`, `last(…)` (`null` when the stage took nothing).
 * At run time a field that is missing or of another type reads as `null` / compares false; nothing throws.
 */
import type { Condition, ConditionContext } from '../pattern/condition.ts';
import { ExpressionError } from './expression-lexer.ts';
import { parseExpression, type Expr } from './expression-parser.ts';

/** Declared type of an event field. */
export type FieldType = 'number' | 'string' | 'boolean';
/** Event fields a dynamic pattern may read: name (or dotted path) → type. */
export type FieldTypes = Readonly<Record<string, FieldType>>;
type Ty = FieldType | 'null';

type Ev = (e: unknown, ctx: ConditionContext<unknown>) => unknown;

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const NUM1: Record<string, (x: number) => number> = { abs: Math.abs, round: Math.round, floor: Math.floor, ceil: Math.ceil };
const STR1: Record<string, (s: string) => string> = { lower: (s) => s.toLowerCase(), upper: (s) => s.toUpperCase(), trim: (s) => s.trim() };
const STR2: Record<string, (a: string, b: string) => boolean> = {
  startsWith: (a, b) => a.startsWith(b),
  endsWith: (a, b) => a.endsWith(b),
  contains: (a, b) => a.includes(b),
};
const STAGE_FNS = new Set(['count', 'sum', 'avg', 'first', 'last']);

/** Checks that field names are plain identifiers (dotted paths allowed) and types are known. */
export function checkFieldTypes(fields: FieldTypes): void {
  for (const [name, type] of Object.entries(fields)) {
    if (!/^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$/.test(name) || name.split('.').some((s) => FORBIDDEN.has(s))) {
      throw new ExpressionError(`invalid field name ${JSON.stringify(name)}`, 0, name);
    }
    if (type !== 'number' && type !== 'string' && type !== 'boolean') {
      throw new ExpressionError(`field "${name}" has unknown type ${JSON.stringify(type)} (use number, string or boolean)`, 0, name);
    }
  }
}

/** Reads a (dotted) own property; anything missing or non-primitive reads as null. */
function getter(path: string): (e: unknown) => unknown {
  const segs = path.split('.');
  if (segs.length === 1) {
    const f = segs[0]!;
    return (e) => {
      if (e === null || typeof e !== 'object' || !Object.hasOwn(e, f)) return null;
      const v = (e as Record<string, unknown>)[f];
      return v === undefined ? null : v;
    };
  }
  return (e) => {
    let o: unknown = e;
    for (const s of segs) {
      if (o === null || typeof o !== 'object' || !Object.hasOwn(o, s)) return null;
      o = (o as Record<string, unknown>)[s];
    }
    return o === undefined ? null : o;
  };
}

function lt(a: unknown, b: unknown): boolean {
  return typeof a === typeof b && (typeof a === 'number' || typeof a === 'string') && (a as number) < (b as number);
}
function le(a: unknown, b: unknown): boolean {
  return typeof a === typeof b && (typeof a === 'number' || typeof a === 'string') && (a as number) <= (b as number);
}
function num(v: unknown): number {
  return typeof v === 'number' ? v : NaN;
}

class ExpressionCompiler {
  constructor(
    private readonly source: string,
    private readonly fields: FieldTypes,
    private readonly stages: ReadonlySet<string>,
  ) {}

  private fail(message: string, pos: number): never {
    throw new ExpressionError(message, pos, this.source);
  }

  compile(e: Expr): [Ev, Ty] {
    switch (e.k) {
      case 'lit': {
        const v = e.v;
        return [() => v, v === null ? 'null' : (typeof v as Ty)];
      }
      case 'field': {
        const t = this.fields[e.path];
        if (t === undefined || !Object.hasOwn(this.fields, e.path)) {
          const known = Object.keys(this.fields);
          this.fail(`unknown field "${e.path}" (declared: ${known.length ? known.join(', ') : 'none'})`, e.pos);
        }
        return [getter(e.path), t];
      }
      case 'unary': {
        const [f, t] = this.compile(e.e);
        if (e.op === '!') {
          this.want(t, 'boolean', '!', e.pos);
          return [(x, c) => f(x, c) !== true, 'boolean'];
        }
        this.want(t, 'number', 'unary -', e.pos);
        return [(x, c) => -num(f(x, c)), 'number'];
      }
      case 'binary':
        return this.binary(e);
      case 'in': {
        const [f, t] = this.compile(e.e);
        const items = e.list.map((x) => {
          const [g, u] = this.compile(x);
          if (x.k !== 'lit') this.fail('the list after "in" must hold literals', x.pos);
          if (u !== t && u !== 'null') this.fail(`list item of type ${u} cannot equal a ${t}`, x.pos);
          return g(null, undefined as never);
        });
        const set = new Set(items);
        const neg = e.negated;
        return [(x, c) => set.has(f(x, c)) !== neg, 'boolean'];
      }
      case 'call':
        return this.call(e);
    }
  }

  private want(t: Ty, want: Ty, op: string, pos: number): void {
    if (t !== want) this.fail(`${op} needs a ${want}, got ${t}`, pos);
  }

  private binary(e: Extract<Expr, { k: 'binary' }>): [Ev, Ty] {
    const [l, lt_] = this.compile(e.l);
    const [r, rt] = this.compile(e.r);
    switch (e.op) {
      case '&&':
      case '||':
        this.want(lt_, 'boolean', e.op, e.l.pos);
        this.want(rt, 'boolean', e.op, e.r.pos);
        return e.op === '&&' ? [(x, c) => l(x, c) === true && r(x, c) === true, 'boolean'] : [(x, c) => l(x, c) === true || r(x, c) === true, 'boolean'];
      case '==':
      case '!=': {
        if (lt_ !== rt && lt_ !== 'null' && rt !== 'null') this.fail(`cannot compare ${lt_} ${e.op} ${rt}`, e.pos);
        return e.op === '==' ? [(x, c) => l(x, c) === r(x, c), 'boolean'] : [(x, c) => l(x, c) !== r(x, c), 'boolean'];
      }
      case '<':
      case '<=':
      case '>':
      case '>=': {
        if (lt_ !== rt || (lt_ !== 'number' && lt_ !== 'string')) this.fail(`${e.op} needs two numbers or two strings, got ${lt_} and ${rt}`, e.pos);
        if (e.op === '<') return [(x, c) => lt(l(x, c), r(x, c)), 'boolean'];
        if (e.op === '<=') return [(x, c) => le(l(x, c), r(x, c)), 'boolean'];
        if (e.op === '>') return [(x, c) => lt(r(x, c), l(x, c)), 'boolean'];
        return [(x, c) => le(r(x, c), l(x, c)), 'boolean'];
      }
      case '+':
      case '-':
      case '*':
      case '/':
      case '%': {
        if (e.op === '+' && lt_ === 'string' && rt === 'string') return [(x, c) => `${l(x, c) ?? ''}${r(x, c) ?? ''}`, 'string'];
        if (lt_ !== 'number' || rt !== 'number') this.fail(`${e.op} needs two numbers${e.op === '+' ? ' or two strings' : ''}, got ${lt_} and ${rt}`, e.pos);
        switch (e.op) {
          case '+': return [(x, c) => num(l(x, c)) + num(r(x, c)), 'number'];
          case '-': return [(x, c) => num(l(x, c)) - num(r(x, c)), 'number'];
          case '*': return [(x, c) => num(l(x, c)) * num(r(x, c)), 'number'];
          case '/': return [(x, c) => num(l(x, c)) / num(r(x, c)), 'number'];
          default: return [(x, c) => num(l(x, c)) % num(r(x, c)), 'number'];
        }
      }
    }
  }

  private call(e: Extract<Expr, { k: 'call' }>): [Ev, Ty] {
    const { fn, args, pos } = e;
    const arity = (n: number) => {
      if (args.length !== n) this.fail(`${fn}() takes ${n} argument${n === 1 ? '' : 's'}, got ${args.length}`, pos);
    };
    if (STAGE_FNS.has(fn)) return this.stageCall(e);
    const compiled = args.map((a) => this.compile(a));
    const fns = compiled.map(([f]) => f);
    const types = compiled.map(([, t]) => t);
    const need = (t: Ty) => types.forEach((u, i) => this.want(u, t, `${fn}()`, args[i]!.pos));
    if (Object.hasOwn(NUM1, fn)) {
      arity(1);
      need('number');
      const g = NUM1[fn]!;
      const a = fns[0]!;
      return [(x, c) => g(num(a(x, c))), 'number'];
    }
    if (fn === 'min' || fn === 'max') {
      if (args.length < 1) this.fail(`${fn}() takes at least 1 argument`, pos);
      need('number');
      const g = fn === 'min' ? Math.min : Math.max;
      return [(x, c) => g(...fns.map((f) => num(f(x, c)))), 'number'];
    }
    if (Object.hasOwn(STR1, fn) || fn === 'len') {
      arity(1);
      need('string');
      const a = fns[0]!;
      if (fn === 'len') return [(x, c) => { const v = a(x, c); return typeof v === 'string' ? v.length : null; }, 'number'];
      const g = STR1[fn]!;
      return [(x, c) => { const v = a(x, c); return typeof v === 'string' ? g(v) : null; }, 'string'];
    }
    if (Object.hasOwn(STR2, fn)) {
      arity(2);
      need('string');
      const g = STR2[fn]!;
      const [a, b] = fns as [Ev, Ev];
      return [(x, c) => { const u = a(x, c); const v = b(x, c); return typeof u === 'string' && typeof v === 'string' && g(u, v); }, 'boolean'];
    }
    this.fail(`unknown function "${fn}" (known: abs, round, floor, ceil, min, max, lower, upper, trim, len, startsWith, endsWith, contains, count, sum, avg, first, last)`, pos);
  }

  private stageCall(e: Extract<Expr, { k: 'call' }>): [Ev, Ty] {
    const { fn, args, pos } = e;
    const want = fn === 'count' ? 1 : 2;
    if (args.length !== want) this.fail(`${fn}() takes ${want === 1 ? 'a stage name' : 'a stage name and a field name'}`, pos);
    const lit = args.map((a) => (a.k === 'lit' && typeof a.v === 'string' ? a.v : this.fail(`${fn}() needs string literals`, a.pos)));
    const stage = lit[0]!;
    if (!this.stages.has(stage)) this.fail(`unknown stage "${stage}" in ${fn}() (stages: ${[...this.stages].join(', ')})`, args[0]!.pos);
    if (fn === 'count') return [(_x, c) => c.getEventsForPattern(stage).length, 'number'];
    const field = lit[1]!;
    const ft = Object.hasOwn(this.fields, field) ? this.fields[field] : undefined;
    if (ft === undefined) this.fail(`unknown field "${field}" in ${fn}()`, args[1]!.pos);
    const get = getter(field);
    if (fn === 'first' || fn === 'last') {
      const first = fn === 'first';
      return [(_x, c) => {
        const evs = c.getEventsForPattern(stage);
        return evs.length === 0 ? null : get(first ? evs[0] : evs[evs.length - 1]);
      }, ft];
    }
    if (ft !== 'number') this.fail(`${fn}() needs a number field, "${field}" is ${ft}`, args[1]!.pos);
    const avg = fn === 'avg';
    return [(_x, c) => {
      const evs = c.getEventsForPattern(stage);
      let s = 0;
      for (const v of evs) s += num(get(v));
      return avg ? (evs.length === 0 ? null : s / evs.length) : s;
    }, 'number'];
  }
}

/**
 * Parses, type-checks and compiles a boolean condition over events with the declared fields.
 * @param stages stage names the stage functions (`count`, `sum`, …) may refer to
 * @throws ExpressionError (a ConfigurationError) with position and reason
 *
 * @example
 * ```ts
 * const big = compileCondition<Tx>('amount > 100 && kind in ["card", "wire"]', { amount: 'number', kind: 'string' });
 * ```
 */
export function compileCondition<T>(source: string, fields: FieldTypes, stages: Iterable<string> = []): Condition<T> {
  checkFieldTypes(fields);
  const ast = parseExpression(source);
  const [f, t] = new ExpressionCompiler(source, fields, new Set(stages)).compile(ast);
  if (t !== 'boolean') throw new ExpressionError(`a condition must be boolean, this one is ${t}`, 0, source);
  // operators always yield booleans; a bare field or first()/last() may hold anything at run time
  const yieldsBoolean = ast.k === 'binary' || ast.k === 'unary' || ast.k === 'in' || ast.k === 'lit';
  return (yieldsBoolean ? f : (e: unknown, c: ConditionContext<unknown>) => f(e, c) === true) as Condition<T>;
}

/** Compiles an expression of any type (for tests and tools); same checks as {@link compileCondition}. */
export function compileExpression(source: string, fields: FieldTypes, stages: Iterable<string> = []): { evaluate: (event: unknown) => unknown; type: Ty } {
  checkFieldTypes(fields);
  const [f, type] = new ExpressionCompiler(source, fields, new Set(stages)).compile(parseExpression(source));
  const none: ConditionContext<unknown> = { getEventsForPattern: () => [], timestamp: () => 0 };
  return { evaluate: (event) => f(event, none), type };
}
