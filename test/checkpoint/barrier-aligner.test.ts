// The barrier aligner on its own (a pure state machine): aligned checkpoints block channels until every
// live channel delivered the barrier; a priority barrier or an alignment timeout turns the checkpoint
// unaligned; ends of input, aborts and newer barriers release it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BarrierAligner, type AlignerAction } from '../../src/checkpoint/index.ts';
import { assertNever } from '../../src/core/index.ts';

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

// ---- The task's other checkpoint decisions, made by the aligner ----

test('urgent: unaligned barriers, and aligned ones whose time is up; never savepoints or at-least-once', () => {
  const a = new BarrierAligner(2);
  assert.equal(a.urgent({ id: 1 }, 100), false);
  assert.equal(a.urgent({ id: 1, unaligned: true }, 100), true);
  assert.equal(a.urgent({ id: 1, alignedUntil: 100 }, 99), false);
  assert.equal(a.urgent({ id: 1, alignedUntil: 100 }, 100), true);
  assert.equal(a.urgent({ id: 1, unaligned: true, savepoint: true }, 100), false);
  assert.equal(a.urgent({ id: 1, alignedUntil: 0, savepoint: true }, 100), false);
  const alo = new BarrierAligner(2, false);
  assert.equal(alo.urgent({ id: 1, unaligned: true }, 100), false);
});

test('an aligned checkpoint is forwarded with the flags of the barrier that started it', () => {
  const a = new BarrierAligner(2);
  assert.deepEqual(a.onHeadBarrier(0, { id: 3, savepoint: true }, 0), { kind: 'block', channel: 0 });
  assert.deepEqual(a.onHeadBarrier(1, { id: 3 }, 0), { kind: 'aligned', checkpointId: 3, savepoint: true });
  assert.deepEqual(a.onHeadBarrier(0, { id: 4, alignedUntil: 500 }, 10), { kind: 'block', channel: 0 });
  assert.equal(a.takeWakeup(), 500, 'a blocked channel with an alignedUntil asks for a wake-up');
  assert.equal(a.takeWakeup(), undefined, 'asked once');
  assert.deepEqual(a.onEndOfInput(1), { kind: 'aligned', checkpointId: 4, alignedUntil: 500 }, 'the end of the other channel aligns it');
  // a newer barrier supersedes: the new checkpoint's flags count
  a.onHeadBarrier(0, { id: 5, savepoint: true }, 0);
  const b = new BarrierAligner(3);
  b.onHeadBarrier(0, { id: 5, savepoint: true }, 0);
  assert.deepEqual(b.onHeadBarrier(1, { id: 6 }, 0), { kind: 'superseded', abortedId: 5, next: { kind: 'block', channel: 1 } });
  b.onHeadBarrier(0, { id: 6 }, 0);
  assert.deepEqual(b.onHeadBarrier(2, { id: 6 }, 0), { kind: 'aligned', checkpointId: 6 });
});

test('a barrier at the head whose aligned time is up starts the checkpoint unaligned', () => {
  const a = new BarrierAligner(2);
  assert.deepEqual(a.onHeadBarrier(0, { id: 1, alignedUntil: 50 }, 50), { kind: 'unaligned', checkpointId: 1, complete: false });
  assert.equal(a.takeWakeup(), undefined);
});

