/**
 * {@link MergingWindowSet}: the in-flight windows of one key for a merging assigner (sessions), Flink's
 * `MergingWindowSet`. Each window maps to a *state window*: the namespace its contents actually live in.
 * When windows merge, the result keeps one of the merged windows' state windows, so only the other state
 * windows' contents are moved (`mergeNamespaces`), not all of them. The mapping is kept in keyed state
 * (VOID namespace) so it is checkpointed with the contents.
 */
import { EddyError } from '../../core/index.ts';
import type { ValueState } from '../../state/index.ts';
import type { MergingWindowAssigner } from './window-assigner.ts';
import { namespaceToWindow, windowToNamespace, type Window } from './windows.ts';

/** Called when windows merge: `mergedWindows` become `mergeResult`; move state from `mergedStateWindows` into `stateWindowResult`. */
export type MergeFunction<W> = (mergeResult: W, mergedWindows: W[], stateWindowResult: string, mergedStateWindows: string[]) => void;

/** The merging window set of the current key; create one per record/timer, then `persist()`. */
export class MergingWindowSet<W extends Window> {
  /** window namespace → state window namespace. */
  private readonly mapping: Map<string, string>;
  /** Whether the mapping changed since it was read (persist writes only then). */
  private dirty = false;

  constructor(
    private readonly assigner: MergingWindowAssigner<unknown, W>,
    private readonly state: ValueState<[string, string][]>,
  ) {
    this.mapping = new Map(state.value() ?? []);
  }

  /** The state window (namespace) of `window`, or undefined when the window is not in flight. */
  getStateWindow(window: W): string | undefined {
    return this.mapping.get(windowToNamespace(window));
  }

  /** Removes a window (fired and cleaned up, or late). */
  retireWindow(window: W): void {
    const ns = windowToNamespace(window);
    if (!this.mapping.delete(ns)) throw new EddyError(`window ${String(window)} is not in the in-flight window set`);
    this.dirty = true;
  }

  /** Writes the mapping back to state if it changed. */
  persist(): void {
    if (!this.dirty) return;
    this.dirty = false;
    if (this.mapping.size === 0) this.state.clear();
    else this.state.update([...this.mapping.entries()]);
  }

  /**
   * Adds `newWindow` and merges it with the in-flight windows it overlaps. Returns the window the new
   * element ends up in (the new window or a merge result); `mergeFunction` is called for every merge that
   * involves state (not for a window that only absorbs the new one without growing).
   */
  addWindow(newWindow: W, mergeFunction: MergeFunction<W>): W {
    const newNs = windowToNamespace(newWindow);
    const windows = [...this.mapping.keys()].map((ns) => namespaceToWindow(ns) as W);
    windows.push(newWindow); // may duplicate an in-flight window: then the pair merges into it (Flink)
    const mergeResults: Array<[W, W[]]> = [];
    this.assigner.mergeWindows(windows, (toBeMerged, mergeResult) => mergeResults.push([mergeResult, toBeMerged]));

    let resultWindow = newWindow;
    let mergedNewWindow = false;
    const before = mergeResults.length > 0 ? new Map(this.mapping) : undefined;
    for (const [mergeResult, mergedWindowsAll] of mergeResults) {
      const resultNs = windowToNamespace(mergeResult);
      const mergedNs = mergedWindowsAll.map(windowToNamespace);
      const idxNew = mergedNs.indexOf(newNs);
      const merged = mergedWindowsAll.slice();
      if (idxNew >= 0) {
        mergedNewWindow = true;
        resultWindow = mergeResult;
        merged.splice(idxNew, 1);
        mergedNs.splice(idxNew, 1);
      }
      // keep the state window of one of the merged windows for the result
      const mergedStateWindow = this.mapping.get(mergedNs[0]!)!;
      const mergedStateWindows: string[] = [];
      for (const ns of mergedNs) {
        const sw = this.mapping.get(ns);
        if (sw !== undefined) {
          this.mapping.delete(ns);
          mergedStateWindows.push(sw);
        }
      }
      this.mapping.set(resultNs, mergedStateWindow);
      const keepIdx = mergedStateWindows.indexOf(mergedStateWindow);
      if (keepIdx >= 0) mergedStateWindows.splice(keepIdx, 1);
      // a pre-existing window that only absorbed the new one without growing has nothing to merge
      if (!(mergedNs.includes(resultNs) && mergedNs.length === 1)) {
        mergeFunction(mergeResult, merged, mergedStateWindow, mergedStateWindows);
      }
    }
    if (before !== undefined && !this.dirty) this.dirty = !sameMapping(before, this.mapping);
    if (mergeResults.length === 0 || (windowToNamespace(resultWindow) === newNs && !mergedNewWindow)) {
      if (this.mapping.get(newNs) !== newNs) {
        this.mapping.set(newNs, newNs);
        this.dirty = true;
      }
    }
    return resultWindow;
  }
}

function sameMapping(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}
