// The block framing and schemas: what goes in comes out, and every malformed body is a clear error.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BLOCK_FRAME_HEADER_BYTES,
  type BlockFrameCut,
  BlockFrameSplitter,
  FetchBlocksRequestSchema,
  MAX_HASHES_PER_REQUEST,
  MissingBlocksRequestSchema,
  blockFramesLength,
  blockHashFromBytes,
  blockHashToBytes,
  decodeBlockFrames,
  encodeBlockFrameHeader,
  encodeBlockFrames,
} from './blocks.ts';

const hashA = `blake3:${'ab'.repeat(32)}`;
const hashB = `blake3:${'0123456789abcdef'.repeat(4)}`;

describe('block hash bytes', () => {
  it('round-trips between text and raw digest', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const hash = blockHashFromBytes(bytes);
        expect(hash).toMatch(/^blake3:[0-9a-f]{64}$/);
        expect(blockHashToBytes(hash)).toEqual(bytes);
      }),
    );
  });

  it('refuses a malformed hash before converting it', () => {
    expect(() => blockHashToBytes('blake3:zz')).toThrow(/is not a block hash/);
  });
});

describe('block frames', () => {
  it('decodes exactly what was encoded, in order, for any blocks', () => {
    const block = fc.record({
      hash: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(blockHashFromBytes),
      data: fc.uint8Array({ maxLength: 300 }),
    });
    fc.assert(
      fc.property(fc.array(block, { maxLength: 20 }), (blocks) => {
        const body = encodeBlockFrames(blocks);
        expect(body.length).toBe(blockFramesLength(blocks.map((b) => b.data.length)));
        const decoded = decodeBlockFrames(body);
        expect(decoded.map((b) => b.hash)).toEqual(blocks.map((b) => b.hash));
        expect(decoded.map((b) => Array.from(b.data))).toEqual(blocks.map((b) => Array.from(b.data)));
      }),
    );
  });

  it('a frame header is the raw hash and the big-endian length, as each frame of encodeBlockFrames starts', () => {
    const header = encodeBlockFrameHeader(hashB, 0x01020304);
    expect(Array.from(header)).toEqual([...blockHashToBytes(hashB), 1, 2, 3, 4]);
    const body = encodeBlockFrames([{ hash: hashA, data: new Uint8Array(300) }]);
    expect(encodeBlockFrameHeader(hashA, 300)).toEqual(body.subarray(0, BLOCK_FRAME_HEADER_BYTES));
    expect(() => encodeBlockFrameHeader(hashA, 2 ** 32)).toThrow(`Block ${hashA} is too large to frame.`);
    expect(() => encodeBlockFrameHeader('blake3:zz', 1)).toThrow(/is not a block hash/);
  });

  it('decodes frames from a view into a larger buffer', () => {
    const body = encodeBlockFrames([{ hash: hashA, data: new Uint8Array([1, 2, 3]) }]);
    const padded = new Uint8Array(body.length + 10);
    padded.set(body, 5);
    const [frame] = decodeBlockFrames(padded.subarray(5, 5 + body.length));
    expect(frame?.hash).toBe(hashA);
    expect(Array.from(frame!.data)).toEqual([1, 2, 3]);
  });

  it('an empty body is no blocks', () => {
    expect(decodeBlockFrames(new Uint8Array(0))).toEqual([]);
  });

  it('a body cut inside a header says so', () => {
    const body = encodeBlockFrames([
      { hash: hashA, data: new Uint8Array(4) },
      { hash: hashB, data: new Uint8Array(4) },
    ]);
    const cut = body.subarray(0, BLOCK_FRAME_HEADER_BYTES + 4 + 10);
    expect(() => decodeBlockFrames(cut)).toThrow(/Block frame 2 is cut off: its header needs 36 bytes but only 10 remain/);
  });

  it('a body cut inside the data says so', () => {
    const body = encodeBlockFrames([{ hash: hashA, data: new Uint8Array(100) }]);
    expect(() => decodeBlockFrames(body.subarray(0, body.length - 1))).toThrow(
      new RegExp(`Block frame 1 \\(${hashA}\\) is cut off: it declares 100 bytes but only 99 remain`),
    );
  });

  it('a declared length over the limit is too_large, before any data is read', () => {
    const header = encodeBlockFrames([{ hash: hashA, data: new Uint8Array(0) }]);
    new DataView(header.buffer).setUint32(32, 0xffffffff, false);
    expect(() => decodeBlockFrames(header)).toThrow(/is 4294967295 bytes; a block may be at most 8388608 bytes/);
    const body = encodeBlockFrames([{ hash: hashA, data: new Uint8Array(11) }]);
    let error: unknown;
    try {
      decodeBlockFrames(body, { maxBlockSize: 10 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'too_large' });
  });

  it('too many frames is too_large', () => {
    const body = encodeBlockFrames([hashA, hashB, hashA].map((hash) => ({ hash, data: new Uint8Array(1) })));
    expect(() => decodeBlockFrames(body, { maxBlocks: 2 })).toThrow(/more than 2 blocks/);
  });
});

/** Feeds `chunks` through a splitter; the frames as its handler saw them, and where it was cut. */
function split(chunks: readonly Uint8Array[]) {
  const seen: { digest: Uint8Array; size: number; frame: number; pieces: Uint8Array[]; ended: boolean }[] = [];
  const splitter = new BlockFrameSplitter({
    header: (digest, size, frame) => void seen.push({ digest, size, frame, pieces: [], ended: false }),
    bytes: (piece) => void seen.at(-1)!.pieces.push(piece),
    blockEnd: () => void (seen.at(-1)!.ended = true),
  });
  for (const chunk of chunks) splitter.push(chunk);
  // The digests are read only now: each must still be its own frame's (not a reused buffer's).
  const frames = seen.map((frame) => ({
    hash: blockHashFromBytes(frame.digest),
    size: frame.size,
    frame: frame.frame,
    data: Array.from(Buffer.concat(frame.pieces)),
    ended: frame.ended,
  }));
  return { frames, cut: splitter.cutOff() };
}

describe('BlockFrameSplitter (frames taken apart as the body streams in)', () => {
  const blocks = [
    { hash: hashA, data: Uint8Array.from({ length: 5 }, (_, i) => i + 1) },
    { hash: hashB, data: new Uint8Array(0) },
    { hash: hashA, data: Uint8Array.from({ length: 40 }, (_, i) => 200 - i) },
    { hash: hashB, data: new Uint8Array([7]) },
  ];
  const body = encodeBlockFrames(blocks);
  const expected = decodeBlockFrames(body).map((frame, i) => ({
    hash: frame.hash,
    size: frame.data.length,
    frame: i + 1,
    data: Array.from(frame.data),
    ended: true,
  }));

  it('gives the frames decodeBlockFrames gives, wherever the body is cut into two chunks', () => {
    for (let at = 0; at <= body.length; at += 1) {
      expect(split([body.subarray(0, at), body.subarray(at)]), `cut at byte ${at}`).toEqual({ frames: expected, cut: undefined });
    }
  });

  it('gives the same frames when every byte arrives alone', () => {
    const bytes = Array.from(body, (_, i) => body.subarray(i, i + 1));
    expect(split(bytes)).toEqual({ frames: expected, cut: undefined });
  });

  it("hands on the block's bytes as views of the pushed chunk, not copies", () => {
    const chunk = encodeBlockFrames([{ hash: hashA, data: new Uint8Array(10).fill(9) }]);
    const pieces: Uint8Array[] = [];
    new BlockFrameSplitter({ header: () => {}, bytes: (piece) => void pieces.push(piece), blockEnd: () => {} }).push(chunk);
    expect(pieces).toHaveLength(1);
    expect(pieces[0]!.buffer).toBe(chunk.buffer);
    expect(pieces[0]!.byteOffset).toBe(chunk.byteOffset + BLOCK_FRAME_HEADER_BYTES);
  });

  it('reports a body cut inside a header: which frame, and how much of its header came', () => {
    const cutAt = 2 * BLOCK_FRAME_HEADER_BYTES + 5 + 10;
    const { frames, cut } = split([body.subarray(0, cutAt)]);
    expect(frames).toEqual(expected.slice(0, 2));
    expect(cut).toEqual<BlockFrameCut>({ in: 'header', frame: 3, received: 10 });
  });

  it('reports a body cut inside a block: which frame, its size and how much of it came', () => {
    const { frames, cut } = split([body.subarray(0, body.length - BLOCK_FRAME_HEADER_BYTES - 1 - 3)]);
    expect(frames.slice(0, 2)).toEqual(expected.slice(0, 2));
    expect(frames[2]).toMatchObject({ frame: 3, size: 40, ended: false });
    expect(frames[2]!.data).toEqual(expected[2]!.data.slice(0, 37));
    expect(cut).toEqual<BlockFrameCut>({ in: 'block', frame: 3, size: 40, received: 37 });
  });

  it("stops at the error its owner's handler throws", () => {
    const splitter = new BlockFrameSplitter({
      header: (_digest, size) => {
        if (size > 20) throw new Error(`${size} bytes is too many`);
      },
      bytes: () => {},
      blockEnd: () => {},
    });
    expect(() => splitter.push(body)).toThrow('40 bytes is too many');
  });
});

describe('block route schemas', () => {
  it('accepts a list of well-formed hashes', () => {
    expect(MissingBlocksRequestSchema.parse({ hashes: [hashA, hashB] })).toEqual({ hashes: [hashA, hashB] });
  });

  it('refuses malformed hashes, unknown fields and oversized lists', () => {
    expect(MissingBlocksRequestSchema.safeParse({ hashes: ['blake3:AB'] }).success).toBe(false);
    expect(MissingBlocksRequestSchema.safeParse({ hashes: [], extra: 1 }).success).toBe(false);
    expect(MissingBlocksRequestSchema.safeParse({ hashes: Array(MAX_HASHES_PER_REQUEST + 1).fill(hashA) }).success).toBe(false);
    expect(FetchBlocksRequestSchema.safeParse({ hashes: [] }).success).toBe(false);
  });
});
