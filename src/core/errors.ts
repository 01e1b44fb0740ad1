/**
 * Classified errors. Every error eddy raises is an {@link EddyError} with a `domain` (whose fault it is)
 * and `retriable` (whether a restart may help). The task boundary wraps user exceptions in a
 * {@link UserFunctionError} that names the operator, subtask and record position, keeping the cause.
 */

export type ErrorDomain = 'user' | 'external' | 'internal';

export class EddyError extends Error {
  readonly domain: ErrorDomain;
  readonly retriable: boolean;
  constructor(message: string, opts: { domain?: ErrorDomain; retriable?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.name = new.target.name;
    this.domain = opts.domain ?? 'internal';
    this.retriable = opts.retriable ?? false;
  }
}

/** Invalid job configuration or API use, detected before anything runs. */
export class ConfigurationError extends EddyError {
  constructor(message: string, cause?: unknown) {
    super(message, { domain: 'user', retriable: false, cause });
  }
}

/**
 * An exception thrown by user code (or a connector) inside a running task. Retriable, unless it wraps a
 * user-domain error that says it is not (a {@link ConfigurationError}, a {@link SerializationError}: a
 * restart would fail the same way).
 */
export class UserFunctionError extends EddyError {
  constructor(
    message: string,
    readonly operator: string,
    readonly subtask: number,
    cause?: unknown,
  ) {
    const c = cause as { domain?: unknown; retriable?: unknown } | undefined;
    super(message, { domain: 'user', retriable: !(c instanceof EddyError && c.domain === 'user' && c.retriable === false), cause });
  }
}

/** A value that cannot cross a thread boundary (structured clone failed). */
export class SerializationError extends EddyError {
  constructor(message: string, cause?: unknown) {
    super(message, { domain: 'user', retriable: false, cause });
  }
}

/** The job was cancelled (Ctrl-C, SIGTERM, `cancel()`). */
export class JobCancelledError extends EddyError {
  constructor(message = 'job cancelled') {
    super(message, { domain: 'user', retriable: false });
  }
}

/** A short JSON preview of a value for error messages (at most `max` characters). */
export function preview(v: unknown, max = 120): string {
  let s: string;
  try {
    s = typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
  } catch {
    s = String(v);
  }
  return s.length > max ? s.slice(0, max - 3) + '...' : s;
}

/** Describes a value's type for error messages: `number`, `string`, `Function`, `class Foo`, `Array`. */
export function describeType(v: unknown): string {
  if (v === null) return 'null';
  const t = typeof v;
  if (t === 'function') return `function ${(v as { name?: string }).name || '(anonymous)'}`;
  if (t !== 'object') return t;
  const proto = Object.getPrototypeOf(v);
  if (proto === null) return 'object (null prototype)';
  const ctor = proto.constructor as { name?: string } | undefined;
  return ctor?.name ? (ctor.name === 'Object' ? 'object' : `instance of ${ctor.name}`) : 'object';
}

/** Serialises an error (with its cause chain and own fields) for posting across threads. */
export interface ErrorRecord {
  name: string;
  message: string;
  stack?: string;
  domain?: ErrorDomain;
  retriable?: boolean;
  operator?: string;
  subtask?: number;
  cause?: ErrorRecord;
}

export function errorToRecord(e: unknown, depth = 0): ErrorRecord {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e) };
  const r: ErrorRecord = { name: e.name, message: e.message, stack: e.stack };
  const x = e as Partial<UserFunctionError>;
  if (x.domain) r.domain = x.domain;
  if (x.retriable !== undefined) r.retriable = x.retriable;
  if (x.operator !== undefined) r.operator = x.operator;
  if (x.subtask !== undefined) r.subtask = x.subtask;
  if (e.cause !== undefined && depth < 5) r.cause = errorToRecord(e.cause, depth + 1);
  return r;
}

export function errorFromRecord(r: ErrorRecord): Error {
  const cause = r.cause ? errorFromRecord(r.cause) : undefined;
  let e: Error;
  if (r.name === 'UserFunctionError') e = new UserFunctionError(r.message, r.operator ?? '?', r.subtask ?? -1, cause);
  else if (r.name === 'SerializationError') e = new SerializationError(r.message, cause);
  else if (r.name === 'ConfigurationError') e = new ConfigurationError(r.message, cause);
  else {
    e = new EddyError(r.message, { domain: r.domain, retriable: r.retriable, cause });
    e.name = r.name;
  }
  if (r.stack) e.stack = r.stack;
  return e;
}
