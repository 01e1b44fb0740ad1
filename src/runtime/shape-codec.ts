/**
 * The binary batch format: how a batch of records crosses a thread (and, later, a network) boundary.
 *
 * A batch is encoded by the *shape* of its records, derived from a record (or declared by the user):
 * numbers go into Float64 columns, booleans into byte columns, strings into per-batch dictionaries
 * (Nexmark's channels and URLs repeat) or, for a column whose values rarely repeat, in sequence; nested
 * plain objects are flattened into their fields' columns and arrays into an offsets column plus their
 * elements' columns. Encoders and decoders are generated per shape (`new Function`), so encoding a
 * record is a run of typed-array stores and decoding it one object literal, of one hidden class.
 *
 * A record that does not fit the shape (a missing or extra field, another type, a class instance
 * inside) is not an error: it is encoded with the general encoding (msgpack, which keeps Map, Set,
 * Date, BigInt and undefined; strings with lone surrogates travel as UTF-16, see
 * `core/lone-surrogates.ts`) and put back at its position. When most of a batch misfits, the encoder
 * derives the shape again from the next batch.
 *
 * Strings are one byte a character (Latin-1, ASCII included) when every character fits in a byte,
 * UTF-16 code units otherwise, so every JavaScript string (lone surrogates too) comes back as it was.
 *
 * A number column whose values in a batch are all 32-bit integers travels as Int32 and decodes to small
 * integers (Smis), as the sender's objects held them: decoding 1012 as the heap number 1012.0 would give
 * the receiver's objects a double field where objects of the same shape made in that thread (by a source
 * chained there, say) have an integer one, and V8 then deprecates their shared hidden class and
 * deoptimizes the code that touches them.
 *
 * On a live channel the writer and the reader also keep a *channel dictionary*: a repeating string is sent
 * once, with the batch that first holds it, and as a u32 id afterwards (see {@link BatchEncoder}).
 *
 * Layout (little-endian; every column starts 8-byte aligned):
 *   u32 MAGIC, u32 n, u32 flags (1: key groups present; 2: new channel-dictionary entries; 4: the reader
 *   empties its channel dictionary first), u32 shape-descriptor length, descriptor (UTF-8),
 *   f64[n] timestamps, u16[n] key groups (if any), new channel-dictionary entries (if any: u32 first id,
 *   u32 count, the strings), the shape's columns in order (a number column is
 *   u32 mode, then i32[n] when every value is a 32-bit integer (mode 1) or f64[n] (mode 0)), then the variable part:
 *   per string column its mode and strings (1: u32 ids and the batch's dictionary, string by string; 2: in
 *   sequence, u32 lengths then the strings one after another, as Latin-1 bytes or UTF-16; 3: u32 ids into the
 *   channel dictionary), per 'any' column (msgpack), misfit records (u32 count, u32[] positions, msgpack of
 *   the values).
 */
import { Packr } from 'msgpackr';
import { ElementKind, SerializationError, describeType, protectLoneSurrogates, type RecordBatch } from '../core/index.ts';
import type { RecordType } from '../api/index.ts';

/** A record's shape: what its columns are. */
export type Shape =
  | { k: 'num' }
  | { k: 'bool' }
  | { k: 'str' }
  | { k: 'obj'; keys: string[]; fields: Shape[] }
  | { k: 'arr'; el: Shape }
  /** Anything else (Map, Set, Date, null, mixed arrays …): the general encoding, value by value. */
  | { k: 'any' };

const packr = new Packr({ useRecords: true, moreTypes: true, mapsAsObjects: false });

const MAGIC = 0x65646432; // 'edd2'
/** The first format, without a mode word before number columns (every one f64): still read. */
const MAGIC_V1 = 0x65646431; // 'edd1'
/** The descriptor of a batch without a shape (no record seen yet): every record is in the general encoding. */
const NO_SHAPE = '-';
/**
 * Matches a character that does not fit in one byte. V8 keeps a string one byte a character when all its
 * characters do, and the regular expression's code for such strings fails at once without reading them:
 * the test costs the same for 10 characters as for a million.
 */
const NOT_LATIN1 = /[^\x00-\xff]/;
/** Characters joined into one string before a native copy (see `Bytes.sequence`). */
const JOIN_CHARS = 8192;
const MAX_DEPTH = 6;

/** Derives the shape of `v`. Functions and symbols are rejected (they cannot cross threads). */
export function deriveShape(v: unknown, path = 'the record', edge = '', depth = 0): Shape {
  switch (typeof v) {
    case 'number':
      return { k: 'num' };
    case 'string':
      return { k: 'str' };
    case 'boolean':
      return { k: 'bool' };
    case 'function':
    case 'symbol':
      throw new SerializationError(`a record on edge '${edge}' holds a ${describeType(v)} at ${path}: records crossing threads must be plain data`);
    case 'object': {
      if (v === null || depth >= MAX_DEPTH) return { k: 'any' };
      if (Array.isArray(v)) {
        if (v.length === 0) return { k: 'any' };
        const el = deriveShape(v[0], `${path}[0]`, edge, depth + 1);
        for (let i = 1; i < v.length; i++) if (!fits(el, v[i])) return { k: 'any' };
        return { k: 'arr', el };
      }
      if (Object.getPrototypeOf(v) !== Object.prototype) return { k: 'any' };
      const keys: string[] = [];
      const fields: Shape[] = [];
      for (const key in v) {
        if (key === '__proto__') return { k: 'any' };
        keys.push(key);
        fields.push(deriveShape((v as Record<string, unknown>)[key], `${path}.${key}`, edge, depth + 1));
      }
      if (keys.length === 0) return { k: 'any' };
      return { k: 'obj', keys, fields };
    }
    default:
      return { k: 'any' };
  }
}

/** The shape of a type declared with `returns()`. */
export function shapeOfRecordType(t: RecordType): Shape {
  if (t === 'number') return { k: 'num' };
  if (t === 'string') return { k: 'str' };
  if (t === 'boolean') return { k: 'bool' };
  if (t === 'any') return { k: 'any' };
  if (Array.isArray(t)) return { k: 'arr', el: shapeOfRecordType((t as readonly [RecordType])[0]) };
  const o = t as { readonly [field: string]: RecordType };
  const keys = Object.keys(o);
  return { k: 'obj', keys, fields: keys.map((k) => shapeOfRecordType(o[k]!)) };
}

