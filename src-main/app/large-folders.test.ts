// Which server folders the large-new-folder threshold holds back, on hand-made trees: only those
// that hold nothing synced here and would bring more than the limit down, only the topmost, even
// when the empty folder itself arrived (and was synced) a pass before its files.
import { describe, expect, it } from 'vitest';
import type { TreeItem } from '../engine/tree/item.ts';
import { makeTree, type Tree } from '../engine/tree/tree.ts';
import { largeNewFolders } from './large-folders.ts';

const folder = (id: string, parentId: string, name = id): TreeItem => ({ id, parentId, name, kind: 'folder' });
const file = (id: string, parentId: string, size: number): TreeItem => ({ id, parentId, name: id, kind: 'file', size, hash: `blake3:${id}` });
const tree = (...items: TreeItem[]): Tree => makeTree('root', [{ id: 'root', parentId: null, name: '', kind: 'folder' }, ...items]);

const existing = [folder('docs', 'root', 'Docs'), file('plan', 'docs', 10)];
const none = new Set<string>();

describe('largeNewFolders', () => {
  it('holds back a folder whose files would bring more than the limit, naming only the topmost', () => {
    const remote = tree(...existing, folder('videos', 'root', 'Videos'), folder('raw', 'videos', 'Raw'), file('clip', 'raw', 600), file('movie', 'videos', 500), folder('letters', 'root', 'Letters'), file('note', 'letters', 5));
    const synced = tree(...existing);
    expect(largeNewFolders({ remote, synced, local: synced }, none, none, 1000)).toEqual([{ id: 'videos', path: 'Videos', size: 1100 }]);
    expect(largeNewFolders({ remote, synced, local: synced }, none, none, 1100)).toEqual([]);
  });

  it('still holds it back when the empty folder was synced a pass before its files', () => {
    const remote = tree(...existing, folder('videos', 'root', 'Videos'), file('movie', 'videos', 5000));
    const synced = tree(...existing, folder('videos', 'root', 'Videos'));
    expect(largeNewFolders({ remote, synced, local: synced }, none, none, 1000).map((f) => f.path)).toEqual(['Videos']);
  });

  it('never holds back a folder that already has synced files, one already asked about, or one left out', () => {
    const remote = tree(...existing, file('big', 'docs', 5000), folder('videos', 'root', 'Videos'), file('movie', 'videos', 5000));
    const synced = tree(...existing);
    expect(largeNewFolders({ remote, synced, local: synced }, none, new Set(['videos']), 1000)).toEqual([]);
    expect(largeNewFolders({ remote, synced, local: synced }, new Set(['videos']), none, 1000)).toEqual([]);
  });

  it('does not count files this computer made and is uploading', () => {
    const local = tree(...existing, folder('videos', 'root', 'Videos'), file('movie', 'videos', 5000));
    expect(largeNewFolders({ remote: local, synced: tree(...existing), local }, none, none, 1000)).toEqual([]);
  });
});
