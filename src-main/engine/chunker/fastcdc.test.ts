// FastCDC: the block-size rules, the properties every cut must have (fast-check), and fixed
// vectors that pin the exact boundaries forever. A change in a fixed vector means every stored
// file would be cut differently (no dedup with old versions): fix the code, never the vector.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadHasher } from '../hasher.ts';
import type { Hasher } from '../hasher.ts';
import { FastCdcChunker, chunkLengths, chunkParamsForSize, validateChunkParams } from './fastcdc.ts';
import type { ChunkParams } from './fastcdc.ts';
import { pseudoRandomBytes, pseudoText } from './test-data.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** Small sizes, so properties explore many cuts quickly; same code path as the real sizes. */
const SMALL: ChunkParams = { minSize: 64, avgSize: 256, maxSize: 1024 };
const REAL = chunkParamsForSize(0);

/** Feeds `data` split at `splits` (sorted offsets) and returns the block lengths. */
function lengthsWhenSplit(data: Uint8Array, params: ChunkParams, splits: number[]): number[] {
  const chunker = new FastCdcChunker(params);
  const ends: number[] = [];
  let from = 0;
  for (const at of [...splits, data.length]) {
    ends.push(...chunker.push(data.subarray(from, at)));
    from = at;
  }
  const last = chunker.finish();
  if (last !== undefined) ends.push(last);
  return ends.map((end, i) => end - (i === 0 ? 0 : ends[i - 1]!));
}

function blockHashes(hasher: Hasher, data: Uint8Array, lengths: number[]): string[] {
  let offset = 0;
  return lengths.map((length) => {
    const digest = hasher.hash(data.subarray(offset, offset + length));
    offset += length;
    return digest;
  });
}

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

describe('chunkParamsForSize', () => {
  it('uses 16/64/256 KiB for files up to 256 MiB', () => {
    for (const size of [0, 1, 16 * KiB, 100 * MiB, 256 * MiB]) {
      expect(chunkParamsForSize(size)).toEqual({ minSize: 16 * KiB, avgSize: 64 * KiB, maxSize: 256 * KiB });
    }
  });

  it('doubles all three sizes per doubling of the file size above 256 MiB', () => {
    expect(chunkParamsForSize(256 * MiB + 1)).toEqual({ minSize: 32 * KiB, avgSize: 128 * KiB, maxSize: 512 * KiB });
    expect(chunkParamsForSize(512 * MiB).avgSize).toBe(128 * KiB);
    expect(chunkParamsForSize(512 * MiB + 1).avgSize).toBe(256 * KiB);
    expect(chunkParamsForSize(1 * GiB).avgSize).toBe(256 * KiB);
    expect(chunkParamsForSize(100 * GiB)).toEqual({ minSize: 8 * MiB, avgSize: 32 * MiB, maxSize: 128 * MiB });
  });

  it('caps the average at 64 MiB (files of 256 GiB and more)', () => {
    expect(chunkParamsForSize(256 * GiB).avgSize).toBe(64 * MiB);
    expect(chunkParamsForSize(256 * GiB + 1).avgSize).toBe(64 * MiB);
    expect(chunkParamsForSize(16 * 1024 * GiB).avgSize).toBe(64 * MiB);
  });

  it('keeps files up to 256 GiB at no more than 4,096 average-sized blocks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 256 * 1024 - 1 }), fc.integer({ min: 0, max: MiB - 1 }), (mib, extra) => {
        const size = mib * MiB + extra;
        const { minSize, avgSize, maxSize } = chunkParamsForSize(size);
        expect(minSize * 4).toBe(avgSize);
        expect(avgSize * 4).toBe(maxSize);
        expect(size / avgSize).toBeLessThanOrEqual(4096);
        // and the average is never bigger than needed: half of it would exceed 4,096 blocks
        if (avgSize > 64 * KiB) expect(size / (avgSize / 2)).toBeGreaterThan(4096);
      }),
    );
  });

  it('refuses sizes that are not whole non-negative numbers', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60]) {
      expect(() => chunkParamsForSize(bad)).toThrow(/whole number of bytes/);
    }
  });
});

describe('chunk parameters', () => {
  it('refuses an average that is not a power of two, and min/avg/max out of order', () => {
    expect(() => validateChunkParams({ minSize: 16, avgSize: 1000, maxSize: 4000 })).toThrow(/power of two/);
    expect(() => validateChunkParams({ minSize: 512, avgSize: 256, maxSize: 1024 })).toThrow(/min <= average <= max/);
    expect(() => validateChunkParams({ minSize: 64, avgSize: 256, maxSize: 128 })).toThrow(/min <= average <= max/);
    expect(() => new FastCdcChunker({ minSize: 0, avgSize: 256, maxSize: 1024 })).toThrow(/min <= average <= max/);
  });
});