/** Whether `v` fits shape `s` exactly (slow path: used while deriving shapes). */
function fits(s: Shape, v: unknown): boolean {
  switch (s.k) {
    case 'num':
      return typeof v === 'number';
    case 'str':
      return typeof v === 'string';
    case 'bool':
      return typeof v === 'boolean';
    case 'any':
      return true;
    case 'arr':
      return Array.isArray(v) && v.every((x) => fits(s.el, x));
    case 'obj': {
      if (typeof v !== 'object' || v === null || Object.getPrototypeOf(v) !== Object.prototype) return false;
      let n = 0;
      for (const _ in v) n++;
      return n === s.keys.length && s.keys.every((k, i) => k in v && fits(s.fields[i]!, (v as Record<string, unknown>)[k]));
    }
  }
}

/** A compact text form of a shape: travels with each batch and keys the decoder cache. */
export function describeShape(s: Shape): string {
  switch (s.k) {
    case 'num':
      return 'n';
    case 'str':
      return 's';
    case 'bool':
      return 'b';
    case 'any':
      return '*';
    case 'arr':
      return `[${describeShape(s.el)}]`;
    case 'obj':
      return `{${s.keys.map((k, i) => `${JSON.stringify(k)}:${describeShape(s.fields[i]!)}`).join(',')}}`;
  }
}

/** Parses {@link describeShape}'s text. */
export function parseShape(text: string): Shape {
  let p = 0;
  const parse = (): Shape => {
    const c = text[p++];
    if (c === 'n') return { k: 'num' };
    if (c === 's') return { k: 'str' };
    if (c === 'b') return { k: 'bool' };
    if (c === '*') return { k: 'any' };
    if (c === '[') {
      const el = parse();
      p++; // ]
      return { k: 'arr', el };
    }
    if (c === '{') {
      const keys: string[] = [];
      const fields: Shape[] = [];
      while (text[p] !== '}') {
        if (text[p] === ',') p++;
        // a JSON string: find its end (escaped quotes are preceded by a backslash)
        let q = p + 1;
        while (text[q] !== '"') q += text[q] === '\\' ? 2 : 1;
        keys.push(JSON.parse(text.slice(p, q + 1)) as string);
        p = q + 2; // past '":'
        fields.push(parse());
      }
      p++;
      return { k: 'obj', keys, fields };
    }
    throw new SerializationError(`malformed record shape in a batch: ${JSON.stringify(text)}`);
  };
  return parse();
}

/** The leaf columns of a shape, in order; arrays add an offsets column and nest their elements' columns. */
interface Column {
  kind: 'num' | 'bool' | 'str' | 'any' | 'off';
  /** 0: one value per record; else the array level whose elements fill it. */
  level: number;
}

/**
 * An encoder's storage for one batch, column by column. Record-level numeric, boolean, dictionary-id and
 * array-length columns are typed arrays sized to the batch; columns inside arrays are plain arrays (their
 * length is only known once the batch is encoded).
 */
interface EncodeColumns {
  cols: (Float64Array | Uint8Array | Uint32Array | unknown[])[];
  /** String dictionary per string column (dictionary mode), else undefined (sequence mode). */
  dicts: (Map<string, number> | undefined)[];
  /** Distinct strings (dictionary mode) or every string by position (sequence mode), per string column. */
  strs: (string | undefined)[][];
  /** Element counts per array level (index 0 unused). */
  counts: number[];
  /**
   * Per dictionary string column: compare each value with the column's previous one before looking it up
   * (a hit skips the lookup; a miss costs a string comparison), and how many values of the last batch
   * equalled their predecessor (counted either way: equal strings get equal ids).
   */
  useLast: boolean[];
  lastHits: number[];
}

interface Plan {
  columns: Column[];
  levels: number;
  /** Encodes records [0, n) of `v`; pushes the positions of records that do not fit onto `misfits`. */
  encode: (v: unknown[], n: number, c: EncodeColumns, misfits: number[]) => void;
  /** Decodes `n` records into `v`, skipping positions where `skip[i] === 1`. */
  decode: (n: number, cols: unknown[], v: unknown[], skip: Uint8Array | undefined) => void;
}

