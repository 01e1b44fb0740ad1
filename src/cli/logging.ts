/**
 * The CLI's structured log (pino): every record carries the job (`job_id`, `job_name`) and, from workers,
 * `slot`, `operator` and `subtask`. Written to stderr (stdout is the `--json` summary's): readable lines
 * (pino-pretty) when stderr is a terminal, JSON lines otherwise. The message text (`msg`) is the same
 * text `runJob`'s `log` option receives. User functions' records (`getRuntimeContext().getLogger()`) come
 * the same way, with `operator_id` and the user's fields; the workers drop those below the level.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export function createLogger(level: LevelWithSilent = 'info', stream: NodeJS.WriteStream = process.stderr): Logger {
  const fd = (stream as unknown as { fd?: number }).fd ?? 2;
  // errors logged in workers arrive as plain `{ type, message, stack }` (what pino's serializer makes of an
  // Error): written as they are, where pino's own serializer would call their type 'Object'
  const serializers = { err: (e: unknown) => (e instanceof Error ? pino.stdSerializers.err(e) : e) };
  const base = { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime, serializers };
  if (stream.isTTY)
    return pino(base, pretty({ destination: fd, sync: true, colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss.l' }));
  return pino(base, pino.destination({ fd, sync: true }));
}
