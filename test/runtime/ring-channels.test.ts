import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RingInputChannel, RingOutputChannel } from '../../src/runtime/ring-channels.ts';
import { Ring, WakeFlags } from '../../src/runtime/ring.ts';
import { ElementKind, type RecordBatch, type StreamElement } from '../../src/core/index.ts';

const T = { timeout: 60_000 };

/**
 * Both ends of one remote channel in this thread (sender in slot 0, receiver in slot 1); port messages are
 * delivered, and the sender's slot takes its turn (retries what waits for room), when `deliver()` is called.
 */
function channel(ringBytes: number, buffers: number) {
  const sab = Ring.allocate(ringBytes);
  const flags = new WakeFlags(WakeFlags.allocate(2));
  const toReceiver: unknown[][] = [];
  const toSender: unknown[][] = [];
  let unblocked = 0;
  const out = new RingOutputChannel(7, new Ring(sab, buffers), { postMessage: (m) => toReceiver.push(m as unknown[]) }, 1, flags, 'a -> b', () => unblocked++, { bytes: 0 });
  const inp = new RingInputChannel(7, 0, 1, 0, 0, new Ring(sab, buffers), { postMessage: (m) => toSender.push(m as unknown[]) }, { bytes: 0 }, flags);
  const deliver = () => {
    for (const m of toReceiver.splice(0)) if (m[0] === 2) inp.addOversize(m[2] as Uint8Array);
    out.retry();
  };
  return { out, inp, deliver, flags, toSender, unblocked: () => unblocked, ring: new Ring(sab, buffers) };
}

function batch(from: number, n: number, pad: number): RecordBatch {
  const v = Array.from({ length: n }, (_, i) => ({ i: from + i, s: 'x'.repeat(pad) + (from + i) }));
  return { k: ElementKind.Records, v, t: Float64Array.from(v, (r) => r.i), n, g: Uint16Array.from(v, (r) => r.i % 128) };
}

/** Processes everything the receiver has, in order; returns the records and control elements seen. */
function drain(inp: RingInputChannel, seen: unknown[]): void {
  inp.pull();
  for (let e = inp.poll(); e !== undefined; e = inp.poll()) {
    if (e.k === ElementKind.Records) {
      for (let j = 0; j < e.n; j++) {
        assert.equal(e.t[j], (e.v[j] as { i: number }).i, 'timestamp travels with its record');
        assert.equal(e.g![j], (e.v[j] as { i: number }).i % 128, 'key group travels with its record');
      }
      seen.push(...e.v.map((r) => (r as { i: number }).i));
      inp.consumed(e);
    } else seen.push(`wm${(e as { ts: number }).ts}`);
    inp.pull();
  }
}

test('batches larger than the ring allows go as several frames; order, credits and control elements hold', T, () => {
  const { out, inp, deliver } = channel(64 * 1024, 3);
  const seen: unknown[] = [];
  const expected: unknown[] = [];
  let next = 0;
  for (let round = 0; round < 40; round++) {
    const n = 50 + ((round * 37) % 400);
    out.send(batch(next, n, round % 3 === 0 ? 200 : 20)); // up to ~90 KB: above what one frame may hold
    for (let j = 0; j < n; j++) expected.push(next + j);
    next += n;
    out.send({ k: ElementKind.Watermark, ts: round } as StreamElement);
    expected.push(`wm${round}`);
    if (round % 4 === 3) {
      // the receiver catches up; the sender is told of released room and sends its backlog
      for (let k = 0; k < 20 && (out.blocked || inp.available > 0 || seen.length < expected.length); k++) {
        drain(inp, seen);
        deliver();
      }
    }
  }
  for (let k = 0; k < 100 && seen.length < expected.length; k++) {
    drain(inp, seen);
    deliver();
  }
  assert.equal(out.blocked, false);
  assert.deepEqual(seen, expected);
});

