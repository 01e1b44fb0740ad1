/**
 * Building blocks shared by connectors (not a public entry point): the positioned queue that source
 * readers drain in the task loop, and the synchronous front to an I/O thread that sinks use to block on
 * a barrier. Builds on `api` and `core` only.
 */
export { PositionedQueue } from './positioned-queue.ts';
export type { QueueOwner } from './positioned-queue.ts';
export { SyncIoThread, serveSync, failWith } from './sync-io-thread.ts';
export { AckWindow } from './ack-window.ts';
export type { SyncHandlers, SyncIoOptions } from './sync-io-thread.ts';
