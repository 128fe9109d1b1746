// Takes an upload's block frames apart as its body streams in ([32-byte hash][u32 BE length][bytes],
// split by src-shared/protocol/blocks.ts's BlockFrameSplitter), hashing each block's bytes as they
// arrive and checking the digest the moment the block is complete. The blocks keep the body's own
// chunks as their bytes (views, no copy): joining a 64 MiB upload into one buffer first was a copy
// of every byte and much of the server's garbage collection (profiled). Errors and their wording
// are decodeBlockFrames's.
import { TandemError } from '../../src-shared/errors.ts';
import {
  BLOCK_FRAME_HEADER_BYTES,
  BLOCK_HASH_PREFIX,
  BlockFrameSplitter,
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
  private readonly splitter = new BlockFrameSplitter({
    header: (digest, size, frame) => this.startBlock(digest, size, frame),
    bytes: (piece) => {
      this.hasher.update(piece);
      this.block!.parts.push(piece);
    },
    blockEnd: () => this.finishBlock(),
  });
  /** The block whose bytes are arriving, once its header is complete. */
  private block: { hash: string; digest: Uint8Array; size: number; parts: Uint8Array[] } | undefined;

  constructor(limits: FrameReaderLimits = {}) {
    this.maxBlockSize = limits.maxBlockSize ?? MAX_BLOCK_SIZE;
    this.maxBlocks = limits.maxBlocks ?? MAX_BLOCKS_PER_BATCH;
  }

  /** Takes the next piece of the body; throws the first malformed frame or hash mismatch it finds. */
  push(chunk: Buffer): void {
    this.splitter.push(chunk);
  }

  /** The body has ended: its blocks, every one verified; a cut-off frame is an error. */
  end(): VerifiedBlock[] {
    const cut = this.splitter.cutOff();
    if (cut?.in === 'block') {
      throw new TandemError(
        'bad_request',
        `Block frame ${cut.frame} (${this.block!.hash}) is cut off: it declares ${cut.size} bytes but only ${cut.received} remain.`,
      );
    }
    if (cut?.in === 'header') {
      throw new TandemError(
        'bad_request',
        `Block frame ${cut.frame} is cut off: its header needs ${BLOCK_FRAME_HEADER_BYTES} bytes but only ${cut.received} remain.`,
      );
    }
    return this.blocks;
  }

  /** `digest` is a view of the frame's own header buffer: it goes with the block (into the pack as is). */
  private startBlock(digest: Uint8Array, size: number, frame: number): void {
    if (frame > this.maxBlocks) {
      throw new TandemError('too_large', `The body carries more than ${this.maxBlocks} blocks; send fewer per request.`);
    }
    // Node's native hex encoder: building the hex in JS was most of this function's time (profiled).
    const hash = BLOCK_HASH_PREFIX + Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString('hex');
    if (size > this.maxBlockSize) {
      throw new TandemError('too_large', `Block ${hash} is ${size} bytes; a block may be at most ${this.maxBlockSize} bytes.`);
    }
    this.block = { hash, digest, size, parts: [] };
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