function buildPlan(shape: Shape): Plan {
  const columns: Column[] = [];
  let levels = 1;
  const pre: string[] = [];
  const body: string[] = [];
  const post: string[] = [];
  let tmp = 0;
  // `expr`: a local holding the value; `idx`: its position in its level's columns.
  const genEnc = (s: Shape, expr: string, idx: string, level: number): void => {
    const c = s.k === 'obj' ? -1 : columns.length;
    switch (s.k) {
      case 'num':
        columns.push({ kind: 'num', level });
        pre.push(`const C${c} = c.cols[${c}];`);
        body.push(`if (typeof ${expr} !== 'number') break fail; C${c}[${idx}] = ${expr};`);
        return;
      case 'bool':
        columns.push({ kind: 'bool', level });
        pre.push(`const C${c} = c.cols[${c}];`);
        body.push(`if (typeof ${expr} !== 'boolean') break fail; C${c}[${idx}] = ${expr} ? 1 : 0;`);
        return;
      case 'str':
        columns.push({ kind: 'str', level });
        pre.push(`const C${c} = c.cols[${c}], D${c} = c.dicts[${c}], S${c} = c.strs[${c}], U${c} = c.useLast[${c}]; let L${c} = null, LI${c} = -1, H${c} = 0;`);
        post.push(`c.lastHits[${c}] = H${c};`);
        body.push(
          `if (typeof ${expr} !== 'string') break fail;`,
          `if (D${c} === undefined) S${c}[${idx}] = ${expr};`,
          `else if (U${c} && ${expr} === L${c}) { C${c}[${idx}] = LI${c}; H${c}++; }`,
          `else { let id = D${c}.get(${expr}); if (id === undefined) { id = D${c}.size; D${c}.set(${expr}, id); S${c}.push(${expr}); } if (id === LI${c}) H${c}++; C${c}[${idx}] = id; L${c} = ${expr}; LI${c} = id; }`,
        );
        return;
      case 'any':
        columns.push({ kind: 'any', level });
        pre.push(`const C${c} = c.cols[${c}];`);
        body.push(`C${c}[${idx}] = ${expr};`);
        return;
      case 'obj': {
        body.push(`if (typeof ${expr} !== 'object' || ${expr} === null || Object.getPrototypeOf(${expr}) !== OP) break fail;`);
        body.push(`{ let kc = 0; for (const _ in ${expr}) kc++; if (kc !== ${s.keys.length}) break fail; }`);
        s.keys.forEach((k, i) => {
          const f = `v${tmp++}`;
          body.push(`const ${f} = ${expr}[${JSON.stringify(k)}];`);
          genEnc(s.fields[i]!, f, idx, level);
        });
        return;
      }
      case 'arr': {
        columns.push({ kind: 'off', level });
        const lv = levels++;
        const a = `v${tmp++}`;
        const j = `j${tmp++}`;
        const e = `e${lv}`;
        pre.push(`const C${c} = c.cols[${c}];`);
        body.push(`const ${a} = ${expr}; if (!Array.isArray(${a})) break fail; C${c}[${idx}] = ${a}.length;`);
        body.push(`for (let ${j} = 0; ${j} < ${a}.length; ${j}++) { const ${e} = E${lv}++; const x${lv} = ${a}[${j}];`);
        genEnc(s.el, `x${lv}`, e, lv);
        body.push(`}`);
        return;
      }
    }
  };
  genEnc(shape, 'r', 'i', 0);
  const counters = Array.from({ length: levels - 1 }, (_, k) => `E${k + 1} = 0`);
  const encSrc = `return function encodeRecords(v, n, c, misfits) {
${pre.join('\n')}
${counters.length > 0 ? `let ${counters.join(', ')};` : ''}
rec: for (let i = 0; i < n; i++) {
  const r = v[i];
  fail: {
${body.join('\n')}
    continue rec;
  }
  misfits.push(i);
}
${Array.from({ length: levels - 1 }, (_, k) => `c.counts[${k + 1}] = E${k + 1};`).join('\n')}
${post.join('\n')}
};`;
  const encode = new Function('OP', encSrc)(Object.prototype) as Plan['encode'];

  // Decoder: one expression per record; arrays call helpers that advance their level's cursor.
  let col = 0;
  const decPre: string[] = [];
  const helpers: string[] = [];
  const genDec = (s: Shape, idx: string): string => {
    if (s.k === 'obj') return `{ ${s.keys.map((k, i) => `${JSON.stringify(k)}: ${genDec(s.fields[i]!, idx)}`).join(', ')} }`;
    const c = col++;
    switch (s.k) {
      case 'num':
      case 'any':
        decPre.push(`C${c} = cols[${c}];`);
        return `C${c}[${idx}]`;
      case 'bool':
        decPre.push(`C${c} = cols[${c}];`);
        return `C${c}[${idx}] === 1`;
      case 'str':
        // [ids or undefined, strings]
        decPre.push(`I${c} = cols[${c}][0]; C${c} = cols[${c}][1];`);
        return `(I${c} === undefined ? C${c}[${idx}] : C${c}[I${c}[${idx}]])`;
      case 'arr': {
        decPre.push(`C${c} = cols[${c}];`);
        const h = helpers.length;
        const lv = h + 1;
        helpers.push(''); // reserve the slot before nested arrays take theirs
        const el = genDec(s.el, 'e');
        helpers[h] = `function arr${h}(n) { const out = new Array(n); for (let q = 0; q < n; q++) { const e = E${lv}++; out[q] = ${el}; } return out; }`;
        return `arr${h}(C${c}[${idx}])`;
      }
    }
  };
  const rec = genDec(shape, 'i');
  const vars = Array.from({ length: col }, (_, k) => `C${k}, I${k}`);
  const cursors = Array.from({ length: helpers.length }, (_, k) => `E${k + 1} = 0`);
  const decSrc = `let ${[...vars, ...cursors].join(', ')};
${helpers.join('\n')}
return function decodeRecords(n, cols, v, skip) {
${decPre.join('\n')}
${cursors.map((x) => x + ';').join(' ')}
if (skip === undefined) for (let i = 0; i < n; i++) v[i] = ${rec};
else for (let i = 0; i < n; i++) if (skip[i] !== 1) v[i] = ${rec};
};`;
  const decode = new Function(decSrc)() as Plan['decode'];
  return { columns, levels, encode, decode };
}

const plans = new Map<string, Plan>();
function planFor(desc: string, shape?: Shape): Plan {
  let p = plans.get(desc);
  if (p === undefined) {
    p = buildPlan(shape ?? parseShape(desc));
    plans.set(desc, p);
  }
  return p;
}

/** Buffer's own string copies (what `buf.write`/`toString` call, without their argument parsing). */
type FastBuffer = Buffer & {
  latin1Write(s: string, offset: number, length: number): number;
  ucs2Write(s: string, offset: number, length: number): number;
  latin1Slice(start: number, end: number): string;
  ucs2Slice(start: number, end: number): string;
};

