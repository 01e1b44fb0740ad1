// A job whose user functions log through getRuntimeContext().getLogger(), for the user-logger test:
// n numbers over two subtasks; each subtask logs one info record when it opens, a debug record for every
// multiple of 100 it sees, and a warn record with an Error for the number 7.
import { RichMapFunction, StreamEnvironment, jobParameters, type UserLogger } from 'eddy';

const { n = 1000 } = jobParameters<{ n?: number }>();

class Logged extends RichMapFunction<number, number> {
  private log!: UserLogger;
  override open(): void {
    this.log = this.getRuntimeContext().getLogger();
    this.log.info({ phase: 'open', parallelism: this.getRuntimeContext().getNumberOfParallelSubtasks() }, 'logged map opened');
  }
  map(x: number): number {
    if (x % 100 === 0 && this.log.isLevelEnabled('debug')) this.log.debug({ x }, 'a multiple of 100');
    if (x === 7) this.log.warn(new RangeError('seven is suspicious'), 'odd value');
    return x;
  }
}

const env = StreamEnvironment.create({ parallelism: 2 });
env
  .fromSequence(0, n - 1)
  .rebalance()
  .map(new Logged())
  .name('logged map')
  .sinkTo({ name: 'Discard', createWriter: () => ({ write() {}, flush() {}, close() {} }) });
await env.execute('logging');
