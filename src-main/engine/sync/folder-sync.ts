// One synced folder, kept in sync: the engine's loop (DESIGN.md "The engine"). It owns the
// folder's index, scanner, watchers and executor, and runs them one pass at a time:
//
//   scan (hinted paths, or everything) → read the changes feed → plan → ask or execute → repeat
//
// until a pass finds nothing to do. Passes never overlap, and the disk is not scanned while the
// executor writes to it: watcher hints that arrive during a pass wait for it to end, and the
// scanner then starts from the local tree the executor left (so what Tandem itself wrote is not
// news). At start it recovers the journal of a killed run before anything else. Being offline is a
// state, not an error: the pass is retried with backoff, and sooner when the server's notification
// link comes back. A mass-delete question stops the folder's work until it is answered.
//
// `runUntilIdle()` is `tandem sync --once` and what tests drive; `start()` keeps watching.

import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ChunkWorkerPool } from '../chunker/worker-pool.ts';
import { Executor } from '../executor/executor.ts';
import type { ExecutedOperation, RunResult } from '../executor/executor.ts';
import { FolderStopped, messageOf } from '../executor/errors.ts';
import { checkFolderMarker, writeFolderMarker } from '../executor/guards.ts';
import { indexStore } from '../executor/index-store.ts';
import type { ExecutorPorts } from '../executor/ports.ts';
import { systemExecutorClock } from '../executor/ports.ts';
import type { Progress } from '../executor/progress.ts';
import { recover } from '../executor/recover.ts';
import { NodeFileSystem } from '../fs/node-file-system.ts';
import { planOptionsFor, platformPolicyName, policyFor } from '../fs-policy/policy.ts';
import type { PolicyPlatform } from '../fs-policy/policy.ts';
import { getHasher } from '../hasher.ts';
import type { Hasher } from '../hasher.ts';
import { LocalIndex } from '../index/local-index.ts';
import { isConflictName } from '../conflict-names.ts';
import type { Operation } from '../planner/operations.ts';
import { plan } from '../planner/planner.ts';
import { RemoteChangeWatcher } from '../remote/change-watcher.ts';
import { RemoteError } from '../remote/remote-error.ts';
import type { RemoteClient } from '../remote/remote-client.ts';
import { batchingRemoteOps } from '../remote/batching-remote-ops.ts';
import { feedBlockLists } from '../remote/feed.ts';
import { remoteOps } from '../remote/remote-ops.ts';
import { LocalObserver } from '../scanner/local-observer.ts';
import { newItemId } from '../scanner/new-item-id.ts';
import type { ScanProblem } from '../scanner/observation.ts';
import type { ScanResult } from '../scanner/scan-folder.ts';
import { SmallFileHasher } from '../scanner/small-file-hasher.ts';
import { emptyTree, idsWhere, pathOf } from '../tree/tree.ts';
import type { TreeItem } from '../tree/item.ts';
import type { Tree } from '../tree/tree.ts';
import { watchFolder } from '../watcher/watch-folder.ts';
import type { FolderWatcher, WatcherBackend } from '../watcher/watch-folder.ts';
import { commitLocalScan, ignoredStill, notingLocalChanges, storedLocalChanges, storedLocalState } from './local-commit.ts';
import { keepWhatWouldBeDeleted } from './mass-delete-answer.ts';
import { pullRemoteTree } from './remote-tree.ts';
import { removeExcludedCopies } from './selective-sync.ts';
import { isSkipCode } from './status.ts';
import type { FolderState, FolderStatus, StatusEntry } from './status.ts';

