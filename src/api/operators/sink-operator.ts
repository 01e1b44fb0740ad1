/** Runs a {@link SinkWriter} at the end of a chain. */
import type { Sink, SinkWriter } from '../sink.ts';
import { AbstractStreamOperator } from './abstract-operator.ts';

export class SinkOperator<T> extends AbstractStreamOperator<T, never> {
  private writer!: SinkWriter<T, unknown, unknown>;
  constructor(private readonly sink: Sink<T, any, any>) {
    super();
  }
  override open(): void {
    const c = this.ctx;
    this.writer = this.sink.createWriter({
      subtaskIndex: c.subtaskIndex,
      parallelism: c.parallelism,
      jobName: c.jobName,
      attemptNumber: c.attemptNumber,
      sendToCoordinator: c.sendToCoordinator ? (m) => c.sendToCoordinator!(m) : undefined,
    });
    super.open();
  }
  processElement(value: T, timestamp: number): void {
    this.writer.write(value, timestamp);
  }
  override processWatermark(_watermark: number): void {}
  override finish(): void {
    this.writer.flush(true);
  }
  override close(): void {
    this.writer?.close();
    super.close();
  }
}
