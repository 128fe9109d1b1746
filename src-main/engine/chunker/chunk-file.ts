// Chunks and hashes one file from disk in a single streamed pass: FastCDC block boundaries, the
// BLAKE3 of every block and of the whole file. Reads are large and double-buffered (the next read
// runs while this one is chunked), and nothing holds more than two buffers of the file.
//
// A file that changes while it is read gives an error with code `file_changed`, never a result:
// the hashes would describe bytes that no longer exist (SCENARIOS.md #36: abort and rehash).

import { lstat, open } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { getHasher } from '../hasher.ts';
import type { Hasher } from '../hasher.ts';
import { ContentDigest, type DigestedBlock } from './content-digest.ts';

/** One block of a file: where it starts, its size and its `blake3:<hex>`. */
export type FileBlock = DigestedBlock;

export interface ChunkedFile {
  size: number;
  /** The modification time the bytes were read at (unchanged from start to end of the read). */
  mtimeMs: number;
  /** `blake3:<hex>` of the whole file. */
  hash: string;
  /** In file order; they cover the file exactly. An empty file has none. */
  blocks: FileBlock[];
}

/**
 * file_changed: read it again later. cancelled: the caller asked. worker_failed and pool_closed
 * come from the worker pool (a crashed worker, or work sent after close).
 */
export type ChunkFileErrorCode =
  | 'file_changed'
  | 'not_found'
  | 'not_a_file'
  | 'read_failed'
  | 'cancelled'
  | 'worker_failed'
  | 'pool_closed';

/** Why a file could not be chunked: a stable code for the executor, one sentence for people. */
export class ChunkFileError extends Error {
  readonly code: ChunkFileErrorCode;
  readonly path: string;

  constructor(code: ChunkFileErrorCode, message: string, path: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ChunkFileError';
    this.code = code;
    this.path = path;
  }
}

export interface ChunkFileOptions {
  /** Defaults to the process-wide hasher (native BLAKE3, else wasm). */
  hasher?: Hasher;
  /** Bytes per read; each of the two buffers has this size. Default 1 MiB. */
  bufferSize?: number;
  /** Stops the work at the next read; the result is then a `cancelled` error. */
  signal?: AbortSignal;
  /** Called after each buffer is processed, with the bytes done so far (for progress). */
  onProgress?: (bytesDone: number) => void;
}

const DEFAULT_BUFFER_SIZE = 1024 * 1024;

function describeFailure(error: unknown, path: string): ChunkFileError {
  if (error instanceof ChunkFileError) return error;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new ChunkFileError('not_found', `The file ${path} no longer exists.`, path, { cause: error });
  }
  if (code === 'EISDIR') return new ChunkFileError('not_a_file', `${path} is a folder, not a file.`, path, { cause: error });
  const reason = error instanceof Error ? error.message : String(error);
  return new ChunkFileError('read_failed', `Could not read ${path}: ${reason}`, path, { cause: error });
}

function changedError(path: string): ChunkFileError {
  return new ChunkFileError('file_changed', `The file ${path} changed while it was being read; it will be read again.`, path);
}

/** Whether two stats describe the same, unmodified file. ctime catches writes that reset mtime. */
function sameFileState(a: BigIntStats, b: BigIntStats): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

/** Chunks and hashes the regular file at `path` (symlinks are refused, never followed). */
export async function chunkFile(path: string, options: ChunkFileOptions = {}): Promise<ChunkedFile> {
  const bufferSize = options.bufferSize ?? DEFAULT_BUFFER_SIZE;
  if (!Number.isSafeInteger(bufferSize) || bufferSize < 1) {
    throw new RangeError(`The read buffer size must be a positive whole number of bytes, not ${String(bufferSize)}.`);
  }
  const signal = options.signal;
  const checkCancelled = () => {
    if (signal?.aborted) throw new ChunkFileError('cancelled', `Reading ${path} was cancelled.`, path);
  };

  let handle: FileHandle | undefined;
  try {
    checkCancelled();
    const hasher = options.hasher ?? (await getHasher());
    const linkState = await lstat(path, { bigint: true });
    if (linkState.isSymbolicLink()) throw new ChunkFileError('not_a_file', `${path} is a symbolic link; Tandem does not follow links.`, path);
    if (!linkState.isFile()) throw new ChunkFileError('not_a_file', `${path} is not a regular file.`, path);

    handle = await open(path, 'r');
    const before = await handle.stat({ bigint: true });
    // The path pointed elsewhere between lstat and open: it was replaced, so read it again later.
    if (before.ino !== linkState.ino || before.dev !== linkState.dev) throw changedError(path);
    const size = Number(before.size);

    const digest = await ContentDigest.create(hasher, size);

    // Two buffers: the next read fills one while the other is chunked and hashed.
    const buffers = [Buffer.allocUnsafe(bufferSize), Buffer.allocUnsafe(bufferSize)] as const;
    const fileHandle = handle;
    const readAt = (which: 0 | 1, position: number) => fileHandle.read(buffers[which], 0, bufferSize, position);

    let which: 0 | 1 = 0;
    let position = 0;
    let pending = readAt(which, position);
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) break;
      checkCancelled();
      const data = buffers[which].subarray(0, bytesRead);
      position += bytesRead;
      // The file grew past the size it had at the start: it is being written.
      if (position > size) throw changedError(path);
      which = which === 0 ? 1 : 0;
      pending = readAt(which, position);
      // If what follows throws, the read in flight must not become an unhandled rejection.
      pending.catch(() => undefined);

      digest.update(data);
      options.onProgress?.(position);
    }
    const content = digest.finish();

    // Same size, same times, same file still at the path: the bytes read are the file's bytes.
    const after = await handle.stat({ bigint: true });
    if (position !== size || !sameFileState(before, after)) throw changedError(path);
    const pathState = await lstat(path, { bigint: true }).catch((error: unknown) => {
      throw (error as NodeJS.ErrnoException).code === 'ENOENT' ? changedError(path) : error;
    });
    if (pathState.ino !== before.ino || pathState.dev !== before.dev) throw changedError(path);

    // Microsecond precision keeps the value exact in a double (nanoseconds since 1970 are not).
    const mtimeMs = Number(before.mtimeNs / 1000n) / 1000;
    return { size, mtimeMs, hash: content.hash, blocks: content.blocks };
  } catch (error) {
    if (error instanceof RangeError) throw error;
    throw describeFailure(error, path);
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
