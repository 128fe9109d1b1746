// One contract for both watcher backends on real temp folders: creating, modifying, renaming and
// deleting files, nested new folders, many files at once, and Tandem's own files left unwatched.
// Hints are only "look here"; the test checks the right paths are named (or a full rescan asked).

import { mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchFolder } from './watch-folder.ts';
import type { FolderWatcher, WatchHints, WatcherBackend } from './watch-folder.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Harness {
  root: string;
  watcher: FolderWatcher;
  batches: WatchHints[];
  /** Waits until every path has been hinted (or a full rescan was asked for). */
  seen(paths: string[], timeoutMs?: number): Promise<void>;
  reset(): void;
}

async function start(backend: WatcherBackend, arrange?: (root: string) => void): Promise<Harness> {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'tandem-watch-')));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  arrange?.(root);
  const batches: WatchHints[] = [];
  const watcher = await watchFolder(root, { backend, debounceMs: 50, onHints: (h) => batches.push(h) });
  cleanups.push(() => watcher.close());
  const hinted = () => new Set(batches.flatMap((b) => b.paths));
  return {
    root,
    watcher,
    batches,
    reset: () => {
      batches.length = 0;
    },
    async seen(paths, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const got = hinted();
        if (batches.some((b) => b.rescanAll) || paths.every((p) => got.has(p))) return;
        if (Date.now() > deadline) throw new Error(`missing hints for ${paths.filter((p) => !got.has(p)).join(', ')}; got ${[...got].join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe.each<WatcherBackend>(['parcel', 'chokidar'])('watchFolder contract: %s', (backend) => {
  it('uses the backend asked for', async () => {
    const h = await start(backend);
    expect(h.watcher.backend).toBe(backend);
  });

  it('hints created, modified and deleted files', async () => {
    const h = await start(backend, (root) => writeFileSync(join(root, 'old.txt'), 'x'));
    writeFileSync(join(h.root, 'new.txt'), 'hello');
    await h.seen(['new.txt']);
    h.reset();
    writeFileSync(join(h.root, 'old.txt'), 'changed');
    await h.seen(['old.txt']);
    h.reset();
    unlinkSync(join(h.root, 'old.txt'));
    await h.seen(['old.txt']);
  });

  it('hints both ends of a rename', async () => {
    const h = await start(backend, (root) => writeFileSync(join(root, 'a.txt'), 'x'));
    renameSync(join(h.root, 'a.txt'), join(h.root, 'b.txt'));
    await h.seen(['a.txt', 'b.txt']);
  });

  it('follows new nested folders and what is written inside them', async () => {
    const h = await start(backend);
    mkdirSync(join(h.root, 'x/y/z'), { recursive: true });
    await h.seen(['x']);
    await settle();
    writeFileSync(join(h.root, 'x/y/z/deep.txt'), 'deep');
    await h.seen(['x/y/z/deep.txt']);
  });

  it('coalesces many files written at once into few batches naming them all', async () => {
    const h = await start(backend, (root) => mkdirSync(join(root, 'many')));
    const names = Array.from({ length: 300 }, (_, i) => `many/f${i}.txt`);
    for (const name of names) writeFileSync(join(h.root, name), name);
    await h.seen(names, 10_000);
    expect(h.batches.length).toBeLessThan(30);
  });

  it("ignores Tandem's own files", async () => {
    const h = await start(backend, (root) => mkdirSync(join(root, '.tandem/trash'), { recursive: true }));
    writeFileSync(join(h.root, '.tandem/trash/gone.txt'), 'x');
    writeFileSync(join(h.root, '.tandem-tmp-abc'), 'x');
    writeFileSync(join(h.root, 'visible.txt'), 'x');
    await h.seen(['visible.txt']);
    await settle();
    const all = h.batches.flatMap((b) => b.paths);
    expect(all.filter((p) => p.startsWith('.tandem'))).toEqual([]);
  });

  it('delivers pending hints on close and nothing after', async () => {
    const h = await start(backend);
    writeFileSync(join(h.root, 'late.txt'), 'x');
    await new Promise((resolve) => setTimeout(resolve, backend === 'chokidar' ? 150 : 30));
    await h.watcher.close();
    const count = h.batches.length;
    writeFileSync(join(h.root, 'after.txt'), 'x');
    await settle();
    expect(h.batches.length).toBe(count);
  });
});

describe('watchFolder backend choice', () => {
  it('falls back to chokidar, says so, and still hints, when @parcel/watcher cannot load', async () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), 'tandem-watch-')));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const errors: string[] = [];
    const batches: WatchHints[] = [];
    const watcher = await watchFolder(root, {
      debounceMs: 50,
      onHints: (h) => batches.push(h),
      onError: (message) => errors.push(message),
      loadParcel: () => Promise.reject(new Error('No prebuilt binary for this platform')),
    });
    cleanups.push(() => watcher.close());
    expect(watcher.backend).toBe('chokidar');
    expect(errors).toEqual(['The native file watcher is unavailable (No prebuilt binary for this platform); using chokidar.']);
    writeFileSync(join(root, 'x.txt'), 'x');
    const deadline = Date.now() + 5000;
    while (!batches.some((b) => b.paths.includes('x.txt')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(batches.flatMap((b) => b.paths)).toContain('x.txt');
  });

  it('prefers @parcel/watcher when it loads', async () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), 'tandem-watch-')));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const watcher = await watchFolder(root, { onHints: () => undefined });
    cleanups.push(() => watcher.close());
    expect(watcher.backend).toBe('parcel');
  });
});
