// The local observer on the fake file system: hints become committed trees; a move whose two
// ends arrive in different hint batches is one move in either order (#61); a save that renames
// the original away is one content update (#31, #33); a real delete is committed after settling.

import { describe, expect, it } from 'vitest';
import { FakeFileSystem } from '../fs/fake-file-system.ts';
import { getHasher } from '../hasher.ts';
import { emptyTree, pathOf } from '../tree/tree.ts';
import { LocalObserver } from './local-observer.ts';
import type { ScanResult } from './scan-folder.ts';

const hasher = await getHasher();
const settleMs = 80;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function observed(arrange: (fs: FakeFileSystem) => void, owner: { onSettleDue?: () => void } = {}) {
  const fs = new FakeFileSystem();
  arrange(fs);
  const commits: ScanResult[] = [];
  const observer = new LocalObserver({
    source: { lister: fs.syncLister },
    initial: { tree: emptyTree('root'), facts: new Map(), ignoredIds: new Set() },
    onCommit: (result) => commits.push(result),
    settleMs,
    ...owner,
    hashFile: async (diskPath) => {
      const data = fs.get(diskPath)!;
      return { hash: hasher.hash(data), size: data.length, mtimeMs: 0 };
    },
  });
  await observer.fullScan();
  const idAt = (path: string) => {
    const tree = observer.state.tree;
    return [...tree.items.values()].find((item) => item.id !== tree.rootId && pathOf(tree, item.id) === path)?.id;
  };
  return { fs, observer, commits, idAt };
}

