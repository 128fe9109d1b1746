// The worker behind SmallFileHasher: hashes BATCHES of small files with synchronous reads, one
// message per batch. For a 1 KB file the chunk pool's per-file message and promise chain cost far
// more than the hashing. The result equals chunkFile's whole-file hash (BLAKE3 of the bytes). A
// file that changes while it is read is reported as `file_changed`, never hashed (SCENARIOS #36).
//
// When the scanner says what its walk saw (size, mtime, inode), a file costs four system calls:
// open, one read of size+1 bytes (a short read proves the end), fstat, close; the walk's lstat is
// the "before" and the fstat the "after". Anything unexpected (the file changed since the walk,
// a short read) falls back to the careful way: fstat, read to the end, fstat again. Without the
// walk's facts (a first index skips the walk's lstat of files), the careful way is the way, and
// the reply carries the file's facts; a big file is then streamed through an incremental hash.

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { sep } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { getHasher } from '../hasher.ts';

export interface SmallHashRequest {
  id: number;
  /** Paths: absolute, or relative to `root` ('/'-separated) when root is given. */
  paths: string[];
  root?: string;
  /** Optional: per path, what the walk saw: size, mtimeMs and inode, flattened (3 numbers a path; size -1: not seen). */
  expected?: number[];
}

export type SmallHashErrorCode = 'file_changed' | 'not_found' | 'not_a_file' | 'read_failed';

/** Per path, in order: a hash with the size and mtime it describes, or an error (by index). */
export interface SmallHashReply {
  id: number;
  hashes: string[];
  sizes: number[];
  mtimes: number[];
  inodes: number[];
  /** st_mode, for the executable bit. */
  modes: number[];
  errors: Array<[index: number, code: SmallHashErrorCode, message: string]>;
}

const port = parentPort;
if (port === null) throw new Error('small-file-hash-worker.ts runs only as a worker thread (see small-file-hasher.ts).');

const hasher = await getHasher();
const streaming = await hasher.createIncremental();
/** Files up to this size are read whole into the buffer; larger ones are streamed through it. */
const WHOLE = 1024 * 1024;
let buffer = Buffer.allocUnsafe(WHOLE);
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

class Failure {
  readonly code: SmallHashErrorCode;
  readonly message: string;
  constructor(code: SmallHashErrorCode, message: string) {
    this.code = code;
    this.message = message;
  }
}

type Outcome = { hash: string; size: number; mtimeMs: number; inode: number; mode: number } | Failure;

function same(a: Stats, b: Stats): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

function grow(size: number): void {
  if (size > buffer.length) buffer = Buffer.allocUnsafe(size);
}

/** The careful way: the file's own fstat before and after reading it to the end. */
function hashOpen(fd: number, path: string): Outcome {
  const before = fstatSync(fd);
  if (!before.isFile()) return new Failure('not_a_file', `${path} is not a regular file.`);
  const whole = before.size < WHOLE;
  let read = 0;
  if (whole) {
    // One read of size+1 bytes: getting exactly `size` proves the end; more means being written.
    grow(before.size + 1);
    read = readSync(fd, buffer, 0, before.size + 1, 0);
  } else {
    streaming.reset();
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, read);
      if (n === 0) break;
      streaming.update(buffer.subarray(0, n));
      read += n;
      // Grew past the size it had: being written.
      if (read > before.size) break;
    }
  }
  const after = fstatSync(fd);
  if (read !== before.size || !same(before, after)) {
    return new Failure('file_changed', `The file ${path} changed while it was being read; it will be read again.`);
  }
  const hash = whole ? hasher.hash(buffer.subarray(0, read)) : streaming.digest();
  return { hash, size: read, mtimeMs: before.mtimeMs, inode: before.ino, mode: before.mode };
}

function hashOne(path: string, size: number | undefined, mtimeMs: number, inode: number): Outcome {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | NOFOLLOW);
    if (size !== undefined && size >= 0 && size < WHOLE) {
      grow(size + 1);
      const n = readSync(fd, buffer, 0, size + 1, 0);
      const after = fstatSync(fd);
      if (n === size && after.size === size && after.mtimeMs === mtimeMs && after.ino === inode && after.isFile()) {
        return { hash: hasher.hash(buffer.subarray(0, n)), size: n, mtimeMs, inode, mode: after.mode };
      }
    }
    return hashOpen(fd, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return new Failure('not_found', `The file ${path} no longer exists.`);
    if (code === 'ELOOP') return new Failure('not_a_file', `${path} is a symbolic link; Tandem does not follow links.`);
    if (code === 'EISDIR') return new Failure('not_a_file', `${path} is not a regular file.`);
    return new Failure('read_failed', `Could not read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

port.on('message', (request: SmallHashRequest) => {
  const { paths, root, expected } = request;
  const reply: SmallHashReply = { id: request.id, hashes: [], sizes: [], mtimes: [], inodes: [], modes: [], errors: [] };
  for (let i = 0; i < paths.length; i++) {
    const path = root === undefined ? paths[i]! : `${root}${sep}${paths[i]!}`;
    const outcome = expected ? hashOne(path, expected[3 * i], expected[3 * i + 1]!, expected[3 * i + 2]!) : hashOne(path, undefined, 0, 0);
    if (outcome instanceof Failure) {
      reply.errors.push([i, outcome.code, outcome.message]);
      reply.hashes.push('');
      reply.sizes.push(0);
      reply.mtimes.push(0);
      reply.inodes.push(0);
      reply.modes.push(0);
    } else {
      reply.hashes.push(outcome.hash);
      reply.sizes.push(outcome.size);
      reply.mtimes.push(outcome.mtimeMs);
      reply.inodes.push(outcome.inode);
      reply.modes.push(outcome.mode);
    }
  }
  port.postMessage(reply);
});
