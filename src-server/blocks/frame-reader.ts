// Takes an upload's block frames apart as its body streams in ([32-byte hash][u32 BE length][bytes],
// src-shared/protocol/blocks.ts), hashing each block's bytes as they arrive and checking the digest
// the moment the block is complete. The blocks keep the body's own chunks as their bytes (views, no
// copy): joining a 64 MiB upload into one buffer first was a copy of every byte and much of the
// server's garbage collection (profiled). Errors and their wording are decodeBlockFrames's.
import { TandemError } from '../../src-shared/errors.ts';
import {
  BLOCK_FRAME_HEADER_BYTES,
  BLOCK_HASH_BYTES,
  BLOCK_HASH_PREFIX,
  MAX_BLOCKS_PER_BATCH,
  MAX_BLOCK_SIZE,
  blockHashFromBytes,
} from '../../src-shared/protocol/blocks.ts';
import type { VerifiedBlock } from './block-store.ts';
import { createBlockHasher } from './hash.ts';

export interface FrameReaderLimits {
  /** Largest block accepted; default MAX_BLOCK_SIZE. */
  maxBlockSize?: number;
  /** Most frames accepted; default MAX_BLOCKS_PER_BATCH. */
  maxBlocks?: number;
}

export class BlockFrameReader {
  private readonly maxBlockSize: number;
  private readonly maxBlocks: number;
  private readonly hasher = createBlockHasher();
  private readonly blocks: VerifiedBlock[] = [];
  /** The frame header being gathered (it may span chunks). */
  private header = Buffer.allocUnsafe(BLOCK_FRAME_HEADER_BYTES);
  private headerFill = 0;
  /** The block whose bytes are arriving, once its header is complete. */
  private block: { hash: string; digest: Uint8Array; size: number; parts: Buffer[] } | undefined;
  private remaining = 0;

  constructor(limits: FrameReaderLimits = {}) {
    this.maxBlockSize = limits.maxBlockSize ?? MAX_BLOCK_SIZE;
    this.maxBlocks = limits.maxBlocks ?? MAX_BLOCKS_PER_BATCH;
  }

  /** Takes the next piece of the body; throws the first malformed frame or hash mismatch it finds. */
  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (!this.block) {
        const take = Math.min(BLOCK_FRAME_HEADER_BYTES - this.headerFill, chunk.length - at);
        chunk.copy(this.header, this.headerFill, at, at + take);
        this.headerFill += take;
        at += take;
        if (this.headerFill === BLOCK_FRAME_HEADER_BYTES) this.startBlock();
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - at);
      const piece = chunk.subarray(at, at + take);
      this.hasher.update(piece);
      this.block.parts.push(piece);
      this.remaining -= take;
      at += take;
      if (this.remaining === 0) this.finishBlock();
    }
  }

  /** The body has ended: its blocks, every one verified; a cut-off frame is an error. */
  end(): VerifiedBlock[] {
    const index = this.blocks.length;
    if (this.block) {
      throw new TandemError(
        'bad_request',
        `Block frame ${index + 1} (${this.block.hash}) is cut off: it declares ${this.block.size} bytes but only ${this.block.size - this.remaining} remain.`,
      );
    }
    if (this.headerFill > 0) {
      throw new TandemError(
        'bad_request',
        `Block frame ${index + 1} is cut off: its header needs ${BLOCK_FRAME_HEADER_BYTES} bytes but only ${this.headerFill} remain.`,
      );
    }
    return this.blocks;
  }

  private startBlock(): void {
    if (this.blocks.length >= this.maxBlocks) {
      throw new TandemError('too_large', `The body carries more than ${this.maxBlocks} blocks; send fewer per request.`);
    }
    const digest = this.header.subarray(0, BLOCK_HASH_BYTES);
    // Node's native hex encoder: building the hex in JS was most of this function's time (profiled).
    const hash = BLOCK_HASH_PREFIX + this.header.toString('hex', 0, BLOCK_HASH_BYTES);
    const size = this.header.readUInt32BE(BLOCK_HASH_BYTES);
    if (size > this.maxBlockSize) {
      throw new TandemError('too_large', `Block ${hash} is ${size} bytes; a block may be at most ${this.maxBlockSize} bytes.`);
    }
    // The header buffer goes with the block (its digest is written into the pack as is); a new one
    // gathers the next header. 36 bytes a block, against a view per 64 KiB piece.
    this.block = { hash, digest, size, parts: [] };
    this.header = Buffer.allocUnsafe(BLOCK_FRAME_HEADER_BYTES);
    this.headerFill = 0;
    this.remaining = size;
    if (size === 0) this.finishBlock();
  }

  private finishBlock(): void {
    const block = this.block!;
    const actual = this.hasher.digest();
    if (!Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(block.digest)) {
      throw new TandemError(
        'bad_request',
        `Block ${block.hash} does not match its bytes (they hash to ${blockHashFromBytes(actual)}); nothing from this upload was stored.`,
      );
    }
    this.blocks.push(block);
    this.block = undefined;
  }
}
