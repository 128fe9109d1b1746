// The local side of one synced folder, as the engine sees it: it owns the last committed local
// tree (with facts and ignored ids), takes watcher hints, re-observes the hinted paths and
// commits a new tree. One rule makes saves and split events come out right: a scan that finds
// syncable files gone (`vanished`) is NOT committed at once. The hints are kept and, once the
// folder has been quiet for `settleMs`, scanned again together from the same committed base. A
// save that renamed the original away (Office, vim, macOS) is then one content update, and a move
// whose two ends arrived in different hint batches is one move (SCENARIOS #30–33, #61). A file
// that really was deleted is committed as gone after that short wait.

import type { ChunkWorkerPool } from '../chunker/worker-pool.ts';
import type { SyncLister } from '../fs/file-system.ts';
import { pathOf } from '../tree/tree.ts';
import type { Tree } from '../tree/tree.ts';
import { patchedState, rebasedState } from './local-tree.ts';
import type { LocalStateDelta } from './local-tree.ts';
import type { FileFacts } from './local-tree.ts';
import { scanChanges, scanFolder } from './scan-folder.ts';
import type { HashFile, ScanResult } from './scan-folder.ts';
import type { SmallFileHasher } from './small-file-hasher.ts';

/** Longer than any file system's mtime tick (FAT: 2 s), so a read this long after is proof. */
export const RACY_FACTS_MS = 3000;

export interface LocalState {
  tree: Tree;
  facts: ReadonlyMap<string, FileFacts>;
  ignoredIds: ReadonlySet<string>;
}

export interface LocalObserverOptions {
  source: { root: string } | { lister: SyncLister };
  initial: LocalState;
  /** Called with every committed scan (in order). */
  onCommit: (result: ScanResult) => void;
  /** Called when a scan fails (the folder is unreadable): one sentence. */
  onError?: (message: string) => void;
  /** Quiet time before a scan that found files gone is repeated and committed. Default 1000 ms. */
  settleMs?: number;
  /**
   * When given, the observer never commits on a timer of its own: once a held scan has been quiet
   * for `settleMs` this is called, and the owner calls settle() when it can act on the result
   * (the sync loop: in its next pass, so a delete seen while watching reaches the plan, and no
   * scan commits while the executor is changing the disk). Without it the timer scans by itself.
   */
  onSettleDue?: () => void;
  /** Like onSettleDue, for files that could not be hashed yet (being written): hint them later. */
  onRetryDue?: (paths: readonly string[]) => void;
  pool?: ChunkWorkerPool;
  smallHasher?: SmallFileHasher;
  hashFile?: HashFile;
}

export class LocalObserver {
  readonly #options: LocalObserverOptions;
  #state: LocalState;
  /** Hints not yet committed: new ones, and those of a scan held back for settling. */
  #hints = new Set<string>();
  #rescanAll = false;
  #running: Promise<void> = Promise.resolve();
  #settleTimer: NodeJS.Timeout | undefined;
  #closed = false;
  /**
   * Racy facts (git's "racily clean" entries): files read less than RACY_FACTS_MS after their
   * mtime. A file system stamps mtimes from a coarse clock (a few ms on ext4, 2 s on FAT), so
   * another write of the same size in that tick leaves size, mtime and inode as they were, and
   * trusting them would keep the old hash for good: a lost write. These are read again by the
   * next scan that looks at them, until a read comes long enough after the mtime.
   */
  readonly #racy = new Set<string>();

  constructor(options: LocalObserverOptions) {
    this.#options = options;
    this.#state = options.initial;
  }

  /** The last committed state. */
  get state(): LocalState {
    return this.#state;
  }

  /**
   * Replaces the committed state with what the index now holds, after the executor changed the
   * disk (downloads, moves): the next scan compares against that, so a file the engine wrote is
   * not news. Call only while no scan is running (await idle() first).
   */
  rebase(state: LocalState): void {
    // Equal in value to `state`, but a patch of the current one when little changed: the next
    // hinted scan then keeps costing milliseconds instead of re-indexing every path.
    this.#state = rebasedState(this.#state, state);
  }

  /** As rebase(), told what changed instead of handed the whole state: costs the change, not the folder. */
  rebaseChanged(delta: LocalStateDelta, ignoredIds: ReadonlySet<string>): void {
    this.#state = patchedState(this.#state, { ignoredIds }, delta);
  }

