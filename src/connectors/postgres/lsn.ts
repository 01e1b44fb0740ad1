/**
 * PostgreSQL log sequence numbers (`X/Y`, two 32-bit hex halves) as plain numbers, so positions compare
 * with `<` and travel in checkpoints as strings. A number holds an LSN exactly up to 2^53 bytes of WAL.
 */

/** `'16/B374D848'` → a number; throws on anything else. */
export function parseLsn(lsn: string): number {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn);
  if (!m) throw new Error(`not a PostgreSQL LSN: '${lsn}'`);
  return parseInt(m[1]!, 16) * 0x1_0000_0000 + parseInt(m[2]!, 16);
}

/** A number → `'16/B374D848'`. */
export function formatLsn(n: number): string {
  const hi = Math.floor(n / 0x1_0000_0000);
  const lo = n - hi * 0x1_0000_0000;
  return `${hi.toString(16).toUpperCase()}/${lo.toString(16).toUpperCase()}`;
}

/** The standby status update ('r') telling the server that everything before `lsn` is flushed. */
export function standbyStatusUpdate(lsn: number, replyRequested = false): Buffer {
  const b = Buffer.alloc(34);
  b[0] = 0x72;
  const hi = Math.floor(lsn / 0x1_0000_0000);
  const lo = lsn - hi * 0x1_0000_0000;
  for (const at of [1, 9, 17]) {
    b.writeUInt32BE(hi, at); // written, flushed, applied: the same position
    b.writeUInt32BE(lo, at + 4);
  }
  // microseconds since 2000-01-01
  const us = BigInt(Date.now() - 946_684_800_000) * 1000n;
  b.writeBigInt64BE(us, 25);
  b[33] = replyRequested ? 1 : 0;
  return b;
}
