// PostgresTableSource into the collect sink: a bounded read of a table in key-range splits → a map that
// can fail once (subtask 0, after `failAt` rows and a completed checkpoint, on the first attempt) →
// collected as `id:v` strings, for the connector tests.
import { StreamEnvironment, RichMapFunction, RestartStrategies, WatermarkStrategy, jobParameters, type CheckpointListener } from 'eddy';
import { PostgresTableSource } from 'eddy/connectors/postgres';

const { url, table, p = 1, splits, fetchSize, splitColumn, columns, where, fault = 'none', failAt = 0, interval = 50, pace = 0 } = jobParameters<{
  url: string;
  table: string;
  p?: number;
  splits?: number;
  fetchSize?: number;
  splitColumn?: string;
  columns?: string;
  where?: string;
  fault?: string;
  failAt?: number;
  interval?: number;
  pace?: number;
}>();

class Fault extends RichMapFunction<Record<string, unknown>, string> implements CheckpointListener {
  private seen = 0;
  private completed = 0;
  map(row: Record<string, unknown>): string {
    this.seen++;
    if (pace > 0 && this.seen % 100 === 0) {
      const until = performance.now() + pace;
      while (performance.now() < until);
    }
    const rc = this.getRuntimeContext();
    if (fault === 'throw' && rc.getAttemptNumber() === 0 && rc.getIndexOfThisSubtask() === 0 && this.seen > failAt && this.completed > 0)
      throw new Error(`injected failure after ${this.seen - 1} rows`);
    return `${row.id}:${row.v}`;
  }
  notifyCheckpointComplete(): void {
    this.completed++;
  }
}

const env = StreamEnvironment.create({ parallelism: p });
if (interval > 0) env.enableCheckpointing(interval);
env.setRestartStrategy(RestartStrategies.fixedDelay(2, 0));
export const output = await env
  .fromSource(
    PostgresTableSource.of({
      connection: url,
      table,
      ...(splits !== undefined ? { splits } : {}),
      ...(fetchSize !== undefined ? { fetchSize } : {}),
      ...(splitColumn !== undefined ? { splitColumn } : {}),
      ...(columns !== undefined ? { columns: String(columns).split(',') } : {}),
      ...(where !== undefined ? { where } : {}),
    }),
    WatermarkStrategy.noWatermarks<Record<string, unknown>>(),
    'table',
  )
  .uid('table')
  .map(new Fault())
  .name('fault')
  .executeAndCollect('table-source-job');
