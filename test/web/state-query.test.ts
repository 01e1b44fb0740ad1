// The state browser's read on both backends: a key's value in the VOID namespace and in window namespaces,
// the namespaces it has a value in, and the live state size; the backend's current key and namespace are
// unchanged afterwards. Expected values are the ones written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Fixture, KINDS } from '../state/backend-fixture.ts';
import { ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor, VOID_NAMESPACE } from '../../src/state/index.ts';
import { queryKeyedState, type StateQueryResult } from '../../src/runtime/state-query.ts';

const T = { timeout: 30_000 };

for (const kind of KINDS) {
  test(`${kind}: per-window values, the key's namespaces, and the live state size`, T, (t) => {
    const f = new Fixture(kind);
    t.after(() => f.close());
    const b = f.backend();
    const contents = b.getListState(new ListStateDescriptor<number>('window-contents'));
    const total = b.getState(new ValueStateDescriptor<number>('total'));
    const tags = b.getMapState(new MapStateDescriptor<string, number>('tags'));
    b.batch(() => {
      for (const key of ['a', 'b', 7]) {
        b.setCurrentKey(key);
        for (const [w, n] of [['0:100', 2], ['100:200', 3]] as const) {
          contents.setCurrentNamespace(w);
          for (let i = 0; i < n; i++) contents.add(i);
        }
        contents.setCurrentNamespace(VOID_NAMESPACE);
        if (key !== 'b') total.update(10);
        tags.put('x', 1);
        tags.put('y', 2);
      }
      b.setCurrentKey('a');
      contents.setCurrentNamespace('200:300');
      contents.add(42);
    });
    // the caller's key and namespace are put back
    b.setCurrentKey('b');
    contents.setCurrentNamespace('100:200');
    const r = queryKeyedState(b, 'window-contents', 'a', '0:100') as StateQueryResult;
    assert.deepEqual(r.value, [0, 1]);
    assert.equal(r.namespace, '0:100');
    assert.deepEqual([...r.namespaces].sort(), ['0:100', '100:200', '200:300']);
    assert.equal(r.namespacesTruncated, false);
    assert.equal(b.getCurrentKey(), 'b');
    assert.equal(contents.getCurrentNamespace(), '100:200');
    assert.deepEqual((queryKeyedState(b, 'window-contents', 7, '100:200') as StateQueryResult).value, [0, 1, 2]);
    const none = queryKeyedState(b, 'window-contents', 7, '200:300') as StateQueryResult;
    assert.deepEqual([none.exists, none.value], [false, null]);
    // VOID and windows side by side; a key with state only in VOID
    assert.deepEqual((queryKeyedState(b, 'total', 'a') as StateQueryResult).namespaces, [VOID_NAMESPACE]);
    assert.deepEqual((queryKeyedState(b, 'total', 'b') as StateQueryResult).namespaces, []);
    assert.deepEqual((queryKeyedState(b, 'tags', 7) as StateQueryResult).value, [['x', 1], ['y', 2]]);
    // live size: (key, namespace) entries on the heap, records (one per list element and map entry) on lmdb
    const size = b.stateSize();
    if (kind === 'heap') {
      // window-contents: 3 keys × 2 windows + a's third; total: a, 7; tags: 3 keys
      assert.deepEqual(size, { entries: 7 + 2 + 3 });
    } else {
      // window-contents: 3 × (2 + 3) + 1 elements; total: 2; tags: 3 × 2 entries
      assert.equal(size.entries, 16 + 2 + 6);
      assert.ok(size.bytes! >= 4096 && size.bytes! % 4096 === 0, String(size.bytes));
    }
  });
}
