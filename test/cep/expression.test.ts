// The condition language of dynamic patterns: parsing, type checking, evaluation and safe failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileCondition, compileExpression, ExpressionError, NFA, Pattern, type FieldTypes } from '../../src/cep/index.ts';

const F: FieldTypes = { amount: 'number', kind: 'string', ok: 'boolean', 'card.country': 'string' };
const ev = (x: string) => compileExpression(x, F);
const tx = { amount: 120, kind: 'card', ok: true, card: { country: 'FR' } };

test('arithmetic, precedence, comparison and logic', () => {
  assert.equal(ev('1 + 2 * 3').evaluate(tx), 7);
  assert.equal(ev('(1 + 2) * 3').evaluate(tx), 9);
  assert.equal(ev('-amount + 20 % 7').evaluate(tx), -114);
  assert.equal(ev('amount / 4 - 1').evaluate(tx), 29);
  assert.equal(ev('amount > 100 && kind == "card"').evaluate(tx), true);
  assert.equal(ev("amount > 100 && kind == 'wire' || !ok").evaluate(tx), false);
  assert.equal(ev('!(amount <= 120) || amount >= 120').evaluate(tx), true);
  assert.equal(ev('kind < "d" && kind != "x"').evaluate(tx), true);
  assert.equal(ev('"a" + kind').evaluate(tx), 'acard');
  assert.equal(ev('1.5e2 > amount').evaluate(tx), true);
});

test('in / not in, dotted fields and functions', () => {
  assert.equal(ev('kind in ["card", "wire"]').evaluate(tx), true);
  assert.equal(ev('amount not in [1, 2, 3]').evaluate(tx), true);
  assert.equal(ev('card.country == "FR"').evaluate(tx), true);
  assert.equal(ev('abs(0 - amount) + max(1, 5, 2) + min(4, 2)').evaluate(tx), 127);
  assert.equal(ev('upper(kind) == "CARD" && len(kind) == 4 && startsWith(kind, "ca") && contains(kind, "ar")').evaluate(tx), true);
  assert.equal(ev('round(2.5) + floor(1.9) + ceil(1.1)').evaluate(tx), 6);
});

test('missing or ill-typed fields read as null and compare false, without throwing', () => {
  const c = compileCondition('amount > 10', F);
  const ctx = { getEventsForPattern: () => [], timestamp: () => 0 };
  assert.equal(c({}, ctx), false);
  assert.equal(c({ amount: '50' }, ctx), false);
  assert.equal(c(null, ctx), false);
  assert.equal(compileCondition('kind == null', F)({}, ctx), true);
  assert.equal(compileCondition('card.country == "FR"', F)({ card: null }, ctx), false);
  // a bare boolean field is true only when it holds `true`
  assert.equal(compileCondition('ok', F)({ ok: 'yes' }, ctx), false);
  assert.equal(compileCondition('ok', F)({ ok: true }, ctx), true);
  assert.equal(compileCondition('!ok', F)({ ok: 'yes' }, ctx), true);
  // no prototype access: an inherited property is not an own field
  assert.equal(compileCondition('kind == "x"', F)(Object.create({ kind: 'x' }), ctx), false);
});

function rejects(src: string, reason: RegExp, position?: number): void {
  assert.throws(() => compileCondition(src, F, ['a', 'b']), (e: unknown) => {
    assert.ok(e instanceof ExpressionError, String(e));
    assert.match(e.message, reason);
    if (position !== undefined) assert.equal(e.position, position);
    return true;
  });
}

test('malformed expressions are rejected with a position', () => {
  rejects('amount >', /expected a value, found end of input/, 8);
  rejects('amount = 3', /did you mean "=="/, 7);
  rejects('amount > 3 &', /did you mean "&&"/, 11);
  rejects('(amount > 3', /expected "\)"/, 11);
  rejects('amount > 3 3', /expected an operator/, 11);
  rejects('kind == "abc', /unterminated string/, 8);
  rejects('amount # 2', /unexpected character/, 7);
  rejects('', /expected an expression/, 0);
  rejects('12abc > 1', /malformed number/, 0);
});

test('unknown fields, functions and type errors are rejected', () => {
  rejects('amnt > 3', /unknown field "amnt" \(declared: amount, kind, ok, card.country\)/, 0);
  rejects('evil(1)', /unknown function "evil"/, 0);
  rejects('constructor == 1', /unknown field "constructor"/, 0);
  rejects('amount > "3"', /two numbers or two strings/);
  rejects('amount && ok', /&& needs a boolean, got number/);
  rejects('amount + 1', /must be boolean, this one is number/);
  rejects('kind in [1, 2]', /list item of type number/);
  rejects('1 < 2 < 3', /two numbers or two strings, got boolean and number/);
  rejects('abs("x") > 1', /abs\(\) needs a number/);
  rejects('count("zz") > 1', /unknown stage "zz"/);
  rejects('sum("a", "kind") > 1', /needs a number field/);
  rejects('sum(kind, "amount") > 1', /string literals/);
  assert.throws(() => compileCondition('a > 1', { a: 'date' as never }), /unknown type "date"/);
  assert.throws(() => compileCondition('a > 1', { __proto__x: 'number', 'x.__proto__': 'number' }), /invalid field name/);
});

test('stage functions make iterative conditions', () => {
  type T = { kind: string; amount: number };
  const fields: FieldTypes = { kind: 'string', amount: 'number' };
  const stages = ['up'];
  const p = Pattern.begin<T>('up')
    .where(compileCondition<T>('kind == "t" && (count("up") == 0 || amount > last("up", "amount"))', fields, stages))
    .times(3).consecutive();
  const nfa = NFA.compile(p);
  const out = [1, 2, 3, 1, 5, 6, 7].flatMap((amount, i) => nfa.process({ kind: 't', amount }, i));
  assert.deepEqual(out.map((m) => m.get('up')!.map((e) => e.amount)), [[1, 2, 3], [1, 5, 6], [5, 6, 7]]);
  const s = compileExpression('sum("up", "amount") + avg("up", "amount")', fields, stages);
  assert.equal(s.type, 'number');
});
