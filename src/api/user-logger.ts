/**
 * The {@link UserLogger} a runtime context hands out: pino's call shapes over a `write(level, msg, fields)`
 * that the runtime supplies (in a worker it posts the record to the JobManager's log). A record below the
 * level returns after one comparison. Fields are copied to plain data here (errors become
 * `{ type, message, stack }`), so they cross threads whatever the user passed.
 */
import type { UserLogger, UserLogLevel } from './functions.ts';

const RANK: Record<UserLogLevel | 'silent', number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

/** Where a record goes: its level, message and fields (plain data). */
export type UserLogWrite = (level: UserLogLevel, msg: string, fields: Record<string, unknown> | undefined) => void;

export function isUserLogLevel(l: unknown): l is UserLogLevel | 'silent' {
  return typeof l === 'string' && Object.prototype.hasOwnProperty.call(RANK, l);
}

export function createUserLogger(level: UserLogLevel | 'silent', write: UserLogWrite): UserLogger {
  if (!isUserLogLevel(level)) throw new TypeError(`log level must be one of ${Object.keys(RANK).join(', ')}, got ${JSON.stringify(level)}`);
  const min = RANK[level];
  const at =
    (l: UserLogLevel) =>
    (a: unknown, msg?: string): void => {
      if (RANK[l] < min) return;
      if (typeof a === 'string' && msg === undefined) write(l, a, undefined);
      else if (a instanceof Error) write(l, msg ?? a.message, { err: errorFields(a) });
      else if (a !== null && typeof a === 'object') write(l, msg ?? '', plainFields(a as Record<string, unknown>));
      else write(l, msg === undefined ? String(a) : `${String(a)} ${msg}`, undefined);
    };
  return {
    level,
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    isLevelEnabled: (l) => RANK[l] >= min,
  };
}

function errorFields(e: Error): Record<string, unknown> {
  return { type: e.name, message: e.message, stack: e.stack };
}

/** The fields as JSON-able data (what pino would write): errors expanded, functions and cycles dropped. */
function plainFields(o: Record<string, unknown>): Record<string, unknown> {
  const seen = new WeakSet<object>();
  try {
    return JSON.parse(
      JSON.stringify(o, (_k, v: unknown) => {
        if (typeof v === 'bigint') return v.toString();
        if (v instanceof Error) return errorFields(v);
        if (v !== null && typeof v === 'object') {
          if (seen.has(v)) return '[Circular]';
          seen.add(v);
        }
        return v;
      }),
    ) as Record<string, unknown>;
  } catch (e) {
    return { fieldsError: `the log fields could not be serialized: ${(e as Error).message}` };
  }
}

/** Outside the runtime (an operator harness): records go to stderr as JSON lines, at info and above. */
export const STDERR_USER_LOGGER: UserLogger = createUserLogger('info', (level, msg, fields) => {
  process.stderr.write(JSON.stringify({ level, msg, ...fields }) + '\n');
});
