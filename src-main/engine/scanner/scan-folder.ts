// A full scan of one synced folder: walk it (in a worker on a real disk), keep ids and known
// hashes (local-tree.ts), hash only the files that changed, and return the new local tree with
// its facts, ignored ids and problems. Used at start (changes made while the app was closed),
// periodically as a safety net, and for watcher hints.
//
// On a real disk, hashing starts WHILE the walk goes on: each batch of observations is checked
// against the previous facts (by path, and by inode for moves), and files that surely changed are
// sent to the hashers at once. Small files go in batches to the SmallFileHasher, big ones are
// streamed by the chunk pool. The identity matching still waits for the whole walk (a move needs
// both ends), and asks for whatever the early pass did not start.

import { join } from 'node:path';
import { ChunkFileError } from '../chunker/chunk-file.ts';
import type { ChunkWorkerPool } from '../chunker/worker-pool.ts';
import type { SyncLister } from '../fs/file-system.ts';
import type { TreeItem } from '../tree/item.ts';
import { childrenOf, pathOf } from '../tree/tree.ts';
import type { Tree } from '../tree/tree.ts';
import { IGNORE_FILE_NAME } from '../ignore/built-in-patterns.ts';
import { finishLocalTree, idsByInode, idsWithInode, ignoreFilePaths, matchIdentities, observationsToHash, pathIndex } from './local-tree.ts';
import type { FileFacts, HashResult, LocalTreeResult } from './local-tree.ts';
import { DiskLister } from './disk-lister.ts';
import { diskPathOf } from './observation.ts';
import type { Observation, ScanProblem, WalkResult } from './observation.ts';
import { SMALL_FILE_LIMIT } from './small-file-hasher.ts';
import type { ExpectedFacts, SmallFileHasher } from './small-file-hasher.ts';
import { walkInWorker } from './walk-in-worker.ts';
import { walkFolder, walkPaths } from './walk.ts';

/** Reads one file (by its path on disk, relative) and gives its hash, or throws. */
export type HashFile = (diskPath: string) => Promise<HashResult>;

export interface ScanFolderOptions {
  previous: Tree;
  previousFacts: ReadonlyMap<string, FileFacts>;
  /** How to list: a real folder (walked in a worker thread) or a SyncLister (the fake, in tests). */
  source: { root: string } | { lister: SyncLister };
  /**
   * How to hash. Default, on `source.root`: `smallHasher` for small files and chunkFile through
   * `pool` (then required) for the rest. A hashFile function replaces both (tests, the fake).
   */
  hashFile?: HashFile;
  pool?: ChunkWorkerPool;
  /** Hashes small files in batches (much faster per file than the chunk pool). Optional. */
  smallHasher?: SmallFileHasher;
  /** The previous scan's ignored ids (required by scanChanges; lets `vanished` leave them out). */
  previousIgnored?: ReadonlySet<string>;
  newId?: () => string;
  /** Ids to read again even when size, mtime and inode are unchanged (racy facts). */
  distrustedFacts?: ReadonlySet<string>;
}

export interface ScanResult extends LocalTreeResult {
  problems: ScanProblem[];
  /** Milliseconds: the walk, the hashing still running after it, and the tree building. */
  timings: { walkMs: number; hashMs: number; buildMs: number };
}

/** Failures that mean "not now" rather than "wrong": the file was being written or went away. */
const TRANSIENT = new Set(['file_changed', 'not_found', 'not_a_file']);

type Outcome = HashResult | Error;

/**
 * Starts hashing observations by index and collects their outcomes. No promise per file: small
 * files go to the SmallFileHasher in batches (relative paths and the walk's facts, so the workers
 * join paths and skip a stat), and the outcomes land in an array by observation index.
 */
class Hashing {
  readonly #outcomes: Array<Outcome | undefined> = [];
  readonly #started: Array<true | undefined> = [];
  readonly #smallWaiting: number[] = [];
  readonly #pending: Array<Promise<void>> = [];
  readonly #observations: Observation[];
  readonly #options: ScanFolderOptions;
  readonly #root: string | undefined;

