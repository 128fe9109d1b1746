// The app's brain: owns accounts, folders and settings, and implements the IPC contract that the
// renderer speaks. Both shells (Electron and the headless host) wrap one App.
//
// It is a set of small services, composed once in a fixed order like Fastify plugins -- settings
// and credentials first, then accounts, folders, and the services built on them (conflicts,
// history, selective sync, settings, health) -- each handed what it uses, each answering its own
// slice of the contract. The App merges the slices into one handler table (the type checker
// proves every request is answered) and turns the engines' status into `app.state` events.
import { EventEmitter } from 'node:events';
import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { TandemError } from '../../src-shared/errors.ts';
import {
  type AppState,
  type FolderInspection,
  type IpcEventName,
  type IpcEventPayload,
  type IpcHandlers,
  ipcRequests,
  type IpcRequestName,
  type ShowScreen,
} from '../../src-shared/ipc/contract.ts';
import { AccountsService } from './accounts.ts';
import { ActivityLog } from './activity.ts';
import { AppLog } from './app-log.ts';
import type { AppContext, AppOptions } from './app-context.ts';
import { appState } from './app-state.ts';
import { ConflictsService } from './conflicts.ts';
import { credentialStoreWith } from './credentials.ts';
import { FoldersService } from './folders.ts';
import { HealthService } from './health.ts';
import { HistoryService } from './history.ts';
import { LargeFolderGuard } from './large-folders.ts';
import { MeteredPause, meteredSourceFor } from './metered.ts';
import { NotificationLimiter } from './notifications.ts';
import { SelectiveSyncService } from './selective.ts';
import { SettingsService } from './settings.ts';
import { peekSettings, SettingsStore } from './settings-store.ts';
import { describeBytes } from './time-left.ts';
import { messageOf } from './user-errors.ts';

export type { AppOptions } from './app-context.ts';

/** One event as a (name, payload) pair; a listener that checks the name gets the payload's type. */
export type AppEvent = { [N in IpcEventName]: [name: N, payload: IpcEventPayload<N>] }[IpcEventName];
export type AppEventListener = (...event: AppEvent) => void;

interface Services {
  ctx: AppContext;
  settingsStore: SettingsStore;
  accounts: AccountsService;
  activity: ActivityLog;
  folders: FoldersService;
  conflicts: ConflictsService;
  history: HistoryService;
  selective: SelectiveSyncService;
  settings: SettingsService;
  health: HealthService;
  notifications: NotificationLimiter;
  largeFolders: LargeFolderGuard;
  metered: MeteredPause;
  handlers: IpcHandlers;
}

/** How many files inspectFolder looks at before saying "more than". */
const INSPECT_LIMIT = 20_000;

export class App {
  /** One handler per request; each waits for the app to finish opening. */
  readonly handlers: IpcHandlers;
  /** The log in the logs folder Preferences shows; the shells add their own lines. */
  readonly log: AppLog;
  /** Each folder's last logged phase, so the log has changes of state, not every progress tick. */
  private readonly loggedPhases = new Map<string, string>();
  private readonly options: AppOptions;
  private readonly events = new EventEmitter();
  private readonly opening: Promise<Services>;
  private opened: Services | undefined;
  private emitScheduled = false;
  private stateDirty = false;
  private lastConflictCount = 0;
  private lastErrorCount = 0;
  private lastQuestionCount = 0;
  private closed = false;

  constructor(options: AppOptions) {
    this.options = options;
    this.log = new AppLog(join(options.stateDir, 'logs'), options.now ? { now: options.now } : {});
    this.log.write(`Tandem ${options.version} starting`);
    this.opening = this.open().then((services) => {
      // Whoever drew the state before opening (the tray) hears the real one, if it differs.
      const before = JSON.stringify(this.state());
      this.opened = services;
      if (JSON.stringify(this.stateOf(services)) !== before) this.scheduleState();
      return services;
    });
    // A failed open is reported by every request; never an unhandled rejection.
    this.opening.catch(() => undefined);
    const handlers: Record<string, (args: unknown) => Promise<unknown>> = {};
    for (const name of Object.keys(ipcRequests) as IpcRequestName[]) {
      handlers[name] = async (args) => {
        const services = await this.services();
        return (services.handlers[name] as (args: unknown) => Promise<unknown>)(args);
      };
    }
    this.handlers = handlers as IpcHandlers;
  }

