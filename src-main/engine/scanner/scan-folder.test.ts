// Full scans of real folders (walk in a worker, hashing in the chunk worker pool), with GOLDEN
// save sequences recorded from real applications: however an editor or office suite saves, the
// result is ONE content update of the SAME item, and their temp, lock and swap files are never
// synced items (SCENARIOS #30–34). Scans happen before and after each save, as the watcher's
// debounced hints trigger them; scans in the middle of a sequence must also never show a temp
// file as a syncable item.

import { chmodSync, lstatSync, mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chunkFile } from '../chunker/chunk-file.ts';
import { ChunkWorkerPool } from '../chunker/worker-pool.ts';
import { FakeFileSystem } from '../fs/fake-file-system.ts';
import { getHasher } from '../hasher.ts';
import { pathOf, emptyTree } from '../tree/tree.ts';
import type { Tree } from '../tree/tree.ts';
import type { FileFacts } from './local-tree.ts';
import { scanFolder } from './scan-folder.ts';
import type { ScanResult } from './scan-folder.ts';
import { SmallFileHasher } from './small-file-hasher.ts';
import { ScanRootError } from './walk.ts';

let pool: ChunkWorkerPool;
let smallHasher: SmallFileHasher;
beforeAll(() => {
  pool = new ChunkWorkerPool({ size: 2 });
  smallHasher = new SmallFileHasher({ size: 1 });
});
afterAll(async () => {
  await pool.close();
  await smallHasher.close();
});

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A real folder and the engine's memory of it between scans. */
class Folder {
  readonly root = mkdtempSync(join(tmpdir(), 'tandem-scan-'));
  tree: Tree = emptyTree('root');
  facts: ReadonlyMap<string, FileFacts> = new Map();
  last: ScanResult | undefined;
  /** Small files through the batch hasher (as the engine does), or everything through the chunk pool. */
  batchSmallFiles = true;
  constructor() {
    made.push(this.root);
  }
  p(path: string): string {
    return join(this.root, path);
  }
  write(path: string, content: string): void {
    writeFileSync(this.p(path), content);
  }
  async scan(): Promise<ScanResult> {
    this.last = await scanFolder({
      previous: this.tree,
      previousFacts: this.facts,
      previousIgnored: this.last?.ignoredIds ?? new Set(),
      source: { root: this.root },
      pool,
      ...(this.batchSmallFiles ? { smallHasher } : {}),
    });
    this.tree = this.last.tree;
    this.facts = this.last.facts;
    return this.last;
  }
  get ignoredIds(): ReadonlySet<string> {
    return this.last?.ignoredIds ?? new Set();
  }
  idAt(path: string): string | undefined {
    for (const item of this.tree.items.values()) if (item.id !== this.tree.rootId && pathOf(this.tree, item.id) === path) return item.id;
    return undefined;
  }
  /** Paths of the items the planner would sync (not ignored). */
  syncedPaths(): string[] {
    return [...this.tree.items.values()]
      .filter((item) => item.id !== this.tree.rootId && !this.ignoredIds.has(item.id))
      .map((item) => pathOf(this.tree, item.id)!)
      .sort();
  }
}

interface SaveSequence {
  name: string;
  file: string;
  /** Steps as the application performs them; the last leaves `file` holding 'v2'. */
  steps: Array<(f: Folder) => void>;
}