describe('FastCDC properties', () => {
  // size: 'max' because fast-check otherwise keeps arrays to a handful of elements, too short to cut.
  const anyData = fc.uint8Array({ minLength: 0, maxLength: 12_000, size: 'max' });
  const seededData = (max: number) =>
    fc.tuple(fc.integer({ min: 1, max: 0x7fffffff }), fc.integer({ min: 0, max })).map(([seed, length]) => pseudoRandomBytes(seed, length));

  it('blocks cover the input exactly, each within [min, max] except the last', () => {
    const check = (data: Uint8Array, params: ChunkParams) => {
      const lengths = chunkLengths(data, params);
      expect(sum(lengths)).toBe(data.length);
      lengths.forEach((length, i) => {
        expect(length).toBeLessThanOrEqual(params.maxSize);
        if (i < lengths.length - 1) expect(length).toBeGreaterThanOrEqual(params.minSize);
        else expect(length).toBeGreaterThan(0);
      });
    };
    fc.assert(fc.property(anyData, (data) => check(data, SMALL)), { numRuns: 300 });
    // Repetitive bytes (here: few distinct values) give long hash-free runs: max must still hold.
    fc.assert(fc.property(fc.uint8Array({ maxLength: 12_000, max: 1, size: 'max' }), (data) => check(data, SMALL)), { numRuns: 100 });
    fc.assert(fc.property(seededData(3 * MiB), (data) => check(data, REAL)), { numRuns: 15 });
  });

  it('cuts the same bytes the same way however they are split into buffers', () => {
    const withSplits = (data: fc.Arbitrary<Uint8Array>) =>
      data.chain((bytes) =>
        fc.tuple(fc.constant(bytes), fc.uniqueArray(fc.integer({ min: 0, max: bytes.length }), { maxLength: 40, size: 'max' }).map((s) => s.sort((a, b) => a - b))),
      );
    fc.assert(
      fc.property(withSplits(anyData), ([data, splits]) => {
        expect(lengthsWhenSplit(data, SMALL, splits)).toEqual(chunkLengths(data, SMALL));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(withSplits(seededData(2 * MiB)), ([data, splits]) => {
        expect(lengthsWhenSplit(data, REAL, splits)).toEqual(chunkLengths(data, REAL));
      }),
      { numRuns: 15 },
    );
  });

  it('after an insertion in the middle, only nearby blocks change', async () => {
    const hasher = await loadHasher();
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 0x7fffffff }),
        fc.double({ min: 0.1, max: 0.9, noNaN: true }),
        fc.uint8Array({ minLength: 1, maxLength: 300, size: 'max' }),
        (seed, where, inserted) => {
          const original = pseudoRandomBytes(seed, 3 * MiB);
          const at = Math.floor(original.length * where);
          const edited = new Uint8Array(original.length + inserted.length);
          edited.set(original.subarray(0, at));
          edited.set(inserted, at);
          edited.set(original.subarray(at), at + inserted.length);

          const before = blockHashes(hasher, original, chunkLengths(original, REAL));
          const afterLengths = chunkLengths(edited, REAL);
          const after = blockHashes(hasher, edited, afterLengths);
          const known = new Set(before);
          const freshAt = after.flatMap((digest, i) => (known.has(digest) ? [] : [i]));
          // The new blocks form one run around the insertion: the block holding it, and the few
          // after it whose cuts must resynchronise (usually none; up to 3 more seen in 1,500 runs,
          // since normalized chunking applies a different mask once a block's start has moved).
          expect(freshAt.length).toBeGreaterThanOrEqual(1);
          expect(freshAt.length).toBeLessThanOrEqual(6);
          expect(freshAt[freshAt.length - 1]! - freshAt[0]!).toBe(freshAt.length - 1);
          const runStart = sum(afterLengths.slice(0, freshAt[0]!));
          const runEnd = sum(afterLengths.slice(0, freshAt[freshAt.length - 1]! + 1));
          expect(runStart).toBeLessThanOrEqual(at);
          expect(runEnd).toBeGreaterThanOrEqual(at + inserted.length);
          // Everything else is shared: only the blocks the run replaced are gone.
          expect(after.length - freshAt.length).toBeGreaterThanOrEqual(before.length - 6);
        },
      ),
      { numRuns: 12 },
    );
  });
});

