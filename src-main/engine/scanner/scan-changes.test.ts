// Scans of watcher-hinted paths only (on the fake file system): the result must equal what a full
// scan would give — same ids, same hashes — while reading only the files that changed.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeFileSystem } from '../fs/fake-file-system.ts';
import { getHasher } from '../hasher.ts';
import { LayeredMap } from '../tree/layered-map.ts';
import { checkTree, childrenOf, emptyTree, makeTree, pathOf } from '../tree/tree.ts';
import type { Tree } from '../tree/tree.ts';
import { idsByInode, ignoreFilePaths, pathIndex, rebasedState } from './local-tree.ts';
import type { FileFacts } from './local-tree.ts';
import { scanChanges, scanFolder } from './scan-folder.ts';
import type { ScanResult } from './scan-folder.ts';

const hasher = await getHasher();

class World {
  readonly fs = new FakeFileSystem();
  tree: Tree = emptyTree('root');
  facts: ReadonlyMap<string, FileFacts> = new Map();
  ignored: ReadonlySet<string> = new Set();
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

  it('costs what it looked at: the new tree and facts share the previous ones, and the delta says what changed', async () => {
    const w = await arranged();
    const before = w.tree;
    w.fs.put('d1/f1.txt', 'edited again', { mtimeMs: 7000 });
    const id = w.idAt('d1/f1.txt')!;
    const result = await w.changes(['d1/f1.txt']);
    expect(result.tree.items instanceof LayeredMap && result.tree.items.base === before.items).toBe(true);
    expect(result.facts instanceof LayeredMap).toBe(true);
    expect(result.delta.put.map((item) => item.id)).toEqual([id]);
    expect(result.delta.removed).toEqual([]);
    expect(result.delta.factsPut).toEqual([id]);
    expect(result.stats.items).toBe(before.items.size - 1);
  });