  /** Resolves once settings are read and every folder has been opened. */
  async ready(): Promise<void> {
    await this.services();
  }

  private async services(): Promise<Services> {
    try {
      return await this.opening;
    } catch (error) {
      throw new TandemError('internal', `Tandem could not open its state folder ${this.options.stateDir}: ${messageOf(error)} Check that it exists and is writable, then restart Tandem.`);
    }
  }

  private async open(): Promise<Services> {
    const settingsStore = await SettingsStore.open(this.options.stateDir);
    const credentials = this.options.credentials ?? (await credentialStoreWith(this.options.stateDir, this.options.cipher, this.options.keyring));
    const ctx: AppContext = {
      options: this.options,
      settings: settingsStore,
      credentials,
      events: { emit: (name, payload) => this.emit(name, payload) },
      now: this.options.now ?? Date.now,
    };
    const accounts = new AccountsService(ctx);
    const activity = new ActivityLog(join(this.options.stateDir, 'activity.json'));
    await activity.load();
    const folders = new FoldersService(ctx, accounts, activity, () => this.scheduleState());
    const conflicts = new ConflictsService(ctx, folders, accounts);
    const history = new HistoryService(ctx, folders, accounts, activity);
    const selective = new SelectiveSyncService(folders);
    const metered = new MeteredPause(ctx, folders, this.options.metered ?? meteredSourceFor(process.platform));
    const settings = new SettingsService(ctx, folders, accounts, metered);
    // The limiter before the guard, which tells it about folders it held back.
    const notifications = new NotificationLimiter({
      now: ctx.now,
      enabled: () => settingsStore.current.notifications,
      show: (notification) => {
        this.log.write(`notified: ${notification.title}. ${notification.body}`);
        this.emit('app.notification', notification);
      },
      ...(this.options.notificationSchedule ? { schedule: this.options.notificationSchedule } : {}),
    });
    const largeFolders = new LargeFolderGuard(ctx, folders, (held) => {
      const detail = held.length === 1 ? `A new folder on the server, ${held[0]!.path}, is larger than your limit and was not downloaded` : `${held.length} new folders on the server are larger than your limit and were not downloaded`;
      notifications.offer({ kind: 'question', count: held.length, detail });
      this.scheduleState();
    });
    const health = new HealthService(ctx, folders, accounts, () => settingsStore.warning, () => largeFolders.items());
    const services = { ctx, settingsStore, accounts, activity, folders, conflicts, history, selective, settings, health, notifications, largeFolders, metered } as Omit<Services, 'handlers'>;

    const own: Pick<
      IpcHandlers,
      | 'app.getState'
      | 'app.setPaused'
      | 'app.pause'
      | 'app.resume'
      | 'app.syncNow'
      | 'app.openFolder'
      | 'setup.inspectFolder'
      | 'setup.defaults'
      | 'folders.remove'
      | 'account.signOut'
      | 'activity.list'
      | 'health.answerMassDelete'
    > = {
      'app.getState': async () => this.stateOf(services),
      'app.setPaused': async ({ paused }) => {
        if (paused) await folders.pause('untilResumed');
        else await folders.resume();
        return this.publishState(services);
      },
      'app.pause': async ({ duration }) => {
        await folders.pause(duration);
        return this.publishState(services);
      },
      'app.resume': async () => {
        await folders.resume();
        return this.publishState(services);
      },
      'app.syncNow': async ({ folderId }) => {
        await folders.syncNow(folderId);
        return this.publishState(services);
      },
      'app.openFolder': async ({ folderId, path }) => {
        const record = settingsStore.current.folders.find((f) => f.id === folderId);
        if (!record) throw new TandemError('not_found', 'That folder is not synced any more. Refresh the window.');
        const parents = path === undefined ? [] : path.split('/').slice(0, -1);
        if (parents.some((part) => part === '' || part === '.' || part === '..')) throw new TandemError('bad_request', 'That is not a place inside the synced folder.');
        const target = join(record.path, ...parents);
        if (!this.options.openPath) return { opened: false, message: `This window cannot open folders. It is at ${target}` };
        const failure = await this.options.openPath(target);
        return failure ? { opened: false, message: `Couldn't open ${target}. ${failure}` } : { opened: true, message: `Opened ${target}` };
      },
      'setup.inspectFolder': ({ path }) => inspectFolder(path, this.options.stateDir),
      'setup.defaults': async () => ({ folder: join(homedir(), 'Tandem'), deviceName: settingsStore.current.deviceName }),
      'folders.remove': async ({ folderId }) => {
        await folders.remove(folderId);
        return this.publishState(services);
      },
      'account.signOut': async ({ accountId }) => {
        const all = settingsStore.current.accounts;
        const id = accountId ?? (all.length === 1 ? all[0]!.id : undefined);
        if (!id || !all.some((a) => a.id === id)) throw new TandemError('bad_request', all.length === 0 ? 'This computer is not signed in.' : 'Choose which account to sign out of.');
        await folders.closeAccount(id);
        await accounts.signOut(id);
        return this.publishState(services);
      },
      'activity.list': async ({ limit }) => ({ entries: activity.list(limit ?? 20) }),
      'health.answerMassDelete': async ({ folderId, batchKey, answer }) => {
        const engine = folders.engine(folderId);
        if (!engine.status.questions.some((q) => q.batchKey === batchKey)) throw new TandemError('not_found', 'That question was already answered. Refresh the window.');
        await engine.answer(batchKey, answer);
        return this.publishState(services);
      },
    };

    const handlers: IpcHandlers = {
      ...own,
      ...accounts.handlers,
      ...folders.handlers,
      ...conflicts.handlers,
      ...history.handlers,
      ...selective.handlers,
      ...settings.handlers,
      ...health.handlers,
    };

    // Start in order: the hosted server (folders may sync with it), then the folders.
    await accounts.startHostedIfAny();
    await folders.openAll();
    await metered.start();
    return { ...services, handlers };
  }

