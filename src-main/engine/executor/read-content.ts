// Reading a local file's content through the FileSystem port: its FastCDC block list and BLAKE3
// hashes in one streamed pass, and later the bytes of chosen blocks (only those the server lacks).
// Through the port rather than chunkFile's direct fs access, so the executor runs on the fake
// disk in tests exactly as on a real one.

import type { BlockRef } from '../../../src-shared/protocol/common.ts';
import { ContentDigest } from '../chunker/content-digest.ts';
import type { FileSystem } from '../fs/file-system.ts';
import type { Hasher } from '../hasher.ts';

export interface ChunkedContent {
  hash: string;
  size: number;
  blocks: Array<BlockRef & { offset: number }>;
  /** The bytes themselves, when the file is at most `keepUpTo` bytes: no second read to send them. */
  data?: Uint8Array;
}

/** A block list in file order with each block's offset (the running sum of the sizes before it). */
export function withOffsets(blocks: readonly BlockRef[]): Array<BlockRef & { offset: number }> {
  let offset = 0;
  return blocks.map(({ hash, size }) => {
    const block = { hash, size, offset };
    offset += size;
    return block;
  });
}

/**
 * Chunks and hashes the file at `path`; `expectedSize` picks the chunk sizes (DESIGN.md). A file
 * of at most `keepUpTo` bytes is kept in memory too (most files are small: one read, not two).
 */
export async function chunkContent(fs: FileSystem, path: string, expectedSize: number, hasher: Hasher, keepUpTo = 0): Promise<ChunkedContent> {
  const digest = await ContentDigest.create(hasher, expectedSize);
  let kept: Uint8Array[] | undefined = keepUpTo > 0 && expectedSize <= keepUpTo ? [] : undefined;
  for await (const data of fs.openRead(path, expectedSize)) {
    digest.update(data);
    if (kept && digest.size <= keepUpTo) kept.push(data);
    else kept = undefined;
  }
  const result: ChunkedContent = digest.finish();
  if (kept) result.data = concat(kept);
  return result;
}

/** Bytes read at once when blocks are read back: neighbours share one read, each block a view of it. */
export const READ_RUN_BYTES = 4 * 1024 * 1024;
/** Wanted blocks this close are read in one run (the bytes between them read and dropped). */
const RUN_GAP_BYTES = 256 * 1024;

/**
 * Yields the bytes of the wanted blocks (in file order), read by their known offsets: neighbours
 * in one read of at most `runBytes`, each block a view of it (streaming the whole file and copying
 * each block out of the stream's pieces cost a copy of every byte sent). The caller checks each
 * against its hash: a file changed since chunking shows there, and one that shrank gives a short
 * block.
 */
export async function* readBlocks(
  fs: FileSystem,
  path: string,
  wanted: ReadonlyArray<BlockRef & { offset: number }>,
  runBytes = READ_RUN_BYTES,
): AsyncGenerator<{ block: BlockRef; data: Uint8Array }> {
  const sorted = [...wanted].sort((a, b) => a.offset - b.offset);
  for (let at = 0; at < sorted.length; ) {
    const first = sorted[at]!;
    let end = at + 1;
    let runEnd = first.offset + first.size;
    for (; end < sorted.length; end += 1) {
      const next = sorted[end]!;
      if (next.offset - runEnd > RUN_GAP_BYTES || next.offset + next.size - first.offset > runBytes) break;
      runEnd = Math.max(runEnd, next.offset + next.size);
    }
    const run = await fs.readRange(path, first.offset, runEnd - first.offset);
    for (let k = at; k < end; k += 1) {
      const want = sorted[k]!;
      const from = want.offset - first.offset;
      yield { block: { hash: want.hash, size: want.size }, data: run.subarray(from, from + want.size) };
    }
    at = end;
  }
}

function concat(pieces: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((sum, piece) => sum + piece.length, 0));
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}
