// Bad input: invalid patterns are rejected when built or compiled, with a ConfigurationError naming the stage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigurationError } from '../../src/core/index.ts';
import { AfterMatchSkipStrategy as S, NFA, Pattern } from '../../src/cep/index.ts';
import { is, type Ev } from './cep-test-kit.ts';

const a = () => Pattern.begin<Ev>('a').where(is('a'));
function rejects(f: () => unknown, stage: string, pattern: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof ConfigurationError, `expected ConfigurationError, got ${String(e)}`);
    assert.match(e.message, new RegExp(`"${stage}"`));
    assert.match(e.message, pattern);
    return true;
  });
}

test('notFollowedBy as the last stage without within', () => {
  rejects(() => NFA.compile(a().notFollowedBy('nb').where(is('b'))), 'nb', /within/);
  NFA.compile(a().notFollowedBy('nb').where(is('b')).within(10));
  NFA.compile(a().within(10).notFollowedBy('nb').where(is('b')));
});

test('quantifiers and optional on a not-stage', () => {
  rejects(() => a().notFollowedBy('nb').oneOrMore(), 'nb', /not-stage/);
  rejects(() => a().notNext('nb').times(2), 'nb', /not-stage/);
  rejects(() => a().notNext('nb').optional(), 'nb', /not-stage/);
  rejects(() => a().notNext('nb').greedy(), 'nb', /not-stage/);
});

test('a not-stage after an optional stage', () => {
  rejects(() => a().followedBy('b').optional().notFollowedBy('nc'), 'nc', /optional stage "b"/);
});

test('duplicate stage names, groups included', () => {
  rejects(() => NFA.compile(a().followedBy('a')), 'a', /duplicate/);
  rejects(() => NFA.compile(a().followedBy(Pattern.begin<Ev>('x').followedBy('a'))), 'a', /duplicate/);
});

test('times(0), times(3, 2), times(0, 0), timesOrMore(0), quantifier applied twice', () => {
  rejects(() => a().times(0), 'a', /times\(0\)/);
  rejects(() => a().times(3, 2), 'a', /maximum is smaller/);
  rejects(() => a().times(0, 0), 'a', /both be 0/);
  rejects(() => a().timesOrMore(0), 'a', /at least 1/);
  rejects(() => a().times(1.5), 'a', /integers/);
  rejects(() => a().oneOrMore().times(2), 'a', /already applied/);
});

test('patterns of optional stages only are valid, as in Flink (their matches are never empty)', { timeout: 30_000 }, () => {
  NFA.compile(a().optional());
  NFA.compile(a().oneOrMore().optional());
  NFA.compile(a().optional().followedBy('b').optional());
  NFA.compile(a().optional().followedBy('b'));
});

test('until, greedy, consecutive, allowCombinations need a looping/times stage', () => {
  rejects(() => a().until(is('x')), 'a', /looping/);
  rejects(() => a().greedy(), 'a', /looping or times/);
  rejects(() => a().consecutive(), 'a', /looping or times/);
  rejects(() => a().allowCombinations(), 'a', /looping or times/);
  rejects(() => a().oneOrMore().until(is('x')).until(is('y')), 'a', /already/);
});

test('where/or/subtype/greedy on a group; non-function conditions; bad within', () => {
  const g = a().followedBy(Pattern.begin<Ev>('x'));
  rejects(() => g.where(is('a')), 'group\\(x\\)', /group/);
  rejects(() => g.oneOrMore().greedy(), 'group\\(x\\)', /group/);
  rejects(() => a().where(42 as never), 'a', /function/);
  rejects(() => a().within(0), 'a', /positive/);
  rejects(() => a().within(5, 'sideways' as never), 'a', /unknown type/);
  assert.throws(() => Pattern.begin<Ev>(''), ConfigurationError);
});

test('a skip strategy naming a missing stage', () => {
  rejects(() => NFA.compile(a().followedBy('b'), { skip: S.skipToFirst('zz') }), 'zz', /skip strategy/);
});
