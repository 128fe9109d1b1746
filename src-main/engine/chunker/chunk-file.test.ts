// chunkFile against real files on disk: the blocks and hashes match the in-memory chunker and
// hasher whatever the read size, and a file that changes, moves or vanishes mid-read is reported
// as `file_changed`, never hashed into a result.

import { appendFileSync, closeSync, mkdirSync, openSync, renameSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHasher } from '../hasher.ts';
import type { Hasher } from '../hasher.ts';
import { ChunkFileError, chunkFile } from './chunk-file.ts';
import type { ChunkFileErrorCode } from './chunk-file.ts';
import { chunkLengths, chunkParamsForSize } from './fastcdc.ts';
import { pseudoRandomBytes } from './test-data.ts';

const MiB = 1024 * 1024;
let dir: string;
let hasher: Hasher;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-chunk-file-'));
  hasher = await loadHasher();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
function writeTemp(data: Uint8Array): string {
  const path = join(dir, `file-${++counter}.bin`);
  writeFileSync(path, data);
  return path;
}

async function expectCode(promise: Promise<unknown>, code: ChunkFileErrorCode): Promise<ChunkFileError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChunkFileError);
  expect((error as ChunkFileError).code).toBe(code);
  return error as ChunkFileError;
}

/** Coarse kernel timestamps: make sure a later write gets a later mtime/ctime than the file's. */
const nextClockTick = () => new Promise((resolve) => setTimeout(resolve, 25));

describe('chunkFile', () => {
  it('gives the same blocks and hashes as chunking and hashing the bytes in memory, for any read size', async () => {
    const data = pseudoRandomBytes(0xc0ffee, 3 * MiB + 12_345);
    const path = writeTemp(data);
    const lengths = chunkLengths(data, chunkParamsForSize(data.length));
    let offset = 0;
    const expectedBlocks = lengths.map((size) => {
      const block = { offset, size, hash: hasher.hash(data.subarray(offset, offset + size)) };
      offset += size;
      return block;
    });
    expect(expectedBlocks.length).toBeGreaterThan(20);

    for (const bufferSize of [1000, 65_536, 1 * MiB, 8 * MiB]) {
      const result = await chunkFile(path, { bufferSize, hasher });
      expect(result.size).toBe(data.length);
      expect(result.hash).toBe(hasher.hash(data));
      expect(result.blocks).toEqual(expectedBlocks);
      expect(result.mtimeMs).toBeGreaterThan(0);
    }
  });

  it('uses the wasm hasher to the same effect', async () => {
    const data = pseudoRandomBytes(77, 700_000);
    const path = writeTemp(data);
    const wasm = await loadHasher({ backend: 'wasm' });
    expect(await chunkFile(path, { hasher: wasm })).toEqual(await chunkFile(path, { hasher }));
  });

  it('an empty file has no blocks and the hash of nothing; a tiny file is one block', async () => {
    const empty = await chunkFile(writeTemp(new Uint8Array(0)));
    expect(empty).toMatchObject({ size: 0, blocks: [], hash: hasher.hash(new Uint8Array(0)) });
    const tiny = await chunkFile(writeTemp(new Uint8Array([42])));
    const digest = hasher.hash(new Uint8Array([42]));
    expect(tiny).toMatchObject({ size: 1, hash: digest, blocks: [{ offset: 0, size: 1, hash: digest }] });
  });

  it('reports progress as buffers are done', async () => {
    const path = writeTemp(pseudoRandomBytes(5, 300_000));
    const seen: number[] = [];
    await chunkFile(path, { bufferSize: 100_000, onProgress: (done) => seen.push(done) });
    expect(seen).toEqual([100_000, 200_000, 300_000]);
  });

  it('reports file_changed when the file grows while it is read', async () => {
    const path = writeTemp(pseudoRandomBytes(6, 2 * MiB));
    const error = await expectCode(
      chunkFile(path, { bufferSize: 256 * 1024, onProgress: (done) => done === 256 * 1024 && appendFileSync(path, 'more') }),
      'file_changed',
    );
    expect(error.message).toBe(`The file ${path} changed while it was being read; it will be read again.`);
    expect(error.path).toBe(path);
  });

  it('reports file_changed when bytes are overwritten in place (same size) while it is read', async () => {
    const path = writeTemp(pseudoRandomBytes(7, 2 * MiB));
    await nextClockTick();
    const overwrite = () => {
      const fd = openSync(path, 'r+');
      writeSync(fd, Buffer.from('edited'), 0, 6, 1_500_000);
      closeSync(fd);
    };
    await expectCode(chunkFile(path, { bufferSize: 256 * 1024, onProgress: (done) => done === 256 * 1024 && overwrite() }), 'file_changed');
  });

  it('reports file_changed when the file is replaced by a rename or deleted while it is read', async () => {
    const path = writeTemp(pseudoRandomBytes(8, 2 * MiB));
    const replacement = writeTemp(pseudoRandomBytes(8, 2 * MiB)); // same bytes, a different file
    await expectCode(chunkFile(path, { bufferSize: 256 * 1024, onProgress: (done) => done === 256 * 1024 && renameSync(replacement, path) }), 'file_changed');

    const doomed = writeTemp(pseudoRandomBytes(9, 2 * MiB));
    await expectCode(chunkFile(doomed, { bufferSize: 256 * 1024, onProgress: (done) => done === 256 * 1024 && rmSync(doomed) }), 'file_changed');
  });

  it('stops with cancelled when its signal aborts', async () => {
    const path = writeTemp(pseudoRandomBytes(10, 2 * MiB));
    const controller = new AbortController();
    let reads = 0;
    await expectCode(
      chunkFile(path, {
        bufferSize: 256 * 1024,
        signal: controller.signal,
        onProgress: () => {
          reads++;
          controller.abort();
        },
      }),
      'cancelled',
    );
    expect(reads).toBe(1);
    await expectCode(chunkFile(path, { signal: AbortSignal.abort() }), 'cancelled');
  });

  it('refuses missing paths, folders and symbolic links with a clear one-line message', async () => {
    const missing = join(dir, 'nope.bin');
    expect((await expectCode(chunkFile(missing), 'not_found')).message).toBe(`The file ${missing} no longer exists.`);
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    expect((await expectCode(chunkFile(folder), 'not_a_file')).message).toBe(`${folder} is not a regular file.`);
    const link = join(dir, 'a-link');
    symlinkSync(writeTemp(new Uint8Array([1, 2, 3])), link);
    expect((await expectCode(chunkFile(link), 'not_a_file')).message).toBe(`${link} is a symbolic link; Tandem does not follow links.`);
  });

  it('refuses a nonsensical buffer size', async () => {
    await expect(chunkFile(writeTemp(new Uint8Array(1)), { bufferSize: 0 })).rejects.toThrow(/positive whole number of bytes/);
  });
});