  constructor(observations: Observation[], options: ScanFolderOptions) {
    this.#observations = observations;
    this.#options = options;
    this.#root = 'root' in options.source ? options.source.root : undefined;
    if (!options.hashFile && (this.#root === undefined || !options.pool)) {
      throw new Error('scanFolder needs a chunk worker pool and a folder on disk, or a hashFile function.');
    }
  }

  start(index: number): void {
    if (this.#started[index]) return;
    this.#started[index] = true;
    const observation = this.#observations[index]!;
    const { hashFile, smallHasher, pool } = this.#options;
    if (hashFile) {
      this.#track(index, hashFile(diskPathOf(observation)));
    } else if (smallHasher && (observation.size <= SMALL_FILE_LIMIT || observation.unstatted)) {
      this.#smallWaiting.push(index);
      if (this.#smallWaiting.length >= 256 * smallHasher.size) this.flush();
    } else {
      this.#track(
        index,
        pool!
          .chunkFile(join(this.#root!, ...diskPathOf(observation).split('/')))
          .then((chunked) => ({ hash: chunked.hash, size: chunked.size, mtimeMs: chunked.mtimeMs, blocks: chunked.blocks })),
      );
    }
  }

  /** Sends the small files gathered so far. */
  flush(): void {
    const smallHasher = this.#options.smallHasher;
    if (!smallHasher || this.#smallWaiting.length === 0) return;
    const waiting = this.#smallWaiting.splice(0);
    const observations = waiting.map((index) => this.#observations[index]!);
    const outcomes = this.#outcomes;
    this.#pending.push(
      smallHasher.hashFiles(observations.map(diskPathOf), { root: this.#root!, expected: observations.map(expectedFacts) }).then(
        (results) => results.forEach((result, at) => (outcomes[waiting[at]!] = result)),
        (error: unknown) => waiting.forEach((index) => (outcomes[index] = toError(error))),
      ),
    );
  }

  /** Waits for everything started so far; then `outcome` answers for each of those indexes. */
  async settled(): Promise<void> {
    this.flush();
    while (this.#pending.length > 0) await Promise.all(this.#pending.splice(0));
  }

  outcome(index: number): Outcome {
    return this.#outcomes[index] ?? new Error('This file was not hashed.');
  }

  #track(index: number, hashing: Promise<HashResult>): void {
    const outcomes = this.#outcomes;
    this.#pending.push(
      hashing.then(
        (result) => void (outcomes[index] = result),
        (error: unknown) => void (outcomes[index] = toError(error)),
      ),
    );
  }
}

const NOT_SEEN: ExpectedFacts = { size: -1, mtimeMs: 0, inode: 0 };

function expectedFacts(observation: Observation): ExpectedFacts {
  return observation.unstatted ? NOT_SEEN : observation;
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

export async function scanFolder(options: ScanFolderOptions): Promise<ScanResult> {
  const started = performance.now();
  const previousPaths = pathIndex(options.previous);
  const observations: Observation[] = [];
  const hashing = new Hashing(observations, options);
  let walk: WalkResult;

  if ('root' in options.source) {
    // Early hashing: files whose facts match neither their previous path nor a previous inode
    // surely need reading; the rest wait for the matching.
    const factsByInode = new Map<number, FileFacts>();
    for (const facts of options.previousFacts.values()) factsByInode.set(facts.inode, facts);
    const unchanged = (facts: FileFacts | undefined, o: Observation) =>
      facts?.hash !== undefined && facts.size === o.size && facts.mtimeMs === o.mtimeMs && facts.inode === o.inode;
    // A first index (nothing known): every file gets opened and hashed, and the hasher's fstat
    // gives its facts, so the walk does not lstat files at all (a third of the system calls).
    const firstIndex = options.previousFacts.size === 0 && !options.hashFile && options.smallHasher !== undefined;
    walk = await walkInWorker(options.source.root, {
      statFiles: !firstIndex,
      onBatch: (batch) => {
        for (const observation of batch) {
          const index = observations.push(observation) - 1;
          if (observation.kind !== 'file' || observation.ignored) continue;
          const before = previousPaths.get(observation.path);
          const facts = before ? options.previousFacts.get(before.id) : undefined;
          if (unchanged(facts, observation) || unchanged(factsByInode.get(observation.inode), observation)) continue;
          hashing.start(index);
        }
      },
    });
  } else {
    walk = walkFolder(options.source.lister);
    observations.push(...walk.observations);
  }
  const walked = performance.now();
  return finishScan(observations, walk, options, previousPaths, hashing, started, walked);
}

/** Matching, hashing what is left, building: shared by full and partial scans. */
async function finishScan(
  observations: Observation[],
  walk: WalkResult,
  options: ScanFolderOptions,
  previousPaths: ReadonlyMap<string, TreeItem>,
  hashing: Hashing,
  started: number,
  walked: number,
  region?: ReadonlyMap<string, TreeItem>,
): Promise<ScanResult> {
  const matching = matchIdentities({
    observations,
    unreadable: walk.unreadable,
    previous: options.previous,
    previousFacts: options.previousFacts,
    previousPaths,
    ...(region ? { region } : {}),
    ...(options.previousIgnored ? { previousIgnored: options.previousIgnored } : {}),
    ...(options.distrustedFacts ? { distrustedFacts: options.distrustedFacts } : {}),
  });
  const wanted = observationsToHash(matching);
  for (const index of wanted) hashing.start(index);
  hashing.flush();

  const problems = walk.problems.slice();
  const hashes = new Map<number, HashResult | undefined>();
  await hashing.settled();
  for (const index of wanted) {
    const outcome = hashing.outcome(index);
    if (!(outcome instanceof Error)) {
      // (For a file the walk did not lstat, the SmallFileHash also carries its inode and bit.)
      hashes.set(index, outcome);
      continue;
    }
    hashes.set(index, undefined);
    const code = outcome instanceof ChunkFileError ? outcome.code : undefined;
    if (code === undefined || !TRANSIENT.has(code)) {
      const path = observations[index]!.path;
      problems.push({ code: 'unreadable', path, message: `Could not read "${path}": ${outcome.message}` });
    }
  }
  const hashedAt = performance.now();
  const result = finishLocalTree(matching, hashes, options.newId);
  const finished = performance.now();
  return { ...result, problems, timings: { walkMs: walked - started, hashMs: hashedAt - walked, buildMs: finished - hashedAt } };
}

export interface ScanChangesOptions extends ScanFolderOptions {
  /** Watcher hints: paths as spelled on disk (a folder stands for everything below it). */
  hints: readonly string[];
  previousIgnored: ReadonlySet<string>;
}

/**
 * A scan of only the hinted paths: they (and everything below hinted folders) are observed
 * afresh; the rest of the previous tree is taken as it was, with its facts, so ids, moves and
 * the no-re-hash rule work exactly as in a full scan. A changed .tandemignore changes what every
 * path means, so it turns this into a full scan. Runs its (small) walk on the calling thread,
 * and costs what it looked at, not the size of the tree: the new tree, facts and path index are
 * patches of the previous ones (patchTree, LayeredMap), which they share.
 */
export async function scanChanges(options: ScanChangesOptions): Promise<ScanResult> {
  if (options.hints.some((hint) => hint === IGNORE_FILE_NAME || hint.endsWith(`/${IGNORE_FILE_NAME}`))) return scanFolder(options);
  const started = performance.now();
  const { previous, previousFacts } = options;
  const previousPaths = pathIndex(previous);
  const lister = 'root' in options.source ? new DiskLister(options.source.root) : options.source.lister;

  // A hint inside a folder the tree does not know yet: look at that whole new folder instead.
  const hints = options.hints.map((hint) => {
    const parts = hint.split('/');
    for (let depth = 1; depth < parts.length; depth++) {
      const ancestor = parts.slice(0, depth).join('/');
      if (!previousPaths.has(ancestor.normalize('NFC'))) return ancestor;
    }
    return hint;
  });
  const ignoreFolders = ignoreFilePaths(previous).map((path) => path.slice(0, Math.max(0, path.length - IGNORE_FILE_NAME.length - 1)));
  let walk = walkPaths(lister, hints, ignoreFolders);
  let covered = new Set(walk.covered);
  // A new path holding the inode of a known item that was not hinted: the other end of a move
  // whose hints arrived in another batch (#61), or a hard link. Look at the old path too, so
  // the answer does not depend on how the events were split.
  const isCovered = (path: string) => {
    for (let at = path.length; at > 0; at = path.lastIndexOf('/', at - 1)) if (covered.has(path.slice(0, at))) return true;
    return false;
  };
  const checks: string[] = [];
  const byInode = walk.observations.some((o) => o.inode !== 0) ? idsByInode(previousFacts) : undefined;
  for (const observation of walk.observations) {
    for (const id of observation.inode === 0 || !byInode ? [] : idsWithInode(byInode, observation.inode)) {
      const path = pathOf(previous, id);
      if (path !== undefined && path !== '' && !isCovered(path)) checks.push(path);
    }
  }
  if (checks.length > 0) {
    walk = walkPaths(lister, hints, ignoreFolders, checks);
    covered = new Set(walk.covered);
  }

  // The previous items the fresh observations replace: every covered path and all below it. The
  // rest of the tree is not looked at, and the result shares it with the previous one.
  const region = new Map<string, TreeItem>();
  const visit = (item: TreeItem, path: string) => {
    region.set(path, item);
    if (item.kind === 'folder') for (const child of childrenOf(previous, item.id)) visit(child, `${path}/${child.name}`);
  };
  for (const path of covered) {
    const item = previousPaths.get(path);
    if (item) visit(item, path);
  }
  const observations = walk.observations;
  const walked = performance.now();
  return finishScan(observations, walk, options, previousPaths, new Hashing(observations, options), started, walked, region);
}
