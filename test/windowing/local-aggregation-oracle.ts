/**
 * Input and oracle of the local-aggregation tests: seeded steps (records and watermarks) and Flink's
 * event-time window semantics computed directly from them, independently of the engine.
 */
import { ev, type Ev } from './helpers.ts';

export type Step = { e: Ev; ts: number } | { wm: number };

/** Seeded input: keys a–e, values 1–9, timestamps out of order by up to `disorder`, some records far behind. */
export function randomSteps(seed: number, n: number, disorder: number, lag: number, lateShare: number): Step[] {
  let x = seed >>> 0 || 1;
  const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const steps: Step[] = [];
  let maxTs = -Infinity;
  for (let i = 0; i < n; i++) {
    let ts = i * 13 - 500 + Math.floor(rnd() * disorder);
    if (rnd() < lateShare) ts -= 100 + Math.floor(rnd() * 600);
    steps.push({ e: ev('abcde'[Math.floor(rnd() * 5)]!, 1 + Math.floor(rnd() * 9)), ts });
    maxTs = Math.max(maxTs, ts);
    if (rnd() < 0.15) steps.push({ wm: maxTs - lag });
  }
  return steps;
}

export type Win = { size: number; slide: number; offset: number };

function windowStarts(ts: number, w: Win): number[] {
  const last = ts - ((((ts - w.offset) % w.slide) + w.slide) % w.slide);
  const out: number[] = [];
  for (let s = last; s > ts - w.size; s -= w.slide) out.push(s);
  return out;
}

/**
 * Flink's event-time window semantics with the default trigger, computed directly: a window fires when the
 * watermark passes its max timestamp; an element for a window past it but within the lateness fires it
 * again at once; windows past `max + lateness` take nothing; an element all of whose windows are past is
 * dropped and counted. Rows: `key start end count sum @timestamp`, sorted.
 */
export function oracle(steps: Step[], w: Win, lateness: number): { rows: string[]; dropped: number } {
  const wins = new Map<string, { key: string; start: number; end: number; c: number; s: number; pending: boolean }>();
  const rows: string[] = [];
  const row = (x: { key: string; start: number; end: number; c: number; s: number }) => `${x.key} ${x.start} ${x.end} ${x.c} ${x.s} @${x.end - 1}`;
  let wm = -Infinity;
  let dropped = 0;
  const advance = (to: number) => {
    if (to <= wm) return;
    wm = to;
    for (const [id, x] of wins) {
      if (x.pending && x.end - 1 <= wm) {
        rows.push(row(x));
        x.pending = false;
      }
      if (x.end - 1 + lateness <= wm) wins.delete(id);
    }
  };
  for (const st of steps) {
    if ('wm' in st) {
      advance(st.wm);
      continue;
    }
    let added = false;
    for (const start of windowStarts(st.ts, w)) {
      const end = start + w.size;
      if (end - 1 + lateness <= wm) continue;
      added = true;
      const id = `${st.e.key} ${start}`;
      let x = wins.get(id);
      if (!x) wins.set(id, (x = { key: st.e.key, start, end, c: 0, s: 0, pending: false }));
      x.c++;
      x.s += st.e.n;
      if (end - 1 <= wm) rows.push(row(x));
      else x.pending = true;
    }
    if (!added && st.ts + lateness <= wm) dropped++;
  }
  advance(Infinity);
  return { rows: rows.sort(), dropped };
}

