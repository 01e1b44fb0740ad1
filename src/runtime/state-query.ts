/**
 * The state browser's read (in the worker, between two batches of the slot): the current value of one key
 * of one keyed state of an operator subtask, in the default (VOID) namespace or in one window's namespace,
 * and the namespaces (windows) the key has a value in for that state. Read-only: the backend's current key
 * and the handle's namespace are put back as they were.
 */
import { keyGroupOf } from '../core/index.ts';
import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
  VOID_NAMESPACE,
  type KeyedStateBackend,
  type Namespace,
} from '../state/index.ts';

/** At most this many namespaces are listed per lookup (`namespacesTruncated` says when there are more). */
export const MAX_LISTED_NAMESPACES = 1000;

/** A state-browser failure with the HTTP status it maps to. */
export interface QueryError {
  status: number;
  message: string;
}

export interface StateQueryResult {
  kind: string;
  keyGroup: number;
  /** The namespace read ('' is VOID). */
  namespace: Namespace;
  value: unknown;
  exists: boolean;
  /** Every namespace the key has a value in for this state, VOID ('') included, in the backend's order. */
  namespaces: Namespace[];
  namespacesTruncated: boolean;
}

/** The descriptor kinds tried in turn: the backend answers with the registered handle of the right kind. */
const KINDS = [
  (n: string) => new ValueStateDescriptor<unknown>(n),
  (n: string) => new ListStateDescriptor<unknown>(n),
  (n: string) => new MapStateDescriptor<unknown, unknown>(n),
  (n: string) => new ReducingStateDescriptor<unknown>(n, (a) => a),
  (n: string) => new AggregatingStateDescriptor<unknown, unknown, unknown>(n, { createAccumulator: () => undefined, add: (_v, a) => a, getResult: (a) => a, merge: (a) => a }),
];

export function queryKeyedState(backend: KeyedStateBackend, stateName: string, key: unknown, namespace: Namespace = VOID_NAMESPACE): StateQueryResult | QueryError {
  if (!backend.getStateNames().includes(stateName))
    return { status: 404, message: `operator has no keyed state '${stateName}' (its states: ${backend.getStateNames().join(', ') || 'none'})` };
  const keyGroup = keyGroupOf(key, backend.maxParallelism);
  if (!backend.keyGroupRange.contains(keyGroup)) return { status: 500, message: `key group ${keyGroup} is not owned by this subtask (${backend.keyGroupRange})` };
  let handle: ReturnType<KeyedStateBackend['getPartitionedState']> | undefined;
  let kind = '';
  for (const make of KINDS) {
    const d = make(stateName);
    try {
      handle = backend.getPartitionedState(d as never);
      kind = d.kind;
      break;
    } catch {
      /* another kind: try the next */
    }
  }
  if (handle === undefined) return { status: 500, message: `state '${stateName}' could not be read` };
  const savedKey = backend.getCurrentKey();
  const savedNs = handle.getCurrentNamespace();
  try {
    backend.setCurrentKey(key);
    const all = backend.getNamespaces(stateName);
    handle.setCurrentNamespace(namespace);
    let value: unknown;
    const h = handle as unknown as Record<string, () => unknown>;
    switch (kind) {
      case 'value':
        value = h.value!.call(handle);
        break;
      case 'list': {
        const v = h.get!.call(handle) as Iterable<unknown> | undefined;
        value = v === undefined || v === null ? undefined : [...v];
        if (Array.isArray(value) && value.length === 0) value = undefined;
        break;
      }
      case 'map': {
        const v = [...(h.entries!.call(handle) as Iterable<[unknown, unknown]>)];
        value = v.length ? v : undefined;
        break;
      }
      default:
        value = h.get!.call(handle);
    }
    const namespaces = all.length > MAX_LISTED_NAMESPACES ? all.slice(0, MAX_LISTED_NAMESPACES) : all;
    return { kind, keyGroup, namespace, value: value ?? null, exists: value !== undefined && value !== null, namespaces, namespacesTruncated: all.length > namespaces.length };
  } finally {
    handle.setCurrentNamespace(savedNs);
    if (savedKey === undefined) backend.clearCurrentKey();
    else backend.setCurrentKey(savedKey);
  }
}
