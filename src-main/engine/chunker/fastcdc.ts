// Tandem's content-defined chunker: FastCDC with normalized chunking (Xia et al., "FastCDC: a
// Fast and Efficient Content-Defined Chunking Approach for Data Deduplication", USENIX ATC 2016,
// and the 2020 TPDS follow-up). A gear hash rolls over the bytes; a cut falls where the hash's
// masked bits are all zero. Cut points are never looked for below the minimum size (skipping those
// bytes is most of FastCDC's speed), a harder mask applies below the average size and an easier
// one above it (normalized chunking: sizes cluster around the average), and the maximum size
// forces a cut. An insertion therefore moves only nearby boundaries, and unchanged regions of a
// file keep their blocks, hashes and server-side copies.
//
// The boundaries are part of the storage format: the gear table (gear-table.ts), the mask
// construction and the size rules below must never change. fastcdc.test.ts pins them with fixed
// vectors.

import { GEAR } from './gear-table.ts';

export interface ChunkParams {
  /** No block is shorter, except a file's last (or only) one. */
  readonly minSize: number;
  /** The target average; a power of two. */
  readonly avgSize: number;
  /** No block is longer: a cut is forced here. */
  readonly maxSize: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** Up to this file size the base sizes apply (DESIGN.md: 64 KiB average up to 256 MiB). */
const BASE_LIMIT = 256 * MiB;
const BASE_PARAMS: ChunkParams = { minSize: 16 * KiB, avgSize: 64 * KiB, maxSize: 256 * KiB };

/**
 * The largest average: 64 MiB (blocks up to 256 MiB), reached by files of 256 GiB. Beyond it files
 * get more than ~4,000 blocks rather than bigger ones, because a block is handled whole in memory
 * when uploaded and verified.
 */
const MAX_AVG = 64 * MiB;

/**
 * The block sizes for a file of `fileSize` bytes: 64 KiB average (16 KiB min, 256 KiB max) up to
 * 256 MiB; above that, all three double per doubling of the file size, so a file has at most about
 * 4,000 blocks (up to the 64 MiB average cap).
 */
export function chunkParamsForSize(fileSize: number): ChunkParams {
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) {
    throw new RangeError(`A file size must be a whole number of bytes, not ${String(fileSize)}.`);
  }
  let factor = 1;
  let limit = BASE_LIMIT;
  while (fileSize > limit && BASE_PARAMS.avgSize * factor < MAX_AVG) {
    factor *= 2;
    limit *= 2;
  }
  if (factor === 1) return BASE_PARAMS;
  return {
    minSize: BASE_PARAMS.minSize * factor,
    avgSize: BASE_PARAMS.avgSize * factor,
    maxSize: BASE_PARAMS.maxSize * factor,
  };
}

/** log2 of a power of two, or -1. */
function exactLog2(value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) return -1;
  let bits = 0;
  while (2 ** bits < value) bits++;
  return 2 ** bits === value ? bits : -1;
}

/**
 * A mask of the top `ones` bits of a 32-bit word, as a signed int32. The top bits are used because
 * with a left-shifting gear hash bit k depends on the last k+1 bytes: the top bits see the widest
 * window (32 bytes).
 */
function topBitsMask(ones: number): number {
  return ones >= 32 ? -1 : ~(-1 >>> ones) | 0;
}

/** Checks chunk parameters: positive whole sizes, min <= avg <= max, and a power-of-two average. */
export function validateChunkParams(params: ChunkParams): void {
  const { minSize, avgSize, maxSize } = params;
  const bits = exactLog2(avgSize);
  if (bits < 8 || bits > 30) {
    throw new RangeError(`The average block size must be a power of two from 256 B to 1 GiB, not ${String(avgSize)}.`);
  }
  if (!Number.isSafeInteger(minSize) || !Number.isSafeInteger(maxSize) || minSize < 1 || minSize > avgSize || maxSize < avgSize) {
    throw new RangeError(
      `Block sizes must satisfy 1 <= min <= average <= max (got ${String(minSize)}, ${String(avgSize)}, ${String(maxSize)}).`,
    );
  }
}

/**
 * A streaming FastCDC chunker: feed a file's bytes in order, in buffers of any size, and get the
 * block boundaries out. It keeps only the rolling state (no input is buffered), and the boundaries
 * depend only on the bytes, never on how they were split into buffers.
 */
