// The tree model: paths, children, ancestry, validity, and linear cost at 100k items.
import { describe, expect, it } from 'vitest';
import { nameKey } from '../../../src-shared/names.ts';
import type { TreeItem } from './item.ts';
import { sameContent, samePlace } from './item.ts';
import { checkTree, childNamed, childrenOf, emptyTree, idsWhere, isAncestorOrSelf, makeTree, patchTree, pathOf, withItem, without, wouldCreateCycle } from './tree.ts';

const root: TreeItem = { id: 'r', parentId: null, name: '', kind: 'folder' };
const docs: TreeItem = { id: 'd', parentId: 'r', name: 'Docs', kind: 'folder' };
const sub: TreeItem = { id: 's', parentId: 'd', name: 'Sub', kind: 'folder' };
const note: TreeItem = { id: 'n', parentId: 's', name: 'note.txt', kind: 'file', hash: 'blake3:01', size: 3 };
const tree = makeTree('r', [root, docs, sub, note]);

describe('tree model', () => {
  it('gives paths relative to the root', () => {
    expect(pathOf(tree, 'r')).toBe('');
    expect(pathOf(tree, 'n')).toBe('Docs/Sub/note.txt');
    expect(pathOf(tree, 'missing')).toBeUndefined();
  });

  it('lists children and finds a child by name ignoring case', () => {
    expect(childrenOf(tree, 'd').map((c) => c.id)).toEqual(['s']);
    expect(childrenOf(tree, 'n')).toEqual([]);
    expect(childNamed(tree, 'r', 'DOCS')?.id).toBe('d');
    expect(childNamed(tree, 'r', 'DOCS', (n) => n)).toBeUndefined();
  });

  it('knows ancestry and refuses moves that would make a cycle', () => {
    expect(isAncestorOrSelf(tree, 'd', 'n')).toBe(true);
    expect(isAncestorOrSelf(tree, 'n', 'd')).toBe(false);
    expect(wouldCreateCycle(tree, 'd', 's')).toBe(true);
    expect(wouldCreateCycle(tree, 's', 'r')).toBe(false);
  });

  it('reports orphans, cycles, items inside files and duplicate names', () => {
    expect(checkTree(tree, nameKey)).toEqual([]);
    const orphan = withItem(tree, { id: 'o', parentId: 'gone', name: 'o', kind: 'file' });
    expect(checkTree(orphan).map((p) => p.kind)).toEqual(['orphan']);
    const loop = withItem(withItem(tree, { ...docs, parentId: 's' }), { ...sub, parentId: 'd' });
    expect(checkTree(loop).map((p) => p.kind)).toContain('cycle');
    const inFile = withItem(tree, { id: 'x', parentId: 'n', name: 'x', kind: 'file' });
    expect(checkTree(inFile).map((p) => p.kind)).toEqual(['parent_not_folder']);
    const twin = withItem(tree, { id: 'd2', parentId: 'r', name: 'docs', kind: 'folder' });
    expect(checkTree(twin, nameKey).map((p) => p.kind)).toEqual(['duplicate_name']);
    expect(checkTree(twin, (n) => n)).toEqual([]);
    expect(checkTree(without(tree, ['r'])).map((p) => p.kind)).toEqual(['no_root']);
  });

  it('reports what hangs below an orphan or a cycle, and a self-parented item, in patched trees too', () => {
    const below = withItem(withItem(tree, { id: 'o', parentId: 'gone', name: 'o', kind: 'folder' }), { id: 'o2', parentId: 'o', name: 'o2', kind: 'file' });
    expect(checkTree(below).map((p) => [p.kind, p.id])).toEqual([['orphan', 'o'], ['cycle', 'o2']]);
    const self = withItem(tree, { id: 'me', parentId: 'me', name: 'me', kind: 'folder' });
    expect(checkTree(self).map((p) => [p.kind, p.id])).toEqual([['cycle', 'me']]);
    const loop = withItem(tree, { ...docs, parentId: 's' });
    expect(checkTree(loop).map((p) => [p.kind, p.id]).sort()).toEqual([['cycle', 'd'], ['cycle', 'n'], ['cycle', 's']]);
    const patched = patchTree(tree, [{ id: 'k', parentId: 's', name: 'k.txt', kind: 'file', hash: 'blake3:02', size: 1 }]);
    expect(checkTree(patched)).toEqual([]);
    expect(checkTree(patchTree(patched, [{ id: 'z', parentId: 'k', name: 'z', kind: 'folder' }])).map((p) => p.kind)).toEqual(['parent_not_folder']);
  });

  it('never changes a tree in place: derived lookups follow the new tree', () => {
    const renamed = withItem(tree, { ...docs, name: 'Papers' });
    expect(pathOf(renamed, 'n')).toBe('Papers/Sub/note.txt');
    expect(pathOf(tree, 'n')).toBe('Docs/Sub/note.txt');
    expect(checkTree(emptyTree('x'))).toEqual([]);
  });

  it('compares content and place separately', () => {
    expect(sameContent(note, { ...note, name: 'other' })).toBe(true);
    expect(sameContent(note, { ...note, executable: true })).toBe(false);
    expect(sameContent(note, { ...note, executable: false })).toBe(true);
    expect(samePlace(note, { ...note, hash: 'blake3:02' })).toBe(true);
    expect(samePlace(note, { ...note, name: 'Note.txt' })).toBe(false);
  });

  it('handles 100k items in linear time', () => {
    const items: TreeItem[] = [root];
    for (let d = 0; d < 1000; d++) {
      items.push({ id: `d${d}`, parentId: d === 0 ? 'r' : `d${d - 1}`, name: `dir${d}`, kind: 'folder' });
      for (let f = 0; f < 99; f++) items.push({ id: `f${d}.${f}`, parentId: `d${d}`, name: `f${f}`, kind: 'file', hash: 'h' });
    }
    const big = makeTree('r', items);
    const started = performance.now();
    expect(checkTree(big, nameKey)).toEqual([]);
    for (const item of items) pathOf(big, item.id);
    expect(pathOf(big, 'f999.0')?.split('/')).toHaveLength(1001);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('selects items by a test, and after patches gives what a fresh look at the tree gives', () => {
    const isText = (item: TreeItem) => item.name.endsWith('.txt');
    expect([...idsWhere(tree, isText)]).toEqual(['n']);
    let current = tree;
    const steps: Array<[TreeItem[], string[]]> = [
      [[{ ...docs, name: 'docs.txt' }], []],
      [[{ id: 'm', parentId: 'd', name: 'more.txt', kind: 'file', hash: 'blake3:02', size: 1 }], ['n']],
      [[{ ...docs, name: 'Docs' }], ['m']],
      [[note], []],
    ];
    for (const [put, remove] of steps) {
      current = patchTree(current, put, remove);
      expect(new Set(idsWhere(current, isText))).toEqual(new Set([...current.items.values()].filter(isText).map((item) => item.id)));
    }
    expect([...idsWhere(current, isText)]).toEqual(['n']);
    // The answer for the tree it started from is unchanged.
    expect([...idsWhere(tree, isText)]).toEqual(['n']);
  });
});
