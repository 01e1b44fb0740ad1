// Oracles: on seeded random inputs, the NFA's matches equal a brute-force enumeration of what the
// contiguity semantics define (followedByAny: every ordered triple; followedBy: first b after a, first c
// after that b; next: adjacent events), with and without `within`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NFA, Pattern } from '../../src/cep/index.ts';
import { is, type Ev } from './cep-test-kit.ts';

function input(seed: number, n: number): Array<[Ev, number]> {
  let s = seed;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  let ts = 0;
  return Array.from({ length: n }, (_, i) => {
    const type = 'abcx'[Math.floor(rnd() * 4)]!;
    ts += Math.floor(rnd() * 4);
    return [{ id: `${type}${i}`, type, v: 0 }, ts];
  });
}

function nfaMatches(p: Pattern<Ev, any>, evs: Array<[Ev, number]>): string[] {
  const nfa = NFA.compile(p);
  const out: string[] = [];
  for (const [e, ts] of evs) for (const m of nfa.process(e, ts)) out.push([...m.values()].flat().map((x) => x.id).join(' '));
  return out.sort();
}

const W = 12;
const abc = (c1: 'followedBy' | 'followedByAny' | 'next', c2: typeof c1, within: boolean) => {
  const p = Pattern.begin<Ev>('a').where(is('a'))[c1]('b').where(is('b'))[c2]('c').where(is('c'));
  return within ? p.within(W) : p;
};

function oracle(evs: Array<[Ev, number]>, mode: 'any' | 'next-first' | 'strict', within: boolean): string[] {
  const out: string[] = [];
  const ok = (i: number, k: number) => !within || evs[k]![1] - evs[i]![1] < W;
  const t = (i: number) => evs[i]![0].type;
  for (let i = 0; i < evs.length; i++) {
    if (t(i) !== 'a') continue;
    if (mode === 'any') {
      for (let j = i + 1; j < evs.length; j++) {
        if (t(j) !== 'b') continue;
        for (let k = j + 1; k < evs.length; k++) if (t(k) === 'c' && ok(i, k)) out.push(`a${i} b${j} c${k}`);
      }
    } else if (mode === 'next-first') {
      let j = i + 1;
      while (j < evs.length && t(j) !== 'b') j++;
      let k = j + 1;
      while (k < evs.length && t(k) !== 'c') k++;
      if (k < evs.length && ok(i, k)) out.push(`a${i} b${j} c${k}`);
    } else if (i + 2 < evs.length && t(i + 1) === 'b' && t(i + 2) === 'c' && ok(i, i + 2)) {
      out.push(`a${i} b${i + 1} c${i + 2}`);
    }
  }
  return out.sort();
}

for (const within of [false, true]) {
  test(`followedByAny equals every ordered (a, b, c)${within ? ' within the window' : ''}`, () => {
    for (let seed = 1; seed <= 20; seed++) {
      const evs = input(seed, 40);
      assert.deepEqual(nfaMatches(abc('followedByAny', 'followedByAny', within), evs), oracle(evs, 'any', within), `seed ${seed}`);
    }
  });
  test(`followedBy equals "first b after a, first c after b"${within ? ' within the window' : ''}`, () => {
    for (let seed = 1; seed <= 20; seed++) {
      const evs = input(seed, 60);
      assert.deepEqual(nfaMatches(abc('followedBy', 'followedBy', within), evs), oracle(evs, 'next-first', within), `seed ${seed}`);
    }
  });
  test(`next equals adjacent a b c${within ? ' within the window' : ''}`, () => {
    for (let seed = 1; seed <= 20; seed++) {
      const evs = input(seed, 200);
      assert.deepEqual(nfaMatches(abc('next', 'next', within), evs), oracle(evs, 'strict', within), `seed ${seed}`);
    }
  });
}