test('an overtaking barrier is queued behind what is in the ring and ahead of the backlog', T, () => {
  const { out, inp, deliver } = channel(64 * 1024, 2);
  out.send(batch(0, 10, 0));
  out.send(batch(10, 10, 0));
  out.send(batch(20, 10, 0)); // no credit: backlog
  assert.equal(out.blocked, true);
  out.sendPriority({ k: ElementKind.Barrier, id: 1, savepoint: false, unaligned: true } as StreamElement);
  inp.pull();
  const kinds: string[] = [];
  for (let i = 0; i < inp.available; i++) kinds.push(inp.peek(i)!.k === ElementKind.Barrier ? 'barrier' : `batch@${(inp.peek(i) as RecordBatch).t[0]}`);
  assert.deepEqual(kinds, ['batch@0', 'batch@10', 'barrier']);
  const seen: unknown[] = [];
  for (let k = 0; k < 10 && seen.length < 30; k++) {
    for (let e = inp.poll(); e !== undefined; e = inp.poll()) if (e.k === ElementKind.Records) {
      seen.push(...e.v.map((r) => (r as { i: number }).i));
      inp.consumed(e);
    }
    deliver();
    inp.pull();
  }
  assert.deepEqual(seen, Array.from({ length: 30 }, (_, i) => i));
});

test('a batch kept while it waits for room is not encoded again when a barrier overtakes it (its new strings travel once)', T, () => {
  const { out, inp, deliver, ring } = channel(64 * 1024, 8);
  // fill the ring with watermarks (control frames may use the room batches leave) until not even a
  // barrier fits
  let wm = 0;
  while (ring.capacity - ring.used >= 24 && !out.blocked) out.send({ k: ElementKind.Watermark, ts: wm++ } as StreamElement);
  assert.equal(out.blocked, false);
  // a batch of strings the channel dictionary has not seen: encoded now, its bytes kept
  out.send(batch(0, 10, 5));
  assert.equal(out.blocked, true);
  out.sendPriority({ k: ElementKind.Barrier, id: 1, savepoint: false, unaligned: true } as StreamElement);
  inp.pull();
  assert.equal(inp.peek(inp.available - 1)!.k, ElementKind.Watermark, 'the barrier waits in the backlog, ahead of the batch');
  out.send(batch(10, 10, 5));
  const seen: unknown[] = [];
  for (let k = 0; k < 50 && seen.filter((x) => typeof x === 'number').length < 20; k++) {
    inp.pull();
    for (let e = inp.poll(); e !== undefined; e = inp.poll()) {
      if (e.k === ElementKind.Records) {
        assert.deepEqual(
          e.v.map((r) => (r as { s: string }).s),
          e.v.map((r) => 'x'.repeat(5) + (r as { i: number }).i),
        );
        seen.push(...e.v.map((r) => (r as { i: number }).i));
        inp.consumed(e);
      } else if (e.k === ElementKind.Barrier) seen.push('barrier');
    }
    deliver();
  }
  const rest = seen.slice(seen.indexOf('barrier'));
  assert.deepEqual(rest, ['barrier', ...Array.from({ length: 20 }, (_, i) => i)]);
});

test('room released while the sender waits wakes its slot once if it sleeps, and never while it is awake', T, () => {
  const { out, inp, flags, toSender } = channel(64 * 1024, 1);
  out.send(batch(0, 10, 0));
  out.send(batch(10, 10, 0)); // one buffer: waits for room
  assert.equal(out.blocked, true);
  inp.pull();
  const first = inp.poll() as RecordBatch;
  inp.consumed(first); // the sender's slot is awake: no message, it finds the room on its next turn
  assert.deepEqual(toSender, []);
  assert.equal(out.retry(), true);
  assert.equal(out.blocked, false);
  out.send(batch(20, 10, 0)); // waits again
  flags.sleep(0); // the sender's slot goes to sleep
  inp.pull();
  inp.consumed(inp.poll() as RecordBatch);
  assert.deepEqual(toSender, [[3]], 'one wake-up for the sleeping sender');
  inp.pull();
  assert.equal(out.retry(), true);
  inp.consumed(inp.poll() as RecordBatch);
  assert.deepEqual(toSender, [[3]], 'nothing waits any more: no second message');
  assert.equal(out.retry(), false);
});
