// The typed IPC contract between the app (src-main/app) and the renderer: every request name maps
// to a schema for its arguments and one for its result, every event name to a payload schema.
// Both transports (Electron IPC and the loopback WebSocket) carry exactly these messages, and the
// receiving side validates each one against this file. The shapes themselves live in models.ts.
//
// Every sentence the app sends (summary, message, title, fix) is for people: plain words, no
// "item_id", "cursor" or "etag" (UI.md "Manner").
import { z } from 'zod';
import {
  ActivityEntry,
  ActivityList,
  AppState,
  ConflictChoice,
  ConflictDetail,
  ConflictList,
  ConflictResolution,
  ConflictUndone,
  DeletedFileList,
  DeletedRestore,
  Diagnostics,
  FolderInspection,
  FolderView,
  HealthReport,
  HostedServer,
  IgnoreRules,
  MassDeleteAnswer,
  Notification,
  PauseDuration,
  SelectiveApplied,
  SelectiveListing,
  SelectivePreview,
  ServerCheck,
  SetupDefaults,
  SettingsPatch,
  SettingsView,
  ShowScreen,
  SignedInAccount,
  VersionList,
  VersionRestored,
  VersionSaved,
} from './models.ts';

export * from './models.ts';

const NoArgs = z.object({}).strict();
const folderId = z.string().min(1).max(100);
/** A path inside a synced folder, '/'-separated, as the app reports it. */
const relativePath = z.string().min(1).max(4096);
const itemId = z.string().min(1).max(100);

