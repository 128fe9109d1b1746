// The StateStore port on the real SQLite index: a finished operation's trees, facts and journal
// entry change together; abandoning changes nothing; facts keep their block offsets; open entries
// are what a restart finds.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { LocalIndex } from '../index/local-index.ts';
import type { Operation } from '../planner/operations.ts';
import { emptyTree } from '../tree/tree.ts';
import { indexStore } from './index-store.ts';

let dir: string;
let index: LocalIndex;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tandem-index-store-'));
  mkdirSync(join(dir, 'Sync'));
  index = LocalIndex.open({ stateDir: join(dir, 'state'), syncedFolder: join(dir, 'Sync') });
  for (const tree of ['local', 'remote', 'synced'] as const) index.saveTree(tree, emptyTree('root'));
});
afterEach(() => {
  index.close();
  rmSync(dir, { recursive: true, force: true });
});

const hash = (n: number) => `blake3:${n.toString(16).padStart(64, '0')}`;
const download: Operation = {
  kind: 'download',
  id: 'x',
  parentId: 'root',
  name: 'a.txt',
  hash: hash(9),
  size: 30,
  executable: false,
  contentVersion: 1,
  replacesHash: undefined,
  path: 'a.txt',
};

it('completes an operation: trees, facts and the journal entry in one go', () => {
  const store = indexStore(index);
  const entry = store.journalBegin(download, 'key-1');
  expect(store.journalEntries()).toEqual([{ seq: entry.seq, operation: download, idempotencyKey: 'key-1' }]);
  const item = { id: 'x', parentId: 'root', name: 'a.txt', kind: 'file' as const, hash: hash(9), size: 30, executable: false };
  store.journalComplete(entry.seq, {
    local: { put: [item] },
    synced: { put: [{ ...item, metadataVersion: 1, contentVersion: 1 }] },
    facts: { put: [['x', { size: 30, mtimeMs: 1000.5, inode: 7, hash: hash(9), blocks: [{ hash: hash(1), size: 10 }, { hash: hash(2), size: 20 }] }]] },
  });
  expect(store.journalEntries()).toEqual([]);
  expect(index.loadTree('local')?.items.get('x')).toEqual(item);
  expect(index.loadTree('synced')?.items.get('x')?.contentVersion).toBe(1);
  expect(index.getFacts('x')?.blocks).toEqual([
    { offset: 0, size: 10, hash: hash(1) },
    { offset: 10, size: 20, hash: hash(2) },
  ]);
  expect(store.localFacts('x')).toMatchObject({ size: 30, mtimeMs: 1000.5, inode: 7, hash: hash(9) });
});

it('abandons without changing anything, and a bad change leaves the entry open', () => {
  const store = indexStore(index);
  const first = store.journalBegin(download, 'key-1');
  store.journalAbandon(first.seq);
  expect(store.journalEntries()).toEqual([]);
  expect(index.loadTree('local')?.items.has('x')).toBe(false);

  const second = store.journalBegin(download, 'key-2');
  expect(() =>
    store.journalComplete(second.seq, {
      local: { put: [{ id: 'x', parentId: 'root', name: 'a.txt', kind: 'file' }] },
      facts: { put: [['x', { size: -1, mtimeMs: 0, inode: 0, hash: hash(9) }]] },
    }),
  ).toThrow();
  expect(store.journalEntries().map((e) => e.idempotencyKey)).toEqual(['key-2']);
  expect(index.loadTree('local')?.items.has('x')).toBe(false);
});

it('keeps a file\'s block list when only its stat changed (an exec-bit change)', () => {
  const store = indexStore(index);
  store.advance({ facts: { put: [['x', { size: 30, mtimeMs: 1, inode: 7, hash: hash(9), blocks: [{ hash: hash(1), size: 30 }] }]] } });
  store.advance({ facts: { put: [['x', { size: 30, mtimeMs: 2, inode: 7, hash: hash(9) }]] } });
  expect(index.getFacts('x')?.blocks).toEqual([{ offset: 0, size: 30, hash: hash(1) }]);
  store.advance({ facts: { remove: ['x'] } });
  expect(store.localFacts('x')).toBeUndefined();
});

it('finds where local files hold given blocks, by their stored block lists, a few places per block', () => {
  const store = indexStore(index);
  const blocks = (...ns: number[]) => ns.map((n) => ({ hash: hash(n), size: 10 * n }));
  store.advance({
    facts: {
      put: [
        ['a', { size: 60, mtimeMs: 1, inode: 1, hash: hash(100), blocks: blocks(1, 2, 3) }],
        ['b', { size: 50, mtimeMs: 1, inode: 2, hash: hash(101), blocks: blocks(3, 2) }],
        ...Array.from({ length: 6 }, (_, i): [string, { size: number; mtimeMs: number; inode: number; hash: string; blocks: ReturnType<typeof blocks> }] => [
          `copy${i}`,
          { size: 40, mtimeMs: 1, inode: 10 + i, hash: hash(102), blocks: blocks(4) },
        ]),
      ],
    },
  });
  const found = store.blockLocations(new Set([hash(2), hash(3), hash(4), hash(77)]));
  expect(found.get(hash(2))?.sort((x, y) => x.id.localeCompare(y.id))).toEqual([
    { id: 'a', offset: 10 },
    { id: 'b', offset: 30 },
  ]);
  expect(found.get(hash(3))?.sort((x, y) => x.id.localeCompare(y.id))).toEqual([
    { id: 'a', offset: 30 },
    { id: 'b', offset: 0 },
  ]);
  expect(found.get(hash(4))).toHaveLength(4);
  expect(found.has(hash(77))).toBe(false);
  expect(store.blockLocations(new Set()).size).toBe(0);
});
