/**
 * Test fixture: creates keyed state backends of either kind over a fresh temporary lmdb directory, and
 * disposes them (and the directories) after the test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyGroupRange, ManualClock } from '../../src/core/index.ts';
import { createKeyedStateBackend, type KeyedStateBackend, type StateBackendKind } from '../../src/state/index.ts';

export const KINDS: StateBackendKind[] = ['heap', 'lmdb'];

/** Backends created through {@link Fixture.backend} are disposed by {@link Fixture.close}. */
export class Fixture {
  readonly clock = new ManualClock(1_000);
  private readonly made: KeyedStateBackend[] = [];
  private readonly dirs: string[] = [];

  constructor(readonly kind: StateBackendKind) {}

  backend(opts: { maxParallelism?: number; range?: KeyGroupRange; operatorId?: string; kind?: StateBackendKind } = {}): KeyedStateBackend {
    const maxParallelism = opts.maxParallelism ?? 128;
    const kind = opts.kind ?? this.kind;
    let dir: string | undefined;
    if (kind === 'lmdb') {
      dir = mkdtempSync(join(tmpdir(), 'eddy-state-test-'));
      this.dirs.push(dir);
    }
    const b = createKeyedStateBackend({
      kind,
      dir,
      operatorId: opts.operatorId ?? 'op',
      maxParallelism,
      keyGroupRange: opts.range ?? new KeyGroupRange(0, maxParallelism - 1),
      clock: this.clock,
    });
    this.made.push(b);
    return b;
  }

  close(): void {
    for (const b of this.made) b.dispose();
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
  }
}
