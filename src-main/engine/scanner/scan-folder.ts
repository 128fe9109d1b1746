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

/** Reads one file (by its path on disk, relative) and gives its hash, or throws. */
export type HashFile = (diskPath: string) => Promise<HashResult>;

export interface ScanFolderOptions {
  previous: Tree;
  previousFacts: ReadonlyMap<string, FileFacts>;
  /** How to list: a real folder (walked in a worker thread) or a SyncLister (the fake, in tests). */
  source: { root: string } | { lister: SyncLister };
  /** How to hash: defaults to chunkFile through `pool` (required then) on `source.root`. */
  hashFile?: HashFile;
  pool?: ChunkWorkerPool;
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

  const hashFile = options.hashFile ?? poolHasher(options);
  const matching = matchIdentities({
    observations: walk.observations,
    unreadable: walk.unreadable,
    previous: options.previous,
    previousFacts: options.previousFacts,
  });
  const wanted = observationsToHash(matching);
  const problems = walk.problems.slice();
  const hashes = new Map<number, HashResult | undefined>();
  await Promise.all(
    wanted.map(async (index) => {
      const observation = walk.observations[index]!;
      try {
        hashes.set(index, await hashFile(diskPathOf(observation)));
      } catch (error) {
        hashes.set(index, undefined);
        const code = error instanceof ChunkFileError ? error.code : undefined;
        if (code === undefined || !TRANSIENT.has(code)) {
          const reason = error instanceof Error ? error.message : String(error);
          problems.push({ code: 'unreadable', path: observation.path, message: `Could not read "${observation.path}": ${reason}` });
        }
      }
    }),
  );
  const hashedAt = performance.now();
  const result = finishLocalTree(matching, hashes, options.newId);
  const finished = performance.now();
  return { ...result, problems, timings: { walkMs: walked - started, hashMs: hashedAt - walked, buildMs: finished - hashedAt } };
}

function poolHasher(options: ScanFolderOptions): HashFile {
  const { pool, source } = options;
  if (!pool || !('root' in source)) {
    throw new Error('scanFolder needs a chunk worker pool and a folder on disk, or a hashFile function.');
  }
  return async (diskPath) => {
    const chunked = await pool.chunkFile(join(source.root, ...diskPath.split('/')));
    return { hash: chunked.hash, size: chunked.size, mtimeMs: chunked.mtimeMs };
  };
}
