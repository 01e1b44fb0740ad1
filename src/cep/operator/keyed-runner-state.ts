/**
 * Per-key CEP state in the keyed state backend: the automaton of the current key (an `NFA` or a
 * `DynamicPatternSet`, called a runner here) stored as `{ s: snapshot }` in a `ValueState`, so the heap and
 * lmdb backends, checkpoints, savepoints and rescaling all carry it like any other keyed state.
 *
 * lmdb (and the heap with `stateCache: false`): the runner is rebuilt from the stored snapshot when read
 * and written back as a fresh snapshot after every change. Correct, but O(state of the key) per event.
 *
 * Heap (default): the stored value is a *live holder*: an object whose only enumerable property `s` is a
 * getter that takes the runner's snapshot the first time anything reads it, then keeps that snapshot and
 * lets go of the runner (the holder is sealed). Nothing in the operator reads `s` while the holder is
 * live, so events cost no snapshot. Whatever copies or encodes state does read it: the heap backend's
 * copy-on-write (the first access to a key group after a checkpoint capture deep-copies the group, and so
 * seals its holders before anything changes) and the snapshot encoder (which seals the holders of a key
 * group nobody touched since the capture, whose runners therefore still have the captured state). A
 * sealed holder, or its copy, is never live again: the next event rebuilds the runner from `s` and stores
 * a new holder. So a checkpoint always sees the state at the capture, at the cost of one snapshot per
 * key that holds state per checkpoint, instead of one per event.
 */
import type { KeyedStateBackend, ValueState } from '../../state/index.ts';
import { ValueStateDescriptor } from '../../state/index.ts';

/** What the operator keeps per key: something that snapshots to plain data and can say it holds nothing. */
export interface CepRunner<S> {
  snapshot(): S;
  readonly isEmpty: boolean;
}

/** The stored value: the runner's snapshot (the same shape on every backend). */
interface Stored<S> {
  readonly s: S;
}

const LIVE = Symbol('cep-live-runner');
const SEALED = Symbol('cep-sealed-snapshot');

type Holder<R, S> = Stored<S> & { [LIVE]: R | undefined; [SEALED]: S | undefined };

/** Takes the holder's snapshot the first time it is asked for, then lets go of the runner. */
function seal<R extends CepRunner<S>, S>(h: Holder<R, S>): S {
  let sealed = h[SEALED];
  if (sealed === undefined) {
    sealed = h[SEALED] = h[LIVE]!.snapshot();
    h[LIVE] = undefined;
  }
  return sealed;
}

/**
 * The accessor of every holder's `s`: one shared descriptor and getter, so that making a holder allocates
 * the holder only (a closure and two descriptors per holder made this a visible cost for many keys).
 */
const S_PROPERTY: PropertyDescriptor = {
  enumerable: true,
  get(this: Holder<CepRunner<unknown>, unknown>): unknown {
    return seal(this);
  },
};

/**
 * A holder whose `s` seals it: reading it takes the snapshot and detaches the runner. The runner and the
 * snapshot sit under symbol keys, which copies and encoders skip (they read own enumerable string keys).
 */
function liveHolder<R extends CepRunner<S>, S>(runner: R): Stored<S> {
  const h = { [LIVE]: runner, [SEALED]: undefined } as Holder<R, S>;
  Object.defineProperty(h, 's', S_PROPERTY);
  return h;
}

/** Loads and saves the current key's runner. */
export class KeyedRunnerState<R extends CepRunner<S>, S> {
  /** The name of the ValueState that holds the runners. */
  static readonly STATE_NAME = 'cep-nfa';
  private readonly state: ValueState<Stored<S>>;
  private readonly live: boolean;
  /** The live runner `load` returned (its holder is the stored value until `save`). */
  private loaded: R | undefined;

  /**
   * @param restore rebuilds a runner from its stored snapshot
   * @param useLiveHolders keep live runners in state (heap backend only; ignored on lmdb)
   */
  constructor(
    backend: KeyedStateBackend,
    name: string,
    private readonly restore: (snapshot: S) => R,
    useLiveHolders: boolean,
  ) {
    this.state = backend.getState(new ValueStateDescriptor<Stored<S>>(name));
    this.live = useLiveHolders && backend.kind === 'heap';
  }

  /** The current key's runner, or `undefined` when the key has no state. */
  load(): R | undefined {
    const v = this.state.value() as (Stored<S> & { [LIVE]?: R | undefined }) | undefined;
    this.loaded = undefined;
    if (v === undefined || v === null) return undefined;
    if (this.live) {
      const r = v[LIVE];
      if (r !== undefined) return (this.loaded = r);
    }
    return this.restore(v.s);
  }

  /** Writes the current key's runner back, or clears the key's state when the runner holds nothing. */
  save(runner: R): void {
    const loaded = this.loaded;
    this.loaded = undefined;
    if (runner.isEmpty) {
      this.state.clear();
      return;
    }
    if (!this.live) {
      this.state.update({ s: runner.snapshot() });
      return;
    }
    // the holder `load` found is still the stored value (nothing can seal it within one callback)
    if (loaded !== runner) this.state.update(liveHolder<R, S>(runner));
  }
}
