// Storing scans in the local index: a hinted scan stored as its delta leaves the index holding
// exactly what the scan saw (the same tree and facts a full comparison stores), block lists of
// unchanged content are kept, and a full scan without a delta repairs an index that drifted.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeFileSystem } from '../fs/fake-file-system.ts';
import { getHasher } from '../hasher.ts';
import { LocalIndex } from '../index/local-index.ts';
import { LocalObserver } from '../scanner/local-observer.ts';
import type { ScanResult } from '../scanner/scan-folder.ts';
import { emptyTree, pathOf } from '../tree/tree.ts';
import type { Tree } from '../tree/tree.ts';
import { commitLocalScan, storedLocalState } from './local-commit.ts';

const hasher = await getHasher();
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fake folder observed by the scanner, every commit stored in a real index the way `store` says. */
async function setUp(store: (index: LocalIndex, result: ScanResult, full: boolean) => void, options: { chunked?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-local-commit-'));
  dirs.push(dir);
  const index = LocalIndex.open({ stateDir: join(dir, 'state'), syncedFolder: join(dir, 'Sync') });
  index.saveTree('local', emptyTree('root'));
  const fs = new FakeFileSystem();
  let full = false;
  const observer = new LocalObserver({
    source: { lister: fs.syncLister },
    initial: storedLocalState(index, emptyTree('root'), new Set()),
    onCommit: (result) => store(index, result, full),
    settleMs: 5,
    hashFile: async (diskPath) => {
      const data = fs.get(diskPath)!;
      const result = { hash: hasher.hash(data), size: data.length, mtimeMs: (await fs.lstat(diskPath)).mtimeMs };
      // As the chunk pool answers for big files: the block list too (here, blocks of 4 bytes).
      if (!options.chunked) return result;
      const blocks = [];
      for (let offset = 0; offset < data.length; offset += 4) blocks.push({ offset, size: Math.min(4, data.length - offset), hash: hasher.hash(data.subarray(offset, offset + 4)) });
      return { ...result, blocks };
    },
  });
  return {
    fs,
    index,
    observer,
    async fullScan() {
      full = true;
      await observer.fullScan();
      full = false;
    },
    async hint(paths: string[]) {
      await observer.hint({ paths, rescanAll: false });
      await observer.settle();
      await observer.idle();
    },
  };
}

/** What the index holds, as paths (from a fresh reader, not the writer's memory). */
function stored(index: LocalIndex) {
  const reader = LocalIndex.openReadOnly(join(index.path, '..'));
  try {
    const tree = reader.loadTree('local') as Tree;
    const facts = reader.allFacts();
    const rows = [...tree.items.values()]
      .filter((item) => item.id !== tree.rootId)
      .map((item) => {
        const fact = facts.get(item.id);
        return `${pathOf(tree, item.id)} ${item.kind} ${item.hash ?? '-'} ${fact ? `${fact.size}/${fact.inode}/${fact.hash || '-'}/${fact.blocks.length}` : 'no facts'}`;
      });
    const orphanFacts = [...facts.keys()].filter((id) => !tree.items.has(id));
    return { rows: rows.sort(), orphanFacts };
  } finally {
    reader.close();
  }
}

const byDelta = (index: LocalIndex, result: ScanResult, full: boolean) => commitLocalScan(index, result.tree, result.facts, full ? undefined : result.delta);
const byComparison = (index: LocalIndex, result: ScanResult) => commitLocalScan(index, result.tree, result.facts);

describe('commitLocalScan', () => {
  it('hinted scans stored as their delta leave the index exactly as a full comparison does', async () => {
    const delta = await setUp(byDelta);
    const compared = await setUp(byComparison);
    const both = async (act: (fs: FakeFileSystem) => Promise<void> | void, hints: string[]) => {
      for (const side of [delta, compared]) {
        await act(side.fs);
        await side.hint(hints);
      }
      expect(stored(delta.index)).toEqual(stored(compared.index));
    };
    for (const side of [delta, compared]) {
      side.fs.put('a.txt', 'alpha');
      side.fs.put('docs/b.txt', 'bravo');
      side.fs.put('docs/deep/c.txt', 'charlie');
      await side.fullScan();
    }
    expect(stored(delta.index).rows).toHaveLength(5);
    await both((fs) => fs.put('a.txt', 'alpha, edited'), ['a.txt']);
    await both((fs) => fs.put('new.txt', 'new'), ['new.txt']);
    await both((fs) => fs.rename('docs/b.txt', 'moved.txt'), ['docs/b.txt', 'moved.txt']);
    await both((fs) => fs.remove('docs/deep/c.txt'), ['docs/deep/c.txt']);
    await both((fs) => fs.rename('docs', 'papers'), ['docs', 'papers']);
    await both((fs) => fs.put('papers/more/x.txt', 'x'), ['papers/more']);
    const after = stored(delta.index);
    expect(after.rows.map((row) => row.split(' ')[0])).toEqual(['a.txt', 'moved.txt', 'new.txt', 'papers', 'papers/deep', 'papers/more', 'papers/more/x.txt']);
    expect(after.orphanFacts).toEqual([]);
    // The writer's own view (its trees in memory) is what a reader of the file sees.
    expect(delta.index.loadTree('local')?.items.size).toBe(after.rows.length + 1);
    for (const side of [delta, compared]) {
      side.observer.close();
      side.index.close();
    }
  });

  it('a file touched but not changed keeps its block list; new content drops it until chunked again', async () => {
    const side = await setUp(byDelta);
    side.fs.put('a.txt', 'alpha');
    side.fs.put('b.txt', 'bravo');
    await side.fullScan();
    const tree = side.index.loadTree('local') as Tree;
    const idOf = (name: string) => [...tree.items.values()].find((item) => item.name === name)!.id;
    for (const name of ['a.txt', 'b.txt']) {
      const facts = side.index.getFacts(idOf(name))!;
      side.index.putFacts([{ ...facts, blocks: [{ offset: 0, size: 5, hash: facts.hash }] }]);
    }
    side.fs.setMtime('a.txt', 1000);
    side.fs.put('b.txt', 'bravo, edited');
    await side.hint(['a.txt', 'b.txt']);
    expect(side.index.getFacts(idOf('a.txt'))?.mtimeMs).toBe(1000);
    expect(side.index.getFacts(idOf('a.txt'))?.blocks).toHaveLength(1);
    expect(side.index.getFacts(idOf('b.txt'))?.size).toBe(13);
    expect(side.index.getFacts(idOf('b.txt'))?.blocks).toEqual([]);
    side.observer.close();
    side.index.close();
  });

  it('a file the scan chunked gets that block list in the index (an upload need not chunk it again), by delta or by comparison', async () => {
    for (const store of [byDelta, byComparison]) {
      const side = await setUp(store, { chunked: true });
      side.fs.put('big.bin', 'abcdefghij');
      await side.fullScan();
      side.fs.put('big.bin', 'abcdXXefghij');
      await side.hint(['big.bin']);
      const tree = side.index.loadTree('local') as Tree;
      const id = [...tree.items.values()].find((item) => item.name === 'big.bin')!.id;
      const facts = side.index.getFacts(id)!;
      expect(facts.hash).toBe(hasher.hash(new TextEncoder().encode('abcdXXefghij')));
      expect(facts.blocks.map((block) => [block.offset, block.size])).toEqual([[0, 4], [4, 4], [8, 4]]);
      expect(facts.blocks[1]!.hash).toBe(hasher.hash(new TextEncoder().encode('XXef')));
      side.observer.close();
      side.index.close();
    }
  });

  it('a full scan (no delta) repairs an index that no longer matches the scanner', async () => {
    const side = await setUp(byDelta);
    side.fs.put('a.txt', 'alpha');
    await side.fullScan();
    const good = stored(side.index);
    // Something wrote the index behind the scanner's back: a stray item and stray facts.
    side.index.updateTree('local', { put: [{ id: 'stray', parentId: 'root', name: 'stray.txt', kind: 'file', hash: 'blake3:00', size: 1 }] });
    side.index.putFacts([{ id: 'stray', size: 1, mtimeMs: 0, inode: 9, hash: 'blake3:00', blocks: [] }]);
    expect(stored(side.index)).not.toEqual(good);
    await side.fullScan();
    expect(stored(side.index)).toEqual(good);
    side.observer.close();
    side.index.close();
  });
});
