/**
 * Dewey version numbers (Flink's `DeweyNumber`), as immutable arrays of integers.
 *
 * Every partial match carries a version; branching increases the last digit, taking an event appends a
 * digit. An edge of the shared buffer records the version of the match that created it, and extracting a
 * match follows only the edges its version is compatible with, so many partial matches can share one
 * buffer without mixing their events. Arrays are never mutated: helpers return the same array when
 * nothing changes, which keeps the common path allocation-free.
 */

/** A version: e.g. `[1, 0, 2]` is Flink's `1.0.2`. */
export type Dewey = readonly number[];



// Short versions are interned: every key of a keyed stream walks the same few versions ([1], [1, 0],
// [2, 0, 0] …), so sharing them saves an array per partial match. The intern table is a trie walked digit
// by digit (no key strings, no allocation on a hit), bounded by length, digit size and entry count;
// anything else is a fresh array built at its exact size.
interface TrieNode {
  readonly v: Dewey;
  readonly parent: TrieNode | null;
  readonly kids: Array<TrieNode | undefined>;
}
const ROOTS: Array<TrieNode | undefined> = [];
/** Interned version → its trie node (identity lookup: one hash probe per operation). */
const NODE_OF = new Map<Dewey, TrieNode>();
const INTERN_MAX_ENTRIES = 65_536;
const INTERN_MAX_LENGTH = 8;
const INTERN_MAX_DIGIT = 1024;

function child(parent: TrieNode | null, d: number): TrieNode | undefined {
  const kids = parent === null ? ROOTS : parent.kids;
  let n = kids[d];
  if (n === undefined && NODE_OF.size < INTERN_MAX_ENTRIES && d < INTERN_MAX_DIGIT) {
    const v = Object.freeze(parent === null ? [d] : [...parent.v, d]);
    n = { v, parent, kids: [] };
    kids[d] = n;
    NODE_OF.set(v, n);
  }
  return n;
}

/** The trie node for `v`, interning it (and its prefixes) if possible. */
function nodeOf(v: Dewey): TrieNode | undefined {
  const hit = NODE_OF.get(v);
  if (hit !== undefined || v.length > INTERN_MAX_LENGTH) return hit;
  let node: TrieNode | null = null;
  for (let i = 0; i < v.length; i++) {
    const next = child(node, v[i]!);
    if (next === undefined) return undefined;
    node = next;
  }
  return node ?? undefined;
}

/** The shared copy of a short version (or `v` itself when it is not interned). */
export function internDewey(v: Dewey): Dewey {
  return nodeOf(v)?.v ?? v;
}

/** The version with its last digit increased by `n` (the same array when `n` is 0). */
export function increase(v: Dewey, n: number): Dewey {
  if (n === 0) return v;
  const len = v.length;
  const last = v[len - 1]! + n;
  const node = NODE_OF.get(v);
  if (node !== undefined) {
    const hit = child(node.parent, last);
    if (hit !== undefined) return hit.v;
  }
  const out = new Array<number>(len);
  for (let i = 0; i < len - 1; i++) out[i] = v[i]!;
  out[len - 1] = last;
  return out;
}

/** The version with a new stage digit `0` appended. */
export function addStage(v: Dewey): Dewey {
  const n = v.length;
  if (n < INTERN_MAX_LENGTH) {
    const node = NODE_OF.get(v);
    if (node !== undefined) {
      const hit = child(node, 0);
      if (hit !== undefined) return hit.v;
    }
  }
  const out = new Array<number>(n + 1);
  for (let i = 0; i < n; i++) out[i] = v[i]!;
  out[n] = 0;
  return out;
}

/**
 * Whether a match at version `v` may follow an edge created at version `edge`: `edge` is a prefix of `v`,
 * or both have the same length, the same leading digits and `v`'s last digit is not smaller.
 */
export function isCompatibleWith(v: Dewey, edge: Dewey): boolean {
  const n = edge.length;
  if (v.length > n) {
    for (let i = 0; i < n; i++) if (v[i] !== edge[i]) return false;
    return true;
  }
  if (v.length === n) {
    const last = n - 1;
    for (let i = 0; i < last; i++) if (v[i] !== edge[i]) return false;
    return v[last]! >= edge[last]!;
  }
  return false;
}

/** `1.0.2`, for debugging. */
export function deweyToString(v: Dewey): string {
  return v.join('.');
}

/** The version of a fresh start state. */
export const START_VERSION: Dewey = internDewey([1]);
