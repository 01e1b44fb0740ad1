/**
 * Reducers behind `sum/min/max/minBy/maxBy`. Flink's semantics: `sum/min/max` keep the first record's
 * other fields and replace the aggregated field; `minBy/maxBy` keep the whole record that holds the
 * extreme value (the first one on ties). Records are copied, never mutated.
 */
export type FieldRef<T> = T extends readonly unknown[] ? number : T extends object ? keyof T & (string | number) : never;

export type AggKind = 'sum' | 'min' | 'max' | 'minBy' | 'maxBy';

function setField<T>(rec: T, field: string | number, v: number): T {
  if (Array.isArray(rec)) {
    const c = rec.slice();
    c[field as number] = v;
    return c as T;
  }
  // Spread then assign: V8 clones an object literal spread of a same-shaped object on a fast path,
  // which a computed key in the same literal defeats.
  const c = { ...(rec as object) } as Record<string | number, unknown>;
  c[field] = v;
  return c as T;
}

export function fieldAggregator<T>(kind: AggKind, field: unknown): (a: T, b: T) => T {
  const get =
    field === undefined
      ? (r: T) => r as unknown as number
      : (r: T) => {
          const v = (r as any)[field as string];
          if (typeof v !== 'number') throw new TypeError(`${kind}('${String(field)}'): field is ${v === undefined ? 'missing' : typeof v}, expected a number`);
          return v;
        };
  const set = field === undefined ? (_r: T, v: number) => v as unknown as T : (r: T, v: number) => setField(r, field as string, v);
  switch (kind) {
    case 'sum':
      return (a, b) => set(a, get(a) + get(b));
    case 'min':
      return (a, b) => (get(b) < get(a) ? set(a, get(b)) : a);
    case 'max':
      return (a, b) => (get(b) > get(a) ? set(a, get(b)) : a);
    case 'minBy':
      return (a, b) => (get(b) < get(a) ? b : a);
    case 'maxBy':
      return (a, b) => (get(b) > get(a) ? b : a);
  }
}
