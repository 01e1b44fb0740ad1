// Where the Nexmark examples send results: collected (for tests, `collect=true`), printed
// (`print=true`), or discarded (the default, as the Nexmark benchmark does with a blackhole sink).
import { jobParameters, type DataStream, type Sink } from 'eddy';

/** A sink that drops everything (Flink's DiscardingSink / Nexmark's blackhole). */
export const discard: Sink<unknown> = {
  name: 'Discard',
  createWriter: () => ({ write() {}, flush() {}, close() {} }),
};

/**
 * Finishes a Nexmark job: `collect=true` collects, `print=true` prints, else discards.
 * `checkpoint=<ms>` enables checkpointing every `ms` (the benchmark measures its cost).
 */
export async function sinkFor<T>(stream: DataStream<T>, jobName: string): Promise<void> {
  const { collect = false, print = false, checkpoint = 0 } = jobParameters<{ collect?: boolean; print?: boolean; checkpoint?: number }>();
  if (checkpoint > 0) stream.env.enableCheckpointing(checkpoint);
  if (collect) await stream.executeAndCollect(jobName);
  else {
    if (print) stream.print();
    else stream.sinkTo(discard as Sink<T>);
    await stream.env.execute(jobName);
  }
}