export interface FolderSyncOptions {
  /** The synced folder (created on first setup). */
  folder: string;
  /** Where the index lives; never inside the folder. */
  stateDir: string;
  /** Signed in to the server. */
  client: RemoteClient;
  /** The account's root folder id (from login). */
  rootId: string;
  /** This device's name, for conflicted copies. */
  device: string;
  /** Whose filesystem rules to follow; default the running platform's. */
  fsPolicy?: PolicyPlatform;
  /** The mass-delete guard's thresholds (DESIGN.md: more than 25 and more than 30%). */
  massDelete?: { minCount: number; fraction: number };
  /** Answer "yes" to mass-delete questions (`--allow-mass-delete`). */
  allowMassDelete?: boolean;
  /** Watch the disk and the server between passes (start()); default true. */
  watch?: boolean;
  watcherBackend?: WatcherBackend | 'auto';
  /** Operations at once. Default the executor's (64, fewer for big transfers). */
  concurrency?: number;
  /** Safety-net full scan interval while watching. Default 10 minutes. */
  fullScanIntervalMs?: number;
  /** How often the feed is polled while the notification link is down. Default 30 s. */
  pollIntervalMs?: number;
  /** Quiet time before a scan that found files gone is committed (atomic saves). Default 1 s. */
  settleMs?: number;
  /** Longest wait between retries while offline. Default 60 s. */
  maxRetryDelayMs?: number;
  /** Called whenever the status changes (progress at most every 250 ms). */
  onStatus?: (status: FolderStatus) => void;
  /** Each operation as it ends, for the activity list and the log. */
  onOperation?: (entry: ExecutedOperation) => void;
  /**
   * Called in every pass after the server's changes are read and before planning: server folders
   * it returns are left out (selective sync) before anything of theirs is downloaded. The app's
   * large-new-folder question uses it; `excluded` is the set left out already.
   */
  leaveOut?: (trees: { local: Tree; remote: Tree; synced: Tree }, excluded: ReadonlySet<string>) => readonly string[];
  /** Test seam: wraps the executor's ports (fault injection, crash points). */
  wrapPorts?: (ports: ExecutorPorts) => ExecutorPorts;
  /** Test seam: the planner's clock for conflicted-copy names. */
  now?: () => Date;
}

/** How a runUntilIdle() ended. */
export type IdleOutcome = 'in_sync' | 'question' | 'stopped' | 'unsettled';

const MAX_PASSES_PER_RUN = 12;
const STATUS_THROTTLE_MS = 250;
const MAX_NOTICES = 50;

export class FolderSync {
  readonly folder: string;
  readonly #options: FolderSyncOptions;
  readonly #index: LocalIndex;
  readonly #folderId: string;
  readonly #ports: ExecutorPorts;
  readonly #hasher: Hasher;
  readonly #pool: ChunkWorkerPool;
  readonly #smallHasher: SmallFileHasher;
  readonly #observer: LocalObserver;
  readonly #planOptions: ReturnType<typeof planOptionsFor>;

  #status: FolderStatus;
  #statusTimer: NodeJS.Timeout | undefined;
  #lastStatusAt = 0;
  #problems = new Map<string, ScanProblem>();
  #fullScanRunning = false;
  #notices: StatusEntry[] = [];
  #bootstrapped: Promise<void> | undefined;
  /** The pass under way; passes never overlap. */
  #passing: Promise<IdleOutcome> | undefined;
  #passAgain = false;
  #heldHints: { paths: Set<string>; rescanAll: boolean } = { paths: new Set(), rescanAll: false };
  /** The observer holds a scan that has been quiet long enough: the next pass commits it. */
  #settleDue = false;
  #paused = false;
  #pauseController: AbortController | undefined;
  #closed = false;
  #watcher: FolderWatcher | undefined;
  #remoteWatcher: RemoteChangeWatcher | undefined;
  #timers = new Set<NodeJS.Timeout>();
  #offlineAttempts = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  /** Ids whose local item or facts the executor wrote since the scanner was last rebased. */
  readonly #touchedLocal = new Set<string>();

