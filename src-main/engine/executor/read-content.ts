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
  for await (const data of fs.openRead(path)) {
    digest.update(data);
    if (kept && digest.size <= keepUpTo) kept.push(data);
    else kept = undefined;
  }
  const result: ChunkedContent = digest.finish();
  if (kept) result.data = concat(kept);
  return result;
}

/**
 * Streams the file once more and yields the bytes of the wanted blocks (by offset, in file
 * order). The caller checks each against its hash: a file changed since chunking shows there.
 */
export async function* readBlocks(
  fs: FileSystem,
  path: string,
  wanted: ReadonlyArray<BlockRef & { offset: number }>,
): AsyncGenerator<{ block: BlockRef; data: Uint8Array }> {
  const sorted = [...wanted].sort((a, b) => a.offset - b.offset);
  let next = 0;
  let buffered: Uint8Array[] = [];
  let bufferedStart = 0;
  let bufferedLength = 0;
  for await (const piece of fs.openRead(path)) {
    buffered.push(piece);
    bufferedLength += piece.length;
    for (;;) {
      const want = sorted[next];
      if (!want || want.offset + want.size > bufferedStart + bufferedLength) break;
      yield { block: { hash: want.hash, size: want.size }, data: slice(buffered, want.offset - bufferedStart, want.size) };
      next += 1;
    }
    // Drop pieces wholly before the next wanted block, so memory stays about one block.
    const keepFrom = sorted[next]?.offset ?? bufferedStart + bufferedLength;
    while (buffered.length > 0 && bufferedStart + (buffered[0] as Uint8Array).length <= keepFrom) {
      bufferedStart += (buffered[0] as Uint8Array).length;
      bufferedLength -= (buffered[0] as Uint8Array).length;
      buffered = buffered.slice(1);
    }
    if (next >= sorted.length) return;
  }
  // The file ended before a wanted block: it shrank; yield what is there so the hash check fails.
  const want = sorted[next];
  if (want) yield { block: { hash: want.hash, size: want.size }, data: slice(buffered, want.offset - bufferedStart, Math.max(0, Math.min(want.size, bufferedLength - (want.offset - bufferedStart)))) };
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

function slice(pieces: readonly Uint8Array[], start: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  let skip = start;
  for (const piece of pieces) {
    if (at >= length) break;
    if (skip >= piece.length) {
      skip -= piece.length;
      continue;
    }
    const take = piece.subarray(skip, Math.min(piece.length, skip + (length - at)));
    out.set(take, at);
    at += take.length;
    skip = 0;
  }
  return out;
}
