/**
 * What it costs to move a record from one thread to another: encode + transfer + decode, in ns per
 * record, for Nexmark bids, persons and auctions (the generator's own events, 1024 per batch), with
 * eddy's data plane next to the two usual ways:
 *
 * - eddy: the shape codec encodes the batch straight into a shared-memory ring frame; the reader
 *   decodes the frame and releases it (no message per batch); both ends keep the channel dictionary, as
 *   a live channel does;
 * - msgpackr: pack into a fresh buffer, post it through a MessagePort (transferred), receive it, unpack,
 *   and post a credit back (what eddy did before the data plane);
 * - structured clone: post the array of records through a MessagePort and receive it;
 * - for bids, a codec written by hand for the bid alone, through the same ring (the baseline: what eddy's
 *   generic codec costs over code that knows the record type).
 *
 * Both ends run in this one thread (the port is read with receiveMessageOnPort), so the figure is the
 * CPU time both threads spend per record, which is what limits a keyed job's speed-up.
 *
 *   node --import tsx bench/exchange.ts [batches] [--json]
 */
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { Packr } from 'msgpackr';
import { NexmarkGenerator, type BidEvent, type NexmarkEvent } from '../src/connectors/nexmark/index.ts';
import { ElementKind, type RecordBatch } from '../src/core/index.ts';
import { BatchDecoder, BatchEncoder } from '../src/runtime/shape-codec.ts';
import { FrameKind, Ring } from '../src/runtime/ring.ts';

const BATCH = 1024;
/** Buffer's own string copies, without the argument parsing of `write`/`toString`. */
type FastBuffer = Buffer & { latin1Write(s: string, offset: number, length: number): number; latin1Slice(start: number, end: number): string };
const args = process.argv.slice(2);
const ROUNDS = Number(args.find((a) => /^\d+$/.test(a)) ?? 2000);

function batchesOf(kind: NexmarkEvent['kind'], count: number): RecordBatch[] {
  const g = new NexmarkGenerator({ events: 50_000_000, seed: 1 });
  const out: RecordBatch[] = [];
  let cur: unknown[] = [];
  for (let e = g.next(); e !== undefined && out.length < count; e = g.next()) {
    if (e.kind !== kind) continue;
    cur.push(e);
    if (cur.length === BATCH) {
      out.push({ k: ElementKind.Records, v: cur, t: new Float64Array(BATCH).fill(1), n: BATCH, g: new Uint16Array(BATCH) });
      cur = [];
    }
  }
  return out;
}

let sink = 0;
/** Reads a field of every record so a decoder cannot skip work. */
function touch(v: unknown[]): void {
  for (let i = 0; i < v.length; i++) sink += (v[i] as { dateTime: number }).dateTime;
}

function eddy(batches: RecordBatch[]): () => void {
  // as a live channel: the writer and the reader keep the channel dictionary
  const enc = new BatchEncoder('bench', undefined, true);
  const dec = new BatchDecoder();
  const sab = Ring.allocate(4 << 20);
  const writer = new Ring(sab, 8);
  const reader = new Ring(sab, 8);
  let i = 0;
  return () => {
    const b = batches[i++ % batches.length]!;
    const bytes = enc.encode(b);
    if (!writer.tryWrite(FrameKind.Batch, bytes)) throw new Error(`ring full: ${bytes.length} bytes, ${writer.used} used`);
    const f = reader.peek()!;
    const out = dec.decode(f.bytes);
    reader.advance(f);
    reader.release(f.end, true);
    touch(out.v);
  };
}

/**
 * The baseline: a codec written by hand for the bid's eight fields, through the same ring. What a person
 * would write for this one record type: no shape, no type checks, no misfits. Numbers in Float64 columns,
 * `kind`, `channel` and `url` as ids into a dictionary both ends keep for the channel's life (new entries
 * travel with the batch), `extra` in sequence (one native copy for the batch when it is one byte a
 * character, as eddy's codec does), each `extra` decoded with one native call.
 */