const SEQUENCES: SaveSequence[] = [
  {
    name: 'gedit / GLib: write .goutputstream temp, rename over (#30)',
    file: 'notes.txt',
    steps: [(f) => f.write('.goutputstream-8QZ1SZ', 'v2'), (f) => renameSync(f.p('.goutputstream-8QZ1SZ'), f.p('notes.txt'))],
  },
  {
    name: 'VS Code: truncate and write in place (#30)',
    file: 'notes.txt',
    steps: [(f) => f.write('notes.txt', ''), (f) => f.write('notes.txt', 'v2')],
  },
  {
    name: 'vim (backupcopy=no, writebackup): 4913 probe, swap, original renamed to notes.txt~, new file written, backup removed (#32)',
    file: 'notes.txt',
    steps: [
      (f) => f.write('.notes.txt.swp', 'swap'),
      (f) => f.write('4913', ''),
      (f) => unlinkSync(f.p('4913')),
      (f) => renameSync(f.p('notes.txt'), f.p('notes.txt~')),
      (f) => f.write('notes.txt', 'v2'),
      (f) => unlinkSync(f.p('notes.txt~')),
      (f) => unlinkSync(f.p('.notes.txt.swp')),
    ],
  },
  {
    name: 'macOS safe-save: original to notes.txt.sb-…, new notes.txt, backup deleted (#31)',
    file: 'notes.txt',
    steps: [
      (f) => renameSync(f.p('notes.txt'), f.p('notes.txt.sb-2c8a9f1e-Kq3xTw')),
      (f) => f.write('notes.txt', 'v2'),
      (f) => unlinkSync(f.p('notes.txt.sb-2c8a9f1e-Kq3xTw')),
    ],
  },
  {
    name: 'MS Office: ~$ lock, ~WRL temp, original renamed away, temp renamed in, old deleted (#33)',
    file: 'report.docx',
    steps: [
      (f) => f.write('~$report.docx', 'owner'),
      (f) => f.write('~WRL0001.tmp', 'v2'),
      (f) => renameSync(f.p('report.docx'), f.p('~WRL0002.tmp')),
      (f) => renameSync(f.p('~WRL0001.tmp'), f.p('report.docx')),
      (f) => unlinkSync(f.p('~WRL0002.tmp')),
      (f) => unlinkSync(f.p('~$report.docx')),
    ],
  },
  {
    name: 'MS Office on some shares: delete and create of the target while ~$ lock exists (#33)',
    file: 'report.docx',
    steps: [
      (f) => f.write('~$report.docx', 'owner'),
      (f) => unlinkSync(f.p('report.docx')),
      (f) => f.write('report.docx', 'v2'),
      (f) => unlinkSync(f.p('~$report.docx')),
    ],
  },
  {
    name: 'LibreOffice: .~lock.…# lock file around an in-place write (#34)',
    file: 'budget.ods',
    steps: [
      (f) => f.write('.~lock.budget.ods#', ',me,host,2026-01-01T00:00,'),
      (f) => f.write('budget.ods', 'v2'),
      (f) => unlinkSync(f.p('.~lock.budget.ods#')),
    ],
  },
];

describe('golden save sequences: one content update of the same item, temps never synced', () => {
  it.each(SEQUENCES)('$name', async ({ file, steps }) => {
    const f = new Folder();
    mkdirSync(f.p('other'));
    f.write('other/keep.txt', 'untouched');
    f.write(file, 'v1');
    await f.scan();
    const id = f.idAt(file);
    const before = new Map(f.tree.items);
    const syncedBefore = f.syncedPaths();

    // Scans in the middle only ever see the user's files as syncable, never the temps.
    // A scan that finds the file missing says so (`vanished`), so the engine waits and rescans.
    for (const step of steps) {
      step(f);
      const mid = await f.scan();
      for (const path of f.syncedPaths()) expect(syncedBefore).toContain(path);
      for (const path of mid.vanished) expect(path).toBe(file);
      if (!f.syncedPaths().includes(file)) expect(mid.vanished).toEqual([file]);
    }

    // Final state, from the state before the save (the watcher's debounce coalesces the burst).
    f.tree = { rootId: 'root', items: before };
    f.facts = new Map([...f.facts].filter(([key]) => before.has(key)));
    const final = await f.scan();
    expect(final.vanished).toEqual([]);
    expect(f.syncedPaths()).toEqual(syncedBefore);
    expect(f.idAt(file)).toBe(id);
    const changed = [...f.tree.items.values()].filter((item) => before.get(item.id)?.hash !== item.hash);
    expect(changed.map((item) => item.id)).toEqual([id]);
    const hasher = await getHasher();
    expect(f.tree.items.get(id!)?.hash).toBe(hasher.hash(new TextEncoder().encode('v2')));
  });
});