/** A growable byte buffer that the encoder writes a batch into. */
class Bytes {
  buf = Buffer.allocUnsafeSlow(1 << 16) as FastBuffer;
  dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  pos = 0;
  ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const nb = Buffer.allocUnsafeSlow(size) as FastBuffer;
    this.buf.copy(nb, 0, 0, this.pos);
    this.buf = nb;
    this.dv = new DataView(nb.buffer, nb.byteOffset, nb.byteLength);
  }
  /** The bytes written, as a plain Uint8Array (whose `slice()` copies, unlike Buffer's). */
  view(): Uint8Array {
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.pos);
  }
  align8(): void {
    const p = (this.pos + 7) & ~7;
    this.ensure(p - this.pos);
    this.buf.fill(0, this.pos, p);
    this.pos = p;
  }
  u32(v: number): void {
    this.ensure(4);
    this.dv.setUint32(this.pos, v, true);
    this.pos += 4;
  }
  /** Copies a typed array's first `n` elements (aligned to 8 bytes first). */
  typed(a: Float64Array | Int32Array | Uint16Array | Uint32Array | Uint8Array, n: number): void {
    this.align8();
    const bytes = n * a.BYTES_PER_ELEMENT;
    this.ensure(bytes);
    this.buf.set(new Uint8Array(a.buffer, a.byteOffset, bytes), this.pos);
    this.pos += bytes;
  }
  /**
   * The strings `strs[0, n)` one after another (a hole as ''), `total` code units in all: u32 (1 when
   * UTF-16), u32 byte length, then the bytes, one a character when every character fits in a byte, else
   * as UTF-16.
   */
  sequence(strs: (string | undefined)[], n: number, total: number): void {
    this.ensure(8 + total * 2);
    const start = this.pos + 8;
    let p = start;
    let oneByte = true;
    // One native copy per run of strings instead of one per string (a call into C++ costs more than
    // copying a Nexmark `extra`): `join` copies a run into one string (a hole joins as ''), and when that
    // string is one byte a character, the test below answers without reading it. Runs stay well below
    // the size V8 allocates outside the young generation.
    for (let i = 0; i < n; ) {
      let j = i;
      let chars = 0;
      while (j < n && chars < JOIN_CHARS) chars += strs[j++]?.length ?? 0;
      const run = (i === 0 && j === strs.length ? strs : strs.slice(i, j)).join('');
      if (NOT_LATIN1.test(run)) {
        oneByte = false;
        break;
      }
      p += this.buf.latin1Write(run, p, run.length);
      i = j;
    }
    if (!oneByte) {
      p = start;
      for (let i = 0; i < n; i++) {
        const s = strs[i];
        if (s !== undefined) p += this.buf.ucs2Write(s, p, s.length * 2);
      }
    }
    this.dv.setUint32(this.pos, oneByte ? 0 : 1, true);
    this.dv.setUint32(this.pos + 4, p - start, true);
    this.pos = p;
  }

  /**
   * Writes `s` at `p` one byte a character and returns true when every character fits in a byte (ASCII and
   * Latin-1), else returns false (bytes written up to where that was found are garbage). Room for
   * `s.length` bytes is needed.
   */
  private oneByte(s: string, p: number): boolean {
    const n = s.length;
    const b = this.buf;
    if (n >= 24) {
      // a native copy pays from here on; the test costs nothing on a string V8 holds one byte a character
      if (NOT_LATIN1.test(s)) return false;
      b.latin1Write(s, p, n);
      return true;
    }
    for (let j = 0; j < n; j++) {
      const ch = s.charCodeAt(j);
      if (ch > 0xff) return false;
      b[p + j] = ch;
    }
    return true;
  }

  /** A string: u32 header (length × 2, + 1 when UTF-16), then its bytes (one a character) or UTF-16 code units. */
  str(s: string): void {
    const n = s.length;
    this.ensure(4 + n * 2);
    const b = this.buf;
    const p = this.pos + 4;
    if (this.oneByte(s, p)) {
      this.dv.setUint32(this.pos, n * 2, true);
      this.pos = p + n;
    } else {
      this.dv.setUint32(this.pos, n * 2 + 1, true);
      b.ucs2Write(s, p, n * 2);
      this.pos = p + n * 2;
    }
  }
}


/** A dictionary column compares each value with the previous one when one value in this many (or more) equalled it in the last batch. */
const LAST_HIT_SHARE = 4;
/** Strings above this share of distinct values in a batch are sent in sequence next time, not by dictionary. */
const DICT_DISTINCT_RATIO = 0.5;
/** With a channel dictionary: a column whose batch added more than this share of its values as new entries is sent in sequence next time. */
const CHANNEL_NEW_RATIO = 0.75;
/** A column in sequence goes back to the channel dictionary when a sample finds at least this share of its strings repeated or known. */
const CHANNEL_SAMPLE_HITS = 0.25;
/** A channel dictionary starts over (and says so in the next batch) beyond this many entries … */
const CHANNEL_DICT_ENTRIES = 1 << 16;
/** … or this many characters in all. */
const CHANNEL_DICT_CHARS = 1 << 22;

/** Header flags. */
const FLAG_KEY_GROUPS = 1;
/** The batch carries new channel-dictionary entries (after the key groups: u32 base id, u32 count, the strings). */
const FLAG_DICT_ENTRIES = 2;
/** The reader empties its channel dictionary before reading the batch's entries. */
const FLAG_DICT_RESET = 4;
/** String column modes. */
const STR_BATCH_DICT = 1;
const STR_SEQUENCE = 2;
/** Ids into the channel dictionary (only on a channel whose writer and reader keep one: see {@link BatchEncoder}). */
const STR_CHANNEL_DICT = 3;

/**
 * Encodes record batches of one channel (or edge). Keeps the derived shape and, per string column,
 * whether a dictionary pays, from batch to batch.
 *
 * With `channelDictionary`, repeating strings go into one dictionary that lives as long as the channel:
 * a string is sent once, with the first batch that holds it, and by id afterwards (Nexmark's 10 000
 * channel names and URLs cost four bytes a record and no string on the reader's side once seen). Its
 * batches can only be read in order by one {@link BatchDecoder} that has read every batch before
 * them: the mode of a live channel, not of bytes that are kept (channel state is encoded without it).
 */
