/**
 * The Redis Streams connector (`eddy/connectors/redis`): {@link RedisStreamSource}, a replayable source
 * (XREAD from entry ids kept in checkpoints, one split per stream, bounded mode), and
 * {@link RedisStreamSink}, an exactly-once sink (two-phase commit applied by a Lua script that appends a
 * chunk of entries and records it in a per-writer marker key atomically, so a repeated commit is a
 * no-op). Uses the official `redis` client; builds on the Source and Sink SPI of `api` only.
 */
export { RedisStreamSource, compareIds, checkRedisUrl } from './redis-stream-source.ts';
export type { RedisStreamSourceOptions, RedisStreamSplit, RedisStreamStart } from './redis-stream-source.ts';
export { RedisStreamSink, RedisStreamSinkWriter, RedisStreamCommitter, COMMIT_SCRIPT } from './redis-stream-sink.ts';
export type { RedisStreamSinkOptions, RedisStreamCommittable } from './redis-stream-sink.ts';
export { connectRedis, acquireRedis, releaseRedis, maskRedisUrl } from './connection.ts';
export type { RedisClient } from './connection.ts';
export { RedisLookup } from './lookup.ts';
export type { RedisLookupOptions } from './lookup.ts';
