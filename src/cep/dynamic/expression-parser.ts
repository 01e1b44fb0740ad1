/**
 * Parser of the condition language: a precedence-climbing parser from tokens to a small AST.
 *
 * ```
 * expr    := or
 * or      := and ('||' and)*
 * and     := eq ('&&' eq)*
 * eq      := rel (('==' | '!=') rel)*
 * rel     := add (('<' | '<=' | '>' | '>=') add | 'not'? 'in' '[' (expr (',' expr)*)? ']')?
 * add     := mul (('+' | '-') mul)*
 * mul     := unary (('*' | '/' | '%') unary)*
 * unary   := ('!' | '-') unary | primary
 * primary := number | string | 'true' | 'false' | 'null' | field | name '(' args ')' | '(' expr ')'
 * ```
 * `field` is a declared event field, possibly dotted (`card.country`). No assignment, no member calls, no
 * computed property access: nothing can reach outside the event and the declared functions.
 */
import { ExpressionError, tokenize, type Token } from './expression-lexer.ts';

export type BinaryOp = '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%';

/** The syntax tree. */
export type Expr =
  | { readonly k: 'lit'; readonly v: number | string | boolean | null; readonly pos: number }
  | { readonly k: 'field'; readonly path: string; readonly pos: number }
  | { readonly k: 'unary'; readonly op: '!' | '-'; readonly e: Expr; readonly pos: number }
  | { readonly k: 'binary'; readonly op: BinaryOp; readonly l: Expr; readonly r: Expr; readonly pos: number }
  | { readonly k: 'in'; readonly e: Expr; readonly list: readonly Expr[]; readonly negated: boolean; readonly pos: number }
  | { readonly k: 'call'; readonly fn: string; readonly args: readonly Expr[]; readonly pos: number };

const LEVELS: ReadonlyArray<readonly string[]> = [['||'], ['&&'], ['==', '!='], ['<', '<=', '>', '>='], ['+', '-'], ['*', '/', '%']];
const RESERVED = new Set(['true', 'false', 'null', 'in', 'not']);

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[], private readonly source: string) {}

  private peek(): Token {
    return this.tokens[this.i]!;
  }
  private isOp(text: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.text === text;
  }
  private isWord(text: string): boolean {
    const t = this.peek();
    return t.kind === 'ident' && t.text === text;
  }
  private fail(message: string, t = this.peek()): never {
    throw new ExpressionError(t.kind === 'eof' ? `${message}, found end of input` : `${message}, found "${t.text}"`, t.pos, this.source);
  }
  private expectOp(text: string): Token {
    if (!this.isOp(text)) this.fail(`expected "${text}"`);
    return this.tokens[this.i++]!;
  }

  parseAll(): Expr {
    if (this.peek().kind === 'eof') this.fail('expected an expression');
    const e = this.level(0);
    if (this.peek().kind !== 'eof') this.fail('expected an operator or the end of the expression');
    return e;
  }

  private level(n: number): Expr {
    if (n === LEVELS.length) return this.unary();
    let l = this.level(n + 1);
    for (;;) {
      const t = this.peek();
      if (n === 3 && (this.isWord('in') || this.isWord('not'))) {
        l = this.inList(l);
        continue;
      }
      if (t.kind !== 'op' || !LEVELS[n]!.includes(t.text)) return l;
      this.i++;
      const r = this.level(n + 1);
      l = { k: 'binary', op: t.text as BinaryOp, l, r, pos: t.pos };
    }
  }

  private inList(e: Expr): Expr {
    const start = this.peek();
    const negated = this.isWord('not');
    if (negated) this.i++;
    if (!this.isWord('in')) this.fail('expected "in"');
    this.i++;
    this.expectOp('[');
    const list: Expr[] = [];
    if (!this.isOp(']')) {
      for (;;) {
        list.push(this.level(0));
        if (this.isOp(']')) break;
        this.expectOp(',');
      }
    }
    this.expectOp(']');
    return { k: 'in', e, list, negated, pos: start.pos };
  }

  private unary(): Expr {
    const t = this.peek();
    if (t.kind === 'op' && (t.text === '!' || t.text === '-')) {
      this.i++;
      return { k: 'unary', op: t.text, e: this.unary(), pos: t.pos };
    }
    return this.primary();
  }

  private primary(): Expr {
    const t = this.peek();
    if (t.kind === 'num' || t.kind === 'str') {
      this.i++;
      return { k: 'lit', v: t.value!, pos: t.pos };
    }
    if (t.kind === 'op' && t.text === '(') {
      this.i++;
      const e = this.level(0);
      this.expectOp(')');
      return e;
    }
    if (t.kind === 'ident') {
      this.i++;
      if (t.text === 'true' || t.text === 'false') return { k: 'lit', v: t.text === 'true', pos: t.pos };
      if (t.text === 'null') return { k: 'lit', v: null, pos: t.pos };
      if (RESERVED.has(t.text)) this.fail('expected a value', t);
      if (this.isOp('(')) {
        if (t.text.includes('.')) this.fail('expected a function name', t);
        this.i++;
        const args: Expr[] = [];
        if (!this.isOp(')')) {
          for (;;) {
            args.push(this.level(0));
            if (this.isOp(')')) break;
            this.expectOp(',');
          }
        }
        this.expectOp(')');
        return { k: 'call', fn: t.text, args, pos: t.pos };
      }
      return { k: 'field', path: t.text, pos: t.pos };
    }
    this.fail('expected a value');
  }
}

/** Parses a condition. @throws ExpressionError with the position of the problem */
export function parseExpression(source: string): Expr {
  if (typeof source !== 'string') throw new ExpressionError(`expected an expression string, got ${typeof source}`, 0, String(source));
  return new Parser(tokenize(source), source).parseAll();
}
