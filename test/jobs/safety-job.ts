// A job for the snapshot-safety tests: the sequence 1..n through an exactly-once sink (FileSink, or the
// PostgresSink with `url` + `table`), with faults that tests trigger from outside:
//  - `failFile`: on the first attempt, subtask 0 throws once the file exists (a failover at a time the
//    test chooses, e.g. after a savepoint);
//  - `slowAt` (with `checkpointDir` = `slow:<dir>`): the write of checkpoint `slowAt` first creates
//    `failFile`, then waits `slowMs` before writing, so a task fails while that checkpoint is being
//    written (the checkpoint completes after the failure);
//  - `failRestoredCommit`: a file; the first commit of restored committables (after a restore) waits
//    `slowMs` and then fails, once (a marker next to it records that it did) — a restored commit that
//    fails after later checkpoints were taken.
// `pace` ms of busy work per 100 records keeps the job running long enough for a test to act on it.
import { existsSync, writeFileSync } from 'node:fs';
import { StreamEnvironment, RichMapFunction, RestartStrategies, jobParameters, type Sink, type Committer } from 'eddy';
import { FileSink } from 'eddy/connectors/file';
import { PostgresSink } from 'eddy/connectors/postgres';
// Test-only: a slowed checkpoint storage, registered through the runtime's storage registry.
import { registerCheckpointStorage, FsCheckpointStorage, type CheckpointToWrite } from '../../src/checkpoint/index.ts';

const {
  n = 20_000,
  p = 1,
  out = '',
  url = '',
  table = '',
  interval = 600_000,
  pace = 0,
  failFile = '',
  slowAt = 0,
  slowMs = 800,
  failRestoredCommit = '',
} = jobParameters<{
  n?: number;
  p?: number;
  out?: string;
  url?: string;
  table?: string;
  interval?: number;
  pace?: number;
  failFile?: string;
  slowAt?: number;
  slowMs?: number;
  failRestoredCommit?: string;
}>();

// The registry outlives this module (runJob evaluates a fresh instance per run): register once, and let
// the factory read the parameters of the newest evaluation.
const G = globalThis as { __eddySafetySlow?: { slowAt: number; slowMs: number; failFile: string } };
if (!G.__eddySafetySlow)
  registerCheckpointStorage((spec) => {
    if (!spec.startsWith('slow:')) return undefined;
    const fs = new FsCheckpointStorage(spec.slice(5));
    const write = fs.write.bind(fs);
    const o = G.__eddySafetySlow!;
    fs.write = async (cp: CheckpointToWrite) => {
      if (cp.metadata.checkpointId === o.slowAt && !cp.metadata.jobFinished) {
        writeFileSync(o.failFile, 'fail');
        await new Promise((r) => setTimeout(r, o.slowMs));
      }
      return write(cp);
    };
    return fs;
  });
G.__eddySafetySlow = { slowAt, slowMs, failFile };

class Fault extends RichMapFunction<number, { id: number }> {
  private seen = 0;
  private failed = false;
  map(v: number): { id: number } {
    this.seen++;
    if (this.seen % 100 === 0) {
      if (pace > 0) {
        const until = performance.now() + pace;
        while (performance.now() < until);
      }
      const rc = this.getRuntimeContext();
      if (failFile && !this.failed && rc.getAttemptNumber() === 0 && rc.getIndexOfThisSubtask() === 0 && existsSync(failFile)) {
        this.failed = true;
        throw new Error(`injected failure at record ${v}`);
      }
    }
    return { id: v };
  }
}

/** Wraps a sink so that the first commit after a restore fails (asynchronously, after `slowMs`), once. */
function failingRestoredCommit<T, C, S>(sink: Sink<T, C, S>): Sink<T, C, S> {
  if (!failRestoredCommit) return sink;
  const done = `${failRestoredCommit}.failed`;
  return {
    name: sink.name,
    createWriter: (ctx, restored) => sink.createWriter(ctx, restored),
    createCommitter(): Committer<C> {
      const c = sink.createCommitter!();
      let first = true;
      return {
        commit(cs: C[]) {
          const restoring = first && existsSync(failRestoredCommit) && !existsSync(done);
          first = false;
          if (!restoring) return c.commit(cs);
          writeFileSync(done, 'failed');
          return new Promise<void>((_, reject) => setTimeout(() => reject(new Error('injected failure of a restored commit')), slowMs));
        },
      };
    },
  };
}

const env = StreamEnvironment.create({ parallelism: p });
env.enableCheckpointing(interval);
env.setRestartStrategy(RestartStrategies.fixedDelay(5, 0));
const mapped = env.fromSequence(1, n).uid('source').map(new Fault()).uid('fault').name('fault');
if (url)
  mapped
    .sinkTo(failingRestoredCommit(PostgresSink.builder<{ id: number }>({ connectionString: url, table, columns: ['id'], batchSize: 500, transactionIdPrefix: table }).build()))
    .uid('sink');
else mapped.sinkTo(failingRestoredCommit(FileSink.forRowFormat<{ id: number }>(out, (r) => String(r.id)).withMaxRecordsPerPart(2_000).build())).uid('sink');
await env.execute('safety');
