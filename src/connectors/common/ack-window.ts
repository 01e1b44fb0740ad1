/**
 * The messages a connector's I/O thread has sent and the server has not yet acknowledged (MQTT PUBACKs,
 * RabbitMQ publisher confirms), bounded: a full window holds back the next message until the server
 * has acknowledged down to half of it, and a barrier waits until every message sent is acknowledged.
 * Counters, not a promise per message: one callback counts acknowledgements.
 */
export class AckWindow {
  private sent = 0;
  private acked = 0;
  private room: (() => void) | undefined;
  private drained: (() => void) | undefined;

  constructor(readonly max: number) {}

  /** How many may be sent now. */
  get free(): number {
    return this.max - (this.sent - this.acked);
  }

  /** A message was sent. */
  add(): void {
    this.sent++;
  }

  /** The server acknowledged one message (or gave up on it). */
  ack(): void {
    this.acked++;
    if (this.room !== undefined && this.sent - this.acked <= this.max / 2) {
      const r = this.room;
      this.room = undefined;
      r();
    }
    if (this.drained !== undefined && this.acked === this.sent) {
      const d = this.drained;
      this.drained = undefined;
      d();
    }
  }

  /** Resolves when the window has room again (at once when it has). */
  async waitForRoom(): Promise<void> {
    if (this.sent - this.acked < this.max) return;
    await new Promise<void>((r) => (this.room = r));
  }

  /** Resolves when every message sent is acknowledged. */
  async waitForAll(): Promise<void> {
    if (this.acked === this.sent) return;
    await new Promise<void>((r) => (this.drained = r));
  }

  /** Releases whoever waits (the connection is lost: the caller checks why and fails). */
  wake(): void {
    this.room?.();
    this.room = undefined;
    this.drained?.();
    this.drained = undefined;
  }
}