export class BatchEncoder {
  private desc = NO_SHAPE;
  private plan: Plan | undefined;
  private cols: EncodeColumns | undefined;
  private capacity = 0;
  /** Per string column: by dictionary (true) or in sequence (false). */
  private dictMode: boolean[] = [];
  /** The channel dictionary (string → id), when kept; ids are given in order, from 0. */
  private readonly chanDict: Map<string, number> | undefined;
  /** Strings added to the channel dictionary by the batch being encoded, in id order. */
  private readonly chanNew: string[] = [];
  /** Characters in the channel dictionary. */
  private chanChars = 0;
  /** The channel dictionary was emptied: the next batch tells the reader. */
  private chanReset = false;
  /** Per string column, its strings in sequence (kept apart from {@link chanNew}). */
  private seqStrs: (string | undefined)[][] = [];
  private readonly out = new Bytes();
  private readonly misfits: number[] = [];
  /** Batches encoded with the current shape. */
  private batches = 0;
  /** Scratch for number columns sent as Int32. */
  private ints = new Int32Array(64);

  constructor(
    private readonly edge: string,
    /** A shape declared by the user: no derivation. */
    declared?: Shape,
    /** Keep a dictionary of repeating strings for the channel's life (see the class comment). */
    channelDictionary = false,
  ) {
    this.chanDict = channelDictionary ? new Map() : undefined;
    if (declared !== undefined) this.setShape(declared);
  }

  /** The text of the shape in use ('-' before the first record). */
  get shape(): string {
    return this.desc;
  }

  private setShape(s: Shape): void {
    this.desc = describeShape(s);
    this.plan = planFor(this.desc, s);
    const cols = this.plan.columns;
    this.seqStrs = cols.map(() => []);
    this.cols = {
      cols: cols.map(() => []), dicts: cols.map(() => undefined), strs: this.seqStrs.slice(), counts: new Array<number>(this.plan.levels).fill(0),
      useLast: cols.map(() => true), lastHits: cols.map(() => 0),
    };
    this.dictMode = cols.map((c) => c.kind === 'str');
    this.capacity = 0;
  }

  /** Record-level columns as typed arrays of at least `n` entries. */
  private size(n: number): void {
    if (n <= this.capacity) return;
    const cap = Math.max(n, 64);
    const plan = this.plan!;
    const c = this.cols!;
    for (let k = 0; k < plan.columns.length; k++) {
      const col = plan.columns[k]!;
      if (col.level !== 0) continue;
      if (col.kind === 'num') c.cols[k] = new Float64Array(cap);
      else if (col.kind === 'bool') c.cols[k] = new Uint8Array(cap);
      else if (col.kind === 'str' || col.kind === 'off') c.cols[k] = new Uint32Array(cap);
    }
    this.capacity = cap;
  }

  /** Encodes `b`; the bytes are valid until the next call (`slice()` them to keep them). */
  encode(b: RecordBatch): Uint8Array {
    const n = b.n;
    const v = b.v;
    if (this.plan === undefined && n > 0) this.setShape(deriveShape(v[0], 'the record', this.edge));
    const out = this.out;
    out.pos = 0;
    if (this.plan === undefined) {
      this.header(n, b, NO_SHAPE);
      this.fallbackAll(v, n);
      return out.view();
    }
    const plan = this.plan;
    const c = this.cols!;
    this.size(n);
    const chanBase = this.startChannelBatch();
    this.reset(c, plan, n);
    const misfits = this.misfits;
    misfits.length = 0;
    plan.encode(v, n, c, misfits);
    if (misfits.length > 0) {
      for (const i of misfits) checkPlain(v[i], this.edge);
      // A misfit may have advanced array cursors or filled nested columns before failing: arrays are
      // encoded again without the misfits (only batches with misfits and arrays take this path).
      if (plan.levels > 1) {
        this.reset(c, plan, n);
        const kept = v.slice(0, n);
        const skipped: number[] = [];
        for (const i of misfits) kept[i] = undefined;
        plan.encode(kept, n, c, skipped);
      }
    }
    this.header(n, b, this.desc);
    this.columns(n, c, plan);
    this.misfitSection(v);
    this.adapt(n, misfits.length, v, chanBase);
    return out.view();
  }

  /** Before a batch with a channel dictionary: empties it when full; returns the first id this batch may add. */
  private startChannelBatch(): number {
    const d = this.chanDict;
    if (d === undefined) return 0;
    this.chanNew.length = 0;
    if (d.size > CHANNEL_DICT_ENTRIES || this.chanChars > CHANNEL_DICT_CHARS) {
      d.clear();
      this.chanChars = 0;
      this.chanReset = true;
    }
    return d.size;
  }

  private reset(c: EncodeColumns, plan: Plan, n: number): void {
    for (let k = 0; k < plan.columns.length; k++) {
      const col = plan.columns[k]!;
      if (col.level !== 0 || col.kind === 'any') (c.cols[k] as unknown[]).length = 0;
      if (col.kind === 'str') {
        if (this.dictMode[k] && this.chanDict !== undefined) {
          // the channel dictionary's new entries are the batch's, kept across a second pass (see encode)
          c.dicts[k] = this.chanDict;
          c.strs[k] = this.chanNew;
          continue;
        }
        const strs = (c.strs[k] = this.seqStrs[k]!);
        if (this.dictMode[k]) {
          strs.length = 0; // the batch's distinct strings are pushed
          (c.dicts[k] ??= new Map()).clear();
        } else {
          // written by position: emptied in place, so the array keeps its room (setting its length to 0
          // would give up its storage, and it would grow again step by step); a slot left undefined is a
          // hole. Room left by a much bigger batch (array elements) is given up rather than cleared each time.
          if (strs.length > 8 * Math.max(n, 1024)) strs.length = 0;
          else strs.fill(undefined);
          c.dicts[k] = undefined;
        }
      }
    }
    c.counts.fill(0);
  }

  private header(n: number, b: RecordBatch, desc: string): void {
    const out = this.out;
    const entries = this.chanDict !== undefined && (this.chanNew.length > 0 || this.chanReset);
    out.u32(MAGIC);
    out.u32(n);
    out.u32((b.g !== undefined ? FLAG_KEY_GROUPS : 0) | (entries ? FLAG_DICT_ENTRIES : 0) | (entries && this.chanReset ? FLAG_DICT_RESET : 0));
    const d = Buffer.from(desc, 'utf8');
    out.u32(d.length);
    out.ensure(d.length);
    out.buf.set(d, out.pos);
    out.pos += d.length;
    out.typed(b.t, n);
    if (b.g !== undefined) out.typed(b.g, n);
    if (entries) {
      const fresh = this.chanNew;
      out.u32(this.chanDict!.size - fresh.length);
      out.u32(fresh.length);
      for (let j = 0; j < fresh.length; j++) {
        out.str(fresh[j]!);
        this.chanChars += fresh[j]!.length;
      }
      this.chanReset = false;
    }
  }

