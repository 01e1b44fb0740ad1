/**
 * {@link EvictingWindowOperator}: a {@link WindowOperator} that buffers every element with its timestamp in
 * list state and lets an {@link Evictor} remove elements before and after the window function. Reduce and
 * aggregate windows with an evictor fold the remaining elements at firing time (no incremental state).
 */
import type { ListState } from '../../state/index.ts';
import { ListStateDescriptor } from '../../state/index.ts';
import type { Evictor, TimestampedValue } from './evictors.ts';
import { WindowOperator, type WindowOperatorOptions } from './window-operator.ts';
import type { Window } from './windows.ts';

/** Options of {@link EvictingWindowOperator}: those of the window operator, minus the state, plus the evictor. */
export interface EvictingWindowOperatorOptions<IN, ACC_OUT, OUT, K, W extends Window> extends Omit<WindowOperatorOptions<IN, ACC_OUT, OUT, K, W>, 'stateDescriptor'> {
  evictor: Evictor<IN, W>;
  /** Folds the remaining elements into what the window function gets (reduce/aggregate); identity when absent. */
  preAggregate?: (values: IN[]) => ACC_OUT[];
}

/** The evicting window operator (see file comment). */
export class EvictingWindowOperator<IN, ACC_OUT, OUT, K, W extends Window> extends WindowOperator<IN, ACC_OUT, OUT, K, W> {
  private readonly evictor: Evictor<IN, W>;
  private readonly preAggregate: ((values: IN[]) => ACC_OUT[]) | undefined;
  private buffer: TimestampedValue<IN>[] = [];

  constructor(o: EvictingWindowOperatorOptions<IN, ACC_OUT, OUT, K, W>) {
    super({ ...o, stateDescriptor: new ListStateDescriptor<TimestampedValue<IN>>('window-contents') });
    this.evictor = o.evictor;
    this.preAggregate = o.preAggregate;
  }

  private list(): ListState<TimestampedValue<IN>> {
    return this.windowState as unknown as ListState<TimestampedValue<IN>>;
  }

  protected override addToState(value: IN, timestamp: number): void {
    this.list().add({ value, timestamp });
  }

  protected override readContents(window: W): ACC_OUT[] | undefined {
    const elements = this.list().get();
    if (elements.length === 0) return undefined;
    this.evictor.evictBefore(elements, elements.length, window, this.timeContext());
    this.buffer = elements;
    const values = elements.map((e) => e.value);
    return this.preAggregate ? this.preAggregate(values) : (values as unknown as ACC_OUT[]);
  }

  protected override afterFire(window: W): void {
    const elements = this.buffer;
    this.buffer = [];
    this.evictor.evictAfter(elements, elements.length, window, this.timeContext());
    this.list().update(elements);
  }
}
