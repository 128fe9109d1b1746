// The observation chain end to end on a real folder: the watcher's hints drive the LocalObserver
// (partial scans in the main thread, hashing in workers), and after each burst of changes the
// committed tree equals what a full scan from scratch sees, with ids kept across renames.

import { mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChunkWorkerPool } from '../chunker/worker-pool.ts';
import { emptyTree, pathOf } from '../tree/tree.ts';
import type { Tree } from '../tree/tree.ts';
import { watchFolder } from '../watcher/watch-folder.ts';
import type { WatcherBackend } from '../watcher/watch-folder.ts';
import { LocalObserver } from './local-observer.ts';
import { scanFolder } from './scan-folder.ts';
import { SmallFileHasher } from './small-file-hasher.ts';

const pool = new ChunkWorkerPool({ size: 1 });
const smallHasher = new SmallFileHasher({ size: 1 });
afterAll(async () => {
  await pool.close();
  await smallHasher.close();
});

/** path → kind:hash (ids compared separately). */
function shape(tree: Tree): Map<string, string> {
  return new Map(
    [...tree.items.values()].filter((i) => i.id !== tree.rootId).map((i) => [pathOf(tree, i.id)!, `${i.kind}:${i.hash ?? ''}`]),
  );
}

describe.each<WatcherBackend>(['parcel', 'chokidar'])('watch + observe a real folder (%s)', (backend) => {
  it('follows creates, nested folders, renames, edits and deletes like a full scan would', async () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), 'tandem-observe-')));
    try {
      writeFileSync(join(root, 'start.txt'), 'hello');
      let commits = 0;
      const observer = new LocalObserver({
        source: { root },
        initial: { tree: emptyTree('root'), facts: new Map(), ignoredIds: new Set() },
        onCommit: () => commits++,
        settleMs: 150,
        pool,
        smallHasher,
      });
      await observer.fullScan();
      const idOf = (path: string) => [...observer.state.tree.items.values()].find((i) => pathOf(observer.state.tree, i.id) === path)?.id;
      const startId = idOf('start.txt');
      const watcher = await watchFolder(root, { backend, debounceMs: 50, onHints: (hints) => void observer.hint(hints) });
      try {
        mkdirSync(join(root, 'projects/2026/notes'), { recursive: true });
        writeFileSync(join(root, 'projects/2026/notes/plan.md'), '# plan');
        writeFileSync(join(root, '~$lock.docx'), 'owner');
        renameSync(join(root, 'start.txt'), join(root, 'projects/start-renamed.txt'));
        writeFileSync(join(root, 'projects/2026/notes/plan.md'), '# plan, edited');
        rmSync(join(root, '~$lock.docx'));

        // Wait until the committed tree matches a fresh full scan of the disk.
        const deadline = Date.now() + 8000;
        let expected = shape((await scanFolder({ previous: emptyTree('root'), previousFacts: new Map(), source: { root }, pool })).tree);
        while (Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          await observer.idle();
          if (JSON.stringify([...shape(observer.state.tree)].sort()) === JSON.stringify([...expected].sort())) break;
          expected = shape((await scanFolder({ previous: emptyTree('root'), previousFacts: new Map(), source: { root }, pool })).tree);
        }
        expect([...shape(observer.state.tree)].sort()).toEqual([...expected].sort());
        expect(idOf('projects/start-renamed.txt')).toBe(startId);
        expect(commits).toBeGreaterThan(1);
      } finally {
        await watcher.close();
        observer.close();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 20_000);
});
