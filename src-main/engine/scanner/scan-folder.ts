// A full scan of one synced folder: walk it (in a worker on a real disk), keep ids and known
// hashes (local-tree.ts), hash only the files that changed (through the chunker's worker pool),
// and return the new local tree with its facts, ignored ids and problems. Used at start (changes
// made while the app was closed), periodically as a safety net, and for watcher hints.

import { join } from 'node:path';
import { ChunkFileError } from '../chunker/chunk-file.ts';
import type { ChunkWorkerPool } from '../chunker/worker-pool.ts';
import type { SyncLister } from '../fs/file-system.ts';
import type { Tree } from '../tree/tree.ts';
import { finishLocalTree, matchIdentities, observationsToHash } from './local-tree.ts';
import type { FileFacts, HashResult, LocalTreeResult } from './local-tree.ts';
import { diskPathOf } from './observation.ts';
import type { ScanProblem, WalkResult } from './observation.ts';
import { walkInWorker } from './walk-in-worker.ts';
import { walkFolder } from './walk.ts';
import { SMALL_FILE_LIMIT } from './small-file-hasher.ts';
import type { SmallFileHasher } from './small-file-hasher.ts';

/** Reads one file (by its path on disk, relative) and gives its hash, or throws. */
export type HashFile = (diskPath: string) => Promise<HashResult>;

export interface ScanFolderOptions {
  previous: Tree;
  previousFacts: ReadonlyMap<string, FileFacts>;
  /** How to list: a real folder (walked in a worker thread) or a SyncLister (the fake, in tests). */
  source: { root: string } | { lister: SyncLister };
  /** How to hash: defaults to `smallHasher` for small files and chunkFile through `pool` (required then) for the rest, on `source.root`. */
  hashFile?: HashFile;
  pool?: ChunkWorkerPool;
  /** Hashes small files in batches (much faster per file than the chunk pool). Optional. */
  smallHasher?: SmallFileHasher;
  newId?: () => string;
}

export interface ScanResult extends LocalTreeResult {
  problems: ScanProblem[];
  /** Milliseconds spent walking and hashing, for logs and the benchmark. */
  timings: { walkMs: number; hashMs: number; buildMs: number };
}

/** Failures that mean "not now" rather than "wrong": the file was being written or went away. */
const TRANSIENT = new Set(['file_changed', 'not_found', 'not_a_file']);

export async function scanFolder(options: ScanFolderOptions): Promise<ScanResult> {
  const started = performance.now();
  const walk: WalkResult = 'root' in options.source ? await walkInWorker(options.source.root) : walkFolder(options.source.lister);
  const walked = performance.now();

  const matching = matchIdentities({
    observations: walk.observations,
    unreadable: walk.unreadable,
    previous: options.previous,
    previousFacts: options.previousFacts,
  });
  const wanted = observationsToHash(matching);
  const problems = walk.problems.slice();
  const hashes = new Map<number, HashResult | undefined>();
  const failed = (index: number, error: unknown) => {
    hashes.set(index, undefined);
    const code = error instanceof ChunkFileError ? error.code : undefined;
    if (code === undefined || !TRANSIENT.has(code)) {
      const path = walk.observations[index]!.path;
      const reason = error instanceof Error ? error.message : String(error);
      problems.push({ code: 'unreadable', path, message: `Could not read "${path}": ${reason}` });
    }
  };
  const one = async (index: number, hashFile: HashFile) => {
    try {
      hashes.set(index, await hashFile(diskPathOf(walk.observations[index]!)));
    } catch (error) {
      failed(index, error);
    }
  };

  if (options.hashFile) {
    const hashFile = options.hashFile;
    await Promise.all(wanted.map((index) => one(index, hashFile)));
  } else {
    const root = 'root' in options.source ? options.source.root : undefined;
    const { pool, smallHasher } = options;
    if (root === undefined || !pool) throw new Error('scanFolder needs a chunk worker pool and a folder on disk, or a hashFile function.');
    const absolute = (index: number) => join(root, ...diskPathOf(walk.observations[index]!).split('/'));
    // Small files in batches (most of a typical folder); big ones streamed by the chunk pool.
    const small = smallHasher ? wanted.filter((index) => walk.observations[index]!.size <= SMALL_FILE_LIMIT) : [];
    const large = smallHasher ? wanted.filter((index) => walk.observations[index]!.size > SMALL_FILE_LIMIT) : wanted;
    const streamed: HashFile = async (diskPath) => {
      const chunked = await pool.chunkFile(join(root, ...diskPath.split('/')));
      return { hash: chunked.hash, size: chunked.size, mtimeMs: chunked.mtimeMs };
    };
    await Promise.all([
      smallHasher && small.length > 0
        ? smallHasher.hashFiles(small.map(absolute)).then((results) =>
            results.forEach((result, at) => (result instanceof Error ? failed(small[at]!, result) : hashes.set(small[at]!, result))),
          )
        : undefined,
      ...large.map((index) => one(index, streamed)),
    ]);
  }
  const hashedAt = performance.now();
  const result = finishLocalTree(matching, hashes, options.newId);
  const finished = performance.now();
  return { ...result, problems, timings: { walkMs: walked - started, hashMs: hashedAt - walked, buildMs: finished - hashedAt } };
}

