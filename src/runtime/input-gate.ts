/**
 * The input side of a task: its channels, read round-robin one element at a time, and the watermark
 * valve: the task's watermark is the minimum over channels that are neither idle nor ended; it only
 * moves forward. When every live channel is idle the task reports itself idle downstream, and (as Flink's
 * StatusWatermarkValve) its watermark moves up to the highest watermark of those idle channels: none of
 * them will advance, so none should hold the others back.
 */
import type { InputChannel } from './channels.ts';

export class InputGate {
  private next = 0;
  private endedCount = 0;
  /** The task's current (combined) watermark. */
  watermark = -Infinity;
  idle = false;
  constructor(readonly channels: InputChannel[]) {}

  get finished(): boolean {
    return this.endedCount === this.channels.length;
  }

  hasData(): boolean {
    for (const c of this.channels) if (c.available > 0 && !c.blocked) return true;
    return false;
  }

  /** The next channel (round-robin) with something to read, or undefined. */
  nextChannel(): InputChannel | undefined {
    const n = this.channels.length;
    for (let k = 0; k < n; k++) {
      const i = (this.next + k) % n;
      const c = this.channels[i]!;
      if (c.available > 0 && !c.blocked) {
        this.next = (i + 1) % n;
        return c;
      }
    }
    return undefined;
  }

  /** Records a channel watermark; returns the new combined watermark if it advanced, else undefined. */
  onWatermark(c: InputChannel, wm: number): number | undefined {
    if (wm > c.watermark) c.watermark = wm;
    return this.recompute();
  }

  onIdle(c: InputChannel): number | undefined {
    c.idle = true;
    return this.recompute();
  }

  onActive(c: InputChannel): void {
    c.idle = false;
    this.idle = false;
  }

  onEnd(c: InputChannel): number | undefined {
    if (!c.ended) {
      c.ended = true;
      this.endedCount++;
    }
    return this.recompute();
  }

  private recompute(): number | undefined {
    let min = Infinity;
    let live = 0;
    for (const c of this.channels) {
      if (c.ended || c.idle) continue;
      live++;
      if (c.watermark < min) min = c.watermark;
    }
    if (live === 0) {
      // every channel ended or idle: ended channels carried +Infinity before ending
      if (this.endedCount === this.channels.length) return undefined;
      this.idle = true;
      let max = -Infinity;
      for (const c of this.channels) if (!c.ended && c.watermark > max) max = c.watermark;
      if (max > this.watermark) {
        this.watermark = max;
        return max;
      }
      return undefined;
    }
    if (min > this.watermark) {
      this.watermark = min;
      return min;
    }
    return undefined;
  }
}
