// Folders: one FolderSync engine per synced folder, opened from the settings at start and when a
// folder is added; pausing (30 minutes, an hour, until resumed; remembered across restarts); the
// engines' status as it changes; moving a folder; bandwidth limits shared by every engine.
// Each account's changes feed covers its whole home, so an account syncs one folder here.
import type { Tree } from '../engine/tree/tree.ts';
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { TandemError } from '../../src-shared/errors.ts';
import type { FolderView, IpcHandlers, PauseDuration } from '../../src-shared/ipc/contract.ts';
import { getHasher } from '../engine/hasher.ts';
import { BandwidthLimiter } from '../engine/remote/bandwidth.ts';
import { remoteOps } from '../engine/remote/remote-ops.ts';
import { FolderSync } from '../engine/sync/folder-sync.ts';
import type { FolderStatus } from '../engine/sync/status.ts';
import { pullRemoteTree } from '../engine/sync/remote-tree.ts';
import type { AccountsService } from './accounts.ts';
import type { ActivityLog } from './activity.ts';
import type { AppContext } from './app-context.ts';
import { folderView } from './app-state.ts';
import { HeapRelease } from './heap-release.ts';
import { moveAcrossDisks } from './move-folder.ts';
import type { FolderRecord } from './settings-store.ts';
import { TimeLeft } from './time-left.ts';
import { messageOf } from './user-errors.ts';

export interface FolderRuntime {
  readonly record: FolderRecord;
  engine: FolderSync | undefined;
  status: FolderStatus | undefined;
  /** Why the folder is not syncing (could not open, signed out…). */
  problem: string | undefined;
  /** Added with chooseFirst: nothing is transferred until selective.apply. */
  waitingForChoice: boolean;
  progress: FolderView['progress'];
  readonly timeLeft: TimeLeft;
}

const PAUSE_MS: Record<Exclude<PauseDuration, 'untilResumed'>, number> = { '30m': 30 * 60_000, '1h': 60 * 60_000 };

/** Device-name look-ups for activity rows in flight at most. */
const MAX_LABEL_LOOKUPS = 4;

export function folderStateDir(stateDir: string, folderId: string): string {
  return join(stateDir, 'folders', folderId);
}

export class FoldersService {
  readonly #ctx: AppContext;
  readonly #accounts: AccountsService;
  readonly #activity: ActivityLog;
  readonly #changed: () => void;
  readonly #runtimes = new Map<string, FolderRuntime>();
  readonly #upload = new BandwidthLimiter(0);
  readonly #download = new BandwidthLimiter(0);
  /** One collection once every folder is quiet after work (heap-release.ts). */
  readonly #heap = new HeapRelease();
  #pauseTimer: NodeJS.Timeout | undefined;
  #labelLookups = 0;
  readonly #statusListeners: ((runtime: FolderRuntime, status: FolderStatus) => void)[] = [];
  #held: 'metered' | null = null;
  #leaveOut: ((runtime: FolderRuntime, trees: { local: Tree; remote: Tree; synced: Tree }, excluded: ReadonlySet<string>) => readonly string[]) | undefined;

  constructor(ctx: AppContext, accounts: AccountsService, activity: ActivityLog, changed: () => void) {
    this.#ctx = ctx;
    this.#accounts = accounts;
    this.#activity = activity;
    this.#changed = changed;
  }

  /** The engines' pre-plan hook (FolderSyncOptions.leaveOut): server folders to leave out. */
  setLeaveOut(decide: (runtime: FolderRuntime, trees: { local: Tree; remote: Tree; synced: Tree }, excluded: ReadonlySet<string>) => readonly string[]): void {
    this.#leaveOut = decide;
  }

  /** Told every engine status as it arrives, synchronously (before the pass goes on). */
  onFolderStatus(listener: (runtime: FolderRuntime, status: FolderStatus) => void): void {
    this.#statusListeners.push(listener);
  }