  /** Hints from the watcher (or the engine). Resolves once they are scanned (committed or held). */
  hint(hints: { paths: readonly string[]; rescanAll: boolean }): Promise<void> {
    for (const path of hints.paths) this.#hints.add(path);
    if (hints.rescanAll) this.#rescanAll = true;
    return this.#enqueue(false);
  }

  /** A full scan, committed whatever it finds (start, periodic safety net). */
  fullScan(): Promise<void> {
    this.#rescanAll = true;
    return this.#enqueue(true);
  }

  /** Scans the held hints again and commits whatever it finds (after onSettleDue). */
  settle(): Promise<void> {
    return this.#enqueue(true);
  }

  /** Waits for the work queued so far. */
  idle(): Promise<void> {
    return this.#running;
  }

  close(): void {
    this.#closed = true;
    if (this.#settleTimer) clearTimeout(this.#settleTimer);
  }

  #enqueue(force: boolean): Promise<void> {
    this.#running = this.#running.then(() => this.#scan(force));
    return this.#running;
  }

  async #scan(force: boolean): Promise<void> {
    if (this.#closed || (!this.#rescanAll && this.#hints.size === 0)) return;
    if (this.#settleTimer) clearTimeout(this.#settleTimer);
    this.#settleTimer = undefined;
    const hints = [...this.#hints];
    const full = this.#rescanAll;
    const options = this.#options;
    const common = {
      previous: this.#state.tree,
      previousFacts: this.#state.facts,
      previousIgnored: this.#state.ignoredIds,
      source: options.source,
      ...(options.pool ? { pool: options.pool } : {}),
      ...(options.smallHasher ? { smallHasher: options.smallHasher } : {}),
      ...(options.hashFile ? { hashFile: options.hashFile } : {}),
      ...(this.#racy.size > 0 ? { distrustedFacts: new Set(this.#racy) } : {}),
    };
    const started = Date.now();
    let result: ScanResult;
    try {
      result = full ? await scanFolder(common) : await scanChanges({ ...common, hints });
    } catch (error) {
      options.onError?.(error instanceof Error ? error.message : String(error));
      return;
    }
    if (this.#closed) return;
    if (result.vanished.length > 0 && !force) {
      // Something is gone: maybe mid-save or half a move. Look again from the same base once
      // the folder is quiet; new hints restart the wait.
      const settled = options.onSettleDue ?? (() => void this.#enqueue(true));
      this.#settleTimer = setTimeout(settled, options.settleMs ?? 1000);
      return;
    }
    this.#state = { tree: result.tree, facts: result.facts, ignoredIds: result.ignoredIds };
    this.#noteRacyFacts(result, started, full ? undefined : hints);
    for (const hint of hints) this.#hints.delete(hint);
    if (full) this.#rescanAll = false;
    options.onCommit(result);
    // Files that were being written could not be hashed: look at them again a little later.
    if (result.retry.length > 0) {
      const retry = result.retry;
      const due = options.onRetryDue ?? ((paths: readonly string[]) => void this.hint({ paths, rescanAll: false }));
      setTimeout(() => due(retry), options.settleMs ?? 1000).unref();
    }
  }

  /** `hints` undefined: a full scan (it read every distrusted file). */
  #noteRacyFacts(result: ScanResult, started: number, hints: readonly string[] | undefined): void {
    const racy = (id: string) => {
      const facts = result.facts.get(id);
      return facts !== undefined && facts.mtimeMs > started - RACY_FACTS_MS;
    };
    // A path was looked at when it or one of its folders was hinted. Walking up the path against a
    // set, not comparing it with every hint: 10k new files are 10k racy ids times hundreds of hints
    // (1.8 of A's 14 CPU-s in the 10k-file benchmark, profiled).
    const hinted = hints === undefined ? undefined : new Set(hints);
    const looked = (id: string) => {
      if (hinted === undefined) return true;
      let path = pathOf(result.tree, id);
      while (path !== undefined) {
        if (hinted.has(path)) return true;
        const cut = path.lastIndexOf('/');
        path = cut < 0 ? undefined : path.slice(0, cut);
      }
      return false;
    };
    for (const id of this.#racy) if (!result.facts.has(id) || (looked(id) && !racy(id))) this.#racy.delete(id);
    for (const id of result.delta.factsPut) if (racy(id)) this.#racy.add(id);
  }
}
