// One streamed pass of a file's bytes into its content description (DESIGN.md): FastCDC block
// boundaries, each block's BLAKE3 and the whole file's BLAKE3. chunkFile (the real disk) and the
// executor's chunkContent (through the FileSystem port) both feed it, so the two cannot drift.
import type { Hasher, IncrementalHasher } from '../hasher.ts';
import { FastCdcChunker, chunkParamsForSize } from './fastcdc.ts';

export interface DigestedBlock {
  /** Where the block starts in the file. */
  offset: number;
  size: number;
  /** `blake3:<hex>` of the block's bytes. */
  hash: string;
}

export interface DigestedContent {
  size: number;
  /** `blake3:<hex>` of the whole file. */
  hash: string;
  blocks: DigestedBlock[];
}

export class ContentDigest {
  private readonly chunker: FastCdcChunker;
  private readonly fileHasher: IncrementalHasher;
  private readonly blockHasher: IncrementalHasher;
  private readonly blocks: DigestedBlock[] = [];
  private blockStart = 0;
  private position = 0;

  private constructor(chunker: FastCdcChunker, fileHasher: IncrementalHasher, blockHasher: IncrementalHasher) {
    this.chunker = chunker;
    this.fileHasher = fileHasher;
    this.blockHasher = blockHasher;
  }

  /** `expectedSize` picks the chunk sizes; it must be the size the file has when read. */
  static async create(hasher: Hasher, expectedSize: number): Promise<ContentDigest> {
    const [fileHasher, blockHasher] = await Promise.all([hasher.createIncremental(), hasher.createIncremental()]);
    return new ContentDigest(new FastCdcChunker(chunkParamsForSize(expectedSize)), fileHasher, blockHasher);
  }

  /** Bytes read so far. */
  get size(): number {
    return this.position;
  }

  /** Feeds the next bytes of the file, in order. */
  update(data: Uint8Array): void {
    const dataStart = this.position;
    this.position += data.length;
    this.fileHasher.update(data);
    let pieceStart = 0;
    for (const end of this.chunker.push(data)) {
      const pieceEnd = end - dataStart;
      this.blockHasher.update(data.subarray(pieceStart, pieceEnd));
      this.blocks.push({ offset: this.blockStart, size: end - this.blockStart, hash: this.blockHasher.digest() });
      this.blockHasher.reset();
      this.blockStart = end;
      pieceStart = pieceEnd;
    }
    if (pieceStart < data.length) this.blockHasher.update(data.subarray(pieceStart));
  }

  /** Ends the input: the last block is cut and the description returned. */
  finish(): DigestedContent {
    const last = this.chunker.finish();
    if (last !== undefined) this.blocks.push({ offset: this.blockStart, size: last - this.blockStart, hash: this.blockHasher.digest() });
    return { size: this.position, hash: this.fileHasher.digest(), blocks: this.blocks };
  }
}
