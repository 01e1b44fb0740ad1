/**
 * Where a slot worker that runs from a bundle (runtime/worker-bundle.ts) finds the bundled entry of each
 * connector I/O thread: the source entry's URL (`…/sink-io-worker.mjs`, which would load TypeScript
 * through tsx) → the bundled module's URL (plain JavaScript). Set once by the slot worker; empty
 * elsewhere, where I/O threads start from their source entries.
 */
const bundles = new Map<string, string>();

export function setIoThreadBundles(map: Record<string, string>): void {
  for (const [entry, bundled] of Object.entries(map)) bundles.set(entry, bundled);
}

/** The URL an I/O thread with this entry starts from. */
export function ioThreadEntry(entry: URL): URL {
  const b = bundles.get(entry.href);
  return b === undefined ? entry : new URL(b);
}