  private stateOf(services: Omit<Services, 'handlers'>): AppState {
    const { folders, settingsStore, health } = services;
    const views = folders.runtimes().map((runtime) => folders.view(runtime));
    const settings = settingsStore.current;
    return appState({
      version: this.options.version,
      folders: views,
      setUp: settings.accounts.length > 0 && settings.folders.length > 0,
      paused: folders.paused,
      pausedUntil: folders.pausedUntil,
      held: folders.held,
      // Only app-level warnings and held-back folders: the folders count their own items.
      warnings: health.warnings().length + services.largeFolders.count(),
    });
  }

  /** Coalesces the many status changes of a busy moment into one `app.state` event per tick. */
  private scheduleState(): void {
    this.stateDirty = true;
    if (this.emitScheduled || this.closed) return;
    this.emitScheduled = true;
    setImmediate(() => {
      this.emitScheduled = false;
      if (this.stateDirty) void this.opening.then((services) => this.publishState(services)).catch(() => undefined);
    });
  }

  /** Sends `app.state` now (an action's own change reaches renderers before its answer does). */
  private publishState(services: Omit<Services, 'handlers'>): AppState {
    this.stateDirty = false;
    const state = this.stateOf(services);
    if (this.closed) return state;
    this.emit('app.state', state);
    for (const folder of state.folders) {
      if (this.loggedPhases.get(folder.id) === folder.phase) continue;
      this.loggedPhases.set(folder.id, folder.phase);
      this.log.write(`folder ${folder.path}: ${folder.phase} — ${folder.summary}`);
    }
    // Desktop notifications for what is new since the last state; the limiter decides whether
    // and when (the preference, one per kind a minute, bursts collapsed).
    const errors = state.folders.filter((f) => f.phase === 'error');
    const questions = services.folders.runtimes().reduce((sum, r) => sum + (r.status?.questions.length ?? 0), 0);
    if (state.conflictCount > this.lastConflictCount) services.notifications.offer({ kind: 'conflict', count: state.conflictCount - this.lastConflictCount });
    if (errors.length > this.lastErrorCount) services.notifications.offer({ kind: 'error', count: errors.length - this.lastErrorCount, detail: errors[0]!.summary });
    if (questions > this.lastQuestionCount) {
      const waiting = state.folders.find((f) => f.summary.startsWith('Tandem is waiting'));
      services.notifications.offer({ kind: 'question', count: questions - this.lastQuestionCount, ...(waiting ? { detail: waiting.summary } : {}) });
    }
    this.lastQuestionCount = questions;
    this.lastConflictCount = state.conflictCount;
    this.lastErrorCount = errors.length;
    if (state.conflictCount > 0 && services.settingsStore.current.conflictDefault !== 'ask') void services.conflicts.applyDefault().catch(() => undefined);
    return state;
  }

