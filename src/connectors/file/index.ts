/**
 * The file connector (`eddy/connectors/file`): {@link FileSink}, an exactly-once row-format sink whose
 * part files go in-progress → pending (on a checkpoint) → committed (renamed visible when the checkpoint
 * completes). Builds on the Sink SPI of `api` only.
 */
export { FileSink, FileSinkBuilder, FileSinkCommitter, defaultLineEncoder } from './file-sink.ts';
export { FileSinkWriter } from './file-sink-writer.ts';
export type { FileSinkCommittable, FileSinkWriterState, FileSinkSettings } from './file-sink-writer.ts';
export { partName, parsePartName, listPartFiles } from './part-files.ts';
export type { OutputFileConfig, PartFile, PartStage } from './part-files.ts';
