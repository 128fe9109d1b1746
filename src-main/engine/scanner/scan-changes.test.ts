// Scans of watcher-hinted paths only (on the fake file system): the result must equal what a full
// scan would give — same ids, same hashes — while reading only the files that changed.

import { describe, expect, it } from 'vitest';
import { FakeFileSystem } from '../fs/fake-file-system.ts';
import { getHasher } from '../hasher.ts';
import { emptyTree, pathOf } from '../tree/tree.ts';
import type { Tree } from '../tree/tree.ts';
import type { FileFacts } from './local-tree.ts';
import { scanChanges, scanFolder } from './scan-folder.ts';
import type { ScanResult } from './scan-folder.ts';

const hasher = await getHasher();

class World {
  readonly fs = new FakeFileSystem();
  tree: Tree = emptyTree('root');
  facts: Map<string, FileFacts> = new Map();
  ignored: Set<string> = new Set();
  read: string[] = [];

  #options() {
    return {
      previous: this.tree,
      previousFacts: this.facts,
      previousIgnored: this.ignored,
      source: { lister: this.fs.syncLister },
      hashFile: async (diskPath: string) => {
        this.read.push(diskPath);
        const data = this.fs.get(diskPath);
        if (!data) throw new Error(`no ${diskPath}`);
        return { hash: hasher.hash(data), size: data.length, mtimeMs: 0 };
      },
    };
  }
  #keep(result: ScanResult): ScanResult {
    this.tree = result.tree;
    this.facts = result.facts;
    this.ignored = result.ignoredIds;
    return result;
  }
  async full(): Promise<ScanResult> {
    this.read = [];
    return this.#keep(await scanFolder(this.#options()));
  }
  async changes(hints: string[]): Promise<ScanResult> {
    this.read = [];
    return this.#keep(await scanChanges({ ...this.#options(), hints }));
  }
  /** path → id:kind:hash, the whole visible state. */
  state(): Map<string, string> {
    const out = new Map<string, string>();
    for (const item of this.tree.items.values()) {
      if (item.id === this.tree.rootId) continue;
      out.set(pathOf(this.tree, item.id)!, `${item.id}:${item.kind}:${item.hash ?? ''}:${this.ignored.has(item.id)}`);
    }
    return out;
  }
  idAt(path: string): string | undefined {
    return this.state().get(path)?.split(':')[0];
  }
}

async function arranged(): Promise<World> {
  const w = new World();
  for (let i = 0; i < 30; i++) w.fs.put(`d${i % 3}/f${i}.txt`, `content ${i}`, { mtimeMs: 1000 });
  w.fs.put('.tandemignore', '*.log\n', { mtimeMs: 1000 });
  await w.full();
  return w;
}

describe('scanChanges', () => {
  it('reads only the hinted file and gives what a full scan gives', async () => {
    const w = await arranged();
    w.fs.put('d1/f1.txt', 'edited', { mtimeMs: 2000 });
    const id = w.idAt('d1/f1.txt');
    await w.changes(['d1/f1.txt']);
    expect(w.read).toEqual(['d1/f1.txt']);
    expect(w.idAt('d1/f1.txt')).toBe(id);
    const partial = w.state();
    await w.full();
    expect(w.state()).toEqual(partial);
  });

  it('a rename hinted at both ends keeps the id without reading the file', async () => {
    const w = await arranged();
    const id = w.idAt('d0/f0.txt');
    await w.fs.rename('d0/f0.txt', 'd2/renamed.txt');
    await w.changes(['d0/f0.txt', 'd2/renamed.txt']);
    expect(w.idAt('d2/renamed.txt')).toBe(id);
    expect(w.idAt('d0/f0.txt')).toBeUndefined();
    expect(w.read).toEqual([]);
  });

  it('a folder moved keeps every id inside', async () => {
    const w = await arranged();
    const before = w.state();
    await w.fs.rename('d0', 'moved');
    await w.changes(['d0', 'moved']);
    const after = w.state();
    for (const [path, value] of before) {
      const target = path.startsWith('d0') ? path.replace(/^d0/, 'moved') : path;
      expect(after.get(target)).toBe(value);
    }
    expect(w.read).toEqual([]);
  });

  it('a hint deep inside folders the tree does not know yet observes the whole new folder (mkdir -p)', async () => {
    const w = await arranged();
    w.fs.put('new/a/b/deep.txt', 'deep');
    await w.changes(['new/a/b/deep.txt']);
    expect([...w.state().keys()].filter((p) => p.startsWith('new'))).toEqual(['new', 'new/a', 'new/a/b', 'new/a/b/deep.txt']);
  });

  it('a deleted folder disappears with its content; ignore rules still apply to new files', async () => {
    const w = await arranged();
    await w.fs.remove('d2/f2.txt');
    for (const i of [5, 8, 11, 14, 17, 20, 23, 26, 29]) await w.fs.remove(`d2/f${i}.txt`);
    await w.fs.remove('d2');
    w.fs.put('d1/debug.log', 'noise');
    await w.changes(['d2', 'd1/debug.log']);
    const state = w.state();
    expect([...state.keys()].some((p) => p.startsWith('d2'))).toBe(false);
    expect(state.get('d1/debug.log')?.endsWith(':true')).toBe(true);
    const partial = state;
    await w.full();
    expect(w.state()).toEqual(partial);
  });

  it('a changed .tandemignore turns it into a full scan (every path may change meaning)', async () => {
    const w = await arranged();
    w.fs.put('.tandemignore', '*.log\nd1/\n', { mtimeMs: 3000 });
    await w.changes(['.tandemignore']);
    expect(w.state().get('d1')?.endsWith(':true')).toBe(true);
    expect([...w.state().keys()].some((p) => p.startsWith('d1/'))).toBe(false);
  });

  it('what is not hinted keeps its previous state (hints are the only news it takes)', async () => {
    const w = await arranged();
    const before = w.state().get('d0/f3.txt');
    w.fs.put('d0/f3.txt', 'changed without a hint', { mtimeMs: 5000 });
    await w.changes(['d1/f1.txt']);
    expect(w.state().get('d0/f3.txt')).toBe(before);
  });
});