  private constructor(options: FolderSyncOptions, index: LocalIndex, folderId: string, hasher: Hasher) {
    this.folder = options.folder;
    this.#options = options;
    this.#index = index;
    this.#folderId = folderId;
    this.#hasher = hasher;
    const fs = new NodeFileSystem(options.folder);
    const ports: ExecutorPorts = {
      fs,
      remote: batchingRemoteOps(remoteOps(options.client, { hasher }), options.client, { blockLists: feedBlockLists(options.client) }),
      store: notingLocalChanges(indexStore(index), this.#touchedLocal),
      clock: systemExecutorClock,
      newKey: newItemId,
    };
    this.#ports = options.wrapPorts ? options.wrapPorts(ports) : ports;
    const platform = options.fsPolicy ?? platformPolicyName(process.platform);
    this.#planOptions = planOptionsFor(policyFor(platform, { rootPath: options.folder }));
    this.#pool = new ChunkWorkerPool({ size: 2 });
    // Two hashing workers (not one): a first index of 100k settled small files hashed in ~1.0 s
    // instead of ~1.9 s. On files written just before (the benchmark's case) it measured no faster,
    // for ~0.6 CPU-s and ~30 MB of peak RSS more; the workers stop after 30 s idle.
    this.#smallHasher = new SmallFileHasher({ size: 2 });
    const local = index.loadTree('local') ?? emptyTree(options.rootId);
    this.#observer = new LocalObserver({
      source: { root: options.folder },
      initial: storedLocalState(index, local, new Set()),
      onCommit: (result) => this.#committed(result),
      onError: (message) => this.#setState('error', message),
      settleMs: options.settleMs ?? 1000,
      // A held scan (files gone: half a move, or a delete) settles in a pass of ours, never on
      // the observer's own timer: else the delete is committed with no pass to plan it (it waited
      // for the next change or the 10-minute scan) and could commit while the executor works.
      onSettleDue: () => {
        this.#settleDue = true;
        if (this.#options.watch !== false) void this.#requestPass();
      },
      onRetryDue: (paths) => {
        if (this.#options.watch !== false) this.#hinted({ paths, rescanAll: false });
      },
      pool: this.#pool,
      smallHasher: this.#smallHasher,
    });
    this.#status = {
      state: 'starting',
      message: 'Starting.',
      folder: options.folder,
      device: options.device,
      pending: { uploads: 0, downloads: 0, other: 0 },
      progress: null,
      conflicts: [],
      skipped: [],
      notices: [],
      errors: [],
      questions: [],
      lastSyncedAt: null,
      updatedAt: Date.now(),
      pid: process.pid,
    };
    const previous = index.statusJson;
    if (previous) {
      try {
        this.#status.lastSyncedAt = (JSON.parse(previous) as FolderStatus).lastSyncedAt ?? null;
      } catch {
        // An unreadable old status only loses "last in sync".
      }
    }
  }

  /**
   * Opens the folder's index and checks the folder. The first time (no index yet), the folder is
   * created if needed and marked; afterwards a missing folder or marker stops it (status says so)
   * instead of reading as "everything was deleted" (SCENARIOS #41).
   */
  static async open(options: FolderSyncOptions): Promise<FolderSync> {
    const folder = resolve(options.folder);
    const resolved = { ...options, folder, stateDir: resolve(options.stateDir) };
    const index = LocalIndex.open({ stateDir: resolved.stateDir, syncedFolder: folder });
    try {
      const hasher = await getHasher();
      let folderId = index.folderId;
      const remoteRoot = index.loadTree('remote')?.rootId;
      if (remoteRoot !== undefined && remoteRoot !== options.rootId) {
        throw new FolderStopped(`The state folder ${options.stateDir} belongs to another account on the server; use another state folder.`);
      }
      if (folderId === undefined) {
        await mkdir(folder, { recursive: true });
        folderId = newItemId();
        await writeFolderMarker(new NodeFileSystem(folder), folderId);
        index.transaction(() => {
          for (const tree of ['local', 'remote', 'synced'] as const) if (!index.loadTree(tree)) index.saveTree(tree, emptyTree(options.rootId));
          index.setFolderId(folderId!);
        });
      }
      return new FolderSync(resolved, index, folderId, hasher);
    } catch (error) {
      index.close();
      throw error;
    }
  }

  get status(): FolderStatus {
    return this.#status;
  }

  get index(): LocalIndex {
    return this.#index;
  }

  /** Syncs until a pass finds nothing to do (or must stop to ask). */
  async runUntilIdle(): Promise<IdleOutcome> {
    // The pass recovers first (#bootstrap): a recovery that fails offline is a failed pass.
    this.#hold({ paths: [], rescanAll: true });
    return this.#requestPass();
  }