export const ipcRequests = {
  // --- overall status and pausing ---------------------------------------------------------------
  'app.getState': { args: NoArgs, result: AppState },
  /** Kept for the first popover: true = pause until resumed, false = resume. */
  'app.setPaused': { args: z.object({ paused: z.boolean() }).strict(), result: AppState },
  'app.pause': { args: z.object({ duration: PauseDuration }).strict(), result: AppState },
  'app.resume': { args: NoArgs, result: AppState },
  /** Looks for changes now and resolves when the folder (or every folder) is quiet again. */
  'app.syncNow': { args: z.object({ folderId: folderId.optional() }).strict(), result: AppState },
  /**
   * Shows a synced folder, or the folder a file is in, in the file manager. A shell that cannot
   * (the headless host) answers opened: false with where the folder is, in a sentence.
   */
  'app.openFolder': { args: z.object({ folderId, path: relativePath.optional() }).strict(), result: z.object({ opened: z.boolean(), message: z.string() }) },

  // --- first run: where the server is, who you are, which folder -----------------------------------
  /** What the wizard suggests: the folder (~/Tandem) and this computer's name. */
  'setup.defaults': { args: NoArgs, result: SetupDefaults },
  /** Is there a Tandem server at this address? (Before asking for a password.) */
  'setup.checkServer': { args: z.object({ server: z.string().min(1).max(2000) }).strict(), result: ServerCheck },
  'setup.signIn': {
    args: z.object({ server: z.string().min(1).max(2000), user: z.string().min(1).max(200), password: z.string().min(1).max(1024), deviceName: z.string().min(1).max(200).optional() }).strict(),
    result: SignedInAccount,
  },
  /** "Host on this computer": starts the server inside the app, makes the account, signs in. */
  'setup.hostHere': {
    args: z
      .object({
        user: z.string().min(1).max(200),
        password: z.string().min(8).max(1024),
        port: z.number().int().min(0).max(65535).optional(),
        /** This computer's name, as setup.signIn takes it. */
        deviceName: z.string().min(1).max(200).optional(),
      })
      .strict(),
    result: SignedInAccount,
  },
  /** What choosing this folder would mean ("it already has 12 files; they will be added"). */
  'setup.inspectFolder': { args: z.object({ path: z.string().min(1).max(4096) }).strict(), result: FolderInspection },
  'folders.add': {
    /**
     * chooseFirst: look at the server's folders but transfer nothing until `selective.apply` (the
     * first-run "choose what to sync" step); otherwise syncing starts at once.
     */
    args: z.object({ path: z.string().min(1).max(4096), accountId: z.string().max(100).optional(), chooseFirst: z.boolean().optional() }).strict(),
    result: FolderView,
  },
  /** Stops syncing a folder; its files stay on disk. */
  'folders.remove': { args: z.object({ folderId }).strict(), result: AppState },
  /** Moves the synced folder to another place on this computer ("folder location"). */
  'folders.move': { args: z.object({ folderId, newPath: z.string().min(1).max(4096) }).strict(), result: FolderView },
  /** Signs this computer out: syncing stops, the files stay, the saved sign-in is forgotten. */
  'account.signOut': { args: z.object({ accountId: z.string().max(100).optional() }).strict(), result: AppState },

  // --- activity -----------------------------------------------------------------------------------
  'activity.list': { args: z.object({ limit: z.number().int().min(1).max(200).optional() }).strict(), result: ActivityList },

  // --- conflicts ------------------------------------------------------------------------------------
  'conflicts.list': { args: NoArgs, result: ConflictList },
  /** One conflict with its preview: a line diff for text, both images, or file type and size. */
  'conflicts.get': { args: z.object({ conflictId: z.string().min(1).max(5000) }).strict(), result: ConflictDetail },
  /** Resolves one or many with the same rule; `remember` makes it the default for new ones. */
  'conflicts.resolve': {
    args: z
      .object({
        conflictIds: z.array(z.string().min(1).max(5000)).min(1).max(10_000),
        choice: ConflictChoice,
        remember: z.boolean().optional(),
        /** Hold the choice for a few seconds (the dialog's Undo) before changing anything on disk. */
        undoable: z.boolean().optional(),
      })
      .strict(),
    result: ConflictResolution,
  },
  /** Takes back an undoable choice still inside its few seconds: the conflicts are listed again, nothing changed. */
  'conflicts.undo': { args: z.object({ undoId: z.string().min(1).max(100) }).strict(), result: ConflictUndone },
  /** Applies an undoable choice now instead of at the end of its few seconds (the dialog closed). */
  'conflicts.applyNow': { args: z.object({ undoId: z.string().min(1).max(100) }).strict(), result: ConflictResolution },

  // --- selective sync -------------------------------------------------------------------------------
  /** The server's folders inside `parentId` (the top when absent), with sizes and check states. */
  'selective.list': { args: z.object({ folderId, parentId: itemId.optional() }).strict(), result: SelectiveListing },
  /** What applying this set of left-out folders would free or download, before doing it. */
  'selective.preview': { args: z.object({ folderId, excludedIds: z.array(itemId).max(10_000) }).strict(), result: SelectivePreview },
  'selective.apply': { args: z.object({ folderId, excludedIds: z.array(itemId).max(10_000) }).strict(), result: SelectiveApplied },

  // --- version history and deleted files --------------------------------------------------------------
  'history.versions': { args: z.object({ folderId, path: relativePath }).strict(), result: VersionList },
  /** Makes an old version the current one; the current one stays in history. */
  'history.restoreVersion': { args: z.object({ folderId, path: relativePath, version: z.number().int().min(1) }).strict(), result: VersionRestored },
  /** Saves a version's bytes as a new file (default: beside the original, with a clear name). */
  'history.saveCopy': {
    args: z.object({ folderId, path: relativePath, version: z.number().int().min(1), destination: z.string().min(1).max(4096).optional() }).strict(),
    result: VersionSaved,
  },
  'history.deleted': { args: z.object({ folderId }).strict(), result: DeletedFileList },
  /** Puts deleted files back where they were (recreating folders). */
  'history.restoreDeleted': { args: z.object({ folderId, ids: z.array(itemId).min(1).max(1000) }).strict(), result: DeletedRestore },

  // --- settings ---------------------------------------------------------------------------------------
  'settings.get': { args: NoArgs, result: SettingsView },
  'settings.update': { args: SettingsPatch, result: SettingsView },
  /** The folder's .tandemignore (gitignore syntax), with examples when there is none. */
  'settings.getIgnoreRules': { args: z.object({ folderId }).strict(), result: IgnoreRules },
  'settings.setIgnoreRules': { args: z.object({ folderId, text: z.string().max(100_000) }).strict(), result: IgnoreRules },
  /** "Copy diagnostics": versions, folders, states and counts; no file names or passwords. */
  'settings.diagnostics': { args: NoArgs, result: Diagnostics },
  /** The server this app hosts ("host on this computer"), if any: the addresses to give others. */
  'settings.hostedServer': { args: NoArgs, result: z.object({ server: HostedServer.nullable() }) },

  // --- health: what needs the person ----------------------------------------------------------------------
  'health.get': { args: NoArgs, result: HealthReport },
  'health.answerMassDelete': { args: z.object({ folderId, batchKey: z.string().min(1).max(500), answer: MassDeleteAnswer }).strict(), result: AppState },
} as const;

export const ipcEvents = {
  /** The overall and per-folder status changed (progress at most a few times a second). */
  'app.state': AppState,
  /** Something was added, changed, moved, deleted or restored. */
  'app.activity': ActivityEntry,
  /**
   * Something worth a desktop notification (new conflicts, errors, a question). Sent only while
   * the notifications preference is on, and already rate-limited: a burst comes as one.
   */
  'app.notification': Notification,
  /** The desktop shell asks the window to show a screen (from the tray menu). */
  'app.show': ShowScreen,
} as const;

export type IpcRequestName = keyof typeof ipcRequests;
export type IpcArgs<N extends IpcRequestName> = z.infer<(typeof ipcRequests)[N]['args']>;
export type IpcResult<N extends IpcRequestName> = z.infer<(typeof ipcRequests)[N]['result']>;
export type IpcEventName = keyof typeof ipcEvents;
export type IpcEventPayload<N extends IpcEventName> = z.infer<(typeof ipcEvents)[N]>;

/** What the app implements: one async handler per request. */
export type IpcHandlers = { [N in IpcRequestName]: (args: IpcArgs<N>) => Promise<IpcResult<N>> };

export function isIpcRequestName(name: string): name is IpcRequestName {
  return Object.hasOwn(ipcRequests, name);
}

export function isIpcEventName(name: string): name is IpcEventName {
  return Object.hasOwn(ipcEvents, name);
}