  private columns(n: number, c: EncodeColumns, plan: Plan): void {
    const out = this.out;
    for (let k = 0; k < plan.columns.length; k++) {
      const col = plan.columns[k]!;
      const len = col.level === 0 ? n : c.counts[col.level]!;
      const vals = c.cols[k]!;
      switch (col.kind) {
        case 'num': {
          const f = col.level === 0 ? (vals as Float64Array) : Float64Array.from(vals as number[]);
          const ints = this.int32s(f, len);
          out.u32(ints !== undefined ? 1 : 0);
          out.typed(ints ?? f, len);
          break;
        }
        case 'bool':
          if (col.level === 0) out.typed(vals as Uint8Array, len);
          else out.typed(Uint8Array.from(vals as number[]), len);
          break;
        case 'off':
          if (col.level === 0) {
            // a misfit's length slot holds what it wrote before failing: zero it
            const u = vals as Uint32Array;
            for (const i of this.misfits) u[i] = 0;
            out.typed(u, len);
          } else out.typed(Uint32Array.from(vals as number[]), len);
          break;
        case 'str': {
          const strs = c.strs[k]!;
          const d = c.dicts[k];
          if (d !== undefined) {
            // ids; the batch's own dictionary follows them (the channel dictionary's new entries are in the header)
            const channel = d === this.chanDict;
            out.u32(channel ? STR_CHANNEL_DICT : STR_BATCH_DICT);
            out.typed(col.level === 0 ? (vals as Uint32Array) : Uint32Array.from(vals as number[]), len);
            if (!channel) {
              out.u32(strs.length);
              for (let j = 0; j < strs.length; j++) out.str(strs[j]!);
            }
          } else {
            // in sequence, one per value (a misfit's slot is a hole: sent empty): their lengths, then the
            // strings one after another (one byte a character when they all fit, else UTF-16)
            out.u32(STR_SEQUENCE);
            out.align8();
            out.ensure(len * 4);
            const lens = new Uint32Array(out.buf.buffer, out.buf.byteOffset + out.pos, len);
            let total = 0;
            for (let i = 0; i < len; i++) total += lens[i] = strs[i]?.length ?? 0;
            out.pos += len * 4;
            out.sequence(strs, len, total);
          }
          break;
        }
        case 'any': {
          const arr = vals as unknown[];
          arr.length = len;
          if (col.level === 0) for (const i of this.misfits) arr[i] = undefined;
          for (let i = 0; i < len; i++) if (typeof arr[i] === 'object' || typeof arr[i] === 'function') checkPlain(arr[i], this.edge);
          const bytes = packOrThrow(arr, this.edge);
          out.u32(bytes.length);
          out.ensure(bytes.length);
          out.buf.set(bytes, out.pos);
          out.pos += bytes.length;
          break;
        }
      }
    }
  }

  /** `f`'s first `n` values as Int32 when every one is a 32-bit integer (and none is -0), else undefined. */
  private int32s(f: Float64Array, n: number): Int32Array | undefined {
    if (this.ints.length < n) this.ints = new Int32Array(Math.max(n, this.ints.length * 2));
    const a = this.ints;
    for (let i = 0; i < n; i++) {
      const x = f[i]!;
      const y = x | 0;
      if (y !== x || (y === 0 && 1 / x < 0)) return undefined;
      a[i] = y;
    }
    return a;
  }

  private misfitSection(v: unknown[]): void {
    const out = this.out;
    const m = this.misfits;
    out.u32(m.length);
    if (m.length === 0) return;
    for (const i of m) out.u32(i);
    const bytes = packOrThrow(
      m.map((i) => v[i]),
      this.edge,
    );
    out.u32(bytes.length);
    out.ensure(bytes.length);
    out.buf.set(bytes, out.pos);
    out.pos += bytes.length;
  }

  private fallbackAll(v: unknown[], n: number): void {
    const out = this.out;
    out.u32(n);
    for (let i = 0; i < n; i++) out.u32(i);
    const vals = v.length === n ? v : v.slice(0, n);
    for (const x of vals) checkPlain(x, this.edge);
    const bytes = packOrThrow(vals, this.edge);
    out.u32(bytes.length);
    out.ensure(bytes.length);
    out.buf.set(bytes, out.pos);
    out.pos += bytes.length;
  }

  /** After a batch: derive the shape again when most records missed it; pick dictionary or sequence per string column. */
  private adapt(n: number, misfits: number, v: unknown[], chanBase: number): void {
    if (n >= 16 && misfits * 2 > n) {
      this.setShape(deriveShape(v[this.misfits[0]!], 'the record', this.edge));
      return;
    }
    const plan = this.plan!;
    const c = this.cols!;
    this.batches++;
    for (let k = 0; k < plan.columns.length; k++) {
      const col = plan.columns[k]!;
      if (col.kind !== 'str') continue;
      const len = col.level === 0 ? n : c.counts[col.level]!;
      if (len < 16) continue;
      const d = c.dicts[k];
      // the comparison with the previous value pays when at least a quarter of the values repeat it
      if (d !== undefined) c.useLast[k] = c.lastHits[k]! * LAST_HIT_SHARE >= len;
      if (d !== undefined && d === this.chanDict) this.dictMode[k] = newIds(c.cols[k] as Uint32Array | number[], len, chanBase) <= len * CHANNEL_NEW_RATIO;
      else if (d !== undefined) this.dictMode[k] = d.size <= len * DICT_DISTINCT_RATIO;
      // a column in sequence is sampled every 8th batch (a sample builds a set of 64 strings)
      else if ((this.batches & 7) === 0) {
        const k64 = Math.min(len, 64);
        this.dictMode[k] = sampleHits(c.strs[k]!, k64, this.chanDict) >= k64 * (this.chanDict !== undefined ? CHANNEL_SAMPLE_HITS : 1 - DICT_DISTINCT_RATIO);
      }
    }
  }
}

