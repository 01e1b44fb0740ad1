/**
 * Tasks: one subtask of one vertex, driven by its slot's loop. The pieces live in their own files; this
 * module gathers them for the rest of the runtime:
 * - `task-base.ts`: {@link StreamTask}, what every task shares (checkpoints' synchronous part and
 *   acknowledgement, mail, timers, end of input, error wrapping);
 * - `source-task.ts`: {@link SourceTask}, the source loop (reader polls, checkpoint triggers, split
 *   assignments deferred past a triggered checkpoint);
 * - `barrier-handling-task.ts`: barrier alignment, unaligned capture and deadlines, carrying out what the
 *   pure `BarrierAligner` (src/checkpoint) decides;
 * - `input-task.ts`: {@link InputTask}, the input hot loop over record batches.
 */
export { StreamTask, type BarrierOptions } from './task-base.ts';
export { BarrierHandlingTask } from './barrier-handling-task.ts';
export { InputTask } from './input-task.ts';
export { SourceTask } from './source-task.ts';
