// Routes a sequence through one partitioner and tags each record with the subtask that received it.
import { StreamEnvironment, RichMapFunction, jobParameters, type DataStream } from 'eddy';

const { mode = 'rebalance', n = 2000, up = 2, down = 4 } = jobParameters<{ mode?: string; n?: number; up?: number; down?: number }>();
const env = StreamEnvironment.create({ parallelism: up });
const src = env.fromSequence(0, n - 1);
class Tag extends RichMapFunction<number, [number, number]> {
  map(v: number): [number, number] {
    return [v, this.getRuntimeContext().getIndexOfThisSubtask()];
  }
}
let s: DataStream<number>;
switch (mode) {
  case 'forward':
    s = src.forward();
    break;
  case 'rebalance':
    s = src.rebalance();
    break;
  case 'rescale':
    s = src.rescale();
    break;
  case 'shuffle':
    s = src.shuffle();
    break;
  case 'broadcast':
    s = src.broadcast();
    break;
  case 'global':
    s = src.global();
    break;
  case 'hash':
    s = src.keyBy((v) => v % 97);
    break;
  default:
    throw new Error(`unknown mode ${mode}`);
}
await s.map(new Tag()).setParallelism(mode === 'forward' ? up : down).executeAndCollect(`partition-${mode}`);