describe('LocalObserver', () => {
  it.each([
    ['old end first', ['a.txt'], ['sub/b.txt']],
    ['new end first', ['sub/b.txt'], ['a.txt']],
  ])('a move split across hint batches is one move (%s, #61)', async (_label, first, second) => {
    const { fs, observer, commits, idAt } = await observed((f) => {
      f.put('a.txt', 'payload');
      f.put('sub/keep.txt', 'k');
    });
    const id = idAt('a.txt');
    await fs.rename('a.txt', 'sub/b.txt');
    await observer.hint({ paths: first, rescanAll: false });
    await pause(10);
    await observer.hint({ paths: second, rescanAll: false });
    await pause(settleMs * 2);
    await observer.idle();
    expect(idAt('sub/b.txt')).toBe(id);
    expect(idAt('a.txt')).toBeUndefined();
    // Never a committed state in which the file was missing.
    for (const commit of commits) expect(commit.vanished).toEqual([]);
    observer.close();
  });

  it('an Office save (original renamed to ~WRL…, temp renamed in) commits one content update', async () => {
    const { fs, observer, commits, idAt } = await observed((f) => f.put('report.docx', 'v1'));
    const id = idAt('report.docx');
    const before = commits.length;
    fs.put('~$report.docx', 'lock');
    fs.put('~WRL0001.tmp', 'v2');
    await observer.hint({ paths: ['~$report.docx', '~WRL0001.tmp'], rescanAll: false });
    await fs.rename('report.docx', '~WRL0002.tmp');
    await observer.hint({ paths: ['report.docx', '~WRL0002.tmp'], rescanAll: false });
    await fs.rename('~WRL0001.tmp', 'report.docx');
    await fs.remove('~WRL0002.tmp');
    await fs.remove('~$report.docx');
    await observer.hint({ paths: ['~WRL0001.tmp', 'report.docx', '~WRL0002.tmp', '~$report.docx'], rescanAll: false });
    await pause(settleMs * 2);
    await observer.idle();
    expect(idAt('report.docx')).toBe(id);
    expect(observer.state.tree.items.get(id!)?.hash).toBe(hasher.hash(new TextEncoder().encode('v2')));
    for (const commit of commits.slice(before)) expect(commit.vanished).toEqual([]);
    observer.close();
  });

  it('a real delete is committed once the folder has settled', async () => {
    const { fs, observer, commits, idAt } = await observed((f) => f.put('gone.txt', 'x'));
    await fs.remove('gone.txt');
    await observer.hint({ paths: ['gone.txt'], rescanAll: false });
    expect(idAt('gone.txt')).toBeDefined();
    await pause(settleMs * 2);
    await observer.idle();
    expect(idAt('gone.txt')).toBeUndefined();
    expect(commits.at(-1)?.vanished).toEqual(['gone.txt']);
    observer.close();
  });

  it('with an owner (the sync loop), a settled delete waits for settle(): told once quiet, committed only then', async () => {
    let due = 0;
    const { fs, observer, commits, idAt } = await observed((f) => f.put('gone.txt', 'x'), { onSettleDue: () => (due += 1) });
    await fs.remove('gone.txt');
    await observer.hint({ paths: ['gone.txt'], rescanAll: false });
    await pause(settleMs * 2);
    await observer.idle();
    expect(due).toBe(1);
    expect(idAt('gone.txt'), 'no commit on the timer').toBeDefined();
    await observer.settle();
    expect(idAt('gone.txt')).toBeUndefined();
    expect(commits.at(-1)?.vanished).toEqual(['gone.txt']);
    observer.close();
  });

  it('with an owner, a file that could not be read yet is handed back to it to hint later, not rescanned on a timer of its own', async () => {
    const fs = new FakeFileSystem();
    fs.put('a.txt', 'a');
    let busy = true;
    const retried: (readonly string[])[] = [];
    const observer = new LocalObserver({
      source: { lister: fs.syncLister },
      initial: { tree: emptyTree('root'), facts: new Map(), ignoredIds: new Set() },
      onCommit: () => undefined,
      settleMs,
      onRetryDue: (paths) => retried.push(paths),
      hashFile: async (diskPath) => {
        if (diskPath.endsWith('busy.txt') && busy) throw Object.assign(new Error('being written'), { code: 'EBUSY' });
        const data = fs.get(diskPath)!;
        return { hash: hasher.hash(data), size: data.length, mtimeMs: 0 };
      },
    });
    await observer.fullScan();
    fs.put('busy.txt', 'half written');
    await observer.hint({ paths: ['busy.txt'], rescanAll: false });
    const has = (path: string) => [...observer.state.tree.items.values()].some((item) => pathOf(observer.state.tree, item.id) === path);
    expect(has('busy.txt')).toBe(false);
    busy = false;
    await pause(settleMs * 2);
    await observer.idle();
    expect(retried).toEqual([['busy.txt']]);
    expect(has('busy.txt'), 'not committed behind the owner\'s back').toBe(false);
    await observer.hint({ paths: retried[0]!, rescanAll: false });
    expect(has('busy.txt')).toBe(true);
    observer.close();
  });

  it('a rescan-everything hint (watcher overflow) finds changes nobody hinted', async () => {
    const { fs, observer, idAt } = await observed((f) => f.put('a.txt', 'a'));
    fs.put('deep/unhinted.txt', 'x');
    await observer.hint({ paths: [], rescanAll: true });
    expect(idAt('deep/unhinted.txt')).toBeDefined();
    observer.close();
  });

  it('reports a folder that cannot be read instead of committing an empty tree', async () => {
    const errors: string[] = [];
    const fs = new FakeFileSystem();
    fs.put('a.txt', 'a');
    fs.failAt('', 'EIO', ['list']);
    const observer = new LocalObserver({
      source: { lister: fs.syncLister },
      initial: { tree: emptyTree('root'), facts: new Map(), ignoredIds: new Set() },
      onCommit: () => errors.push('committed'),
      onError: (message) => errors.push(message),
      hashFile: async () => ({ hash: 'x', size: 0, mtimeMs: 0 }),
    });
    await observer.fullScan();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^The synced folder cannot be read: /);
  });

  it('reads a file again when its facts were taken within its mtime tick: a same-size rewrite in that tick is not missed', async () => {
    const fs = new FakeFileSystem();
    const tick = Date.now() - 500;
    fs.put('fresh.txt', 'v1', { mtimeMs: tick });
    fs.put('old.txt', 'kept', { mtimeMs: tick - 60_000 });
    const { observer, read } = observerThatCountsReads(fs);
    await observer.fullScan();
    // Rewritten in place within the same tick of a coarse clock: same inode, size and mtime.
    fs.put('fresh.txt', 'v2', { mtimeMs: tick });
    read.length = 0;
    await observer.hint({ paths: ['fresh.txt', 'old.txt'], rescanAll: false });
    await observer.idle();
    expect(hashAt(observer, 'fresh.txt')).toBe(hasher.hash(new TextEncoder().encode('v2')));
    // A file whose mtime is long past is trusted, not read again.
    expect(read).toEqual(['fresh.txt']);
    observer.close();
  });

  it('trusts a racy file again once a hint on its folder re-read it, but never one in a folder whose name only starts like the hint', async () => {
    const fs = new FakeFileSystem();
    // Within RACY_FACTS_MS of the first scan, past it by the second.
    const tick = Date.now() - 2_500;
    fs.put('sub/a.txt', 'v1', { mtimeMs: tick });
    fs.put('subway/b.txt', 'v1', { mtimeMs: tick });
    const { observer, read } = observerThatCountsReads(fs);
    await observer.fullScan();
    await new Promise((resolve) => setTimeout(resolve, 600));
    // subway/b.txt is rewritten in the same tick: same size and mtime, so only a re-read can see it.
    fs.put('subway/b.txt', 'v2', { mtimeMs: tick });
    read.length = 0;
    await observer.hint({ paths: ['sub'], rescanAll: false });
    await observer.idle();
    expect(read).toEqual(['sub/a.txt']);
    read.length = 0;
    await observer.hint({ paths: ['sub/a.txt', 'subway/b.txt'], rescanAll: false });
    await observer.idle();
    // sub/a.txt was looked at through its folder's hint and is settled; subway/b.txt never was.
    expect(read).toEqual(['subway/b.txt']);
    expect(hashAt(observer, 'subway/b.txt')).toBe(hasher.hash(new TextEncoder().encode('v2')));
    observer.close();
  });
});

/** An observer over `fs` that hashes for real and records every path it reads. */
function observerThatCountsReads(fs: FakeFileSystem): { observer: LocalObserver; read: string[] } {
  const read: string[] = [];
  const observer = new LocalObserver({
    source: { lister: fs.syncLister },
    initial: { tree: emptyTree('root'), facts: new Map(), ignoredIds: new Set() },
    onCommit: () => undefined,
    settleMs,
    hashFile: async (diskPath) => {
      read.push(diskPath);
      const data = fs.get(diskPath)!;
      return { hash: hasher.hash(data), size: data.length, mtimeMs: (await fs.lstat(diskPath)).mtimeMs };
    },
  });
  return { observer, read };
}

function hashAt(observer: LocalObserver, path: string): string | undefined {
  const tree = observer.state.tree;
  return [...tree.items.values()].find((item) => pathOf(tree, item.id) === path)?.hash;
}
