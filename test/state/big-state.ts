/**
 * Large-state check for the lmdb backend (not part of the test suite): writes N distinct keys (default
 * 20 M) into one ValueState under a small Node heap, then reads a sample back, printing progress, the
 * rate, the peak RSS and the on-disk size. Stops early (and says so) past `--max-seconds`.
 *
 *   node --max-old-space-size=512 --import tsx test/state/big-state.ts [--keys 20000000] [--max-seconds 180] [--dir /tmp/x]
 *
 * RSS includes the pages of the memory-mapped database the process touched (file-backed, reclaimable by
 * the OS); the JS heap stays small, which `heapUsed` shows.
 */
import { mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyGroupRange, ManualClock } from '../../src/core/index.ts';
import { createKeyedStateBackend, ValueStateDescriptor } from '../../src/state/index.ts';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const N = Number(arg('--keys', '20000000'));
const maxSeconds = Number(arg('--max-seconds', '180'));
const dir = process.argv.includes('--dir') ? arg('--dir', '') : mkdtempSync(join(tmpdir(), 'eddy-big-state-'));
const BATCH = 10_000;

const b = createKeyedStateBackend({
  kind: 'lmdb',
  dir,
  operatorId: 'big',
  maxParallelism: 128,
  keyGroupRange: new KeyGroupRange(0, 127),
  clock: new ManualClock(0),
});
const s = b.getState(new ValueStateDescriptor<{ n: number; tag: string }>('v'));
const mb = (x: number) => `${(x / 1024 / 1024).toFixed(0)} MB`;
const t0 = Date.now();
let written = 0;
let stoppedEarly = false;
while (written < N) {
  const end = Math.min(N, written + BATCH);
  b.batch(() => {
    for (let k = written; k < end; k++) {
      b.setCurrentKey(k);
      s.update({ n: k, tag: 'k' + k });
    }
  });
  written = end;
  if (written % 1_000_000 === 0) {
    const el = (Date.now() - t0) / 1000;
    const m = process.memoryUsage();
    console.log(`${(written / 1e6).toFixed(0)} M keys  ${el.toFixed(1)} s  ${Math.round(written / el).toLocaleString('en-US')} keys/s  rss ${mb(m.rss)}  heapUsed ${mb(m.heapUsed)}`);
    if (el > maxSeconds) {
      stoppedEarly = written < N;
      break;
    }
  }
}
const writeSecs = (Date.now() - t0) / 1000;
let ok = 0;
const t1 = Date.now();
const SAMPLE = 100_000;
for (let i = 0; i < SAMPLE; i++) {
  const k = Math.floor((i * 7919 * 104729) % written);
  b.setCurrentKey(k);
  if (s.value()?.n === k) ok++;
}
const readSecs = (Date.now() - t1) / 1000;
const size = readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
console.log(
  JSON.stringify({
    keys: written,
    stoppedEarly,
    writeSeconds: writeSecs,
    writesPerSec: Math.round(written / writeSecs),
    randomReadsPerSec: Math.round(SAMPLE / readSecs),
    sampleCorrect: `${ok}/${SAMPLE}`,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    heapUsedMB: Math.round(process.memoryUsage().heapUsed / 1024 / 1024),
    dbFileMB: Math.round(size / 1024 / 1024),
  }),
);
b.dispose();
if (!process.argv.includes('--dir')) rmSync(dir, { recursive: true, force: true });
