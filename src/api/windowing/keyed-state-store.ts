/**
 * {@link namespacedStateStore}: keyed state handles scoped to a namespace chosen at access time. Window
 * functions get one for the current window (`windowState()`) and one for no window (`globalState()`); the
 * window operator also scopes its rich functions' runtime-context state to the VOID namespace with it.
 */
import type { AnyStateDescriptor, KeyedStateBackend, Namespace } from '../../state/index.ts';
import type { KeyedStateStore } from './window-functions.ts';

/**
 * A {@link KeyedStateStore} over `backend` whose handles are set to `namespace()` on every access. Handles
 * are shared per descriptor name, so use different names for per-window and global state.
 */
export function namespacedStateStore(backend: () => KeyedStateBackend, namespace: () => Namespace): KeyedStateStore {
  const get = <S>(d: AnyStateDescriptor): S => {
    const h = backend().getPartitionedState(d);
    h.setCurrentNamespace(namespace());
    return h as unknown as S;
  };
  return {
    getState: (d) => get(d),
    getListState: (d) => get(d),
    getMapState: (d) => get(d),
    getReducingState: (d) => get(d),
    getAggregatingState: (d) => get(d),
  };
}
