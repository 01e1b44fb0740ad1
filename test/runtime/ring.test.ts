import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { FrameKind, Ring } from '../../src/runtime/ring.ts';

const T = { timeout: 120_000 };

test('frames come out in order and intact, across wrap-arounds, with batch credits', T, () => {
  const ring = new Ring(Ring.allocate(4096), 3);
  const reader = new Ring(ring.sab, 3);
  let next = 0;
  let seen = 0;
  const inFlight: number[] = [];
  for (let round = 0; round < 2000; round++) {
    const len = (round * 37) % 700;
    const payload = new Uint8Array(len).fill(next & 0xff);
    const kind = round % 5 === 0 ? FrameKind.Control : FrameKind.Batch;
    if (ring.tryWrite(kind, payload)) next++;
    // read and release some frames
    for (let f = reader.peek(); f !== undefined && (round % 3 !== 0 || inFlight.length < 2); f = reader.peek()) {
      assert.ok(f.bytes.every((b) => b === (seen & 0xff)), `frame ${seen} intact`);
      reader.advance(f);
      inFlight.push(f.end);
      seen++;
      if (inFlight.length > 1) reader.release(inFlight.shift()!, true);
    }
  }
  assert.ok(seen > 1000, `${seen} frames went through`);
});

test('a sender without credit or room is refused; a release tells a waiting sender', T, () => {
  const ring = new Ring(Ring.allocate(1024), 2);
  assert.ok(ring.tryWrite(FrameKind.Batch, new Uint8Array(10)));
  assert.ok(ring.tryWrite(FrameKind.Batch, new Uint8Array(10)));
  assert.equal(ring.tryWrite(FrameKind.Batch, new Uint8Array(10)), false, 'two batches in flight at most');
  assert.ok(ring.tryWrite(FrameKind.Control, new Uint8Array(10)), 'control frames need no batch credit');
  ring.setWaiting();
  const f = ring.peek()!;
  ring.advance(f);
  assert.equal(ring.release(f.end, true), true, 'the waiting sender is to be told');
  assert.ok(ring.tryWrite(FrameKind.Batch, new Uint8Array(10)));
  assert.equal(ring.tryWrite(FrameKind.Control, new Uint8Array(2000)), false, 'larger than the free room');
});

test('two threads: 50 000 frames of random sizes arrive in order with their contents', T, async () => {
  const sab = Ring.allocate(64 * 1024);
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    const HEADER = 64;
    const hdr = new Int32Array(workerData.sab, 0, 16);
    const cap = workerData.sab.byteLength - HEADER;
    const data = new Uint8Array(workerData.sab, HEADER, cap);
    const dv = new DataView(workerData.sab, HEADER, cap);
    let r = 0, n = 0, sum = 0;
    while (n < workerData.frames) {
      const w = Atomics.load(hdr, 0) >>> 0;
      if (w === r) continue;
      const at = r & (cap - 1);
      const len = dv.getUint32(at, true), kind = dv.getUint32(at + 4, true);
      const end = (r + ((8 + len + 7) & ~7)) >>> 0;
      if (kind !== 3) {
        if (len !== n % 1000) throw new Error('frame ' + n + ' has length ' + len);
        for (let j = 0; j < len; j++) if (data[at + 8 + j] !== ((n + j) & 0xff)) throw new Error('frame ' + n + ' corrupt at ' + j);
        sum += len; n++;
        Atomics.add(hdr, 3, 1);
      }
      r = end;
      Atomics.store(hdr, 1, r | 0);
    }
    parentPort.postMessage(sum);`;
  const frames = 50_000;
  const w = new Worker(code, { eval: true, workerData: { sab, frames } });
  const done = new Promise<number>((res, rej) => {
    w.once('message', res);
    w.once('error', rej);
  });
  const ring = new Ring(sab, 8);
  let expected = 0;
  for (let n = 0; n < frames; n++) {
    const len = n % 1000;
    const p = new Uint8Array(len);
    for (let j = 0; j < len; j++) p[j] = (n + j) & 0xff;
    while (!ring.tryWrite(FrameKind.Batch, p));
    expected += len;
  }
  assert.equal(await done, expected);
  await w.terminate();
});