describe('FastCDC fixed vectors (never change these)', () => {
  it('cuts 4 MiB of xorshift32(0x5eed) into these exact blocks', async () => {
    const data = pseudoRandomBytes(0x5eed, 4 * MiB);
    const lengths = chunkLengths(data, chunkParamsForSize(data.length));
    expect(lengths).toEqual([
      66611, 75527, 78955, 88081, 74084, 83993, 70428, 46206, 72486, 57550, 67930, 41399, 67998, 74672, 98555, 105860,
      74890, 68974, 65976, 82268, 78005, 24856, 71394, 108558, 109662, 111398, 66593, 25871, 104648, 79464, 100841,
      65703, 75218, 81115, 80034, 89035, 71308, 96401, 84225, 24476, 83895, 96965, 94022, 73870, 100262, 87435, 88352,
      88180, 67441, 81006, 63547, 65595, 36029, 114693, 41764,
    ]);
    const hashes = blockHashes(await loadHasher(), data, lengths).map((digest) => digest.slice('blake3:'.length));
    expect(hashes).toEqual([
      'c42a067d40e8e96ab8f3d5ca2962e57e3a49122ef669ea475b82e8e8a963f532',
      '9813572c1a8dab7a0143b69c086fe5acfc2bbcd8b9a2987103ff37130a3890ad',
      'df84a63b0579c685da4f8015a11f62192c546ee376de330d009c07326575629b',
      'b27f80d811f9ace958c61f22d0f81bfe16cd9f1e6fd1b61081396e59653c3922',
      '40f85423cd144b44295c1329f0dc6e92891e0c6343bdf12146e50efad60a9bf1',
      '34c9b4d8663e3334bd875175a7693c8f3c2927ae118ac950531dfad699e4754f',
      '565c372303b45afa36babd9beb49c6c9994d9bd688b0914d5a992c2ef430d5be',
      'c300b1dc16783d8489e13aacd99b012d2517f5802dd3f964692b6bdaccc145c2',
      'fb116384aaa068c314413dc670fbb0f2584a46cd534455bf15d59ec67feeb6f4',
      '94dbf7d13557e61aeea2912ac968b1ee89d4d820aa6adb98bf4f0afb6f96cd21',
      '3b9a3aa1599b72e655acafb55530cda139f4b59c50800252cf099a937f1fc8e5',
      '6bc8c45d05304052b64e9121093ea95a2666ddbf2b39ee56d8bc90c0b16ae14d',
      '20a631aded92915e4a4799027e12637e65fc7f9fcad2fbd23e8b7bef40b4a69b',
      'c48e6bdd9133536a8695100e03f80c264441e8f66fc70e631908ffcb48e4ade6',
      'e34d729e20449439aadff88ff183934ee48936f4cbf54626a932db00b2ffba62',
      '7c98f2c865f58611c2ea5fe33d105bbe34e773d6ad869714b562167b3e48f371',
      'f416e5610088e353954f8a3af9ceffddefbc982d697a009f4cdf134812dd0b37',
      '7100eeab80f7e9c635c037340112bfed17c347b52e6ae5926414cc0f302eaed9',
      '41a39909dca5b59fb006cc94b74ffa507ffc9d141d52ff5b83c9c738cb800111',
      '72d3d56099ab76f8da7b4d574dfc5f9ffa9d3fee26d663efe2e9aef2d30641a2',
      'aae6453eeef7440a3f088e1a1f041af7e7c6418c7cf4a80e0012c2b83a7b0652',
      'ee421ce250f4bd67988153a06a6b54a83059357070c9042be6b46c6f018643c8',
      'ff51fb2770b5817e3ef05717aca3444413c62069515179f222066503b50e5ee8',
      '49ab8bf0fced7e39ea725b75753d3e0248f4409a2083e5fc2df1db4e252d31de',
      'dc0777323b968572116e1ee327a0d1dc7cb2add573bb7e73164d671083f1b072',
      '09d2dc706bfa55507e334e6bcf94b6dd411b25b0ee8b3c546ac5c475374e7ded',
      '78a6d5398709e022e58f9227f01fcfc40c3dbf0467ca756b4555da288a0a5d46',
      '590230fd11e4ded4da9c76aac9c07335a28a7ced95c48db28a46ca342a133c4a',
      'a011489402e7ae5edf0cc0180eae4e58bd1cf9842702aab9c120876958014828',
      'e5bce4a9e19e80bbcc94a61d2f70a85e03bc86a9e80e5849c008dcaf7b7442b8',
      'a5cc0245a326c583694c725f21f442e074780100059fb336d91c153f26a5457a',
      '07bf4ebe2bfc15c2ce5bc2e28dbe5e59857363292d57d58c3cb79eb1e901df4f',
      'efda491a6c7510d4f1e865a6a603c2a0d115e0909ae66f9934f8ddaac2c24881',
      '843a03ac225a9b3ca6ba015d40653e4f1141fe55cd24ea34d8e68b0d64d62d8e',
      '5786e69eb0fdf269cf6a2cebeb272ba939913a19dd91f39f20fb8502d4436a59',
      'ce8cb58e644eb20fa7b1247d2324d019275710f5496728ef4013c1aef5e11f7b',
      'b7fe27648d03211988298af3a8b7dc3b27d0606b5a50d153b22df517eb207655',
      'd2dcc38f65c2b10bdc999142fe4951dcb65aeaaf6f130330ecc91ab6fed4c856',
      '1730689b0647d7555376a5169d0bc01014e7c91e414a03cc4eb98dc4fc2ad70e',
      '80961fbe47f72cba2c575c9f5b0cc2b571b2b36cdd7d617b9ec91704d8353417',
      '95cbf2bc31afdd7332a0e1b1f6c66c3fddd7a0d8bfba7f61cfb1ca64033fff07',
      '8a4f0e3460744aa2ea95921aff7a763613a60815eeaa62936cbcef076a1caee8',
      'd729e00f36e1a567d5d7fd4b5e5812b8398240e2d70fe15cf1272e3713926250',
      'ffabc47221de9f7d51e99ca8d402c459f2bde8eda0e6c9db461314bef86806bf',
      'a9471d2cd69b801ae2fbf2ca354f0b9bc6c1d77823d90516a5bc645e7cd9a507',
      '0af6e09df7a360a5b1afaaa32a86a293f506a1948c88a028e9a12fc5fb584050',
      'af024cfcbfa089dba8a03a3bcc09d1cc4f203536cc26a3418bea409bc6083091',
      '8d9a2f108df5d144f2a5c8d9413f5d947d3c93b9c95219f258261b4c7d64c4bf',
      '00fccd25c466c8741bdf22f335327e6968e05f8c657bd906425d1dedf5aa285d',
      '40493f9ee152e1855f475460dad8d1f9f8296c04445c9e0d81f28f62cf8446c2',
      '70e58be16535dccee558d11e61fb9193119196a91c1cf7c49c50bed672916a35',
      '15d96bbe654c2ced9f15e3a9a8523b271e4f3838767ee3068766bd91829a0698',
      '403a2160d0f021855cf97f83241a405c060b463aa1119ebba3f74280f5a294dd',
      '02fa2308588236c74b22d276cd31fd155be2419338f98d2437c84b67706b29cf',
      '973ad01aa7e3d63f59e11c4fc0bfd7a0d416d999fc19b2f13239da873931ac7d',
    ]);
  });

  it('cuts text-like data, zeros and a large-file size class exactly as pinned', async () => {
    const hasher = await loadHasher();
    const digestOfList = (data: Uint8Array, lengths: number[]) =>
      hasher.hash(new TextEncoder().encode(blockHashes(hasher, data, lengths).join('\n')));

    const text = pseudoText(7, 2 * MiB);
    const textLengths = chunkLengths(text, chunkParamsForSize(text.length));
    expect(textLengths).toEqual([
      67492, 69508, 94116, 70647, 94667, 70859, 19714, 82099, 49873, 82516, 88884, 80530, 68871, 69052, 73201, 98679,
      78893, 38558, 98136, 84405, 33667, 70028, 55885, 72512, 68040, 74554, 71065, 136469, 34232,
    ]);
    expect(digestOfList(text, textLengths)).toBe('blake3:4d7c4d681cc46b6ba4639d218917e1eedc2698dc7fa075e05cfc12fee56b78ed');

    // No content-defined cut in zeros: every block is forced at the maximum.
    const zeros = new Uint8Array(MiB);
    expect(chunkLengths(zeros, chunkParamsForSize(zeros.length))).toEqual([262144, 262144, 262144, 262144]);

    // The sizes of a 1 GiB file (256 KiB average), on 8 MiB of xorshift32(99).
    const big = pseudoRandomBytes(99, 8 * MiB);
    const bigLengths = chunkLengths(big, chunkParamsForSize(GiB));
    expect(bigLengths).toEqual([
      305657, 299544, 304890, 361623, 286864, 338413, 351171, 500976, 411389, 374191, 317457, 331236, 462580, 291196,
      316531, 275458, 278028, 263252, 288413, 291004, 282243, 314625, 339079, 279824, 279733, 243231,
    ]);
    expect(digestOfList(big, bigLengths)).toBe('blake3:4b0e53a0e32e6860806ea8ba150bd589c3f3b3017c6cfe467072a55c5785bf13');
  });

  it('pins the test-data generator itself, so the vectors above stay meaningful', () => {
    expect(Buffer.from(pseudoRandomBytes(0x5eed, 12)).toString('hex')).toBe('639b627064b6d3420ba1fab7');
  });
});
