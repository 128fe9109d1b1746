// The upload frame reader: blocks come out whole and verified however the body is cut into
// chunks, and a wrong hash, a cut-off frame or an oversized block is refused with the same words
// decodeBlockFrames uses.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBlockFrames, encodeBlockFrames } from '../../src-shared/protocol/blocks.ts';
import { BlockFrameReader } from './frame-reader.ts';
import { hashBlock } from './hash.ts';

function block(size: number) {
  const data = new Uint8Array(randomBytes(size));
  return { hash: hashBlock(data), data };
}

function readInChunks(body: Uint8Array, chunkSize: number, reader = new BlockFrameReader()) {
  const buffer = Buffer.from(body);
  for (let at = 0; at < buffer.length; at += chunkSize) reader.push(buffer.subarray(at, at + chunkSize));
  return reader.end();
}

describe('BlockFrameReader', () => {
  const blocks = [block(1000), block(0), block(70_000), block(1)];
  const body = encodeBlockFrames(blocks);

  it.each([1, 7, 35, 36, 37, 1036, 65536, body.length])('gives every block whole when the body arrives in %i-byte chunks', (chunkSize) => {
    const read = readInChunks(body, chunkSize);
    expect(read.map((b) => b.hash)).toEqual(blocks.map((b) => b.hash));
    read.forEach((got, i) => {
      expect(got.size).toBe(blocks[i]!.data.length);
      expect(Buffer.concat(got.parts as Uint8Array[]).equals(Buffer.from(blocks[i]!.data))).toBe(true);
      expect(Buffer.from(got.digest).toString('hex')).toBe(blocks[i]!.hash.slice('blake3:'.length));
    });
  });

  it('refuses a block whose bytes do not match its hash, even when the mismatch is in its last chunk', () => {
    const liar = encodeBlockFrames([blocks[0]!, blocks[2]!]);
    liar[liar.length - 1] = liar.at(-1)! ^ 1;
    expect(() => readInChunks(liar, 4096)).toThrow(new RegExp(`^Block ${blocks[2]!.hash} does not match its bytes \\(they hash to blake3:[0-9a-f]{64}\\); nothing from this upload was stored\\.$`));
  });

  it('refuses cut-off frames with the words decodeBlockFrames uses', () => {
    for (const cut of [body.length - 1, 1000 + 36 + 36 + 10, 1000 + 36 + 5]) {
      const partial = body.subarray(0, cut);
      let expected = '';
      try {
        decodeBlockFrames(partial);
      } catch (error) {
        expected = (error as Error).message;
      }
      expect(expected).toMatch(/is cut off/);
      expect(() => readInChunks(partial, 999)).toThrow(expected);
    }
  });

  it('refuses a block over the size limit and too many blocks as too_large, before their bytes', () => {
    const big = encodeBlockFrames([{ hash: blocks[0]!.hash, data: new Uint8Array(0) }]);
    new DataView(big.buffer).setUint32(32, 8 * 1024 * 1024 + 1, false);
    expect(() => new BlockFrameReader().push(Buffer.from(big))).toThrow(/is 8388609 bytes; a block may be at most 8388608 bytes/);
    expect(() => readInChunks(body, 100, new BlockFrameReader({ maxBlocks: 3 }))).toThrow('The body carries more than 3 blocks; send fewer per request.');
  });
});
