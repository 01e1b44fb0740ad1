/**
 * The shared buffer (Flink's `SharedBuffer`): one store for the events of every partial match.
 *
 * A node is "event e taken by stage s"; its edges point at the node taken before it, each labelled with
 * the Dewey version of the branch that added it. Partial matches hold a reference to their latest node, so
 * branching only adds a node and an edge rather than copying event lists. Nodes are reference counted
 * (by partial matches and by edges of later nodes); releasing the last reference frees the node and walks
 * back along its edges, so memory is bounded by what can still match.
 *
 * Memory and cost: a node keeps its first edge inline (most nodes have exactly one) and an array only for
 * more; the event record is created on the first `put` of an event. The scratch stacks are module-level
 * and shared by all buffers: buffer operations are synchronous and never re-entered.
 * `put` is O(nodes already created for the current event) (usually 0–2), `release` O(nodes freed),
 * `extract` O(match length) along a single path.
 */
import { isCompatibleWith, type Dewey } from './dewey-number.ts';

/** An edge to the previous node of a match (`null` target: the match starts here). */
export interface BufferEdge<T> {
  readonly target: BufferNode<T> | null;
  readonly version: Dewey;
}

/**
 * "Event `value` (id `(ts, seq)`) taken by stage `stage`". The event is stored inline, and so is the first
 * edge (`target`/`version`); further edges go to `more`. One object per taken event keeps the heap small.
 */
export class BufferNode<T> {
  refs = 0;
  /** Extra edges beyond the first (rare: the same event taken by the same stage on several branches). */
  more: BufferEdge<T>[] | null = null;
  constructor(
    readonly stage: string,
    readonly seq: number,
    readonly ts: number,
    readonly value: T,
    public target: BufferNode<T> | null,
    public version: Dewey,
  ) {}

  /** Number of edges. */
  get edgeCount(): number {
    return this.more === null ? 1 : 1 + this.more.length;
  }
  /** Edge `i` (0 is the inline one). */
  edge(i: number): BufferEdge<T> {
    return i === 0 ? this : this.more![i - 1]!;
  }
}

// shared scratch (see the file comment)
const currentNodes: BufferNode<unknown>[] = [];
const pathNodes: Array<BufferNode<unknown> | null> = [];
const pathVersions: Dewey[] = [];
const pathDepths: number[] = [];
const freeStack: BufferNode<unknown>[] = [];

let curSeq = -1;
let curTs = 0;
let curValue: unknown = undefined;

/**
 * Operations on the node graph. The buffer has no per-NFA object: an NFA's buffer is simply the nodes its
 * partial matches reach, which keeps a fresh NFA (one per key) small.
 */
export const SharedBuffer = {
  /** Starts a new event: later `put`s for the same stage share one node. */
  beginEvent(seq: number, ts: number, value: unknown): void {
    curSeq = seq;
    curTs = ts;
    curValue = value;
    while (currentNodes.length > 0) currentNodes.pop();
  },

  /** Records that `stage` took the current event after `prev`, on the branch `version`. */
  put<T>(stage: string, prev: BufferNode<T> | null, version: Dewey): BufferNode<T> {
    if (prev !== null) prev.refs++;
    const nodes = currentNodes as BufferNode<T>[];
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i]!;
      if (n.stage === stage && n.seq === curSeq && n.value === curValue) {
        (n.more ??= []).push({ target: prev, version });
        return n;
      }
    }
    const node = new BufferNode<T>(stage, curSeq, curTs, curValue as T, prev, version);
    nodes.push(node);
    return node;
  },

  /** Drops a reference; frees the node, and transitively its predecessors, when none are left. */
  release<T>(node: BufferNode<T>): void {
    if (--node.refs > 0) return;
    const stack = freeStack as BufferNode<T>[];
    const base = stack.length;
    stack.push(node);
    while (stack.length > base) {
      const n = stack.pop()!;
      if (n.target !== null && --n.target.refs === 0) stack.push(n.target);
      if (n.more !== null) {
        for (const e of n.more) if (e.target !== null && --e.target.refs === 0) stack.push(e.target);
        n.more = null;
      }
      n.target = null;
    }
  },

  /**
   * The nodes of the match ending at `node` on branch `version`, earliest first: a depth-first walk
   * along compatible edges, newest edge first (the order Flink's extraction yields its first path).
   */
  extract<T>(node: BufferNode<T>, version: Dewey): BufferNode<T>[] {
    const path: BufferNode<T>[] = [];
    let n: BufferNode<T> | null = node;
    let v = version;
    // fast path: follow single edges while they last
    while (n !== null && n.more === null) {
      if (!isCompatibleWith(v, n.version)) return [];
      path.push(n);
      v = n.version;
      n = n.target;
    }
    return n === null ? path.reverse() : extractSlow(n, v, path);
  },

  /** Number of distinct nodes reachable from `roots` (the buffer size of one NFA). */
  countReachable<T>(roots: Iterable<BufferNode<T> | null>): number {
    const seen = new Set<BufferNode<T>>();
    const stack: BufferNode<T>[] = [];
    for (const r of roots) if (r !== null && !seen.has(r)) { seen.add(r); stack.push(r); }
    while (stack.length > 0) {
      const n = stack.pop()!;
      for (let i = 0; i < n.edgeCount; i++) {
        const t = n.edge(i).target;
        if (t !== null && !seen.has(t)) { seen.add(t); stack.push(t); }
      }
    }
    return seen.size;
  },
};

function extractSlow<T>(node: BufferNode<T>, version: Dewey, prefix: BufferNode<T>[]): BufferNode<T>[] {
  const path = prefix;
  const nodes = pathNodes as Array<BufferNode<T> | null>;
  nodes.length = pathVersions.length = pathDepths.length = 0;
  nodes.push(node);
  pathVersions.push(version);
  pathDepths.push(prefix.length);
  while (nodes.length > 0) {
    const n = nodes.pop()!;
    const v = pathVersions.pop()!;
    const d = pathDepths.pop()!;
    path.length = d;
    if (n === null) {
      nodes.length = pathVersions.length = pathDepths.length = 0;
      return path.reverse();
    }
    path.push(n);
    const count = n.edgeCount;
    for (let i = 0; i < count; i++) {
      const e = n.edge(i);
      if (isCompatibleWith(v, e.version)) {
        nodes.push(e.target);
        pathVersions.push(e.version);
        pathDepths.push(d + 1);
      }
    }
  }
  return [];
}
