/**
 * The flame graph's backend, in a slot's worker thread: V8's sampling CPU profiler through a
 * `node:inspector` session connected to this thread, for a few seconds, turned into a tree of
 * `{ name, value, children }` (value = samples in the frame and below it). The slot's loop keeps running
 * meanwhile (the profile is started and stopped from the event loop, between slices).
 */
import { Session } from 'node:inspector';

export interface FlameNode {
  name: string;
  value: number;
  children: FlameNode[];
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

/** Frames that are not code: left out of the tree. */
const SKIP = new Set(['(idle)', '(program)']);

function post<T>(s: Session, method: string, params?: object): Promise<T> {
  return new Promise((ok, fail) => s.post(method, params ?? {}, (e, r) => (e ? fail(e) : ok(r as T))));
}

/** Samples this thread's stacks every `intervalUs` for `ms` milliseconds. */
export async function profileThisThread(ms: number, intervalUs = 1000): Promise<{ samples: number; data: FlameNode }> {
  const s = new Session();
  s.connect();
  try {
    await post(s, 'Profiler.enable');
    await post(s, 'Profiler.setSamplingInterval', { interval: intervalUs });
    await post(s, 'Profiler.start');
    await new Promise((r) => setTimeout(r, ms));
    const { profile } = await post<{ profile: { nodes: ProfileNode[] } }>(s, 'Profiler.stop');
    await post(s, 'Profiler.disable');
    return toFlameTree(profile.nodes);
  } finally {
    s.disconnect();
  }
}

function frameName(n: ProfileNode): string {
  const f = n.callFrame;
  const fn = f.functionName || '(anonymous)';
  if (!f.url) return fn;
  const file = f.url.slice(f.url.lastIndexOf('/') + 1).replace(/\?.*$/, '');
  return `${fn} (${file}:${f.lineNumber + 1})`;
}

/** V8's profile nodes (a tree by ids, hits per node) → nested nodes with subtree sample counts. */
export function toFlameTree(nodes: ProfileNode[]): { samples: number; data: FlameNode } {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const build = (n: ProfileNode): FlameNode => {
    const children: FlameNode[] = [];
    let value = n.hitCount ?? 0;
    for (const c of n.children ?? []) {
      const cn = byId.get(c);
      if (cn === undefined || SKIP.has(cn.callFrame.functionName)) continue;
      const t = build(cn);
      if (t.value > 0) {
        children.push(t);
        value += t.value;
      }
    }
    children.sort((a, b) => b.value - a.value);
    return { name: frameName(n), value, children };
  };
  const root = nodes[0];
  if (root === undefined) return { samples: 0, data: { name: 'root', value: 0, children: [] } };
  const tree = build(root);
  tree.name = 'root';
  return { samples: tree.value, data: tree };
}