test('queued barriers: urgent ones overtake now, later ones ask for a wake-up, others stay', () => {
  const a = new BarrierAligner(2);
  assert.equal(a.onQueuedBarrier(0, { id: 1 }, 0), undefined);
  assert.equal(a.onQueuedBarrier(0, { id: 1, alignedUntil: 300, savepoint: true }, 0), undefined);
  assert.equal(a.takeWakeup(), undefined, 'a savepoint never turns unaligned');
  assert.equal(a.onQueuedBarrier(0, { id: 1, alignedUntil: 300 }, 0), undefined);
  assert.equal(a.onQueuedBarrier(1, { id: 1, alignedUntil: 400 }, 0), undefined);
  assert.equal(a.takeWakeup(), 300, 'the earliest deadline');
  assert.equal(a.nextDeadline, 300);
  assert.equal(a.onTime(299), false);
  assert.equal(a.onTime(300), true, 'the deadline passed: look again');
  assert.equal(a.nextDeadline, Infinity);
  assert.deepEqual(a.onQueuedBarrier(0, { id: 1, alignedUntil: 300 }, 300), { kind: 'unaligned', checkpointId: 1, complete: false });
  assert.deepEqual(a.onQueuedBarrier(1, { id: 1, alignedUntil: 300 }, 300), { kind: 'unaligned-complete', checkpointId: 1 });
  const alo = new BarrierAligner(2, false);
  assert.equal(alo.onQueuedBarrier(0, { id: 1, unaligned: true }, 0), undefined);
  assert.equal(alo.onQueuedBarrier(0, { id: 1, alignedUntil: 1 }, 0), undefined);
  assert.equal(alo.takeWakeup(), undefined, 'at-least-once never waits for a deadline');
});

test('alignment timeout of the pending aligned checkpoint: a wake-up before, unaligned after', () => {
  const a = new BarrierAligner(2);
  assert.deepEqual(a.checkAlignmentTimeout(0), { kind: 'none' }, 'nothing pending');
  a.onHeadBarrier(0, { id: 2, alignedUntil: 100 }, 0);
  a.takeWakeup();
  assert.deepEqual(a.checkAlignmentTimeout(99), { kind: 'none' });
  assert.equal(a.takeWakeup(), undefined, 'the same deadline is not asked twice');
  assert.deepEqual(a.checkAlignmentTimeout(100), { kind: 'unaligned', checkpointId: 2, complete: false });
  assert.deepEqual(a.checkAlignmentTimeout(200), { kind: 'none' }, 'already unaligned');
  const s = new BarrierAligner(2);
  s.onHeadBarrier(0, { id: 2, alignedUntil: 100, savepoint: true }, 0);
  assert.deepEqual(s.checkAlignmentTimeout(1000), { kind: 'none' }, 'a savepoint stays aligned');
});

test('expected checkpoints: taken at the end of input oldest first, unless taken, completed or aborted', () => {
  const a = new BarrierAligner(1);
  a.expect(3, false, 0);
  a.expect(1, true, 0);
  a.expect(2, false, 2);
  assert.equal(a.expecting, true);
  a.expect(5, false, 0);
  a.expect(7, false, 0);
  a.abort(5);
  a.expect(4, false, 0);
  a.onCheckpointComplete(1);
  assert.deepEqual(a.takeExpected(3), [{ id: 4, savepoint: false }, { id: 7, savepoint: false }], 'up to 3 was taken; 1 completed; 5 aborted');
  assert.equal(a.expecting, false);
  assert.deepEqual(a.takeExpected(0), []);
});

// ---- Exhaustive small-model check ----
// Every sequence (up to a length) of barriers at the head or overtaking, ends of input, alignment
// timeouts and aborts on 2 and 3 channels, checked against what the protocol promises, tracked here from
// the actions alone.

type Ev =
  | { e: 'head'; ch: number; id: number }
  | { e: 'prio'; ch: number; id: number }
  | { e: 'end'; ch: number }
  | { e: 'timeout'; id: number }
  | { e: 'abort'; id: number };

interface Model {
  delivered: Set<number>[];
  ended: boolean[];
  blocked: Set<number>;
  /** Checkpoints started (aligned or unaligned snapshot taken), in order. */
  started: number[];
  unaligned: Set<number>;
  finished: Set<number>;
  aborted: Set<number>;
}

