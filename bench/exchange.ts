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
 * - structured clone: post the array of records through a MessagePort and receive it.
 *
 * Both ends run in this one thread (the port is read with receiveMessageOnPort), so the figure is the
 * CPU time both threads spend per record, which is what limits a keyed job's speed-up.
 *
 *   node --import tsx bench/exchange.ts [batches] [--json]
 */
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { Packr } from 'msgpackr';
import { NexmarkGenerator, type NexmarkEvent } from '../src/connectors/nexmark/index.ts';
import { ElementKind, type RecordBatch } from '../src/core/index.ts';
import { BatchDecoder, BatchEncoder } from '../src/runtime/shape-codec.ts';
import { FrameKind, Ring } from '../src/runtime/ring.ts';

const BATCH = 1024;
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
