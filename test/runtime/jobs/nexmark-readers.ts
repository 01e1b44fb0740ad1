// Every Nexmark event with the subtask of the reader that produced it: `{ r: subtask, n: dateTime, kind }`.
// Parameters: p (parallelism), events, seed.
import { RichMapFunction, StreamEnvironment, WatermarkStrategy, jobParameters } from 'eddy';
import { NexmarkSource, type NexmarkEvent } from 'eddy/connectors/nexmark';

const { p = 3, events = 30_000, seed = 5 } = jobParameters<{ p?: number; events?: number; seed?: number }>();

class TagReader extends RichMapFunction<NexmarkEvent, { r: number; t: number; kind: string }> {
  private r = 0;
  override open(): void {
    this.r = this.getRuntimeContext().getIndexOfThisSubtask();
  }
  map(e: NexmarkEvent): { r: number; t: number; kind: string } {
    return { r: this.r, t: e.dateTime, kind: e.kind };
  }
}

const env = StreamEnvironment.create({ parallelism: p });
await env
  .fromSource(NexmarkSource.events({ events, seed }), WatermarkStrategy.noWatermarks<NexmarkEvent>(), 'events')
  .map(new TagReader())
  .name('tag reader')
  .executeAndCollect('nexmark-readers');