  /** The current state, at once (the tray draws it without a request); "Starting" while opening. */
  state(): AppState {
    if (this.opened) return this.stateOf(this.opened);
    const peek = peekSettings(this.options.stateDir);
    const setUp = peek.accounts.length > 0 && peek.folders.length > 0;
    return appState({ version: this.options.version, folders: [], setUp, paused: peek.pause !== null, pausedUntil: peek.pause?.until ?? null, warnings: 0, starting: setUp });
  }

  /** Asks the window(s) to show a screen: the tray menu's "Resolve conflicts…", "Preferences…". */
  show(screen: ShowScreen['screen']): void {
    this.emit('app.show', { screen });
  }

  /** Subscribes to every event the app emits; returns the unsubscribe function. */
  onEvent(listener: AppEventListener): () => void {
    const wrapped = (name: IpcEventName, payload: unknown) => listener(...([name, payload] as AppEvent));
    this.events.on('event', wrapped);
    return () => this.events.off('event', wrapped);
  }

  /** Stops every engine and the hosted server; the app answers nothing afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const services = await this.opening.catch(() => undefined);
    if (!services) return;
    services.notifications.close();
    services.metered.close();
    await services.folders.close();
    await services.accounts.close();
    await services.activity.flush().catch(() => undefined);
    this.log.write('Tandem stopped');
    await this.log.flush();
  }

  private emit<N extends IpcEventName>(name: N, payload: IpcEventPayload<N>): void {
    this.events.emit('event', name, payload);
  }
}

/** What choosing this folder would mean, said before anything happens. */
export async function inspectFolder(path: string, stateDir: string): Promise<FolderInspection> {
  if (!isAbsolute(path)) return { path, exists: false, files: 0, bytes: 0, usable: false, message: 'Choose the folder by its full path.' };
  const folder = resolve(path);
  if (folder === resolve(stateDir) || folder.startsWith(`${resolve(stateDir)}/`)) {
    return { path: folder, exists: true, files: 0, bytes: 0, usable: false, message: "That is where Tandem keeps its own state; choose another folder." };
  }
  let info;
  try {
    info = await stat(folder);
  } catch {
    return { path: folder, exists: false, files: 0, bytes: 0, usable: true, message: 'Tandem will create this folder and put your files in it.' };
  }
  if (!info.isDirectory()) return { path: folder, exists: true, files: 0, bytes: 0, usable: false, message: 'That is a file, not a folder; choose a folder.' };
  let files = 0;
  let bytes = 0;
  let more = false;
  try {
    for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      if (files >= INSPECT_LIMIT) {
        more = true;
        break;
      }
      files += 1;
      bytes += (await stat(join(entry.parentPath, entry.name)).catch(() => ({ size: 0 }))).size;
    }
  } catch (error) {
    return { path: folder, exists: true, files: 0, bytes: 0, usable: false, message: `Tandem cannot read that folder (${messageOf(error)}); choose another or check its permissions.` };
  }
  if (files === 0) return { path: folder, exists: true, files, bytes, usable: true, message: 'The folder is empty; Tandem will fill it with your files from the server.' };
  return {
    path: folder,
    exists: true,
    files,
    bytes,
    usable: true,
    message:
      `This folder already has ${more ? 'more than ' : ''}${files} file${files === 1 ? '' : 's'} (${describeBytes(bytes)}). ` +
      'Tandem keeps them and adds them to your other computers; where a file differs from the server’s, both versions are kept.',
  };
}
