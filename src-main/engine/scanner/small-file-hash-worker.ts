// The worker behind SmallFileHasher: hashes BATCHES of small files with synchronous reads, one
// message per batch. For a 1 KB file the chunk pool's per-file message and promise chain cost far
// more than the hashing; here a file costs open, fstat, one read, fstat, close and one BLAKE3
// call. The result equals chunkFile's whole-file hash (BLAKE3 of the bytes). A file that changes
// while it is read is reported as `file_changed`, never hashed (SCENARIOS #36).

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { getHasher } from '../hasher.ts';

export interface SmallHashRequest {
  id: number;
  /** Absolute paths. */
  paths: string[];
}

export type SmallHashOutcome = { hash: string; size: number; mtimeMs: number } | { error: 'file_changed' | 'not_found' | 'not_a_file' | 'read_failed'; message: string };

export interface SmallHashReply {
  id: number;
  outcomes: SmallHashOutcome[];
}

const port = parentPort;
if (port === null) throw new Error('small-file-hash-worker.ts runs only as a worker thread (see small-file-hasher.ts).');

const hasher = await getHasher();
let buffer = Buffer.allocUnsafe(1024 * 1024);
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

function same(a: Stats, b: Stats): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

function hashOne(path: string): SmallHashOutcome {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | NOFOLLOW);
    const before = fstatSync(fd);
    if (!before.isFile()) return { error: 'not_a_file', message: `${path} is not a regular file.` };
    if (before.size > buffer.length) buffer = Buffer.allocUnsafe(before.size);
    let read = 0;
    for (;;) {
      const n = readSync(fd, buffer, read, buffer.length - read, read);
      if (n === 0) break;
      read += n;
      // Grew past the size it had: being written.
      if (read > before.size || read === buffer.length) break;
    }
    const after = fstatSync(fd);
    if (read !== before.size || !same(before, after)) {
      return { error: 'file_changed', message: `The file ${path} changed while it was being read; it will be read again.` };
    }
    return { hash: hasher.hash(buffer.subarray(0, read)), size: read, mtimeMs: before.mtimeMs };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { error: 'not_found', message: `The file ${path} no longer exists.` };
    if (code === 'ELOOP') return { error: 'not_a_file', message: `${path} is a symbolic link; Tandem does not follow links.` };
    return { error: 'read_failed', message: `Could not read ${path}: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

port.on('message', (request: SmallHashRequest) => {
  port.postMessage({ id: request.id, outcomes: request.paths.map(hashOne) } satisfies SmallHashReply);
});
