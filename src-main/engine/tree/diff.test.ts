// Diffing a side against the base: created, deleted, moved, renamed, content and type changes.
import { describe, expect, it } from 'vitest';
import { diffTrees } from './diff.ts';
import type { TreeItem } from './item.ts';
import { makeTree } from './tree.ts';

const root: TreeItem = { id: 'r', parentId: null, name: '', kind: 'folder' };
const a: TreeItem = { id: 'a', parentId: 'r', name: 'A', kind: 'folder' };
const f: TreeItem = { id: 'f', parentId: 'r', name: 'f.txt', kind: 'file', hash: 'h1' };
const g: TreeItem = { id: 'g', parentId: 'r', name: 'g.txt', kind: 'file', hash: 'h2' };
const base = makeTree('r', [root, a, f, g]);

describe('diffTrees', () => {
  it('says nothing about unchanged items', () => {
    expect(diffTrees(base, base).size).toBe(0);
  });

  it('classifies each kind of change per item', () => {
    const now = makeTree('r', [
      root,
      { ...a, name: 'a' }, // case-only rename
      { ...f, parentId: 'a', hash: 'h9' }, // moved and edited
      { id: 'n', parentId: 'r', name: 'new', kind: 'file', hash: 'h3' },
    ]);
    const changes = diffTrees(base, now);
    expect(changes.get('a')).toMatchObject({ renamed: true, moved: false, contentChanged: false });
    expect(changes.get('f')).toMatchObject({ moved: true, renamed: false, contentChanged: true });
    expect(changes.get('n')).toMatchObject({ created: true });
    expect(changes.get('g')).toMatchObject({ deleted: true, base: g, current: undefined });
  });

  it('flags a kind change on the same id (which the planner refuses) apart from content changes', () => {
    const now = makeTree('r', [root, a, { ...g, kind: 'folder', hash: undefined }, f]);
    expect(diffTrees(base, now).get('g')).toMatchObject({ typeChanged: true, contentChanged: false });
    const exec = makeTree('r', [root, a, g, { ...f, executable: true }]);
    expect(diffTrees(base, exec).get('f')).toMatchObject({ contentChanged: true, moved: false });
  });
});