/** How many of a column's `len` ids are new in this batch (at least `base`), counting each once. */
function newIds(ids: Uint32Array | number[], len: number, base: number): number {
  let fresh = 0;
  let top = base;
  // new ids are given in increasing order: one is first seen when it exceeds every earlier new id
  for (let i = 0; i < len; i++) {
    const id = ids[i]!;
    if (id >= top) {
      fresh++;
      top = id + 1;
    }
  }
  return fresh;
}

/**
 * Of the first `k` strings in sequence, how many repeat an earlier one of the sample or are already in the
 * channel dictionary `dict` (a sample of 64 decides whether a dictionary would pay).
 */
function sampleHits(strs: (string | undefined)[], k: number, dict: Map<string, number> | undefined): number {
  const m = new Set<string>();
  let hits = 0;
  for (let i = 0; i < k; i++) {
    const s = strs[i];
    if (s === undefined) continue; // a misfit's hole
    if (m.has(s) || dict?.has(s) === true) hits++;
    else m.add(s);
  }
  return hits;
}

function packOrThrow(v: unknown, edge: string): Uint8Array {
  try {
    return packr.pack(protectLoneSurrogates(v));
  } catch (e) {
    throw new SerializationError(`a record on edge '${edge}' cannot be encoded: ${(e as Error).message}`, e);
  }
}

const PLAIN_PROTOS = new Set<unknown>([Object.prototype, Array.prototype, null, Map.prototype, Set.prototype, Date.prototype]);

/** The general encoding would silently drop a function: a value it takes is checked deeply first. */
function checkPlain(v: unknown, edge: string, path = 'the record', depth = 0): void {
  const t = typeof v;
  if (t === 'function' || t === 'symbol')
    throw new SerializationError(`a record on edge '${edge}' holds a ${describeType(v)} at ${path}: records crossing threads must be plain data`);
  if (t !== 'object' || v === null || depth > 8) return;
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return;
  if (!PLAIN_PROTOS.has(Object.getPrototypeOf(v)))
    throw new SerializationError(`a record on edge '${edge}' holds an ${describeType(v)} at ${path}: convert class instances to plain objects before a network edge`);
  if (v instanceof Map) {
    for (const [k, x] of v) {
      checkPlain(k, edge, `${path}[key]`, depth + 1);
      checkPlain(x, edge, `${path}.get(${String(k)})`, depth + 1);
    }
  } else if (v instanceof Set) for (const x of v) checkPlain(x, edge, `${path}[member]`, depth + 1);
  else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) checkPlain(v[i], edge, `${path}[${i}]`, depth + 1);
  else for (const k in v) checkPlain((v as Record<string, unknown>)[k], edge, `${path}.${k}`, depth + 1);
}

/** Reads a string written by {@link Bytes.str}; returns it and the position after it. */
let strEnd = 0;
function readStr(b: FastBuffer, p: number): string {
  const h = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  p += 4;
  const n = h >>> 1;
  if ((h & 1) === 1) {
    strEnd = p + n * 2;
    return b.ucs2Slice(p, p + n * 2);
  }
  strEnd = p + n;
  return n < 16 ? shortAscii(b, p, n) : b.latin1Slice(p, p + n);
}

/** A one-byte (Latin-1) string of fewer than 16 bytes (cheaper in JavaScript than a native call). */
function shortAscii(b: Uint8Array, p: number, n: number): string {
  switch (n) {
    case 0:
      return '';
    case 1:
      return String.fromCharCode(b[p]!);
    case 2:
      return String.fromCharCode(b[p]!, b[p + 1]!);
    case 3:
      return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!);
    case 4:
      return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!);
    default: {
      let s = '';
      for (let j = 0; j < n; j++) s += String.fromCharCode(b[p + j]!);
      return s;
    }
  }
}

/**
 * Decodes a batch written by {@link BatchEncoder} without a channel dictionary (or the first batch of a
 * channel that keeps one). `bytes` may live in shared memory: everything the batch keeps (timestamps, key
 * groups, strings, values) is copied out of it.
 */
export function decodeBatchBytes(bytes: Uint8Array): RecordBatch {
  return decodeBatch(bytes, undefined);
}

/**
 * Reads the batches of one channel, in order, keeping the channel dictionary its {@link BatchEncoder}
 * keeps (see there).
 */
export class BatchDecoder {
  /** Id → string. */
  private readonly dict: string[] = [];
  decode(bytes: Uint8Array): RecordBatch {
    return decodeBatch(bytes, this.dict);
  }
}

