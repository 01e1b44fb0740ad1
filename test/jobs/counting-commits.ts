// For fault-injecting test jobs: wraps a sink so that the job can tell whether a commit has reached this
// worker thread yet (a fault then waits for one, so the restart has a completed checkpoint to resume from).
import type { Sink } from 'eddy';

/** Commits made by committers of this worker thread. */
export const commits = { count: 0 };

/** `sink` with a committer that counts its commits in {@link commits}. */
export function countingCommits<T, C, S>(sink: Sink<T, C, S>): Sink<T, C, S> {
  return {
    name: sink.name,
    createWriter: (ctx, restored) => sink.createWriter(ctx, restored),
    createCommitter() {
      const c = sink.createCommitter!();
      return {
        commit(cs: C[]) {
          commits.count++;
          return c.commit(cs);
        },
      };
    },
  };
}
