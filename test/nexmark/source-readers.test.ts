// NexmarkSource's parallel readers: together they produce exactly the generator's events, and each reader's
// event time starts at the stream's start and advances at its pace (readers take every p-th event), so an
// event-time operator downstream, whose watermark is the minimum over readers, holds no reader's data back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runJob } from 'eddy';
import { NexmarkGenerator } from 'eddy/connectors/nexmark';

test('NexmarkSource at parallelism 3: every event once, and the readers\' event times advance together', { timeout: 60_000 }, async () => {
  const events = 30_000;
  const seed = 5;
  const expected = [...new NexmarkGenerator({ events, seed })].map((e) => `${e.kind}@${e.dateTime}`).sort();
  const r = await runJob(new URL('../runtime/jobs/nexmark-readers.ts', import.meta.url), { parallelism: 3, params: { p: 3, events, seed } });
  const rows = r.collected as { r: number; t: number; kind: string }[];
  assert.deepEqual(rows.map((x) => `${x.kind}@${x.t}`).sort(), expected);
  const first = Math.min(...rows.map((x) => x.t));
  const last = Math.max(...rows.map((x) => x.t));
  for (let reader = 0; reader < 3; reader++) {
    const mine = rows.filter((x) => x.r === reader);
    assert.equal(mine.length, events / 3, `reader ${reader} reads a third of the events`);
    // within a reader, event time only grows; it starts and ends with the stream (10 000 events per
    // second of event time: 3 events apart are well under a second apart)
    for (let i = 1; i < mine.length; i++) assert.ok(mine[i]!.t >= mine[i - 1]!.t, `reader ${reader}: event time goes back at ${i}`);
    assert.ok(mine[0]!.t - first < 1000, `reader ${reader} starts at ${mine[0]!.t - first} ms into the stream`);
    assert.ok(last - mine[mine.length - 1]!.t < 1000, `reader ${reader} ends ${last - mine[mine.length - 1]!.t} ms before the stream`);
  }
});
