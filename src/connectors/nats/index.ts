/**
 * The NATS JetStream connector (`eddy/connectors/nats`): {@link JetStreamSource}, a replayable source
 * reading by stream sequence with ordered consumers (positions in checkpoints, one split per subject
 * filter, bounded mode), and {@link JetStreamSink}, an exactly-once sink (two-phase commit whose commit
 * publishes with fixed `Nats-Msg-Id`s, deduplicated by JetStream within the stream's duplicate window).
 * Uses the official `@nats-io/jetstream` and `@nats-io/transport-node` clients; builds on the Source and
 * Sink SPI of `api` only.
 */
export { JetStreamSource, checkNatsConnectionOptions } from './jetstream-source.ts';
export type { JetStreamSourceOptions, JetStreamSplit, JetStreamStart, JetStreamMessageInfo } from './jetstream-source.ts';
export { JetStreamReader } from './jetstream-reader.ts';
export { JetStreamSink, JetStreamSinkWriter, JetStreamCommitter } from './jetstream-sink.ts';
export type { JetStreamSinkOptions, JetStreamCommittable, JetStreamPayload } from './jetstream-sink.ts';
export { acquireNats, releaseNats, describeServers } from './connection.ts';
export type { NatsConnectionOptions } from './connection.ts';
