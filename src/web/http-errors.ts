/**
 * Flink's error answers (`{"errors": ["…"]}` with a 4xx/5xx status) and the request validation that
 * produces them: each route declares JSON schemas for its body and query; {@link compileValidator}
 * checks a request against one and lists every problem in words a user can act on.
 */

/** A request that cannot be served: the status and the messages of the `errors` body. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly errors: string[],
    readonly headers: Record<string, string> = {},
  ) {
    super(errors.join('; '));
  }
}

/** The subset of JSON Schema the routes use. */
export interface Schema {
  type?: 'object' | 'string' | 'boolean' | 'integer' | 'number';
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean;
  description?: string;
  minLength?: number;
  enum?: string[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

/**
 * A fastify validator for `schema` (`httpPart` body or querystring). Query values arrive as strings:
 * integers and booleans are converted in place.
 */
export function compileValidator(schema: Schema, httpPart: string): (data: unknown) => true | { error: HttpError } {
  const body = httpPart === 'body';
  const what = body ? 'field' : 'query parameter';
  return (data) => {
    if (body && (data === null || typeof data !== 'object' || Array.isArray(data))) return { error: new HttpError(400, [`request body must be a JSON object, got ${typeName(data)}`]) };
    const o = (data ?? {}) as Record<string, unknown>;
    const props = schema.properties ?? {};
    const errors: string[] = [];
    if (schema.additionalProperties === false)
      for (const k of Object.keys(o)) if (!(k in props)) errors.push(`unknown ${what} '${k}' (known: ${Object.keys(props).join(', ') || 'none'})`);
    for (const [k, p] of Object.entries(props)) {
      let v = o[k];
      const desc = p.description ?? k;
      if (v === undefined || v === null) {
        if (schema.required?.includes(k)) errors.push(`${what} '${k}' is required: ${desc}`);
        continue;
      }
      if (!body && typeof v === 'string') {
        if ((p.type === 'integer' || p.type === 'number') && v.trim() !== '' && !Number.isNaN(Number(v))) o[k] = v = Number(v);
        else if (p.type === 'boolean' && (v === 'true' || v === 'false')) o[k] = v = v === 'true';
      }
      const t = p.type;
      const ok = t === undefined || (t === 'integer' ? Number.isInteger(v) : typeof v === t);
      if (!ok) {
        errors.push(body ? `${what} '${k}' must be a ${t} (${desc}), got ${typeName(v)}` : `${what} '${k}' must be ${t === 'integer' ? 'an integer' : `a ${t}`} (${desc}), got '${String(v)}'`);
        continue;
      }
      if (typeof v === 'string') {
        if (p.minLength !== undefined && v.length < p.minLength) errors.push(`${what} '${k}' must not be empty: ${desc}`);
        else if (p.enum !== undefined && !p.enum.includes(v)) errors.push(`${what} '${k}' must be ${p.enum.map((x) => `'${x}'`).join(' or ')}, got '${v}'`);
      }
      if (typeof v === 'number' && ((p.minimum !== undefined && v < p.minimum) || (p.maximum !== undefined && v > p.maximum)))
        errors.push(`${what} '${k}' must be between ${p.minimum} and ${p.maximum} (${desc}), got ${v}`);
    }
    return errors.length ? { error: new HttpError(400, errors) } : true;
  };
}