function check(channels: number, exactlyOnce: boolean, seq: Ev[]): void {
  const a = new BarrierAligner(channels, exactlyOnce);
  const m: Model = {
    delivered: Array.from({ length: channels }, () => new Set<number>()),
    ended: new Array<boolean>(channels).fill(false),
    blocked: new Set(),
    started: [],
    unaligned: new Set(),
    finished: new Set(),
    aborted: new Set(),
  };
  const where = () => `${channels} channels, ${exactlyOnce ? 'exactly-once' : 'at-least-once'}: ${JSON.stringify(seq)}`;
  const apply = (act: AlignerAction, cause: Ev) => {
    switch (act.kind) {
      case 'none':
        return;
      case 'block':
        assert.ok(exactlyOnce, `at-least-once blocked: ${where()}`);
        assert.ok(cause.e === 'head' && cause.ch === act.channel, `blocks the channel that delivered: ${where()}`);
        assert.ok(!m.blocked.has(act.channel), `blocked twice: ${where()}`);
        m.blocked.add(act.channel);
        return;
      case 'aligned': {
        const id = act.checkpointId;
        assert.ok(!m.unaligned.has(id) && !m.finished.has(id) && !m.aborted.has(id), `aligned once, never after unaligned/abort: ${where()}`);
        for (let c = 0; c < channels; c++) assert.ok(m.ended[c] || m.delivered[c]!.has(id), `aligned ${id} before channel ${c} delivered: ${where()}`);
        assert.ok(m.started.every((s) => s < id), `checkpoints start in order: ${where()}`);
        m.started.push(id);
        m.finished.add(id);
        m.blocked.clear();
        return;
      }
      case 'unaligned': {
        const id = act.checkpointId;
        assert.ok(exactlyOnce, `at-least-once went unaligned: ${where()}`);
        assert.ok(cause.e === 'prio' || cause.e === 'timeout', `unaligned only by a priority barrier or a timeout: ${where()}`);
        assert.ok(!m.unaligned.has(id) && !m.finished.has(id) && !m.aborted.has(id), `unaligned once: ${where()}`);
        assert.ok(m.started.every((s) => s < id), `checkpoints start in order: ${where()}`);
        m.started.push(id);
        m.unaligned.add(id);
        m.blocked.clear();
        let waiting = false;
        for (let c = 0; c < channels; c++) {
          const w = !m.ended[c] && !m.delivered[c]!.has(id);
          assert.equal(a.waitingFor(c), w, `waitingFor(${c}) after unaligned: ${where()}`);
          waiting ||= w;
        }
        assert.equal(act.complete, !waiting, `complete iff no channel waits: ${where()}`);
        if (act.complete) m.finished.add(id);
        return;
      }
      case 'unaligned-complete': {
        const id = act.checkpointId;
        assert.ok(m.unaligned.has(id) && !m.finished.has(id) && !m.aborted.has(id), `completes an unaligned checkpoint once: ${where()}`);
        for (let c = 0; c < channels; c++) assert.ok(m.ended[c] || m.delivered[c]!.has(id), `complete before channel ${c} delivered: ${where()}`);
        m.finished.add(id);
        return;
      }
      case 'superseded':
        assert.ok(!m.finished.has(act.abortedId), `supersedes an unfinished checkpoint: ${where()}`);
        m.aborted.add(act.abortedId);
        m.blocked.clear();
        apply(act.next, cause);
        return;
      default:
        assertNever(act);
    }
  };
  for (const ev of seq) {
    let act: AlignerAction;
    switch (ev.e) {
      case 'head':
      case 'prio':
        m.delivered[ev.ch]!.add(ev.id);
        act = a.onBarrier(ev.ch, ev.id, ev.e === 'prio');
        break;
      case 'end':
        m.ended[ev.ch] = true;
        m.blocked.delete(ev.ch);
        act = a.onEndOfInput(ev.ch);
        break;
      case 'timeout':
        act = a.onAlignmentTimeout(ev.id);
        break;
      case 'abort': {
        const was = a.pendingCheckpoint;
        const released = a.abort(ev.id);
        assert.equal(released, was === ev.id, `abort releases only the pending checkpoint: ${where()}`);
        if (released) {
          m.aborted.add(ev.id);
          m.blocked.clear();
        }
        act = { kind: 'none' };
        break;
      }
    }
    apply(act, ev);
    const p = a.pendingCheckpoint;
    if (p === -1) assert.equal(m.blocked.size, 0, `nothing pending, nothing blocked: ${where()}`);
    else {
      // a pending checkpoint is waiting for some live channel (otherwise it should have completed)
      let waiting = false;
      for (let c = 0; c < channels; c++) {
        const w = !m.ended[c] && !m.delivered[c]!.has(p);
        assert.equal(a.waitingFor(c), w, `waitingFor(${c}) of pending ${p}: ${where()}`);
        waiting ||= w;
      }
      assert.ok(waiting, `pending ${p} with no channel to wait for: ${where()}`);
      for (const c of m.blocked) assert.ok(m.delivered[c]!.has(p), `blocked channel ${c} did not deliver ${p}: ${where()}`);
      assert.equal(a.pendingUnaligned, m.unaligned.has(p), `pendingUnaligned: ${where()}`);
    }
  }
}

