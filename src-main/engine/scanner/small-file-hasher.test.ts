// The batch hasher for small files gives exactly chunkFile's whole-file hashes, in order, across
// batches and workers; missing files and links come back as the same errors the chunk pool uses.

import { lstatSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChunkFileError, chunkFile } from '../chunker/chunk-file.ts';
import { SmallFileHasher } from './small-file-hasher.ts';

const root = mkdtempSync(join(tmpdir(), 'tandem-small-hash-'));
const hasher = new SmallFileHasher({ size: 2, batchSize: 7 });
afterAll(async () => {
  await hasher.close();
  rmSync(root, { recursive: true, force: true });
});

describe('SmallFileHasher', () => {
  it('matches chunkFile for every file, in order, over many batches (empty and 300 KB files too)', async () => {
    const paths: string[] = [];
    for (let i = 0; i < 40; i++) {
      const path = join(root, `f${i}`);
      writeFileSync(path, i === 0 ? '' : i === 1 ? Buffer.alloc(300_000, 7) : `content number ${i}`);
      paths.push(path);
    }
    const results = await hasher.hashFiles(paths);
    expect(results).toHaveLength(40);
    for (let i = 0; i < 40; i++) {
      const expected = await chunkFile(paths[i]!);
      expect(results[i]).toMatchObject({ hash: expected.hash, size: expected.size });
    }
  });

  it('reports a vanished file as not_found and a link as not_a_file, without failing the batch', async () => {
    const good = join(root, 'good');
    writeFileSync(good, 'ok');
    const link = join(root, 'link');
    symlinkSync(good, link);
    const [missing, linked, fine] = await hasher.hashFiles([join(root, 'nope'), link, good]);
    expect(missing).toBeInstanceOf(ChunkFileError);
    expect((missing as ChunkFileError).code).toBe('not_found');
    expect((linked as ChunkFileError).code).toBe('not_a_file');
    expect(fine).toMatchObject({ size: 2 });
  });

  it('with the facts the walk saw and relative paths, gives the same hashes; a file changed since the walk is read afresh', async () => {
    writeFileSync(join(root, 'same.txt'), 'as the walk saw it');
    writeFileSync(join(root, 'edited.txt'), 'before');
    const facts = (name: string) => {
      const stat = lstatSync(join(root, name));
      return { size: stat.size, mtimeMs: stat.mtimeMs, inode: stat.ino };
    };
    const expected = [facts('same.txt'), facts('edited.txt')];
    // Edited after the walk looked: longer, so neither the size nor the read matches any more.
    writeFileSync(join(root, 'edited.txt'), 'after the walk, longer');
    const [same, edited] = await hasher.hashFiles(['same.txt', 'edited.txt'], { root, expected });
    expect(same).toMatchObject({ hash: (await chunkFile(join(root, 'same.txt'))).hash, size: 18, mtimeMs: expected[0]!.mtimeMs });
    expect(edited).toMatchObject({ hash: (await chunkFile(join(root, 'edited.txt'))).hash, size: 22 });
  });
});

describe('idle workers', () => {
  it('starts workers only for work, stops them once idle, and starts one again for the next batch', async () => {
    const idle = new SmallFileHasher({ size: 1, idleMs: 50 });
    try {
      const path = join(root, 'idle-test');
      writeFileSync(path, 'some bytes');
      expect(idle.workers).toBe(0);
      const [first] = await idle.hashFiles([path]);
      expect(idle.workers).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(idle.workers).toBe(0);
      const [again] = await idle.hashFiles([path]);
      expect(again).toEqual(first);
    } finally {
      await idle.close();
    }
  });

  it('warm() starts every worker before there is work; they hash the next batch, and stop again if none comes', async () => {
    const warmed = new SmallFileHasher({ size: 2, idleMs: 200 });
    try {
      const path = join(root, 'warm-test');
      writeFileSync(path, 'warm bytes');
      warmed.warm();
      expect(warmed.workers).toBe(2);
      warmed.warm();
      expect(warmed.workers).toBe(2);
      const [hashed] = await warmed.hashFiles([path]);
      expect(hashed).toEqual((await hasher.hashFiles([path]))[0]);
      expect(warmed.workers).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(warmed.workers).toBe(0);
    } finally {
      await warmed.close();
    }
  });
});
