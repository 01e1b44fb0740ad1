// Change data capture into the collect sink: PostgresCdcSource (bounded by stopAtLsn) → a map that can
// fail once (after `failAt` events and a completed checkpoint, on the first attempt) → collected as
// compact strings, for the connector tests.
import { StreamEnvironment, RichMapFunction, RestartStrategies, WatermarkStrategy, jobParameters, type CheckpointListener } from 'eddy';
import { PostgresCdcSource, type ChangeEvent } from 'eddy/connectors/postgres';

const { url, tables, slot, publication, stopAtLsn, endTable, snapshot = true, create = true, fault = 'none', failAt = 0, interval = 50, snapshotDir } = jobParameters<{
  url: string;
  tables: string;
  slot: string;
  publication?: string;
  stopAtLsn?: string;
  endTable?: string;
  snapshot?: boolean;
  create?: boolean;
  fault?: string;
  failAt?: number;
  interval?: number;
  snapshotDir?: string;
}>();

class Fault extends RichMapFunction<ChangeEvent, string> implements CheckpointListener {
  private seen = 0;
  private completed = 0;
  map(e: ChangeEvent): string {
    this.seen++;
    if (fault === 'throw' && this.getRuntimeContext().getAttemptNumber() === 0 && this.seen > failAt && this.completed > 0)
      throw new Error(`injected failure after ${this.seen - 1} events`);
    return `${e.op} ${e.table} ${JSON.stringify(e.before)} ${JSON.stringify(e.after)}`;
  }
  notifyCheckpointComplete(): void {
    this.completed++;
  }
}

const env = StreamEnvironment.create({ parallelism: 1 });
if (interval > 0) env.enableCheckpointing(interval);
env.setRestartStrategy(RestartStrategies.fixedDelay(2, 0));
export const output = await env
  .fromSource(
    PostgresCdcSource.of({ connection: url, tables: tables.split(','), slot, publication, stopAtLsn, snapshot, create, snapshotDir, ...(endTable ? { isEndOfStream: (e: ChangeEvent) => e.table === endTable } : {}) }),
    WatermarkStrategy.noWatermarks<ChangeEvent>(),
    'cdc',
  )
  .uid('cdc')
  .map(new Fault())
  .name('fault')
  .executeAndCollect('cdc-job');