/** Events possible next: a channel delivers each checkpoint's barrier at most once, in id order, nothing after its end, nothing at the head while blocked. */
function nextEvents(channels: number, ids: number[], seq: Ev[]): Ev[] {
  const out: Ev[] = [];
  const last = new Array<number>(channels).fill(0);
  const ended = new Array<boolean>(channels).fill(false);
  for (const ev of seq) {
    if (ev.e === 'head' || ev.e === 'prio') last[ev.ch] = ev.id;
    if (ev.e === 'end') ended[ev.ch] = true;
  }
  // which channels are blocked right now: replay (cheap at these sizes)
  const a = new BarrierAligner(channels);
  const blocked = new Set<number>();
  const track = (act: AlignerAction): void => {
    if (act.kind === 'block') blocked.add(act.channel);
    else if (act.kind === 'superseded') {
      blocked.clear();
      track(act.next);
    } else if (act.kind !== 'none') blocked.clear();
  };
  for (const ev of seq) {
    if (ev.e === 'head' || ev.e === 'prio') track(a.onBarrier(ev.ch, ev.id, ev.e === 'prio'));
    else if (ev.e === 'end') {
      blocked.delete(ev.ch);
      track(a.onEndOfInput(ev.ch));
    } else if (ev.e === 'timeout') track(a.onAlignmentTimeout(ev.id));
    else if (a.abort(ev.id)) blocked.clear();
  }
  for (let ch = 0; ch < channels; ch++) {
    if (ended[ch]) continue;
    for (const id of ids) {
      if (id <= last[ch]!) continue;
      if (!blocked.has(ch)) out.push({ e: 'head', ch, id });
      out.push({ e: 'prio', ch, id });
    }
    out.push({ e: 'end', ch });
  }
  for (const id of ids) out.push({ e: 'timeout', id }, { e: 'abort', id });
  return out;
}

function exhaust(channels: number, ids: number[], depth: number, exactlyOnce: boolean): number {
  let n = 0;
  const walk = (seq: Ev[]) => {
    check(channels, exactlyOnce, seq);
    n++;
    if (seq.length === depth) return;
    for (const ev of nextEvents(channels, ids, seq)) walk([...seq, ev]);
  };
  walk([]);
  return n;
}

test('exhaustive: every sequence of up to 5 events on 2 channels keeps the protocol (both modes)', { timeout: 120_000 }, () => {
  const n = exhaust(2, [1, 2], 5, true);
  assert.ok(n > 20_000, `${n} sequences`);
  exhaust(2, [1, 2], 5, false);
});

test('exhaustive: every sequence of up to 4 events on 3 channels keeps the protocol', { timeout: 120_000 }, () => {
  const n = exhaust(3, [1, 2], 4, true);
  assert.ok(n > 20_000, `${n} sequences`);
});
