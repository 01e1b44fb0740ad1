/**
 * Tokenizer of the condition language used by dynamic patterns (see `expression-parser.ts` for the grammar).
 *
 * Tokens: numbers (`12`, `1.5`, `2e3`), strings in double or single quotes with `\` escapes, identifiers
 * (`amount`, `card.country`, `true`, `in`), and operators `( ) [ ] , ! && || == != < <= > >= + - * / %`.
 * Every token keeps its position so errors can point at it.
 */
import { ConfigurationError } from '../../core/index.ts';

/** A condition that failed to tokenize, parse or type-check. */
export class ExpressionError extends ConfigurationError {
  constructor(readonly reason: string, readonly position: number, readonly source: string) {
    super(`${reason} at position ${position} in ${JSON.stringify(source)}`);
  }
}

export type TokenKind = 'num' | 'str' | 'ident' | 'op' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** Operator text, identifier, or the string/number source. */
  readonly text: string;
  /** Parsed value of a `num` or `str` token. */
  readonly value?: number | string;
  readonly pos: number;
}

const TWO_CHAR = new Set(['&&', '||', '==', '!=', '<=', '>=']);
const ONE_CHAR = new Set(['(', ')', '[', ']', ',', '!', '<', '>', '+', '-', '*', '/', '%']);
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" };

/** Splits `source` into tokens, ending with an `eof` token. @throws ExpressionError */
export function tokenize(source: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if ((c >= '0' && c <= '9') || (c === '.' && /[0-9]/.test(source[i + 1] ?? ''))) {
      const m = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(source.slice(i))!;
      if (/[A-Za-z_]/.test(source[i + m[0].length] ?? '')) throw new ExpressionError('malformed number', i, source);
      out.push({ kind: 'num', text: m[0], value: Number(m[0]), pos: i });
      i += m[0].length;
    } else if (c === '"' || c === "'") {
      const start = i;
      let s = '';
      i++;
      for (;;) {
        if (i >= n) throw new ExpressionError('unterminated string', start, source);
        const d = source[i]!;
        if (d === c) break;
        if (d === '\\') {
          const e = ESCAPES[source[i + 1] ?? ''];
          if (e === undefined) throw new ExpressionError(`unknown escape \\${source[i + 1] ?? ''}`, i, source);
          s += e;
          i += 2;
        } else {
          s += d;
          i++;
        }
      }
      i++;
      out.push({ kind: 'str', text: source.slice(start, i), value: s, pos: start });
    } else if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*/.exec(source.slice(i))!;
      out.push({ kind: 'ident', text: m[0], pos: i });
      i += m[0].length;
    } else {
      const two = source.slice(i, i + 2);
      if (TWO_CHAR.has(two)) {
        out.push({ kind: 'op', text: two, pos: i });
        i += 2;
      } else if (ONE_CHAR.has(c)) {
        out.push({ kind: 'op', text: c, pos: i });
        i++;
      } else if (c === '=' || c === '&' || c === '|') {
        throw new ExpressionError(`unexpected "${c}" (did you mean "${c}${c}"?)`, i, source);
      } else {
        throw new ExpressionError(`unexpected character ${JSON.stringify(c)}`, i, source);
      }
    }
  }
  out.push({ kind: 'eof', text: '', pos: n });
  return out;
}