  /** Keeps the folder in sync: watches the disk and the server, passes on every change. */
  async start(): Promise<void> {
    // Failing here (offline) is reported and retried by the first pass, which recovers again.
    await this.#bootstrap().catch(() => undefined);
    // The first pass scans the whole folder: its hashing workers load while the watcher subscribes.
    this.#smallHasher.warm();
    if (this.#options.watch !== false) {
      try {
        this.#watcher = await watchFolder(this.folder, {
          onHints: (hints) => this.#hinted(hints),
          onError: (message) => this.#notice({ path: '', code: 'watcher', message }),
          backend: this.#options.watcherBackend ?? 'auto',
        });
      } catch (error) {
        this.#notice({ path: '', code: 'watcher', message: `Watching the folder failed (${messageOf(error)}); changes are found by periodic scans instead.` });
      }
      this.#remoteWatcher = new RemoteChangeWatcher({
        client: this.#options.client,
        ...(this.#index.cursor ? { cursor: this.#index.cursor } : {}),
        pollIntervalMs: this.#options.pollIntervalMs ?? 30_000,
        onHint: () => void this.#requestPass(),
        onState: (state) => {
          if (state === 'connected' && this.#status.state === 'offline') void this.#requestPass();
          if (state === 'signed_out') this.#setState('stopped', 'This device was signed out by the server; sign in again to keep syncing.');
        },
      });
      this.#remoteWatcher.start();
      const every = this.#options.fullScanIntervalMs ?? 10 * 60_000;
      const timer = setInterval(() => this.#hinted({ paths: [], rescanAll: true }), every);
      timer.unref();
      this.#timers.add(timer);
    }
    this.#hold({ paths: [], rescanAll: true });
    void this.#requestPass();
  }

  /** Resolves when no pass is running or queued. */
  async idle(): Promise<void> {
    while (this.#passing) await this.#passing;
  }

  pause(): void {
    this.#paused = true;
    this.#pauseController?.abort();
    this.#setState('paused', 'Paused; nothing is synced until you resume.');
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#setState('idle', 'Resuming.');
    this.#hold({ paths: [], rescanAll: true });
    void this.#requestPass();
  }

  /** Answers a mass-delete question: yes deletes that batch; no brings the files back. */
  async answer(batchKey: string, answer: 'yes' | 'no'): Promise<void> {
    const question = this.#index.pendingQuestions().find((q) => q.batchKey === batchKey);
    this.#index.answerQuestion(batchKey, answer);
    if (answer === 'no' && question) {
      keepWhatWouldBeDeleted(this.#index, question.side, newItemId);
      this.#index.forgetQuestions([batchKey]);
      this.#rebaseScanner();
    }
    await this.#requestPass();
  }

  /** The leaveOut hook's folders join the excluded set; true when the set grew. */
  async #leaveOut(trees: { local: Tree; remote: Tree; synced: Tree }): Promise<boolean> {
    const excluded = this.#index.excludedIds();
    const added = (this.#options.leaveOut?.(trees, excluded) ?? []).filter((id) => !excluded.has(id) && trees.remote.items.get(id)?.kind === 'folder');
    if (added.length === 0) return false;
    // Only fully synced copies go, as with setExcluded; the hook's folders normally have none.
    const result = await removeExcludedCopies(this.#ports.fs, this.#index, added);
    this.#index.setExcludedIds(new Set([...excluded, ...added]));
    this.#noticeKept(result.kept);
    this.#rebaseScanner();
    return true;
  }

  /** Copies of newly excluded folders that stay because they hold changes the server lacks. */
  #noticeKept(paths: readonly string[]): void {
    for (const path of paths) this.#notice({ path, code: 'excluded_kept', message: 'Kept on this device: it has changes that are not on the server yet.' });
  }

  /** Selective sync: these server folders (ids) stay off this device. */
  async setExcluded(ids: Iterable<string>): Promise<{ removed: number; kept: string[] }> {
    await this.idle();
    const next = new Set(ids);
    const before = this.#index.excludedIds();
    const added = [...next].filter((id) => !before.has(id));
    await this.#observer.idle();
    const result = await removeExcludedCopies(this.#ports.fs, this.#index, added);
    this.#index.setExcludedIds(next);
    this.#rebaseScanner();
    this.#noticeKept(result.kept);
    this.#hold({ paths: [], rescanAll: true });
    await this.#requestPass();
    return result;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#pauseController?.abort();
    for (const timer of this.#timers) clearInterval(timer);
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    if (this.#statusTimer) clearTimeout(this.#statusTimer);
    this.#remoteWatcher?.stop();
    await this.#watcher?.close().catch(() => undefined);
    await this.idle().catch(() => undefined);
    this.#observer.close();
    await this.#observer.idle().catch(() => undefined);
    await this.#pool.close();
    await this.#smallHasher.close();
    this.#publish(true);
    this.#index.close();
  }

  // --- the loop -------------------------------------------------------------------------------

  #bootstrap(): Promise<void> {
    this.#bootstrapped ??= (async () => {
      this.#setState('starting', 'Checking the folder.');
      if (this.#index.journalEntries().length > 0) {
        try {
          await checkFolderMarker(this.#ports.fs, this.#folderId);
          await recover(this.#ports, this.#trees(), this.#hasher);
        } catch (error) {
          if (!(error instanceof FolderStopped)) throw error;
        }
        this.#rebaseScanner();
      }
    })().catch((error: unknown) => {
      // Not recovered (e.g. the server could not be asked): the next pass tries again.
      this.#bootstrapped = undefined;
      throw error;
    });
    return this.#bootstrapped;
  }

  /** The scanner starts its next scan from the local tree the index holds (after the engine changed it). */
  #rebaseScanner(local: Tree = this.#index.loadTree('local')!): void {
    this.#touchedLocal.clear();
    this.#observer.rebase(storedLocalState(this.#index, local, this.#observer.state.ignoredIds));
  }

  /** As #rebaseScanner after a run that started from the scanner's tree: from what the run wrote. */
  #rebaseScannerAfterRun(local: Tree): void {
    const current = this.#observer.state;
    if (local.rootId !== current.tree.rootId) return this.#rebaseScanner(local);
    const delta = storedLocalChanges(this.#index, current, local, this.#touchedLocal);
    this.#touchedLocal.clear();
    this.#observer.rebaseChanged(delta, ignoredStill(local, current.ignoredIds));
  }

  #hinted(hints: { paths: readonly string[]; rescanAll: boolean }): void {
    this.#hold(hints);
    void this.#requestPass();
  }

  #hold(hints: { paths: readonly string[]; rescanAll: boolean }): void {
    for (const path of hints.paths) this.#heldHints.paths.add(path);
    if (hints.rescanAll) this.#heldHints.rescanAll = true;
  }

  /** Starts a pass, or asks the running one to go round again; resolves when passes stop. */
  #requestPass(): Promise<IdleOutcome> {
    if (this.#passing) {
      this.#passAgain = true;
      return this.#passing;
    }
    const run = this.#passes().finally(() => {
      if (this.#passing === run) this.#passing = undefined;
      // Asked for while the last pass was finishing (resume, a hint during a question): go again.
      if (this.#passAgain && !this.#closed && !this.#paused) void this.#requestPass();
    });
    this.#passing = run;
    return run;
  }

  async #passes(): Promise<IdleOutcome> {
    for (let pass = 0; pass < MAX_PASSES_PER_RUN; pass++) {
      this.#passAgain = false;
      if (this.#closed || this.#paused) return 'stopped';
      let result: { outcome: IdleOutcome; more: boolean };
      try {
        result = await this.#pass();
        this.#offlineAttempts = 0;
      } catch (error) {
        // The retry waits its backoff; hints that came meanwhile ride along with it.
        this.#passAgain = false;
        return this.#failed(error);
      }
      if (!result.more && !this.#passAgain) return result.outcome;
      if (result.outcome === 'stopped') return result.outcome;
    }
    // Still work after many passes: something keeps failing; try again later, not in a tight loop.
    this.#passAgain = false;
    this.#scheduleRetry();
    return 'unsettled';
  }

  /** One pass. `more`: it did work, so another pass should confirm the folder is quiet. */
  async #pass(): Promise<{ outcome: IdleOutcome; more: boolean }> {
    await this.#bootstrap();
    // The disk first: hints held since the last pass, scanned from the executor's local tree.
    const held = this.#heldHints;
    this.#heldHints = { paths: new Set(), rescanAll: false };
    if (held.rescanAll || held.paths.size > 0) {
      if (held.rescanAll) {
        this.#setState('scanning', 'Looking for changes.');
        this.#fullScanRunning = true;
        try {
          await this.#observer.fullScan();
        } finally {
          this.#fullScanRunning = false;
        }
      } else await this.#observer.hint({ paths: [...held.paths], rescanAll: false });
    } else if (this.#settleDue) await this.#observer.settle();
    // New hints rescan the held paths too and restart the quiet time; a full scan commits all.
    this.#settleDue = false;
    await this.#observer.idle();

    try {
      await checkFolderMarker(this.#ports.fs, this.#folderId);
    } catch (error) {
      if (error instanceof FolderStopped) {
        this.#setState('stopped', error.message);
        return { outcome: 'stopped', more: false };
      }
      throw error;
    }

    await pullRemoteTree(this.#options.client, this.#index, this.#options.rootId);
    this.#remoteWatcher?.acknowledge(this.#index.cursor ?? '');

    let trees = this.#trees();
    if (await this.#leaveOut(trees)) trees = this.#trees();
    let ops = this.#plan(trees);
    let questions = ops.filter((op): op is Extract<Operation, { kind: 'ask' }> => op.kind === 'ask');
    if (questions.length > 0 && this.#options.allowMassDelete) {
      this.#index.recordQuestions(questions);
      for (const q of questions) this.#index.answerQuestion(q.batchKey, 'yes');
      ops = this.#plan(trees);
      questions = ops.filter((op): op is Extract<Operation, { kind: 'ask' }> => op.kind === 'ask');
    }
    this.#index.recordQuestions(questions);
    this.#status.questions = questions.map(({ batchKey, side, count, total, samplePaths, message }) => ({ batchKey, side, count, total, samplePaths, message }));
    const work = ops.filter((op) => op.kind !== 'report' && op.kind !== 'ask');
    this.#index.saveReports(ops.filter((op): op is Extract<Operation, { kind: 'report' }> => op.kind === 'report'));
    this.#pending(work);
    if (questions.length > 0) {
      this.#refreshLists(trees.local, []);
      this.#setState('waiting', questions.map((q) => q.message).join(' '));
      return { outcome: 'question', more: false };
    }
    if (work.length === 0) {
      this.#refreshLists(trees.local, []);
      this.#status.lastSyncedAt = Date.now();
      this.#status.progress = null;
      this.#setState('idle', 'Up to date.');
      return { outcome: 'in_sync', more: false };
    }

    this.#setState('syncing', describeWork(this.#status.pending));
    this.#pauseController = new AbortController();
    const executor = new Executor(this.#ports, {
      folderId: this.#folderId,
      hasher: this.#hasher,
      ...(this.#options.concurrency === undefined ? {} : { concurrency: this.#options.concurrency }),
      onProgress: (progress) => this.#progress(progress),
      ...(this.#options.onOperation ? { onOperation: this.#options.onOperation } : {}),
    });
    let result: RunResult;
    try {
      result = await executor.run(ops, trees, { signal: this.#pauseController.signal });
    } finally {
      this.#pauseController = undefined;
    }
    trees = result.trees;
    this.#rebaseScannerAfterRun(trees.local);
    for (const report of result.reports) if (!isSkipCode(report.code)) this.#notice({ path: report.path, code: report.code, message: report.message });
    const failed = result.executed.filter((entry) => entry.outcome.status === 'failed' || entry.outcome.status === 'refused');
    // Downloads that wait for disk space are listed with their sentence (#59): the person must act.
    const noSpace = result.executed.filter((entry) => entry.outcome.status === 'deferred' && entry.outcome.reason === 'no_space');
    this.#refreshLists(trees.local, [...failed, ...noSpace]);
    // Deferred because the disk changed under an operation (edited, gone, not empty): the next
    // pass must look at the disk again, or it plans the same operation against the old picture.
    if (result.executed.some(({ outcome }) => outcome.status === 'deferred' && outcome.reason !== 'no_space')) this.#hold({ paths: [], rescanAll: true });
    if (result.stopped?.reason === 'folder_stopped') {
      this.#setState('stopped', result.stopped.message);
      return { outcome: 'stopped', more: false };
    }
    if (result.stopped?.reason === 'paused') return { outcome: 'stopped', more: false };
    // Network failures inside the run: the server is unreachable; retry the pass later.
    const offline = failed.find((entry) => entry.outcome.status === 'failed' && entry.outcome.retryable);
    if (offline && offline.outcome.status === 'failed') throw new RemoteError(offline.outcome.message, { kind: 'retryable', code: 'network' });
    // A full disk does not empty itself: once a pass gets nothing else done, stop passing and say so
    // (retried later while watching) instead of planning the same downloads again and again.
    const progressed = result.executed.some(({ operation, outcome }) => outcome.status === 'done' && operation.kind !== 'markSynced' && operation.kind !== 'rekeyLocal');
    if (noSpace.length > 0 && !progressed) {
      const files = `${noSpace.length} file${noSpace.length === 1 ? '' : 's'}`;
      this.#setState('error', `Not enough disk space to download ${files}; they wait until there is room on this disk.`);
      this.#scheduleRetry();
      return { outcome: 'unsettled', more: false };
    }
    return { outcome: 'in_sync', more: true };
  }

  #plan(trees: { local: Tree; remote: Tree; synced: Tree }): Operation[] {
    const options = this.#options;
    return plan({
      ...trees,
      options: {
        device: options.device,
        now: options.now?.() ?? new Date(),
        newId: () => newItemId(),
        ignoredLocalIds: this.#observer.state.ignoredIds,
        excludedIds: this.#index.excludedIds(),
        approvedMassDeletes: this.#index.approvedMassDeletes(),
        ...(options.massDelete ? { massDelete: options.massDelete } : {}),
        ...this.#planOptions,
      },
    });
  }

  #trees(): { local: Tree; remote: Tree; synced: Tree } {
    const rootId = this.#options.rootId;
    return {
      local: this.#observer.state.tree.rootId === rootId ? this.#observer.state.tree : (this.#index.loadTree('local') ?? emptyTree(rootId)),
      remote: this.#index.loadTree('remote') ?? emptyTree(rootId),
      synced: this.#index.loadTree('synced') ?? emptyTree(rootId),
    };
  }

  #committed(result: ScanResult): void {
    // A hinted scan is stored as its delta; a full scan is compared with the index (and repairs it).
    commitLocalScan(this.#index, result.tree, result.facts, this.#fullScanRunning ? undefined : result.delta);
    // A full scan says every problem there is; a hinted one only those of the paths it looked at.
    if (this.#fullScanRunning) this.#problems.clear();
    for (const problem of result.problems) this.#problems.set(problem.path, problem);
    // The disk's picture is stored (durably) from here on; what follows is the server's side and
    // the plan. Said apart so a first index of a big folder shows, and can be timed, on its own.
    if (this.#fullScanRunning) this.#setState('scanning', `Indexed ${result.stats.items} files and folders; comparing with the server.`);
  }

  #failed(error: unknown): IdleOutcome {
    if (error instanceof FolderStopped) {
      this.#setState('stopped', error.message);
      return 'stopped';
    }
    if (error instanceof RemoteError && error.code === 'unauthorized') {
      this.#setState('stopped', 'The server did not accept this device (signed out or revoked); sign in again to keep syncing.');
      return 'stopped';
    }
    if (error instanceof RemoteError && error.retryable) {
      const retrying = this.#options.watch !== false && !this.#closed;
      this.#setState('offline', `Cannot reach the server (${error.message})${retrying ? '; retrying' : ''}.`);
      this.#scheduleRetry();
      return 'unsettled';
    }
    this.#setState('error', messageOf(error));
    this.#scheduleRetry();
    return 'unsettled';
  }

  #scheduleRetry(): void {
    if (this.#closed || this.#options.watch === false || this.#retryTimer) return;
    const max = this.#options.maxRetryDelayMs ?? 60_000;
    const delay = Math.min(max, 1000 * 2 ** this.#offlineAttempts) * (0.5 + Math.random() / 2);
    this.#offlineAttempts += 1;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#requestPass();
    }, delay);
    this.#retryTimer.unref();
  }

  // --- status -----------------------------------------------------------------------------------

  #pending(work: readonly Operation[]): void {
    let uploads = 0;
    let downloads = 0;
    let other = 0;
    for (const op of work) {
      if (op.kind === 'upload') uploads += 1;
      else if (op.kind === 'download') downloads += 1;
      else if (op.kind !== 'markSynced' && op.kind !== 'rekeyLocal') other += 1;
    }
    this.#status.pending = { uploads, downloads, other };
  }

  #progress(progress: Progress): void {
    this.#status.progress = { filesDone: progress.filesDone, filesTotal: progress.filesTotal, bytesDone: progress.bytesDone, bytesTotal: progress.bytesTotal };
    this.#publish(false);
  }

  #refreshLists(local: Tree, failed: readonly ExecutedOperation[]): void {
    const conflicts: StatusEntry[] = [];
    for (const id of idsWhere(local, isConflictedCopy)) {
      conflicts.push({ path: pathOf(local, id) ?? local.items.get(id)?.name ?? id, code: 'conflicted_copy', message: 'A conflicted copy: both versions are kept; keep the one you want.' });
    }
    this.#status.conflicts = conflicts.sort((a, b) => a.path.localeCompare(b.path));
    const skipped: StatusEntry[] = this.#index.reports().flatMap(({ report }) => (isSkipCode(report.code) ? [{ path: report.path, code: report.code, message: report.message }] : []));
    for (const problem of this.#problems.values()) skipped.push({ path: problem.path, code: problem.code, message: problem.message });
    this.#status.skipped = skipped;
    this.#status.errors = failed.map(({ operation, outcome }) => ({
      path: 'path' in operation ? operation.path : '',
      code: operation.kind,
      message: 'message' in outcome ? outcome.message : 'Failed.',
    }));
    this.#status.notices = [...this.#notices];
  }

  #notice(entry: StatusEntry): void {
    this.#notices.unshift(entry);
    this.#notices.length = Math.min(this.#notices.length, MAX_NOTICES);
    this.#status.notices = [...this.#notices];
  }

  #setState(state: FolderState, message: string): void {
    if (this.#paused && state !== 'paused') return;
    this.#status.state = state;
    this.#status.message = message;
    this.#publish(true);
  }

  /** Tells the listener and stores the status; progress-only changes are throttled. */
  #publish(now: boolean): void {
    const elapsed = Date.now() - this.#lastStatusAt;
    if (!now && elapsed < STATUS_THROTTLE_MS) {
      this.#statusTimer ??= setTimeout(() => {
        this.#statusTimer = undefined;
        this.#publish(true);
      }, STATUS_THROTTLE_MS - elapsed);
      return;
    }
    this.#lastStatusAt = Date.now();
    this.#status.updatedAt = this.#lastStatusAt;
    const snapshot = structuredClone(this.#status);
    if (!this.#closed || now) {
      try {
        this.#index.saveStatusJson(JSON.stringify(snapshot));
      } catch {
        // The index is closed or busy: status is advisory; the next change writes it again.
      }
    }
    this.#options.onStatus?.(snapshot);
  }
}

function describeWork(pending: FolderStatus['pending']): string {
  const transfers = pending.uploads + pending.downloads;
  const parts = [];
  if (transfers > 0) parts.push(`${transfers} file${transfers === 1 ? '' : 's'} to transfer`);
  if (pending.other > 0) parts.push(`${pending.other} other change${pending.other === 1 ? '' : 's'}`);
  return parts.length === 0 ? 'Recording what is already in sync.' : `Syncing: ${parts.join(', ')}.`;
}

/** A conflicted copy the engine made (the root, with no parent, never is one). */
function isConflictedCopy(item: TreeItem): boolean {
  return item.parentId !== null && isConflictName(item.name, item.kind);
}