describe('scanFolder on a real disk', () => {
  it('does not re-read unchanged files; a touched file with equal bytes yields the same tree (#43)', async () => {
    const f = new Folder();
    f.batchSmallFiles = false;
    for (let i = 0; i < 20; i++) f.write(`f${i}.txt`, `content ${i}`);
    const first = await f.scan();
    expect(first.stats.hashed).toBe(20);
    const second = await f.scan();
    expect(second.stats).toMatchObject({ hashed: 0, reused: 20, created: 0 });
    const before = f.tree;
    const later = new Date(Date.now() + 3_600_000);
    for (let i = 0; i < 20; i++) utimesSync(f.p(`f${i}.txt`), later, later);
    const third = await f.scan();
    expect(third.stats.hashed).toBe(20);
    expect([...f.tree.items.entries()]).toEqual([...before.items.entries()]);
  });

  it('a first index (no lstat of files: the hasher reads their facts) gives the facts, hashes and bits a rescan confirms', async () => {
    const f = new Folder();
    mkdirSync(f.p('sub'));
    for (let i = 0; i < 30; i++) f.write(`sub/f${i}.txt`, `content ${i}`);
    f.write('run.sh', '#!/bin/sh\n');
    chmodSync(f.p('run.sh'), 0o755);
    // Bigger than what is read in one piece: streamed through the hash.
    writeFileSync(f.p('big.bin'), Buffer.alloc(3 * 1024 * 1024 + 5, 1));
    f.write('notes.swp', 'vim swap');
    const first = await f.scan();
    expect(first.stats).toMatchObject({ hashed: 32, created: 34 });
    const chunked = await chunkFile(f.p('big.bin'));
    expect(f.tree.items.get(f.idAt('big.bin')!)).toMatchObject({ hash: chunked.hash, size: chunked.size });
    expect(f.tree.items.get(f.idAt('run.sh')!)?.executable).toBe(true);
    const swap = f.idAt('notes.swp')!;
    expect(f.ignoredIds.has(swap)).toBe(true);
    const stat = lstatSync(f.p('notes.swp'));
    expect(f.facts.get(swap)).toEqual({ size: stat.size, mtimeMs: stat.mtimeMs, inode: stat.ino });
    const before = f.tree;
    // The rescan lstat's everything: it must find every fact equal, so it reads nothing again.
    const second = await f.scan();
    expect(second.stats).toMatchObject({ hashed: 0, reused: 32, created: 0 });
    expect([...f.tree.items.entries()]).toEqual([...before.items.entries()]);
  });

  it('a big file the rescan chunks keeps the block list of exactly its bytes (an upload reuses it); small files have none', async () => {
    const f = new Folder();
    const big = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE((i * 2654435761) >>> 0, i);
    writeFileSync(f.p('big.bin'), big);
    f.write('small.txt', 'small');
    await f.scan(); // the first index hashes every file whole, in batches
    writeFileSync(f.p('big.bin'), Buffer.concat([big.subarray(0, 1000), Buffer.from('x'), big.subarray(1000)]));
    await f.scan();
    const facts = f.facts.get(f.idAt('big.bin')!)!;
    const chunked = await chunkFile(f.p('big.bin'));
    expect(facts.hash).toBe(chunked.hash);
    expect(facts.blockList).toEqual(chunked.blocks);
    expect(facts.blockList!.reduce((sum, block) => sum + block.size, 0)).toBe(big.length + 1);
    expect(f.facts.get(f.idAt('small.txt')!)!.blockList).toBeUndefined();
  });

  it('a rename on disk keeps the id (inode), a new file gets a UUIDv7', async () => {
    const f = new Folder();
    f.write('a.txt', 'a');
    await f.scan();
    const id = f.idAt('a.txt');
    renameSync(f.p('a.txt'), f.p('b.txt'));
    f.write('c.txt', 'c');
    const result = await f.scan();
    expect(f.idAt('b.txt')).toBe(id);
    expect(f.idAt('c.txt')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(result.stats.moved).toBe(1);
  });

  it('a missing synced folder is an error, never an empty tree (#41)', async () => {
    const f = new Folder();
    f.write('a.txt', 'a');
    await f.scan();
    rmSync(f.root, { recursive: true });
    await expect(f.scan()).rejects.toThrow(ScanRootError);
  });

  it('scans the fake file system too, reading NFD names by their disk spelling', async () => {
    const fs = new FakeFileSystem({ normalization: 'nfd', caseInsensitive: true });
    fs.put('r\u00e9sum\u00e9.txt', 'cv');
    const hasher = await getHasher();
    const read: string[] = [];
    const result = await scanFolder({
      previous: emptyTree('root'),
      previousFacts: new Map(),
      source: { lister: fs.syncLister },
      hashFile: async (diskPath) => {
        read.push(diskPath);
        const data = fs.get(diskPath)!;
        return { hash: hasher.hash(data), size: data.length, mtimeMs: 0 };
      },
    });
    expect(read).toEqual(['r\u00e9sum\u00e9.txt'.normalize('NFD')]);
    const [item] = [...result.tree.items.values()].filter((i) => i.id !== 'root');
    expect(item?.name).toBe('r\u00e9sum\u00e9.txt');
  });
});