export class FastCdcChunker {
  readonly params: ChunkParams;
  readonly #minSize: number;
  readonly #avgSize: number;
  readonly #maxSize: number;
  /** Harder mask (avg bits + 2), used below the average: fewer early cuts. */
  readonly #maskSmall: number;
  /** Easier mask (avg bits - 2), used above the average: cuts come soon after it. */
  readonly #maskLarge: number;
  /** Bytes consumed so far, over all pushes. */
  #position = 0;
  /** Bytes of the current, not yet cut, block. */
  #blockLength = 0;
  /** The gear hash over the current block's bytes after its first minSize. */
  #hash = 0;

  constructor(params: ChunkParams) {
    validateChunkParams(params);
    this.params = params;
    this.#minSize = params.minSize;
    this.#avgSize = params.avgSize;
    this.#maxSize = params.maxSize;
    const bits = exactLog2(params.avgSize);
    // Normalization level 2, as the FastCDC paper recommends.
    this.#maskSmall = topBitsMask(bits + 2);
    this.#maskLarge = topBitsMask(bits - 2);
  }

  /** Total bytes pushed so far. */
  get position(): number {
    return this.#position;
  }

  /**
   * Feeds the next bytes. Returns the end offsets (counted from the start of the input, exclusive)
   * of the blocks that were completed inside them, in order.
   *
   * One function holds the whole scan so V8 keeps every variable in a register: this loop is the
   * chunker's entire cost.
   */
  push(data: Uint8Array): number[] {
    const cuts: number[] = [];
    const gear = GEAR;
    const minSize = this.#minSize;
    const avgSize = this.#avgSize;
    const maxSize = this.#maxSize;
    const maskSmall = this.#maskSmall;
    const maskLarge = this.#maskLarge;
    const n = data.length;
    const base = this.#position;
    let blockLength = this.#blockLength;
    let hash = this.#hash;
    let i = 0;

    while (i < n) {
      // Below the minimum no cut can fall: skip those bytes without hashing them.
      if (blockLength < minSize) {
        const skip = minSize - blockLength;
        if (skip >= n - i) {
          blockLength += n - i;
          break;
        }
        i += skip;
        blockLength = minSize;
        hash = 0;
      }

      let cut = false;
      // From the minimum to the average: the harder mask.
      if (blockLength < avgSize) {
        const start = i;
        const end = Math.min(n, i + (avgSize - blockLength));
        while (i < end) {
          hash = ((hash << 1) + gear[data[i]!]!) | 0;
          i++;
          if ((hash & maskSmall) === 0) {
            cut = true;
            break;
          }
        }
        blockLength += i - start;
        if (!cut && blockLength < avgSize) break; // input ran out
      }

      // From the average to the maximum: the easier mask.
      if (!cut) {
        const start = i;
        const end = Math.min(n, i + (maxSize - blockLength));
        while (i < end) {
          hash = ((hash << 1) + gear[data[i]!]!) | 0;
          i++;
          if ((hash & maskLarge) === 0) {
            cut = true;
            break;
          }
        }
        blockLength += i - start;
        if (!cut) {
          if (blockLength < maxSize) break; // input ran out
          // Otherwise the maximum forces a cut here.
        }
      }

      cuts.push(base + i);
      blockLength = 0;
      hash = 0;
    }

    this.#position = base + n;
    this.#blockLength = blockLength;
    this.#hash = hash;
    return cuts;
  }

  /**
   * Ends the input. Returns the end offset of the last block if bytes remain after the last cut
   * (the last block may be shorter than the minimum), or undefined. The chunker then starts over.
   */
  finish(): number | undefined {
    const end = this.#blockLength > 0 ? this.#position : undefined;
    this.#position = 0;
    this.#blockLength = 0;
    this.#hash = 0;
    return end;
  }
}

/** Block lengths of a whole in-memory input: a convenience for tests and small data. */
export function chunkLengths(data: Uint8Array, params: ChunkParams): number[] {
  const chunker = new FastCdcChunker(params);
  const ends = chunker.push(data);
  const last = chunker.finish();
  if (last !== undefined) ends.push(last);
  const lengths: number[] = [];
  let previous = 0;
  for (const end of ends) {
    lengths.push(end - previous);
    previous = end;
  }
  return lengths;
}
