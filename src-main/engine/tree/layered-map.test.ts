// LayeredMap and patchTree: a patched map or tree must be indistinguishable from one built from
// scratch with the same entries (lookups, size, iteration, children, paths), must never change the
// map it was patched from, and must cost the size of the change, not the size of the tree.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TreeItem } from './item.ts';
import { LayeredMap } from './layered-map.ts';
import { checkTree, childrenOf, makeTree, patchTree, pathOf } from './tree.ts';
import type { Tree } from './tree.ts';

const sorted = <V>(map: ReadonlyMap<string, V>) => [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

describe('LayeredMap', () => {
  it('equals a plain map after any sequence of patches, and leaves every earlier map as it was', () => {
    const op = fc.record({
      set: fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }).map(String), fc.integer()), { maxLength: 8 }),
      remove: fc.array(fc.integer({ min: 0, max: 40 }).map(String), { maxLength: 8 }),
    });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }).map(String), fc.integer()), { maxLength: 30 }), fc.array(op, { maxLength: 12 }), (start, ops) => {
        let map: ReadonlyMap<string, number> = new Map(start);
        const model = new Map(start);
        const history: Array<[ReadonlyMap<string, number>, Array<[string, number]>]> = [[map, sorted(model)]];
        for (const { set, remove } of ops) {
          map = LayeredMap.patch(map, set, remove);
          for (const [key, value] of set) model.set(key, value);
          for (const key of remove) model.delete(key);
          history.push([map, sorted(model)]);
          expect(map.size).toBe(model.size);
          for (let key = 0; key <= 40; key++) {
            expect(map.get(String(key))).toBe(model.get(String(key)));
            expect(map.has(String(key))).toBe(model.has(String(key)));
          }
          expect(sorted(map)).toEqual(sorted(model));
          expect([...map.keys()].sort()).toEqual([...model.keys()].sort());
          expect([...map.values()].sort()).toEqual([...model.values()].sort());
          const seen: string[] = [];
          map.forEach((value, key) => seen.push(`${key}=${value}`));
          expect(seen.sort()).toEqual([...model].map(([k, v]) => `${k}=${v}`).sort());
        }
        for (const [earlier, entries] of history) expect(sorted(earlier)).toEqual(entries);
      }),
    );
  });

  it('flattens a layer that grew large, so lookups never go through a chain of layers', () => {
    let map: ReadonlyMap<number, number> = new Map(Array.from({ length: 10_000 }, (_, i) => [i, i] as const));
    let flattened = 0;
    for (let i = 0; i < 2_000; i++) {
      map = LayeredMap.patch(map, [[i, -i - 1]]);
      if (map instanceof LayeredMap) expect(map.base instanceof LayeredMap).toBe(false);
      else flattened++;
    }
    // The layer is kept under √(2 × 10,000) ≈ 141 entries: one flatten per 142 one-change patches.
    expect(flattened).toBe(14);
    expect(map.get(1_999)).toBe(-2_000);
    expect(map.size).toBe(10_000);
  });
});

function randomTree(count: number): TreeItem[] {
  const items: TreeItem[] = [{ id: 'root', parentId: null, name: '', kind: 'folder' }];
  for (let i = 1; i < count; i++) {
    const parent = i < 10 ? 'root' : `n${i % 10}`;
    items.push(i < 10 ? { id: `n${i}`, parentId: parent, name: `folder ${i}`, kind: 'folder' } : { id: `n${i}`, parentId: parent, name: `file ${i}`, kind: 'file', hash: `blake3:${i}`, size: i });
  }
  return items;
}

function sameTree(patched: Tree, fresh: Tree): void {
  expect(patched.items.size).toBe(fresh.items.size);
  expect(checkTree(patched)).toEqual(checkTree(fresh));
  for (const id of fresh.items.keys()) {
    expect(patched.items.get(id)).toBe(fresh.items.get(id));
    expect(pathOf(patched, id)).toBe(pathOf(fresh, id));
    expect(childrenOf(patched, id).map((c) => c.id).sort()).toEqual(childrenOf(fresh, id).map((c) => c.id).sort());
  }
}

describe('patchTree', () => {
  it('gives the same children and paths as a tree built from scratch, across many patches', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            renames: fc.array(fc.tuple(fc.integer({ min: 1, max: 59 }), fc.integer({ min: 0, max: 9 })), { maxLength: 5 }),
            removes: fc.array(fc.integer({ min: 10, max: 59 }), { maxLength: 5 }),
            adds: fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 3 }),
          }),
          { maxLength: 10 },
        ),
        (steps) => {
          let tree = makeTree('root', randomTree(60));
          // Build every index of the base first, so the patched ones are derived from it.
          for (const id of tree.items.keys()) childrenOf(tree, id);
          let next = 100;
          for (const step of steps) {
            const put: TreeItem[] = [];
            for (const [at, parent] of step.renames) {
              const item = tree.items.get(`n${at}`);
              if (!item) continue;
              // Files move between folders; folders are only renamed (no cycles to worry about).
              put.push(item.kind === 'file' ? { ...item, parentId: parent === 0 ? 'root' : `n${parent}`, name: `moved ${next++}` } : { ...item, name: `renamed ${next++}` });
            }
            for (const parent of step.adds) put.push({ id: `x${next}`, parentId: parent === 0 ? 'root' : `n${parent}`, name: `new ${next++}`, kind: 'file', hash: 'blake3:00', size: 1 });
            const removes = step.removes.map((i) => `n${i}`);
            const patched = patchTree(tree, put, removes);
            const model = new Map(tree.items);
            for (const item of put) model.set(item.id, item);
            for (const id of removes) model.delete(id);
            sameTree(patched, makeTree('root', model.values()));
            tree = patched;
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('shares the items of a 100k-item tree instead of copying them, and leaves the original as it was', () => {
    const original = makeTree('root', randomTree(100_000));
    let tree = original;
    for (let i = 0; i < 400; i++) {
      const item = tree.items.get(`n${100 + i}`)!;
      tree = patchTree(tree, [{ ...item, hash: `blake3:edited${i}` }]);
    }
    // Still one layer of 400 changes (under √(2 × 100k) ≈ 447) over the very same map: nothing was copied.
    expect(tree.items instanceof LayeredMap && tree.items.base === original.items).toBe(true);
    expect(tree.items.get('n100')?.hash).toBe('blake3:edited0');
    expect(original.items.get('n100')?.hash).toBe('blake3:100');
    expect(tree.items.size).toBe(100_000);
    expect(childrenOf(tree, 'n0')).toHaveLength(childrenOf(original, 'n0').length);
  });
});
