// The barrier aligner on its own (a pure state machine): aligned checkpoints block channels until every
// live channel delivered the barrier; a priority barrier or an alignment timeout turns the checkpoint
// unaligned; ends of input, aborts and newer barriers release it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BarrierAligner } from '../../src/checkpoint/index.ts';

test('aligned: block each channel that delivered the barrier until all have', () => {
  const a = new BarrierAligner(3);
  assert.deepEqual(a.onBarrier(0, 1), { kind: 'block', channel: 0 });
  assert.deepEqual(a.onBarrier(2, 1), { kind: 'block', channel: 2 });
  assert.equal(a.waitingFor(1), true);
  assert.equal(a.waitingFor(0), false);
  assert.deepEqual(a.onBarrier(1, 1), { kind: 'aligned', checkpointId: 1 });
  assert.equal(a.pendingCheckpoint, -1);
  assert.deepEqual(a.onBarrier(0, 1), { kind: 'none' }, 'a late barrier of a completed checkpoint');
});

test('at-least-once never blocks and never turns unaligned', () => {
  const a = new BarrierAligner(2, false);
  assert.deepEqual(a.onBarrier(0, 1, true), { kind: 'none' });
  assert.deepEqual(a.onAlignmentTimeout(1), { kind: 'none' });
  assert.deepEqual(a.onBarrier(1, 1), { kind: 'aligned', checkpointId: 1 });
});

test('a priority barrier starts an unaligned checkpoint; the last barrier completes its in-flight data', () => {
  const a = new BarrierAligner(3);
  assert.deepEqual(a.onBarrier(1, 4, true), { kind: 'unaligned', checkpointId: 4, complete: false });
  assert.equal(a.pendingUnaligned, true);
  assert.deepEqual([0, 1, 2].map((c) => a.waitingFor(c)), [true, false, true]);
  assert.deepEqual(a.onBarrier(0, 4, true), { kind: 'none' });
  assert.deepEqual(a.onBarrier(2, 4, false), { kind: 'unaligned-complete', checkpointId: 4 }, 'a barrier at the head also counts');
  assert.equal(a.pendingCheckpoint, -1);
});

test('one channel: a priority barrier starts and completes an unaligned checkpoint at once', () => {
  const a = new BarrierAligner(1);
  assert.deepEqual(a.onBarrier(0, 2, true), { kind: 'unaligned', checkpointId: 2, complete: true });
  assert.equal(a.pendingCheckpoint, -1);
});

test('alignment timeout: a pending aligned checkpoint turns unaligned; blocked channels are not waited for', () => {
  const a = new BarrierAligner(3);
  assert.deepEqual(a.onBarrier(0, 7), { kind: 'block', channel: 0 });
  assert.deepEqual(a.onAlignmentTimeout(6), { kind: 'none' }, 'not the pending checkpoint');
  assert.deepEqual(a.onAlignmentTimeout(7), { kind: 'unaligned', checkpointId: 7, complete: false });
  assert.deepEqual(a.onAlignmentTimeout(7), { kind: 'none' }, 'already unaligned');
  assert.deepEqual([0, 1, 2].map((c) => a.waitingFor(c)), [false, true, true]);
  assert.deepEqual(a.onBarrier(1, 7), { kind: 'none' });
  assert.deepEqual(a.onBarrier(2, 7), { kind: 'unaligned-complete', checkpointId: 7 });
});

test('a priority barrier switches a pending aligned checkpoint to unaligned', () => {
  const a = new BarrierAligner(2);
  assert.deepEqual(a.onBarrier(0, 3), { kind: 'block', channel: 0 });
  assert.deepEqual(a.onBarrier(1, 3, true), { kind: 'unaligned', checkpointId: 3, complete: true });
});

test('end of input completes an unaligned checkpoint', () => {
  const a = new BarrierAligner(2);
  assert.deepEqual(a.onBarrier(0, 5, true), { kind: 'unaligned', checkpointId: 5, complete: false });
  assert.deepEqual(a.onEndOfInput(1), { kind: 'unaligned-complete', checkpointId: 5 });
});

test('a newer barrier supersedes an unfinished unaligned checkpoint', () => {
  const a = new BarrierAligner(2);
  a.onBarrier(0, 5, true);
  assert.deepEqual(a.onBarrier(0, 6, true), { kind: 'superseded', abortedId: 5, next: { kind: 'unaligned', checkpointId: 6, complete: false } });
  assert.deepEqual(a.onBarrier(1, 5, true), { kind: 'none' }, 'the superseded checkpoint is over');
  assert.deepEqual(a.onBarrier(1, 6, true), { kind: 'unaligned-complete', checkpointId: 6 });
});

test('abort releases the pending checkpoint; its late barriers are ignored', () => {
  const a = new BarrierAligner(2);
  a.onBarrier(0, 8, true);
  assert.equal(a.abort(7), false);
  assert.equal(a.abort(8), true);
  assert.equal(a.pendingCheckpoint, -1);
  assert.deepEqual(a.onBarrier(1, 8, true), { kind: 'none' });
  assert.deepEqual(a.onBarrier(1, 9), { kind: 'block', channel: 1 });
});