function handWrittenBids(batches: RecordBatch[]): () => void {
  const sab = Ring.allocate(4 << 20);
  const writer = new Ring(sab, 8);
  const reader = new Ring(sab, 8);
  const out = Buffer.allocUnsafeSlow(1 << 20) as FastBuffer;
  const ids = new Map<string, number>();
  const fresh: string[] = [];
  const extras: string[] = [];
  const strings: string[] = [];
  const notLatin1 = /[^\x00-\xff]/;
  let i = 0;
  const idOf = (s: string): number => {
    let id = ids.get(s);
    if (id === undefined) {
      id = ids.size;
      ids.set(s, id);
      fresh.push(s);
    }
    return id;
  };
  return () => {
    const b = batches[i++ % batches.length]!;
    const v = b.v as BidEvent[];
    const n = b.n;
    // layout: u32 n, u32 new entries, u32 their offset, u32 0, f64[4n], u32[4n] (ids, extra lengths), extras, new entries
    const f64 = new Float64Array(out.buffer, out.byteOffset + 16, 4 * n);
    const u32 = new Uint32Array(out.buffer, out.byteOffset + 16 + 32 * n, 4 * n);
    fresh.length = 0;
    extras.length = n;
    for (let k = 0; k < n; k++) {
      const r = v[k]!;
      f64[k] = r.auction;
      f64[n + k] = r.bidder;
      f64[2 * n + k] = r.price;
      f64[3 * n + k] = r.dateTime;
      u32[k] = idOf(r.kind);
      u32[n + k] = idOf(r.channel);
      u32[2 * n + k] = idOf(r.url);
      u32[3 * n + k] = r.extra.length;
      extras[k] = r.extra;
    }
    const joined = extras.join('');
    if (notLatin1.test(joined)) throw new Error('the baseline handles one-byte text only');
    let p = 16 + 48 * n;
    p += out.latin1Write(joined, p, joined.length);
    const entries = p;
    for (const s of fresh) {
      out.writeUInt32LE(s.length, p);
      p += 4 + out.latin1Write(s, p + 4, s.length);
    }
    out.writeUInt32LE(n, 0);
    out.writeUInt32LE(fresh.length, 4);
    out.writeUInt32LE(entries, 8);
    if (!writer.tryWrite(FrameKind.Batch, out.subarray(0, p))) throw new Error('ring full');
    const f = reader.peek()!;
    const bytes = f.bytes;
    const rb = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length) as FastBuffer;
    const rn = rb.readUInt32LE(0);
    let rq = rb.readUInt32LE(8);
    for (let e = rb.readUInt32LE(4); e > 0; e--) {
      const len = rb.readUInt32LE(rq);
      strings.push(rb.latin1Slice(rq + 4, rq + 4 + len));
      rq += 4 + len;
    }
    const rf = new Float64Array(bytes.buffer, bytes.byteOffset + 16, 4 * rn);
    const ru = new Uint32Array(bytes.buffer, bytes.byteOffset + 16 + 32 * rn, 4 * rn);
    const recs = new Array<BidEvent>(rn);
    let x = 16 + 48 * rn;
    for (let k = 0; k < rn; k++) {
      const len = ru[3 * rn + k]!;
      recs[k] = {
        kind: strings[ru[k]!] as 'bid', auction: rf[k]!, bidder: rf[rn + k]!, price: rf[2 * rn + k]!,
        channel: strings[ru[rn + k]!]!, url: strings[ru[2 * rn + k]!]!, dateTime: rf[3 * rn + k]!, extra: rb.latin1Slice(x, x + len),
      };
      x += len;
    }
    if (i === 1 && JSON.stringify(recs) !== JSON.stringify(v.slice(0, n))) throw new Error('the hand-written codec decoded other bids than it encoded');
    reader.advance(f);
    reader.release(f.end, true);
    touch(recs);
  };
}

function msgpackr(batches: RecordBatch[]): () => void {
  const packr = new Packr({ useRecords: true, moreTypes: true, mapsAsObjects: false });
  const { port1, port2 } = new MessageChannel();
  let i = 0;
  return () => {
    const b = batches[i++ % batches.length]!;
    const bytes = packr.pack(b.v).slice();
    const t = b.t.slice();
    port1.postMessage([2, 0, bytes, t, b.n], [bytes.buffer as ArrayBuffer, t.buffer as ArrayBuffer]);
    const m = receiveMessageOnPort(port2)!.message as [number, number, Uint8Array];
    touch(packr.unpack(m[2]) as unknown[]);
    port2.postMessage([1, 0, 1]); // the credit back
    receiveMessageOnPort(port1);
  };
}

function clone(batches: RecordBatch[]): () => void {
  const { port1, port2 } = new MessageChannel();
  let i = 0;
  return () => {
    const b = batches[i++ % batches.length]!;
    port1.postMessage([0, b.v, b.t]);
    const m = receiveMessageOnPort(port2)!.message as [number, unknown[]];
    touch(m[1]);
    port2.postMessage([1, 0, 1]);
    receiveMessageOnPort(port1);
  };
}

function measure(step: () => void, rounds: number): number {
  for (let w = 0; w < Math.min(300, rounds); w++) step();
  let best = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    const t0 = process.cpuUsage();
    for (let r = 0; r < rounds; r++) step();
    const u = process.cpuUsage(t0);
    best = Math.min(best, ((u.user + u.system) * 1000) / (rounds * BATCH));
  }
  return best;
}

const result: Record<string, Record<string, number>> = {};
for (const kind of ['bid', 'person', 'auction'] as const) {
  // 67 batches, cycled: not a multiple of the encoder's sampling period, so a unique column sampled
  // again does not find the strings of its own earlier round (a live stream never repeats them)
  const batches = batchesOf(kind, 67);
  const rounds = kind === 'bid' ? ROUNDS : Math.max(50, ROUNDS / 8);
  const bytesPerRecord = (() => {
    const enc = new BatchEncoder('size', undefined, true);
    let total = 0;
    for (const b of batches) total += enc.encode(b).length;
    return total / (batches.length * BATCH);
  })();
  result[kind] = {
    eddyNs: measure(eddy(batches), rounds),
    ...(kind === 'bid' ? { handWrittenNs: measure(handWrittenBids(batches), rounds) } : {}),
    msgpackrNs: measure(msgpackr(batches), rounds),
    structuredCloneNs: measure(clone(batches), rounds),
    eddyBytesPerRecord: bytesPerRecord,
    msgpackrBytesPerRecord: (() => {
      const p = new Packr({ useRecords: true, moreTypes: true, mapsAsObjects: false });
      let total = 0;
      for (const b of batches) total += p.pack(b.v).length;
      return total / (batches.length * BATCH);
    })(),
  };
}
if (sink === 42) console.error('');
if (args.includes('--json')) process.stdout.write(JSON.stringify(result) + '\n');
else console.table(result);