  it('after any edits, creates, deletes and moves (hinted as a watcher would), equals a full scan that then reads nothing', async () => {
    type Step = { kind: 'edit' | 'create' | 'remove' | 'move' | 'moveFolder' | 'ignored'; pick: number; to: number; dropOldEnd: boolean };
    const step = fc.record({
      kind: fc.constantFrom<Step['kind']>('edit', 'create', 'remove', 'move', 'moveFolder', 'ignored'),
      pick: fc.nat(),
      to: fc.nat({ max: 4 }),
      dropOldEnd: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(step, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }), async (batches) => {
        const w = await arranged();
        let clock = 10_000;
        let serial = 0;
        // Old ends of moves whose events come with the next batch (#61).
        let late: string[] = [];
        for (const [at, batch] of [...batches, []].entries()) {
          const hints: string[] = late;
          late = [];
          for (const { kind, pick, to, dropOldEnd } of batch) {
            const paths = [...w.fs.syncLister.list('')].filter((e) => e.kind === 'folder').flatMap((folder) =>
              w.fs.syncLister.list(folder.name).filter((e) => e.kind === 'file').map((e) => `${folder.name}/${e.name}`),
            );
            const folders = w.fs.syncLister.list('').filter((e) => e.kind === 'folder').map((e) => e.name);
            const file = paths[pick % Math.max(1, paths.length)];
            const folder = folders[pick % Math.max(1, folders.length)];
            const target = `${folders[to % Math.max(1, folders.length)] ?? 'fresh'}/n${serial++}.txt`;
            if (kind === 'edit' && file) {
              w.fs.put(file, `edit ${serial++}`, { mtimeMs: clock++ });
              hints.push(file);
            } else if (kind === 'create') {
              w.fs.put(to === 4 ? `new${serial}/deep/x.txt` : target, `new ${serial++}`, { mtimeMs: clock++ });
              hints.push(to === 4 ? `new${serial - 1}/deep/x.txt` : target);
            } else if (kind === 'remove' && file) {
              await w.fs.remove(file);
              hints.push(file);
            } else if (kind === 'move' && file) {
              await w.fs.rename(file, target);
              hints.push(target);
              // The old end's event may come in the next batch: the scan must look there itself.
              if (dropOldEnd && at < batches.length) late.push(file);
              else hints.push(file);
            } else if (kind === 'moveFolder' && folder) {
              const renamed = `m${serial++}`;
              await w.fs.rename(folder, renamed);
              hints.push(folder, renamed);
            } else if (kind === 'ignored' && folder) {
              w.fs.put(`${folder}/noise${serial++}.log`, 'x', { mtimeMs: clock++ });
              hints.push(`${folder}/noise${serial - 1}.log`);
            }
          }
          const result = await w.changes(hints);
          expect(checkTree(result.tree)).toEqual([]);
          // Until the late events arrive, the partial scan may rightly differ from a full one.
          if (late.length > 0) continue;
          expect(new Map(pathIndex(result.tree))).toEqual(new Map(pathIndex(makeTree(result.tree.rootId, result.tree.items.values()))));
          expect(new Map(idsByInode(result.facts))).toEqual(new Map(idsByInode(new Map(result.facts))));
          const partial = w.state();
          const full = await w.full();
          expect(w.state()).toEqual(partial);
          expect(w.read).toEqual([]);
          expect(full.stats.created).toBe(0);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('after a rebase onto the tree the executor left, derives the indexes from the old state and still scans like a full scan', async () => {
    const w = await arranged();
    const current = { tree: w.tree, facts: w.facts, ignoredIds: w.ignored };
    // What the executor did on disk and in its own copy of the tree (a plain Map, kept objects):
    // a folder moved, a file downloaded over, one deleted, one created.
    const items = new Map(w.tree.items);
    const facts = new Map([...w.facts].map(([id, fact]) => [id, { ...fact }]));
    const d0 = w.idAt('d0')!;
    await w.fs.rename('d0', 'moved');
    items.set(d0, { ...items.get(d0)!, name: 'moved' });
    const edited = w.idAt('d1/f1.txt')!;
    w.fs.put('d1/f1.txt', 'downloaded', { mtimeMs: 9000 });
    const downloaded = hasher.hash(new TextEncoder().encode('downloaded'));
    items.set(edited, { ...items.get(edited)!, hash: downloaded, size: 10 });
    facts.set(edited, { ...facts.get(edited)!, size: 10, mtimeMs: 9000, hash: downloaded });
    const gone = w.idAt('d2/f2.txt')!;
    await w.fs.remove('d2/f2.txt');
    items.delete(gone);
    facts.delete(gone);
    w.fs.put('d2/new.txt', 'new', { mtimeMs: 9000 });
    items.set('fresh-id', { id: 'fresh-id', parentId: w.idAt('d2')!, name: 'new.txt', kind: 'file', hash: hasher.hash(new TextEncoder().encode('new')), size: 3 });
    const next = { tree: makeTree(w.tree.rootId, items.values()), facts: facts as ReadonlyMap<string, FileFacts>, ignoredIds: w.ignored };

    const rebased = rebasedState(current, next);
    expect(rebased.tree.items instanceof LayeredMap).toBe(true);
    const sorted = <V>(map: ReadonlyMap<string, V>) => [...map].sort(([a], [b]) => a.localeCompare(b));
    expect(sorted(rebased.tree.items)).toEqual(sorted(next.tree.items));
    expect(sorted(rebased.facts)).toEqual(sorted(next.facts));
    const fresh = makeTree(rebased.tree.rootId, rebased.tree.items.values());
    expect(new Map(pathIndex(rebased.tree))).toEqual(new Map(pathIndex(fresh)));
    expect([...ignoreFilePaths(rebased.tree)].sort()).toEqual([...ignoreFilePaths(fresh)].sort());
    expect(new Map(idsByInode(rebased.facts))).toEqual(new Map(idsByInode(new Map(rebased.facts))));
    expect(childrenOf(rebased.tree, d0).length).toBe(10);

    w.tree = rebased.tree;
    w.facts = rebased.facts;
    await w.changes(['d2/new.txt']);
    const partial = w.state();
    await w.full();
    expect(w.state().get('moved/f0.txt')).toBe(partial.get('moved/f0.txt'));
    expect(w.state()).toEqual(partial);
  });
});
