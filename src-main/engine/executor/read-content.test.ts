// Reading content through the FileSystem port: the same blocks as the chunker cuts from a buffer,
// and exactly the bytes of the blocks asked for, whichever of them are asked for together.

import { beforeAll, expect, it } from 'vitest';
import fc from 'fast-check';
import { chunkLengths, chunkParamsForSize } from '../chunker/fastcdc.ts';
import { FakeFileSystem } from '../fs/fake-file-system.ts';
import { loadHasher } from '../hasher.ts';
import type { Hasher } from '../hasher.ts';
import { chunkContent, readBlocks } from './read-content.ts';

let hasher: Hasher;
beforeAll(async () => {
  hasher = await loadHasher();
});

function randomBytes(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

it('cuts the same blocks as the chunker and hashes the whole file', async () => {
  const data = randomBytes(900_000, 3);
  const fs = new FakeFileSystem();
  fs.put('f.bin', data);
  const content = await chunkContent(fs, 'f.bin', data.length, hasher);
  expect(content.hash).toBe(hasher.hash(data));
  expect(content.size).toBe(data.length);
  expect(content.blocks.map((b) => b.size)).toEqual(chunkLengths(data, chunkParamsForSize(data.length)));
  for (const block of content.blocks) expect(block.hash).toBe(hasher.hash(data.subarray(block.offset, block.offset + block.size)));
});

it('an empty file has no blocks and the hash of no bytes', async () => {
  const fs = new FakeFileSystem();
  fs.put('empty', new Uint8Array());
  const content = await chunkContent(fs, 'empty', 0, hasher);
  expect(content).toEqual({ hash: hasher.hash(new Uint8Array()), size: 0, blocks: [] });
});

it('reads back exactly the wanted blocks, in file order', async () => {
  const data = randomBytes(600_000, 9);
  const fs = new FakeFileSystem();
  fs.put('f.bin', data);
  const { blocks } = await chunkContent(fs, 'f.bin', data.length, hasher);
  await fc.assert(
    fc.asyncProperty(fc.subarray(blocks.map((_, i) => i)), async (chosen) => {
      const wanted = chosen.map((i) => blocks[i]!).reverse();
      const got: Array<{ hash: string; data: Uint8Array }> = [];
      // Runs of a few blocks at most, so neighbours, gaps and run ends all occur in one file.
      for await (const { block, data: bytes } of readBlocks(fs, 'f.bin', wanted, 100_000)) got.push({ hash: block.hash, data: bytes });
      expect(got.map((g) => g.hash)).toEqual(chosen.map((i) => blocks[i]!.hash));
      for (const [k, i] of chosen.entries()) {
        const block = blocks[i]!;
        expect(got[k]!.data).toEqual(data.subarray(block.offset, block.offset + block.size));
      }
    }),
    { numRuns: 30 },
  );
});

it('a file that shrank gives a short block, which fails its hash check', async () => {
  const data = randomBytes(300_000, 5);
  const fs = new FakeFileSystem();
  fs.put('f.bin', data);
  const { blocks } = await chunkContent(fs, 'f.bin', data.length, hasher);
  fs.put('f.bin', data.subarray(0, 100_000));
  const last = blocks.at(-1)!;
  const got = [];
  for await (const entry of readBlocks(fs, 'f.bin', [last])) got.push(entry);
  expect(got).toHaveLength(1);
  expect(got[0]!.data.length).toBeLessThan(last.size);
});

it('keeps a small file in memory, and only a small one', async () => {
  const fs = new FakeFileSystem();
  const small = randomBytes(200_000, 1);
  fs.put('small', small);
  fs.put('large', randomBytes(300_000, 2));
  expect((await chunkContent(fs, 'small', small.length, hasher, 250_000)).data).toEqual(small);
  expect((await chunkContent(fs, 'large', 300_000, hasher, 250_000)).data).toBeUndefined();
});
