/**
 * A named side output. `ctx.output(tag, value)` in a process function; `stream.getSideOutput(tag)` to
 * consume it. Tags are equal when their ids are equal.
 */
export class OutputTag<T> {
  /** Phantom field carrying the element type. */
  declare readonly __type?: T;
  constructor(readonly id: string) {
    if (typeof id !== 'string' || id.length === 0) throw new TypeError('OutputTag id must be a non-empty string');
  }
  toString(): string {
    return `OutputTag(${this.id})`;
  }
}