  runtimes(): FolderRuntime[] {
    return [...this.#runtimes.values()];
  }

  get(folderId: string): FolderRuntime {
    const runtime = this.#runtimes.get(folderId);
    if (!runtime) throw new TandemError('not_found', 'That folder is not synced by Tandem any more. Refresh the window.');
    return runtime;
  }

  /** The folder's running engine, or why there is none. */
  engine(folderId: string): FolderSync {
    const runtime = this.get(folderId);
    if (!runtime.engine) throw new TandemError('conflict', runtime.problem ?? 'That folder is still starting. Try again in a moment.');
    return runtime.engine;
  }

  /** The person's own pause (30 minutes, an hour, until resumed). */
  get paused(): boolean {
    return this.#ctx.settings.current.pause !== null;
  }

  /** Why the folders are held without the person pausing them (a metered network), or null. */
  get held(): string | null {
    return this.#held === 'metered' ? 'Paused on a metered network; syncing goes on by itself on another network' : null;
  }

  /** True while engines must not run: the person's pause or a hold. */
  get stopped(): boolean {
    return this.paused || this.#held !== null;
  }

  /** Holds every folder for a reason, or (null) lets them go unless the person paused them. */
  async setHeld(reason: 'metered' | null): Promise<void> {
    if (reason === this.#held) return;
    this.#held = reason;
    for (const runtime of this.#runtimes.values()) {
      if (reason !== null) runtime.engine?.pause();
      else if (!this.paused && !runtime.waitingForChoice) runtime.engine?.resume();
    }
    this.#changed();
  }

  get pausedUntil(): number | null {
    return this.#ctx.settings.current.pause?.until ?? null;
  }

  /** Opens every folder in the settings (at start), honouring a pause that is still on. */
  async openAll(): Promise<void> {
    this.applyBandwidth();
    const pause = this.#ctx.settings.current.pause;
    if (pause?.until !== null && pause?.until !== undefined && pause.until <= this.#ctx.now()) await this.#ctx.settings.update((s) => ({ ...s, pause: null }));
    this.#armPauseTimer();
    for (const record of this.#ctx.settings.current.folders) await this.#open(record, { chooseFirst: false });
  }

  applyBandwidth(): void {
    const { uploadKiBps, downloadKiBps } = this.#ctx.settings.current.bandwidth;
    this.#upload.setRate(uploadKiBps * 1024);
    this.#download.setRate(downloadKiBps * 1024);
  }

  async #open(record: FolderRecord, options: { chooseFirst: boolean }): Promise<FolderRuntime> {
    const runtime: FolderRuntime = this.#runtimes.get(record.id) ?? {
      record,
      engine: undefined,
      status: undefined,
      problem: undefined,
      waitingForChoice: false,
      progress: null,
      timeLeft: new TimeLeft(),
    };
    this.#runtimes.set(record.id, runtime);
    try {
      const account = this.#accounts.account(record.accountId);
      if (!account) throw new TandemError('unauthorized', 'This folder\'s account is signed out. Sign in again to keep syncing.');
      const client = await this.#accounts.clientFor(record.accountId);
      const hasher = await getHasher();
      const settings = this.#ctx.settings.current;
      const engine = await FolderSync.open({
        ...this.#ctx.options.engine,
        folder: record.path,
        stateDir: folderStateDir(this.#ctx.options.stateDir, record.id),
        client,
        rootId: account.rootId,
        device: settings.deviceName,
        massDelete: { minCount: settings.massDelete.minCount, fraction: settings.massDelete.percent / 100 },
        // Bandwidth limits: the engine's remote port, built with the app's shared limiters.
        wrapPorts: (ports) => {
          const limited = { ...ports, remote: remoteOps(client, { hasher, upload: this.#upload, download: this.#download }) };
          return this.#ctx.options.engine?.wrapPorts ? this.#ctx.options.engine.wrapPorts(limited) : limited;
        },
        leaveOut: (trees, excluded) => this.#leaveOut?.(runtime, trees, excluded) ?? [],
        onStatus: (status) => {
          this.#heap.observe(status.state);
          runtime.status = status;
          runtime.progress = status.progress && status.state === 'syncing' ? runtime.timeLeft.update(status.progress, this.#ctx.now()) : null;
          if (!runtime.progress) runtime.timeLeft.reset();
          for (const listener of this.#statusListeners) listener(runtime, status);
          this.#changed();
        },
        onOperation: (executed) => {
          const entry = this.#activity.record(record.id, executed, this.#ctx.now(), this.#accounts.thisComputerLabel());
          if (!entry) return;
          const op = executed.operation;
          // A file another computer wrote: name that computer (from the version it made) when a
          // look-up is cheap now; during a big download most rows just say "Another computer".
          if (op.kind === 'download' && this.#labelLookups < MAX_LABEL_LOOKUPS) {
            this.#labelLookups += 1;
            void client
              .versions(op.id)
              .then(async (versions) => {
                const made = versions.find((v) => v.content_version === op.contentVersion) ?? versions.find((v) => v.current);
                const label = await this.#accounts.deviceLabel(record.accountId, made?.device_id ?? null);
                entry.device = label.device;
                entry.thisComputer = label.thisComputer;
              })
              .catch(() => undefined)
              .finally(() => {
                this.#labelLookups -= 1;
                this.#ctx.events.emit('app.activity', entry);
              });
          } else this.#ctx.events.emit('app.activity', entry);
        },
      });
      runtime.engine = engine;
      runtime.problem = undefined;
      if (this.stopped) engine.pause();
      if (options.chooseFirst) {
        // Read the server's tree now so the folders can be chosen; transfer nothing yet.
        await pullRemoteTree(client, engine.index, account.rootId);
        runtime.waitingForChoice = true;
      } else await engine.start();
    } catch (error) {
      runtime.problem = `This folder is not syncing: ${messageOf(error)}`;
    }
    this.#changed();
    return runtime;
  }

  /** Starts a folder that was waiting for the first choice of what to sync. */
  async startAfterChoice(folderId: string): Promise<void> {
    const runtime = this.get(folderId);
    if (!runtime.waitingForChoice || !runtime.engine) return;
    runtime.waitingForChoice = false;
    await runtime.engine.start();
    this.#changed();
  }

  async #checkNewPath(path: string): Promise<string> {
    if (!isAbsolute(path)) throw new TandemError('bad_request', `Choose the folder by its full path (like /home/ada/Tandem), not "${path}".`);
    const folder = resolve(path);
    const stateDir = resolve(this.#ctx.options.stateDir);
    const inside = (parent: string, child: string) => {
      const rel = relative(parent, child);
      return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
    };
    if (inside(stateDir, folder) || inside(folder, stateDir)) {
      throw new TandemError('bad_request', `${folder} holds Tandem's own state (or is inside it); choose another folder.`);
    }
    for (const runtime of this.#runtimes.values()) {
      if (inside(runtime.record.path, folder) || inside(folder, runtime.record.path)) {
        throw new TandemError('bad_request', `${folder} overlaps ${runtime.record.path}, which Tandem already syncs; choose a separate folder.`);
      }
    }
    try {
      if (!(await stat(folder)).isDirectory()) throw new TandemError('bad_request', `${folder} is a file, not a folder; choose a folder.`);
    } catch (error) {
      if (error instanceof TandemError) throw error;
      // Missing: the engine creates it.
    }
    return folder;
  }

  async add(args: { path: string; accountId?: string | undefined; chooseFirst?: boolean | undefined }): Promise<FolderRuntime> {
    const accounts = this.#ctx.settings.current.accounts;
    const accountId = args.accountId ?? (accounts.length === 1 ? accounts[0]!.id : undefined);
    if (!accountId || !accounts.some((a) => a.id === accountId)) {
      throw new TandemError('bad_request', accounts.length === 0 ? 'Sign in to a server first, then choose the folder.' : 'Choose which account this folder syncs with.');
    }
    const path = await this.#checkNewPath(args.path);
    const taken = this.runtimes().find((r) => r.record.accountId === accountId);
    if (taken) throw new TandemError('conflict', `This account already syncs to ${taken.record.path}; each account syncs one folder on this computer.`);
    const record: FolderRecord = { id: randomUUID(), accountId, path };
    await this.#ctx.settings.update((s) => ({ ...s, folders: [...s.folders, record] }));
    const runtime = await this.#open(record, { chooseFirst: args.chooseFirst ?? false });
    if (runtime.problem && !runtime.engine) {
      // Nothing was set up: take the folder out again, so trying again starts clean.
      await this.remove(record.id);
      throw new TandemError('internal', runtime.problem);
    }
    return runtime;
  }

  /** Stops syncing the folder and forgets its index; the files stay where they are. */
  async remove(folderId: string): Promise<void> {
    const runtime = this.get(folderId);
    this.#runtimes.delete(folderId);
    await runtime.engine?.close();
    await this.#ctx.settings.update((s) => {
      const { [folderId]: _asked, ...largeFoldersAsked } = s.largeFoldersAsked;
      return { ...s, folders: s.folders.filter((f) => f.id !== folderId), largeFoldersAsked };
    });
    await rm(folderStateDir(this.#ctx.options.stateDir, folderId), { recursive: true, force: true });
    this.#changed();
  }

  /**
   * Moves the folder on disk (same disk: one rename; another disk: copied, checked, then the
   * original removed) and syncs it from there. The index is tied to
   * the folder's place, so the moved folder starts a fresh one: the first pass finds every file
   * already equal to the server's and transfers nothing; left-out folders stay left out.
   */
  async move(folderId: string, newPath: string): Promise<FolderRuntime> {
    const runtime = this.get(folderId);
    const target = await this.#checkNewPath(newPath);
    try {
      const entries = await readdir(target);
      if (entries.length > 0) throw new TandemError('bad_request', `${target} already has files in it; choose an empty or new folder.`);
      await rm(target, { recursive: true });
    } catch (error) {
      if (error instanceof TandemError) throw error;
    }
    const excluded = runtime.engine ? [...runtime.engine.index.excludedIds()] : [];
    await runtime.engine?.close();
    runtime.engine = undefined;
    try {
      await mkdir(join(target, '..'), { recursive: true });
      try {
        await rename(runtime.record.path, target);
      } catch (error) {
        // Another disk: copy, check, then remove the original (a failure keeps the original whole).
        if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
        await moveAcrossDisks(runtime.record.path, target);
      }
    } catch (error) {
      // Put the folder back to work where it was.
      await this.#open(runtime.record, { chooseFirst: false });
      throw new TandemError('bad_request', `The folder could not be moved, so it stays at ${runtime.record.path}: ${messageOf(error)}`);
    }
    const record: FolderRecord = { id: randomUUID(), accountId: runtime.record.accountId, path: target };
    this.#runtimes.delete(folderId);
    await this.#ctx.settings.update((s) => {
      // The large folders already asked about stay asked about under the folder's new id.
      const { [folderId]: asked, ...others } = s.largeFoldersAsked;
      return { ...s, folders: s.folders.map((f) => (f.id === folderId ? record : f)), largeFoldersAsked: asked ? { ...others, [record.id]: asked } : others };
    });
    await rm(folderStateDir(this.#ctx.options.stateDir, folderId), { recursive: true, force: true });
    const moved = await this.#open(record, { chooseFirst: true });
    if (moved.engine) {
      moved.engine.index.setExcludedIds(excluded);
      await this.startAfterChoice(record.id);
    }
    return moved;
  }

  async pause(duration: PauseDuration): Promise<void> {
    const until = duration === 'untilResumed' ? null : this.#ctx.now() + PAUSE_MS[duration];
    await this.#ctx.settings.update((s) => ({ ...s, pause: { until } }));
    for (const runtime of this.#runtimes.values()) runtime.engine?.pause();
    this.#armPauseTimer();
    this.#changed();
  }

  async resume(): Promise<void> {
    if (this.#pauseTimer) clearTimeout(this.#pauseTimer);
    this.#pauseTimer = undefined;
    await this.#ctx.settings.update((s) => ({ ...s, pause: null }));
    // Still held (a metered network): the person's resume takes effect once the hold ends.
    if (this.#held === null) for (const runtime of this.#runtimes.values()) if (!runtime.waitingForChoice) runtime.engine?.resume();
    this.#changed();
  }

  #armPauseTimer(): void {
    if (this.#pauseTimer) clearTimeout(this.#pauseTimer);
    this.#pauseTimer = undefined;
    const until = this.#ctx.settings.current.pause?.until;
    if (until === null || until === undefined) return;
    this.#pauseTimer = setTimeout(() => void this.resume(), Math.max(0, until - this.#ctx.now()));
    this.#pauseTimer.unref();
  }

  /** Looks for changes now; resolves when the folder(s) are quiet (or stopped to ask). */
  async syncNow(folderId?: string): Promise<void> {
    const targets = folderId ? [this.get(folderId)] : this.runtimes();
    for (const runtime of targets) {
      if (runtime.engine && !runtime.waitingForChoice && !this.stopped) await runtime.engine.runUntilIdle();
    }
  }

  /** Closes and opens every engine again (settings the engines read only when opened changed). */
  async reopenAll(): Promise<void> {
    for (const runtime of this.runtimes()) {
      if (runtime.waitingForChoice) continue;
      await runtime.engine?.close();
      runtime.engine = undefined;
      await this.#open(runtime.record, { chooseFirst: false });
    }
  }

  /** Stops every folder of an account (sign-out); their files stay. */
  async closeAccount(accountId: string): Promise<void> {
    for (const runtime of this.runtimes()) {
      if (runtime.record.accountId !== accountId) continue;
      await this.remove(runtime.record.id);
    }
  }

  async close(): Promise<void> {
    this.#heap.stop();
    if (this.#pauseTimer) clearTimeout(this.#pauseTimer);
    for (const runtime of this.#runtimes.values()) await runtime.engine?.close().catch(() => undefined);
    this.#runtimes.clear();
  }

  view(runtime: FolderRuntime): FolderView {
    const account = this.#accounts.account(runtime.record.accountId);
    return folderView(runtime, { paused: this.paused, held: this.held, server: account?.server ?? '', user: account?.user ?? '' });
  }

  readonly handlers: Pick<IpcHandlers, 'folders.add' | 'folders.move'> = {
    'folders.add': async (args) => this.view(await this.add(args)),
    'folders.move': async ({ folderId, newPath }) => this.view(await this.move(folderId, newPath)),
  };
}
