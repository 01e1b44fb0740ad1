/**
 * The chaos suite's oracles over a run's committed output (the FileSink's visible part files):
 *  - ledger: every record (k, seq) exactly once — lost, duplicated and out-of-order (per key, within a
 *    part file) counted;
 *  - alerts raised by the in-job sequence checker and state machine;
 *  - external recomputation: each key's running sums equal the prefix sums of its values;
 *  - windows: each window's sum and count equal the closed form, each window exactly once.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Verdict {
  records: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  alerts: number;
  wrongSums: number;
  windows: number;
  wrongWindows: number;
  duplicatedWindows: number;
  missingWindows: number;
  firstProblems: string[];
}

export function committedLines(dir: string): string[][] {
  return readdirSync(dir)
    .filter((f) => !f.startsWith('.'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean));
}

export function verify(files: string[][], n: number, keys: number, window: number): Verdict {
  const v: Verdict = { records: 0, lost: 0, duplicated: 0, outOfOrder: 0, alerts: 0, wrongSums: 0, windows: 0, wrongWindows: 0, duplicatedWindows: 0, missingWindows: 0, firstProblems: [] };
  const problem = (s: string) => v.firstProblems.length < 10 && v.firstProblems.push(s);
  const seen = new Map<number, number>(); // v → count
  const sums = new Map<number, Map<number, number>>(); // k → seq → sum
  const win = new Map<number, number>();
  for (const lines of files) {
    const lastSeq = new Map<number, number>();
    for (const line of lines) {
      const r = JSON.parse(line) as { t: string; k: number; seq: number; v: number; sum: number; alert?: string; start: number; count: number };
      if (r.t === 'w') {
        v.windows++;
        win.set(r.start, (win.get(r.start) ?? 0) + 1);
        const lo = r.start;
        const hi = Math.min(n - 1, r.start + window - 1);
        const expSum = ((lo + hi) * (hi - lo + 1)) / 2;
        if (r.sum !== expSum || r.count !== hi - lo + 1) {
          v.wrongWindows++;
          problem(`window ${r.start}: sum ${r.sum} count ${r.count}, expected ${expSum} / ${hi - lo + 1}`);
        }
        continue;
      }
      v.records++;
      seen.set(r.v, (seen.get(r.v) ?? 0) + 1);
      if (r.alert) {
        v.alerts++;
        problem(`alert at key ${r.k} seq ${r.seq}: ${r.alert}`);
      }
      const prev = lastSeq.get(r.k);
      if (prev !== undefined && r.seq <= prev) v.outOfOrder++;
      lastSeq.set(r.k, r.seq);
      let m = sums.get(r.k);
      if (!m) sums.set(r.k, (m = new Map()));
      m.set(r.seq, r.sum);
    }
  }
  for (let x = 0; x < n; x++) {
    const c = seen.get(x) ?? 0;
    if (c === 0) {
      v.lost++;
      problem(`record ${x} lost`);
    } else if (c > 1) {
      v.duplicated += c - 1;
      problem(`record ${x} written ${c} times`);
    }
  }
  for (let k = 0; k < keys; k++) {
    let sum = 0;
    const m = sums.get(k) ?? new Map<number, number>();
    for (let seq = 0; seq * keys + k < n; seq++) {
      sum += seq * keys + k;
      const got = m.get(seq);
      if (got !== undefined && got !== sum) {
        v.wrongSums++;
        problem(`key ${k} seq ${seq}: running sum ${got}, recomputed ${sum}`);
      }
    }
  }
  for (let s = 0; s < n; s += window) {
    const c = win.get(s) ?? 0;
    if (c === 0) v.missingWindows++;
    if (c > 1) v.duplicatedWindows += c - 1;
  }
  return v;
}

export function clean(v: Verdict): boolean {
  return v.lost + v.duplicated + v.outOfOrder + v.alerts + v.wrongSums + v.wrongWindows + v.duplicatedWindows + v.missingWindows === 0;
}