function decodeBatch(bytes: Uint8Array, dict: string[] | undefined): RecordBatch {
  // columns are 8-byte aligned relative to the batch's start: typed views need the start aligned too
  if (bytes.byteOffset % 8 !== 0) bytes = bytes.slice();
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as FastBuffer;
  const magic = b.readUInt32LE(0);
  if (magic !== MAGIC && magic !== MAGIC_V1) throw new SerializationError('a record batch is malformed: wrong magic number');
  const numModes = magic === MAGIC;
  const n = b.readUInt32LE(4);
  const flags = b.readUInt32LE(8);
  const dl = b.readUInt32LE(12);
  const desc = b.toString('utf8', 16, 16 + dl);
  let p = 16 + dl;
  const al = (x: number): number => (x + 7) & ~7;
  p = al(p);
  const t = new Float64Array(n);
  t.set(new Float64Array(b.buffer, b.byteOffset + p, n));
  p += n * 8;
  let g: Uint16Array | undefined;
  if ((flags & FLAG_KEY_GROUPS) !== 0) {
    p = al(p);
    g = new Uint16Array(n);
    g.set(new Uint16Array(b.buffer, b.byteOffset + p, n));
    p += n * 2;
  }
  if ((flags & FLAG_DICT_ENTRIES) !== 0) {
    dict ??= [];
    if ((flags & FLAG_DICT_RESET) !== 0) dict.length = 0;
    const base = b.readUInt32LE(p);
    const count = b.readUInt32LE(p + 4);
    p += 8;
    if (base !== dict.length)
      throw new SerializationError(`a record batch adds channel-dictionary entries from id ${base}, but its reader holds ${dict.length}: batches of a channel with a dictionary must be read in order, each once`);
    for (let j = 0; j < count; j++) {
      dict.push(readStr(b, p));
      p = strEnd;
    }
  }
  const v = new Array<unknown>(n);
  if (desc === NO_SHAPE) {
    readMisfits(b, p, v);
    return { k: ElementKind.Records, v, t, n, g };
  }
  const plan = planFor(desc);
  const cols: unknown[] = [];
  /** Id columns into the channel dictionary, each followed by its array level. */
  let chanIds: (Uint32Array | number)[] | undefined;
  // element counts of array levels, found from their offsets columns as they are read
  const lens: number[] = [n];
  let level = 1;
  for (const col of plan.columns) {
    const len = lens[col.level]!;
    switch (col.kind) {
      case 'num': {
        let ints = false;
        if (numModes) {
          ints = b.readUInt32LE(p) === 1;
          p += 4;
        }
        p = al(p);
        if (ints) {
          cols.push(new Int32Array(b.buffer, b.byteOffset + p, len));
          p += len * 4;
        } else {
          cols.push(new Float64Array(b.buffer, b.byteOffset + p, len));
          p += len * 8;
        }
        break;
      }
      case 'bool':
        p = al(p);
        cols.push(b.subarray(p, p + len));
        p += len;
        break;
      case 'off': {
        p = al(p);
        const u = new Uint32Array(b.buffer, b.byteOffset + p, len);
        let total = 0;
        for (let i = 0; i < len; i++) total += u[i]!;
        lens[level++] = total;
        cols.push(u);
        p += len * 4;
        break;
      }
      case 'str': {
        const mode = b.readUInt32LE(p);
        p += 4;
        if (mode === STR_CHANNEL_DICT) {
          p = al(p);
          const ids = new Uint32Array(b.buffer, b.byteOffset + p, len);
          p += len * 4;
          (chanIds ??= []).push(ids, col.level);
          cols.push([ids, dict]);
          break;
        }
        if (mode === STR_SEQUENCE) {
          // in sequence: lengths, then the joined strings
          p = al(p);
          const lens = new Uint32Array(b.buffer, b.byteOffset + p, len);
          p += len * 4;
          const utf16 = b.readUInt32LE(p) === 1;
          const bl = b.readUInt32LE(p + 4);
          p += 8;
          const strs = new Array<string>(len);
          let q = p;
          if (utf16)
            for (let i = 0; i < len; i++) {
              const e = q + lens[i]! * 2;
              strs[i] = lens[i] === 0 ? '' : b.ucs2Slice(q, e);
              q = e;
            }
          else
            for (let i = 0; i < len; i++) {
              const l = lens[i]!;
              strs[i] = l < 16 ? shortAscii(b, q, l) : b.latin1Slice(q, q + l);
              q += l;
            }
          p += bl;
          cols.push([undefined, strs]);
          break;
        }
        let ids: Uint32Array | undefined;
        if (mode === STR_BATCH_DICT) {
          p = al(p);
          ids = new Uint32Array(b.buffer, b.byteOffset + p, len);
          p += len * 4;
        }
        const count = b.readUInt32LE(p);
        p += 4;
        const strs = new Array<string>(count);
        for (let j = 0; j < count; j++) {
          strs[j] = readStr(b, p);
          p = strEnd;
        }
        cols.push([ids, strs]);
        break;
      }
      case 'any': {
        const bl = b.readUInt32LE(p);
        p += 4;
        cols.push(unpackAt(b, p, p + bl) as unknown[]);
        p += bl;
        break;
      }
    }
  }
  const m = b.readUInt32LE(p);
  let skip: Uint8Array | undefined;
  if (m > 0) {
    skip = new Uint8Array(n);
    for (let j = 0; j < m; j++) skip[b.readUInt32LE(p + 4 + 4 * j)] = 1;
    readMisfits(b, p, v);
  }
  if (chanIds !== undefined) checkIds(chanIds, dict?.length ?? 0, skip);
  plan.decode(n, cols, v, skip);
  return { k: ElementKind.Records, v, t, n, g };
}

/** Channel-dictionary ids must name entries the reader holds (a misfit record's slot holds nothing). */
function checkIds(chanIds: (Uint32Array | number)[], size: number, skip: Uint8Array | undefined): void {
  for (let c = 0; c < chanIds.length; c += 2) {
    const ids = chanIds[c] as Uint32Array;
    const misfitsHere = chanIds[c + 1] === 0 ? skip : undefined;
    for (let i = 0; i < ids.length; i++)
      if (ids[i]! >= size && misfitsHere?.[i] !== 1)
        throw new SerializationError(`a record batch refers to channel-dictionary entry ${ids[i]}, but its reader holds ${size}: batches of a channel with a dictionary must be read in order`);
  }
}

/** msgpack from `b[start, end)`; copied first when `b` is shared memory (msgpackr's string decoding cannot read it). */
function unpackAt(b: Uint8Array, start: number, end: number): unknown {
  // Uint8Array#slice copies (Buffer#slice would not)
  const bytes = b.buffer instanceof SharedArrayBuffer ? Uint8Array.prototype.slice.call(b, start, end) : b.subarray(start, end);
  return packr.unpack(bytes);
}

function readMisfits(b: Buffer, p: number, v: unknown[]): number {
  const m = b.readUInt32LE(p);
  p += 4;
  if (m === 0) return p;
  const idx: number[] = [];
  for (let j = 0; j < m; j++) idx.push(b.readUInt32LE(p + 4 * j));
  p += 4 * m;
  const bl = b.readUInt32LE(p);
  p += 4;
  const vals = unpackAt(b, p, p + bl) as unknown[];
  for (let j = 0; j < m; j++) v[idx[j]!] = vals[j];
  return p + bl;
}
