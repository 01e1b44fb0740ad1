// Change data capture into the exactly-once PostgresSink, for the SIGKILL chaos test: PostgresCdcSource
// (snapshot, then the log; ends at the first change of the control table) → one row per event
// `(k, op, id, v, lsn)` where `k` names the row version the event carries ('w<v>' for read / insert /
// update, 'd<v>' for a delete of version v) → PostgresSink (two-phase commit), checkpoint every `interval` ms.
import { StreamEnvironment, RestartStrategies, WatermarkStrategy, jobParameters } from 'eddy';
import { PostgresCdcSource, PostgresSink, type ChangeEvent } from 'eddy/connectors/postgres';

const { url, table, ctl, slot, snapshotDir, sinkTable, prefix, interval = 100 } = jobParameters<{
  url: string;
  table: string;
  ctl: string;
  slot: string;
  snapshotDir: string;
  sinkTable: string;
  prefix: string;
  interval?: number;
}>();

interface Row {
  k: string;
  op: string;
  id: number;
  v: number;
  lsn: string;
}
type Image = { id: number; v: number } | null;

const env = StreamEnvironment.create({ parallelism: 1 });
env.enableCheckpointing(interval);
env.setRestartStrategy(RestartStrategies.fixedDelay(3, 200));
env
  .fromSource(
    PostgresCdcSource.of({ connection: url, tables: [table, ctl], slot, snapshotDir, isEndOfStream: (e: ChangeEvent) => e.table === `public.${ctl}` }),
    WatermarkStrategy.noWatermarks<ChangeEvent>(),
    'cdc',
  )
  .uid('cdc')
  .map((e: ChangeEvent): Row => {
    const img = (e.op === 'delete' ? e.before : e.after) as Image;
    return { k: `${e.op === 'delete' ? 'd' : 'w'}${img!.v}`, op: e.op, id: img!.id, v: img!.v, lsn: e.lsn };
  })
  .uid('rows')
  .sinkTo(PostgresSink.builder<Row>({ connectionString: url, table: sinkTable, columns: ['k', 'op', 'id', 'v', 'lsn'], batchSize: 200, transactionIdPrefix: prefix }).build())
  .uid('pg-sink');
await env.execute('cdc-chaos');
